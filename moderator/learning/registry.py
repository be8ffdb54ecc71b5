"""The model store's files: a trained layer written with its card, and checked at load.

Each version is `<version>.joblib` beside `<version>.json` in the store folder, written
atomically by `moderator.ml.modelfile.save_model`. Loading reads the bytes once and
refuses them unless their sha256 is both the card's and the registry row's: a file
changed on disk, or a card rewritten to match it, is refused either way.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path

from moderator.learning.layer import SiteLayer
from moderator.ml.modelfile import ModelError, read_model_file, save_model, unpickle


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


def load_layer(store: Path, version: str, sha256: str) -> SiteLayer:
    """Load a version's layer, refusing it unless its bytes match its card and `sha256`."""
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
