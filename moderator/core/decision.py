"""The decision: one function turns a comment and its site's settings into a verdict.

rules → spam model → medical model → triage → status. Views, the Akismet API and the
review page all call `decide`; none re-implements a part of it. The models are any
that follow `moderator.ml.protocol.Model`: the shipped ones, a test's stubs, or a
site's own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

from moderator.core.comment import Comment
from moderator.core.history import NO_HISTORY, History
from moderator.core.reasons import Reason, held_urgent, model_unavailable
from moderator.core.rules import RuleOutcome, apply_rules
from moderator.core.settings import SiteSettings, Thresholds
from moderator.core.states import Status, Verdict
from moderator.ml.protocol import Model, Score, UnavailableModel

#: How many of the spam model's signals a decision keeps.
TOP_SPAM_REASONS = 5


@dataclass(frozen=True)
class Triage:
    """The medical view of one comment: does it need the author's reply, and how urgently."""

    medical_score: float
    needs_reply: bool
    urgent: bool
    reasons: tuple[Reason, ...]

    def to_dict(self) -> dict:
        """Return the JSON form used by the API."""
        return {
            "medical_score": round(float(self.medical_score), 4),
            "needs_reply": self.needs_reply,
            "urgent": self.urgent,
            "reasons": [r.to_dict() for r in self.reasons],
        }


#: The triage step: a comment, its medical score and the reply threshold in; whether it
#: needs a reply, and how urgently, out.
TriageStep = Callable[[Comment, Score, float], "Triage"]


@dataclass(frozen=True)
class Models:
    """The models a process runs (see `moderator.models.load_models`), and the triage
    step that reads the medical score and judges urgency on its own red flags
    (replaceable: a learned urgency model could sit beside the rules).

    A model that could not be loaded is an `UnavailableModel`: the decision then holds
    every comment for review instead of scoring it.
    """

    spam: Model | UnavailableModel
    medical: Model | UnavailableModel
    triage: TriageStep

    @property
    def unavailable(self) -> tuple[UnavailableModel, ...]:
        """The models that could not be loaded (none when the process is ready)."""
        return tuple(m for m in (self.spam, self.medical) if isinstance(m, UnavailableModel))

    @cached_property
    def card_thresholds(self) -> Thresholds:
        """The spam model card's thresholds, read once (a card never changes once loaded)."""
        return Thresholds.from_card(self.spam.card)

    @cached_property
    def reply_threshold(self) -> float:
        """The P(medical question) from which a comment needs a reply: the medical card's."""
        return float(self.medical.card["threshold"])


@dataclass(frozen=True)
class Decision:
    """What moderator decided about one comment, and why."""

    status: Status
    verdict: Verdict
    spam_score: float
    discard: bool
    medical_score: float
    needs_reply: bool
    urgent: bool
    reasons: tuple[Reason, ...]
    spam_model_version: str
    medical_model_version: str

    def to_dict(self) -> dict:
        """Return the JSON form shared by the API and storage."""
        return {
            "status": self.status.value,
            "verdict": self.verdict.value,
            "spam_score": round(self.spam_score, 4),
            "discard": self.discard,
            "needs_reply": self.needs_reply,
            "medical_score": round(self.medical_score, 4),
            "urgent": self.urgent,
            "reasons": [reason.to_dict() for reason in self.reasons],
            "model_versions": {
                "spam": self.spam_model_version,
                "medical": self.medical_model_version,
            },
        }


def thresholds_for(site: SiteSettings, models: Models) -> Thresholds:
    """Return the spam thresholds in force for a site: the card's, overridden by the site's."""
    card = models.card_thresholds
    if not site.thresholds:
        return card
    merged = {**card.to_dict(), **site.thresholds}
    if not merged["unsure"] <= merged["spam"] <= merged["discard"]:
        return card  # an inconsistent override falls back to the model card's thresholds
    return Thresholds.from_dict(merged)


def decide(
    comment: Comment, site: SiteSettings, models: Models, history: History = NO_HISTORY
) -> Decision:
    """Decide one comment (`history`: what storage knows of its past, see `History`)."""
    return decide_many([comment], site, models, [history])[0]


