"""The burn-up chart of a campaign as SVG, drawn on the server (plain Python, no Django).

Two lines over the days from the start to the target: the scope (criteria that apply to
the selected products) and the work done (criteria passing). x is linear in days from
``start`` to ``target`` over ``WIDTH - 2 * PAD`` pixels; y is linear from 0 at the bottom
to the largest scope at the top over ``HEIGHT - 2 * PAD`` pixels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

WIDTH, HEIGHT, PAD = 600, 240, 30


@dataclass(frozen=True)
class Point:
    day: date
    done: int
    scope: int


def _xy(p: Point, attr: str, start: date, target: date, top: int) -> tuple[float, float]:
    span = max((target - start).days, 1)
    x = PAD + (WIDTH - 2 * PAD) * (p.day - start).days / span
    y = HEIGHT - PAD - (HEIGHT - 2 * PAD) * getattr(p, attr) / max(top, 1)
    return round(x, 1), round(y, 1)


def polyline(points: Sequence[Point], attr: str, start: date, target: date) -> str:
    """The ``points`` attribute of one line (``attr``: done or scope)."""
    top = max((p.scope for p in points), default=1)
    return " ".join(f"{x},{y}" for x, y in (_xy(p, attr, start, target, top) for p in points))


def burnup_svg(points: Sequence[Point], *, start: date, target: date, title: str) -> str:
    top = max((p.scope for p in points), default=0)
    target_x = WIDTH - PAD
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
            f'aria-label="{escape(title)}: burn-up">'
        ),
        f"<title>{escape(title)}: criteria passing over time</title>",
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" stroke="#888"/>',
        f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{HEIGHT - PAD}" stroke="#888"/>',
        (
            f'<line x1="{target_x}" y1="{PAD}" x2="{target_x}" y2="{HEIGHT - PAD}" stroke="#c33" '
            'stroke-dasharray="4 3"/>'
        ),
        f'<text x="{PAD}" y="{HEIGHT - 8}" font-size="11">{start.isoformat()}</text>',
        (
            f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" font-size="11" text-anchor="end">target '
            f"{target.isoformat()}</text>"
        ),
        f'<text x="{PAD - 4}" y="{PAD + 4}" font-size="11" text-anchor="end">{top}</text>',
    ]
    if points:
        parts.append(
            f'<polyline class="scope" fill="none" stroke="#888" stroke-dasharray="6 4" '
            f'points="{polyline(points, "scope", start, target)}"/>'
        )
        parts.append(
            f'<polyline class="done" fill="none" stroke="#2a7" stroke-width="2" '
            f'points="{polyline(points, "done", start, target)}"/>'
        )
    parts.append("</svg>")
    return "\n".join(parts)
