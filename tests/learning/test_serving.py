"""Serving learned layers: the registry checked at most every N seconds, failures harmless."""

from __future__ import annotations

import pytest

from moderator.core.comment import Comment
from moderator.core.decision import Models
from moderator.core.settings import Thresholds
from moderator.learning import registry, serving
from moderator.learning.layer import fit_layer
from moderator.storage.models_registry import ActiveVersion
from tests.stubs import StubMedicalModel, StubSpamModel, stub_triage

THRESHOLDS = Thresholds.from_dict({"unsure": 0.5, "spam": 0.7, "discard": 0.95})


class Registry:
    """What the database answers for the active versions (or raises, when it is down)."""

    def __init__(self) -> None:
        self.active: list[ActiveVersion] = []
        self.down = False
        self.queries = 0

    def __call__(self, session) -> list[ActiveVersion]:
        """Answer like `models_registry.active_versions`."""
        self.queries += 1
        if self.down:
            raise ConnectionError("database unreachable")
        return list(self.active)


class Session:
    def close(self) -> None:
        """Nothing to close."""


@pytest.fixture
def answers(monkeypatch) -> Registry:
    """The registry's answers, in place of the database's."""
    fake = Registry()
    monkeypatch.setattr(serving.rows, "active_versions", fake)
    return fake


@pytest.fixture
def learned(tmp_path):
    """LearnedModels over stub models, with a clock the test moves."""
    base = Models(StubSpamModel(THRESHOLDS), StubMedicalModel(), stub_triage)
    now = [0.0]
    models = serving.LearnedModels(base, tmp_path, Session, check_seconds=30, clock=lambda: now[0])
    models.now = now
    return models


def write_version(store, site_id: int, version: str) -> ActiveVersion:
    """Write a layer that learned 'pills' is spam; return its registry entry."""
    layer = fit_layer(
        [Comment("buy pills now"), Comment("cheap pills"), Comment("nice post"), Comment("thanks")],
        [True, True, False, False],
        [0.1] * 4,
        strength=0.01,
    )
    file, sha = registry.write_layer(store, version, layer, {})
    return ActiveVersion(1, "spam", site_id, version, file, sha)


def spam_score(models: Models) -> float:
    return models.spam.score_many([Comment("pills pills")])[0].probability


def test_without_versions_every_site_gets_the_shared_models_themselves(learned, answers):
    assert learned.for_site(1) is learned.base


def test_the_registry_is_asked_at_most_every_check_interval(learned, answers, tmp_path):
    learned.for_site(1)
    answers.active = [write_version(tmp_path, 1, "spam-site1-a")]
    learned.now[0] = 29.9
    assert learned.for_site(1) is learned.base and answers.queries == 1
    learned.now[0] = 30.0
    assert spam_score(learned.for_site(1)) > 0.5 and answers.queries == 2
    assert learned.for_site(2) is learned.base  # another site: as before


def test_a_database_outage_keeps_serving_what_is_loaded(learned, answers, tmp_path):
    answers.active = [write_version(tmp_path, 1, "spam-site1-a")]
    adapted = learned.for_site(1)
    answers.down = True
    learned.now[0] = 60
    assert learned.for_site(1) is adapted


def test_a_file_that_fails_to_load_is_tried_again_at_the_next_check(learned, answers, tmp_path):
    good = write_version(tmp_path, 1, "spam-site1-a")
    answers.active = [ActiveVersion(1, "spam", 1, good.version, good.file, "0" * 64)]
    assert learned.for_site(1) is learned.base
    assert "spam-site1-a" in learned.problems
    answers.active = [good]
    learned.now[0] = 30
    assert spam_score(learned.for_site(1)) > 0.5
    assert "spam-site1-a" not in learned.problems
