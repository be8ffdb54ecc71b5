"""Evaluation reports: escaped text, the plots a dataset allows."""

from moderator.core.settings import Thresholds
from moderator.training.report import write_report


def test_report_escapes_text(tmp_path):
    write_report(
        tmp_path,
        title="<script>alert(1)</script>",
        labels=[True, False, True, False],
        probabilities=[0.9, 0.1, 0.6, 0.4],
        thresholds=Thresholds(0.5, 0.8, 0.95),
        groups=["<b>", "<b>", "x", "x"],
    )
    html = (tmp_path / "index.html").read_text()
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>" not in html


def test_report_on_one_class_draws_no_curves(tmp_path):
    """A dataset of genuine comments only has no precision-recall or calibration curve,
    yet still gets its page, confusion matrix and score histogram."""
    write_report(
        tmp_path,
        title="genuine only",
        labels=[False, False, False],
        probabilities=[0.1, 0.2, 0.7],
        thresholds=Thresholds(0.5, 0.8, 0.95),
    )
    html = (tmp_path / "index.html").read_text()
    assert sorted(f.name for f in tmp_path.glob("*.png")) == ["confusion.png", "histograms.png"]
    assert "confusion.png" in html and "precision_recall.png" not in html


def test_report_tables_show_each_source_escaped_and_scalars_only(tmp_path):
    write_report(
        tmp_path,
        title="Spam",
        labels=[True, False],
        probabilities=[0.9, 0.1],
        thresholds=Thresholds(0.5, 0.8, 0.95),
        tables={
            "Held out <i>": {
                "youtube:<Psy>": {"blocked_genuine_rate": 0.0123, "thresholds": {"spam": 0.9}}
            }
        },
    )
    html = (tmp_path / "index.html").read_text()
    assert "<h2>Held out &lt;i&gt;</h2>" in html
    assert "youtube:&lt;Psy&gt;" in html and "0.012" in html
    assert "<th>thresholds</th>" not in html  # a nested value is no cell
