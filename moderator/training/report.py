"""Evaluation reports: one HTML page with PNG plots, every text HTML-escaped."""

from __future__ import annotations

import html
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on servers and in tests

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.calibration import calibration_curve  # noqa: E402
from sklearn.metrics import average_precision_score, precision_recall_curve  # noqa: E402

from moderator.training.common import moderation_rates, rates_by_group  # noqa: E402

_VERDICTS = ("ham", "unsure", "spam")


def save_figure(figure, path: Path) -> str:
    """Write a figure as a small PNG and close it; return the file name."""
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    plt.close(figure)
    return path.name


def plot_confusion(labels, probabilities, thresholds, path: Path) -> str:
    """Plot true class against the three-way verdict."""
    verdicts = np.where(
        probabilities >= thresholds.spam,
        2,
        np.where(probabilities >= thresholds.unsure, 1, 0),
    )
    counts = np.array(
        [[np.sum((labels == truth) & (verdicts == v)) for v in range(3)] for truth in (False, True)]
    )
    figure, axes = plt.subplots(figsize=(4.5, 3))
    axes.imshow(counts, cmap="Blues")
    for row in range(2):
        for column in range(3):
            axes.text(column, row, str(counts[row, column]), ha="center", va="center")
    axes.set_xticks(range(3), _VERDICTS)
    axes.set_yticks(range(2), ["genuine", "spam"])
    axes.set_xlabel("verdict")
    axes.set_ylabel("truth")
    axes.set_title("Confusion matrix")
    return save_figure(figure, path)


def plot_precision_recall(labels, probabilities, thresholds, path: Path) -> str:
    """Plot the precision-recall curve with the thresholds marked."""
    precision, recall, cuts = precision_recall_curve(labels, probabilities)
    figure, axes = plt.subplots(figsize=(4.5, 3.5))
    ap = average_precision_score(labels, probabilities)
    axes.plot(recall, precision, label=f"AP {ap:.3f}")
    for name, cut in thresholds.to_dict().items():
        index = min(np.searchsorted(cuts, cut), len(cuts) - 1) if len(cuts) else 0
        axes.scatter(recall[index], precision[index], label=f"{name} {cut:.3f}")
    axes.set_xlabel("recall (spam caught)")
    axes.set_ylabel("precision")
    axes.set_title("Precision-recall")
    axes.legend(loc="lower left", fontsize=8)
    return save_figure(figure, path)


def plot_calibration(labels, probabilities, path: Path) -> str:
    """Plot observed spam share against predicted probability."""
    observed, predicted = calibration_curve(labels, probabilities, n_bins=10, strategy="quantile")
    figure, axes = plt.subplots(figsize=(4.5, 3.5))
    axes.plot([0, 1], [0, 1], linestyle=":", color="grey")
    axes.plot(predicted, observed, marker="o")
    axes.set_xlabel("predicted P(spam)")
    axes.set_ylabel("observed spam share")
    axes.set_title("Calibration")
    return save_figure(figure, path)


def plot_histograms(labels, probabilities, thresholds, path: Path) -> str:
    """Plot score histograms of genuine and spam comments with the thresholds."""
    figure, axes = plt.subplots(figsize=(6, 3.5))
    bins = np.linspace(0, 1, 41)
    axes.hist(probabilities[~labels], bins=bins, alpha=0.6, label="genuine")
    axes.hist(probabilities[labels], bins=bins, alpha=0.6, label="spam")
    for name, cut in thresholds.to_dict().items():
        axes.axvline(cut, linestyle="--", color="black", linewidth=0.8)
        axes.text(cut, axes.get_ylim()[1] * 0.9, name, rotation=90, fontsize=8)
    axes.set_yscale("log")
    axes.set_xlabel("P(spam)")
    axes.set_title("Scores by class")
    axes.legend()
    return save_figure(figure, path)


def _table(rows: dict) -> str:
    """Render {group: {metric: value}} as an escaped HTML table."""
    if not rows:
        return ""
    columns = list(next(iter(rows.values())).keys())
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in ["", *columns])
    body = []
    for name, values in rows.items():
        cells = "".join(f"<td>{html.escape(_fmt(values.get(c)))}</td>" for c in columns)
        body.append(f"<tr><th>{html.escape(str(name))}</th>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _scalars(rows: dict) -> dict:
    """Keep the number and text cells of {row: {column: value}}."""
    return {
        name: {k: v for k, v in values.items() if isinstance(v, int | float | str) or v is None}
        for name, values in rows.items()
    }


def _fmt(value) -> str:
    """Format a metric for a table cell."""
    if isinstance(value, float):
        return f"{value:.3f}"
    return "" if value is None else str(value)


def write_report(
    report_dir: Path,
    title: str,
    labels,
    probabilities,
    thresholds,
    groups=None,
    metrics: dict | None = None,
    held_out: dict | None = None,
    note: str = "",
    tables: dict | None = None,
) -> Path:
    """Write index.html and its PNG plots into `report_dir`; return the HTML path.

    `tables` adds named tables ({heading: {row: {column: value}}}) after the held-out
    corpora; a column whose value is not a number or text is left out.
    """
    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    labels = np.asarray(labels, dtype=bool)
    probabilities = np.asarray(probabilities, dtype=float)
    images = plot_all(report_dir, labels, probabilities, thresholds)
    rows = {"all": moderation_rates(labels, probabilities, thresholds)}
    if groups is not None:
        rows.update(rates_by_group(labels, probabilities, thresholds, groups))
    held_rows = {
        f"{name} (never seen)": moderation_rates(y, p, thresholds)
        for name, (y, p) in (held_out or {}).items()
    }
    threshold_text = ", ".join(f"{k} {v:.3f}" for k, v in thresholds.to_dict().items())
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto}"
        "table{border-collapse:collapse;font-size:.85rem}td,th{border:1px solid #ccc;"
        "padding:.2rem .4rem;text-align:right}img{margin:.5rem}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{html.escape(note)}</p>" if note else "",
        f"<p>Thresholds: {html.escape(threshold_text)}</p>",
        "<h2>At the thresholds</h2>",
        _table(rows),
    ]
    if held_rows:
        parts += ["<h2>Corpora left out of training</h2>", _table(held_rows)]
    for heading, table in (tables or {}).items():
        parts += [f"<h2>{html.escape(heading)}</h2>", _table(_scalars(table))]
    parts += ["<h2>Plots</h2>"]
    parts += [f"<img src='{html.escape(name)}' alt='{html.escape(name)}'>" for name in images]
    if metrics:
        dump = json.dumps(metrics, indent=1, sort_keys=True, default=str)
        parts += ["<h2>All metrics</h2>", f"<pre>{html.escape(dump)}</pre>"]
    parts.append("</body></html>")
    path = report_dir / "index.html"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def plot_all(report_dir: Path, labels: np.ndarray, probabilities: np.ndarray, thresholds):
    """Write every plot into `report_dir`; return their file names in page order.

    The precision-recall and calibration curves need both classes.
    """
    images = [plot_confusion(labels, probabilities, thresholds, report_dir / "confusion.png")]
    if labels.any() and (~labels).any():
        images.append(
            plot_precision_recall(
                labels, probabilities, thresholds, report_dir / "precision_recall.png"
            )
        )
        images.append(plot_calibration(labels, probabilities, report_dir / "calibration.png"))
    images.append(plot_histograms(labels, probabilities, thresholds, report_dir / "histograms.png"))
    return images
