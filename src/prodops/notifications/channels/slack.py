"""Slack-compatible incoming webhooks (Slack, Mattermost, Rocket.Chat): a readable line
with a link, as ``text`` (mrkdwn) and one section block."""

from __future__ import annotations

import json

from prodops.notifications.channels import Message, Result
from prodops.notifications.channels.http import post


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def payload(message: Message) -> dict[str, object]:
    line = f"*{_escape(message.title)}*: {_escape(message.text)}"
    if message.url:
        line += f" <{message.url}|Open in ProdOps>"
    return {"text": line, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": line}}]}


def send(message: Message) -> Result:
    raw = json.dumps(payload(message)).encode()
    return post(message.target, raw, {"Content-Type": "application/json", "Idempotency-Key": message.id})
