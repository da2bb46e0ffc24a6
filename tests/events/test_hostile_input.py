"""Hostile event input (security audit 2026-11-29, H5, M2, M6, L3): never a hang, a 500
or a traceback; a 400 naming the line and field (API), exit 2 naming file, line and
field (CLI); nothing stored. Refused webhook deliveries are recorded for admins."""

from __future__ import annotations

import json

import pytest

from prodops.accounts.models import ApiToken, hash_token
from prodops.events.models import Change, Deployment, Incident, Page, RefusedDelivery, Ticket, WebhookDelivery
from tests.events.conftest import payload, signed_headers


def _token(django_user_model, name: str, *, superuser: bool = False) -> str:
    make = django_user_model.objects.create_superuser if superuser else django_user_model.objects.create_user
    user = make(name, f"{name}@example.com", "pw")
    raw = ApiToken.generate()
    ApiToken.objects.create(user=user, name=name, prefix=raw[:10], token_hash=hash_token(raw))
    return raw


@pytest.fixture
def admin_token(db, django_user_model):
    return _token(django_user_model, "root", superuser=True)


@pytest.fixture
def member_token(db, django_user_model):
    return _token(django_user_model, "mei")


DEPLOY = '{"type":"deployment","product":"payments-api","id":"x","deployed_at":%s}'

