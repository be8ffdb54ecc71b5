"""The decision: rules, then the spam score against thresholds, then medical triage."""

from __future__ import annotations

import subprocess
import sys

import pytest

from moderator.core.comment import Comment
from moderator.core.decision import Decision, Models, decide, decide_many
from moderator.core.history import History
from moderator.core.settings import SiteSettings, Thresholds
from moderator.core.states import Status, Verdict
from moderator.medical.triage import triage
from tests.stubs import StubMedicalModel, stub_models

MODELS = stub_models()
DEFAULT = SiteSettings()


@pytest.mark.parametrize(
    ("score", "verdict"),
    [(0.0, "ham"), (0.29, "ham"), (0.3, "unsure"), (0.79, "unsure"), (0.8, "spam"), (1.0, "spam")],
)
def test_thresholds_order_the_verdicts_of_a_score(score, verdict):
    assert Thresholds(unsure=0.3, spam=0.8, discard=0.95).verdict(score) == verdict


def test_thresholds_round_trip_and_refuse_disorder():
    thresholds = Thresholds(unsure=0.3, spam=0.8, discard=0.95)
    assert Thresholds.from_dict(thresholds.to_dict()) == thresholds
    with pytest.raises(ValueError):
        Thresholds(unsure=0.9, spam=0.8, discard=0.95)
    with pytest.raises(ValueError):
        Thresholds.from_dict({"unsure": 0.1})


def test_a_card_without_thresholds_gets_the_defaults():
    assert Thresholds.from_card({}) == Thresholds(unsure=0.5, spam=0.9, discard=0.99)
    assert Thresholds.from_card({"thresholds": {"unsure": 0.3, "spam": 0.8, "discard": 0.95}}) == (
        Thresholds(unsure=0.3, spam=0.8, discard=0.95)
    )


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
    decision = decide(Comment("medical question spam=0.95"), DEFAULT, MODELS)
    assert decision.verdict is Verdict.SPAM and decision.status is Status.SPAM
    assert not decision.needs_reply and not decision.urgent


@pytest.mark.parametrize("spam_score", [0.1, 0.6, 0.95, 0.999])
def test_an_urgent_comment_is_never_discarded_nor_spam_foldered(spam_score):
    """Whatever the spam score, an urgent comment is held, urgent, needing a reply: the
    author sees a reader in danger before anyone else (and the platform keeps it pending)."""
    decision = decide(Comment(f"medical urgent spam={spam_score}"), DEFAULT, MODELS)
    assert decision.urgent and decision.needs_reply
    assert decision.status is Status.PENDING and not decision.discard
    (held,) = [r for r in decision.reasons if r.code == "held_urgent"]
    assert ("looks like spam" in held.message) is (spam_score >= 0.9)


def test_an_urgent_comment_a_rule_refuses_is_held():
    """A blocking rule (Akismet's test author) cannot send a reader in danger to spam."""
    comment = Comment("medical urgent spam=0.1", author="viagra-test-123")
    decision = decide(comment, DEFAULT, MODELS)
    assert decision.verdict is Verdict.SPAM
    assert decision.status is Status.PENDING and not decision.discard and decision.urgent


SHIPPED_TRIAGE = Models(spam=MODELS.spam, medical=StubMedicalModel(), triage=triage)


@pytest.mark.parametrize(
    "text",
    [
        "chest pain spreading down my left arm while I read this spam=0.999",
        "buy cheap pills http://x.example goodbye everyone, tonight is the night spam=0.999",
    ],
)
def test_the_shipped_triage_holds_a_spammy_emergency_naming_its_flag(text):
    """The real red flags, no question asked, a spam score over discard: held and named."""
    decision = decide(Comment(text), DEFAULT, SHIPPED_TRIAGE)
    assert decision.urgent and decision.status is Status.PENDING and not decision.discard
    flags = [r for r in decision.reasons if r.code == "red_flag"]
    assert flags and all(r.title and r.evidence for r in flags)


def test_red_flags_still_work_when_a_model_is_unavailable():
    """Without the models the comment is held anyway; the red flags still mark it urgent."""
    from moderator.ml.protocol import UnavailableModel

    models = Models(
        spam=UnavailableModel("spam", "missing"), medical=StubMedicalModel(), triage=triage
    )
    decision = decide(
        Comment("my face is drooping on one side and my speech is slurred"), DEFAULT, models
    )
    assert decision.urgent and decision.needs_reply and decision.status is Status.PENDING
    assert "red_flag" in {r.code for r in decision.reasons}


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


def test_the_shipped_triage_reads_a_stand_in_medical_models_score():
    """Any medical model drops in: the default triage step meets its score with the
    reviewed red flags."""
    models = Models(spam=MODELS.spam, medical=StubMedicalModel(), triage=triage)
    text = "medical: numbness down there and can't control my bladder since yesterday, is it ok?"
    decision = decide(Comment(text), DEFAULT, models)
    assert decision.needs_reply and decision.urgent
    codes = [r.code for r in decision.reasons]
    assert "red_flag" in codes and codes.index("question_cue") < codes.index("red_flag")
    calm = decide(Comment("medical: how long do I ice a sprain?"), DEFAULT, models)
    assert calm.needs_reply and not calm.urgent


