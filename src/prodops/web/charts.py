"""Server-drawn SVG charts: plain geometry from plain numbers (no Django, no script),
so the pages stay within a strict Content-Security-Policy and print the same."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: nothing to draw (e.g. a team without capacity)
    y: float
    width: float
    over: bool
    text: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    left: int  # room for the labels
    bars: list[Bar]
    line_x: float  # the limit's position
    line_label: str
    ticks: list[tuple[float, str]]
    bar_height: int


def utilization_bars(
    rows: Sequence[tuple[str, float | None]], *, limit: float = 0.85, width: int = 720
) -> BarChart:
    """Horizontal bars of utilization (load ÷ capacity) with a vertical line at ``limit``.

    The scale runs to 100 % or to the largest value, whichever is more, so a team far
    above capacity still fits and the limit line stays where it is on the scale."""
    left, bar_h, gap, top = 180, 22, 10, 24
    top_value = max([1.0, *(v for _, v in rows if v is not None)])
    scale = (width - left - 60) / top_value
    bars = []
    for i, (label, value) in enumerate(rows):
        y = top + i * (bar_h + gap)
        bars.append(
            Bar(
                label=label,
                value=value,
                y=y,
                width=round((value or 0) * scale, 1),
                over=value is not None and value > limit,
                text="no capacity set" if value is None else f"{value:.0%}",
            )
        )
    ticks = [(left + round(t * scale, 1), f"{t:.0%}") for t in _ticks(top_value)]
    return BarChart(
        width=width,
        height=top + len(rows) * (bar_h + gap) + 10,
        left=left,
        bars=bars,
        line_x=left + round(limit * scale, 1),
        line_label=f"{limit:.0%} limit",
        ticks=ticks,
        bar_height=bar_h,
    )


def _ticks(top: float) -> list[float]:
    step = 0.25 if top <= 1.5 else 0.5 if top <= 3 else 1.0
    out, t = [], 0.0
    while t <= top + 1e-9:
        out.append(round(t, 2))
        t += step
    return out


@dataclass(frozen=True)
class StepChart:
    width: int
    height: int
    points: str  # an SVG polyline's points
    y_ticks: list[tuple[float, str]]
    x_labels: list[tuple[float, str]]
    last: str


def step_chart(
    series: Sequence[tuple[datetime, float]], *, width: int = 720, height: int = 180
) -> StepChart | None:
    """A step line of a share (0..1) over time: each value holds until the next one."""
    if not series:
        return None
    left, right, top, bottom = 44, 12, 10, 26
    t0, t1 = series[0][0].timestamp(), series[-1][0].timestamp()
    span = max(t1 - t0, 1.0)
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(t: float) -> float:
        return round(left + (t - t0) / span * plot_w, 1)

    def y(v: float) -> float:
        return round(top + (1 - v) * plot_h, 1)

    pts: list[str] = []
    for i, (when, value) in enumerate(series):
        if i:
            pts.append(f"{x(when.timestamp())},{y(series[i - 1][1])}")
        pts.append(f"{x(when.timestamp())},{y(value)}")
    pts.append(f"{left + plot_w},{y(series[-1][1])}")
    y_ticks = [(y(v), f"{v:.0%}") for v in (0, 0.5, 1)]
    x_labels = [(x(t0), series[0][0].strftime("%Y-%m-%d")), (x(t1), series[-1][0].strftime("%Y-%m-%d"))]
    return StepChart(
        width=width,
        height=height,
        points=" ".join(pts),
        y_ticks=y_ticks,
        x_labels=x_labels,
        last=f"{series[-1][1]:.0%}",
    )
