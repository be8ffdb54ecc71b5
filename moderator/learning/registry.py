"""The model store's files: a trained layer written with its card, and checked at load.

Each version is `<version>.joblib` beside `<version>.json` in the store folder, written
atomically by `moderator.ml.modelfile.save_model`. Loading reads the bytes once and
refuses them unless their sha256 is both the card's and the registry row's: a file
changed on disk, or a card rewritten to match it, is refused either way.

The registry row keeps the same bytes and card, so the folder is only a cache: a server
that lacks a version (a new app server, another machine) writes it back from the
database (`load_layer`'s `fetch`) and checks it the same way. Servers share nothing but
the database.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from moderator.learning.layer import SiteLayer
from moderator.ml.modelfile import (
    ModelError,
    read_model_file,
    save_model,
    save_model_bytes,
    unpickle,
)


def new_version_name(name: str, site_id: int | None, now: datetime | None = None) -> str:
    """Return a fresh version name: `<model>-<site N|shared>-<UTC time>-<random hex>`."""
    moment = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S")
    scope = "shared" if site_id is None else f"site{site_id}"
    return f"{name}-{scope}-{moment}-{secrets.token_hex(3)}"


def write_layer(store: Path, version: str, layer: SiteLayer, card: dict) -> tuple[str, str]:
    """Write a layer and its card into the store; return (file name, sha256)."""
    artifact = save_model(layer, {**card, "version": version}, Path(store), version)
    sha = read_model_file(Path(store), version).card["artifact"]["sha256"]
    return artifact.name, sha


def stored_copy(store: Path, version: str) -> tuple[bytes, dict]:
    """Return a written version's bytes and card, as the registry row keeps them."""
    model_file = read_model_file(Path(store), version)
    return model_file.payload, model_file.card


def load_layer(
    store: Path,
    version: str,
    sha256: str,
    fetch: Callable[[], tuple[bytes, dict] | None] | None = None,
) -> SiteLayer:
    """Load a version's layer, refusing it unless its bytes match its card and `sha256`.

    `fetch` returns the database's copy (bytes, card): asked only when the store has no
    file of the version, which is then written back from it.
    """
    if fetch is not None and not (Path(store) / f"{version}.joblib").is_file():
        copy = fetch()
        if copy is not None:
            save_model_bytes(store, version, *copy)
    model_file = read_model_file(Path(store), version)
    if model_file.card["artifact"]["sha256"] != sha256:
        raise ModelError(
            f"model file {model_file.path} is not the one the registry recorded "
            "(its sha256 differs): it was replaced or changed"
        )
    layer = unpickle(model_file)
    if not isinstance(layer, SiteLayer):
        raise ModelError(f"model file {model_file.path} does not hold a site layer")
    return layer
