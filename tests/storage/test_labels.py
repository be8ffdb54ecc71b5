"""Labels read back as training examples: the latest ruling per text, each text once."""

from __future__ import annotations

from moderator import storage
from moderator.core.states import LabelKind, LabelSource
from moderator.storage.schema import CommentRecord


def post(client, key, content, **fields):
    """Send a comment through the API; return its id."""
    response = client.post(
        "/api/v1/comments",
        json={"content": content, **fields},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def feedback(client, key, comment_id, label, **extra):
    response = client.post(
        f"/api/v1/comments/{comment_id}/feedback",
        json={"label": label, **extra},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 200, response.get_json()


def test_a_label_keeps_every_field_of_its_comment(client, session, site_key):
    comment_id = post(
        client,
        site_key[1],
        "Great recipe, thank you",
        author="Ann",
        author_email="ann@example.org",
        author_url="https://ann.example",
        permalink="https://blog.example/bread",
        post_title="Bread",
        user_ip="203.0.113.9",
        user_agent="Firefox",
    )
    feedback(client, site_key[1], comment_id, "ham")
    [example] = storage.training_examples(session)
    assert example.value is False and example.source is LabelSource.API
    comment = example.comment
    assert (comment.content, comment.author, comment.author_email) == (
        "Great recipe, thank you",
        "Ann",
        "ann@example.org",
    )
    assert (comment.author_url, comment.permalink, comment.post_title) == (
        "https://ann.example",
        "https://blog.example/bread",
        "Bread",
    )
    assert (comment.user_ip, comment.user_agent) == ("203.0.113.9", "Firefox")


def test_the_latest_ruling_wins_and_survives_deletion(client, session, site_key):
    comment_id = post(client, site_key[1], "Cheap watches at a great price")
    feedback(client, site_key[1], comment_id, "ham")
    feedback(client, site_key[1], comment_id, "spam")
    record = session.get(CommentRecord, comment_id)
    storage.delete_comment(session, record, actor="ed", origin="moderator")
    [example] = storage.training_examples(session)
    assert example.value is True and example.comment_id is None


def test_duplicates_count_once_and_test_traffic_never(client, session, site_key):
    for _ in range(3):
        feedback(client, site_key[1], post(client, site_key[1], "Buy followers now"), "spam")
    tested = session.get(CommentRecord, post(client, site_key[1], "A probe from the plugin"))
    tested.is_test = True  # as the Akismet API stores a request with is_test=1
    session.commit()
    storage.record_feedback(
        session, tested, True, actor="akismet", source="akismet", origin="platform"
    )
    examples = storage.training_examples(session)
    assert [e.comment.content for e in examples] == ["Buy followers now"]


def test_examples_by_site_and_since_a_label(client, session, site_key, other_site_key):
    feedback(client, site_key[1], post(client, site_key[1], "First on site one"), "spam")
    newest = storage.latest_label_id(session)
    feedback(client, other_site_key[1], post(client, other_site_key[1], "On site two"), "ham")
    feedback(client, site_key[1], post(client, site_key[1], "Second on site one"), "ham")
    mine = storage.training_examples(session, site_ids=[site_key[0]])
    assert [e.comment.content for e in mine] == ["First on site one", "Second on site one"]
    new = storage.training_examples(session, since_label_id=newest)
    assert [e.comment.content for e in new] == ["On site two", "Second on site one"]
    assert storage.labels_since(session, site_key[0], newest) == 1
    assert storage.labels_since(session, None, newest) == 2
    assert storage.training_examples(session, kind=LabelKind.NEEDS_REPLY) == []
