"""Deleting for good: one comment, one person's comments everywhere, a whole site."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from moderator import storage
from moderator.storage.schema import Base, CommentRecord, Event, Label, Site

ADDRESS = "alice@example.org"


def every_text(session) -> list[str]:
    """Return every value of every column of every table, as text (JSON for JSON)."""
    found = []
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)).mappings():
            for value in row.values():
                if value is not None:
                    found.append(
                        value if isinstance(value, str) else json.dumps(value, default=str)
                    )
    return found


def post(client, key, **fields):
    """Send a comment through the API; return its id."""
    response = client.post(
        "/api/v1/comments",
        json={"content": "Thanks for this post.", **fields},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


@pytest.fixture
def alices_comments(client, session, site_key, other_site_key):
    """Alice's comments on two sites, labelled and replied to, one quoted by Bob."""
    mine = [
        post(
            client,
            site_key[1],
            author="Alice",
            author_email="Alice@Example.org",
            custom={"contact": ADDRESS},
        ),
        post(client, other_site_key[1], author="Alice", author_email=ADDRESS, external_id="wp-9"),
    ]
    for comment_id, key in zip(mine, (site_key[1], other_site_key[1]), strict=True):
        client.post(
            f"/api/v1/comments/{comment_id}/feedback",
            json={"label": "ham"},
            headers={"Authorization": f"Bearer {key}"},
        )
    storage.add_reply(
        session, session.get(CommentRecord, mine[0]), f"Thanks, I wrote to {ADDRESS}", actor="ed"
    )
    bob = post(
        client,
        site_key[1],
        author="Bob",
        author_email="bob@example.net",
        content=f"Alice, is {ADDRESS.upper()} still yours?",
    )
    return mine, bob


def test_erasure_leaves_nothing_of_the_address_in_any_table(session, alices_comments):
    mine, bob = alices_comments
    assert any(ADDRESS in text.lower() for text in every_text(session))
    erased = storage.erase_author(session, " ALICE@example.org ", actor="cli:erase")
    assert (erased.comments, erased.blotted) == (2, 1)
    session.expire_all()
    assert not [text for text in every_text(session) if ADDRESS in text.lower()]
    assert all(session.get(CommentRecord, i) is None for i in mine)
    assert session.execute(select(Label).where(Label.comment_id.in_(mine))).first() is None
    quoting = session.get(CommentRecord, bob)
    assert quoting.content == f"Alice, is {storage.BLOTTED} still yours?"
    logged = session.execute(select(Event).where(Event.action == "erased")).scalars().all()
    assert sorted(e.details["comments"] for e in logged) == [1, 1]  # one line per site


def test_a_deleted_comment_keeps_its_labels_as_training_data(session, alices_comments):
    mine, _ = alices_comments
    record = session.get(CommentRecord, mine[0])
    storage.delete_comment(session, record, actor="ed", origin="moderator")
    kept = session.execute(select(Label).where(Label.content == "Thanks for this post.")).scalars()
    detached = [label for label in kept if label.comment_id is None]
    assert len(detached) == 1
    assert detached[0].fields["author_email"] == "Alice@Example.org"


def test_erasure_takes_the_labels_of_comments_deleted_before(session, alices_comments):
    mine, _ = alices_comments
    storage.delete_comment(
        session, session.get(CommentRecord, mine[0]), actor="ed", origin="moderator"
    )
    storage.erase_author(session, ADDRESS, actor="cli:erase")
    session.expire_all()
    assert not [text for text in every_text(session) if ADDRESS in text.lower()]
    assert session.execute(select(func.count()).select_from(Label)).scalar_one() == 0


def test_erasure_on_one_site_keeps_the_other_sites_comments(session, alices_comments, site_key):
    mine, _ = alices_comments
    site = storage.get_site(session, site_key[0])
    assert storage.erase_author(session, ADDRESS, site=site, actor="cli:erase").comments == 1
    assert session.get(CommentRecord, mine[0]) is None
    assert session.get(CommentRecord, mine[1]) is not None


def test_the_feed_tells_the_platform_an_erased_comment_went(
    client, session, alices_comments, other_site_key
):
    storage.erase_author(session, ADDRESS, actor="cli:erase")
    feed = client.get(
        "/api/v1/events", headers={"Authorization": f"Bearer {other_site_key[1]}"}
    ).get_json()
    deleted = [e for e in feed["events"] if e["action"] == "deleted"]
    assert [e["external_id"] for e in deleted] == ["wp-9"]


def test_erasure_needs_an_address(session):
    with pytest.raises(ValueError, match="e-mail"):
        storage.erase_author(session, "alice", actor="cli:erase")


def test_deleting_a_site_takes_everything_of_it(session, alices_comments, site_key, other_site_key):
    site = storage.get_site(session, site_key[0])
    assert storage.delete_site(session, site) == 2  # Alice's and Bob's
    session.expire_all()
    assert session.get(Site, site_key[0]) is None
    assert storage.site_for_key(session, site_key[1]) is None
    for table in (CommentRecord, Label, Event):
        assert (
            session.execute(
                select(func.count()).select_from(table).where(table.site_id == site_key[0])
            ).scalar_one()
            == 0
        )
    assert storage.site_for_key(session, other_site_key[1]) is not None
