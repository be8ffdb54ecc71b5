"""The models a server runs: the shipped spam and medical models and the triage step.

The one place that names the concrete models; `moderator.core.decision` knows only the
protocol (`moderator.ml.protocol.Model`), so a stub, another classifier or a site's own
model drops in by building `Models` with it.

A model that cannot be loaded (missing, truncated, another sha256 than its card's,
written by another scikit-learn) does not stop the service: it is replaced by an
`UnavailableModel`, the decision holds every comment for review, /readyz answers 503,
and the log says how to fix it. A server reads each model file once, checks it, and
builds its models from those bytes (`ModelStore`); reading the files again keeps the
last good model of each kind when the new file is unfit.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from moderator.core.decision import Models
from moderator.medical.model import MODEL_NAME as MEDICAL
from moderator.medical.model import build_medical_model
from moderator.medical.triage import triage
from moderator.ml.modelfile import ModelError, ModelFile, read_model_file, unpickle
from moderator.ml.protocol import Model, UnavailableModel
from moderator.spam.model import MODEL_NAME as SPAM
from moderator.spam.model import SpamModel

log = logging.getLogger(__name__)

#: How each shipped model is built from its checked file.
BUILDERS: dict[str, Callable[[ModelFile], Model]] = {
    SPAM: lambda file: SpamModel(unpickle(file), file.card),
    MEDICAL: lambda file: build_medical_model(unpickle(file), file.card, file.path),
}

#: What an operator does about a model that will not load.
FIX = "retrain with `moderator train {name}` or restore {folder} from a backup, then restart"


class ModelStore:
    """The models of one server, built from files read once and checked against their cards.

    `refresh` reads the folder again (at start-up, and when a server reloads): a model
    whose new file is unfit keeps the one loaded before, so a bad file never replaces a
    good model; a model never loaded is unavailable until a good file appears.
    """

    def __init__(self, model_dir: Path | str) -> None:
        self.model_dir = Path(model_dir)
        self._loaded: dict[str, Model] = {}
        #: Why each model that is not loaded is not (the last attempt's message).
        self.problems: dict[str, str] = {}

    def refresh(self) -> Models:
        """Read every model file again, keep the last good model of each, and return them."""
        for name, build in BUILDERS.items():
            try:
                with collector_paused():
                    model = build(read_model_file(self.model_dir, name))
            except ModelError as exc:
                self._refused(name, str(exc))
                continue
            except Exception as exc:  # an unpickled object of the wrong shape, and the like
                self._refused(name, f"{type(exc).__name__}: {exc}")
                continue
            if name in self._loaded and self._loaded[name].version != model.version:
                log.warning("loaded the new %s model %s", name, model.version)
            self._loaded[name] = model
            self.problems.pop(name, None)
        return self.models

    @property
    def models(self) -> Models:
        """The models to decide with: the loaded ones, an UnavailableModel for the others."""
        return Models(
            spam=self._loaded.get(SPAM) or self._unavailable(SPAM),
            medical=self._loaded.get(MEDICAL) or self._unavailable(MEDICAL),
            triage=triage,
        )

    def _unavailable(self, name: str) -> UnavailableModel:
        return UnavailableModel(name, self.problems.get(name, "not read yet (call refresh)"))

    def _refused(self, name: str, problem: str) -> None:
        self.problems[name] = problem
        fix = FIX.format(name=name, folder=self.model_dir)
        if name in self._loaded:
            log.error(
                "the %s model file cannot be loaded: %s. Still serving %s; %s.",
                name,
                problem,
                self._loaded[name].version,
                fix,
            )
        else:
            log.error(
                "the %s model is unavailable: %s. Every comment is held for review "
                "(status pending, reason model unavailable) until it loads; %s.",
                name,
                problem,
                fix,
            )


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a model is built.

    Building a model allocates hundreds of thousands of objects that live as long as it
    does (the parsed patterns, the lookups), none of them garbage; the collector, run
    every few hundred allocations, walked them again and again: a third of the load.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_models(model_dir: Path | str) -> Models:
    """Load the spam and medical models once; an unfit one becomes an UnavailableModel."""
    return ModelStore(model_dir).refresh()
