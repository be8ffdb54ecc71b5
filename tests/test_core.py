"""The core (text, features, models, rules, decision, training) runs without Flask."""

from __future__ import annotations

import subprocess
import sys

CORE = [
    "moderator.text.tokens",
    "moderator.spam.features",
    "moderator.spam.model",
    "moderator.medical.model",
    "moderator.medical.red_flags",
    "moderator.text.vocabulary",
    "moderator.core.rules",
    "moderator.core.decision",
    "moderator.training.datasets",
    "moderator.training.spam",
    "moderator.training.medical",
]


def test_the_core_imports_neither_flask_nor_the_database_layer():
    code = (
        "import sys, importlib\n"
        f"for name in {CORE!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in ('flask', 'sqlalchemy', 'werkzeug') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
