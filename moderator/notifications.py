"""Telling the site's author at once that a reader may be in danger: an e-mail per urgent
comment through the configured SMTP server (standard library only).

Off unless `SMTP_HOST` is set and someone is to be told: the site's own `urgent_email_to`
setting when it names anyone, else the server-wide `URGENT_EMAIL_TO`. Sending never
decides anything and never loses a comment: the comment is stored before the e-mail is
tried, and a failure is logged. The comment's text is the reader's (attacker-controlled):
it goes in the plain-text body only, never in a header.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from moderator.core.reasons import Reason

log = logging.getLogger(__name__)

#: How much of the comment the e-mail quotes (the review page holds the rest).
EXCERPT_CHARS = 2000


def recipients(config: Mapping, site_addresses: Sequence[str] = ()) -> tuple[str, ...]:
    """Return who is told about an urgent comment: the site's own addresses when it has
    any (a blog's author, not the server's operator), else the server-wide ones."""
    if site_addresses:
        return tuple(site_addresses)
    configured = config.get("URGENT_EMAIL_TO") or ""
    return tuple(a.strip() for a in configured.split(",") if a.strip())


def urgent_email(
    config: Mapping,
    *,
    site_name: str,
    comment_id: int,
    content: str,
    reasons: list[Reason],
    site_addresses: Sequence[str] = (),
) -> EmailMessage:
    """Build the e-mail about one urgent comment: the red flags, their advice, an excerpt."""
    flags = [r for r in reasons if r.code == "red_flag"]
    titles = ", ".join(dict.fromkeys(r.title for r in flags)) or "red flag"
    message = EmailMessage()
    # Only our own words in headers: the site's name is the blogger's, the titles are ours.
    message["Subject"] = _one_line(f"[moderator] Urgent comment on {site_name}: {titles}")
    message["From"] = config["URGENT_EMAIL_FROM"]
    message["To"] = ", ".join(recipients(config, site_addresses))
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="moderator.local")
    excerpt = content[:EXCERPT_CHARS] + ("…" if len(content) > EXCERPT_CHARS else "")
    lines = [
        f"A reader's comment (#{comment_id}) on {site_name} describes a possible emergency.",
        "It is held first in the reply queue; reply as soon as you can and point the reader",
        "to emergency care.",
        "",
        *(f'- {r.title}: words "{", ".join(r.evidence)}"' for r in flags),
        "",
        "The comment (as written by the reader, unverified):",
        "",
        excerpt,
    ]
    message.set_content("\n".join(lines))
    return message


def _one_line(text: str) -> str:
    """Return `text` with no line breaks, so nothing can add a header."""
    return " ".join(text.split())


def enabled(config: Mapping, site_addresses: Sequence[str] = ()) -> bool:
    """Whether urgent e-mails are configured (for a site with these addresses)."""
    return bool(config.get("SMTP_HOST") and recipients(config, site_addresses))


def send(config: Mapping, message: EmailMessage) -> bool:
    """Send one e-mail through the configured SMTP server; log and return False on failure."""
    try:
        with smtplib.SMTP(
            config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=float(config["SMTP_TIMEOUT"])
        ) as smtp:
            if config.get("SMTP_STARTTLS"):
                smtp.starttls()
            if config.get("SMTP_USERNAME"):
                smtp.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD") or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        log.error("urgent e-mail not sent (%s): %s", message["Subject"], exc)
        return False
    return True


def notify_urgent(
    config: Mapping,
    *,
    site_name: str,
    comment_id: int,
    content: str,
    reasons,
    site_addresses: Sequence[str] = (),
) -> bool:
    """E-mail the author about an urgent comment when configured; True when sent.

    `site_addresses` is the site's `urgent_email_to` setting: it wins over the server's.
    """
    if not enabled(config, site_addresses):
        return False
    message = urgent_email(
        config,
        site_name=site_name,
        comment_id=comment_id,
        content=content,
        reasons=list(reasons),
        site_addresses=site_addresses,
    )
    return send(config, message)
