"""The review page: queues, cards, every action, undo, bulk, per-site access and the log."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from moderator import storage
from moderator.core.comment import Comment
from moderator.core.decision import decide
from moderator.core.settings import SiteSettings
from moderator.db import get_session
from moderator.storage.schema import CommentRecord, Event, Label, Reply
from tests.stubs import stub_models

PASSWORD = "correct horse battery"
GENUINE = "Thanks, step 3 finally made the migration click for me."
SPAM = "Cheap pills at http://pills.example.top spam=0.95"
UNSURE = "Nice post, visit my shop spam=0.6"
MEDICAL = "Is it safe to take ibuprofen with my medical condition?"
URGENT = "medical question, urgent: chest pain since this morning, what should I do?"


@pytest.fixture
def models():
    """Stub models, so queue placement follows markers in the text (spam=, medical, urgent)."""
    return stub_models()


@pytest.fixture
def sites(app):
    """Two blogs: the moderator's own and someone else's."""
    with app.app_context():
        db = get_session()
        mine, _ = storage.create_site(db, "https://blog.example", "My blog")
        other, _ = storage.create_site(db, "https://other.example", "Other blog")
        return mine.id, other.id


def add(app, site_id: int, content: str, **fields) -> int:
    """Decide and store a comment as the API would; return its id."""
    fields = {
        "author": "Mary",
        "author_email": "mary@example.org",
        "user_ip": "203.0.113.7",
    } | fields
    with app.app_context():
        db = get_session()
        comment = Comment(content=content, **fields)
        decision = decide(comment, SiteSettings(), app.extensions["moderator.models"])
        site = storage.get_site(db, site_id)
        return storage.add_comment(db, site, comment, decision, raw={}, actor="test").record.id


def make_user(app, name: str, role: str = "moderator", site_ids=()) -> None:
    """Create a review-page user with PASSWORD."""
    with app.app_context():
        db = get_session()
        chosen = [storage.get_site(db, i) for i in site_ids]
        storage.create_user(db, name, PASSWORD, role, chosen)


def token_of(html: str) -> str:
    """Return the CSRF token a page carries."""
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def login(client, name: str, password: str = PASSWORD):
    """Log in through the form; return the response of the login POST."""
    token = token_of(client.get("/review/login").text)
    return client.post(
        "/review/login", data={"name": name, "password": password, "csrf_token": token}
    )


@pytest.fixture
def moderator(app, client, sites):
    """A moderator of the first site, logged in; the session's CSRF token."""
    make_user(app, "mo", site_ids=[sites[0]])
    assert login(client, "mo").status_code == 303
    return token_of(client.get("/review/").text)


def act(client, token, url, **data):
    """POST an action as the page's script does (JSON answer)."""
    return client.post(
        url, data={"csrf_token": token, **data}, headers={"Accept": "application/json"}
    )


def record(app, comment_id):
    """Return a stored comment (or None when deleted)."""
    with app.app_context():
        return get_session().get(CommentRecord, comment_id)


def rows(app, kind, **where):
    """Return the rows of a table matching column values."""
    with app.app_context():
        query = select(kind).filter_by(**where).order_by(kind.id)
        return list(get_session().execute(query).scalars())


def card_ids(html: str) -> list[int]:
    """Return the ids of the comment cards on a page, in order."""
    return [int(i) for i in re.findall(r'<article class="card[^"]*"\s+id="c(\d+)"', html)]


# -- access ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/review/", "/review/activity", "/review/comments/1", "/review/comments/1/history"]
)
def test_pages_send_anonymous_visitors_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.location.startswith("/review/login?next=")


def test_counts_answers_401_to_anonymous_script(client):
    assert client.get("/review/counts", headers={"Accept": "application/json"}).status_code == 401


@pytest.mark.parametrize(
    "path",
    [
        "/review/comments/1/approve",
        "/review/comments/1/reply",
        "/review/comments/1/delete",
        "/review/bulk",
        "/review/undo",
        "/review/empty-spam",
        "/review/comments/1/edit",
        "/review/check-again",
        "/review/bulk-filter",
        "/review/preferences",
    ],
)
def test_actions_are_post_only(client, moderator, path):
    assert client.get(path).status_code == 405


@pytest.mark.parametrize(
    "path",
    [
        "/review/comments/{id}/approve",
        "/review/comments/{id}/spam",
        "/review/comments/{id}/reply",
        "/review/comments/{id}/delete",
        "/review/bulk",
        "/review/undo",
        "/review/empty-spam",
        "/review/logout",
        "/review/comments/{id}/edit",
        "/review/comments/{id}/unapprove",
        "/review/check-again",
        "/review/bulk-filter",
    ],
)
def test_every_state_change_needs_the_csrf_token(app, client, moderator, sites, path):
    comment_id = add(app, sites[0], UNSURE)
    url = path.format(id=comment_id)
    response = client.post(url, data={"ids": comment_id, "action": "approve", "content": "x"})
    assert response.status_code == 400
    bad = client.post(url, data={"csrf_token": "forged", "ids": comment_id, "action": "approve"})
    assert bad.status_code == 400
    assert record(app, comment_id).status == "pending"


