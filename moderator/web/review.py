"""The review page at /review/: queues, comment cards, actions, undo and the activity log.

Views stay thin: they parse the request, call storage, and render or answer JSON (the
page's script asks for JSON; without script every action is a plain form POST that
redirects back with a notice).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from markupsafe import Markup, escape

from moderator import storage
from moderator.core import workflow
from moderator.core.decision import thresholds_for
from moderator.core.reasons import Reason
from moderator.core.workflow import Action, ActionSpec
from moderator.db import get_session
from moderator.medical.safety_reply import safety_reply
from moderator.storage.schema import CommentRecord, EventOrigin, ReplyState
from moderator.web.accounts import background, login_required, require_site, safe_next
from moderator.web.params import whole_number

bp = Blueprint("review", __name__, url_prefix="/review")
#: The site's root: it leads to the review page (which asks to log in first).
home = Blueprint("home", __name__)


@home.get("/")
def index():
    """Send a visitor of / to the review page."""
    return redirect(url_for("review.queue"))


PER_PAGE = 25
_REASON_CODE = re.compile(r"^[a-z0-9_]{1,64}$")


# -- request parsing --------------------------------------------------------------------


def _int_arg(name: str, default: int | None = None) -> int | None:
    value = whole_number(request.values.get(name, ""))
    return default if value is None else value


def _site_ids() -> tuple[int, ...]:
    """Return the sites this request looks at: the chosen one, or all the user sees."""
    site_id = _int_arg("site")
    return (require_site(site_id),) if site_id is not None else g.site_ids


def _filters(counts: dict[str, int] | None = None) -> storage.ReviewFilter:
    queue = request.args.get("queue", "")
    if queue not in workflow.QUEUES:
        # Open on the queue that needs action.
        waiting = counts and counts.get(workflow.NEEDS_REPLY)
        queue = workflow.NEEDS_REPLY if waiting else "pending"
    reason = request.args.get("reason", "")
    sort = request.args.get("sort", "")
    if sort not in ("newest", "oldest"):
        sort = "oldest" if queue == "needs_reply" else "newest"
    return storage.ReviewFilter(
        site_ids=_site_ids(),
        queue=queue,
        post=request.args.get("post", "")[:2048],
        reason=reason if _REASON_CODE.match(reason) else "",
        search=request.args.get("q", "").strip()[:200],
        sort=sort,
    )


def _ids(name: str = "ids") -> list[int]:
    return [v for v in map(whole_number, request.form.getlist(name)) if v is not None]


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _comment(comment_id: int, *, for_update: bool = False):
    try:
        return storage.visible_comment(get_session(), g.site_ids, comment_id, for_update=for_update)
    except storage.NotFound:
        abort(404)


def _actor() -> str:
    return g.user.name


# -- presentation helpers -----------------------------------------------------------------


@bp.app_template_filter("highlight")
def highlight(text: str, words) -> Markup:
    """Escape text and wrap the matched words (case-insensitive) in <mark>."""
    words = sorted({w for w in words if w and w.strip()}, key=len, reverse=True)
    if not words:
        return escape(text)
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    parts, last = [], 0
    for match in pattern.finditer(text):
        parts.append(escape(text[last : match.start()]))
        parts.append(Markup("<mark>%s</mark>") % match.group(0))
        last = match.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


@dataclass(frozen=True)
class Card:
    """What a comment's card shows beyond the record: its reasons and the workflow's offers."""

    reasons: tuple[Reason, ...]
    buttons: tuple[ActionSpec, ...]
    reply: ActionSpec | None  # the reply form, where the workflow offers a reply
    reply_approves: bool  # sending the reply also approves the comment
    safety_reply: str = ""  # an urgent comment's drafted reply, for the author to edit

    @property
    def evidence(self) -> list[str]:
        """Return the words every reason matched, for highlighting in the text."""
        return [word for reason in self.reasons for word in reason.evidence]

    @property
    def red_flags(self) -> list[Reason]:
        """Return the red-flag reasons, whose titles the urgent badge lists."""
        return [reason for reason in self.reasons if reason.code == "red_flag"]


def _card(record: CommentRecord, country: str = "") -> Card:
    state = storage.state_of(record)
    offers = workflow.offered(state)
    reply = workflow.spec(Action.REPLY) if Action.REPLY in offers else None
    draft = ""
    if reply is not None and record.urgent:
        draft = safety_reply(record.reason_values, country)
    return Card(
        safety_reply=draft,
        reasons=record.reason_values,
        buttons=tuple(workflow.spec(action) for action in offers if action is not Action.REPLY),
        reply=reply,
        reply_approves=reply is not None
        and workflow.transition(Action.REPLY, state).status is not state.status,
    )


def _site_thresholds(sites) -> dict:
    models = current_app.extensions["moderator.models"]
    return {site.id: thresholds_for(storage.site_settings(site), models) for site in sites}


def _visible_sites():
    return [site for site in storage.list_sites(get_session()) if site.id in g.site_ids]


def _card_context(records) -> dict:
    """Return what the comment cards need beyond the records themselves."""
    sites = _visible_sites()
    countries = {site.id: storage.site_settings(site).country for site in sites}
    return {
        "sites": {site.id: site for site in sites},
        "thresholds": _site_thresholds(sites),
        "history": storage.author_approved_counts(get_session(), records, g.site_ids),
        "cards": {
            record.id: _card(record, countries.get(record.site_id, "")) for record in records
        },
    }


# -- pages ------------------------------------------------------------------------------


@bp.get("/")
@login_required
def queue():
    """Show a queue of comments with its filters, counts and actions."""
    db = get_session()
    site_ids = _site_ids()
    counts = storage.count_by_status(db, site_ids)
    filters = _filters(counts)
    page = storage.review_page(db, filters, _int_arg("page", 1), PER_PAGE)
    return render_template(
        "queue.html",
        filters=filters,
        page=page,
        counts=counts,
        urgent_waiting=storage.count_urgent(db, site_ids),
        queues=workflow.QUEUES,
        bulk_actions=[workflow.spec(a) for a in workflow.QUEUES[filters.queue].bulk],
        newest_id=storage.newest_comment_id(db, site_ids),
        posts=storage.review_posts(db, site_ids),
        reasons=storage.reason_codes(db, site_ids),
        chosen_site=_int_arg("site"),
        notice=session.pop("notice", None),
        **_card_context(page.items),
    )


@bp.get("/counts")
@login_required
@background
def counts():
    """Answer the page's poll: queue counts, urgent comments waiting (the banner) and how
    many new comments the queue has."""
    db = get_session()
    filters = _filters()
    return jsonify(
        {
            "counts": storage.count_by_status(db, filters.site_ids),
            "urgent_waiting": storage.count_urgent(db, filters.site_ids),
            "new": storage.count_newer(db, filters, _int_arg("since", 0) or 0),
        }
    )


@bp.get("/comments/<int:comment_id>")
@login_required
def comment(comment_id: int):
    """Show one comment as a card, with its replies and log."""
    record = _comment(comment_id)
    events = storage.list_events(get_session(), g.site_ids, comment_id=record.id, per_page=100)
    return render_template(
        "comment.html", record=record, events=events.items, **_card_context([record])
    )


@bp.get("/comments/<int:comment_id>/history")
@login_required
def history(comment_id: int):
    """Show the author's other comments and their statuses (a fragment with ?partial=1)."""
    record = _comment(comment_id)
    author = storage.author_history(get_session(), record, g.site_ids)
    template = "_history.html" if request.args.get("partial") else "history.html"
    return render_template(template, record=record, author=author)


