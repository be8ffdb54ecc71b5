"""The Models page's plot geometry: known figures to known SVG coordinates; bad data refused."""

from __future__ import annotations

import math

import pytest

from moderator.web.plots import (
    HISTOGRAM_FRAME,
    MOST_POINTS,
    ROC_FRAME,
    PlotDataError,
    finite,
    histogram_plots,
    roc_plot,
    threshold_values,
    version_plots,
)

#: The two models as the gate keeps them (see moderator.learning.gate.Figures.to_dict).
CANDIDATE = {
    "comments": 8,
    "spam": 4,
    "blocked_genuine": 0.0,
    "spam_caught": 0.5,
    "auc": 1.0,
    "roc": [[0.0, 0.0], [0.0, 0.5], [1.0, 1.0]],
    "histogram": {"genuine": [3, 1], "spam": [0, 4]},
}
ACTIVE = {
    "comments": 8,
    "spam": 4,
    "blocked_genuine": 0.25,
    "spam_caught": 0.25,
    "auc": 0.6,
    "roc": [[0.0, 0.0], [0.5, 0.5], [1.0, 1.0]],
    "histogram": {"genuine": [2, 2], "spam": [2, 2]},
}
THRESHOLDS = {"unsure": 0.5, "spam": 0.75, "discard": 1.0}


def test_the_frame_puts_the_unit_square_inside_its_margins():
    assert (ROC_FRAME.x(0), ROC_FRAME.x(1), ROC_FRAME.y(0), ROC_FRAME.y(1)) == (50, 290, 200, 10)
    assert ROC_FRAME.point(0.5, 0.5) == "170.0,105.0"
    corners = {"x0": "50.0", "y0": "200.0", "x1": "290.0", "y1": "10.0"}
    assert ROC_FRAME.box.items() >= corners.items()


def test_both_roc_curves_land_on_one_axes_with_their_threshold_marks():
    plot = roc_plot({"candidate": CANDIDATE, "active": ACTIVE})
    active, candidate = plot.curves  # the active model drawn first, the candidate on top
    assert (active.model, candidate.model) == ("active", "candidate")
    assert candidate.points == "50.0,200.0 50.0,105.0 290.0,10.0"
    assert active.points == "50.0,200.0 170.0,105.0 290.0,10.0"
    assert candidate.mark == ("50.0", "105.0") and candidate.at_threshold == (0.0, 0.5)
    assert active.mark == ("110.0", "152.5")
    assert [(t.label, t.at) for t in plot.x_ticks] == [
        ("0", "50.0"),
        ("0.25", "110.0"),
        ("0.5", "170.0"),
        ("0.75", "230.0"),
        ("1", "290.0"),
    ]
    assert [t.at for t in plot.y_ticks] == ["200.0", "152.5", "105.0", "57.5", "10.0"]
    assert [key.name for key in plot.legend] == ["active", "candidate", "spam threshold"]


def test_a_model_without_a_curve_is_left_out_and_none_gives_no_plot():
    plot = roc_plot({"candidate": CANDIDATE, "active": {**ACTIVE, "roc": None}})
    assert [curve.model for curve in plot.curves] == ["candidate"]
    assert roc_plot({"candidate": {**CANDIDATE, "roc": None}}) is None
    assert roc_plot({}) is None


def test_an_unreadable_operating_point_leaves_the_curve_without_its_mark():
    plot = roc_plot({"candidate": {**CANDIDATE, "spam_caught": "0.5"}})
    assert plot.curves[0].mark is None and plot.curves[0].points.startswith("50.0,200.0")


@pytest.mark.parametrize(
    "roc",
    [
        [[0, 0], [math.nan, 1], [1, 1]],
        [[0, 0], [math.inf, 1], [1, 1]],
        [[0, 0], ["0.5", 1], [1, 1]],  # a number as text is not a number
        [[0, 0], ['1" onload="alert(1)', 1], [1, 1]],
        [[0, 0], [True, 1], [1, 1]],
        [[0, 0], [1.5, 1], [1, 1]],  # outside the unit square
        [[0, 0], [-0.1, 1], [1, 1]],
        [[0, 0], [0.5], [1, 1]],
        [[0, 0]],
        [],
        "0,0 1,1",
        {"0": 0},
        [[0, 0]] + [[1, 1]] * MOST_POINTS,
    ],
)
def test_a_malformed_roc_curve_is_refused(roc):
    with pytest.raises(PlotDataError):
        roc_plot({"candidate": {**CANDIDATE, "roc": roc}})


def test_finite_accepts_numbers_in_range_only():
    assert finite(1) == 1.0 and finite(0.25, 0, 1) == 0.25
    for bad in (None, "1", True, math.nan, -math.inf, [1]):
        with pytest.raises(PlotDataError):
            finite(bad)
    with pytest.raises(PlotDataError):
        finite(2, 0, 1)


