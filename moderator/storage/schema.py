"""The database tables, as SQLAlchemy 2 declarative classes. Changes go through migrations."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, deferred, mapped_column, relationship

from moderator.core.reasons import Reason

# The enums live in moderator.core.states, so the core uses them without SQLAlchemy;
# they are imported here for the CHECK constraints and for callers of this module.
from moderator.core.states import (
    CommentOrigin,
    EventOrigin,
    LabelKind,
    LabelSource,
    ModelState,
    ReplyState,
    Role,
    Status,
    Verdict,
)


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def _check(column: str, values: type[enum.StrEnum]) -> CheckConstraint:
    allowed = ", ".join(f"'{v.value}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=f"ck_{column}_valid")


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and read back timezone-aware in UTC, on every database.

    PostgreSQL keeps instants (timestamptz) but answers in the session's time zone.
    SQLite has no time type: SQLAlchemy writes the wall-clock digits and drops the
    offset, so 10:00+05:00 used to come back as 10:00. Every value is turned into UTC
    before it is written, and a value read without an offset is UTC. A naive value given
    to write is taken as UTC, as `storage.parse_time` takes a time sent without offset.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        """Return the value in UTC (without its offset on SQLite, which would drop it)."""
        if value is None:
            return None
        moment = as_utc(value)
        return moment.replace(tzinfo=None) if dialect.name == "sqlite" else moment

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        """Return the stored instant, timezone-aware in UTC."""
        return None if value is None else as_utc(value)


def as_utc(moment: datetime) -> datetime:
    """Return a datetime as an aware UTC datetime (a naive one is taken as UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base; `type_annotation_map` stores every timestamp in UTC (UTCDateTime)."""

    type_annotation_map = {datetime: UTCDateTime()}


class Site(Base):
    """One blog that sends comments."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Whether this site's labels train the shared model every site uses (the operator's
    #: call: `moderator sites trust URL`); a site's own model learns from its labels anyway.
    #: (A server default, so inserts written for older revisions of the table still work.)
    trusted: Mapped[bool] = mapped_column(Boolean, server_default=false())

    keys: Mapped[list[ApiKey]] = relationship(back_populates="site")


class ApiKey(Base):
    """A site's API key, stored only as a sha256 hash; `prefix` identifies it in lists."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)

    site: Mapped[Site] = relationship(back_populates="keys")


class CommentRecord(Base):
    """A received comment: every field as sent, the raw payload and the decision."""

    __tablename__ = "comments"
    __table_args__ = (
        UniqueConstraint("site_id", "external_id", name="uq_comments_site_external_id"),
        _check("status", Status),
        _check("verdict", Verdict),
        _check("reply_state", ReplyState),
        Index("ix_comments_site_status_id", "site_id", "status", "id"),
        Index("ix_comments_site_reply_state", "site_id", "reply_state", "urgent", "id"),
        Index("ix_comments_site_author_email", "site_id", "author_email"),
        # the approved-author rule and the review page's e-mail filter compare lower(e-mail)
        Index("ix_comments_site_author_email_lower", "site_id", text("lower(author_email)")),
        Index("ix_comments_content_hash", "content_hash", "received_at"),
        Index("ix_comments_site_ip", "site_id", "user_ip", "received_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    guid: Mapped[str] = mapped_column(String(36), unique=True)
    external_id: Mapped[str | None] = mapped_column(String(256), default=None)
    content: Mapped[str] = mapped_column(Text)
    #: sha256 of the normalised text (`core.comment.content_fingerprint`), for duplicates.
    content_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    author: Mapped[str] = mapped_column(Text, default="")
    author_email: Mapped[str] = mapped_column(Text, default="")
    author_url: Mapped[str] = mapped_column(Text, default="")
    user_ip: Mapped[str] = mapped_column(Text, default="")
    user_agent: Mapped[str] = mapped_column(Text, default="")
    referrer: Mapped[str] = mapped_column(Text, default="")
    permalink: Mapped[str] = mapped_column(Text, default="")
    post_title: Mapped[str] = mapped_column(Text, default="")
    post_id: Mapped[str] = mapped_column(Text, default="")
    parent_id: Mapped[str] = mapped_column(Text, default="")
    comment_type: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(Text, default="")
    raw: Mapped[dict] = mapped_column(JSON, default=dict)
    is_test: Mapped[bool] = mapped_column(Boolean, default=False)
    # A CommentOrigin. No CHECK: on SQLite adding one rebuilds the table, and dropping the
    # old one would cascade to the replies.
    origin: Mapped[str] = mapped_column(String(32), default=CommentOrigin.API.value)

    status: Mapped[str] = mapped_column(String(16))
    verdict: Mapped[str] = mapped_column(String(16))
    spam_score: Mapped[float] = mapped_column(Float)
    discard: Mapped[bool] = mapped_column(Boolean, default=False)
    medical_score: Mapped[float] = mapped_column(Float, default=0.0)
    needs_reply: Mapped[bool] = mapped_column(Boolean, default=False)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    reply_state: Mapped[str] = mapped_column(String(16), default=ReplyState.NONE.value)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    spam_model_version: Mapped[str] = mapped_column(String(100), default="")
    medical_model_version: Mapped[str] = mapped_column(String(100), default="")

    created_at: Mapped[datetime | None] = mapped_column(default=None)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    site: Mapped[Site] = relationship()
    replies: Mapped[list[Reply]] = relationship(
        back_populates="comment", cascade="all, delete-orphan", order_by="Reply.id"
    )

    @property
    def reason_values(self) -> tuple[Reason, ...]:
        """Return the stored reasons as `Reason` values (the column holds their JSON form)."""
        return tuple(Reason.from_dict(r) for r in self.reasons or () if isinstance(r, dict))


class Reply(Base):
    """The author's answer to a comment, written in moderator and synced via the events feed."""

    __tablename__ = "replies"
    # Never reuse an id: events and labels keep ids of deleted comments.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    author: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    comment: Mapped[CommentRecord] = relationship(back_populates="replies")


class Event(Base):
    """One line of the append-only audit log: who did what to which comment, from → to."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_site_id_id", "site_id", "id"),
        _check("origin", EventOrigin),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int | None] = mapped_column(
        ForeignKey("sites.id", ondelete="SET NULL"), default=None
    )
    # No foreign key: the log outlives a comment deleted for good.
    comment_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    origin: Mapped[str] = mapped_column(String(32))  # an EventOrigin
    action: Mapped[str] = mapped_column(String(64))  # an EventAction
    from_value: Mapped[str | None] = mapped_column(String(200), default=None)
    to_value: Mapped[str | None] = mapped_column(String(200), default=None)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


#: The comment fields a label keeps besides the text.
LABEL_SNAPSHOT = (
    "author",
    "author_email",
    "author_url",
    "permalink",
    "post_title",
    "user_ip",
    "user_agent",
    "referrer",
    "comment_type",
    "language",
)


class Label(Base):
    """Moderator ground truth about a comment, which later training reads."""

    __tablename__ = "labels"
    __table_args__ = (
        _check("kind", LabelKind),
        _check("source", LabelSource),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="SET NULL"), default=None, index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[bool] = mapped_column(Boolean)
    actor: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(32))  # a LabelSource
    # A copy of the comment (its text, and its other fields as `LABEL_SNAPSHOT` names
    # them), so a label still trains a model after its comment is deleted.
    content: Mapped[str] = mapped_column(Text, default="")
    fields: Mapped[dict | None] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    """A review-page account."""

    __tablename__ = "users"
    __table_args__ = (_check("role", Role),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(150), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(16), default=Role.MODERATOR.value)
    # Set while an admin has disabled the account: it cannot log in and has no sessions.
    disabled_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: How the user likes the pages (the review page's layout and page size), by page.
    preferences: Mapped[dict] = mapped_column(JSON, default=dict)

    sites: Mapped[list[Site]] = relationship(secondary="user_sites")

    @property
    def active(self) -> bool:
        """Return True unless the account is disabled."""
        return self.disabled_at is None


class UserSite(Base):
    """Which sites a moderator may see; admins see all."""

    __tablename__ = "user_sites"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    site_id: Mapped[int] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )


class RateLimit(Base):
    """Requests counted per caller and minute, in the database so every app server shares them."""

    __tablename__ = "rate_limits"

    bucket: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class UserSession(Base):
    """A logged-in browser: the cookie carries a random token, the row its hash and times.

    Sessions live here, not in the cookie alone, so that logging out, a new password, a
    disabled or deleted account ends them on every app server at once.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Where the login came from, for the users page (as the client sent it: escaped there).
    address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")

    user: Mapped[User] = relationship()


class Throttle(Base):
    """Failures counted per caller (a client address), with the delay they earned.

    Times are Unix seconds, as in `rate_limits`: every app server reads the same row.
    """

    __tablename__ = "throttles"

    bucket: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure: Mapped[int] = mapped_column(Integer, default=0)
    blocked_until: Mapped[int] = mapped_column(Integer, default=0)


class WebhookDeliveryState(enum.StrEnum):
    """Where an outbox row stands: waiting (first try or a retry), delivered, or given up."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class SiteWebhook(Base):
    """A site's webhook: the HTTPS address events are POSTed to and the secret signing them.

    The secret is kept as it is (an HMAC needs it), shown to an admin once when made.
    """

    __tablename__ = "site_webhooks"

    site_id: Mapped[int] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )
    url: Mapped[str] = mapped_column(String(2048))
    secret: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    secret_rotated_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookDelivery(Base):
    """The outbox: one event to POST to a site's webhook, written with the change it tells of.

    `body` is the JSON sent, fixed when the event happened, so every retry carries the
    same bytes; only the timestamp and signature headers change between attempts.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        _check("state", WebhookDeliveryState),
        Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),
        Index("ix_webhook_deliveries_site_id", "site_id", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The event id receivers de-duplicate on (Moderator-Webhook-Id), stable across retries.
    event_id: Mapped[str] = mapped_column(String(40), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    event_type: Mapped[str] = mapped_column(String(64))
    # No foreign key: the delivery of a change outlives a comment deleted afterwards.
    comment_id: Mapped[int | None] = mapped_column(Integer, default=None)
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default=WebhookDeliveryState.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    #: The receiver's HTTP status of the last attempt (None: no answer).
    last_status: Mapped[int | None] = mapped_column(Integer, default=None)
    #: Why the last attempt failed, in a line (never the receiver's body).
    last_error: Mapped[str] = mapped_column(String(300), default="")
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)


class JobState(Base):
    """A background job across the cluster: when it last ran, how it went, who runs it now.

    `last_run_at` makes the schedule the cluster's (an hourly job runs once an hour,
    however many servers run the worker). `holder` and `lock_expires_at` are the lock on
    SQLite; PostgreSQL uses advisory locks instead, freed when their holder's connection
    goes, and a row lock here is freed by its expiry if its holder dies.
    """

    __tablename__ = "jobs"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(200), default=None)
    lock_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    last_run_at: Mapped[datetime | None] = mapped_column(default=None)
    last_outcome: Mapped[str] = mapped_column(String(300), default="")


