"""Where the tests find the project's files, wherever a test module sits below tests/."""

from __future__ import annotations

from pathlib import Path

#: The project folder (a checkout: moderator/, models/, training_data/ ...).
ROOT = Path(__file__).resolve().parent.parent
#: The shipped models.
MODELS = ROOT / "models"
#: Small data files written for the tests.
FIXTURES = ROOT / "tests" / "fixtures"
#: The public corpora beside the project, when present (tests that need them skip otherwise).
SHARED_DATASETS = ROOT.parent / "shared" / "datasets"
