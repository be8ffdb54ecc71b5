"""What the site has seen before a comment: facts storage looks up for the rules.

The decision stays a pure function of its arguments: a view (or the CLI) asks storage
for these facts about a new comment and passes them to `decide` as this value.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class History:
    """Facts about a comment's past, as of its arrival.

    `duplicate_seen`: the same normalised text arrived within the site's duplicate
    window (on this site or any). `author_approved`: the same e-mail and name had a
    comment approved on this site. `ip_comments_last_hour`: comments from the same IP on
    this site in the last hour, not counting this one.
    """

    duplicate_seen: bool = False
    author_approved: bool = False
    ip_comments_last_hour: int = 0


#: What is known about a comment when nothing was looked up (a batch /score, a test).
NO_HISTORY = History()
