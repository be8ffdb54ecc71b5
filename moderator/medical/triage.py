"""Medical triage: does a scored comment need the author's reply, and how urgently?

Two judgements, made apart:

* `urgent`: the comment affirms a reviewed red flag (`moderator.medical.red_flags`):
  a reader describing an emergency, whether or not they ask anything and whatever the
  medical model thinks of the wording. Every urgent triage names its red flags as
  reasons (code ``red_flag``, the flag's name as title, the words that matched).
  The back-pain red flags (NICE NG59: bladder or bowel trouble, weak legs, an accident)
  count only in a comment about the back (their `context`): they are red flags *of back
  pain*. Elsewhere they are ordinary health questions ("gall bladder issue", "weak legs
  from steroids"), answered as such; the emergencies they overlap with have flags of
  their own (progressive weakness, stroke, saddle numbness).
* `needs_reply`: the medical model's score reaches its threshold (a health question for
  the author), or the comment is urgent (a reader in danger always needs an answer).
"""

from __future__ import annotations

from collections.abc import Sequence

from moderator.core.comment import Comment
from moderator.core.decision import Triage
from moderator.medical.red_flags import RedFlag, find_red_flags, red_flag_reason
from moderator.ml.protocol import Score


def triage(
    comment: Comment,
    score: Score,
    threshold: float,
    red_flags: Sequence[RedFlag] | None = None,
) -> Triage:
    """Triage one comment from its medical score, against the shipped red flags by default.

    Urgency does not wait on the question score: "chest pain spreading to my left arm"
    health_question nothing and is the most urgent comment a blog can get.
    """
    health_question = score.probability >= threshold
    # a back-pain flag ("weak", "an accident") outside a back-pain comment is no red flag:
    # not "weakening our democracy", nor a lay health question about weak legs for years
    flags = [m for m in find_red_flags(comment.content, red_flags) if m.in_context]
    urgent = bool(flags)
    needs_reply = urgent or health_question
    reasons = score.reasons + tuple(red_flag_reason(match) for match in flags)
    return Triage(score.probability, needs_reply, urgent, reasons)
