"""Importing a blog's history: WordPress exports and JSON lines, read, checked and stored.

Readers are tested on files written here; imports run through the CLI on both databases
with the shipped models, as a blogger would run them.
"""

from __future__ import annotations

import json
import tracemalloc
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from moderator import imports, storage
from moderator.core.states import EventOrigin, LabelSource, Status
from moderator.storage.schema import CommentRecord, Event, Label
from tests.paths import FIXTURES
from tests.stubs import stub_models

SITE = "https://blog.example"

#: A WordPress export as WordPress 6 writes one (WXR 1.2): two posts, a reply, a
#: pingback and a trackback, every status, a pending comment without a GMT date, a
#: post sent to the trash, hostile text, and comments that cannot be imported.
WXR = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
  xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
  xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:wfw="http://wellformedweb.org/CommentAPI/"
  xmlns:dc="http://purl.org/dc/elements/1.1/"
  xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
  <title>Garden Notes</title>
  <link>https://garden.example</link>
  <wp:wxr_version>1.2</wp:wxr_version>
  <wp:base_site_url>https://garden.example</wp:base_site_url>
  <wp:author><wp:author_login><![CDATA[lena]]></wp:author_login></wp:author>
  <item>
    <title><![CDATA[Tomatoes in August]]></title>
    <link>https://garden.example/tomatoes</link>
    <wfw:commentRss>https://garden.example/tomatoes/feed</wfw:commentRss>
    <content:encoded><![CDATA[<p>The post itself.</p>]]></content:encoded>
    <wp:post_id>12</wp:post_id>
    <wp:post_type><![CDATA[post]]></wp:post_type>
    <wp:comment>
      <wp:comment_id>101</wp:comment_id>
      <wp:comment_author><![CDATA[Lena]]></wp:comment_author>
      <wp:comment_author_email><![CDATA[lena@example.net]]></wp:comment_author_email>
      <wp:comment_author_url><![CDATA[https://lena.example]]></wp:comment_author_url>
      <wp:comment_author_IP><![CDATA[192.0.2.1]]></wp:comment_author_IP>
      <wp:comment_date><![CDATA[2020-08-01 12:00:00]]></wp:comment_date>
      <wp:comment_date_gmt><![CDATA[2020-08-01 10:00:00]]></wp:comment_date_gmt>
      <wp:comment_content><![CDATA[Mine split too. Did you water less?]]></wp:comment_content>
      <wp:comment_approved><![CDATA[1]]></wp:comment_approved>
      <wp:comment_type><![CDATA[comment]]></wp:comment_type>
      <wp:comment_parent>0</wp:comment_parent>
      <wp:comment_user_id>0</wp:comment_user_id>
      <wp:commentmeta>
        <wp:meta_key><![CDATA[akismet_result]]></wp:meta_key>
        <wp:meta_value><![CDATA[false]]></wp:meta_value>
      </wp:commentmeta>
    </wp:comment>
    <wp:comment>
      <wp:comment_id>102</wp:comment_id>
      <wp:comment_author><![CDATA[Cheap Essay Writing Service]]></wp:comment_author>
      <wp:comment_author_url><![CDATA[https://essays.example]]></wp:comment_author_url>
      <wp:comment_author_IP><![CDATA[203.0.113.9]]></wp:comment_author_IP>
      <wp:comment_date_gmt><![CDATA[2020-08-02 03:04:05]]></wp:comment_date_gmt>
      <wp:comment_content><![CDATA[Nice. <a href="https://essays.example">essay help</a>
<script>alert(1)</script>]]></wp:comment_content>
      <wp:comment_approved><![CDATA[spam]]></wp:comment_approved>
      <wp:comment_type><![CDATA[comment]]></wp:comment_type>
      <wp:comment_parent>101</wp:comment_parent>
    </wp:comment>
    <wp:comment>
      <wp:comment_id>103</wp:comment_id>
      <wp:comment_author><![CDATA[Sam]]></wp:comment_author>
      <wp:comment_date><![CDATA[2020-08-03 09:30:00]]></wp:comment_date>
      <wp:comment_date_gmt><![CDATA[0000-00-00 00:00:00]]></wp:comment_date_gmt>
      <wp:comment_content>Waiting for approval &amp; still here</wp:comment_content>
      <wp:comment_approved><![CDATA[0]]></wp:comment_approved>
      <wp:comment_type><![CDATA[comment]]></wp:comment_type>
    </wp:comment>
    <wp:comment>
      <wp:comment_id>104</wp:comment_id>
      <wp:comment_author><![CDATA[Other Blog]]></wp:comment_author>
      <wp:comment_author_url><![CDATA[https://other.example/post]]></wp:comment_author_url>
      <wp:comment_content><![CDATA[[&#8230;] as Lena wrote [&#8230;]]]></wp:comment_content>
      <wp:comment_approved><![CDATA[1]]></wp:comment_approved>
      <wp:comment_type><![CDATA[pingback]]></wp:comment_type>
    </wp:comment>
  </item>
  <item>
    <title>Compost</title>
    <link>https://garden.example/compost</link>
    <wp:post_id>13</wp:post_id>
    <wp:post_type>post</wp:post_type>
    <wp:comment>
      <wp:comment_id>105</wp:comment_id>
      <wp:comment_author>Spammy Trackback</wp:comment_author>
      <wp:comment_content>Buy cheap pills online now</wp:comment_content>
      <wp:comment_approved>trash</wp:comment_approved>
      <wp:comment_type>trackback</wp:comment_type>
    </wp:comment>
    <wp:comment>
      <wp:comment_id>106</wp:comment_id>
      <wp:comment_author>Kim</wp:comment_author>
      <wp:comment_content>On a post that went to the trash.</wp:comment_content>
      <wp:comment_approved>post-trashed</wp:comment_approved>
    </wp:comment>
    <wp:comment>
      <wp:comment_author>No Id</wp:comment_author>
      <wp:comment_content>A comment without its id.</wp:comment_content>
      <wp:comment_approved>1</wp:comment_approved>
    </wp:comment>
    <wp:comment>
      <wp:comment_id>108</wp:comment_id>
      <wp:comment_content>   </wp:comment_content>
      <wp:comment_approved>1</wp:comment_approved>
    </wp:comment>
    <wp:comment>
      <wp:comment_id>109</wp:comment_id>
      <wp:comment_content>Status from a plugin.</wp:comment_content>
      <wp:comment_approved>mystery</wp:comment_approved>
    </wp:comment>
  </item>
</channel>
</rss>
"""

#: What each importable comment of WXR becomes: id → (status, labels, comment type).
EXPECTED = {
    "101": ("approved", [False], "comment"),
    "102": ("spam", [True], "comment"),
    "103": ("pending", [], "comment"),
    "104": ("approved", [False], "pingback"),
    "105": ("trash", [], "trackback"),
    "106": ("trash", [], "comment"),
}
SKIPPED = {
    "no comment id (a re-import could not recognise it)": 1,
    "empty content": 1,
    "unknown comment_approved 'mystery'": 1,
}


@pytest.fixture
def wxr_file(tmp_path):
    """The export above, written to a file."""
    path = tmp_path / "export.xml"
    path.write_text(WXR, encoding="utf-8")
    return path


def run_import(runner, fmt, path, site=SITE):
    """Run `moderator import-FORMAT FILE --site URL` and return the result."""
    return runner.invoke(args=[f"import-{fmt}", str(path), "--site", site])


def stored(session, site_id):
    """Return the site's comments by external id."""
    session.expire_all()
    rows = session.execute(select(CommentRecord).where(CommentRecord.site_id == site_id))
    return {record.external_id: record for record in rows.scalars()}


def labels_of(session, site_id):
    """Return the site's labels as (external id, kind, value, source), sorted."""
    rows = session.execute(
        select(CommentRecord.external_id, Label.kind, Label.value, Label.source)
        .join(CommentRecord, Label.comment_id == CommentRecord.id)
        .where(Label.site_id == site_id)
    )
    return sorted(tuple(row) for row in rows)


# -- reading a WordPress export ---------------------------------------------------------------


def test_wxr_reader_reads_every_field_of_every_comment(wxr_file):
    rows = list(imports.read_wxr(wxr_file))
    assert len(rows) == 9
    readable = {row.comment.external_id: row for row in rows if not row.skip}
    assert {i: r.status.value for i, r in readable.items()} == {
        i: status for i, (status, _, _) in EXPECTED.items()
    }
    first = readable["101"].comment
    assert (first.author, first.author_email, first.author_url, first.user_ip) == (
        "Lena",
        "lena@example.net",
        "https://lena.example",
        "192.0.2.1",
    )
    assert (first.post_title, first.post_id, first.permalink) == (
        "Tomatoes in August",
        "12",
        "https://garden.example/tomatoes",
    )
    # comment_date_gmt is UTC (comment_date is the blog's local time, two hours ahead)
    assert first.created_at == datetime(2020, 8, 1, 10, 0, tzinfo=UTC)
    assert readable["102"].comment.parent_id == "101" and first.parent_id == ""
    # without a GMT date, the local date stands in
    assert readable["103"].comment.created_at == datetime(2020, 8, 3, 9, 30, tzinfo=UTC)
    assert readable["103"].comment.content == "Waiting for approval & still here"
    assert readable["104"].comment.created_at is None
    assert readable["105"].comment.post_title == "Compost"
    assert readable["101"].raw["comment"]["commentmeta"] == {"akismet_result": "false"}
    assert sorted(row.skip for row in rows if row.skip) == sorted(SKIPPED)


def test_the_old_fixture_export_reads_too():
    rows = list(imports.read_wxr(FIXTURES / "wxr.xml"))
    assert [row.status.value for row in rows] == ["approved", "spam", "pending", "trash"]


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_older_wxr_versions_read_the_same(tmp_path, version):
    path = tmp_path / "old.xml"
    path.write_text(WXR.replace("/export/1.2/", f"/export/{version}/"), encoding="utf-8")
    rows = [row for row in imports.read_wxr(path) if not row.skip]
    assert [row.comment.external_id for row in rows] == list(EXPECTED)


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.97])
def test_a_truncated_export_is_refused_with_its_line(tmp_path, cut):
    path = tmp_path / "cut.xml"
    path.write_text(WXR[: int(len(WXR) * cut)], encoding="utf-8")
    with pytest.raises(imports.ImportFailed, match="not well-formed XML") as failure:
        list(imports.read_wxr(path))
    assert failure.value.line == WXR[: int(len(WXR) * cut)].count("\n") + 1


def test_a_malformed_export_names_the_line(tmp_path):
    path = tmp_path / "bad.xml"
    path.write_text(WXR.replace("<title>Compost</title>", "<title>Compost</titel>"), "utf-8")
    with pytest.raises(imports.ImportFailed) as failure:
        list(imports.read_wxr(path))
    line = WXR.splitlines().index("    <title>Compost</title>") + 1
    assert failure.value.line == line and f"line {line}" in str(failure.value)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('<?xml version="1.0"?><feed><entry/></feed>', "not <rss>"),
        ('<?xml version="1.0"?><rss><channel><title>Blog</title></channel></rss>', "wxr_version"),
        (
            '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
            "<rss><channel><title>&b;</title></channel></rss>",
            "entities",
        ),
        (
            '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY s SYSTEM "file:///etc/passwd">]>'
            "<rss><channel><title>&s;</title></channel></rss>",
            "entities",
        ),
    ],
)
def test_what_is_no_wordpress_export_is_refused(tmp_path, text, problem):
    path = tmp_path / "other.xml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(imports.ImportFailed, match=problem):
        list(imports.read_wxr(path))


def _big_export(path, posts: int, per_post: int) -> None:
    """Write a WXR export of posts × per_post comments of a few hundred bytes each."""
    with open(path, "w", encoding="utf-8") as out:
        out.write(WXR[: WXR.index("  <item>")])
        number = 0
        for post in range(posts):
            out.write(f"<item><title>Post {post}</title><wp:post_id>{post}</wp:post_id>")
            out.write(f"<content:encoded><![CDATA[{'Post text. ' * 200}]]></content:encoded>")
            for _ in range(per_post):
                number += 1
                out.write(
                    f"\n<wp:comment><wp:comment_id>{number}</wp:comment_id>"
                    f"<wp:comment_author>Reader {number}</wp:comment_author>"
                    f"<wp:comment_content><![CDATA[{'A thoughtful remark. ' * 15}]]>"
                    "</wp:comment_content><wp:comment_approved>1</wp:comment_approved>"
                    "</wp:comment>"
                )
            out.write("</item>")
        out.write("</channel></rss>")


def test_a_large_export_is_read_as_a_stream(tmp_path):
    path = tmp_path / "big.xml"
    _big_export(path, posts=80, per_post=50)  # 4,000 comments, about 2 MB
    size = path.stat().st_size
    tracemalloc.start()
    try:
        count = imports.check_file(imports.read_wxr, path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 4_000 and size > 1_500_000
    # one post's comments at a time, never the whole tree (which takes several times the file)
    assert peak < size / 5, f"peak {peak} bytes reading a {size}-byte export"


# -- importing a WordPress export -----------------------------------------------------------------


def test_import_wxr_stores_the_history_with_statuses_labels_and_decisions(
    runner, session, site_key, wxr_file
):
    result = run_import(runner, "wxr", wxr_file)
    assert result.exit_code == 0, result.output
    assert "6 added, 0 already present, 3 skipped" in result.output
    assert "skipped 1: empty content" in result.output
    assert "Labels (source import): 2 genuine, 1 spam" in result.output
    comments = stored(session, site_key[0])
    assert {i: (r.status, r.comment_type) for i, r in comments.items()} == {
        i: (status, kind) for i, (status, _, kind) in EXPECTED.items()
    }
    lena = comments["101"]
    assert (lena.author_email, lena.author_url, lena.user_ip, lena.post_title) == (
        "lena@example.net",
        "https://lena.example",
        "192.0.2.1",
        "Tomatoes in August",
    )
    assert lena.created_at == datetime(2020, 8, 1, 10, 0, tzinfo=UTC)
    assert comments["102"].parent_id == "101" and comments["102"].origin == "import"
    assert "<script>" in comments["102"].content  # stored as written; escaped when shown
    # each was decided by the current models, whatever its blog said
    assert all(r.spam_model_version and r.verdict and r.reasons for r in comments.values())
    expected_labels = sorted(
        (i, "spam", value, LabelSource.IMPORT.value)
        for i, (_, values, _) in EXPECTED.items()
        for value in values
    )
    assert labels_of(session, site_key[0]) == expected_labels


def test_imported_comments_are_logged_by_the_system_and_not_fed_back(
    runner, session, site_key, wxr_file
):
    assert run_import(runner, "wxr", wxr_file).exit_code == 0
    events = session.execute(select(Event).where(Event.site_id == site_key[0])).scalars().all()
    assert len(events) == len(EXPECTED)
    assert {(e.action, e.origin, e.actor) for e in events} == {
        ("received", EventOrigin.SYSTEM.value, "cli:import-wxr")
    }
    assert all(
        e.details["imported_from"] == "wxr" and "decided_status" in e.details for e in events
    )
    site = storage.get_site(session, site_key[0])
    # the platform has these comments already: nothing reaches its feed
    assert storage.events_after(session, site, include_platform=True) == []


def test_importing_the_same_wxr_file_twice_adds_nothing(runner, session, site_key, wxr_file):
    first = run_import(runner, "wxr", wxr_file)
    assert "6 added" in first.output
    counts = (
        session.execute(select(func.count()).select_from(CommentRecord)).scalar_one(),
        session.execute(select(func.count()).select_from(Label)).scalar_one(),
        session.execute(select(func.count()).select_from(Event)).scalar_one(),
    )
    again = run_import(runner, "wxr", wxr_file)
    assert again.exit_code == 0, again.output
    assert "0 added, 6 already present, 3 skipped" in again.output
    assert "Labels" not in again.output
    session.expire_all()
    assert counts == (
        session.execute(select(func.count()).select_from(CommentRecord)).scalar_one(),
        session.execute(select(func.count()).select_from(Label)).scalar_one(),
        session.execute(select(func.count()).select_from(Event)).scalar_one(),
    )


def test_a_truncated_wxr_file_leaves_no_comments_behind(runner, session, site_key, tmp_path):
    whole = tmp_path / "whole.xml"
    # more comments than one batch, so a reader that stored as it went would have stored some
    _big_export(whole, posts=12, per_post=50)
    text = whole.read_text(encoding="utf-8")
    cut = text.index("<wp:comment_id>590</wp:comment_id>")
    path = tmp_path / "cut.xml"
    path.write_text(text[:cut], encoding="utf-8")
    result = run_import(runner, "wxr", path)
    assert result.exit_code != 0
    line = text[:cut].count("\n") + 1
    assert f"line {line}: not well-formed XML" in result.output
    assert "Nothing was imported" in result.output
    assert stored(session, site_key[0]) == {}
    assert session.execute(select(func.count()).select_from(Label)).scalar_one() == 0
    assert session.execute(select(func.count()).select_from(Event)).scalar_one() == 0


def test_an_id_stored_with_other_text_is_skipped_not_overwritten(
    runner, client, auth, session, site_key, wxr_file
):
    client.post(
        "/api/v1/comments", json={"content": "Another text", "external_id": 101}, headers=auth
    )
    result = run_import(runner, "wxr", wxr_file)
    assert result.exit_code == 0, result.output
    assert "5 added" in result.output
    assert "skipped 1: its id is stored already with other content" in result.output
    assert stored(session, site_key[0])["101"].content == "Another text"


def test_import_refuses_an_unknown_site_and_a_missing_file(runner, wxr_file, tmp_path):
    unknown = run_import(runner, "wxr", wxr_file, site="https://nowhere.example")
    assert unknown.exit_code != 0 and "no site" in unknown.output
    missing = run_import(runner, "wxr", tmp_path / "missing.xml")
    assert missing.exit_code != 0 and "does not exist" in missing.output


def test_an_export_imported_into_another_site_gives_the_same_comments(
    runner, client, auth, session, site_key, other_site_key, wxr_file, tmp_path
):
    assert run_import(runner, "wxr", wxr_file).exit_code == 0
    # and comments that came in through the API, one with a numeric id, one without
    client.post(
        "/api/v1/comments",
        json={
            "content": "Through the API",
            "author": "<b>Eve</b>",
            "external_id": 500,
            "post_title": "Compost",
            "post_id": "13",
            "permalink": "https://garden.example/compost",
        },
        headers=auth,
    )
    exported = tmp_path / "again.xml"
    result = runner.invoke(args=["export", "--site", SITE, "--format", "wxr", str(exported)])
    assert result.exit_code == 0, result.output
    other = storage.get_site(session, other_site_key[0]).url
    assert run_import(runner, "wxr", exported, site=other).exit_code == 0
    fields = (
        "content",
        "author",
        "author_email",
        "author_url",
        "user_ip",
        "post_title",
        "post_id",
        "parent_id",
        "status",
    )
    original, copy = stored(session, site_key[0]), stored(session, other_site_key[0])
    assert set(copy) == set(original)
    for external_id, record in original.items():
        assert {f: getattr(copy[external_id], f) for f in fields} == {
            f: getattr(record, f) for f in fields
        }, external_id
        # the export dates a comment its blog never dated by when moderator received it
        when = record.created_at or record.received_at.replace(microsecond=0)
        assert copy[external_id].created_at == when
    # each status gives the label it stands for (the filter's approval of the API's
    # comment too: an export, like WordPress, does not say who approved a comment)
    assert labels_of(session, other_site_key[0]) == sorted(
        (external_id, "spam", record.status == "spam", "import")
        for external_id, record in original.items()
        if record.status in ("approved", "spam")
    )


# -- JSON lines ------------------------------------------------------------------------------------

JSONL = [
    {
        "external_id": "c-1",
        "status": "approved",
        "content": "Thanks, step 3 helped.",
        "author": "Mary",
        "author_email": "mary@example.org",
        "user_ip": "192.0.2.7",
        "post_id": 7,
        "post_title": "Moving to PostgreSQL",
        "created_at": "2021-03-04T05:06:07+02:00",
        "comment_type": "comment",
    },
    {"external_id": "c-2", "status": "spam", "content": "casino bonus", "parent_id": "c-1"},
    {"external_id": 3, "status": "trash", "content": "off topic", "extra": {"kept": True}},
    {"external_id": "c-4", "status": "pending", "content": "Is this safe?"},
]


def write_jsonl(path, rows, extra: str = "") -> None:
    """Write rows as JSON lines (and any extra raw text at the end)."""
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + extra, encoding="utf-8")


def test_import_jsonl_stores_the_history(runner, session, site_key, tmp_path):
    path = tmp_path / "history.jsonl"
    write_jsonl(path, JSONL, extra="\n")
    result = run_import(runner, "jsonl", path)
    assert result.exit_code == 0, result.output
    assert "4 added, 0 already present, 0 skipped" in result.output
    comments = stored(session, site_key[0])
    assert {i: r.status for i, r in comments.items()} == {
        "c-1": "approved",
        "c-2": "spam",
        "3": "trash",
        "c-4": "pending",
    }
    mary = comments["c-1"]
    assert (mary.author, mary.user_ip, mary.post_id) == ("Mary", "192.0.2.7", "7")
    assert mary.created_at == datetime(2021, 3, 4, 3, 6, 7, tzinfo=UTC)
    assert comments["c-2"].parent_id == "c-1"
    assert comments["3"].raw["extra"] == {"kept": True}
    assert labels_of(session, site_key[0]) == [
        ("c-1", "spam", False, "import"),
        ("c-2", "spam", True, "import"),
    ]
    assert "0 added, 4 already present" in run_import(runner, "jsonl", path).output


def test_an_imported_history_is_past_for_the_sites_rules(
    runner, client, auth, session, site_key, tmp_path
):
    settings = ["sites", "settings", SITE, "--set", "duplicate_window_hours=24"]
    assert runner.invoke(args=[*settings, "--set", "max_per_ip_per_hour=2"]).exit_code == 0
    path = tmp_path / "history.jsonl"
    same = {"status": "approved", "content": "Great recipe, thanks!", "user_ip": "192.0.2.5"}
    write_jsonl(
        path,
        [{**same, "external_id": n, "created_at": f"2021-05-0{n}T10:00:00Z"} for n in range(1, 4)],
    )
    assert "3 added" in run_import(runner, "jsonl", path).output
    assert {r.received_at for r in stored(session, site_key[0]).values()} == {
        datetime(2021, 5, n, 10, 0, tzinfo=UTC) for n in range(1, 4)
    }
    body = client.post(
        "/api/v1/comments", json={"content": same["content"], "user_ip": "192.0.2.5"}, headers=auth
    ).get_json()
    assert not {"duplicate", "ip_rate"} & {reason["code"] for reason in body["reasons"]}


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"external_id": "x", "content": "hi"}', "status must be one of"),
        ('{"external_id": "x", "status": "deleted", "content": "hi"}', "status must be one of"),
        ('{"status": "approved", "content": "hi"}', "external_id is required"),
        ('{"external_id": "x", "status": "approved"}', "content is required"),
        ('{"external_id": "x", "status": "approved", "content": "  "}', "must not be empty"),
        ('{"external_id": "x", "status": "approved", "content": "a\\u0000b"}', "NUL"),
        ('{"external_id": ["x"], "status": "approved", "content": "hi"}', "external_id must be"),
        (
            '{"external_id": "x", "status": "approved", "content": "hi", "created_at": "May 1"}',
            "created_at must be an RFC 3339 date-time",
        ),
        (
            '{"external_id": "x", "status": "approved", "content": "hi", "a": '
            + "[" * 40
            + "]" * 40
            + "}",
            "deeper",
        ),
    ],
)
def test_a_bad_jsonl_line_is_refused_with_its_number(
    runner, session, site_key, tmp_path, line, problem
):
    path = tmp_path / "history.jsonl"
    write_jsonl(path, JSONL[:3], extra=line + "\n")
    result = run_import(runner, "jsonl", path)
    assert result.exit_code != 0
    assert "line 4:" in result.output and problem in result.output, result.output
    assert "Nothing was imported" in result.output
    assert stored(session, site_key[0]) == {}


def test_a_jsonl_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(b'{"external_id": "1", "status": "approved", "content": "caf\xe9"}\n')
    with pytest.raises(imports.ImportFailed, match="line 1: not UTF-8"):
        list(imports.read_jsonl(path))


def test_a_jsonl_export_reads_back(
    runner, client, auth, session, site_key, other_site_key, tmp_path
):
    client.post("/api/v1/comments", json={"content": "Hello there", "external_id": 5}, headers=auth)
    exported = tmp_path / "out.jsonl"
    assert (
        runner.invoke(args=["export", "--site", SITE, "--format", "jsonl", str(exported)]).exit_code
        == 0
    )
    other = storage.get_site(session, other_site_key[0]).url
    result = run_import(runner, "jsonl", exported, site=other)
    assert result.exit_code == 0 and "1 added" in result.output, result.output
    assert stored(session, other_site_key[0])["5"].content == "Hello there"


# -- the run, in batches ---------------------------------------------------------------------------


def test_batches_report_progress_and_a_repeated_id_counts_once(session, site_key, tmp_path):
    rows = [
        json.dumps({"external_id": str(i % 5), "status": "approved", "content": f"Note {i % 5}"})
        for i in range(7)
    ]
    path = tmp_path / "repeats.jsonl"
    path.write_text("\n".join(rows), encoding="utf-8")
    site = storage.get_site(session, site_key[0])
    told = []
    report = imports.import_rows(
        session,
        site,
        imports.read_jsonl(path),
        stub_models(),
        actor="test",
        batch_size=3,
        progress=told.append,
    )
    assert told == [3, 3, 1]
    assert (report.added, report.already_present, dict(report.skipped)) == (
        5,
        0,
        {"its id appears earlier in the file": 2},
    )
    assert report.read == 7 and report.labels[False] == 5


def test_a_comment_the_platform_stored_meanwhile_is_counted_once(
    session, site_key, tmp_path, monkeypatch
):
    """The API may store a comment between the check for its id and the batch's insert."""
    path = tmp_path / "race.jsonl"
    write_jsonl(path, JSONL)
    site = storage.get_site(session, site_key[0])
    imports.import_rows(session, site, imports.read_jsonl(path), stub_models(), actor="test")
    session.execute(Label.__table__.delete())
    session.commit()
    looked = []
    real = storage.stored_contents

    def blind_once(*args):
        looked.append(True)
        return {} if len(looked) == 1 else real(*args)

    monkeypatch.setattr(storage, "stored_contents", blind_once)
    report = imports.import_rows(
        session, site, imports.read_jsonl(path), stub_models(), actor="test"
    )
    assert len(looked) == 2  # the batch failed on the unique id, and was retried
    assert (report.added, report.already_present) == (0, len(JSONL))
    assert len(stored(session, site_key[0])) == len(JSONL)
    assert session.execute(select(func.count()).select_from(Label)).scalar_one() == 0


def test_only_a_pending_question_waits_for_a_reply(session, site_key, tmp_path):
    path = tmp_path / "questions.jsonl"
    write_jsonl(
        path,
        [
            {"external_id": "q1", "status": "pending", "content": "a medical question"},
            {"external_id": "q2", "status": "approved", "content": "an old medical question"},
            {"external_id": "q3", "status": "pending", "content": "thanks"},
        ],
    )
    site = storage.get_site(session, site_key[0])
    imports.import_rows(session, site, imports.read_jsonl(path), stub_models(), actor="test")
    comments = stored(session, site_key[0])
    assert {i: (r.needs_reply, r.reply_state) for i, r in comments.items()} == {
        "q1": (True, "needs_reply"),
        "q2": (True, "none"),
        "q3": (False, "none"),
    }
    assert comments["q1"].status == Status.PENDING.value
