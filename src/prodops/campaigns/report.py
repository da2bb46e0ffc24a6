"""The campaign report, as Markdown or as a standalone HTML page with the burn-up."""

from __future__ import annotations

from datetime import datetime

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from prodops.campaigns.models import Campaign
from prodops.campaigns.services import burnup_chart, campaign_dict
from prodops.core.errors import InvalidInput


def report(campaign: Campaign, *, fmt: str = "md", now: datetime | None = None) -> str:
    """The campaign report as Markdown, or HTML (with the burn-up chart)."""
    data = campaign_dict(campaign, now=now)
    if fmt == "html":
        # The SVG is built by chart.py from numbers and escaped names.
        chart = mark_safe(burnup_chart(campaign))
        return render_to_string("campaigns/report.html", {"c": data, "chart": chart})
    if fmt != "md":
        raise InvalidInput("format is md or html", field="format")
    lines = [
        f"# Campaign: {data['name']}",
        "",
        (
            f"Standard {data['standard']} v{data['standard_version']}; "
            f"from {data['start']} to {data['target']}; "
            f"{data['done']} of {data['total']} products done."
        ),
        "",
        "| Criterion | Enforced from |",
        "|---|---|",
        *[f"| {c['id']}: {c['title']} | {c['enforce_from'] or 'advisory only'} |" for c in data["criteria"]],
        "",
        "| Product | Passing | Failing | Blocking now |",
        "|---|---|---|---|",
        *[
            f"| {p['product']} | {', '.join(p['passing']) or '-'} | {', '.join(p['failing']) or '-'} | "
            f"{', '.join(p['blocking']) or '-'} |"
            for p in data["products"]
        ],
        "",
        "## Burn-up (criteria passing / in scope)",
        "",
        *[f"- {b['day']}: {b['done']} / {b['scope']}" for b in data["burnup"]],
    ]
    return "\n".join(lines) + "\n"
