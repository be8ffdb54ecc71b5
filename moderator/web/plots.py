"""The Models page's plots as geometry: a version's figures turned into SVG coordinates.

The gate keeps, for the candidate and the active model on each set it judged them on,
an ROC curve and histograms of P(spam) for spam and genuine comments
(`moderator.learning.gate`); the training pass keeps the thresholds in force. This
module turns those numbers into what the template draws: polyline points, bars, tick
positions, threshold lines. It knows no Flask, so it is tested on known inputs.

The numbers come from the registry, which anyone with the database can rewrite: each is
checked to be a finite int or float within its range before it becomes a coordinate,
and a plot whose data fails the check is left out with the reason. Coordinates leave
here as text this module wrote from floats; names (a set's) stay data, for the
template to escape.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

#: The two models of every plot, in drawing order (the candidate on top).
MODELS = ("active", "candidate")
#: The most ROC points or histogram bins a plot accepts (the gate keeps 50 and 20).
MOST_POINTS = 500
#: The thresholds marked on the plots, in the order a comment crosses them.
THRESHOLDS = ("unsure", "spam", "discard")


class PlotDataError(ValueError):
    """Plot data that is missing, malformed, out of range or not finite."""


def finite(value: object, low: float = -math.inf, high: float = math.inf) -> float:
    """Return `value` as a float, refusing anything but a finite int or float in [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PlotDataError(f"not a number: {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number):
        raise PlotDataError("not a finite number")
    if not low <= number <= high:
        raise PlotDataError(f"{number} is outside [{low}, {high}]")
    return number


def _sequence(value: object, name: str) -> Sequence:
    """Return `value` if it is a non-empty list of at most MOST_POINTS items."""
    if not isinstance(value, list | tuple) or not value:
        raise PlotDataError(f"{name} is not a non-empty list")
    if len(value) > MOST_POINTS:
        raise PlotDataError(f"{name} has more than {MOST_POINTS} items")
    return value


def _number(value: float) -> str:
    """Write a coordinate as SVG text: digits, a point, perhaps a minus sign."""
    return f"{value:.1f}"


@dataclass(frozen=True)
class Frame:
    """Where data [0, x_max] × [0, y_max] lands in an SVG of `width` × `height` units."""

    width: int = 300
    height: int = 240
    left: int = 50
    right: int = 10
    top: int = 10
    bottom: int = 40
    x_max: float = 1.0
    y_max: float = 1.0

    def x(self, value: float) -> float:
        """Return the SVG x of a data x."""
        return self.left + value / self.x_max * (self.width - self.left - self.right)

    def y(self, value: float) -> float:
        """Return the SVG y of a data y (SVG's y grows downwards)."""
        inner = self.height - self.top - self.bottom
        return self.height - self.bottom - value / self.y_max * inner

    def point(self, x: float, y: float) -> str:
        """Return "x,y" in SVG units, for a polyline's points."""
        return f"{_number(self.x(x))},{_number(self.y(y))}"

    @property
    def box(self) -> dict[str, str]:
        """Return the plotting area's corners, x0, y0 (bottom left) and x1, y1 (top
        right), its middle xm, ym, and where the axes' labels go: under the x axis at
        xl, and (turned a quarter) left of the y axis at yl."""
        x0, y0 = self.x(0), self.y(0)
        x1, y1 = self.x(self.x_max), self.y(self.y_max)
        return {
            "x0": _number(x0),
            "y0": _number(y0),
            "x1": _number(x1),
            "y1": _number(y1),
            "xm": _number((x0 + x1) / 2),
            "ym": _number((y0 + y1) / 2),
            "xl": _number(self.height - 6),
            "yl": _number(14),
        }

    def legend(self, names: Sequence[str], x: float, y: float, across: bool) -> list[Key]:
        """Return legend entries from data point (x, y): in a row (`across`) or a column
        going down; each 80 units wide or 14 high."""
        left, top = self.x(x), self.y(y)
        return [
            Key(
                name,
                _number(left + (80 * i if across else 0)),
                _number(top + (0 if across else 14 * i)),
                _number(left + (80 * i if across else 0) + 22),
            )
            for i, name in enumerate(names)
        ]


@dataclass(frozen=True)
class Key:
    """One legend entry: what it names, where its sample starts (x, y) and its text (text_x)."""

    name: str
    x: str
    y: str
    text_x: str


#: The ROC plot's frame, and the histograms' (room above for the legend).
ROC_FRAME = Frame()
HISTOGRAM_FRAME = Frame(top=24)


@dataclass(frozen=True)
class Tick:
    """A labelled tick on an axis: its label and its SVG position along the axis."""

    label: str
    at: str


@dataclass(frozen=True)
class Curve:
    """One model's ROC curve: its points, and where its spam threshold puts it."""

    model: str  # "active" or "candidate"
    points: str  # "x,y x,y ..." for <polyline points>
    data: list[tuple[float, float]]  # the validated (blocked genuine, spam caught) pairs
    mark: tuple[str, str] | None  # (cx, cy) of the operating point, None if unreadable
    at_threshold: tuple[float, float] | None  # (blocked genuine, spam caught) there


@dataclass(frozen=True)
class RocPlot:
    """Both models' ROC curves on one axes, with the chance diagonal."""

    frame: Frame
    curves: list[Curve]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    legend: list[Key]  # each model's line, then the spam threshold's mark

    @property
    def box(self) -> dict[str, str]:
        """Return the plotting area's corners (see `Frame.box`)."""
        return self.frame.box


@dataclass(frozen=True)
class Bar:
    """One bar of a histogram: a class's share of comments in one bin of P(spam)."""

    kind: str  # "genuine" or "spam"
    x: str
    y: str
    width: str
    height: str


@dataclass(frozen=True)
class Bin:
    """A histogram bin as numbers, for the table beside the plot."""

    low: float
    high: float
    genuine: int
    spam: int


@dataclass(frozen=True)
class Line:
    """A vertical line across the plotting area: a threshold."""

    name: str  # "unsure", "spam" or "discard"
    value: float
    x: str


@dataclass(frozen=True)
class HistogramPlot:
    """One model's score histogram: genuine and spam bars side by side in each bin."""

    model: str
    frame: Frame
    bars: list[Bar]
    bins: list[Bin]
    lines: list[Line]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    legend: list[Key]  # genuine, spam, thresholds
    genuine: int  # comments counted, per class
    spam: int

    @property
    def box(self) -> dict[str, str]:
        """Return the plotting area's corners (see `Frame.box`)."""
        return self.frame.box


@dataclass(frozen=True)
class SetPlots:
    """The plots of one set the gate judged on: ROC and histograms, or why they are not."""

    name: str
    roc: RocPlot | None
    histograms: list[HistogramPlot]
    problems: list[str]


def _ticks(frame: Frame, axis: str, values: Sequence[float], percent: bool = False) -> list[Tick]:
    """Return ticks at `values` along the x or y axis."""
    place = frame.x if axis == "x" else frame.y
    return [
        Tick(f"{value:.0%}" if percent else f"{value:g}", _number(place(value))) for value in values
    ]


def roc_curve_points(value: object) -> list[tuple[float, float]]:
    """Return a stored ROC curve's points, each checked to lie in [0, 1] × [0, 1]."""
    points = []
    for pair in _sequence(value, "the ROC curve"):
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise PlotDataError("an ROC point is not a pair")
        points.append((finite(pair[0], 0.0, 1.0), finite(pair[1], 0.0, 1.0)))
    if len(points) < 2:
        raise PlotDataError("an ROC curve needs two points")
    return points


def roc_plot(models: Mapping[str, Mapping], frame: Frame | None = None) -> RocPlot | None:
    """Return both models' ROC curves on one axes (None when neither has one).

    `models` maps "candidate" and "active" to their stored figures: "roc" (the curve)
    and "blocked_genuine", "spam_caught" (the operating point at the spam threshold).
    A model with no curve (a set of one class) is left out; one whose curve is
    malformed raises PlotDataError.
    """
    frame = frame or ROC_FRAME
    curves = []
    for model in MODELS:
        stored = models.get(model)
        if not isinstance(stored, Mapping) or stored.get("roc") is None:
            continue
        data = roc_curve_points(stored["roc"])
        try:
            at = (
                finite(stored.get("blocked_genuine"), 0.0, 1.0),
                finite(stored.get("spam_caught"), 0.0, 1.0),
            )
        except PlotDataError:
            at = None  # the curve stands without its mark
        mark = None if at is None else (_number(frame.x(at[0])), _number(frame.y(at[1])))
        points = " ".join(frame.point(x, y) for x, y in data)
        curves.append(Curve(model, points, data, mark, at))
    if not curves:
        return None
    steps = (0, 0.25, 0.5, 0.75, 1)
    names = [curve.model for curve in curves] + ["spam threshold"]
    return RocPlot(
        frame,
        curves,
        _ticks(frame, "x", steps),
        _ticks(frame, "y", steps),
        # bottom right, where a useful ROC curve never goes
        frame.legend(names, 0.5, 0.06 + 0.075 * (len(names) - 1), across=False),
    )


def histogram_counts(value: object) -> tuple[list[int], list[int]]:
    """Return a stored histogram's (genuine, spam) counts, checked as whole counts ≥ 0."""
    if not isinstance(value, Mapping):
        raise PlotDataError("a histogram is not a mapping")
    genuine, spam = (
        [finite(count, 0.0) for count in _sequence(value.get(kind), f"the {kind} counts")]
        for kind in ("genuine", "spam")
    )
    if len(genuine) != len(spam):
        raise PlotDataError("the genuine and spam counts have different bins")
    if any(count != int(count) for count in genuine + spam):
        raise PlotDataError("a count is not a whole number")
    return [int(c) for c in genuine], [int(c) for c in spam]


def _shares(counts: list[int]) -> list[float]:
    """Return each bin's share of its class (all 0 for a class with no comments)."""
    total = sum(counts)
    return [count / total if total else 0.0 for count in counts]


def _scale(largest: float) -> float:
    """Return the y axis's top: the largest share rounded up to a tenth (at least 0.1)."""
    return max(0.1, math.ceil(round(largest * 10, 6)) / 10)


def threshold_values(trained_from: object) -> dict[str, float]:
    """Return the thresholds a version was judged at (unsure, spam, discard), skipping any
    missing or unreadable one; older versions kept only `threshold`, the spam one."""
    if not isinstance(trained_from, Mapping):
        return {}
    stored = trained_from.get("thresholds")
    if not isinstance(stored, Mapping):
        stored = {"spam": trained_from.get("threshold")}
    values = {}
    for name in THRESHOLDS:
        try:
            values[name] = finite(stored.get(name), 0.0, 1.0)
        except PlotDataError:
            continue
    return values


def histogram_plots(
    models: Mapping[str, Mapping],
    thresholds: Mapping[str, float],
    frame: Frame | None = None,
) -> list[HistogramPlot]:
    """Return each model's histogram on one shared scale, thresholds marked.

    Bars are each class's share of its comments, so a rare class stays visible; the
    bins' counts travel with them for the table. A model without a histogram is left
    out; a malformed one raises PlotDataError.
    """
    counted = []
    for model in MODELS:
        stored = models.get(model)
        if isinstance(stored, Mapping) and stored.get("histogram") is not None:
            counted.append((model, *histogram_counts(stored["histogram"])))
    if not counted:
        return []
    frame = frame or HISTOGRAM_FRAME
    largest = max(max(_shares(g) + _shares(s)) for _, g, s in counted)
    frame = replace(frame, y_max=_scale(largest))
    lines = [
        Line(name, thresholds[name], _number(frame.x(thresholds[name])))
        for name in THRESHOLDS
        if name in thresholds
    ]
    x_ticks = _ticks(frame, "x", (0, 0.25, 0.5, 0.75, 1))
    y_ticks = _ticks(frame, "y", (0, frame.y_max / 2, frame.y_max), percent=True)
    # in the margin above the plotting area
    above = frame.y_max * (1 + 12 / (frame.height - frame.top - frame.bottom))
    legend = frame.legend(["genuine", "spam", "thresholds"][: 2 + bool(lines)], 0, above, True)
    plots = []
    for model, genuine, spam in counted:
        width = 1 / len(genuine)
        bars, bins = [], []
        for i, (g, s, g_share, s_share) in enumerate(
            zip(genuine, spam, _shares(genuine), _shares(spam), strict=True)
        ):
            bins.append(Bin(round(i * width, 4), round((i + 1) * width, 4), g, s))
            for kind, share, start in (
                ("genuine", g_share, i * width),
                ("spam", s_share, (i + 0.5) * width),
            ):
                if share > 0:
                    bars.append(_bar(frame, kind, start, width / 2, share))
        plots.append(
            HistogramPlot(
                model, frame, bars, bins, lines, x_ticks, y_ticks, legend, sum(genuine), sum(spam)
            )
        )
    return plots


def _bar(frame: Frame, kind: str, start: float, width: float, share: float) -> Bar:
    """Return the rectangle of one bar from data x `start`, `width` wide, `share` high."""
    left, right = frame.x(start), frame.x(start + width)
    top, bottom = frame.y(share), frame.y(0)
    return Bar(kind, _number(left), _number(top), _number(right - left), _number(bottom - top))


def version_plots(figures: object, trained_from: object) -> list[SetPlots]:
    """Return the plots of every set a version was judged on (empty: no plot data).

    A set whose plot data fails the checks keeps its name and the reason, and draws
    nothing; versions trained before the gate kept curves have none and give [].
    """
    if not isinstance(figures, Mapping):
        return []
    thresholds = threshold_values(trained_from)
    sets = []
    for name, models in figures.items():
        if not isinstance(models, Mapping) or not any(
            isinstance(models.get(m), Mapping) and ("roc" in models[m] or "histogram" in models[m])
            for m in MODELS
        ):
            continue
        roc, histograms, problems = None, [], []
        try:
            roc = roc_plot(models)
        except PlotDataError as exc:
            problems.append(f"ROC curve not drawn: {exc}")
        try:
            histograms = histogram_plots(models, thresholds)
        except PlotDataError as exc:
            problems.append(f"histograms not drawn: {exc}")
        sets.append(SetPlots(str(name), roc, histograms, problems))
    return sets
