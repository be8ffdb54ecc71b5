"""The models a server runs: the shipped spam and medical models and the triage step.

The one place that names the concrete models; `moderator.core.decision` knows only the
protocol (`moderator.ml.protocol.Model`), so a stub, another classifier or a site's own
model drops in by building `Models` with it.
"""

from __future__ import annotations

from pathlib import Path

from moderator.core.decision import Models
from moderator.medical.model import load_medical_model
from moderator.medical.triage import triage
from moderator.spam.model import load_spam_model


def load_models(model_dir: Path | str) -> Models:
    """Load the spam and medical models once, raising ModelError with a fix when one is unusable."""
    return Models(
        spam=load_spam_model(Path(model_dir)),
        medical=load_medical_model(Path(model_dir)),
        triage=triage,
    )