def test_other_sites_comments_are_404_everywhere(app, client, moderator, sites):
    theirs = add(app, sites[1], UNSURE)
    assert client.get(f"/review/comments/{theirs}").status_code == 404
    assert client.get(f"/review/comments/{theirs}/history").status_code == 404
    for action in ("approve", "spam", "not_spam", "trash", "restore", "dismiss", "delete"):
        assert act(client, moderator, f"/review/comments/{theirs}/{action}").status_code == 404
    reply = act(client, moderator, f"/review/comments/{theirs}/reply", content="hello")
    assert reply.status_code == 404
    assert client.get(f"/review/?site={sites[1]}").status_code == 404
    assert client.get(f"/review/activity?site={sites[1]}").status_code == 404
    act(client, moderator, "/review/bulk", action="spam", ids=[theirs])
    assert record(app, theirs).status == "pending"
    assert theirs not in card_ids(client.get("/review/?queue=pending").text)


def test_admin_sees_every_site(app, client, sites):
    mine, theirs = add(app, sites[0], UNSURE), add(app, sites[1], UNSURE)
    make_user(app, "root", role="admin")
    login(client, "root")
    assert set(card_ids(client.get("/review/?queue=pending").text)) == {mine, theirs}
    assert card_ids(client.get(f"/review/?queue=pending&site={sites[1]}").text) == [theirs]


def test_moderator_without_sites_sees_nothing(app, client, sites):
    add(app, sites[0], UNSURE)
    make_user(app, "nobody")
    login(client, "nobody")
    page = client.get("/review/")
    assert page.status_code == 200 and card_ids(page.text) == []


# -- queues ---------------------------------------------------------------------------


def test_opens_on_needs_reply_when_questions_wait(app, client, moderator, sites):
    question = add(app, sites[0], MEDICAL)
    page = client.get("/review/")
    assert 'aria-current="page"' in page.text and card_ids(page.text) == [question]
    assert re.search(r'data-queue="needs_reply"[^>]*\s+aria-current="page"', page.text)


def test_opens_on_pending_otherwise(app, client, moderator, sites):
    held = add(app, sites[0], UNSURE)
    page = client.get("/review/")
    assert re.search(r'data-queue="pending"[^>]*\s+aria-current="page"', page.text)
    assert card_ids(page.text) == [held]


def test_each_queue_lists_its_comments_with_counts(app, client, moderator, sites):
    ids = {
        "approved": add(app, sites[0], GENUINE),
        "pending": add(app, sites[0], UNSURE),
        "spam": add(app, sites[0], SPAM),
        "needs_reply": add(app, sites[0], MEDICAL),
    }
    for queue, comment_id in ids.items():
        assert comment_id in card_ids(client.get(f"/review/?queue={queue}").text)
    assert card_ids(client.get("/review/?queue=spam").text) == [ids["spam"]]
    counts = client.get("/review/counts?queue=pending&since=0").get_json()
    assert counts["counts"] == {
        "all": 3,
        "approved": 2,
        "pending": 1,
        "spam": 1,
        "trash": 0,
        "needs_reply": 1,
    }
    assert counts["new"] == 1


def test_needs_reply_puts_urgent_first(app, client, moderator, sites):
    calm = add(app, sites[0], MEDICAL)
    urgent = add(app, sites[0], URGENT)
    page = client.get("/review/?queue=needs_reply").text
    assert card_ids(page) == [urgent, calm]
    assert "Urgent" in page


def test_counts_report_new_comments_since_the_page_was_drawn(app, client, moderator, sites):
    first = add(app, sites[0], UNSURE)
    assert client.get(f"/review/counts?queue=pending&since={first}").get_json()["new"] == 0
    add(app, sites[0], UNSURE + " again")
    add(app, sites[1], UNSURE)  # another site's arrival is not news to this moderator
    assert client.get(f"/review/counts?queue=pending&since={first}").get_json()["new"] == 1


@pytest.mark.parametrize(
    "query, field",
    [
        ("ibuprofen", "content"),
        ("zebulon", "author"),
        ("ZEB@EXAMPLE", "author_email"),
        ("zeb.example.net", "author_url"),
        ("198.51.100.23", "user_ip"),
    ],
)
def test_search_covers_content_author_email_url_and_ip(app, client, moderator, sites, query, field):
    wanted = add(
        app,
        sites[0],
        MEDICAL,
        author="Zebulon",
        author_email="zeb@example.com",
        author_url="https://zeb.example.net",
        user_ip="198.51.100.23",
    )
    add(app, sites[0], "medical question about knees?", author="Ann", author_email="a@b.c")
    page = client.get(f"/review/?queue=needs_reply&q={query}").text
    assert card_ids(page) == [wanted], field