class ModelVersion(Base):
    """One trained model in the registry: its file, its figures, and where it stands.

    `site_id` NULL is the shared model every site uses (trained from trusted sites'
    labels); otherwise the version is that site's own layer on top of it. At most one
    version per (name, site) is active; the others are kept, refused ones with the reason.
    """

    __tablename__ = "model_versions"
    __table_args__ = (
        _check("state", ModelState),
        Index("ix_model_versions_name_site", "name", "site_id", "state"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(32))
    site_id: Mapped[int | None] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), default=None
    )
    version: Mapped[str] = mapped_column(String(100), unique=True)
    file: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    #: The file's bytes and its card: the database holds every version, so a server
    #: whose model folder lacks one (a new server, another machine) writes it back from
    #: here; the folder is a cache of this column. Read only when needed.
    artifact: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, default=None))
    card: Mapped[dict | None] = deferred(mapped_column(JSON, default=None))
    state: Mapped[str] = mapped_column(String(16), default=ModelState.CANDIDATE.value)
    reason: Mapped[str] = mapped_column(Text, default="")
    #: Which labels it learned from: their count, the newest id, the count per source.
    trained_from: Mapped[dict] = mapped_column(JSON, default=dict)
    #: The gate's figures, candidate beside the model active when it was judged.
    figures: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Every promotion, refusal and rollback: [{"at", "actor", "to", "reason"}, ...].
    history: Mapped[list] = mapped_column(JSON, default=list)
    actor: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    promoted_at: Mapped[datetime | None] = mapped_column(default=None)
