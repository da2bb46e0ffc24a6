"""Reading issues (GitHub, GitLab): severities and root causes out of labels and text,
and the incident and defect records an issue stands for."""

from __future__ import annotations

import re
from datetime import datetime

from prodops.events.records import Record

# Four Keys reads the root cause of an incident from its text: "root cause: <sha>".
ROOT_CAUSE = re.compile(r"root cause: ([0-9A-Za-z]*)")
_SEV = re.compile(r"^(?:sev|severity|s|p)[\s:=_-]*([1-5])$")
DEFECT_SEVERITIES = ("critical", "high", "medium", "low")


def root_cause(text: str | None) -> str:
    match = ROOT_CAUSE.search(text or "")
    return match.group(1) if match else ""


def incident_severity(labels: list[str], default: int = 3) -> int:
    """``sev1``, ``severity::2``, ``S3``, ``P1`` ... → 1..5."""
    for label in labels:
        match = _SEV.match(label.strip().lower().replace("::", ":"))
        if match:
            return int(match.group(1))
    return default


def defect_severity(labels: list[str], default: str = "medium") -> str:
    """``critical``, ``severity::high``, ``severity: low`` ... → one of DEFECT_SEVERITIES."""
    for label in labels:
        word = label.strip().lower().replace("::", ":").split(":")[-1].strip()
        if word in DEFECT_SEVERITIES:
            return word
    return default


def issue_records(
    *,
    source: str,
    external_id: str,
    repo: str,
    title: str,
    labels: list[str],
    opened: datetime,
    closed: datetime | None,
    body: str | None,
    is_incident: bool,
) -> list[Record]:
    """An issue labelled ``incident`` is an incident, one labelled ``bug`` a defect
    (both, if it carries both labels), the same for every issue tracker."""
    records = []
    if is_incident:
        records.append(
            Record(
                kind="incident",
                source=source,
                external_id=external_id,
                repo=repo,
                fields={
                    "title": title,
                    "severity": incident_severity(labels),
                    "opened_at": opened,
                    "resolved_at": closed,
                    "root_cause_sha": root_cause(body),
                },
            )
        )
    if "bug" in {label.lower() for label in labels}:
        records.append(
            Record(
                kind="defect",
                source=source,
                external_id=external_id,
                repo=repo,
                fields={
                    "title": title,
                    "severity": defect_severity(labels),
                    "found_at": opened,
                    "fixed_at": closed,
                },
            )
        )
    return records
