"""Training from labels: fit a candidate layer, judge it at the gate, promote or refuse.

One pass for one scope: a site (its own layer, on top of the shared model) or the shared
layer (from the labels of trusted sites only, so one careless or hostile site cannot
move everyone's scores). The candidate is fitted on all but the newest labels and
judged on those and on the fixed evaluation set against the model serving now; one
that passes is fitted again on every label (the newest are the most useful) and must
still pass on the evaluation set before it is promoted.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session

from moderator.core.comment import Comment
from moderator.core.decision import Models, thresholds_for
from moderator.core.settings import SiteSettings
from moderator.learning import gate, registry
from moderator.learning.layer import AdaptedSpamModel, SiteLayer, fit_layer
from moderator.ml.modelfile import ModelError
from moderator.storage import models_registry as rows
from moderator.storage.labels import training_examples
from moderator.storage.schema import Site

log = logging.getLogger(__name__)

MODEL = "spam"


@dataclass(frozen=True)
class LearningSettings:
    """The configuration a training pass reads (see `moderator.config` for each key)."""

    store: Path
    min_labels: int = 20
    holdout_share: float = 0.2
    tolerance: gate.Tolerance = field(default_factory=gate.Tolerance)
    evaluation_set: Path | None = None
    strength: float = 0.1
    anchor: float = float("inf")

    @classmethod
    def from_config(cls, config) -> LearningSettings:
        """Read the settings from an app's config mapping."""
        evaluation = config.get("LEARNING_EVALUATION_SET") or None
        return cls(
            store=Path(config["LEARNED_MODEL_DIR"]),
            min_labels=int(config["LEARNING_MIN_LABELS"]),
            holdout_share=float(config["LEARNING_HOLDOUT_SHARE"]),
            tolerance=gate.Tolerance(
                blocked_genuine=float(config["GATE_BLOCKED_GENUINE_TOLERANCE"]),
                spam_caught=float(config["GATE_SPAM_CAUGHT_TOLERANCE"]),
                spam_published=float(config["GATE_SPAM_PUBLISHED_TOLERANCE"]),
                auc=float(config["GATE_AUC_TOLERANCE"]),
            ),
            evaluation_set=Path(evaluation) if evaluation else None,
            strength=float(config["LEARNING_STRENGTH"]),
            anchor=float(config["LEARNING_ANCHOR"]),
        )


@dataclass(frozen=True)
class Outcome:
    """What a training pass did: the version it wrote (if any), its state and why."""

    scope: str  # the site's URL, or "shared"
    version: str | None
    state: str  # active | refused | skipped
    reason: str
    figures: dict
    trained_from: dict
    seconds: float

    def describe(self) -> str:
        """Return the outcome as lines a person reads (the CLI prints these)."""
        head = f"{self.scope}: {self.state}"
        if self.version:
            head += f" {self.version}"
        lines = [head, f"  {self.reason}"]
        if self.trained_from:
            sources = ", ".join(f"{k} {v}" for k, v in sorted(self.trained_from["sources"].items()))
            lines.append(
                f"  learned from {self.trained_from['labels']} labels ({sources}) "
                f"in {self.seconds:.1f} s"
            )
        for name, pair in self.figures.items():
            lines.append(f"  {name}:")
            for who in ("active", "candidate"):
                f = pair[who]
                auc = "n/a" if f["auc"] is None else f"{f['auc']:.3f}"
                lines.append(
                    f"    {who:<9} {f['comments']:>5} comments  AUC {auc}  "
                    f"blocked genuine {f['blocked_genuine']:.1%}  "
                    f"spam caught {f['spam_caught']:.1%}"
                    + (
                        ""
                        if f.get("spam_published") is None
                        else f"  spam published {f['spam_published']:.1%}"
                    )
                )
        return "\n".join(lines)


