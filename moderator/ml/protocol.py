"""The model protocol: what the decision asks of a model, whichever model it is.

The spam model, the medical-question model, a test's stub or a model trained for one
site all answer the same way: a calibrated probability per comment with the reasons
behind it. The decision names no concrete class, so any of them drops in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from moderator.core.comment import Comment
from moderator.core.reasons import Reason


@dataclass(frozen=True)
class Score:
    """A model's calibrated probability for one comment and the signals behind it."""

    probability: float
    reasons: tuple[Reason, ...]


@runtime_checkable
class Model(Protocol):
    """A loaded model: its name, its version, its card, and a batch scorer.

    `card` is the model card it was saved with (`moderator.ml.modelfile`); the decision
    reads its cut-offs from there.
    """

    name: str
    version: str
    card: dict

    def score_many(self, comments: Sequence[Comment]) -> list[Score]:
        """Score comments in order; each score depends on its own comment only."""
        ...


@dataclass(frozen=True)
class UnavailableModel:
    """A model that could not be loaded, standing in for it so that intake goes on.

    The decision holds every comment for review while one is in place (it never asks it
    for a score); `problem` says what went wrong and what to do, for the log and /readyz.
    """

    name: str
    problem: str

    @property
    def version(self) -> str:
        """The version comments decided without this model record."""
        return f"{self.name}-unavailable"

    @property
    def card(self) -> dict:
        """No card: nothing was loaded."""
        return {}

    def score_many(self, comments: Sequence[Comment]) -> list[Score]:
        """Refuse: there is no model to score with (the decision never calls this)."""
        raise RuntimeError(f"the {self.name} model is unavailable: {self.problem}")
