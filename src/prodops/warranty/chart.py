"""Geometry of the warranty chart, computed on the server and drawn as SVG by a template.

Two panels share the time axis (days since go-live): above, the cumulative count of
counted defects against the fitted mean value function; below, the fitted intensity
against the agreed threshold, with the forecast crossing, its 90% interval, today and
the proposed end. Plain Python, no Django.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from prodops.warranty.srgm import Fit, Forecast

WIDTH = 760
LEFT, RIGHT = 64, 24
TOP_Y0, TOP_H = 28, 190  # cumulative panel
BOT_Y0, BOT_H = 266, 120  # intensity panel
HEIGHT = BOT_Y0 + BOT_H + 48


@dataclass
class Tick:
    pos: float
    label: str


@dataclass
class Marker:
    x: float
    label: str
    css: str
    label_y: float = 0.0
    anchor: str = "start"


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: float = WIDTH - RIGHT
    top_y0: int = TOP_Y0
    top_y1: int = TOP_Y0 + TOP_H
    bot_y0: int = BOT_Y0
    bot_y1: int = BOT_Y0 + BOT_H
    observed: str = ""  # step polyline of the cumulative count
    fitted_past: str = ""
    fitted_future: str = ""
    asymptote_y: float | None = None
    asymptote_label: str = ""
    intensity_past: str = ""
    intensity_future: str = ""
    threshold_y: float = 0.0
    threshold_label: str = ""
    band: tuple[float, float] | None = None  # x range of the forecast interval
    top_h: int = TOP_H
    band_width: float = 0.0
    bot_h: int = BOT_H
    markers: list[Marker] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    i_ticks: list[Tick] = field(default_factory=list)
    per_label: str = ""
    description: str = ""
    note: str = ""
    note_x: float = 0.0
    note_y: float = 0.0


def _nice_step(span: float, target: int) -> float:
    raw = span / max(target, 1)
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for m in (1, 2, 2.5, 5, 10):
        if m * mag >= raw:
            return m * mag
    return 10 * mag


def _points(xs: np.ndarray, ys: np.ndarray) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))


def build(
    *,
    go_live: date,
    failure_days: list[float],
    days_in: float,
    proposed_days: float,
    threshold_per_day: float,
    per_days: float,
    per_label: str,
    fit: Fit | None,
    forecast: Forecast | None,
) -> Chart:
    chart = Chart(per_label=per_label)
    ends = [days_in, proposed_days, 14.0]
    if forecast is not None and math.isfinite(forecast.interval[1]):
        ends.append(forecast.interval[1])
    x_max = max(ends) * 1.08
    if proposed_days > 0:
        # Keep a very wide upper interval from squashing the data into the left edge.
        x_max = min(x_max, max(days_in, proposed_days) * 1.6)
    if fit is None:
        # Nothing to forecast: show the data, not the policy's far-off maximum.
        x_max = max(days_in * 1.25, 14.0)
        chart.note = "no fitted intensity: no usable model for these data"
    sx = (chart.right - LEFT) / x_max

    def x(d: float) -> float:
        return LEFT + min(max(d, 0.0), x_max) * sx

    # cumulative panel
    counts_max = float(len(failure_days))
    grid = np.linspace(0.0, x_max, 160)
    m = fit.mean_value(grid) if fit is not None else None
    if m is not None:
        counts_max = max(counts_max, float(np.nanmax(m)))
    if fit is not None and fit._spec.finite:
        counts_max = max(counts_max, float(fit.theta[0]))
    y_top = max(counts_max * 1.1, 1.0)

    def yc(v: float) -> float:
        return TOP_Y0 + TOP_H - v / y_top * TOP_H

    step_x, step_y = [x(0)], [yc(0)]
    for i, d in enumerate(failure_days):
        step_x += [x(d), x(d)]
        step_y += [yc(i), yc(i + 1)]
    step_x.append(x(days_in))
    step_y.append(yc(len(failure_days)))
    chart.observed = _points(np.array(step_x), np.array(step_y))
    if m is not None and fit is not None:
        past = grid <= days_in
        gx = np.array([x(d) for d in grid])
        gy = np.array([yc(v) for v in m])
        chart.fitted_past = _points(gx[past], gy[past])
        future = grid >= days_in
        # start the dashed part exactly at today so the two halves join
        fx = np.concatenate(([x(days_in)], gx[future]))
        fy = np.concatenate(([yc(float(fit.mean_value(days_in)))], gy[future]))
        chart.fitted_future = _points(fx, fy)
        if fit._spec.finite:
            chart.asymptote_y = yc(float(fit.theta[0]))
            chart.asymptote_label = f"expected total {fit.theta[0]:.1f}"
    step = max(1.0, _nice_step(y_top, 4))
    chart.y_ticks = [Tick(yc(v), f"{v:g}") for v in np.arange(0, y_top + 1e-9, step)]

    # intensity panel, in counted defects per policy period (e.g. per 14 days)
    thr = threshold_per_day * per_days
    lam = fit.intensity(grid) * per_days if fit is not None else None
    i_top = thr * 2.5
    if lam is not None:
        i_top = max(i_top, float(np.nanmax(lam)) * 1.1)
    if fit is not None and "N" in fit.params:
        i_top = max(i_top, fit.params["N"] * fit.params["phi"] * per_days * 1.1)

    def yi(v: float) -> float:
        return BOT_Y0 + BOT_H - min(v, i_top) / i_top * BOT_H

    if lam is not None and fit is not None:
        gx = np.array([x(d) for d in grid])
        gy = np.array([yi(v) for v in lam])
        past = grid <= days_in
        if fit._spec.finite and "N" in fit.params:
            # Jelinski-Moranda: the intensity is phi (N - failures so far), a step down at
            # each failure, not a smooth curve.
            big_n, phi = fit.params["N"], fit.params["phi"]
            sx_, sy_ = [x(0.0)], [yi(phi * big_n * per_days)]
            for i, d in enumerate(failure_days):
                sx_ += [x(d), x(d)]
                sy_ += [yi(phi * (big_n - i) * per_days), yi(phi * max(big_n - i - 1, 0.0) * per_days)]
            sx_.append(x(days_in))
            sy_.append(yi(phi * max(big_n - len(failure_days), 0.0) * per_days))
            chart.intensity_past = _points(np.array(sx_), np.array(sy_))
        else:
            chart.intensity_past = _points(gx[past], gy[past])
        future = grid >= days_in
        chart.intensity_future = _points(gx[future], gy[future])
    chart.threshold_y = yi(thr)
    chart.threshold_label = f"threshold {per_label}"
    istep = _nice_step(i_top, 3)
    chart.i_ticks = [Tick(yi(v), f"{v:g}") for v in np.arange(0, i_top + 1e-9, istep)]

    half = (LEFT + chart.right) / 2
    if forecast is not None and forecast.threshold_time > 0 and math.isfinite(forecast.interval[0]):
        chart.band = (x(forecast.interval[0]), x(forecast.interval[1]))
        cross_x = x(forecast.threshold_time)
        chart.markers.append(
            Marker(cross_x, "below threshold", "fc", BOT_Y0 + 12, "end" if cross_x > half else "start")
        )
    # Marker labels sit at the foot of the cumulative panel, where the curves are low on
    # the left and absent on the right; today's label left of its line and the proposed
    # end's right of its own, so the two never overlap however close they are.
    label_y = TOP_Y0 + TOP_H - 6
    now_x, end_x = x(days_in), x(proposed_days)
    end_shown = proposed_days <= x_max  # else off the chart: the summary gives the date
    if end_shown and abs(now_x - end_x) < 2:
        chart.markers.append(Marker(end_x, "today = proposed end", "end", label_y, "end"))
    else:
        chart.markers.append(Marker(now_x, "today", "now", label_y, "end" if now_x < end_x else "start"))
    if end_shown and abs(now_x - end_x) >= 2:
        room = end_x <= chart.right - 80
        chart.markers.append(
            Marker(
                end_x,
                "proposed end",
                "end",
                label_y - (0 if room else 14),
                "start" if room and end_x > now_x else "end",
            )
        )
    chart.note_x = (LEFT + chart.right) / 2
    chart.note_y = BOT_Y0 + BOT_H / 2

    dstep = _nice_step(x_max, 6)
    dstep = max(7.0, round(dstep / 7) * 7) if dstep >= 7 else dstep
    if chart.band:
        chart.band_width = max(chart.band[1] - chart.band[0], 1.0)
    chart.x_ticks = [
        Tick(x(d), (go_live + timedelta(days=float(d))).strftime("%d %b"))
        for d in np.arange(0, x_max + 1e-9, dstep)
    ]
    n = len(failure_days)
    chart.description = (
        f"{n} counted defects in {days_in:.0f} days since go-live"
        + (f"; fitted {fit.model}" if fit else "")
        + f"; proposed end after {proposed_days:.0f} days"
    )
    return chart
