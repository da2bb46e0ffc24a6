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
        "http://localhost:8080/x",
        "http://LocalHost./x",
        "http://api.localhost/x",  # RFC 6761: every name under localhost is loopback
        "http://127.1/x",  # IPv4 shorthands the resolver reads as 127.0.0.1
        "http://2130706433/x",
        "http://0x7f.0.0.1/x",
        "http://0177.0.0.1/x",
        "http://10.1/x",  # 10.0.0.1
        "http://[fe80::1%25eth0]/x",  # link-local with a zone
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


def _no_dns(monkeypatch):
    """Saving never resolves a name: any lookup fails the test."""

    def getaddrinfo(*args, **kwargs):
        raise AssertionError(f"a name was resolved at save time: {args[0]}")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "gethostbyname", getaddrinfo)


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/x",
        "https://localhost.example.com/x",  # a name that merely starts with localhost
        "https://0xcafe.example.com/x",
        "https://8.8.8.8/x",
        "https://[2606:4700:4700::1111]/x",
    ],
)
def test_names_and_public_addresses_are_saved_without_a_lookup(db, settings, monkeypatch, url):
    settings.PRODOPS_WEBHOOK_ALLOW_PRIVATE = False
    _no_dns(monkeypatch)
    channel, outcome = services.save_channel(actor=Actor.cli(), data=slack(url))
    assert outcome == "created" and channel.url == url


@pytest.mark.parametrize(
    "url", ["http://localhost:9000/hook", "http://127.1/hook", "http://192.168.1.20/hook"]
)
def test_localhost_and_shorthands_are_accepted_when_private_networks_are_allowed(db, settings, url):
    settings.PRODOPS_WEBHOOK_ALLOW_PRIVATE = True
    channel, outcome = services.save_channel(actor=Actor.cli(), data=slack(url))
    assert outcome == "created" and channel.url == url


LOCAL_MANIFEST = """\
apiVersion: prodops/v1
kind: Channel
metadata: {slug: meta, name: Meta}
spec:
  type: webhook
  secret: {env: PRODOPS_META_SECRET}
  events: [gate.ready]
  url: http://localhost:6379/
"""


@pytest.fixture
def saving_refuses(settings, monkeypatch):
    """Private networks not allowed, no DNS at save time, the manifest's secret set."""
    settings.PRODOPS_WEBHOOK_ALLOW_PRIVATE = False
    _no_dns(monkeypatch)
    monkeypatch.setenv("PRODOPS_META_SECRET", "s3cret-value-for-tests")
    return settings


def web_form(url: str, slug: str = "meta") -> dict[str, object]:
    return {"slug": slug, "name": slug.title(), "type": "slack", "url": url, "events": ["gate.ready"]}


def test_localhost_refused_by_apply_api_and_web(db, prodops, tmp_path, client, saving_refuses):
    manifest = tmp_path / "local.yaml"
    manifest.write_text(LOCAL_MANIFEST)
    code, _, err = prodops("apply", "-f", str(manifest))
    # file, the url's line (8) and the field, and why
    assert code == 2 and "local.yaml:8" in err and "spec.url" in err and "loopback" in err, err
    assert "Traceback" not in err

    ops = get_user_model().objects.create_user("olga", "olga@example.com", "pw")
    UserRole.objects.create(user=ops, role="product_ops")
    client.force_login(ops)
    body = {"type": "slack", "url": "http://localhost:6379/", "events": ["gate.ready"]}
    response = client.put("/api/v1/channels/meta", body, content_type="application/json")
    assert response.status_code == 422, response.content
    detail = response.json()["detail"][0]
    assert detail["loc"][-1] == "url" and "loopback" in detail["msg"], detail
    body["url"] = "http://2130706433/"
    response = client.put("/api/v1/channels/meta", body, content_type="application/json")
    assert response.status_code == 422 and response.json()["detail"][0]["loc"][-1] == "url"

    page = client.post("/notifications/channels/new/", web_form("http://localhost/"))
    assert page.status_code == 400
    # the message sits on the url field, not only at the top of the form
    assert "loopback" in " ".join(page.context["form"].errors.get("url", []))
    assert not Channel.objects.exists()

    # The same three doors save it when private networks are allowed.
    saving_refuses.PRODOPS_WEBHOOK_ALLOW_PRIVATE = True
    code, _, err = prodops("apply", "-f", str(manifest))
    assert code == 0, err
    response = client.put("/api/v1/channels/api-hook", body, content_type="application/json")
    assert response.status_code == 200, response.content
    page = client.post("/notifications/channels/new/", web_form("http://localhost/", "web-hook"))
    assert page.status_code == 302, page.content.decode()[:2000]
    assert set(Channel.objects.values_list("slug", flat=True)) == {"meta", "api-hook", "web-hook"}