# (raw JSON line, field named in the error)
BAD_LINES = [
    (DEPLOY % "Infinity", "deployed_at"),
    (DEPLOY % "-Infinity", "deployed_at"),
    (DEPLOY % "NaN", "deployed_at"),
    (DEPLOY % "1e400", "deployed_at"),
    (DEPLOY % "-1e18", "deployed_at"),
    (DEPLOY % "99999999999999999999999999", "deployed_at"),
    (DEPLOY % '"0001-01-01T00:00:00+01:00"', "deployed_at"),
    (DEPLOY % '"9999-12-31T23:59:59-01:00"', "deployed_at"),
    ('{"type":"usage","product":"payments-api","date":"2026-01-05","active_users":1e400}', "active_users"),
    (
        '{"type":"usage","product":"payments-api","date":"2026-01-05","active_users":4294967296}',
        "active_users",
    ),
    (
        '{"type":"ticket","product":"payments-api","id":"t","opened_at":"2026-01-05T00:00:00Z","handle_minutes":NaN}',
        "handle_minutes",
    ),
    (
        '{"type":"incident","product":"payments-api","id":"i\\u0000x","opened_at":"2026-01-05T00:00:00Z"}',
        "id",
    ),
    (
        '{"type":"incident","product":"payments-api","id":"i","title":"a\\u0000b","opened_at":"2026-01-05T00:00:00Z"}',
        "title",
    ),
    (
        (
            '{"type":"incident","product":"payments-api","id":"i","opened_at":"2026-01-05T00:00:00Z",'
            '"resolved_at":"2026-01-04T00:00:00Z"}'
        ),
        "resolved_at",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("line", "field"), BAD_LINES)
def test_api_event_refused_naming_the_field(client, admin_token, make_product, line, field):
    make_product()
    response = client.post(
        "/api/v1/events",
        data=line,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {admin_token}",
    )
    assert response.status_code == 422, response.content
    body = response.json()
    assert [e["field"] for e in body["errors"]] == [field]
    assert [e["loc"] for e in body["detail"]] == [["body", *field.split(".")] if field else ["body"]]
    assert Deployment.objects.count() + Incident.objects.count() + Ticket.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(("line", "field"), BAD_LINES)
def test_cli_import_exits_2_naming_file_line_and_field(prodops, tmp_path, make_product, line, field):
    make_product()
    path = tmp_path / "bad.ndjson"
    good = '{"type":"deployment","product":"payments-api","id":"ok","deployed_at":"2026-01-05T00:00:00Z"}'
    path.write_text(good + "\n" + line + "\n")
    code, _out, err = prodops("events", "import", str(path))
    assert code == 2
    assert f"{path}:2: field {field!r}" in err
    assert "Traceback" not in err
    assert Deployment.objects.count() == 0


@pytest.mark.django_db
def test_csv_with_a_byte_order_mark_is_read(prodops, tmp_path, make_product):
    make_product()
    path = tmp_path / "excel.csv"
    path.write_bytes(
        "\ufefftype,product,id,deployed_at\ndeployment,payments-api,d1,2026-01-05T10:00:00Z\n".encode()
    )
    code, _out, err = prodops("events", "import", str(path))
    assert code == 0, err
    assert Deployment.objects.get().external_id == "d1"


def _post(client, source, body: bytes, **headers):
    return client.post(f"/api/v1/webhooks/{source}", data=body, content_type="application/json", **headers)


def _github(client, event, data, delivery):
    body = json.dumps(data).encode()
    return _post(client, "github", body, **signed_headers("github", body, event=event, delivery=delivery))


# (source, event header, payload, the identifier's path)
MISSING_IDS = [
    (
        "github",
        "deployment_status",
        {
            "deployment_status": {"state": "success", "updated_at": "2026-11-25T10:00:00Z"},
            "deployment": {"sha": "aaa111"},
            "repository": {"html_url": "https://github.com/acme/checkout-web"},
        },
        "deployment.id",
    ),
    (
        "github",
        "issues",
        {"action": "opened", "issue": {"title": "down", "created_at": "2026-11-25T10:00:00Z", "labels": []}},
        "issue.id",
    ),
    (
        "github",
        "pull_request",
        {
            "action": "closed",
            "pull_request": {"merged": True, "merge_commit_sha": "abc", "merged_at": "2026-11-25T10:00:00Z"},
        },
        "pull_request.id",
    ),
    (
        "gitlab",
        "",
        {"object_kind": "deployment", "status": "success", "status_changed_at": "2026-11-25 10:00:00 UTC"},
        "deployment_id",
    ),
    (
        "gitlab",
        "",
        {
            "object_kind": "issue",
            "object_attributes": {"title": "x", "created_at": "2026-11-25 10:00:00 UTC"},
        },
        "object_attributes.id",
    ),
    (
        "pagerduty",
        "",
        {
            "event": {
                "id": "ev1",
                "event_type": "incident.triggered",
                "data": {"type": "incident", "created_at": "2026-11-25T10:00:00Z"},
            }
        },
        "event.data.id",
    ),
    ("opsgenie", "", {"action": "Create", "alert": {"createdAt": 1764064800000}}, "alert.alertId"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("case", MISSING_IDS, ids=[c[3] for c in MISSING_IDS])
def test_webhook_without_the_senders_id_is_refused_and_recorded(client, webhook_secrets, case):
    source, event, data, field = case
    body = json.dumps(data).encode()
    headers = signed_headers(source, body, event=event, delivery="d-1")
    response = _post(client, source, body, **headers)
    assert response.status_code == 400, response.content
    assert field in response.json()["detail"]
    assert WebhookDelivery.objects.count() == 0
    assert (
        Deployment.objects.count() + Incident.objects.count() + Change.objects.count() + Page.objects.count()
        == 0
    )
    refused = RefusedDelivery.objects.get()
    assert (refused.source, refused.status) == (source, 400)
    assert field in refused.reason
    assert refused.size == len(body)


@pytest.mark.django_db
def test_two_github_deployments_without_ids_never_merge(client, webhook_secrets):
    """Audit M2: the second used to overwrite the first under external id 'None'."""
    for delivery, sha in (("a", "aaa111"), ("b", "bbb222")):
        data = dict(MISSING_IDS[0][2])
        data["deployment"] = {"sha": sha}
        assert _github(client, "deployment_status", data, delivery).status_code == 400
    assert not Deployment.objects.filter(external_id="None").exists()
    assert RefusedDelivery.objects.count() == 2


@pytest.mark.django_db
def test_signed_github_push_with_an_infinite_time_is_refused(client, webhook_secrets):
    body = (
        b'{"after":"abc","commits":[{"id":"c1","timestamp":Infinity}],'
        b'"repository":{"html_url":"https://github.com/acme/x"}}'
    )
    response = _post(client, "github", body, **signed_headers("github", body, event="push", delivery="p1"))
    assert response.status_code == 400
    assert "commits.0.timestamp" in response.json()["detail"]
    assert Change.objects.count() == 0


@pytest.mark.django_db
def test_bad_signature_is_recorded_without_secrets_or_events(client, webhook_secrets):
    body = json.dumps(payload("github_push.json")).encode()
    headers = signed_headers("github", body, event="push", delivery="forged-1", good=False)
    assert _post(client, "github", body, **headers).status_code == 401
    refused = RefusedDelivery.objects.get()
    assert refused.status == 401
    assert "signature" in refused.reason
    assert refused.headers["X-GitHub-Delivery"] == "forged-1"
    assert not any("signature" in name.lower() for name in refused.headers)
    assert Change.objects.count() == 0


@pytest.mark.django_db
def test_refused_deliveries_are_shown_to_admins_only(client, webhook_secrets, admin_token, member_token):
    _post(client, "nosuch", b"{}")
    _post(client, "github", b"{}", HTTP_X_HUB_SIGNATURE_256="sha256=00")
    answer = client.get("/api/v1/events/refused", HTTP_AUTHORIZATION=f"Bearer {admin_token}")
    assert answer.status_code == 200
    rows = answer.json()["items"]
    assert [(r["source"], r["status"]) for r in rows] == [("github", 401), ("nosuch", 404)]
    denied = client.get("/api/v1/events/refused", HTTP_AUTHORIZATION=f"Bearer {member_token}")
    assert denied.status_code == 403


@pytest.mark.django_db
def test_refused_deliveries_in_the_admin(client, django_user_model, webhook_secrets):
    _post(client, "github", b"{}", HTTP_X_HUB_SIGNATURE_256="sha256=00")
    admin = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")
    client.force_login(admin)
    page = client.get("/admin/events/refuseddelivery/")
    assert page.status_code == 200
    assert b"bad or missing X-Hub-Signature-256 signature" in page.content


@pytest.mark.django_db
def test_a_replayed_delivery_with_a_long_id_is_a_duplicate(client, webhook_secrets):
    """Audit M6: an id over 200 characters was stored cut and looked up whole (500)."""
    body = json.dumps(payload("github_push.json")).encode()
    headers = signed_headers("github", body, event="push", delivery="d" * 300)
    assert _post(client, "github", body, **headers).status_code == 202
    again = _post(client, "github", body, **headers)
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