def test_histograms_share_one_scale_and_draw_each_class_share_per_bin():
    active, candidate = histogram_plots({"candidate": CANDIDATE, "active": ACTIVE}, THRESHOLDS)
    assert (active.model, candidate.model) == ("active", "candidate")
    assert candidate.frame.y_max == active.frame.y_max == 1.0  # the candidate's spam: 4 of 4
    assert (candidate.genuine, candidate.spam) == (4, 4)
    # 2 bins of 120 units; in each, genuine in the left half and spam in the right.
    # The plotting area is 176 high (240 - 24 above - 40 below): y 200 is 0, y 24 is 100%.
    assert [(b.kind, b.x, b.y, b.width, b.height) for b in candidate.bars] == [
        ("genuine", "50.0", "68.0", "60.0", "132.0"),  # 3 of 4 genuine: 75%
        ("genuine", "170.0", "156.0", "60.0", "44.0"),  # 1 of 4: 25%
        ("spam", "230.0", "24.0", "60.0", "176.0"),  # no spam bar in the first bin
    ]
    assert [(b.low, b.high, b.genuine, b.spam) for b in candidate.bins] == [
        (0.0, 0.5, 3, 0),
        (0.5, 1.0, 1, 4),
    ]
    assert [(line.name, line.x) for line in active.lines] == [
        ("unsure", "170.0"),
        ("spam", "230.0"),
        ("discard", "290.0"),
    ]
    assert [key.name for key in active.legend] == ["genuine", "spam", "thresholds"]


def test_the_scale_rounds_the_largest_share_up_to_a_tenth():
    flat = {"genuine": [1] * 20, "spam": [1] * 20}  # 5% in every bin
    (plot,) = histogram_plots({"candidate": {"histogram": flat}}, {})
    assert plot.frame.y_max == pytest.approx(0.1)
    assert [t.label for t in plot.y_ticks] == ["0%", "5%", "10%"]
    assert plot.lines == [] and [key.name for key in plot.legend] == ["genuine", "spam"]
    assert len(plot.bars) == 40 and plot.frame.top == HISTOGRAM_FRAME.top


def test_a_class_with_no_comments_draws_no_bars():
    (plot,) = histogram_plots({"candidate": {"histogram": {"genuine": [0, 0], "spam": [1, 0]}}}, {})
    assert [bar.kind for bar in plot.bars] == ["spam"] and plot.genuine == 0


@pytest.mark.parametrize(
    "histogram",
    [
        {"genuine": [1, -1], "spam": [0, 1]},
        {"genuine": [1, 0.5], "spam": [0, 1]},
        {"genuine": [1, math.nan], "spam": [0, 1]},
        {"genuine": [1, "<rect/>"], "spam": [0, 1]},
        {"genuine": [1, 1, 1], "spam": [0, 1]},
        {"genuine": [], "spam": []},
        {"genuine": [1]},
        [[1, 1], [0, 1]],
        "genuine",
    ],
)
def test_a_malformed_histogram_is_refused(histogram):
    with pytest.raises(PlotDataError):
        histogram_plots({"candidate": {**CANDIDATE, "histogram": histogram}}, {})


def test_thresholds_are_read_skipping_any_unreadable_one():
    assert threshold_values({"thresholds": THRESHOLDS}) == THRESHOLDS
    odd = {"unsure": 0.5, "spam": "0.9", "discard": math.inf}
    assert threshold_values({"thresholds": odd}) == {"unsure": 0.5}
    assert threshold_values({"threshold": 0.9}) == {"spam": 0.9}  # versions before "thresholds"
    assert threshold_values({"threshold": 9}) == {} and threshold_values(None) == {}


def test_a_version_judged_before_curves_were_kept_has_no_plots():
    old = {k: v for k, v in CANDIDATE.items() if k not in ("roc", "histogram")}
    assert version_plots({"newest labels": {"candidate": old, "active": old}}, {}) == []
    assert version_plots({}, {}) == [] and version_plots(None, None) == []
    assert version_plots(["not", "figures"], {}) == []


def test_each_set_gets_its_plots_and_a_bad_one_says_why():
    figures = {
        "newest labels": {"candidate": CANDIDATE, "active": ACTIVE},
        "<b>evaluation set</b>": {"candidate": {**CANDIDATE, "roc": [[0, "x"]]}, "active": ACTIVE},
    }
    good, bad = version_plots(figures, {"thresholds": THRESHOLDS})
    assert good.name == "newest labels" and good.problems == []
    assert len(good.roc.curves) == 2 and len(good.histograms) == 2
    assert bad.name == "<b>evaluation set</b>"  # kept as data: the template escapes it
    assert bad.roc is None and bad.problems == ["ROC curve not drawn: not a number: str"]
    assert len(bad.histograms) == 2  # the rest of the set still draws