def read_evaluation_set(path: Path | None) -> tuple[list[Comment], list[bool]]:
    """Read the fixed evaluation set (JSON lines with `content` and `spam`); empty if unset."""
    if path is None or not Path(path).is_file():
        return [], []
    comments, labels = [], []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            record = json.loads(line)
            if not isinstance(record.get("spam"), bool):
                continue
            comments.append(
                Comment(
                    content=str(record.get("content", "")),
                    author=str(record.get("author", "")),
                    author_email=str(record.get("author_email", "")),
                    author_url=str(record.get("author_url", "")),
                )
            )
            labels.append(record["spam"])
    return comments, labels


class LayerLoader:
    """Loads active layers from the store once each (a training pass and a server share it)."""

    def __init__(self, store: Path):
        self.store = Path(store)
        self._loaded: dict[str, SiteLayer] = {}

    def layer(self, version: str, sha256: str, fetch=None) -> SiteLayer:
        """Return a version's layer, loading and checking it the first time (`fetch`: the
        database's copy, for a store that lacks the file)."""
        if version not in self._loaded:
            self._loaded[version] = registry.load_layer(self.store, version, sha256, fetch)
        return self._loaded[version]


def shared_probabilities(session: Session, model: AdaptedSpamModel, examples) -> np.ndarray:
    """Return P(spam) of each example under `model`: the score its comment was decided
    with when `model` decided it, else scored now (deleted comments, other versions)."""
    known = rows.decided_scores(session, (e.comment_id for e in examples), model.version)
    scores = np.array([known.get(e.comment_id, np.nan) for e in examples], dtype=np.float64)
    missing = np.flatnonzero(np.isnan(scores))
    if len(missing):
        scores[missing] = model.probabilities([examples[i].comment for i in missing])
    return scores


def serving_layers(
    session: Session, loader: LayerLoader, site_id: int | None
) -> list[tuple[str, SiteLayer]]:
    """Return the active layers a site is scored with now: the shared one, then its own."""
    layers = []
    for scope in (None,) if site_id is None else (None, site_id):
        row = rows.active_version(session, MODEL, scope)
        if row is None:
            continue
        try:
            fetch = partial(rows.stored_copy, session, row.version)
            layers.append((row.version, loader.layer(row.version, row.sha256, fetch)))
        except ModelError as exc:
            log.error("active version %s cannot be loaded: %s", row.version, exc)
    return layers


def train_from_labels(
    session: Session,
    base: Models,
    settings: LearningSettings,
    site: Site | None,
    actor: str,
) -> Outcome:
    """Train, judge and promote or refuse one scope's layer (`site` None: the shared one)."""
    started = time.perf_counter()
    scope = site.url if site is not None else "shared"
    site_ids = [site.id] if site is not None else rows.trusted_site_ids(session)
    examples = sorted(
        training_examples(session, site_ids=site_ids) if site_ids else [],
        key=lambda e: e.label_id,
    )
    counts = Counter(e.value for e in examples)
    if len(examples) < settings.min_labels or len(counts) < 2:
        why = (
            "no trusted site (mark one with `moderator sites trust URL`)"
            if site is None and not site_ids
            else f"{len(examples)} labels ({counts[True]} spam, {counts[False]} genuine): "
            f"at least {settings.min_labels} with both kinds are needed"
        )
        return Outcome(scope, None, "skipped", why, {}, {}, time.perf_counter() - started)

    loader = LayerLoader(settings.store)
    site_id = site.id if site is not None else None
    current = serving_layers(session, loader, site_id)
    # The layers under the one being trained: for a site, the shared layer; for the
    # shared layer, none.
    under = serving_layers(session, loader, None) if site_id is not None else []
    underneath = AdaptedSpamModel(base.spam, under)
    serving = AdaptedSpamModel(base.spam, current)
    settings_of_site = SiteSettings.from_dict(site.settings) if site is not None else None
    thresholds = thresholds_for(settings_of_site or SiteSettings.from_dict({}), base)
    threshold = thresholds.spam

    comments = [e.comment for e in examples]
    labels = [e.value for e in examples]
    base_probabilities = shared_probabilities(session, underneath, examples)
    held = max(1, round(len(examples) * settings.holdout_share))
    cut = len(examples) - held

    def fit(n: int) -> SiteLayer:
        return fit_layer(
            comments[:n],
            labels[:n],
            base_probabilities[:n],
            strength=settings.strength,
            anchor=settings.anchor,
        )

    evaluation, evaluation_labels = read_evaluation_set(settings.evaluation_set)
    evaluation_base = underneath.probabilities(evaluation)
    evaluation_active = serving.probabilities(evaluation)
    newest = comments[cut:]
    newest_active = serving.probabilities(newest)

    candidate = fit(cut)
    verdict = gate.judge(
        {
            "newest labels": (
                labels[cut:],
                candidate.probabilities(base_probabilities[cut:], newest),
                newest_active,
            ),
            "evaluation set": (
                evaluation_labels,
                candidate.probabilities(evaluation_base, evaluation),
                evaluation_active,
            ),
        },
        threshold,
        settings.tolerance,
        thresholds.unsure,
    )
    figures = dict(verdict.figures)
    final, passed, reason = candidate, verdict.promote, verdict.reason
    if verdict.promote:
        final = fit(len(examples))
        check = gate.judge(
            {
                "evaluation set, fitted on every label": (
                    evaluation_labels,
                    final.probabilities(evaluation_base, evaluation),
                    evaluation_active,
                )
            },
            threshold,
            settings.tolerance,
            thresholds.unsure,
        )
        figures.update(check.figures)
        if check.figures and not check.promote:
            passed, reason = False, check.reason

    trained_from = {
        "labels": len(examples),
        "spam": counts[True],
        "genuine": counts[False],
        "newest_label_id": examples[-1].label_id,
        "oldest_label_id": examples[0].label_id,
        "sources": dict(Counter(str(e.source) for e in examples)),
        "sites": sorted({e.site_id for e in examples}),
        "held_out": held,
        "threshold": threshold,
        # every cut-off in force (unsure, spam, discard), marked on the Models page's plots
        "thresholds": thresholds.to_dict(),
    }
    judged = Judged(final, figures, trained_from, passed, reason)
    return _record(session, settings, site_id, scope, judged, actor, started)