@bp.get("/activity")
@login_required
def activity():
    """List the event log: who did what, when, from → to."""
    db = get_session()
    site_id = _int_arg("site")
    if site_id is not None:
        require_site(site_id)
    filters = {
        "site_id": site_id,
        "action": request.args.get("action", "")[:64],
        "actor": request.args.get("actor", "")[:200],
        "origin": request.args.get("origin", "")[:32],
        "comment_id": _int_arg("comment"),
    }
    page = storage.list_events(db, g.site_ids, page=_int_arg("page", 1), per_page=50, **filters)
    return render_template(
        "activity.html",
        page=page,
        filters=filters,
        actions=storage.event_actions(db, g.site_ids),
        origins=sorted(EventOrigin),
        sites=_visible_sites(),
    )


# -- actions ----------------------------------------------------------------------------


def _where(record: CommentRecord) -> dict:
    """Return where a comment now stands, with the queues it belongs to, for the script."""
    return {
        "status": record.status,
        "reply_state": record.reply_state,
        "queues": list(workflow.queues(storage.state_of(record))),
    }


def _done(message: str, change: storage.Change, *, undoable: bool = True):
    """Answer an action: JSON for the page's script, else a redirect with a notice."""
    db = get_session()
    records = storage.visible_comments(db, g.site_ids, change.comment_ids)
    undo_ids = list(change.event_ids) if undoable else []
    if _wants_json():
        return jsonify(
            {
                "message": message,
                "undo": undo_ids,
                "comments": {str(r.id): _where(r) for r in records},
                "counts": storage.count_by_status(db, g.site_ids),
                "urgent_waiting": storage.count_urgent(db, g.site_ids),
            }
        )
    session["notice"] = {"message": message, "undo": undo_ids}
    return redirect(safe_next(request.form.get("next"), url_for("review.queue")), code=303)


