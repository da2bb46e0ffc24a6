"""GitLab webhooks: push, deployment, pipeline and issue events.

Signature: GitLab sends the webhook's secret token as ``X-Gitlab-Token``
(``PRODOPS_GITLAB_WEBHOOK_TOKEN``). Delivery id: ``X-Gitlab-Event-UUID``. The event type
is read from ``object_kind`` (``X-Gitlab-Event`` says the same in words). Shapes follow
GitLab's "Webhook events" documentation.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

from prodops.events.integrations import dig, header, required_id
from prodops.events.integrations.labels import issue_records
from prodops.events.records import Record, parse_optional_time, parse_time

SOURCE = "gitlab"
SIGNATURE_HEADER = "X-Gitlab-Token"
NULL_SHA = "0" * 40


def verify(headers: Mapping[str, str], body: bytes, secret: str) -> bool:
    given = header(headers, SIGNATURE_HEADER)
    return bool(secret) and bool(given) and hmac.compare_digest(given.encode(), secret.encode())


def event_name(headers: Mapping[str, str], payload: dict[str, Any]) -> str:
    return str(payload.get("object_kind") or header(headers, "X-Gitlab-Event"))


def delivery_id(headers: Mapping[str, str], payload: dict[str, Any]) -> str:
    return header(headers, "X-Gitlab-Event-UUID") or header(headers, "X-Gitlab-Webhook-UUID")


def _repo(payload: dict[str, Any]) -> str:
    return str(dig(payload, "project", "web_url") or dig(payload, "repository", "homepage") or "")


def _push(payload: dict[str, Any]) -> list[Record]:
    after = str(payload.get("after") or "")
    if after == NULL_SHA:
        return []
    head = str(payload.get("checkout_sha") or after)
    repo = _repo(payload)
    return [
        Record(
            kind="change",
            source=SOURCE,
            external_id=str(commit["id"]),
            repo=repo,
            fields={
                "sha": str(commit["id"]),
                "committed_at": parse_time(commit.get("timestamp"), field="commits.timestamp"),
                "push_sha": head,
            },
        )
        for commit in payload.get("commits") or []
        if commit.get("id")
    ]


_STATUS = {"success": "success", "failed": "failure"}


def _deployment(payload: dict[str, Any]) -> list[Record]:
    status = _STATUS.get(str(payload.get("status") or ""))
    if status is None:  # running, canceled: not a finished deployment
        return []
    ref = str(payload.get("ref") or "")
    # The deployment event carries only short_sha; the full SHA ends commit_url.
    sha = str(payload.get("commit_url") or "").rstrip("/").rsplit("/", 1)[-1] or str(
        payload.get("short_sha") or ""
    )
    return [
        Record(
            kind="deployment",
            source=SOURCE,
            external_id=f"deployment/{required_id(payload, 'deployment_id')}",
            repo=_repo(payload),
            fields={
                "environment": str(payload.get("environment") or ""),
                "deployed_at": parse_time(payload.get("status_changed_at"), field="status_changed_at"),
                "sha": sha,
                "version": ref[:100],
                "status": status,
                "rework": ref.startswith(("hotfix", "rollback")),
                "additional_shas": [],
            },
        )
    ]


def _pipeline(payload: dict[str, Any]) -> list[Record]:
    attributes = payload.get("object_attributes") or {}
    status = _STATUS.get(str(attributes.get("status") or ""))
    if status is None:
        return []
    ref = str(attributes.get("ref") or "")
    when = attributes.get("finished_at") or attributes.get("created_at")
    # Four Keys counts a successful pipeline as a deployment; ProdOps keeps pipelines in
    # their own environment so the default (production) metrics do not count them.
    return [
        Record(
            kind="deployment",
            source=SOURCE,
            external_id=f"pipeline/{required_id(payload, 'object_attributes', 'id')}",
            repo=_repo(payload),
            fields={
                "environment": "pipeline",
                "deployed_at": parse_time(when, field="object_attributes.finished_at"),
                "sha": str(attributes.get("sha") or ""),
                "version": ref[:100],
                "status": status,
                "rework": ref.startswith(("hotfix", "rollback")),
                "additional_shas": [],
            },
        )
    ]


def _issue(payload: dict[str, Any]) -> list[Record]:
    external_id = f"issue/{required_id(payload, 'object_attributes', 'id')}"
    attributes = payload["object_attributes"]
    raw_labels = attributes.get("labels") or payload.get("labels") or []
    labels = [str(label.get("title") or "") for label in raw_labels if isinstance(label, dict)]
    lowered = {label.lower() for label in labels}
    opened = parse_time(attributes.get("created_at"), field="object_attributes.created_at")
    closed = None
    if attributes.get("state") == "closed":
        closed = parse_optional_time(
            attributes.get("closed_at") or attributes.get("updated_at"), field="object_attributes.closed_at"
        )
    return issue_records(
        source=SOURCE,
        external_id=external_id,
        repo=_repo(payload),
        title=str(attributes.get("title") or "")[:500],
        labels=labels,
        opened=opened,
        closed=closed,
        body=attributes.get("description"),
        is_incident="incident" in lowered or attributes.get("issue_type") == "incident",
    )


HANDLERS = {"push": _push, "deployment": _deployment, "pipeline": _pipeline, "issue": _issue}


def parse(event: str, payload: dict[str, Any]) -> list[Record]:
    handler = HANDLERS.get(str(payload.get("object_kind") or event))
    return handler(payload) if handler else []
