"""What every importer shares: a row read from a file, the failure, the report, the run."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from moderator import storage
from moderator.core.comment import Comment
from moderator.core.decision import Models, decide_many
from moderator.core.states import Status
from moderator.core.workflow import IMPORTED_SPAM_LABEL
from moderator.storage.schema import Site

#: Comments decided and stored together (the models score a batch at once; each batch is
#: one short transaction, so a live server's writes wait for no more than one).
BATCH_SIZE = 500

#: Why a comment is skipped when its id was stored before with other text.
ID_TAKEN = "its id is stored already with other content"
#: Why a comment is skipped when the file holds its id twice.
ID_REPEATED = "its id appears earlier in the file"


class ImportFailed(ValueError):
    """The file cannot be imported: `line` is where reading stopped (None when unknown)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class Row:
    """One comment read from a history file, or why it cannot be imported (`skip`)."""

    comment: Comment | None
    status: Status | None
    raw: dict = field(default_factory=dict)
    skip: str = ""


#: A reader: a file's path in, its rows out (streaming), ImportFailed on a bad file.
Reader = Callable[[Path], Iterator[Row]]


@dataclass
class ImportReport:
    """What an import did: comments added, already present, skipped (with why), labels."""

    added: int = 0
    already_present: int = 0
    skipped: Counter = field(default_factory=Counter)
    #: Spam labels written, by value: True (spam) and False (genuine).
    labels: Counter = field(default_factory=Counter)
    #: Comments added, by the status their blog gave them.
    statuses: Counter = field(default_factory=Counter)

    @property
    def read(self) -> int:
        """How many comments the file held."""
        return self.added + self.already_present + sum(self.skipped.values())


def check_file(reader: Reader, path: Path) -> int:
    """Read the whole file once without storing anything; return how many comments it holds.

    Raises ImportFailed on the first thing that cannot be read, so that a malformed or
    truncated file is refused before a single comment is stored.
    """
    return sum(1 for _ in reader(path))


def import_rows(
    session: Session,
    site: Site,
    rows: Iterable[Row],
    models: Models,
    *,
    actor: str,
    details: dict | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Store rows as the site's comments, batch by batch; return what was done.

    A comment whose id the site holds already is counted, not stored again (the same
    file imported twice adds nothing); one the file repeats, or whose id is stored with
    other text, is skipped with the reason. Each batch is committed: run `check_file`
    first, so that only a database failure can stop an import half-way, and running it
    again then adds just what is missing. `progress` is told how many rows each batch
    held. The history rules (duplicates, per-address counts) are not applied: they
    describe the moment a comment arrives, long past for a history.
    """
    report = ImportReport()
    settings = storage.site_settings(site)
    seen: set[str] = set()
    iterator = iter(rows)
    while batch := list(islice(iterator, batch_size)):
        _import_batch(session, site, batch, models, settings, seen, report, actor, details)
        if progress is not None:
            progress(len(batch))
    return report


def _import_batch(session, site, batch, models, settings, seen, report, actor, details) -> None:
    """Decide and store one batch, retrying once if another writer stored one of its ids."""
    for attempt in range(2):
        counts = ImportReport()
        fresh, ids = _fresh_rows(session, site, batch, seen, counts)
        decisions = decide_many([row.comment for row in fresh], settings, models) if fresh else []
        items = [
            storage.Imported(row.comment, row.status, decision, row.raw)
            for row, decision in zip(fresh, decisions, strict=True)
        ]
        try:
            if items:
                storage.add_imported(session, site, items, actor=actor, details=details)
            session.commit()
        except IntegrityError:
            # A platform sent one of these comments through the API meanwhile.
            session.rollback()
            if attempt:
                raise
            continue
        seen.update(ids)
        report.added += len(items)
        report.already_present += counts.already_present
        report.skipped.update(counts.skipped)
        for item in items:
            report.statuses[item.status.value] += 1
            label = IMPORTED_SPAM_LABEL.get(item.status)
            if label is not None:
                report.labels[label] += 1
        return


def _fresh_rows(session, site, batch: list[Row], seen: set[str], counts: ImportReport):
    """Return the batch's rows to store and the ids it holds; count the others, with why."""
    readable = []
    for row in batch:
        if row.skip:
            counts.skipped[row.skip] += 1
        else:
            readable.append(row)
    stored = storage.stored_contents(session, site, [r.comment.external_id for r in readable])
    fresh, ids = [], set()
    for row in readable:
        external_id = row.comment.external_id
        if external_id in seen or external_id in ids:
            counts.skipped[ID_REPEATED] += 1
        elif external_id in stored:
            if stored[external_id] == row.comment.content:
                counts.already_present += 1
            else:
                counts.skipped[ID_TAKEN] += 1
        else:
            fresh.append(row)
        ids.add(external_id)
    return fresh, ids
