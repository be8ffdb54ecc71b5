"""The review page's queries on both databases: filters, search, author history, edits,
Check again, parents and per-user preferences.
"""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from moderator import storage
from moderator.core.comment import Comment
from moderator.core.decision import decide
from moderator.core.settings import SiteSettings
from moderator.storage.schema import CommentRecord, Event, Label
from tests.stubs import stub_models

ACTOR = "mo"
_numbers = itertools.count()


@pytest.fixture
def site(session, site_key):
    """The test site as a row."""
    return storage.get_site(session, site_key[0])


def add(session, site, content=None, **fields) -> CommentRecord:
    """Decide a comment with the stub models and store it, as the API would."""
    comment = Comment(
        content=content or f"Nice post, visit my shop spam=0.6 #{next(_numbers)}", **fields
    )
    decision = decide(comment, SiteSettings(), stub_models())
    return storage.add_comment(session, site, comment, decision, raw={}, actor="test").record


def listed(session, site, **filters) -> set[int]:
    """Return the ids a filtered All queue lists."""
    chosen = storage.ReviewFilter(site_ids=(site.id,), queue="all", **filters)
    return {r.id for r in storage.review_page(session, chosen, per_page=200).items}


# -- filters and search ---------------------------------------------------------------------


def test_one_click_filters_match_exactly(session, site):
    a = add(session, site, author="Ann", author_email="Ann@Example.org", user_ip="203.0.113.7")
    b = add(session, site, author="Bob", author_email="bob@other.test", user_ip="203.0.113.70")
    c = add(session, site, author="Cy", author_url="https://www.example.org/me", user_ip="::1")
    d = add(session, site, author="Di", author_url="https://notexample.org", user_ip="")
    assert listed(session, site, ip="203.0.113.7") == {a.id}
    assert listed(session, site, email="ann@example.ORG") == {a.id}
    assert listed(session, site, author="Bob") == {b.id}
    assert listed(session, site, domain="example.org") == {a.id, c.id}
    assert listed(session, site, domain="notexample.org") == {d.id}
    assert (
        storage.count_matching(
            session, storage.ReviewFilter(site_ids=(site.id,), queue="all", domain="example.org")
        )
        == 2
    )


@pytest.mark.parametrize(
    "email, url, domain",
    [
        ("ann@Example.org", "", "example.org"),
        ("", "https://www.shop.test:8080/x?y", "shop.test"),
        ("", "http://user@evil.test/", "evil.test"),
        ("", "not a url", ""),
        ("", "", ""),
    ],
)
def test_the_domain_an_author_writes_from(email, url, domain):
    assert storage.domain_of(email, url) == domain


def test_search_covers_every_field_and_escapes_like_wildcards(session, site):
    a = add(session, site, "100% genuine, I promise", author="Pat")
    b = add(session, site, "plain words", author="Quin_n", author_email="q@mail.test")
    c = add(session, site, "other", author_url="https://shop.test/a", user_ip="198.51.100.9")
    assert listed(session, site, search="100%") == {a.id}
    assert listed(session, site, search="%") == {a.id}  # not "anything"
    assert listed(session, site, search="_") == {b.id}  # not "any one character"
    assert listed(session, site, search="Q@MAIL") == {b.id}
    assert listed(session, site, search="shop.test") == {c.id}
    assert listed(session, site, search="198.51.100") == {c.id}
    assert listed(session, site, search="'; drop table comments; --") == set()
    assert session.execute(select(CommentRecord.id)).first() is not None


def test_all_holds_pending_and_approved_and_counts_them(session, site):
    pending = add(session, site)
    approved = add(session, site, "Thanks for the clear steps.")
    spam = add(session, site, "buy pills spam=0.95")
    storage.moderate(session, [spam], "spam", actor=ACTOR)
    assert approved.status == "approved"
    assert listed(session, site) == {pending.id, approved.id}
    assert storage.count_by_status(session, [site.id])["all"] == 2


