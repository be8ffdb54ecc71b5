"""The models a server runs: read once, checked, and never a reason to stop intake."""

from __future__ import annotations

import gc
import json
import logging
import shutil

import pytest
from hypothesis import given
from hypothesis import strategies as st

from moderator import models as model_store
from moderator.core.comment import Comment, clean_text
from moderator.core.decision import decide
from moderator.core.settings import SiteSettings
from moderator.core.states import Status
from moderator.ml.protocol import UnavailableModel
from moderator.models import ModelStore, collector_paused, load_models
from tests.fuzz import FUZZ, HOSTILE_TEXT
from tests.paths import MODELS


@pytest.fixture
def model_dir(tmp_path):
    """A copy of the shipped models that a test may damage."""
    folder = tmp_path / "models"
    folder.mkdir()
    for name in ("spam.joblib", "spam.json", "medical.joblib", "medical.json"):
        shutil.copyfile(MODELS / name, folder / name)
    return folder


def _truncate(path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _other_sklearn(card_path) -> None:
    card = json.loads(card_path.read_text())
    card["versions"]["scikit-learn"] = "0.0.1"
    card_path.write_text(json.dumps(card))


def _other_bytes(path) -> None:
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))


DAMAGES = {
    "missing": lambda folder: (folder / "spam.joblib").unlink(),
    "card missing": lambda folder: (folder / "spam.json").unlink(),
    "truncated": lambda folder: _truncate(folder / "spam.joblib"),
    "sha256 differs": lambda folder: _other_bytes(folder / "spam.joblib"),
    "other scikit-learn": lambda folder: _other_sklearn(folder / "spam.json"),
    "not a model": lambda folder: _not_a_model(folder),
}


def _not_a_model(folder) -> None:
    """A file whose card matches it but that holds no spam pipeline."""
    from moderator.ml.modelfile import load_card, save_model

    card = load_card(folder, "spam")
    save_model({"not": "a pipeline"}, card, folder, "spam")


@pytest.mark.parametrize("damage", DAMAGES, ids=list(DAMAGES))
def test_an_unfit_model_file_makes_that_model_unavailable_and_logs_the_fix(
    model_dir, damage, caplog
):
    DAMAGES[damage](model_dir)
    with caplog.at_level(logging.ERROR, logger="moderator.models"):
        models = load_models(model_dir)
    assert isinstance(models.spam, UnavailableModel)
    assert not isinstance(models.medical, UnavailableModel)
    assert [m.name for m in models.unavailable] == ["spam"]
    message = caplog.text
    assert "spam model is unavailable" in message and "held for review" in message
    assert "moderator train spam" in message and "restore" in message


def test_a_bad_new_file_keeps_the_last_good_model_serving(model_dir, caplog):
    store = ModelStore(model_dir)
    good = store.refresh()
    _truncate(model_dir / "spam.joblib")
    with caplog.at_level(logging.ERROR, logger="moderator.models"):
        again = store.refresh()
    assert again.spam is good.spam and again.unavailable == ()
    assert "Still serving " + good.spam.version in caplog.text
    assert "spam" in store.problems


def test_a_model_comes_back_when_its_file_is_fixed(model_dir):
    (model_dir / "medical.joblib").rename(model_dir / "medical.joblib.bak")
    store = ModelStore(model_dir)
    assert [m.name for m in store.refresh().unavailable] == ["medical"]
    (model_dir / "medical.joblib.bak").rename(model_dir / "medical.joblib")
    assert store.refresh().unavailable == () and store.problems == {}


def test_models_are_built_with_the_collector_paused_and_it_comes_back(model_dir, monkeypatch):
    """Building a model is an allocation burst of objects that all live on: the cyclic
    collector waits until it is over, and runs again afterwards, even after a failure."""
    seen = {}

    def build(name):
        def spy(file):
            seen[name] = gc.isenabled()
            if name == "medical":
                raise RuntimeError("a model of the wrong shape")
            return model_store.SpamModel(model_store.unpickle(file), file.card)

        return spy

    monkeypatch.setattr(model_store, "BUILDERS", {n: build(n) for n in ("spam", "medical")})
    assert gc.isenabled()
    store = ModelStore(model_dir)
    store.refresh()
    assert seen == {"spam": False, "medical": False}
    assert gc.isenabled()
    assert "medical" in store.problems and store.models.spam.version.startswith("spam-")


def test_a_paused_collector_stays_as_the_caller_left_it():
    """Pausing inside code that had already disabled the collector leaves it disabled."""
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_models_are_built_from_the_bytes_read_once(model_dir):
    """Damaging the file after the read changes nothing: workers never read it again."""
    store = ModelStore(model_dir)
    first = store.refresh()
    _truncate(model_dir / "spam.joblib")
    _truncate(model_dir / "medical.joblib")
    assert store.models.spam is first.spam and store.models.medical is first.medical
    assert store.models.unavailable == ()


# -- fuzzing: the shipped models decide any comment ---------------------------------------

COMMENT_FIELDS = st.fixed_dictionaries(
    {"content": HOSTILE_TEXT},
    optional={
        "author": HOSTILE_TEXT,
        "author_email": HOSTILE_TEXT,
        "author_url": HOSTILE_TEXT,
        "user_agent": HOSTILE_TEXT,
        "post_title": HOSTILE_TEXT,
    },
)


@FUZZ
@given(COMMENT_FIELDS)
def test_the_shipped_models_decide_any_comment(models, fields):
    comment = Comment.from_mapping({name: clean_text(value) for name, value in fields.items()})
    decision = decide(comment, SiteSettings(), models)
    assert 0.0 <= decision.spam_score <= 1.0 and 0.0 <= decision.medical_score <= 1.0
    assert decision.status in set(Status)
    json.dumps(decision.to_dict()).encode("utf-8")


#: Run in a fresh process: load the shipped models, then count the patterns compiled
#: while deciding a first comment that uses cues, medical words and a red flag's sign.
_FIRST_DECISION = """
import re, sys
from moderator.core.comment import Comment
from moderator.core.decision import decide
from moderator.core.settings import SiteSettings
from moderator.models import load_models

models = load_models(sys.argv[1])
compiled = []
real_compile = re.compile
re.compile = lambda *args, **kwargs: compiled.append(args[0]) or real_compile(*args, **kwargs)
text = "Hi Dr Lee, should I worry? My knee hurts and I had chest pain since yesterday."
decision = decide(Comment(content=text), SiteSettings(), models)
print(len(compiled), decision.needs_reply)
"""


def test_loaded_models_compile_nothing_more_at_the_first_comment():
    """A server that says it is ready has compiled every pattern: its first comment is
    decided as fast as its thousandth, not after seconds of compiling."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _FIRST_DECISION, str(MODELS)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split() == ["0", "True"]
