"""Server-drawn SVG charts: plain data in, coordinates out (no Django, no JavaScript)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    points: str  # "x,y x,y ..." for <polyline points>
    dots: list[tuple[float, float, str]]  # (x, y, title) for each point
    y_max: float
    first_label: str
    last_label: str


def line_chart(
    series: Sequence[tuple[str, float | None]],
    *,
    width: int = 320,
    height: int = 90,
    y_max: float | None = None,
    pad: int = 4,
) -> LineChart | None:
    """Scale ``(label, value)`` pairs into an SVG box; unknown values are skipped.
    None when there is nothing to draw."""
    known = [(i, label, v) for i, (label, v) in enumerate(series) if v is not None]
    if not known:
        return None
    top = y_max if y_max is not None else max(v for _, _, v in known) or 1.0
    span = max(1, len(series) - 1)
    coords = []
    for i, label, value in known:
        x = pad + (width - 2 * pad) * i / span
        y = height - pad - (height - 2 * pad) * min(value, top) / top
        coords.append((round(x, 1), round(y, 1), f"{label}: {value:g}"))
    return LineChart(
        width=width,
        height=height,
        points=" ".join(f"{x},{y}" for x, y, _ in coords),
        dots=coords,
        y_max=top,
        first_label=series[0][0],
        last_label=series[-1][0],
    )
