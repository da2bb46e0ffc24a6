"""Webhooks may not reach internal addresses (server-side request forgery): a URL is
refused when it is saved if it is not http(s) or names an internal IP address, and at
delivery every address its host resolves to is checked, then the connection goes to
the checked address. ``PRODOPS_WEBHOOK_ALLOW_PRIVATE`` lifts the address check (the
local HTTP server of these tests is on loopback)."""

from __future__ import annotations

import ipaddress
import socket

import pytest
from django.contrib.auth import get_user_model

from prodops.accounts.models import UserRole
from prodops.core.actors import Actor
from prodops.core.errors import InvalidInput
from prodops.lifecycle.services import request_transition
from prodops.notifications import services
from prodops.notifications.channels.http import not_public, post
from prodops.notifications.models import Attempt, Channel, Delivery

ADDRESSES = [
    ("127.0.0.1", "loopback"),
    ("10.1.2.3", "private"),
    ("172.16.0.1", "private"),
    ("192.168.1.1", "private"),
    ("169.254.169.254", "link-local"),  # the cloud metadata service
    ("224.0.0.1", "multicast"),
    ("240.0.0.1", "reserved"),
    ("0.0.0.0", "unspecified"),
    ("100.64.0.1", "non-public"),  # carrier-grade NAT
    ("::1", "loopback"),
    ("fe80::1", "link-local"),
    ("fc00::1", "private"),
    ("ff02::1", "multicast"),
    ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
    ("2002:7f00:1::", "loopback"),  # 6to4 wrapping 127.0.0.1
    ("8.8.8.8", ""),
    ("2606:4700:4700::1111", ""),
]


@pytest.mark.parametrize(("address", "kind"), ADDRESSES)
def test_which_addresses_are_refused(address, kind):
    assert not_public(ipaddress.ip_address(address)) == kind


def slack(url: str) -> services.ChannelData:
    return services.ChannelData(
        slug="room",
        name="Room",
        type="slack",
        url=url,
        secret={},
        events=["transition.requested"],
        products={},
    )


@pytest.mark.parametrize(
    "url",
    [
        "ftp://hooks.example.com/x",
        "file:///etc/passwd",
        "gopher://hooks.example.com/",
        "http://",
        "http://hooks.example.com:99999/x",
        "http://127.0.0.1:8080/x",
        "http://[::1]/x",
        "http://169.254.169.254/latest/meta-data/",
        "https://10.0.0.5/hook",
    ],
)
def test_a_bad_or_internal_url_is_refused_when_saved(db, settings, url):
    settings.PRODOPS_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(InvalidInput) as refused:
        services.save_channel(actor=Actor.cli(), data=slack(url))
    assert refused.value.field == "url"
    assert not Channel.objects.exists()


def test_an_internal_address_is_accepted_when_private_networks_are_allowed(db, settings):
    settings.PRODOPS_WEBHOOK_ALLOW_PRIVATE = True
    channel, outcome = services.save_channel(actor=Actor.cli(), data=slack("http://10.0.0.5/hook"))
    assert outcome == "created" and channel.url == "http://10.0.0.5/hook"


def test_internal_url_refused_by_apply_api_and_web(db, prodops, tmp_path, client, settings):
    settings.PRODOPS_WEBHOOK_ALLOW_PRIVATE = False
    manifest = tmp_path / "hook.yaml"
    manifest.write_text(
        "apiVersion: prodops/v1\nkind: Channel\nmetadata: {slug: meta, name: Meta}\n"
        "spec:\n  type: slack\n  url: http://169.254.169.254/latest/\n  events: [gate.ready]\n"
    )
    code, _, err = prodops("apply", "-f", str(manifest))
    assert code == 2 and "hook.yaml" in err and "spec.url" in err and "link-local" in err, err

    ops = get_user_model().objects.create_user("olga", "olga@example.com", "pw")
    UserRole.objects.create(user=ops, role="product_ops")
    client.force_login(ops)
    body = {"type": "slack", "url": "http://127.0.0.1:6379/", "events": ["gate.ready"]}
    response = client.put("/api/v1/channels/meta", body, content_type="application/json")
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["loc"][-1] == "url"
    page = client.post(
        "/notifications/channels/new/",
        {"slug": "meta", "name": "Meta", "type": "slack", "url": "http://[::1]/", "events": ["gate.ready"]},
    )
    assert page.status_code == 400 and "loopback" in page.content.decode()
    assert not Channel.objects.exists()


def test_a_host_resolving_to_loopback_is_refused_once_and_recorded(
    acme_product, people, hooks, settings, worker_once
):
    """``localhost`` is a name, so it is saved; at delivery it resolves to loopback: the
    attempt is recorded as failed with the reason, nothing is sent, nothing retried."""
    port = hooks.url.rsplit(":", 1)[1]
    services.save_channel(actor=Actor.cli(), data=slack(f"http://localhost:{port}/inside"))
    settings.PRODOPS_WEBHOOK_ALLOW_PRIVATE = False  # the hooks fixture allowed it
    request_transition(actor=people["alice"], product=acme_product, to_stage="pilot")
    worker_once()
    worker_once()
    assert hooks.at("/inside") == []
    delivery = Delivery.objects.get(channel__slug="room")
    assert delivery.status == "failed" and delivery.attempts == 1
    (attempt,) = Attempt.objects.filter(delivery=delivery)
    assert not attempt.ok and attempt.status_code is None
    assert "refused: localhost resolves to" in attempt.error and "loopback address" in attempt.error
    assert "PRODOPS_WEBHOOK_ALLOW_PRIVATE" in attempt.error
    assert Channel.objects.get(slug="room").last_error == attempt.error


def fake_resolver(monkeypatch, answers):
    """Replace the system resolver (not our code) for ``rebind.test``: each lookup gets
    the next list of addresses, as a rebinding DNS server would answer."""
    real = socket.getaddrinfo
    calls = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host != "rebind.test":
            return real(host, port, *args, **kwargs)
        addresses = answers[min(len(calls), len(answers) - 1)]
        calls.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, int(port))) for a in addresses]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return calls


def test_every_resolved_address_is_checked(monkeypatch, settings):
    settings.PRODOPS_WEBHOOK_ALLOW_PRIVATE = False
    fake_resolver(monkeypatch, [["93.184.215.14", "127.0.0.1"]])
    result = post("http://rebind.test:8080/x", b"{}", {})
    assert not result.ok and not result.retry
    assert "rebind.test resolves to 127.0.0.1, a loopback address" in result.error


def test_the_connection_goes_to_the_checked_address(monkeypatch, hooks):
    """The host is resolved once; a second answer (here an unroutable documentation
    address) is never used: the request reaches the address that was checked."""
    port = hooks.url.rsplit(":", 1)[1]
    calls = fake_resolver(monkeypatch, [["127.0.0.1"], ["192.0.2.1"]])
    result = post(f"http://rebind.test:{port}/pinned", b"{}", {"Content-Type": "application/json"})
    assert result.ok, result.error
    assert len(calls) == 1
    (received,) = hooks.at("/pinned")
    assert received.headers["Host"] == f"rebind.test:{port}"
