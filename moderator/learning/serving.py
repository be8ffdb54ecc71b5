"""Serving learned models without a restart: each process follows the registry.

Every process (each gunicorn worker of each server) holds one immutable `Snapshot`: the
active layers it serves. At most every `check_seconds`, on a request, it asks the
registry which versions are active (one small query); when that changed, it loads the
new files, checks each against its card and the registry's sha256, and swaps in a new
snapshot in one assignment. A request reads one snapshot, so it never sees half a
change; a file that fails to load keeps the layer served before (or none), and is
tried again at the next check.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from moderator.core.decision import Models
from moderator.learning.layer import AdaptedSpamModel
from moderator.learning.registry import load_layer
from moderator.ml.protocol import UnavailableModel
from moderator.storage import models_registry as rows

log = logging.getLogger(__name__)

MODEL = "spam"


@dataclass(frozen=True)
class Snapshot:
    """The active layers a process serves: by site id (None: shared), version and layer."""

    active: tuple[rows.ActiveVersion, ...] = ()
    layers: dict = field(default_factory=dict)  # {site_id | None: (version, SiteLayer)}
    #: The `Models` built for each site from these layers, filled as sites are served.
    models: dict = field(default_factory=dict)


class LearnedModels:
    """The models of one process, each site's with its learned layers on top."""

    def __init__(
        self,
        base: Models,
        store: Path | str,
        sessions: Callable,
        check_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base = base
        self.store = Path(store)
        self.sessions = sessions
        self.check_seconds = float(check_seconds)
        self.clock = clock
        self.snapshot = Snapshot()
        self._checked_at: float | None = None
        self._lock = threading.Lock()
        #: Why a version that should serve does not (its last load's error), by version.
        self.problems: dict[str, str] = {}

    def for_site(self, site_id: int | None, base: Models | None = None) -> Models:
        """Return the models a site's comments are decided with (checking the registry if due).

        `base`: the process's shared models now, when they may have been replaced since
        (the app's `moderator.models`); the layers go on top of those.
        """
        if base is not None and base is not self.base:
            self.base = base
            self.snapshot = replace(self.snapshot, models={})
        self.check_if_due()
        if isinstance(self.base.spam, UnavailableModel):
            return self.base
        snapshot = self.snapshot  # one read: a swap during this request is not seen
        models = snapshot.models.get(site_id)
        if models is None:
            scopes = (None,) if site_id is None else (None, site_id)  # shared, then own
            layers = [snapshot.layers[s] for s in scopes if s in snapshot.layers]
            models = (
                replace(self.base, spam=AdaptedSpamModel(self.base.spam, layers))
                if layers
                else self.base
            )
            snapshot.models[site_id] = models
        return models

    def check_if_due(self) -> None:
        """Check the registry when the last check is older than `check_seconds`."""
        now = self.clock()
        if self._checked_at is not None and now - self._checked_at < self.check_seconds:
            return
        if not self._lock.acquire(blocking=False):
            return  # another thread is checking: serve what is loaded meanwhile
        try:
            self._checked_at = now
            self.check()
        finally:
            self._lock.release()

    def check(self) -> None:
        """Read the active versions and load what changed; never raises."""
        try:
            session = self.sessions()
            try:
                active = tuple(rows.active_versions(session))
            finally:
                session.close()
        except Exception as exc:  # the database is down: keep serving what is loaded
            log.error("cannot read the model registry (%s); serving the loaded models", exc)
            return
        active = tuple(a for a in active if a.name == MODEL)
        if active == self.snapshot.active:
            return
        old = self.snapshot.layers
        layers, failed = {}, False
        for version in active:
            kept = old.get(version.site_id)
            if kept is not None and kept[0] == version.version:
                layers[version.site_id] = kept
                continue
            try:
                layer = load_layer(
                    self.store,
                    version.version,
                    version.sha256,
                    fetch=lambda name=version.version: self._stored_copy(name),
                )
            except Exception as exc:
                self.problems[version.version] = str(exc)
                failed = True
                if kept is not None:
                    layers[version.site_id] = kept
                    log.error(
                        "model %s cannot be loaded: %s. Still serving %s.",
                        version.version,
                        exc,
                        kept[0],
                    )
                else:
                    log.error("model %s cannot be loaded: %s", version.version, exc)
                continue
            self.problems.pop(version.version, None)
            log.warning("serving model %s", version.version)
            layers[version.site_id] = (version.version, layer)
        # after a failed load the next check tries again (kept layers are not reloaded)
        self.snapshot = Snapshot(active=() if failed else active, layers=layers)

    def _stored_copy(self, version: str) -> tuple[bytes, dict] | None:
        """Return the database's copy of a version this server's folder lacks."""
        session = self.sessions()
        try:
            return rows.stored_copy(session, version)
        finally:
            session.close()

    def serving(self) -> dict[int | None, str]:
        """Return the version each site (None: shared) is served by in this process."""
        return {site_id: version for site_id, (version, _) in self.snapshot.layers.items()}