def test_search_by_id(app, client, moderator, sites):
    wanted = add(app, sites[0], UNSURE)
    add(app, sites[0], UNSURE + " 2")
    assert card_ids(client.get(f"/review/?queue=pending&q=%23{wanted}").text) == [wanted]


def test_filters_by_post_and_reason_and_sorts(app, client, moderator, sites):
    a = add(app, sites[0], UNSURE, post_id="p1", post_title="First post")
    b = add(app, sites[0], UNSURE + " b", post_id="p2", post_title="Second post")
    c = add(app, sites[0], UNSURE + " c", post_id="p1", post_title="First post")
    assert card_ids(client.get("/review/?queue=pending&post=p1").text) == [c, a]
    assert card_ids(client.get("/review/?queue=pending&post=p1&sort=oldest").text) == [a, c]
    with app.app_context():
        db = get_session()
        db.get(CommentRecord, b).reasons = [
            {"code": "links", "message": "two links", "weight": 1, "evidence": [], "source": "x"}
        ]
        db.commit()
    page = client.get("/review/?queue=pending&reason=links").text
    assert card_ids(page) == [b]
    assert '<option value="links"' in page and "First post" in page


def test_pagination(app, client, moderator, sites):
    ids = [add(app, sites[0], f"{UNSURE} number {n}") for n in range(30)]
    first = card_ids(client.get("/review/?queue=pending").text)
    second = card_ids(client.get("/review/?queue=pending&page=2").text)
    assert len(first) == 25 and len(second) == 5
    assert first + second == sorted(ids, reverse=True)


def test_card_shows_everything_a_decision_needs(app, client, moderator, sites):
    comment_id = add(
        app,
        sites[0],
        URGENT,
        author_url="http://mary.example/blog",
        post_title="Running after 40",
        parent_id="77",
    )
    with app.app_context():
        db = get_session()
        stored = db.get(CommentRecord, comment_id)
        stored.reasons = [
            *stored.reasons,
            {
                "code": "red_flag",
                "message": "Red flag: chest pain.",
                "weight": 1,
                "evidence": ["chest pain"],
                "source": "medical_model",
                "title": "chest pain",
            },
        ]
        db.commit()
    page = client.get(f"/review/comments/{comment_id}").text
    for text in (
        "Mary",
        "mary@example.org",
        "203.0.113.7",
        "Running after 40",
        "comment 77",
        "Urgent: chest pain",
        "red_flag",
        "<mark>chest pain</mark>",
        "unsure ≥ 0.50, spam ≥ 0.90",
        "Needs reply",
        "Medical question",
    ):
        assert text in page, text
    # URLs are shown as text, never as live links.
    assert "http://mary.example/blog" in page and 'href="http://mary.example' not in page


def test_author_history_by_email_then_name_and_ip(app, client, moderator, sites):
    first = add(app, sites[0], GENUINE)
    add(app, sites[0], SPAM)
    latest = add(app, sites[0], UNSURE)
    add(app, sites[1], GENUINE)  # another site: not shown
    page = client.get(f"/review/comments/{latest}/history?partial=1").text
    assert "2 other comments" in page and "1 approved" in page and "1 spam" in page
    assert f"#{first}" in page and "<html" not in page
    anonymous = add(app, sites[0], UNSURE, author="Anon", author_email="", user_ip="192.0.2.1")
    add(app, sites[0], GENUINE, author="Anon", author_email="", user_ip="192.0.2.1")
    add(app, sites[0], GENUINE, author="Anon", author_email="", user_ip="192.0.2.99")
    page = client.get(f"/review/comments/{anonymous}/history").text
    assert "1 other comment " in page and "<html" in page
    summary = client.get("/review/?queue=pending").text
    assert "Author history: 2 others, 1 approved" in summary