@dataclass(frozen=True)
class Judged:
    """A fitted layer with the gate's verdict on it, ready to be recorded."""

    layer: SiteLayer
    figures: dict
    trained_from: dict
    passed: bool
    reason: str


def _record(
    session: Session,
    settings: LearningSettings,
    site_id: int | None,
    scope: str,
    judged: Judged,
    actor: str,
    started: float,
) -> Outcome:
    """Write the layer's files and row, then promote or refuse it."""
    layer, figures, trained_from = judged.layer, judged.figures, judged.trained_from
    passed, reason = judged.passed, judged.reason
    version = registry.new_version_name(MODEL, site_id)
    card = {"kind": "site-layer", "scope": scope, "trained_from": trained_from, "figures": figures}
    file, sha = registry.write_layer(settings.store, version, layer, card)
    payload, written_card = registry.stored_copy(settings.store, version)
    row = rows.add_version(
        session,
        name=MODEL,
        site_id=site_id,
        version=version,
        file=file,
        sha256=sha,
        trained_from=trained_from,
        actor=actor,
        artifact=payload,
        card=written_card,
    )
    row.figures = figures
    if passed:
        try:  # read back what was written: a file that does not load is never promoted
            registry.load_layer(settings.store, version, sha)
        except ModelError as exc:
            passed, reason = False, f"its file does not load: {exc}"
    if passed:
        rows.promote(session, row, actor, reason)
    else:
        rows.refuse(session, row, actor, reason)
    return Outcome(
        scope,
        version,
        row.state,
        reason,
        figures,
        trained_from,
        time.perf_counter() - started,
    )


def train_all(
    session: Session,
    base: Models,
    settings: LearningSettings,
    sites: Sequence[Site],
    *,
    shared: bool,
    actor: str,
) -> list[Outcome]:
    """Train the shared layer (when `shared`) and then each site's, in that order.

    The shared layer goes first, so each site's layer is fitted on top of the shared
    model it will be served with.
    """
    outcomes = []
    if shared:
        outcomes.append(train_from_labels(session, base, settings, None, actor))
    for site in sites:
        outcomes.append(train_from_labels(session, base, settings, site, actor))
    return outcomes
