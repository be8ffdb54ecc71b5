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


_REASON_CODE = re.compile(r"^[a-z0-9_]{1,64}$")
#: The one-click filters, as query parameters, and how long a value may be.
ONE_CLICK_FILTERS = {"author": 200, "email": 320, "ip": 64, "domain": 253}
#: How many comments one bulk action on a filter may touch.
FILTER_BULK_LIMIT = 5000


# -- request parsing --------------------------------------------------------------------


def _int_arg(name: str, default: int | None = None) -> int | None:
    value = whole_number(request.values.get(name, ""))
    return default if value is None else value


def _site_ids() -> tuple[int, ...]:
    """Return the sites this request looks at: the chosen one, or all the user sees."""
    site_id = _int_arg("site")
    return (require_site(site_id),) if site_id is not None else g.site_ids


def _filters(counts: dict[str, int] | None = None) -> storage.ReviewFilter:
    """Return the queue and filters a request names (query string, or a form's fields)."""
    args = request.values
    queue = args.get("queue", "")
    if queue not in workflow.QUEUES:
        # Open on the queue that needs action.
        waiting = counts and counts.get(workflow.NEEDS_REPLY)
        queue = workflow.NEEDS_REPLY if waiting else "pending"
    reason = args.get("reason", "")
    sort = args.get("sort", "")
    if sort not in ("newest", "oldest"):
        sort = "oldest" if queue == "needs_reply" else "newest"
    return storage.ReviewFilter(
        site_ids=_site_ids(),
        queue=queue,
        post=args.get("post", "")[:2048],
        reason=reason if _REASON_CODE.match(reason) else "",
        search=args.get("q", "").strip()[:200],
        sort=sort,
        **{name: args.get(name, "").strip()[:size] for name, size in ONE_CLICK_FILTERS.items()},
    )


def _filter_args(filters: storage.ReviewFilter) -> dict:
    """Return the query parameters that reproduce a filtered queue (for links and forms)."""
    args = {
        "queue": filters.queue,
        "site": _int_arg("site"),
        "post": filters.post,
        "reason": filters.reason,
        "q": filters.search,
        **{name: getattr(filters, name) for name in ONE_CLICK_FILTERS},
    }
    return {name: value for name, value in args.items() if value}


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


@bp.app_template_filter("author_domain")
def author_domain(record: CommentRecord) -> str:
    """Return the domain a comment's author writes from (the e-mail's, else the URL's)."""
    return storage.domain_of(record.author_email, record.author_url)


#: How many reasons a card shows before "more".
TOP_REASONS = 3


def direction(reason: Reason) -> str:
    """Return which way a reason pushes, in words: towards spam, genuine, or a question."""
    medical = reason.source == "medical" or reason.code == "red_flag"
    if reason.weight > 0:
        return "↑ question" if medical else "↑ spam"
    if reason.weight < 0:
        return "↓ question" if medical else "↓ genuine"
    return "· note"