def decide_many(
    comments: Sequence[Comment],
    site: SiteSettings,
    models: Models,
    histories: Sequence[History] | None = None,
) -> list[Decision]:
    """Decide many comments at once (the models score them in one batch)."""
    if histories is None:
        histories = [NO_HISTORY] * len(comments)
    outcomes = [
        apply_rules(comment, site, history)
        for comment, history in zip(comments, histories, strict=True)
    ]
    if models.unavailable:
        # the red flags need no model: a reader in danger is flagged even then
        unscored = Score(0.0, ())
        return [
            _held(outcome, models.triage(comment, unscored, 1.0), models)
            for comment, outcome in zip(comments, outcomes, strict=True)
        ]
    spam_scores = models.spam.score_many(comments)
    medical_scores = models.medical.score_many(comments)
    thresholds = thresholds_for(site, models)
    triages = [
        models.triage(comment, score, models.reply_threshold)
        for comment, score in zip(comments, medical_scores, strict=True)
    ]
    return [
        _combine(outcome, spam, triage, thresholds, site, history, models)
        for outcome, spam, triage, history in zip(
            outcomes, spam_scores, triages, histories, strict=True
        )
    ]


#: Why a comment the model was unsure of was approved: its author was approved before.
TRUSTED_AUTHOR = Reason(
    "approved_author",
    "the same name and e-mail had a comment approved before",
    weight=-0.5,
)


def _trusted_author(site: SiteSettings, history: History) -> bool:
    """Whether the site approves its previously approved authors unless the score is high."""
    return site.trust_approved_authors and history.author_approved


def _held(outcome: RuleOutcome, triage: Triage, models: Models) -> Decision:
    """Decide without a model: the rules still run, but nothing is approved unseen.

    A rule's spam verdict stands, unless the comment is urgent (the red flags need no
    model): everything else waits for a moderator, with a reason naming each missing
    model. There is no score: both scores are 0.
    """
    verdict = Verdict(outcome.verdict) if outcome.verdict is not None else Verdict.UNSURE
    reasons = [*outcome.reasons, *(model_unavailable(m.name) for m in models.unavailable)]
    spam = verdict is Verdict.SPAM and not triage.urgent
    if triage.urgent:
        reasons.extend(triage.reasons)
        if verdict is Verdict.SPAM:
            reasons.append(held_urgent(looks_like_spam=True))
    return Decision(
        status=Status.SPAM if spam else Status.PENDING,
        verdict=verdict,
        spam_score=0.0,
        discard=bool(spam and outcome.discard),
        medical_score=0.0,
        needs_reply=triage.urgent,
        urgent=triage.urgent,
        reasons=tuple(reasons),
        spam_model_version=models.spam.version,
        medical_model_version=models.medical.version,
    )


def _combine(
    outcome: RuleOutcome,
    spam: Score,
    triage: Triage,
    thresholds: Thresholds,
    site: SiteSettings,
    history: History,
    models: Models,
) -> Decision:
    # A rule's reasons come first and the model's follow, so where they disagree (a block
    # word in a comment the model finds genuine) both show.
    reasons = list(outcome.reasons)
    if outcome.verdict is not None:
        verdict = Verdict(outcome.verdict)
        discard = outcome.discard
    else:
        verdict = Verdict(thresholds.verdict(spam.probability))
        discard = spam.probability >= thresholds.discard
        if verdict is Verdict.UNSURE and not outcome.hold and _trusted_author(site, history):
            verdict = Verdict.HAM
            reasons.append(TRUSTED_AUTHOR)
    reasons.extend(spam.reasons[:TOP_SPAM_REASONS])

    # Urgency wins over spam: a reader in danger is never discarded nor spam-foldered. An
    # urgent comment is held, first in the reply queue, whatever the verdict: the author
    # sees it before anyone else does (a crisis is not published unseen), and the blog's
    # platform keeps it pending too. Otherwise spam wins: a spam comment never waits for
    # the author's reply.
    urgent = triage.urgent
    needs_reply = urgent or (triage.needs_reply and verdict is not Verdict.SPAM)
    if needs_reply:
        reasons.extend(triage.reasons)

    if urgent:
        status = Status.PENDING
        reasons.append(held_urgent(looks_like_spam=verdict is Verdict.SPAM))
    elif verdict is Verdict.SPAM:
        status = Status.SPAM
    elif verdict is Verdict.UNSURE or site.hold_all or outcome.hold:
        status = Status.PENDING
    else:
        status = Status.APPROVED
    return Decision(
        status=status,
        verdict=verdict,
        spam_score=float(spam.probability),
        discard=bool(discard and status is Status.SPAM),
        medical_score=float(triage.medical_score),
        needs_reply=needs_reply,
        urgent=urgent,
        reasons=tuple(reasons),
        spam_model_version=models.spam.version,
        medical_model_version=models.medical.version,
    )
