"""Model files: a joblib artifact travelling with a JSON model card.

A pickle loads only under the scikit-learn version that wrote it and can run code,
so every model is saved beside a card naming its versions and its own sha256, and
is refused at load when either does not match.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import joblib
import sklearn


class ModelError(RuntimeError):
    """A model file is missing, damaged or was written by another scikit-learn."""


def sha256_of(path: Path) -> str:
    """Return the hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def runtime_versions() -> dict:
    """Return the library versions a model card records."""
    import nltk
    import numpy

    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": numpy.__version__,
        "joblib": joblib.__version__,
        "nltk": nltk.__version__,
    }


def save_model(estimator, card: dict, model_dir: Path, name: str) -> Path:
    """Write `<name>.joblib` and `<name>.json` into `model_dir`; return the joblib path.

    The card gains the runtime versions and the artifact's sha256. Both files are
    written beside their final names and synced first, then moved into place: a reader
    never sees half a file, and a failure or crash while writing leaves the old pair
    as it was. (The two moves are separate: a crash between them leaves a pair whose
    sha256 disagrees, which `load_model` refuses rather than loads.)
    """
    model_dir = Path(model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    artifact = model_dir / f"{name}.joblib"
    card_path = model_dir / f"{name}.json"
    with _staged(artifact) as artifact_temp, _staged(card_path) as card_temp:
        joblib.dump(estimator, artifact_temp, compress=("xz", 3))
        _fsync(artifact_temp)
        card = dict(card)
        card["name"] = name
        card["versions"] = runtime_versions()
        card["artifact"] = {"file": artifact.name, "sha256": sha256_of(artifact_temp)}
        _write_json(card_temp, card)
        os.replace(artifact_temp, artifact)
        os.replace(card_temp, card_path)
    _fsync(model_dir)
    return artifact


def save_model_bytes(model_dir: Path, name: str, payload: bytes, card: dict) -> None:
    """Write a model file's bytes and its card as `save_model` wrote them (a copy kept
    elsewhere, such as the registry's), staged and moved into place the same way; the
    reader checks them as any model file."""
    model_dir = Path(model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    artifact = model_dir / f"{name}.joblib"
    card_path = model_dir / f"{name}.json"
    with _staged(artifact) as artifact_temp, _staged(card_path) as card_temp:
        artifact_temp.write_bytes(payload)
        _fsync(artifact_temp)
        _write_json(card_temp, card)
        os.replace(artifact_temp, artifact)
        os.replace(card_temp, card_path)
    _fsync(model_dir)


def save_card(model_dir: Path, name: str, card: dict) -> None:
    """Replace `<name>.json` in `model_dir` atomically (figures added after training)."""
    card_path = Path(model_dir) / f"{name}.json"
    with _staged(card_path) as temp:
        _write_json(temp, card)
        os.replace(temp, card_path)
    _fsync(Path(model_dir))


def _write_json(path: Path, card: dict) -> None:
    """Write a card as sorted, indented JSON and sync it to disk."""
    path.write_text(json.dumps(card, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    _fsync(path)


@contextmanager
def _staged(path: Path) -> Iterator[Path]:
    """Yield a fresh temporary name beside `path`; remove the file unless it was moved."""
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        yield temp
    finally:
        temp.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    """Flush a file (or a folder's entries) to disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def model_version(name: str, card: dict) -> str:
    """Return a model's version: `<name>-<YYYYMMDD trained>-<8 hex of the artifact sha256>`.

    The training date is the card's `trained_at` (an ISO timestamp) or `trained_on`
    (already YYYYMMDD); a card without one is "undated", without a sha256 "nohash".
    """
    trained = card.get("trained_at") or card.get("trained_on") or ""
    date = str(trained)[:10].replace("-", "") or "undated"
    sha = str(card.get("artifact", {}).get("sha256", ""))[:8] or "nohash"
    return f"{name}-{date}-{sha}"


def retrain_hint(name: str) -> str:
    """Return the command that rebuilds a model, for error messages."""
    return f"retrain it with `moderator train {name}` (see the README, section Models)"


def load_card(model_dir: Path, name: str) -> dict:
    """Read and return a model card, raising ModelError when it is absent or broken."""
    card_path = Path(model_dir) / f"{name}.json"
    if not card_path.is_file():
        raise ModelError(
            f"model card {card_path} is missing: {retrain_hint(name)} "
            "or set MODERATOR_MODEL_DIR to a folder holding it"
        )
    try:
        return json.loads(card_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"model card {card_path} is unreadable ({exc})") from exc


@dataclass(frozen=True)
class ModelFile:
    """A model file read once into memory and checked against its card.

    A server unpickles from these bytes, never from the file again: a file replaced or
    damaged after the check cannot reach a worker.
    """

    name: str
    card: dict
    payload: bytes
    path: Path


def read_model_file(model_dir: Path, name: str) -> ModelFile:
    """Read `<name>.joblib` whole and check it against its card; raise ModelError if unfit.

    The card must name the installed scikit-learn and the sha256 of exactly the bytes read.
    """
    model_dir = Path(model_dir)
    card = load_card(model_dir, name)
    artifact = model_dir / f"{name}.joblib"
    if not artifact.is_file():
        raise ModelError(f"model file {artifact} is missing: {retrain_hint(name)}")
    wrote_with = card.get("versions", {}).get("scikit-learn")
    if wrote_with != sklearn.__version__:
        raise ModelError(
            f"model {artifact} was written by scikit-learn {wrote_with}, but "
            f"scikit-learn {sklearn.__version__} is installed; install "
            f"scikit-learn=={wrote_with} or {retrain_hint(name)}"
        )
    try:
        payload = artifact.read_bytes()
    except OSError as exc:
        raise ModelError(f"model file {artifact} is unreadable ({exc})") from exc
    expected = card.get("artifact", {}).get("sha256")
    if expected != hashlib.sha256(payload).hexdigest():
        raise ModelError(
            f"model file {artifact} does not match the sha256 in its card: "
            f"it was changed or damaged; {retrain_hint(name)}"
        )
    return ModelFile(name=name, card=card, payload=payload, path=artifact)


def unpickle(model_file: ModelFile):
    """Return the estimator held in a checked model file's bytes."""
    try:
        return joblib.load(io.BytesIO(model_file.payload))
    except Exception as exc:  # a damaged pickle can raise nearly anything
        raise ModelError(f"model file {model_file.path} could not be loaded ({exc})") from exc


def load_model(model_dir: Path, name: str):
    """Load a model and its card, refusing a version or checksum mismatch.

    Returns `(estimator, card)`.
    """
    model_file = read_model_file(model_dir, name)
    return unpickle(model_file), model_file.card
