"""Microsoft Teams workflow webhooks ("Post to a channel when a webhook request is
received"): an Adaptive Card with the title, the message and a button to open ProdOps."""

from __future__ import annotations

import json

from prodops.notifications.channels import Message, Result
from prodops.notifications.channels.http import post


def payload(message: Message) -> dict[str, object]:
    card: dict[str, object] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {"type": "TextBlock", "text": message.title, "weight": "Bolder", "size": "Medium", "wrap": True},
            {"type": "TextBlock", "text": message.text, "wrap": True},
        ],
    }
    if message.url:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open in ProdOps", "url": message.url}]
    return {
        "type": "message",
        "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}],
    }


def send(message: Message) -> Result:
    raw = json.dumps(payload(message)).encode()
    return post(message.target, raw, {"Content-Type": "application/json", "Idempotency-Key": message.id})
