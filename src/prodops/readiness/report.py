"""Renderings of a readiness result for people and for CI pipelines (text, JSON, JUnit
XML). Pure functions over ``services.Readiness``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree as ET

if TYPE_CHECKING:
    from prodops.readiness.services import CriterionStatus, Readiness


def _value(value: Any) -> str:
    return json.dumps(value, default=str) if not isinstance(value, str) else value


def as_json(r: Readiness) -> dict[str, Any]:
    return {
        "product": r.product,
        "gate": r.gate,
        "ready": r.ready,
        "stage": r.stage,
        "standard": r.standard,
        "standard_version": r.standard_version,
        "evaluated_at": r.evaluated_at.isoformat(),
        "criteria": [
            {
                "id": c.id,
                "gate": c.gate,
                "status": c.status,
                "severity": c.severity,
                "value": c.value,
                "message": c.message,
            }
            for c in r.criteria
        ],
    }


def as_text(r: Readiness) -> str:
    counts = r.counts()
    head = "READY" if r.ready else "NOT READY"
    title = f"{r.product}: {head} to enter {r.gate} "
    title += f"(stage {r.stage}; standard {r.standard} v{r.standard_version}; gates are cumulative)"
    lines = [title]
    order = {"fail": 0, "unknown": 1, "waived": 2}
    shown = sorted(
        (c for c in r.criteria if c.status != "pass"),
        key=lambda c: (c.severity != "blocking", order.get(c.status, 3)),
    )
    for c in shown:
        lines.append(f"  {c.status.upper():<8}{c.id} [{c.severity}, gate {c.gate}] {c.title}")
        detail = c.message or ""
        if c.value is not None and c.kind == "rule":
            detail = f"value {_value(c.value)}" + (f"; {detail}" if detail else "")
        if detail:
            lines.append(f"          {detail}")
        if c.status != "waived":
            if c.why:
                lines.append(f"          why: {c.why}")
            if c.fix:
                lines.append(f"          fix: {c.fix}")
    lines.append(
        f"{len(r.criteria)} criteria: {counts['pass']} pass, {counts['fail']} fail, "
        f"{counts['waived']} waived, {counts['unknown']} unknown; {len(r.blockers)} blocking."
    )
    return "\n".join(lines)


def _case(suite: ET.Element, c: CriterionStatus) -> None:
    case = ET.SubElement(suite, "testcase", classname=f"{c.gate}.{c.area}", name=c.id)
    text = "\n".join(
        x for x in (c.title, f"value: {_value(c.value)}", c.message, f"why: {c.why}", f"fix: {c.fix}") if x
    )
    if c.status == "waived":
        ET.SubElement(case, "skipped", message=c.message or "waived")
    elif c.status in {"fail", "unknown"} and c.severity == "blocking":
        failure = ET.SubElement(case, "failure", message=c.message or c.status, type=c.status)
        failure.text = text
    elif c.status in {"fail", "unknown"}:
        ET.SubElement(case, "skipped", message=f"advisory {c.status}: {c.message}")


def as_junit(r: Readiness) -> str:
    suites = ET.Element("testsuites", name="prodops readiness")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"{r.product} → {r.gate}",
        tests=str(len(r.criteria)),
        failures=str(len(r.blockers)),
        errors="0",
        skipped=str(sum(1 for c in r.criteria if c.status != "pass" and c not in r.blockers)),
        timestamp=r.evaluated_at.isoformat(),
    )
    for c in r.criteria:
        _case(suite, c)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode")
