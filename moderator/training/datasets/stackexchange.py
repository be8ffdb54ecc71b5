"""Stack Exchange question titles: SmokeDetector's spam and genuine titles, Cooking's titles.

Titles are one-line, capitalised, with no greeting and often no final punctuation: a
style no blog comment has, which models must not learn as a class (see the medical and
spam features' normalisation).
"""

from __future__ import annotations

import functools
import random
import re
from collections import defaultdict
from pathlib import PurePosixPath

from moderator.training.datasets.corpus import (
    LabelledComment,
    bool_or_none,
    csv_rows,
    question_comment,
    slug,
)

SE_TITLES_PATTERNS = ("se_titles*.csv", "*.csv")
SE_TITLES_COLUMNS = ("text", "label", "source_file")
COOKING_PATTERNS = ("cooking*.csv", "*.csv")
COOKING_COLUMNS = ("se_post_id", "title", "tags")

#: The corpus prefix of the SmokeDetector titles' sources (``se-titles:<file>``).
SE_TITLES = "se-titles"
#: The query export in which about a fifth of the "spam" titles are legitimate
#: questions: weight it low or drop it.
SE_NOISY_SPAM = f"{SE_TITLES}:spammy-titles-queryresults"
#: Genuine titles that are real non-health questions from readers of a technical site.
SE_NON_MEDICAL = frozenset(
    f"{SE_TITLES}:{name}" for name in ("solowquality", "gaminggood", "electronicsgood")
)
#: Genuine titles left with ``medical_question=None``: Mathematics is half LaTeX (a
#: model would learn the markup as "not medical") and Cross Validated asks about
#: clinical statistics ("treatment groups", "medical records"): health words that are
#: not a reader's health question, neither a clean negative nor a positive.
SE_MEDICAL_UNKNOWN = frozenset(f"{SE_TITLES}:{name}" for name in ("mathematicsgood", "statsgood"))
#: A phone number as SE spam writes it: ``+91-9950211818``, ``1-844-202-5571``, ``(844) 202 5571``.
PHONE = re.compile(r"\+?\(?\d[\d\s().\-]{7,}\d")

#: Cooking tags on questions that are health-adjacent (food safety, nutrients, allergies,
#: diets): "Any health risk eating cold refrigerated pizza?" is about health but not a
#: reader's health question either, so these rows get ``medical_question=None``.
#: ``gluten-free``, ``kitchen-safety`` and ``knife-safety`` are baking and equipment
#: questions and stay negatives.
COOKING_HEALTH_TAGS = frozenset(
    {"food-safety", "safety", "nutrient-composition", "allergy", "vitamins", "dietary-restriction"}
)


@functools.cache
def se_source(source_file: str) -> str:
    """Return the source name of a SmokeDetector file: ``se-titles:<short file name>``."""
    name = PurePosixPath(source_file.split(" (", 1)[0].strip()).stem
    return f"{SE_TITLES}:{slug(name) or 'unknown'}"


def phone_digits(text: str) -> str:
    """Return the last ten digits of the first phone number in a title, or "".

    The last ten digits name the line whatever the prefix: ``+91-9950211818``,
    ``09950211818`` and ``9950211818`` are one campaign.
    """
    for match in PHONE.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 10 <= len(digits) <= 15:
            return digits[-10:]
    return ""


def load_se_titles(
    path, max_ham_per_file: int | None = None, seed: int = 0
) -> list[LabelledComment]:
    """Load SmokeDetector's Stack Exchange titles: spam, and genuine titles from five sites.

    `source` is ``se-titles:<file>`` (``SE_NOISY_SPAM`` is the noisy query export).
    `group` is the phone number (its last ten digits) for spam titles carrying one (one campaign
    repeats a number in many titles), else the source. Genuine titles from Stack
    Overflow, Gaming and Electronics are non-medical questions; Mathematics and Stats
    leave `medical_question` unknown (see ``SE_MEDICAL_UNKNOWN``); spam leaves it unknown.
    `max_ham_per_file` keeps a seeded, order-preserving sample of each file's genuine
    titles: the same sample for the same seed on every run.
    """
    items = []
    for _file, row in csv_rows(path, SE_TITLES_PATTERNS, SE_TITLES_COLUMNS, "SE titles"):
        spam = bool_or_none(row["label"])
        source = se_source(row["source_file"] or "")
        text = row["text"] or ""
        if spam:
            group, medical = phone_digits(text) or source, None
        else:
            group = source
            medical = None if spam is None or source in SE_MEDICAL_UNKNOWN else False
        items.append(
            LabelledComment(
                comment=question_comment(text),
                spam=spam,
                medical_question=medical,
                source=source,
                group=group,
            )
        )
    if max_ham_per_file is None:
        return items
    return _subsample_ham(items, max_ham_per_file, seed)


def _subsample_ham(
    items: list[LabelledComment], per_source: int, seed: int
) -> list[LabelledComment]:
    """Keep every spam item and at most `per_source` genuine ones per source, seeded."""
    ham_by_source: dict[str, list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        if item.spam is False:
            ham_by_source[item.source].append(index)
    keep = set()
    for source in sorted(ham_by_source):
        indices = ham_by_source[source]
        rng = random.Random(f"{seed}:{source}")
        keep.update(indices if len(indices) <= per_source else rng.sample(indices, per_source))
    return [item for index, item in enumerate(items) if item.spam is not False or index in keep]


def load_cooking(path) -> list[LabelledComment]:
    """Load Cooking Stack Exchange titles: genuine, non-medical questions.

    Titles tagged with a health-adjacent tag (``COOKING_HEALTH_TAGS``: food safety,
    nutrients, allergies, diets) get ``medical_question=None``: they touch health
    without being a reader's health question, so they are neither a clean negative nor a
    positive. `group` is the first tag: near-duplicate questions share it.
    """
    items = []
    for _file, row in csv_rows(path, COOKING_PATTERNS, COOKING_COLUMNS, "Cooking titles"):
        tags = [tag for tag in (row["tags"] or "").split("|") if tag]
        health = bool(COOKING_HEALTH_TAGS.intersection(tags))
        items.append(
            LabelledComment(
                comment=question_comment(row["title"] or "", f"cooking-{row['se_post_id']}"),
                spam=False,
                medical_question=None if health else False,
                source="cooking",
                group=f"cooking:{tags[0] if tags else 'untagged'}",
            )
        )
    return items
