"""Stand-in models with scores a test chooses, for testing the decision logic in isolation."""

from __future__ import annotations

from dataclasses import dataclass, field

from moderator.core.decision import Triage
from moderator.core.reasons import Reason
from moderator.core.settings import Thresholds
from moderator.ml.protocol import Score


@dataclass
class StubSpamModel:
    """Scores each comment by the number after `spam=` in its content (default 0.1)."""

    thresholds: Thresholds
    name: str = "spam"
    version: str = "spam-stub"

    @property
    def card(self) -> dict:
        """A model card holding the thresholds, as a trained model's does."""
        return {"thresholds": self.thresholds.to_dict()}

    def score_many(self, comments) -> list[Score]:
        """Score many comments."""
        return [self._score(c) for c in comments]

    def _score(self, comment) -> Score:
        value = 0.1
        if "spam=" in comment.content:
            value = float(comment.content.split("spam=", 1)[1].split()[0])
        reason = Reason("stub", "stub spam score", weight=value, source="spam_model")
        return Score(value, (reason,))


@dataclass
class StubMedicalModel:
    """Scores comments containing `medical` 0.9 (with a question reason), others 0.05."""

    name: str = "medical"
    version: str = "medical-stub"
    card: dict = field(default_factory=lambda: {"threshold": 0.5})

    def score_many(self, comments) -> list[Score]:
        """Score many comments."""
        reasons = (Reason("question_cue", "asks a question", 0.5, source="medical_model"),)
        return [
            Score(0.9, reasons) if "medical" in c.content else Score(0.05, ()) for c in comments
        ]


def stub_triage(comment, score: Score, threshold: float) -> Triage:
    """Needs a reply from the threshold, as the real triage; urgent when it says `urgent`."""
    needs_reply = score.probability >= threshold
    urgent = needs_reply and "urgent" in comment.content
    return Triage(score.probability, needs_reply, urgent, score.reasons)


def stub_models():
    """Return Models built from the stubs, with thresholds 0.5 / 0.9 / 0.99."""
    from moderator.core.decision import Models

    return Models(
        spam=StubSpamModel(Thresholds(unsure=0.5, spam=0.9, discard=0.99)),
        medical=StubMedicalModel(),
        triage=stub_triage,
    )
