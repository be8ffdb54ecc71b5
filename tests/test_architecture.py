"""The architecture holds: each package imports only the layers ARCHITECTURE.md allows."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import ROOT

PACKAGE = ROOT / "moderator"

#: What each package may import from moderator (besides itself), as in ARCHITECTURE.md.
ALLOWED = {
    "core": {"ml"},
    "text": {"ml"},
    "ml": {"core"},
    "spam": {"core", "text", "ml"},
    "medical": {"core", "text", "ml"},
    "training": {"core", "text", "ml", "spam", "medical"},
    "storage": {"core"},
    "learning": {"core", "ml", "storage"},
    "web": {
        "core",
        "text",
        "ml",
        "spam",
        "medical",
        "storage",
        "learning",
        "db",
        "config",
        "notifications",
        "metrics",
        "webhooks",
    },
}
#: Outside libraries only the application layers may import.
WEB_ONLY = {"flask", "werkzeug", "markupsafe", "jinja2"}
DATABASE = {"sqlalchemy", "alembic", "psycopg"}
FORBIDDEN = {
    "core": WEB_ONLY | DATABASE,
    "text": WEB_ONLY | DATABASE,
    "ml": WEB_ONLY | DATABASE,
    "spam": WEB_ONLY | DATABASE,
    "medical": WEB_ONLY | DATABASE,
    "training": WEB_ONLY | DATABASE,
    # werkzeug.security's password hashing is no web code; the rest of werkzeug is.
    "learning": WEB_ONLY,
    "storage": WEB_ONLY - {"werkzeug"} | {"werkzeug.routing", "werkzeug.wrappers"},
}


def _imports(path: Path) -> set[str]:
    """Return the dotted names a module imports (absolute imports only; we use no others)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            if node.module == "moderator":
                names.update(f"moderator.{alias.name}" for alias in node.names)
    return names


def _modules(package: str) -> list[Path]:
    return sorted((PACKAGE / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_each_package_imports_only_the_layers_it_may(package):
    allowed = ALLOWED[package] | {package}
    wrong = []
    for module in _modules(package):
        for name in _imports(module):
            top = name.split(".")[0]
            if top == "moderator" and "." in name:
                layer = name.split(".")[1]
                if layer not in allowed:
                    wrong.append(f"{module.relative_to(PACKAGE)} imports {name}")
            elif top in FORBIDDEN.get(package, ()) or name in FORBIDDEN.get(package, ()):
                wrong.append(f"{module.relative_to(PACKAGE)} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_every_module_belongs_to_a_known_layer():
    """A new top-level module or package must be placed in ARCHITECTURE.md and here."""
    app_modules = {
        "__init__",
        "__main__",
        "cli",
        "config",
        "db",
        "export",
        "imports",
        "metrics",
        "migrations",
        "models",
        "notifications",
        "server",
        "webhooks",
        "worker",
    }
    found = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()}
    found -= {"__pycache__"}
    assert found <= set(ALLOWED) | app_modules, found - set(ALLOWED) - app_modules


def test_the_core_runs_without_flask_or_the_database():
    """Importing every core, model and training module loads neither Flask nor SQLAlchemy."""
    names = [
        ".".join(module.relative_to(PACKAGE.parent).with_suffix("").parts)
        for package in ("core", "text", "ml", "spam", "medical", "training")
        for module in _modules(package)
    ]
    code = (
        "import sys, importlib\n"
        f"for name in {names!r}: importlib.import_module(name.removesuffix('.__init__'))\n"
        "print(sorted(m for m in ('flask', 'sqlalchemy', 'werkzeug') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_importers_run_without_flask():
    """`moderator.imports` reads files and calls storage: a job could run it without an app."""
    code = "import sys, moderator.imports\nprint('flask' in sys.modules)\n"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