def test_matching_ids_list_a_filter_for_a_bulk_action(session, site):
    ids = [add(session, site, user_ip="192.0.2.1").id for _ in range(3)]
    add(session, site, user_ip="192.0.2.2")
    chosen = storage.ReviewFilter(site_ids=(site.id,), queue="pending", ip="192.0.2.1")
    assert storage.matching_ids(session, chosen) == ids


def test_a_reply_shows_the_comment_it_answers(session, site):
    parent = add(session, site, external_id="wp-41")
    reply = add(session, site, parent_id="wp-41")
    orphan = add(session, site, parent_id="wp-999")
    parents = storage.parents_of(session, [reply, orphan, parent], [site.id])
    assert parents == {reply.id: parent}
    assert storage.parents_of(session, [reply], []) == {}


# -- author history: the count and the list agree ----------------------------------------------

AUTHORS = {
    "named with e-mail": {"author": "Ann", "author_email": "ann@example.org", "user_ip": "1.1.1.1"},
    "same e-mail, other case and IP": {
        "author": "Annie",
        "author_email": " ANN@example.org ",
        "user_ip": "2.2.2.2",
    },
    "named, no e-mail": {"author": "Bob", "user_ip": "3.3.3.3"},
    "anonymous, same IP": {"author": "", "user_ip": "4.4.4.4"},
    "anonymous, nothing": {"author": ""},
    "blank e-mail": {"author": "Cy", "author_email": "   ", "user_ip": "5.5.5.5"},
}


def test_author_history_count_and_list_agree_for_every_kind_of_author(session, site):
    records = []
    for fields in AUTHORS.values():
        for _ in range(3):
            records.append(add(session, site, **fields))
    storage.moderate(session, [records[0], records[6]], "approve", actor=ACTOR)
    summary = storage.author_approved_counts(session, records, [site.id])
    for record in records:
        history = storage.author_history(session, record, [site.id])
        others, approved = summary[record.id]
        assert others == history.total == len(history.comments), record.author
        assert approved == sum(c.status == "approved" for c in history.comments)
        assert record.id not in {c.id for c in history.comments}
    by_email = storage.author_history(session, records[0], [site.id])
    assert by_email.total == 5 and by_email.matched_by == "email"
    assert storage.author_history(session, records[6], [site.id]).total == 2
    # Anonymous with nothing to match: no history at all, not every anonymous comment.
    nothing = records[12]
    assert storage.author_history(session, nothing, [site.id]).total == 0
    assert summary[nothing.id] == (0, 0)
    # Anonymous from one IP: the other comments from that IP without a name.
    assert storage.author_history(session, records[9], [site.id]).total == 2


def test_author_history_stays_within_the_moderators_sites(session, site):
    mine = add(session, site, author="Ann", author_email="ann@example.org")
    other, _ = storage.create_site(session, "https://elsewhere.example", "Elsewhere")
    add(session, other, author="Ann", author_email="ann@example.org")
    assert storage.author_approved_counts(session, [mine], [site.id])[mine.id] == (0, 0)
    assert storage.author_history(session, mine, [site.id]).total == 0
    assert storage.author_history(session, mine, [site.id, other.id]).total == 1


# -- quick edit -------------------------------------------------------------------------------


def test_an_edit_keeps_the_old_text_in_the_log_and_labels_only_when_asked(session, site):
    record = add(session, site, "Original words", author="Ann", author_email="a@x.test")
    old_hash = record.content_hash
    change = storage.edit_comment(
        session,
        record,
        {"content": "Fixed words", "author": "Ann", "author_url": "https://a.test"},
        actor=ACTOR,
    )
    assert record.content == "Fixed words" and record.author_url == "https://a.test"
    assert record.content_hash != old_hash
    event = session.get(Event, change.event_ids[0])
    assert event.action == "edited" and event.actor == ACTOR
    assert event.details["old"] == {"content": "Original words", "author_url": ""}
    assert event.details["new"] == {"content": "Fixed words", "author_url": "https://a.test"}
    assert session.execute(select(Label).where(Label.comment_id == record.id)).first() is None
    storage.edit_comment(session, record, {"content": "Fixed again"}, actor=ACTOR, as_label=True)
    label = session.execute(select(Label).where(Label.comment_id == record.id)).scalar_one()
    assert (label.kind, label.value, label.content) == ("spam", False, "Fixed again")


