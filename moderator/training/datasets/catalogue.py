"""The shared public corpora: where each lives, its loader, licence, attribution and use.

A corpus whose use is ``validation`` (its licence does not allow a shipped model to be
trained on it, or it is kept back to measure on) is scored, never fitted on:
`require_trainable` is the check every training entry point runs on its items. The
model cards copy licence and attribution from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from moderator.training.datasets.corpus import DatasetError, LabelledComment
from moderator.training.datasets.formats import LOADERS

TRAIN = "train"
VALIDATION = "validation"


@dataclass(frozen=True)
class Corpus:
    """One public corpus under ``../shared/datasets``."""

    folder: str  # its folder under the shared datasets directory
    data: str  # the data file (or "" for the whole folder) that the loader reads
    format: str  # the loader's name in `formats.LOADERS`
    sources: tuple[str, ...]  # the corpus prefixes of its items' `source` (before ":")
    title: str
    licence: str
    attribution: str
    upstream: str  # repository@commit the files were taken from
    use: str  # TRAIN or VALIDATION

    def path(self, shared: Path) -> Path:
        """Return the path the loader reads under a shared datasets directory."""
        folder = Path(shared) / self.folder
        return folder / self.data if self.data else folder

    def load(self, shared: Path, **options) -> list[LabelledComment]:
        """Load the corpus from a shared datasets directory."""
        return LOADERS[self.format](self.path(shared), **options)

    def card(self) -> dict:
        """Describe the corpus for a model card."""
        return {key: value for key, value in asdict(self).items() if key != "sources"}


CORPORA = (
    Corpus(
        folder="youtube-spam-collection",
        data="",
        format="youtube",
        sources=("youtube",),
        title="UCI YouTube Spam Collection v1",
        licence="CC BY 4.0",
        attribution=(
            "Alberto, Lochter, Almeida. TubeSpam: Comment Spam Filtering on YouTube. "
            "ICMLA 2015, doi 10.1109/ICMLA.2015.37."
        ),
        upstream="KayhanB21/YouTube-Spam-Collection@e1dcaf0a",
        use=TRAIN,
    ),
    Corpus(
        folder="sms-spam-collection",
        data="SMSSpamCollection",
        format="sms",
        sources=("sms",),
        title="SMS Spam Collection v.1",
        licence="free to use with citation",
        attribution=(
            "Almeida, Gómez Hidalgo, Yamakami. Contributions to the Study of SMS Spam "
            "Filtering: New Collection and Results. DocEng 2011."
        ),
        upstream="AlexandreBoult/Spam-Filter@f7eee295",
        use=TRAIN,
    ),
    Corpus(
        folder="meqsum",
        data="meqsum.jsonl",
        format="meqsum",
        sources=("meqsum",),
        title="MeQSum, consumer health questions",
        licence="CC BY 4.0",
        attribution=(
            "Ben Abacha, Demner-Fushman. On the Summarization of Consumer Health "
            "Questions. ACL 2019."
        ),
        upstream="abachaa/MeQSum@51e36cf6",
        use=TRAIN,
    ),
    Corpus(
        folder="trec-question-classification",
        data="train_5500.label",
        format="trec",
        sources=("trec",),
        title="TREC question classification (train_5500)",
        licence="research use with citation",
        attribution="Li, Roth. Learning Question Classifiers. COLING 2002.",
        upstream="rubenaranamorera/dl-course-trec@885b2c0a",
        use=TRAIN,
    ),
    Corpus(
        folder="scamspot-instagram-scam-comments",
        data="instagram_comments_labelled.csv",
        format="scamspot",
        sources=("scamspot",),
        title="ScamSpot Instagram scam comments",
        licence="MIT (text: public Instagram comments)",
        attribution=(
            "ScamSpot, Stefan Erben (2023), github.com/ScamSpot/scamspot_ig-comment-scraper."
        ),
        upstream="ScamSpot/scamspot_ig-comment-scraper@84f5ef098052b06f41dd66bb6035429b32879da4",
        use=TRAIN,
    ),
    Corpus(
        folder="smokedetector-se-titles",
        data="se_titles_spam_ham.csv",
        format="se-titles",
        sources=("se-titles",),
        title="SmokeDetector Stack Exchange spam and genuine titles (2014)",
        licence="code MIT/Apache-2.0; titles CC BY-SA 3.0",
        attribution=(
            "Titles by Stack Exchange users (CC BY-SA 3.0), collected by Charcoal-SE SmokeDetector."
        ),
        upstream="Undo1/SmokeDetector@58ccb686a8c6b33306fbfadff59167967bb955a0",
        use=TRAIN,
    ),
    Corpus(
        folder="cooking-se-titles",
        data="cooking_se_titles.csv",
        format="cooking",
        sources=("cooking",),
        title="Cooking Stack Exchange question titles (fastText tutorial data)",
        licence="CC BY-SA 3.0",
        attribution=(
            "Titles by Cooking Stack Exchange users (CC BY-SA 3.0), "
            "distributed by facebookresearch/fastText."
        ),
        upstream="HuStanding/ml@890d481df3da334b1f3b13ce43eb50df829915b7",
        use=TRAIN,
    ),
    Corpus(
        folder="kqa-patient-questions",
        data="questions.jsonl",
        format="kqa",
        sources=("kqa",),
        title="K-QA, authentic patient questions (K Health)",
        licence="MIT",
        attribution=(
            "Manes et al. K-QA: A Real-World Medical Q&A Benchmark. 2024. "
            "Copyright (c) 2023 Itay Manes."
        ),
        upstream="Itaymanes/K-QA@ef403d012e199fcfa0d8c02b38a96ff95164f4d0",
        use=TRAIN,
    ),
    Corpus(
        folder="c3-constructive-comments",
        data="C3_anonymized.csv",
        format="c3",
        sources=("c3",),
        title="C3, the Constructive Comments Corpus (Globe and Mail)",
        licence="CC BY-NC-SA 4.0 (parent corpus SOCC)",
        attribution=(
            "Kolhatkar, Thain, Sorensen, Dixon, Taboada. C3: The Constructive Comments "
            "Corpus. 2020, doi 10.25314/ea49062a-5cf6-4403-9918-539e15fd7b52."
        ),
        upstream="amitsultan/NLP_Discourse_parsing@18fe222bfbe90d2072836f34fbd5fe5de41c7ecc",
        use=VALIDATION,
    ),
    Corpus(
        folder="covid-q",
        data="final_master_dataset.csv",
        format="covid-q",
        sources=("covid-q",),
        title="COVID-Q, questions about COVID-19 (lay-written sources)",
        licence="GPL-3.0",
        attribution=(
            "Wei et al. What Are People Asking About COVID-19? "
            "A Question Classification Dataset. 2020."
        ),
        upstream="JerryWeiAI/COVID-Q@73dfa475e8a03c5c74223c2c37d85b87fae7dca7",
        use=VALIDATION,
    ),
    Corpus(
        folder="covid-dialogue-en",
        data="covid_dialogue_en.jsonl",
        format="covid-dialogue",
        sources=("covid-dialogue",),
        title="COVID-Dialogue-Dataset-English, patients' opening messages",
        licence="copyright of icliniq.com, healthcaremagic.com, healthtap.com (research only)",
        attribution=(
            "Yang et al. On the Generation of Medical Dialogues for COVID-19. 2020 (UCSD-AI4H)."
        ),
        upstream="UCSD-AI4H/COVID-Dialogue@029e8ab2fc406366809815f000ed5bac71b16c1f",
        use=VALIDATION,
    ),
    Corpus(
        folder="medicationqa",
        data="MedInfo2019-QA-Medications.csv",
        format="medicationqa",
        sources=("medicationqa",),
        title="MedicationQA, consumer medication questions",
        licence="unclear (none stated; cite the paper)",
        attribution=(
            "Ben Abacha et al. Bridging the Gap Between Consumers' Medication Questions "
            "and Trusted Answers. MEDINFO 2019."
        ),
        upstream="abachaa/Medication_QA_MedInfo2019@8756adc5f4bb99f6bcff690a13921337d9f9bb7e",
        use=VALIDATION,
    ),
)

BY_FOLDER = {corpus.folder: corpus for corpus in CORPORA}
BY_FORMAT = {corpus.format: corpus for corpus in CORPORA}
_BY_SOURCE = {prefix: corpus for corpus in CORPORA for prefix in corpus.sources}


class ValidationOnlyError(DatasetError):
    """Training was asked to fit on a corpus kept for validation."""


def corpus_for_source(source: str) -> Corpus | None:
    """Return the catalogue entry an item's `source` comes from (None: not a shared corpus)."""
    return _BY_SOURCE.get(source.split(":", 1)[0])


def shared_root(paths: Iterable[Path]) -> Path | None:
    """Return the shared datasets directory one of `paths` is a catalogued corpus of."""
    for path in paths:
        path = Path(path)
        for root in (path.parent, path.parent.parent):
            if any(corpus.path(root) == path for corpus in CORPORA):
                return root
    return None


def present(shared: Path) -> dict[str, list[Corpus]]:
    """Return the catalogued corpora found under a shared datasets directory, by use."""
    found: dict[str, list[Corpus]] = {TRAIN: [], VALIDATION: []}
    for corpus in CORPORA:
        if corpus.path(shared).exists():
            found[corpus.use].append(corpus)
    return found


def require_trainable(items: Iterable[LabelledComment]) -> None:
    """Refuse to fit on items from a validation-only corpus: raise `ValidationOnlyError`."""
    refused = sorted(
        {
            corpus.folder
            for item in items
            if (corpus := corpus_for_source(item.source)) is not None and corpus.use != TRAIN
        }
    )
    if refused:
        raise ValidationOnlyError(
            f"refusing to train on validation-only corpora: {', '.join(refused)} "
            "(they are scored, never fitted on; see ../shared/datasets/README.md)"
        )
