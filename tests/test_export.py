"""Exports: every comment with its decision and labels, read back by the loaders."""

from __future__ import annotations

import csv
import io
import json

import pytest

from moderator import storage
from moderator.export import CSV_COLUMNS, write_export
from moderator.training.datasets.ours import load_jsonl
from moderator.training.datasets.wxr import load_wxr

#: Comments a blog might hold, hostile ones among them: markup, CDATA's end, control
#: characters, a spreadsheet formula, accents and emoji.
COMMENTS = [
    {
        "content": "Thanks, step 3 helped.",
        "author": "Mary",
        "author_email": "mary@example.org",
        "external_id": "101",
        "post_id": "7",
        "post_title": "Moving to PostgreSQL",
    },
    {
        "content": '<script>alert(1)</script> ]]> & "quotes" \x01\x0b end',
        "author": "<b>Eve</b>",
        "external_id": "102",
        "parent_id": "101",
        "post_id": "7",
        "post_title": "Moving to PostgreSQL",
    },
    {
        "content": '=HYPERLINK("http://evil.example","click")',
        "author": "@bot",
        "external_id": "wp-x",
        "post_id": "8",
        "post_title": "Café ☕ notes",
    },
]
#: The label each comment gets through the API's feedback (None: none).
FEEDBACK = ["ham", "spam", None]


@pytest.fixture
def exported(client, auth, session, site_key):
    """The test site's comments, sent through the API and labelled, ready to export."""
    ids = []
    for comment, label in zip(COMMENTS, FEEDBACK, strict=True):
        body = client.post("/api/v1/comments", json=comment, headers=auth).get_json()
        ids.append(body["id"])
        if label:
            client.post(
                f"/api/v1/comments/{body['id']}/feedback", json={"label": label}, headers=auth
            )
    site = storage.get_site(session, site_key[0])

    def write(fmt: str, path=None):
        out = io.StringIO()
        count = write_export(
            fmt,
            storage.comments_for_export(session, site),
            out,
            site_url=site.url,
            site_name=site.name,
        )
        assert count == len(COMMENTS)
        if path is not None:
            path.write_text(out.getvalue(), encoding="utf-8")
        return out.getvalue()

    return write, ids


def test_jsonl_round_trips_through_the_training_loader(exported, tmp_path):
    write, ids = exported
    path = tmp_path / "export.jsonl"
    write("jsonl", path)
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [row["id"] for row in rows] == ids
    assert [row["labels"][0]["value"] if row["labels"] else None for row in rows] == [
        False,
        True,
        None,
    ]
    assert all(row["reasons"] and "reply_state" in row and "verdict" in row for row in rows)
    loaded = load_jsonl(path)
    assert [item.comment.content for item in loaded] == [c["content"] for c in COMMENTS]
    assert [item.comment.external_id for item in loaded] == ["101", "102", "wp-x"]
    assert [item.spam for item in loaded][:2] == [False, True]


def test_wxr_round_trips_through_the_wordpress_loader(exported, tmp_path):
    write, _ = exported
    path = tmp_path / "export.xml"
    write("wxr", path)
    loaded = load_wxr(path)
    expected = [c["content"].replace("\x01", "\ufffd").replace("\x0b", "\ufffd") for c in COMMENTS]
    assert [item.comment.content for item in loaded] == expected
    assert [item.comment.author for item in loaded] == [c["author"] for c in COMMENTS]
    assert [item.comment.post_title for item in loaded] == [c["post_title"] for c in COMMENTS]
    assert loaded[0].comment.author_email == "mary@example.org"
    assert loaded[1].comment.parent_id == "101" and loaded[1].comment.external_id == "102"
    assert [item.spam for item in loaded][:2] == [False, True]
    text = path.read_text(encoding="utf-8")
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "moderator_reasons" in text


def test_csv_has_a_row_per_comment_and_no_formulas(exported):
    write, ids = exported
    rows = list(csv.DictReader(io.StringIO(write("csv"))))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert [int(row["id"]) for row in rows] == ids
    assert rows[2]["content"].startswith("'=HYPERLINK") and rows[2]["author"] == "'@bot"
    assert rows[1]["content"] == COMMENTS[1]["content"]
    assert json.loads(rows[0]["labels"])[0]["value"] is False
    assert all(not row[c].startswith(("=", "+", "-", "@")) for row in rows for c in CSV_COLUMNS)
