from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest

PAYLOADS = Path(__file__).parent / "payloads"
SECRETS = {
    "PRODOPS_GITHUB_WEBHOOK_SECRET": "gh-secret",
    "PRODOPS_GITLAB_WEBHOOK_TOKEN": "gl-token",
    "PRODOPS_PAGERDUTY_WEBHOOK_SECRET": "pd-secret",
    "PRODOPS_OPSGENIE_WEBHOOK_TOKEN": "og-token",
}


def payload(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / name).read_text())


def signed_headers(
    source: str, body: bytes, *, event: str = "", delivery: str = "", good: bool = True
) -> dict:
    """Headers exactly as each sender sets them (Django test client: HTTP_* names)."""
    secret = {"github": "gh-secret", "gitlab": "gl-token", "pagerduty": "pd-secret", "opsgenie": "og-token"}[
        source
    ]
    if not good:
        secret = "wrong-" + secret
    mac = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if source == "github":
        return {
            "HTTP_X_HUB_SIGNATURE_256": f"sha256={mac}",
            "HTTP_X_GITHUB_EVENT": event,
            "HTTP_X_GITHUB_DELIVERY": delivery,
        }
    if source == "gitlab":
        return {"HTTP_X_GITLAB_TOKEN": secret, "HTTP_X_GITLAB_EVENT_UUID": delivery}
    if source == "pagerduty":
        return {"HTTP_X_PAGERDUTY_SIGNATURE": f"v1=0000,v1={mac}"}
    return {"HTTP_X_PRODOPS_TOKEN": secret}


@pytest.fixture
def webhook_secrets(settings: Any) -> None:
    for name, value in SECRETS.items():
        setattr(settings, name, value)


@pytest.fixture
def post_webhook(client: Any, webhook_secrets: None) -> Any:
    def post(source: str, name: str, *, event: str = "", delivery: str = "", good: bool = True) -> Any:
        body = json.dumps(payload(name)).encode()
        headers = signed_headers(source, body, event=event, delivery=delivery, good=good)
        return client.post(
            f"/api/v1/webhooks/{source}", data=body, content_type="application/json", **headers
        )

    return post
