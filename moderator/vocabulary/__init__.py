"""The reviewed vocabularies: TOML files beside this module, and how their phrases compile.

`medical_terms.toml` and `question_cues.toml` feed the medical model's readable
features; `red_flags.toml` holds the urgent signs with their rationale.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from pathlib import Path

from moderator.modelfile import ModelError

DIR = Path(__file__).parent
MEDICAL_TERMS_FILE = DIR / "medical_terms.toml"
QUESTION_CUES_FILE = DIR / "question_cues.toml"
RED_FLAGS_FILE = DIR / "red_flags.toml"


def read_vocabulary(path: Path) -> dict:
    """Read a TOML vocabulary file, raising ModelError with the file named when broken."""
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ModelError(f"vocabulary {path} is unreadable ({exc})") from exc


def term_pattern(
    phrases: Iterable[str], plural: bool = False, ignore_case: bool = True
) -> re.Pattern:
    """Compile vocabulary phrases into one word-bounded alternation.

    The vocabulary is written in lower case: a pattern compiled without `ignore_case`
    matches lower-cased text, about twice as fast as a case-blind one.
    """
    suffix = r"(?:e?s)?" if plural else ""
    alternation = "|".join(f"(?:{p})" for p in sorted(phrases, key=len, reverse=True))
    flags = re.IGNORECASE if ignore_case else 0
    return re.compile(rf"(?<!\w)(?<!\w')(?:{alternation}){suffix}(?!\w)(?!'\w)", flags)
