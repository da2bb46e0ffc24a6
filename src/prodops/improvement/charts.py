"""Server-drawn SVG bar charts for the process-metrics page (no script, so the strict
Content-Security-Policy holds). Plain Python: labels are escaped here."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

BAR = 18
GAP = 8
LABEL_W = 150
WIDTH = 520


def bars(
    title: str, rows: Sequence[tuple[str, float | None, float | None]], *, unit: str = "", pct: bool = False
) -> str:
    """Horizontal bars: (label, value, optional second value drawn as a tick, e.g. p90).
    A missing value is written as "n/a", never drawn as zero."""
    values = [v for _, a, b in rows for v in (a, b) if v is not None]
    top = 1.0 if pct else max(values, default=1.0) or 1.0
    span = WIDTH - LABEL_W - 70
    height = max(1, len(rows)) * (BAR + GAP) + GAP
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    )
    parts = [head]

    def fmt(v: float) -> str:
        return f"{v * 100:.0f}%" if pct else f"{v:.1f}{unit}"

    for i, (label, value, tick) in enumerate(rows):
        y = GAP + i * (BAR + GAP)
        parts.append(
            f'<text x="{LABEL_W - 6}" y="{y + BAR - 5}" text-anchor="end" font-size="12">'
            f"{escape(label)}</text>"
        )
        if value is None:
            parts.append(f'<text x="{LABEL_W + 4}" y="{y + BAR - 5}" font-size="12" fill="#666">n/a</text>')
            continue
        w = max(1.0, span * value / top)
        parts.append(f'<rect x="{LABEL_W}" y="{y}" width="{w:.1f}" height="{BAR}" fill="#3b6ea5"/>')
        text = fmt(value)
        if tick is not None:
            x = LABEL_W + span * tick / top
            parts.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y - 2}" y2="{y + BAR + 2}" '
                f'stroke="#c0392b" stroke-width="2"/>'
            )
            text += f" (p90 {fmt(tick)})"
        parts.append(
            f'<text x="{LABEL_W + w + 4:.1f}" y="{y + BAR - 5}" font-size="12">{escape(text)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
