"""The decision: rules, then the spam score against thresholds, then medical triage."""

from __future__ import annotations

import pytest

from moderator.core.comment import Comment
from moderator.core.decision import Decision, decide, decide_many
from moderator.core.settings import SiteSettings
from moderator.storage.schema import Status, Verdict
from tests.stubs import stub_models

MODELS = stub_models()
DEFAULT = SiteSettings()


@pytest.mark.parametrize(
    ("score", "verdict", "status"),
    [
        (0.1, Verdict.HAM, Status.APPROVED),
        (0.5, Verdict.UNSURE, Status.PENDING),
        (0.89, Verdict.UNSURE, Status.PENDING),
        (0.9, Verdict.SPAM, Status.SPAM),
        (0.995, Verdict.SPAM, Status.SPAM),
    ],
)
def test_thresholds_order_the_verdicts(score, verdict, status):
    decision = decide(Comment(f"text spam={score}"), DEFAULT, MODELS)
    assert (decision.verdict, decision.status) == (verdict, status)
    assert decision.spam_score == pytest.approx(score)


def test_discard_only_for_blatant_spam():
    assert decide(Comment("spam=0.995"), DEFAULT, MODELS).discard
    assert not decide(Comment("spam=0.95"), DEFAULT, MODELS).discard


def test_decision_is_a_frozen_value_with_reasons():
    decision = decide(Comment("hello"), DEFAULT, MODELS)
    assert isinstance(decision, Decision) and decision.reasons
    with pytest.raises(AttributeError):
        decision.status = Status.SPAM  # type: ignore[misc]


def test_site_thresholds_override_the_model_card():
    strict = SiteSettings.from_dict({"thresholds": {"unsure": 0.05, "bogus": 3}})
    assert decide(Comment("spam=0.1"), strict, MODELS).verdict is Verdict.UNSURE
    assert decide(Comment("spam=0.1"), DEFAULT, MODELS).verdict is Verdict.HAM


def test_hold_all_holds_ham_for_review():
    held = SiteSettings.from_dict({"hold_all": True})
    assert decide(Comment("spam=0.1"), held, MODELS).status is Status.PENDING


def test_medical_question_needs_reply_and_keeps_its_reasons():
    decision = decide(Comment("medical question urgent spam=0.1"), DEFAULT, MODELS)
    assert decision.needs_reply and decision.urgent
    assert "question_cue" in {r.code for r in decision.reasons}


def test_spam_never_needs_a_reply():
    decision = decide(Comment("medical urgent spam=0.95"), DEFAULT, MODELS)
    assert decision.verdict is Verdict.SPAM
    assert not decision.needs_reply and not decision.urgent


@pytest.mark.parametrize(
    ("comment", "verdict"),
    [
        (Comment("spam=0.1", author="viagra-test-123"), Verdict.SPAM),
        (Comment("spam=0.1", author_email="akismet-guaranteed-spam@example.com"), Verdict.SPAM),
        (Comment("spam=0.99", user_role="administrator"), Verdict.HAM),
        (Comment("spam=0.99", user_role="administrator,super_admin"), Verdict.HAM),
        (Comment("spam=0.1", honeypot="filled by a bot"), Verdict.SPAM),
    ],
)
def test_rules_settle_the_verdict_before_the_model(comment, verdict):
    decision = decide(comment, DEFAULT, MODELS)
    assert decision.verdict is verdict
    assert decision.reasons[0].code in {"test_spam", "trusted_role", "honeypot"}


def test_decide_many_matches_decide():
    comments = [Comment("spam=0.2"), Comment("spam=0.95"), Comment("medical spam=0.3")]
    assert decide_many(comments, DEFAULT, MODELS) == [decide(c, DEFAULT, MODELS) for c in comments]


def test_to_dict_is_the_api_shape():
    body = decide(Comment("spam=0.6"), DEFAULT, MODELS).to_dict()
    assert body["status"] == "pending" and body["verdict"] == "unsure"
    assert body["model_versions"] == {"spam": "spam-stub", "medical": "medical-stub"}
    assert body["reasons"][0]["code"] == "stub"


def test_other_roles_get_no_free_pass():
    decision = decide(Comment("spam=0.99", user_role="subscriber,editor"), DEFAULT, MODELS)
    assert decision.verdict is Verdict.SPAM
    assert "trusted_role" not in {r.code for r in decision.reasons}


@pytest.mark.parametrize(
    "settings",
    [
        {"thresholds": {"spam": "abc"}},
        {"thresholds": {"spam": 7}},
        {"thresholds": {"unsure": 0.95, "spam": 0.5}},
        {"thresholds": ["not", "a", "dict"]},
        {"hold_all": "yes"},
        "not a dict",
        None,
    ],
)
def test_broken_site_settings_fall_back_to_the_model_card(settings):
    decision = decide(Comment("spam=0.6"), SiteSettings.from_dict(settings), MODELS)
    assert (decision.verdict, decision.status) == (Verdict.UNSURE, Status.PENDING)
