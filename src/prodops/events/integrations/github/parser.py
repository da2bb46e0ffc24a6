"""GitHub webhooks: ``push``, ``deployment_status``, ``pull_request``, ``issues``.

Signature: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`` with the
webhook secret (``PRODOPS_GITHUB_WEBHOOK_SECRET``). Delivery id: ``X-GitHub-Delivery``.
Payload shapes follow GitHub's documented examples (octokit/webhooks payload-examples).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from prodops.events.integrations import dig, header, required_id
from prodops.events.integrations.labels import issue_records
from prodops.events.records import Record, parse_optional_time, parse_time

SOURCE = "github"
SIGNATURE_HEADER = "X-Hub-Signature-256"
NULL_SHA = "0" * 40


def verify(headers: Mapping[str, str], body: bytes, secret: str) -> bool:
    given = header(headers, SIGNATURE_HEADER)
    if not secret or not given.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(given[len("sha256=") :], expected)


def event_name(headers: Mapping[str, str], payload: dict[str, Any]) -> str:
    return header(headers, "X-GitHub-Event")


def delivery_id(headers: Mapping[str, str], payload: dict[str, Any]) -> str:
    return header(headers, "X-GitHub-Delivery")


def _repo(payload: dict[str, Any]) -> str:
    return str(dig(payload, "repository", "html_url") or "")


def _push(payload: dict[str, Any]) -> list[Record]:
    after = str(payload.get("after") or "")
    if payload.get("deleted") or after == NULL_SHA:
        return []
    head = str(dig(payload, "head_commit", "id") or after)
    repo = _repo(payload)
    records = []
    for commit in payload.get("commits") or []:
        sha = str(commit.get("id") or "")
        if not sha:
            continue
        records.append(
            Record(
                kind="change",
                source=SOURCE,
                external_id=sha,
                repo=repo,
                fields={
                    "sha": sha,
                    "committed_at": parse_time(commit.get("timestamp"), field="commits.timestamp"),
                    "push_sha": head,
                },
            )
        )
    return records


def _shas(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list):
        return [str(v) for v in value if v]
    return []


def _deployment_status(payload: dict[str, Any]) -> list[Record]:
    state = str(dig(payload, "deployment_status", "state") or "")
    status = {"success": "success", "failure": "failure", "error": "failure"}.get(state)
    if status is None:  # pending, queued, in_progress, inactive: not a finished deployment
        return []
    deployment = payload.get("deployment") or {}
    raw_extra = deployment.get("payload")
    extra: dict[str, Any] = raw_extra if isinstance(raw_extra, dict) else {}
    ref = str(deployment.get("ref") or "")
    when = dig(payload, "deployment_status", "updated_at") or dig(payload, "deployment_status", "created_at")
    return [
        Record(
            kind="deployment",
            source=SOURCE,
            external_id=required_id(payload, "deployment", "id"),
            repo=_repo(payload),
            fields={
                "environment": str(
                    dig(payload, "deployment_status", "environment") or deployment.get("environment") or ""
                ),
                "deployed_at": parse_time(when, field="deployment_status.updated_at"),
                "sha": str(deployment.get("sha") or ""),
                "version": str(extra.get("version") or ref)[:100],
                "status": status,
                "rework": bool(extra.get("rework")) or ref.startswith(("hotfix", "rollback")),
                # Four Keys reads deployment.additional_sha; a deploy tool may also send it
                # inside the free-form deployment payload.
                "additional_shas": _shas(deployment.get("additional_sha"))
                + _shas(extra.get("additional_sha")),
            },
        )
    ]


def _pull_request(payload: dict[str, Any]) -> list[Record]:
    pr = payload.get("pull_request") or {}
    if payload.get("action") != "closed" or not pr.get("merged") or not pr.get("merge_commit_sha"):
        return []
    return [
        Record(
            kind="change",
            source=SOURCE,
            external_id=f"pull/{required_id(payload, 'pull_request', 'id')}",
            repo=_repo(payload),
            fields={
                "sha": str(pr["merge_commit_sha"]),
                "authored_at": parse_optional_time(pr.get("created_at"), field="pull_request.created_at"),
                "committed_at": parse_time(pr.get("merged_at"), field="pull_request.merged_at"),
                "push_sha": "",
            },
        )
    ]


def _issues(payload: dict[str, Any]) -> list[Record]:
    external_id = f"issue/{required_id(payload, 'issue', 'id')}"
    issue = payload["issue"]
    labels = [str(label.get("name") or "") for label in issue.get("labels") or []]
    lowered = {label.lower() for label in labels}
    opened = parse_time(issue.get("created_at"), field="issue.created_at")
    closed = parse_optional_time(issue.get("closed_at"), field="issue.closed_at")
    if issue.get("state") != "closed":
        closed = None
    return issue_records(
        source=SOURCE,
        external_id=external_id,
        repo=_repo(payload),
        title=str(issue.get("title") or "")[:500],
        labels=labels,
        opened=opened,
        closed=closed,
        body=issue.get("body"),
        is_incident="incident" in lowered,
    )


HANDLERS = {
    "push": _push,
    "deployment_status": _deployment_status,
    "pull_request": _pull_request,
    "issues": _issues,
}


def parse(event: str, payload: dict[str, Any]) -> list[Record]:
    handler = HANDLERS.get(event)
    return handler(payload) if handler else []
