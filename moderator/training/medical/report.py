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


def write_report(report_dir: Path, model, metrics: dict, test, scores, curve) -> None:
    """Write ``index.html`` and two small PNGs: score distributions and the PR curves.

    `curve`, given, is (examples, leave-one-source-out scores) of the real sources.
    """
    report_dir.mkdir(parents=True, exist_ok=True)
    groups = score_groups(test, scores)
    if curve is not None:
        groups.update(real_score_groups(*curve))
    plot_scores(report_dir / "scores.png", groups, model.threshold)
    plot_precision_recall(report_dir / "precision_recall.png", test, scores, curve)
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
    }


def real_score_groups(examples: Sequence[Example], scores) -> dict[str, list]:
    """Split the real sources' leave-one-source-out scores into health and other questions."""
    scored = [(s, e) for s, e in zip(scores, examples, strict=True) if not np.isnan(s)]
    return {
        "real health questions (LOSO)": [s for s, e in scored if e.medical],
        "real other texts (LOSO)": [s for s, e in scored if not e.medical],
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


def plot_precision_recall(path: Path, test: Sequence[Example], scores, curve) -> str:
    """Plot the precision-recall curve on our held-out part and, given, the real sources'
    leave-one-source-out one."""
    fig, ax = plt.subplots(figsize=(4.5, 3.6), dpi=80)
    ax.plot(*_curve(test, np.asarray(scores), "ours"), label="held out (ours)")
    if curve is not None:
        examples, loso_scores = curve
        ax.plot(*_curve(examples, loso_scores, "real"), label="left-out source (real)")
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_ylim(0.5, 1.01)
    ax.legend(fontsize=7)
    return save_figure(fig, path)


def _curve(examples: Sequence[Example], scores: np.ndarray, which: str) -> tuple[np.ndarray, ...]:
    """Return (recall, precision) along the thresholds, on our corpus or the real sources
    (the rows with a score)."""
    rows = np.array([(e.corpus == "ours") == (which == "ours") for e in examples])
    rows &= ~np.isnan(scores)
    labels = np.array([e.medical for e in examples])
    if len(set(labels[rows].tolist())) < 2:
        return np.array([]), np.array([])
    precision, recall, _ = precision_recall_curve(labels[rows], scores[rows])
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
<p>Threshold {model.threshold:.2f}, chosen on {html.escape(model.card.get("threshold_basis", ""))}.
Real sources: leave-one-source-out (each held out in turn, its figure at a threshold chosen
without it). Our written corpus: its hash-held-out part, reported apart. Validation-only
sets: scored once, never tuned on. Red flags come from the reviewed vocabulary.</p>
{_training_corpora(model.card)}
{per_source_tables(model.card)}
<img src="scores.png" alt="score distributions">
<img src="precision_recall.png" alt="precision-recall">
<table>{rows}</table></body></html>
"""


def per_source_tables(card: dict) -> str:
    """Return the per-source table (held out, at a threshold chosen without the source) and
    the trade-off table: each source's recall or false flags at round cut-offs."""
    held = card.get("leave_one_source_out")
    if not held:
        return ""
    rows = []
    for source, row in held["by_source"].items():
        name = "recall" if "recall" in row else "false_flags"
        cells = (
            source,
            row["kind"],
            row["n"],
            f"{row['own_threshold']:.2f}",
            f"{name.replace('_', ' ')} {row[name]:.3f}",
            f"{row[name + '_at_shipped_threshold']:.3f}",
            f"{row['target']} ({'met' if row['met'] else 'NOT met'})",
        )
        rows.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
    cuts = held.get("at_cuts", {})
    trade = [
        "<tr><td>"
        + html.escape(source)
        + "</td>"
        + "".join(f"<td>{cuts[cut].get(source, float('nan')):.3f}</td>" for cut in cuts)
        + "</tr>"
        for source in held["by_source"]
    ]
    return (
        "<h2>Each real source, held out</h2><table><tr><th>source</th><th>kind</th><th>n</th>"
        "<th>threshold chosen without it</th><th>figure</th><th>at the shipped threshold</th>"
        "<th>target</th></tr>" + "".join(rows) + "</table>"
        "<h2>Trade-off: recall (health sources) or false flags (the others) by cut-off</h2>"
        "<table><tr><th>source</th>"
        + "".join(f"<th>{html.escape(cut)}</th>" for cut in cuts)
        + "</tr>"
        + "".join(trade)
        + "</table>"
    )


def _training_corpora(card: dict) -> str:
    """Return the table of public corpora trained on, with licences and attributions."""
    rows = "\n".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(corpus.get(key, '')))}</td>"
            for key in ("title", "licence", "attribution", "upstream")
        )
        + "</tr>"
        for corpus in card.get("training_corpora", [])
    )
    if not rows:
        return ""
    return (
        "<h2>Public corpora trained on</h2><table><tr><th>corpus</th><th>licence</th>"
        f"<th>attribution</th><th>upstream</th></tr>{rows}</table>"
    )


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
