"""The reviewed vocabularies: reading the TOML files and compiling their phrases."""

from __future__ import annotations

import pytest

from moderator.modelfile import ModelError
from moderator.vocabulary import (
    MEDICAL_TERMS_FILE,
    QUESTION_CUES_FILE,
    RED_FLAGS_FILE,
    read_vocabulary,
    term_pattern,
)


@pytest.mark.parametrize("path", [MEDICAL_TERMS_FILE, QUESTION_CUES_FILE, RED_FLAGS_FILE])
def test_the_shipped_vocabularies_read(path):
    """Each shipped file parses and holds its top-level table."""
    vocabulary = read_vocabulary(path)
    assert {"categories", "cues", "flags"} & set(vocabulary)


def test_a_broken_or_missing_file_is_a_clear_model_error(tmp_path):
    """A vocabulary that cannot be read names the file in the error."""
    broken = tmp_path / "broken.toml"
    broken.write_text("[flags\nname = ", encoding="utf-8")
    with pytest.raises(ModelError, match="broken.toml"):
        read_vocabulary(broken)
    with pytest.raises(ModelError, match="absent.toml"):
        read_vocabulary(tmp_path / "absent.toml")


def test_term_patterns_match_whole_words_with_optional_plurals():
    """Phrases match as whole words, plural "s"/"es" allowed, never inside another word."""
    pattern = term_pattern(["knee", "rash"], plural=True)
    assert [m.group(0) for m in pattern.finditer("Knees and rashes, a knee")] == [
        "Knees",
        "rashes",
        "knee",
    ]
    assert not pattern.search("kneel on the brash doorstep")
    assert not pattern.search("the knee's")  # an apostrophe joins the word


def test_case_sensitive_patterns_are_for_lower_cased_text():
    """Without ignore_case the pattern matches only the lower-case text it is given."""
    pattern = term_pattern(["knee"], ignore_case=False)
    assert pattern.search("my knee") and not pattern.search("my KNEE")
