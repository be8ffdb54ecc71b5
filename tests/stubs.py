"""Stand-in models with scores a test chooses, for testing the decision logic in isolation."""

from __future__ import annotations

from dataclasses import dataclass

from moderator.core.reasons import Reason
from moderator.medical.model import Triage
from moderator.spam.model import SpamScore, Thresholds


@dataclass
class StubSpamModel:
    """Scores each comment by the number after `spam=` in its content (default 0.1)."""

    thresholds: Thresholds
    version: str = "spam-stub"
    card: dict | None = None

    def score(self, comment) -> SpamScore:
        """Score one comment."""
        value = 0.1
        if "spam=" in comment.content:
            value = float(comment.content.split("spam=", 1)[1].split()[0])
        reason = Reason("stub", "stub spam score", weight=value, source="spam_model")
        return SpamScore(value, (reason,))

    def score_many(self, comments):
        """Score many comments."""
        return [self.score(c) for c in comments]


@dataclass
class StubMedicalModel:
    """Flags comments containing `medical`, urgent when they also contain `urgent`."""

    threshold: float = 0.5
    version: str = "medical-stub"
    card: dict | None = None

    def triage(self, comment) -> Triage:
        """Triage one comment."""
        medical = "medical" in comment.content
        urgent = medical and "urgent" in comment.content
        reasons = (Reason("question_cue", "asks a question", 0.5, source="medical_model"),)
        return Triage(0.9 if medical else 0.05, medical, urgent, reasons if medical else ())

    def triage_many(self, comments):
        """Triage many comments."""
        return [self.triage(c) for c in comments]


def stub_models():
    """Return Models built from the stubs, with thresholds 0.5 / 0.9 / 0.99."""
    from moderator.core.decision import Models

    return Models(
        spam=StubSpamModel(Thresholds(unsure=0.5, spam=0.9, discard=0.99)),
        medical=StubMedicalModel(),
    )
