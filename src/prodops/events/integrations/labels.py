"""Reading severities and root causes out of issue labels and text (GitHub, GitLab)."""

from __future__ import annotations

import re

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
