"""The urgent e-mail: built from our words and the reader's text, sent through a local fake
SMTP server, and a failure to send that is logged and loses nothing."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default

from moderator import notifications
from moderator.config import DEFAULTS
from moderator.core.reasons import Reason

FLAG = Reason(
    "red_flag",
    "Red flag: possible stroke.",
    1.0,
    ("face droops",),
    "medical_model",
    "possible stroke",
)


def _config(**overrides) -> dict:
    return {**DEFAULTS, "URGENT_EMAIL_TO": "author@example.org", **overrides}


def test_off_unless_configured():
    """No SMTP host or no recipient: nothing is tried."""
    assert not notifications.enabled(DEFAULTS)
    assert not notifications.notify_urgent(
        DEFAULTS, site_name="blog", comment_id=1, content="x", reasons=[FLAG]
    )


def test_the_author_gets_the_urgent_comment_at_once(smtp_server):
    """The e-mail names the red flag and quotes the reader; their words stay out of headers."""
    host, port = smtp_server.server_address
    content = "Subject: fake\r\nBcc: victim@example.com\n\nhalf my face droops, help"
    sent = notifications.notify_urgent(
        _config(SMTP_HOST=host, SMTP_PORT=port),
        site_name="Back Care Blog",
        comment_id=42,
        content=content,
        reasons=[FLAG],
    )
    assert sent
    (raw,) = smtp_server.received
    message = message_from_bytes(raw, policy=default)
    assert message["To"] == "author@example.org"
    assert "possible stroke" in message["Subject"] and "Back Care Blog" in message["Subject"]
    assert message["Bcc"] is None
    body = message.get_content()
    assert "#42" in body and "half my face droops" in body and "face droops" in body


def test_a_site_name_cannot_add_a_header():
    """Line breaks in the site's name are flattened in the subject."""
    message = notifications.urgent_email(
        _config(), site_name="blog\r\nBcc: x@example.com", comment_id=1, content="", reasons=[FLAG]
    )
    assert "\n" not in message["Subject"] and message["Bcc"] is None


def test_a_failure_to_send_is_logged(caplog):
    """An SMTP server that is down: logged, False, no exception for the caller."""
    config = _config(SMTP_HOST="127.0.0.1", SMTP_PORT=1, SMTP_TIMEOUT=2)
    with caplog.at_level("ERROR"):
        assert not notifications.notify_urgent(
            config, site_name="blog", comment_id=1, content="x", reasons=[FLAG]
        )
    assert "urgent e-mail not sent" in caplog.text


def test_a_sites_own_addresses_win_over_the_servers(smtp_server):
    """A blog's author is told, not the server's operator, once the site names someone."""
    host, port = smtp_server.server_address
    sent = notifications.notify_urgent(
        _config(SMTP_HOST=host, SMTP_PORT=port),
        site_name="blog",
        comment_id=7,
        content="half my face droops",
        reasons=[FLAG],
        site_addresses=("ann@blog.example", "nurse@blog.example"),
    )
    assert sent
    (raw,) = smtp_server.received
    message = message_from_bytes(raw, policy=default)
    assert message["To"] == "ann@blog.example, nurse@blog.example"


def test_a_site_address_is_enough_without_a_server_wide_one():
    """No URGENT_EMAIL_TO: a site that names an address is still told; one that does not is not."""
    config = {**DEFAULTS, "SMTP_HOST": "127.0.0.1"}
    assert notifications.enabled(config, ("ann@blog.example",))
    assert not notifications.enabled(config, ())
    assert notifications.recipients({**config, "URGENT_EMAIL_TO": "a@x.org, b@x.org"}) == (
        "a@x.org",
        "b@x.org",
    )
