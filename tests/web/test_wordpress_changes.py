"""POST /api/v1/wordpress/changes: clicks in wp-admin, reported by the WordPress bridge."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from moderator.storage.schema import CommentRecord, Event, Label
from tests.stubs import stub_models

BLOG = "https://blog.example"
UNSURE = {
    "comment_content": "Nice post, see my site for more spam=0.6",
    "comment_author": "Mary K.",
    "comment_author_email": "mary@example.org",
}
CHANGES = "/api/v1/wordpress/changes"


@pytest.fixture(scope="module")
def models():
    """Stub models: `spam=0.6` is unsure (held), so every move starts from pending."""
    return stub_models()


@pytest.fixture
def held(client, site_key):
    """A comment checked through the Akismet API and held: its guid."""
    response = client.post(
        "/1.1/comment-check",
        data={"blog": BLOG, "user_ip": "203.0.113.7", "api_key": site_key[1], **UNSURE},
    )
    assert response.headers["X-moderator-status"] == "pending"
    return response.headers["X-akismet-guid"]


def labels(session) -> list[tuple[bool, str, str]]:
    session.rollback()
    return [(x.value, x.source, x.actor) for x in session.scalars(select(Label).order_by(Label.id))]


def the_comment(session) -> CommentRecord:
    session.rollback()
    return session.scalars(select(CommentRecord)).one()


def test_the_comment_is_linked_to_its_wordpress_id(client, auth, held, session):
    response = client.post(
        CHANGES, json={"guid": held, "external_id": 41, "status": "pending"}, headers=auth
    )
    assert response.status_code == 200
    assert response.get_json()["external_id"] == "41"
    assert the_comment(session).external_id == "41"
    assert labels(session) == []  # WordPress placed it where moderator did: no judgement


def test_approving_a_held_comment_becomes_a_wordpress_label(client, auth, held, session):
    client.post(CHANGES, json={"guid": held, "external_id": "41"}, headers=auth)
    response = client.post(
        CHANGES, json={"external_id": "41", "status": "approved", "actor": "ann"}, headers=auth
    )
    assert response.get_json()["status"] == "approved"
    assert labels(session) == [(False, "wordpress", "wordpress:ann")]
    event = session.scalars(select(Event).where(Event.action == "status_changed")).one()
    assert (event.from_value, event.to_value, event.origin) == ("pending", "approved", "platform")


def test_the_platforms_changes_are_not_fed_back_to_it(client, auth, held):
    client.post(CHANGES, json={"guid": held, "status": "approved"}, headers=auth)
    feed = client.get("/api/v1/events", headers=auth).get_json()
    assert feed["events"] == []


def test_spam_then_not_spam_then_unapprove_then_trash(client, auth, held, session):
    for status in ("spam", "pending", "approved", "pending", "trash", "pending"):
        answer = client.post(CHANGES, json={"guid": held, "status": status}, headers=auth)
        assert answer.get_json()["status"] == status
    # Spam is a judgement, "Not spam" (spam → pending) too, then approving a held one;
    # unapproving, trashing and untrashing are not.
    assert [value for value, _, _ in labels(session)] == [True, False, False]
    assert {source for _, source, _ in labels(session)} == {"wordpress"}


def test_a_click_akismet_already_reported_is_not_labelled_twice(client, auth, held, session):
    report = {"guid": held, "status": "spam", "already_reported": True}
    assert client.post(CHANGES, json=report, headers=auth).get_json()["status"] == "spam"
    assert labels(session) == []


def test_an_edit_takes_the_new_text(client, auth, held, session):
    response = client.post(CHANGES, json={"guid": held, "content": "Edited words"}, headers=auth)
    assert response.get_json()["content"] == "Edited words"
    record = the_comment(session)
    assert record.content == "Edited words" and record.status == "pending"
    edited = session.scalars(select(Event).where(Event.action == "edited")).one()
    assert edited.origin == "platform"


def test_deleted_in_wordpress_is_deleted_here_and_labels_stay(client, auth, held, session):
    client.post(CHANGES, json={"guid": held, "status": "spam"}, headers=auth)
    response = client.post(CHANGES, json={"guid": held, "status": "deleted"}, headers=auth)
    assert response.status_code == 204
    session.rollback()
    assert session.scalars(select(CommentRecord)).all() == []
    assert [value for value, _, _ in labels(session)] == [True]  # training keeps its label
    again = client.post(CHANGES, json={"guid": held, "status": "approved"}, headers=auth)
    assert again.status_code == 404


def test_another_sites_comment_cannot_be_touched(client, held, other_site_key, session):
    other = {"Authorization": f"Bearer {other_site_key[1]}"}
    response = client.post(CHANGES, json={"guid": held, "status": "spam"}, headers=other)
    assert response.status_code == 404
    assert the_comment(session).status == "pending"


def test_an_id_already_taken_is_a_conflict(client, auth, held, session):
    client.post(CHANGES, json={"guid": held, "external_id": "41"}, headers=auth)
    response = client.post(CHANGES, json={"guid": held, "external_id": "42"}, headers=auth)
    assert response.status_code == 409
    assert the_comment(session).external_id == "41"


@pytest.mark.parametrize(
    "payload",
    [
        {"status": "spam"},
        {"guid": "x"},
        {"guid": "x", "status": "published"},
        {"guid": 5, "status": "spam"},
        {"guid": "x", "content": "   "},
        {"guid": "x", "actor": "a" * 101, "status": "spam"},
        {"guid": "x", "status": "spam", "already_reported": "yes"},
    ],
)
def test_bad_reports_get_422(client, auth, held, payload):
    response = client.post(CHANGES, json=payload, headers=auth)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"


def test_the_site_key_is_required(client, held):
    assert client.post(CHANGES, json={"guid": held, "status": "spam"}).status_code == 401