# -- actions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content, action, status, label",
    [
        (UNSURE, "approve", "approved", False),
        (SPAM, "not_spam", "approved", False),
        (UNSURE, "spam", "spam", True),
        (UNSURE, "trash", "trash", None),
    ],
)
def test_status_actions_log_and_label(
    app, client, moderator, sites, content, action, status, label
):
    comment_id = add(app, sites[0], content)
    before = record(app, comment_id).status
    response = act(client, moderator, f"/review/comments/{comment_id}/{action}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["comments"][str(comment_id)]["status"] == status and body["undo"]
    assert record(app, comment_id).status == status
    (event,) = rows(app, Event, comment_id=comment_id, action="status_changed")
    assert (event.actor, event.origin, event.from_value, event.to_value) == (
        "mo",
        "moderator",
        before,
        status,
    )
    assert event.details["action"] == action and event.created_at is not None
    labels = rows(app, Label, comment_id=comment_id)
    if label is None:
        assert labels == []
    else:
        assert [(x.kind, x.value, x.actor, x.source) for x in labels] == [
            ("spam", label, "mo", "review")
        ]
    assert body["counts"][status] >= 1


def test_restore_returns_a_comment_to_where_it_was(app, client, moderator, sites):
    comment_id = add(app, sites[0], UNSURE)
    act(client, moderator, f"/review/comments/{comment_id}/trash")
    assert comment_id in card_ids(client.get("/review/?queue=trash").text)
    act(client, moderator, f"/review/comments/{comment_id}/restore")
    assert record(app, comment_id).status == "pending"


def test_dismiss_clears_needs_reply_with_a_label(app, client, moderator, sites):
    comment_id = add(app, sites[0], MEDICAL)
    act(client, moderator, f"/review/comments/{comment_id}/dismiss")
    assert record(app, comment_id).reply_state == "dismissed"
    (label,) = rows(app, Label, comment_id=comment_id)
    assert (label.kind, label.value) == ("needs_reply", False)
    assert card_ids(client.get("/review/?queue=needs_reply").text) == []


def test_undo_of_a_reply_withdraws_it_and_tells_the_platform(app, client, moderator, sites):
    with app.app_context():
        key = storage.create_key(get_session(), storage.get_site(get_session(), sites[0]))
    comment_id = add(app, sites[0], MEDICAL)
    undo_ids = act(
        client, moderator, f"/review/comments/{comment_id}/reply", content="See your GP."
    ).get_json()["undo"]
    assert len(undo_ids) == 2  # the reply state and the reply (the status was approved)
    act(client, moderator, "/review/undo", events=undo_ids)
    stored = record(app, comment_id)
    assert (stored.status, stored.reply_state) == ("approved", "needs_reply")
    assert rows(app, Reply, comment_id=comment_id) == []
    assert rows(app, Label, comment_id=comment_id) == []
    assert comment_id in card_ids(client.get("/review/?queue=needs_reply").text)
    feed = client.get("/api/v1/events", headers={"Authorization": f"Bearer {key}"}).get_json()
    actions = [e["action"] for e in feed["events"] if e["comment_id"] == comment_id]
    assert actions[-2:] == ["reply_withdrawn", "reply_state_changed"]


def test_unknown_action_is_404(app, client, moderator, sites):
    comment_id = add(app, sites[0], UNSURE)
    assert act(client, moderator, f"/review/comments/{comment_id}/explode").status_code == 404


def test_reply_approves_marks_replied_and_reaches_the_feed(app, client, moderator, sites):
    with app.app_context():
        key = storage.create_key(get_session(), storage.get_site(get_session(), sites[0]))
    comment_id = add(app, sites[0], MEDICAL, external_id="wp-42")
    with app.app_context():
        db = get_session()
        db.get(CommentRecord, comment_id).status = "pending"
        db.commit()
    response = act(
        client, moderator, f"/review/comments/{comment_id}/reply", content="Ask your GP first."
    )
    assert response.status_code == 200
    stored = record(app, comment_id)
    assert (stored.status, stored.reply_state) == ("approved", "replied")
    (reply,) = rows(app, Reply, comment_id=comment_id)
    assert (reply.author, reply.content) == ("mo", "Ask your GP first.")
    kinds = {(label.kind, label.value) for label in rows(app, Label, comment_id=comment_id)}
    assert kinds == {("spam", False), ("needs_reply", True)}
    assert card_ids(client.get("/review/?queue=needs_reply").text) == []
    feed = client.get("/api/v1/events", headers={"Authorization": f"Bearer {key}"}).get_json()
    actions = [e["action"] for e in feed["events"] if e["comment_id"] == comment_id]
    assert actions == ["status_changed", "reply_state_changed", "replied"]
    replied = feed["events"][-1]
    assert (
        replied["origin"] == "moderator" and replied["details"]["content"] == "Ask your GP first."
    )


def test_empty_reply_is_refused(app, client, moderator, sites):
    comment_id = add(app, sites[0], MEDICAL)
    assert (
        act(client, moderator, f"/review/comments/{comment_id}/reply", content=" ").status_code
        == 400
    )
    assert record(app, comment_id).reply_state == "needs_reply"


def test_delete_permanently_only_from_spam_or_trash(app, client, moderator, sites):
    held = add(app, sites[0], UNSURE)
    assert act(client, moderator, f"/review/comments/{held}/delete").status_code == 409
    spam = add(app, sites[0], SPAM)
    assert act(client, moderator, f"/review/comments/{spam}/delete").status_code == 200
    assert record(app, spam) is None
    (event,) = rows(app, Event, comment_id=spam, action="deleted")
    assert (event.actor, event.origin, event.from_value) == ("mo", "moderator", "spam")


def test_bulk_actions(app, client, moderator, sites):
    ids = [add(app, sites[0], f"{UNSURE} {n}") for n in range(3)]
    response = act(client, moderator, "/review/bulk", action="spam", ids=ids[:2])
    assert response.status_code == 200 and len(response.get_json()["undo"]) == 2
    assert [record(app, i).status for i in ids] == ["spam", "spam", "pending"]
    act(client, moderator, "/review/bulk", action="delete", ids=ids)
    assert [record(app, i) is None for i in ids] == [True, True, False]
    assert act(client, moderator, "/review/bulk", action="nuke", ids=ids).status_code == 400


def test_undo_restores_status_and_withdraws_the_label(app, client, moderator, sites):
    comment_id = add(app, sites[0], UNSURE)
    undo_ids = act(client, moderator, f"/review/comments/{comment_id}/spam").get_json()["undo"]
    response = act(client, moderator, "/review/undo", events=undo_ids)
    assert response.status_code == 200
    assert record(app, comment_id).status == "pending"
    assert rows(app, Label, comment_id=comment_id) == []
    undo_event = rows(app, Event, comment_id=comment_id, action="status_changed")[-1]
    assert (undo_event.from_value, undo_event.to_value) == ("spam", "pending")
    assert undo_event.details == {"action": "undo", "undo_of": undo_ids[0]}


def test_undo_of_a_bulk_action_and_of_dismiss(app, client, moderator, sites):
    ids = [add(app, sites[0], MEDICAL + f" {n}") for n in range(2)]
    undo_ids = act(client, moderator, "/review/bulk", action="dismiss", ids=ids).get_json()["undo"]
    act(client, moderator, "/review/undo", events=undo_ids)
    assert [record(app, i).reply_state for i in ids] == ["needs_reply", "needs_reply"]


def test_undo_leaves_alone_what_changed_since_and_what_others_did(app, client, moderator, sites):
    comment_id = add(app, sites[0], UNSURE)
    undo_ids = act(client, moderator, f"/review/comments/{comment_id}/spam").get_json()["undo"]
    act(client, moderator, f"/review/comments/{comment_id}/not_spam")
    act(client, moderator, "/review/undo", events=undo_ids)
    assert record(app, comment_id).status == "approved"
    # Another moderator cannot undo mo's decisions by guessing event ids.
    other = add(app, sites[0], UNSURE + " other")
    undo_ids = act(client, moderator, f"/review/comments/{other}/trash").get_json()["undo"]
    make_user(app, "second", site_ids=[sites[0]])
    client.post("/review/logout", data={"csrf_token": moderator})
    login(client, "second")
    token = token_of(client.get("/review/").text)
    act(client, token, "/review/undo", events=undo_ids)
    assert record(app, other).status == "trash"


def test_empty_spam_deletes_only_what_was_shown(app, client, moderator, sites):
    shown = [add(app, sites[0], f"{SPAM} {n}") for n in range(2)]
    held = add(app, sites[0], UNSURE)
    page = client.get("/review/?queue=spam").text
    listed = [int(i) for i in re.findall(r'name="ids" value="(\d+)">', page)]
    assert sorted(set(listed)) == shown
    arrived_later = add(app, sites[0], f"{SPAM} late")
    response = act(client, moderator, "/review/empty-spam", ids=[*listed, held])
    assert response.status_code == 200
    assert [record(app, i) for i in shown] == [None, None]
    assert record(app, arrived_later).status == "spam"
    assert record(app, held).status == "pending"


def test_plain_form_post_redirects_back_with_an_undo_notice(app, client, moderator, sites):
    comment_id = add(app, sites[0], UNSURE)
    response = client.post(
        f"/review/comments/{comment_id}/spam",
        data={"csrf_token": moderator, "next": "/review/?queue=pending"},
    )
    assert response.status_code == 303 and response.location == "/review/?queue=pending"
    page = client.get(response.location).text
    assert "Marked as spam" in page and 'name="events"' in page
    event_id = re.search(r'name="events" value="(\d+)"', page).group(1)
    client.post("/review/undo", data={"csrf_token": moderator, "events": event_id})
    assert record(app, comment_id).status == "pending"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/api/v1/events"])
def test_redirects_never_leave_the_review_page(app, client, moderator, sites, target):
    comment_id = add(app, sites[0], UNSURE)
    response = client.post(
        f"/review/comments/{comment_id}/approve", data={"csrf_token": moderator, "next": target}
    )
    assert response.location == "/review/"


# -- activity ---------------------------------------------------------------------------


def test_activity_lists_the_log_with_filters(app, client, moderator, sites):
    comment_id = add(app, sites[0], UNSURE)
    theirs = add(app, sites[1], UNSURE)
    act(client, moderator, f"/review/comments/{comment_id}/spam")
    page = client.get("/review/activity").text
    assert "status_changed" in page and "received" in page and "pending" in page
    assert f"#{comment_id}" in page and f"#{theirs}<" not in page
    only = client.get("/review/activity?action=status_changed&actor=mo").text
    assert "received" not in only.split("<tbody>")[1] and "mo" in only
    by_comment = client.get(f"/review/activity?comment={comment_id}&origin=platform").text
    assert "received" in by_comment.split("<tbody>")[1]
    assert "status_changed" not in by_comment.split("<tbody>")[1]


def test_comment_page_shows_its_log(app, client, moderator, sites):
    comment_id = add(app, sites[0], UNSURE)
    act(client, moderator, f"/review/comments/{comment_id}/approve")
    page = client.get(f"/review/comments/{comment_id}").text
    assert "status_changed" in page and "pending → approved" in page


def test_undo_never_touches_a_comment_on_another_site(app, client, moderator, sites):
    mine = add(app, sites[0], UNSURE)
    theirs = add(app, sites[1], SPAM)
    undo_ids = act(client, moderator, f"/review/comments/{mine}/spam").get_json()["undo"]
    with app.app_context():
        db = get_session()
        # As if the id had been reused by another site's comment after a deletion.
        db.get(Event, undo_ids[0]).comment_id = theirs
        db.commit()
    act(client, moderator, "/review/undo", events=undo_ids)
    assert record(app, theirs).status == "spam"


@pytest.mark.parametrize("query", ["page=²", "page=99999999999999", "site=١"])
def test_odd_digits_in_parameters_are_ignored_not_errors(client, moderator, sites, query):
    assert client.get(f"/review/?{query}").status_code in (200, 404)
    assert client.get(f"/review/counts?since=²&{query}").status_code in (200, 404)


def test_bulk_ignores_ids_that_are_not_plain_numbers(app, client, moderator, sites):
    comment_id = add(app, sites[0], UNSURE)
    response = act(client, moderator, "/review/bulk", action="approve", ids=["²", str(comment_id)])
    assert response.status_code == 200
    assert record(app, comment_id).status == "approved"


def test_a_comment_held_for_a_missing_model_is_in_the_queue_with_the_reason(
    app, client, moderator, sites
):
    from dataclasses import replace

    from moderator.ml.protocol import UnavailableModel

    models = app.extensions["moderator.models"]
    app.extensions["moderator.models"] = replace(models, spam=UnavailableModel("spam", "gone"))
    comment_id = add(app, sites[0], "Lovely post, thanks")
    queue = client.get("/review/?queue=pending")
    assert card_ids(queue.text) == [comment_id]
    assert "The spam model is unavailable, so this comment is held for review." in queue.text
    page = client.get(f"/review/comments/{comment_id}")
    assert page.status_code == 200
    assert "The spam model is unavailable, so this comment is held for review." in page.text


def test_a_site_rules_reason_shows_on_the_card_with_the_models(app, client, moderator, sites):
    """A held word and the model's own reasons, side by side, the word escaped and marked."""
    with app.app_context():
        db = get_session()
        site = storage.get_site(db, sites[0])
        storage.update_site_settings(db, site, SiteSettings.parse({"hold_words": ["<refund>"]}))
        settings = storage.site_settings(site)
        comment = Comment("I want my <refund> now", author="Mary", author_email="m@example.org")
        decision = decide(comment, settings, app.extensions["moderator.models"])
        comment_id = storage.add_comment(db, site, comment, decision, raw={}, actor="t").record.id
    page = client.get(f"/review/comments/{comment_id}").text
    assert "hold_word" in page and "<mark>&lt;refund&gt;</mark>" in page
    assert "<refund>" not in page
    assert "stub" in page  # the model's reason shows as well


def urgent_banner(page: str) -> tuple[bool, str]:
    """Return whether a page shows its urgent banner, and the banner's words."""
    banner = re.search(r'(<p class="urgent-banner"[^>]*>)(.*?)</p>', page, re.S)
    words = " ".join(re.sub(r"<[^>]+>", " ", banner.group(2)).split())
    return " hidden" not in banner.group(1), words


def test_a_banner_counts_the_urgent_comments_waiting(app, client, moderator, sites):
    """Readers who may be in danger are counted in a banner on every queue, until answered."""
    assert urgent_banner(client.get("/review/?queue=approved").text)[0] is False
    # the stand-in triage marks "medical urgent" comments urgent
    add(app, sites[0], "medical urgent: half my face droops")
    add(app, sites[0], "medical urgent: goodbye everyone")
    add(app, sites[0], "medical: how long do I hold a stretch?")
    add(app, sites[1], "medical urgent: my throat is closing")  # another site's
    shown, words = urgent_banner(client.get("/review/?queue=approved").text)
    assert shown and words.startswith("2 urgent comments from readers who may be in danger wait")


def test_the_poll_and_each_action_count_the_urgent_comments_waiting(app, client, moderator, sites):
    """The page's script keeps the banner current from /counts and from each action's answer."""
    assert client.get("/review/counts?queue=pending").get_json()["urgent_waiting"] == 0
    urgent = add(app, sites[0], "medical urgent: half my face droops")
    add(app, sites[1], "medical urgent: my throat is closing")  # another site's
    assert client.get("/review/counts?queue=pending").get_json()["urgent_waiting"] == 1
    answer = act(client, moderator, f"/review/comments/{urgent}/reply", content="Call 999 now.")
    assert answer.get_json()["urgent_waiting"] == 0


def test_an_urgent_card_offers_an_editable_safety_reply_sent_in_one_action(
    app, client, moderator, sites
):
    """The reply box holds a draft with the site's numbers; one POST sends what was edited."""
    with app.app_context():
        db = get_session()
        site = storage.get_site(db, sites[0])
        site.settings = {**(site.settings or {}), "country": "FR"}
        db.commit()
    urgent = add(app, sites[0], "medical urgent: I can't go on <b>any more</b>")
    page = client.get(f"/review/comments/{urgent}").text
    assert "safety-note" in page and "3114" not in page  # the stub gives no red flag...
    assert "15 (SAMU) ou 112" in page  # ...so the draft gives the emergency number
    assert "<b>any more</b>" not in page  # the reader's text stays escaped
    edited = "Please call 15 now; I'll answer here too."
    response = act(client, moderator, f"/review/comments/{urgent}/reply", content=edited)
    assert response.status_code == 200
    assert record(app, urgent).reply_state == "replied"


# -- issue 22: unapprove, quick edit, check again, filters, bulk on a filter, preferences -----


def test_unapprove_sends_an_approved_comment_back_to_pending_without_a_label(
    app, client, moderator, sites
):
    comment_id = add(app, sites[0], GENUINE)
    assert 'data-action="unapprove"' in client.get("/review/?queue=approved").text
    answer = act(client, moderator, f"/review/comments/{comment_id}/unapprove").get_json()
    assert answer["comments"][str(comment_id)]["queues"] == ["all", "pending"]
    assert answer["undo"] and answer["counts"]["approved"] == 0
    assert record(app, comment_id).status == "pending"
    assert rows(app, Label, comment_id=comment_id) == []


def test_quick_edit_stores_the_old_values_and_refuses_what_would_lose_text(
    app, client, moderator, sites
):
    comment_id = add(app, sites[0], UNSURE, author="Ann")
    url = f"/review/comments/{comment_id}/edit"
    assert act(client, moderator, url, content="   ").status_code == 400
    assert record(app, comment_id).content == UNSURE
    answer = act(client, moderator, url, content="New words", author="  Ann B  ")
    assert answer.status_code == 200 and answer.get_json()["undo"] == []
    stored = record(app, comment_id)
    assert (stored.content, stored.author) == ("New words", "Ann B")
    (edited,) = rows(app, Event, comment_id=comment_id, action="edited")
    assert edited.details["old"] == {"content": UNSURE, "author": "Ann"}
    assert rows(app, Label, comment_id=comment_id) == []
    act(client, moderator, url, content="Again", as_label="1")
    assert [(label.kind, label.content) for label in rows(app, Label, comment_id=comment_id)] == [
        ("spam", "Again")
    ]
    assert "New words" in client.get("/review/activity?action=edited").text
    act(client, moderator, f"/review/comments/{comment_id}/trash")
    assert act(client, moderator, url, content="x").status_code == 409
    assert act(client, moderator, url, content="x" * 20001).status_code == 413


def test_check_again_previews_in_json_and_html_then_applies(app, client, moderator, sites):
    held = add(app, sites[0], UNSURE)
    with app.app_context():
        db = get_session()
        site = storage.get_site(db, sites[0])
        storage.update_site_settings(
            db, site, SiteSettings(thresholds={"unsure": 0.7, "spam": 0.9, "discard": 0.99})
        )
    preview = act(client, moderator, "/review/check-again", ids=[held]).get_json()
    assert preview["results"][0]["before"]["status"] == "pending"
    assert preview["results"][0]["after"]["status"] == "approved"
    assert record(app, held).status == "pending"
    page = client.post("/review/check-again", data={"csrf_token": moderator, "ids": held})
    assert "pending</del> → <ins>approved" in page.text
    applied = act(client, moderator, "/review/check-again", ids=[held], apply="1").get_json()
    assert "Checked 1 again; 1 moved" == applied["message"] and applied["undo"]
    assert record(app, held).status == "approved"
    assert act(client, moderator, "/review/check-again").status_code == 400


def test_one_click_filters_link_from_the_card_and_narrow_the_queue(app, client, moderator, sites):
    mine = add(app, sites[0], UNSURE, user_ip="203.0.113.66", author_email="x@spam.test")
    other = add(app, sites[0], UNSURE, user_ip="192.0.2.1")
    html = client.get("/review/?queue=pending").text
    assert 'href="/review/?queue=pending&amp;ip=203.0.113.66"' in html
    assert 'href="/review/?queue=pending&amp;domain=spam.test"' in html
    assert card_ids(client.get("/review/?queue=pending&ip=203.0.113.66").text) == [mine]
    assert card_ids(client.get("/review/?queue=pending&domain=spam.test").text) == [mine]
    assert card_ids(client.get("/review/?queue=all&email=X@SPAM.TEST").text) == [mine]
    assert other in card_ids(client.get("/review/?queue=all").text)


def test_bulk_on_a_filter_confirms_the_count_and_refuses_a_changed_one(
    app, client, moderator, sites
):
    flood = [add(app, sites[0], f"{UNSURE} {n}", user_ip="203.0.113.66") for n in range(3)]
    kept = add(app, sites[0], UNSURE, user_ip="192.0.2.1")
    form = {"csrf_token": moderator, "queue": "pending", "ip": "203.0.113.66", "action": "spam"}
    asked = client.post("/review/bulk-filter", data={**form, "expected": "3"})
    assert asked.status_code == 200 and "Spam: 3 comments?" in asked.text
    assert [record(app, i).status for i in flood] == ["pending"] * 3
    flood.append(add(app, sites[0], f"{UNSURE} late", user_ip="203.0.113.66"))
    stale = client.post("/review/bulk-filter", data={**form, "expected": "3", "confirmed": "1"})
    assert "now matches 4 comments" in stale.text
    assert [record(app, i).status for i in flood] == ["pending"] * 4
    done = client.post("/review/bulk-filter", data={**form, "expected": "4", "confirmed": "1"})
    assert done.status_code == 303
    assert [record(app, i).status for i in flood] == ["spam"] * 4
    assert record(app, kept).status == "pending"
    # No filter, no bulk: "all pending" is never one click away.
    bare = {"csrf_token": moderator, "queue": "pending", "action": "spam", "confirmed": "1"}
    assert client.post("/review/bulk-filter", data=bare).status_code == 400


def test_display_preferences_are_stored_and_validated(app, client, moderator, sites):
    for n in range(30):
        add(app, sites[0], f"{UNSURE} {n}")
    assert len(card_ids(client.get("/review/?queue=pending").text)) == 25
    saved = client.post(
        "/review/preferences",
        data={"csrf_token": moderator, "layout": "list", "per_page": "50", "next": "/review/"},
    )
    assert saved.status_code == 303
    html = client.get("/review/?queue=pending").text
    assert len(card_ids(html)) == 30 and 'class="cards list"' in html
    for bad in ({"layout": "grid"}, {"per_page": "1000"}):
        answer = client.post("/review/preferences", data={"csrf_token": moderator, **bad})
        assert answer.status_code == 400
    assert len(card_ids(client.get("/review/?queue=pending&per_page=25").text)) == 25


def test_reasons_are_ranked_with_their_direction_and_explained(app, client, moderator, sites):
    comment_id = add(app, sites[0], SPAM)
    html = client.get(f"/review/comments/{comment_id}").text
    assert "↑ spam" in html and "explain-table" in html
    assert "discarded from" in html


def test_a_reply_shows_its_parent(app, client, moderator, sites):
    parent = add(app, sites[0], "The original question", external_id="wp-9", author="Pat")
    add(app, sites[0], UNSURE, parent_id="wp-9")
    html = client.get("/review/?queue=all").text
    assert "In reply to <strong>Pat</strong>" in html and "The original question" in html
    assert f'href="/review/comments/{parent}"' in html


def test_check_again_refuses_while_a_model_is_missing_and_moves_nothing(
    app, client, moderator, sites
):
    from dataclasses import replace

    from moderator.ml.protocol import UnavailableModel

    approved = add(app, sites[0], GENUINE)
    models = app.extensions["moderator.models"]
    app.extensions["moderator.models"] = replace(models, spam=UnavailableModel("spam", "gone"))
    answer = act(client, moderator, "/review/check-again", ids=[approved], apply="1")
    assert answer.status_code == 503
    assert record(app, approved).status == "approved"
