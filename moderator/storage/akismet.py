"""Akismet usage figures, derived from stored comments and labels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from moderator.storage.schema import (
    CommentRecord,
    Label,
    LabelKind,
    Site,
    Verdict,
)


@dataclass(frozen=True)
class AkismetUsage:
    """A site's traffic through the Akismet API over a period, in Akismet's terms."""

    spam: int  # checks answered spam
    ham: int  # checks answered not spam (ham, or held for review)
    missed_spam: int  # submit-spam reports
    false_positives: int  # submit-ham reports

    @property
    def api_calls(self) -> int:
        """Return the checks made, the figure Akismet's usage limit counts."""
        return self.spam + self.ham


def akismet_usage(session: Session, site: Site, start: datetime, end: datetime) -> AkismetUsage:
    """Count a site's Akismet checks by verdict, and its spam/ham reports, in [start, end).

    A check is a comment stored with origin "akismet" (a report about a comment moderator
    never saw is stored too, so it counts as one); a report is a label with source
    "akismet" (test traffic makes none).
    """
    verdicts = dict(
        session.execute(
            select(CommentRecord.verdict, func.count())
            .where(
                CommentRecord.site_id == site.id,
                CommentRecord.origin == "akismet",
                CommentRecord.received_at >= start,
                CommentRecord.received_at < end,
            )
            .group_by(CommentRecord.verdict)
        ).all()
    )
    reports = dict(
        session.execute(
            select(Label.value, func.count())
            .where(
                Label.site_id == site.id,
                Label.source == "akismet",
                Label.kind == LabelKind.SPAM.value,
                Label.created_at >= start,
                Label.created_at < end,
            )
            .group_by(Label.value)
        ).all()
    )
    spam = verdicts.get(Verdict.SPAM.value, 0)
    return AkismetUsage(
        spam=spam,
        ham=sum(verdicts.values()) - spam,
        missed_spam=reports.get(True, 0),
        false_positives=reports.get(False, 0),
    )


def akismet_months(
    session: Session, site: Site, start: datetime, end: datetime
) -> list[tuple[str, AkismetUsage]]:
    """Return a site's Akismet figures month by month (`YYYY-MM`) over [start, end).

    The first and last months are clipped to the period; a period inside one month
    still gives that month, so a report always has at least one row.
    """
    months = []
    cursor = start
    while cursor < end or not months:
        following = _next_month(cursor)
        months.append(
            (cursor.strftime("%Y-%m"), akismet_usage(session, site, cursor, min(following, end)))
        )
        cursor = following
    return months


def _next_month(moment: datetime) -> datetime:
    """Return the first instant of the month after `moment`'s, in its time zone."""
    year, month = moment.year + moment.month // 12, moment.month % 12 + 1
    return moment.replace(year=year, month=month, day=1, hour=0, minute=0, second=0, microsecond=0)
