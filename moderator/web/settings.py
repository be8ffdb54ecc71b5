"""The admins' Settings page at /review/settings/: each site's rules, as a form.

The form shows every key of `SiteSettings`; a POST (with the CSRF token, checked for the
whole review page in `accounts`) replaces them all, validated by `SiteSettings.parse`.
A refusal comes back on the page with what was entered and each bad field named, 422.

Below the rules, the site's webhook: its address (HTTPS), a secret shown once when made
or rotated (the page that shows it is not cached, and the secret is never put in a
cookie or a redirect), a "send test" button queuing a ping, and the latest deliveries
with their state, attempts and the receiver's last answer; given-up ones can be retried.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from moderator import storage, webhooks
from moderator.core.settings import (
    AKISMET_HELD_ANSWERS,
    LIST_KINDS,
    THRESHOLD_NAMES,
    SettingsError,
    SiteSettings,
)
from moderator.db import get_session
from moderator.storage.schema import Site
from moderator.web.accounts import admin_required

bp = Blueprint("settings", __name__, url_prefix="/review/settings")

#: The settings entered as whole numbers, and those entered one entry a line.
COUNTS = ("hold_links_at", "min_submit_seconds", "duplicate_window_hours", "max_per_ip_per_hour")
LINES = ("hold_words", "block_words", "languages", "urgent_email_to")
FLAGS = ("hold_all", "trust_approved_authors")


def _site(site_id: int) -> Site:
    try:
        return storage.get_site(get_session(), site_id)
    except storage.NotFound:
        abort(404)


def _number(text: str):
    """Return a number typed in a field, or the text itself (parse then names the field)."""
    text = text.strip()
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def form_settings(form) -> dict:
    """Return the settings a submitted form gives, in the JSON form `parse` reads."""
    entered: dict = {name: name in form for name in FLAGS}
    entered["thresholds"] = {
        name: _number(form[f"thresholds.{name}"])
        for name in THRESHOLD_NAMES
        if form.get(f"thresholds.{name}", "").strip()
    }
    for name in COUNTS:
        entered[name] = _number(form.get(name, "0") or "0")
    for name in LINES:
        entered[name] = _lines(form.get(name, ""))
    for which in ("allow", "deny"):
        entered[which] = {kind: _lines(form.get(f"{which}.{kind}", "")) for kind in LIST_KINDS}
    for name in ("honeypot_field", "country", "akismet_held_answer"):
        entered[name] = form.get(name, "").strip()
    return entered


#: Deliveries listed on the page.
DELIVERIES_SHOWN = 20


def _page(
    site: Site,
    values: dict,
    errors: dict,
    status: int = 200,
    *,
    webhook_url: str | None = None,
    webhook_error: str = "",
    secret: str | None = None,
):
    db = get_session()
    webhook = storage.webhook_of(db, site)
    if webhook_url is None:
        webhook_url = webhook.url if webhook is not None else ""
    response = (
        render_template(
            "settings.html",
            site=site,
            sites=storage.list_sites(get_session()),
            values=values,
            errors=errors,
            counts=COUNTS,
            lines=LINES,
            list_kinds=LIST_KINDS,
            threshold_names=THRESHOLD_NAMES,
            akismet_answers=AKISMET_HELD_ANSWERS,
            notice=session.pop("notice", None),
            webhook=webhook,
            webhook_url=webhook_url,
            webhook_error=webhook_error,
            secret=secret,
            deliveries=storage.list_deliveries(db, site_id=site.id, limit=DELIVERIES_SHOWN),
        ),
        status,
        {"Cache-Control": "no-store"} if secret else {},
    )
    return response


@bp.get("/")
@admin_required
def index():
    """Go to the first site's settings (or say there is no site yet)."""
    sites = storage.list_sites(get_session())
    if not sites:
        return render_template("settings.html", site=None, sites=[], notice=None)
    return redirect(url_for("settings.edit", site_id=sites[0].id))


