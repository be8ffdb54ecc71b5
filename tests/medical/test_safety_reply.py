"""The safety reply drafted for an urgent comment: the site's numbers, the right kind of help."""

from __future__ import annotations

import pytest

from moderator.core.reasons import Reason
from moderator.medical.safety_reply import safety_lines, safety_reply
from moderator.text.vocabulary import SAFETY_LINES_FILE, read_vocabulary


def _flag(title: str) -> Reason:
    return Reason("red_flag", f"Red flag: {title}.", 1.0, ("words",), "medical_model", title)


def test_a_physical_emergency_gets_the_countrys_emergency_number():
    text = safety_reply([_flag("possible stroke (FAST)")], "US")
    assert "911" in text and "possible stroke" in text and "988" not in text


def test_a_reader_in_crisis_gets_the_crisis_line_and_the_emergency_number():
    text = safety_reply([_flag("suicidal thoughts, plans or goodbye")], "GB")
    assert "116 123" in text and "999" in text


def test_an_unknown_country_gets_the_general_wording():
    assert safety_lines("") == safety_lines("ZZ")
    assert "findahelpline.com" in safety_reply([_flag("self-harm")], "")


@pytest.mark.parametrize("country", sorted(read_vocabulary(SAFETY_LINES_FILE)["countries"]))
def test_every_country_names_its_numbers_and_their_source(country):
    """Each line of the table is an ISO code with an emergency number, a crisis line, a source."""
    assert len(country) == 2 and country.isupper()
    lines = safety_lines(country)
    assert any(ch.isdigit() for ch in lines.emergency) and lines.crisis and lines.source