@dataclass(frozen=True)
class Card:
    """What a comment's card shows beyond the record: its reasons and the workflow's offers."""

    reasons: tuple[Reason, ...]
    buttons: tuple[ActionSpec, ...]
    reply: ActionSpec | None  # the reply form, where the workflow offers a reply
    reply_approves: bool  # sending the reply also approves the comment
    editable: bool = False  # Quick edit is offered
    safety_reply: str = ""  # an urgent comment's drafted reply, for the author to edit

    @property
    def evidence(self) -> list[str]:
        """Return the words every reason matched, for highlighting in the text."""
        return [word for reason in self.reasons for word in reason.evidence]

    @property
    def ranked(self) -> list[Reason]:
        """Return the reasons, strongest push first (red flags always on top)."""
        return sorted(self.reasons, key=lambda r: (r.code != "red_flag", -abs(r.weight), r.code))

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
        editable=workflow.editable(state),
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
    db = get_session()
    models = current_app.extensions["moderator.models"]
    return {
        "sites": {site.id: site for site in sites},
        "thresholds": _site_thresholds(sites),
        "reply_threshold": None if models.unavailable else models.reply_threshold,
        "history": storage.author_approved_counts(db, records, g.site_ids),
        "parents": storage.parents_of(db, records, g.site_ids),
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
    prefs = storage.review_preferences(g.user)
    per_page = _int_arg("per_page")
    per_page = per_page if per_page in storage.PAGE_SIZES else prefs.per_page
    page = storage.review_page(db, filters, _int_arg("page", 1), per_page)
    return render_template(
        "queue.html",
        filters=filters,
        filter_args=_filter_args(filters),
        prefs=prefs,
        per_page=per_page,
        page_sizes=storage.PAGE_SIZES,
        filter_bulk=[workflow.spec(a) for a in workflow.QUEUES[filters.queue].bulk]
        if filters.narrowed
        else [],
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


@bp.post("/preferences")
@login_required
def preferences():
    """Remember how the user likes the queue: cards or list, and how many per page."""
    layout = request.form.get("layout") or None
    per_page = _int_arg("per_page")
    try:
        storage.set_review_preferences(get_session(), g.user, layout=layout, per_page=per_page)
    except ValueError as exc:
        abort(400, str(exc))
    if _wants_json():
        return jsonify({"message": "Display saved"})
    return redirect(safe_next(request.form.get("next"), url_for("review.queue")), code=303)


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


@bp.post("/comments/<int:comment_id>/edit")
@login_required
def edit(comment_id: int):
    """Quick edit: change the text, name, e-mail or URL; the log keeps the old values."""
    record = _comment(comment_id, for_update=True)
    values = {name: request.form[name] for name in workflow.EDITABLE_FIELDS if name in request.form}
    if any(len(value) > 20000 for value in values.values()):
        abort(413)
    values = {name: value if name == "content" else value.strip() for name, value in values.items()}
    as_label = request.form.get("as_label") == "1"
    try:
        change = storage.edit_comment(
            get_session(), record, values, actor=_actor(), as_label=as_label
        )
    except storage.NotAllowed as exc:
        abort(409, str(exc))
    except ValueError as exc:
        abort(400, str(exc))
    message = workflow.spec(Action.EDIT).notice() if change.event_ids else "Nothing to change"
    return _done(message, change, undoable=False)


@bp.post("/check-again")
@login_required
def check_again():
    """Show what deciding the selected comments again would change; apply with `apply`."""
    db = get_session()
    records = storage.visible_comments(db, g.site_ids, _ids(), for_update=True)
    if not records:
        abort(400, "Select comments to check again first.")
    models = current_app.extensions["moderator.models"]
    if models.unavailable:
        # A decision without its models holds everything: that is no second opinion.
        abort(503, "A model is not loaded, so comments cannot be checked again now.")
    if request.form.get("apply") == "1":
        results, change = storage.apply_check_again(db, records, models, actor=_actor())
        moved = sum(r.before.status != r.after.status for r in results)
        notice = workflow.spec(Action.CHECK_AGAIN).notice(len(results))
        return _done(f"{notice}; {moved} moved", change)
    results = storage.preview_check_again(db, records, models)
    db.rollback()  # release the rows: nothing was written
    if _wants_json():
        return jsonify({"results": [r.to_dict() for r in results]})
    return render_template(
        "check_again.html",
        results=results,
        skipped=len(records) - len(results),
        records={r.id: r for r in records},
        back=safe_next(request.form.get("next"), url_for("review.queue")),
    )


@bp.post("/bulk-filter")
@login_required
def bulk_filter():
    """Apply one action to every comment a filter matches, once the count is confirmed."""
    action = request.form.get("action", "")
    filters = _filters()
    if action not in workflow.QUEUES[filters.queue].bulk or not filters.narrowed:
        abort(400, "Choose an action and a filter first.")
    db = get_session()
    ids = storage.matching_ids(db, filters, FILTER_BULK_LIMIT + 1)
    if len(ids) > FILTER_BULK_LIMIT:
        abort(400, f"The filter matches more than {FILTER_BULK_LIMIT} comments: narrow it.")
    spec = workflow.spec(action)
    expected = _int_arg("expected")
    if request.form.get("confirmed") != "1" or expected != len(ids):
        return render_template(
            "bulk_filter.html",
            action=spec,
            count=len(ids),
            changed=expected is not None and expected != len(ids),
            filters=filters,
            filter_args=_filter_args(filters),
            back=url_for("review.queue", **_filter_args(filters)),
        )
    records = storage.visible_comments(db, g.site_ids, ids, for_update=True)
    if action == Action.DELETE:
        deleted = storage.delete_permanently(db, records, actor=_actor())
        return _done(spec.notice(len(deleted)), storage.Change(comment_ids=deleted), undoable=False)
    change = storage.moderate(db, records, action, actor=_actor())
    return _done(spec.notice(len(records)), change)


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


@bp.app_context_processor
def reason_display() -> dict:
    """Give templates how many reasons a card shows before "more"."""
    return {"top_reasons": TOP_REASONS}


@bp.app_template_global()
def reason_direction(reason: Reason) -> str:
    """Give templates which way a reason pushes."""
    return direction(reason)


@bp.app_template_global()
def reply_states():
    """Give templates the reply-state names."""
    return ReplyState