@bp.get("/<int:site_id>")
@admin_required
def edit(site_id: int):
    """Show a site's settings as a form."""
    site = _site(site_id)
    return _page(site, storage.site_settings(site).to_dict(), {})


@bp.post("/<int:site_id>")
@admin_required
def save(site_id: int):
    """Replace a site's settings with the form's; show each bad field with its reason."""
    site = _site(site_id)
    entered = form_settings(request.form)
    try:
        settings = SiteSettings.parse(entered)
    except SettingsError as exc:
        errors: dict[str, list[str]] = {}
        for name, message in exc.errors:
            errors.setdefault(name.split("[")[0], []).append(f"{name}: {message}")
        return _page(site, entered, errors, 422)
    storage.update_site_settings(get_session(), site, settings)
    current_app.logger.info("%s changed the settings of %s", g.user.name, site.url)
    session["notice"] = {"message": f"Saved the settings of {site.name}.", "undo": []}
    return redirect(url_for("settings.edit", site_id=site.id), code=303)


# -- the site's webhook -------------------------------------------------------------------


def _edit_page(site: Site, **webhook):
    return _page(site, storage.site_settings(site).to_dict(), {}, **webhook)


def _back(site: Site, message: str):
    session["notice"] = {"message": message, "undo": []}
    return redirect(url_for("settings.edit", site_id=site.id) + "#webhook", code=303)


@bp.post("/<int:site_id>/webhook")
@admin_required
def save_webhook(site_id: int):
    """Set the site's webhook address; a new webhook's secret is shown on this answer only."""
    site = _site(site_id)
    url = request.form.get("url", "").strip()
    try:
        webhooks.check_url(url, allow_private=current_app.config["WEBHOOK_ALLOW_PRIVATE"])
    except webhooks.Refused as exc:
        return _edit_page(site, webhook_url=url, webhook_error=str(exc), status=422)
    _, secret = storage.set_webhook(get_session(), site, url)
    current_app.logger.info("%s set the webhook of %s", g.user.name, site.url)
    if secret is None:
        return _back(site, f"Saved the webhook address of {site.name}.")
    return _edit_page(site, secret=secret)


@bp.post("/<int:site_id>/webhook/rotate")
@admin_required
def rotate_webhook_secret(site_id: int):
    """Give the site's webhook a new secret, shown on this answer only."""
    site = _site(site_id)
    try:
        secret = storage.rotate_secret(get_session(), site)
    except LookupError:
        return _back(site, "There is no webhook to rotate the secret of.")
    current_app.logger.info("%s rotated the webhook secret of %s", g.user.name, site.url)
    return _edit_page(site, secret=secret)


@bp.post("/<int:site_id>/webhook/test")
@admin_required
def test_webhook(site_id: int):
    """Queue a ping to the site's webhook; the worker sends it within seconds."""
    site = _site(site_id)
    try:
        delivery = storage.enqueue_ping(get_session(), site, actor=g.user.name)
    except LookupError:
        return _back(site, "Set a webhook address first.")
    return _back(site, f"Queued a test event ({delivery.event_id}); its state shows below.")


@bp.post("/<int:site_id>/webhook/retry")
@admin_required
def retry_webhook(site_id: int):
    """Try the site's given-up deliveries again."""
    site = _site(site_id)
    count = storage.retry_deliveries(get_session(), site_id=site.id)
    return _back(site, f"{count} given-up delivery(ies) will be tried again.")


@bp.post("/<int:site_id>/webhook/remove")
@admin_required
def remove_webhook(site_id: int):
    """Stop sending the site's events; waiting deliveries are given up."""
    site = _site(site_id)
    given_up = storage.remove_webhook(get_session(), site)
    current_app.logger.info("%s removed the webhook of %s", g.user.name, site.url)
    return _back(site, f"Removed the webhook; gave up {given_up} waiting delivery(ies).")
