"""The admins' Settings page at /review/settings/: each site's rules, as a form.

The form shows every key of `SiteSettings`; a POST (with the CSRF token, checked for the
whole review page in `accounts`) replaces them all, validated by `SiteSettings.parse`.
A refusal comes back on the page with what was entered and each bad field named, 422.
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

from moderator import storage
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


def _page(site: Site, values: dict, errors: dict, status: int = 200):
    return (
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
        ),
        status,
    )


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