@bp.post("/comments/<int:comment_id>/reply")
@login_required
def reply(comment_id: int):
    """Store the author's reply: the comment is approved and leaves Needs reply."""
    record = _comment(comment_id, for_update=True)
    text = request.form.get("content", "")
    if not text.strip():
        abort(400, "Write a reply first.")
    if len(text) > 20000:
        abort(413)
    change = storage.add_reply(get_session(), record, text, actor=_actor())
    return _done(workflow.spec(Action.REPLY).notice(), change)


@bp.post("/comments/<int:comment_id>/delete")
@login_required
def delete(comment_id: int):
    """Delete one comment for good (spam and trash only; this cannot be undone)."""
    record = _comment(comment_id, for_update=True)
    delete = workflow.spec(Action.DELETE)
    if not workflow.allowed(delete.action, storage.state_of(record)):
        abort(409, delete.refusal)
    storage.delete_permanently(get_session(), [record], actor=_actor())
    return _done(delete.notice(), storage.Change(comment_ids=(comment_id,)), undoable=False)


@bp.post("/comments/<int:comment_id>/<action>")
@login_required
def act(comment_id: int, action: str):
    """Approve, spam, not-spam, trash, restore, or dismiss one comment."""
    if action not in workflow.ONE_CLICK:
        abort(404)
    record = _comment(comment_id, for_update=True)
    change = storage.moderate(get_session(), [record], action, actor=_actor())
    return _done(workflow.spec(action).notice(), change)


@bp.post("/bulk")
@login_required
def bulk():
    """Apply one action to every selected comment the user may see."""
    action = request.form.get("action", "")
    if action not in workflow.BULK:
        abort(400, "Choose an action.")
    db = get_session()
    records = storage.visible_comments(db, g.site_ids, _ids(), for_update=True)
    notice = workflow.spec(action).notice
    if action == Action.DELETE:
        deleted = storage.delete_permanently(db, records, actor=_actor())
        change = storage.Change(comment_ids=deleted)
        return _done(notice(len(deleted)), change, undoable=False)
    change = storage.moderate(db, records, action, actor=_actor())
    return _done(notice(len(records)), change)


@bp.post("/empty-spam")
@login_required
def empty_spam():
    """Delete for good the spam comments that were on screen (never newer ones)."""
    ids = _ids()
    count = storage.empty_spam(get_session(), g.site_ids, ids, actor=_actor())
    return _done(f"Deleted {count} spam for good", storage.Change(comment_ids=()), undoable=False)


@bp.post("/undo")
@login_required
def undo():
    """Revert the user's own changes listed by event id."""
    change = storage.undo(get_session(), g.site_ids, _ids("events"), actor=_actor())
    return _done(workflow.UNDO_MESSAGE, change)


@bp.app_template_global()
def reply_states():
    """Give templates the reply-state names."""
    return ReplyState
