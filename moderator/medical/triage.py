"""Medical triage: does a scored comment need the author's reply, and how urgently?

The medical model scores "this comment asks the author a health question" (a `Score`
with its reasons); this step turns that score into the reply queue's two flags:

* `needs_reply` from the model's threshold, and from the reviewed red flags
  (`moderator.medical.red_flags`) on a comment that asks something;
* `urgent` when a comment that needs a reply affirms a red flag.

Urgency is judged here, apart from the question score, so that a judgement of its
own can replace the red-flag scan without touching the medical model.
"""

from __future__ import annotations

from collections.abc import Sequence

from moderator.core.comment import Comment
from moderator.core.decision import Triage
from moderator.medical.question import QUESTION_CUE
from moderator.medical.red_flags import RedFlag, find_red_flags, red_flag_reason
from moderator.ml.protocol import Score


def triage(
    comment: Comment,
    score: Score,
    threshold: float,
    red_flags: Sequence[RedFlag] | None = None,
) -> Triage:
    """Triage one comment from its medical score, against the shipped red flags by default.

    A comment that asks something and affirms a red flag needs a reply whatever its
    score: a missed emergency costs more than one extra flag. A comment the model flags
    is urgent on a red flag even when its request has no question form.
    """
    # the medical model gives its question reason exactly when the comment asks something
    asks = any(reason.code == QUESTION_CUE for reason in score.reasons)
    flagged = score.probability >= threshold
    # Red flags matter only where a reply can be needed: skip the scan otherwise.
    flags = find_red_flags(comment.content, red_flags) if asks or flagged else []
    needs_reply = flagged or bool(flags and asks)
    urgent = bool(needs_reply and flags)
    reasons = score.reasons
    if urgent:
        reasons += tuple(red_flag_reason(match) for match in flags)
    return Triage(score.probability, needs_reply, urgent, reasons)
