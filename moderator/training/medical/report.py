"""The medical detector's report: ``index.html`` with every figure, two small PNGs."""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on servers and in tests

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.metrics import precision_recall_curve  # noqa: E402

from moderator.training.medical.examples import Example, is_reader_question  # noqa: E402
from moderator.training.report import save_figure  # noqa: E402


def write_report(report_dir: Path, model, metrics: dict, test, scores, oof) -> None:
    """Write ``index.html`` and two small PNGs: score distributions and the PR curve."""
    report_dir.mkdir(parents=True, exist_ok=True)
    plot_scores(report_dir / "scores.png", score_groups(test, scores), model.threshold)
    plot_precision_recall(report_dir / "precision_recall.png", test, scores, oof)
    (report_dir / "index.html").write_text(_page(model, metrics), encoding="utf-8")


def score_groups(test: Sequence[Example], scores) -> dict[str, list]:
    """Split held-out scores into the groups the distributions plot compares."""
    scored = list(zip(scores, test, strict=True))
    return {
        "our medical questions": [s for s, e in scored if e.corpus == "ours" and e.medical],
        "our non-medical questions": [s for s, e in scored if is_reader_question(e)],
        "our other negatives": [
            s
            for s, e in scored
            if e.corpus == "ours" and not e.medical and not e.spam and not is_reader_question(e)
        ],
        "MeQSum (cut)": [s for s, e in scored if e.kind == "meqsum"],
        "TREC": [s for s, e in scored if e.kind == "trec"],
    }


def plot_scores(path: Path, groups: dict[str, list], threshold: float) -> str:
    """Plot each group's held-out score distribution with the threshold marked."""
    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=80)
    bins = np.linspace(0, 1, 26)
    for name, values in groups.items():
        if values:
            ax.hist(
                values, bins=bins, histtype="step", density=True, label=f"{name} ({len(values)})"
            )
    ax.axvline(threshold, color="black", linestyle="--", linewidth=1)
    ax.set_xlabel("medical score (held out)")
    ax.set_yscale("log")
    ax.legend(fontsize=7)
    return save_figure(fig, path)


def plot_precision_recall(path: Path, test: Sequence[Example], scores, oof) -> str:
    """Plot the precision-recall curve on our held-out part and, given, the out-of-fold one."""
    fig, ax = plt.subplots(figsize=(4.5, 3.6), dpi=80)
    ax.plot(*_ours_curve(test, np.asarray(scores)), label="held out (ours)")
    if oof is not None:
        oof_set, oof_scores = oof
        ax.plot(*_ours_curve(oof_set, oof_scores), label="out-of-fold (train)", alpha=0.7)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_ylim(0.5, 1.01)
    ax.legend(fontsize=7)
    return save_figure(fig, path)


def _ours_curve(examples: Sequence[Example], scores: np.ndarray) -> tuple[np.ndarray, ...]:
    """Return (recall, precision) along the thresholds, on our corpus only."""
    ours = np.array([e.corpus == "ours" for e in examples])
    labels = np.array([e.medical for e in examples])
    precision, recall, _ = precision_recall_curve(labels[ours], scores[ours])
    return recall, precision


def _page(model, metrics: dict) -> str:
    """Return the HTML page: the plots, then every figure as a row."""
    rows = "\n".join(
        f"<tr><td>{html.escape(k)}</td><td>{v}</td></tr>" for k, v in _rows("", metrics)
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Medical model {html.escape(model.version)}</title>
<style>body{{font-family:sans-serif;max-width:60rem;margin:2rem auto}}td{{padding:.1rem .6rem}}
tr:nth-child(even){{background:#f3f3f3}}</style></head><body>
<h1>Medical-question detector {html.escape(model.version)}</h1>
<p>Threshold {model.threshold:.2f}. All figures on the held-out parts of each corpus
(never trained on). Red flags come from the reviewed vocabulary.</p>
<img src="scores.png" alt="score distributions">
<img src="precision_recall.png" alt="precision-recall">
<table>{rows}</table></body></html>
"""


def _format(value) -> str:
    """Format a figure for the HTML report."""
    if isinstance(value, float):
        return f"{value:.3f}"
    return html.escape(str(value))


def _rows(prefix: str, value) -> list[tuple[str, str]]:
    """Flatten nested metrics into (name, value) rows."""
    if isinstance(value, dict):
        rows = []
        for key, inner in value.items():
            rows.extend(_rows(f"{prefix}.{key}" if prefix else key, inner))
        return rows
    return [(prefix, _format(value))]