def test_the_decision_names_no_concrete_model():
    """Deciding needs only the model protocol: importing it loads no model module."""
    code = (
        "import sys, moderator.core.decision\n"
        "print(sorted(m for m in sys.modules if m.endswith(('spam.model', 'medical.model'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# -- a model that could not be loaded ---------------------------------------------------


def _without(name: str) -> Models:
    """The stub models with one replaced by an UnavailableModel, as a failed load leaves them."""
    from dataclasses import replace

    from moderator.ml.protocol import UnavailableModel

    return replace(MODELS, **{name: UnavailableModel(name, "model file damaged")})


@pytest.mark.parametrize("missing", ["spam", "medical"])
@pytest.mark.parametrize(
    "comment",
    [
        Comment("Lovely post, thanks spam=0.01"),
        Comment("Thanks!", user_role="administrator"),  # a rule that forces ham
        Comment("a medical question, urgent"),
    ],
)
def test_without_a_model_nothing_is_approved_and_the_reason_says_why(missing, comment):
    decision = decide(comment, DEFAULT, _without(missing))
    assert decision.status is Status.PENDING
    assert not decision.needs_reply and not decision.discard
    held = [r for r in decision.reasons if r.code == "model_unavailable"]
    assert len(held) == 1 and missing in held[0].message and held[0].title == "model unavailable"
    assert getattr(decision, f"{missing}_model_version") == f"{missing}-unavailable"


def test_without_a_model_the_rules_still_send_spam_to_spam():
    decision = decide(Comment("Buy now", author="viagra-test-123"), DEFAULT, _without("spam"))
    assert decision.status is Status.SPAM and decision.verdict is Verdict.SPAM
    assert [r.code for r in decision.reasons] == ["test_spam", "model_unavailable"]


def test_without_a_model_a_batch_is_held_whole():
    comments = [Comment(f"comment {i} spam=0.01") for i in range(3)]
    decisions = decide_many(comments, DEFAULT, _without("spam"))
    assert [d.status for d in decisions] == [Status.PENDING] * 3


def test_unavailable_models_are_listed_and_never_asked_for_a_score():
    models = _without("medical")
    assert [m.name for m in models.unavailable] == ["medical"]
    assert MODELS.unavailable == ()
    with pytest.raises(RuntimeError, match="unavailable"):
        models.medical.score_many([Comment("x")])


# -- the site's rules around the model -----------------------------------------------------


def test_a_block_word_sends_to_spam_and_the_models_reasons_still_show():
    site = SiteSettings.parse({"block_words": ["casino"]})
    decision = decide(Comment("casino night spam=0.1"), site, MODELS)
    assert (decision.verdict, decision.status) == (Verdict.SPAM, Status.SPAM)
    codes = [reason.code for reason in decision.reasons]
    assert codes[0] == "block_word" and len(codes) > 1  # the model's reason follows
    assert decision.reasons[0].evidence == ("casino",)
    assert decide(Comment("casino night spam=0.1"), DEFAULT, MODELS).status is Status.APPROVED


@pytest.mark.parametrize(
    ("score", "status"), [(0.1, Status.PENDING), (0.6, Status.PENDING), (0.95, Status.SPAM)]
)
def test_a_hold_rule_holds_what_the_model_would_approve_but_spam_stays_spam(score, status):
    site = SiteSettings.parse({"hold_links_at": 1})
    decision = decide(Comment(f"see http://a.example spam={score}"), site, MODELS)
    assert decision.status is status
    assert "link_limit" in [reason.code for reason in decision.reasons]


@pytest.mark.parametrize(
    ("trusted", "approved_before", "score", "status"),
    [
        (True, True, 0.6, Status.APPROVED),
        (True, True, 0.95, Status.SPAM),
        (True, False, 0.6, Status.PENDING),
        (False, True, 0.6, Status.PENDING),
    ],
)
def test_a_previously_approved_author_is_approved_unless_the_score_is_high(
    trusted, approved_before, score, status
):
    site = SiteSettings(trust_approved_authors=trusted)
    history = History(author_approved=approved_before)
    decision = decide(Comment(f"hello spam={score}"), site, MODELS, history)
    assert decision.status is status
    codes = [reason.code for reason in decision.reasons]
    assert ("approved_author" in codes) == (status is Status.APPROVED)


def test_a_trusted_author_is_still_held_by_a_hold_rule():
    site = SiteSettings.parse({"trust_approved_authors": True, "hold_words": ["refund"]})
    decision = decide(Comment("refund? spam=0.6"), site, MODELS, History(author_approved=True))
    assert decision.status is Status.PENDING