def test_an_edit_refuses_empty_text_and_trashed_comments_and_loses_nothing(session, site):
    record = add(session, site, "Keep me")
    with pytest.raises(ValueError):
        storage.edit_comment(session, record, {"content": "   "}, actor=ACTOR)
    assert record.content == "Keep me"
    storage.moderate(session, [record], "trash", actor=ACTOR)
    with pytest.raises(storage.NotAllowed):
        storage.edit_comment(session, record, {"content": "new"}, actor=ACTOR)
    session.rollback()
    assert session.get(CommentRecord, record.id).content == "Keep me"


def test_an_edit_that_changes_nothing_logs_nothing(session, site):
    record = add(session, site, "Same")
    change = storage.edit_comment(session, record, {"content": "Same"}, actor=ACTOR)
    assert change.event_ids == ()


# -- check again -------------------------------------------------------------------------------


def test_check_again_previews_then_applies_the_current_settings(session, site):
    held = add(session, site)  # spam=0.6: unsure under the stubs' 0.5 threshold -> pending
    sure = add(session, site, "buy pills spam=0.95")
    trashed = add(session, site)
    storage.moderate(session, [trashed], "trash", actor=ACTOR)
    assert held.status == "pending" and sure.status == "spam"
    storage.update_site_settings(
        session, site, SiteSettings(thresholds={"unsure": 0.7, "spam": 0.9, "discard": 0.99})
    )
    models = stub_models()
    preview = storage.preview_check_again(session, [held, sure, trashed], models)
    assert [p.comment_id for p in preview] == [held.id, sure.id]  # the trash is left alone
    assert preview[0].changed and preview[0].after.status == "approved"
    assert not preview[1].changed
    assert session.get(CommentRecord, held.id).status == "pending"  # a preview writes nothing
    results, change = storage.apply_check_again(session, [held], models, actor=ACTOR)
    assert results[0].after.status == "approved"
    assert held.status == "approved" and held.verdict == "ham"
    events = (
        session.execute(select(Event).where(Event.id.in_(change.event_ids)).order_by(Event.id))
        .scalars()
        .all()
    )
    assert [e.action for e in events] == ["status_changed", "checked_again"]
    assert events[1].details["before"]["status"] == "pending"
    assert events[1].details["after"]["status"] == "approved"
    # No label: a second opinion is not ground truth. And undo takes the move back.
    assert session.execute(select(Label).where(Label.comment_id == held.id)).first() is None
    storage.undo(session, [site.id], change.event_ids, actor=ACTOR)
    assert session.get(CommentRecord, held.id).status == "pending"


def test_check_again_is_never_its_own_duplicate(session, site):
    settings = SiteSettings(duplicate_window_hours=24)
    storage.update_site_settings(session, site, settings)
    first = add(session, site, "Thanks for the clear steps.")
    preview = storage.preview_check_again(session, [first], stub_models())
    assert "duplicate" not in preview[0].after.reasons
    assert preview[0].after.status == first.status


# -- preferences ------------------------------------------------------------------------------


def test_review_preferences_are_remembered_per_user_and_validated(session, site):
    user = storage.create_user(session, "pref", "correct horse battery", "moderator", [site])
    assert storage.review_preferences(user) == storage.ReviewPreferences("cards", 25)
    storage.set_review_preferences(session, user, layout="list")
    storage.set_review_preferences(session, user, per_page=100)
    session.expire_all()
    again = storage.user_by_name(session, "pref")
    assert storage.review_preferences(again) == storage.ReviewPreferences("list", 100)
    with pytest.raises(ValueError):
        storage.set_review_preferences(session, again, per_page=30)
    with pytest.raises(ValueError):
        storage.set_review_preferences(session, again, layout="<script>")
    assert storage.ReviewPreferences.from_dict({"layout": "x", "per_page": True}) == (
        storage.ReviewPreferences()
    )
