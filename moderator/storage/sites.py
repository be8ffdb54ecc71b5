"""Sites, their API keys, and the per-key request counter."""

from __future__ import annotations

import functools
import hashlib
import secrets

from sqlalchemy import Integer, bindparam, or_, select
from sqlalchemy.orm import Session

from moderator.core.settings import SiteSettings
from moderator.storage.common import NotFound
from moderator.storage.schema import (
    ApiKey,
    RateLimit,
    Site,
    utcnow,
)

#: Keys are lower-case letters and digits only, so they survive the legacy
#: `<key>.rest.host` form of Akismet clients (host names are case-insensitive).
KEY_PREFIX = "mod"


def hash_key(key: str) -> str:
    """Return the stored form of an API key (sha256; keys are random, so no salt is needed)."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def create_site(session: Session, url: str, name: str = "") -> tuple[Site, str]:
    """Create a site with its first key; commit; return the site and the key (shown once)."""
    site = Site(url=url.strip(), name=name.strip() or url.strip(), settings={})
    session.add(site)
    session.flush()
    key = _new_key(session, site)
    session.commit()
    return site, key


def create_key(session: Session, site: Site, label: str = "") -> str:
    """Add another key to a site; commit; return the key (shown once)."""
    key = _new_key(session, site, label)
    session.commit()
    return key


def _new_key(session: Session, site: Site, label: str = "") -> str:
    key = KEY_PREFIX + secrets.token_hex(20)
    session.add(ApiKey(site_id=site.id, prefix=key[:12], key_hash=hash_key(key), label=label))
    return key


#: The key lookup of every API request, built once (SQLAlchemy caches its compiled form).
_SITE_FOR_KEY = (
    select(Site)
    .join(ApiKey, ApiKey.site_id == Site.id)
    .where(ApiKey.key_hash == bindparam("key_hash"), ApiKey.revoked_at.is_(None))
)


def site_for_key(session: Session, key: str) -> Site | None:
    """Return the site an unrevoked key belongs to, or None.

    One query (the key joined to its site): every API request asks, so the key's row is
    not loaded and its site fetched after it.
    """
    if not key or len(key) > 200:
        return None
    return session.execute(_SITE_FOR_KEY, {"key_hash": hash_key(key)}).scalar_one_or_none()


def site_by_url(session: Session, url: str) -> Site | None:
    """Return the site registered under a URL, ignoring a trailing slash and scheme case."""
    wanted = _url_key(url)
    for site in session.execute(select(Site)).scalars():
        if _url_key(site.url) == wanted:
            return site
    return None


def _url_key(url: str) -> str:
    url = (url or "").strip().lower().rstrip("/")
    for scheme in ("https://", "http://"):
        if url.startswith(scheme):
            url = url[len(scheme) :]
    return url.removeprefix("www.")


def list_sites(session: Session) -> list[Site]:
    """Return every site, oldest first."""
    return list(session.execute(select(Site).order_by(Site.id)).scalars())


def get_site(session: Session, site_id: int) -> Site:
    """Return a site by id or raise NotFound."""
    site = session.get(Site, site_id)
    if site is None:
        raise NotFound(f"no site {site_id}")
    return site


def site_settings(site: Site) -> SiteSettings:
    """Return a site's settings as its decisions read them (bad stored values are dropped)."""
    return SiteSettings.from_dict(site.settings)


def update_site_settings(session: Session, site: Site, settings: SiteSettings) -> SiteSettings:
    """Store a site's settings; commit; return them as its decisions will read them.

    Takes a SiteSettings (from `SiteSettings.parse` for what a person entered), so only
    validated settings reach the database.
    """
    if not isinstance(settings, SiteSettings):
        raise TypeError(f"settings must be SiteSettings, not {type(settings).__name__}")
    site.settings = settings.to_dict()
    session.commit()
    return site_settings(site)


def list_keys(session: Session, site: Site | None = None) -> list[ApiKey]:
    """Return API keys (of one site, or all), oldest first."""
    query = select(ApiKey).order_by(ApiKey.id)
    if site is not None:
        query = query.where(ApiKey.site_id == site.id)
    return list(session.execute(query).scalars())


def revoke_key(session: Session, key_or_prefix: str) -> ApiKey:
    """Revoke a key given whole or by its listed prefix; commit; raise NotFound if unknown."""
    row = session.execute(
        select(ApiKey).where(
            or_(ApiKey.key_hash == hash_key(key_or_prefix), ApiKey.prefix == key_or_prefix)
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("no such key")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.commit()
    return row


def take_request(session: Session, bucket: str, limit: int, now: float) -> int:
    """Count one request against a per-minute limit; commit.

    Returns 0 when the request may go ahead, else the seconds until the next window.
    The counter is one upsert in the database, so every app server shares it; past
    windows are left to the clean-up job (`storage.forget_stale`), never read again.
    """
    window = int(now // 60)
    statement = _counter_upserts(session.get_bind().dialect.name)[0]
    values = {"bucket": bucket, "window_start": window, "amount": 1}
    count = session.execute(statement, values).scalar_one()
    session.commit()
    if count <= limit:
        return 0
    return _until_next_window(window, now)


def take_budget(session: Session, bucket: str, limit: int, amount: int, now: float) -> int:
    """Spend `amount` of a per-minute budget (comments scored, not requests); commit.

    Returns 0 when the budget held it, else the seconds until the next window: then
    nothing is spent, so a refused batch does not use up what a smaller one could have.
    One conditional upsert: the count grows only while it stays within the limit, so
    two servers spending at once can never pass it together. Shared by every app
    server, like `take_request`.
    """
    window = int(now // 60)
    if amount > limit:  # more than a whole window holds: never spent, never allowed
        return _until_next_window(window, now)
    statement = _counter_upserts(session.get_bind().dialect.name)[1]
    values = {"bucket": bucket, "window_start": window, "amount": amount, "limit": limit}
    spent = session.execute(statement, values).scalar_one_or_none()
    session.commit()
    if spent is not None:
        return 0
    return _until_next_window(window, now)


def _until_next_window(window: int, now: float) -> int:
    return max(1, int((window + 1) * 60 - now))


@functools.cache
def _counter_upserts(dialect: str):
    """Return the counters' two upserts for a dialect, built once: add `amount` to a
    bucket's window and return the count; the same only while it stays within `limit`."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = RateLimit.__table__
    amount = bindparam("amount", type_=Integer)
    added = insert(table).values(
        bucket=bindparam("bucket"), window_start=bindparam("window_start"), count=amount
    )
    keys = ["bucket", "window_start"]
    grown = {"count": table.c.count + amount}
    count_up = added.on_conflict_do_update(index_elements=keys, set_=grown)
    within = added.on_conflict_do_update(
        index_elements=keys, set_=grown, where=table.c.count + amount <= bindparam("limit")
    )
    return count_up.returning(table.c.count), within.returning(table.c.count)
