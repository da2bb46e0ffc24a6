"""Bulk NDJSON through the API and `prodops events import`: all or nothing, every bad
line reported with its number and field."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command

from prodops.accounts.models import ApiToken, hash_token
from prodops.audit.models import AuditEntry
from prodops.events.models import Change, Deployment, Incident, Usage
from tests.events.conftest import payload


@pytest.fixture
def token(db, django_user_model):
    user = django_user_model.objects.create_user("ci", "ci@example.com", "pw")
    raw = ApiToken.generate()
    ApiToken.objects.create(user=user, name="ci", prefix=raw[:10], token_hash=hash_token(raw))
    return raw


def _post(client, token, lines):
    body = "\n".join(json.dumps(line) if isinstance(line, dict) else line for line in lines)
    return client.post(
        "/api/v1/events/bulk",
        data=body,
        content_type="application/x-ndjson",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


GOOD = [
    {
        "type": "deployment",
        "product": "payments-api",
        "id": "d1",
        "deployed_at": "2026-01-05T10:00:00Z",
        "sha": "abc",
    },
    {"type": "change", "product": "payments-api", "sha": "abc", "committed_at": "2026-01-05T08:00:00Z"},
    {
        "type": "incident",
        "product": "payments-api",
        "id": "i1",
        "severity": "sev1",
        "opened_at": "2026-01-06T00:00:00Z",
    },
    {"type": "usage", "product": "payments-api", "date": "2026-01-05", "active_users": 120},
]


@pytest.mark.django_db
def test_bulk_stores_every_line(client, token, make_product):
    product = make_product()
    response = _post(client, token, GOOD)
    assert response.status_code == 201, response.content
    assert response.json()["counts"] == {"deployment": 1, "change": 1, "incident": 1, "usage": 1}
    assert Deployment.objects.get().product == product
    assert Incident.objects.get().severity == 1
    assert Usage.objects.get().active_users == 120
    assert AuditEntry.objects.filter(action="events.ingest").count() == 1
    # The same ids again update instead of duplicating.
    assert _post(client, token, GOOD).status_code == 201
    assert Deployment.objects.count() == 1 and Change.objects.count() == 1 and Usage.objects.count() == 1


@pytest.mark.django_db
def test_bulk_is_all_or_nothing_with_line_numbers(client, token, make_product):
    make_product()
    bad = [
        GOOD[0],
        "{not json",
        {"type": "deployment", "product": "payments-api", "id": "d2", "deployed_at": "yesterday"},
        "",
        {
            "type": "incident",
            "product": "payments-api",
            "id": "i2",
            "opened_at": "2026-01-06T00:00:00Z",
            "sevrity": 1,
        },
        {
            "type": "defect",
            "product": "payments-api",
            "id": "x",
            "found_at": "2026-01-06",
            "severity": "urgent",
        },
    ]
    response = _post(client, token, bad)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [(e["line"], e["field"]) for e in errors] == [
        (2, ""),
        (3, "deployed_at"),
        (5, "sevrity"),
        (6, "severity"),
    ]
    # The API's shared 422 shape carries the same, each line located in the body.
    detail = response.json()["detail"]
    assert [e["loc"] for e in detail] == [
        ["body", 2],
        ["body", 3, "deployed_at"],
        ["body", 5, "sevrity"],
        ["body", 6, "severity"],
    ]
    assert [e["msg"] for e in detail] == [e["message"] for e in errors]
    assert Deployment.objects.count() == 0  # line 1 was good, and still nothing was stored


@pytest.mark.django_db
def test_bulk_reports_unknown_products_by_line(client, token, make_product):
    make_product()
    lines = [GOOD[0], {**GOOD[1], "product": "no-such-product"}]
    response = _post(client, token, lines)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"line": 2, "field": "product", "message": "no product with slug 'no-such-product'"}
    ]
    assert Deployment.objects.count() == 0


@pytest.mark.django_db
def test_events_without_a_product_are_kept_unmapped(client, token):
    response = _post(
        client,
        token,
        [
            {
                "type": "deployment",
                "id": "d9",
                "deployed_at": "2026-01-05T10:00:00Z",
                "repo": "https://git.example.com/unknown/repo",
            }
        ],
    )
    assert response.status_code == 201
    assert Deployment.objects.get().product is None


@pytest.mark.django_db
def test_single_event_and_auth(client, token, make_product):
    make_product()
    body = json.dumps(GOOD[0])
    assert client.post("/api/v1/events", data=body, content_type="application/json").status_code == 401
    response = client.post(
        "/api/v1/events", data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 201
    assert Deployment.objects.get().deployed_at == datetime(2026, 1, 5, 10, tzinfo=UTC)


CSV = """type,id,product,deployed_at,sha,status,opened_at,severity
deployment,d1,payments-api,2026-01-05T10:00:00Z,abc,success,,
deployment,d2,payments-api,2026-01-06T10:00:00Z,def,failed,,
incident,i1,payments-api,,,,2026-01-06T11:00:00Z,9
deployment,d3,payments-api,,ghi,success,,
"""


@pytest.mark.django_db
def test_import_csv_reports_every_bad_row_and_exits_2(tmp_path, make_product, capsys):
    make_product()
    path = tmp_path / "events.csv"
    path.write_text(CSV)
    with pytest.raises(CommandError) as error:
        call_command("events", "import", str(path))
    assert error.value.returncode == 2
    err = capsys.readouterr().err
    assert f"{path}:3: field 'status': must be success or failure" in err
    assert f"{path}:4: field 'severity': must be 1..5 (or sev1..sev5)" in err
    assert f"{path}:5: field 'deployed_at': is required" in err
    assert Deployment.objects.count() == 0


@pytest.mark.django_db
def test_import_csv_and_ndjson(tmp_path, make_product, capsys):
    make_product()
    path = tmp_path / "events.csv"
    path.write_text("\n".join(CSV.splitlines()[:2]) + "\n")
    call_command("events", "import", str(path))
    assert Deployment.objects.count() == 1
    ndjson = tmp_path / "events.ndjson"
    ndjson.write_text("\n".join(json.dumps(line) for line in GOOD))
    call_command("events", "import", str(ndjson))
    assert Change.objects.count() == 1
    captured = capsys.readouterr()
    assert "Imported 4 events" in captured.out
    assert "[##############################] 4/4" in captured.err  # the progress bar


@pytest.mark.django_db
def test_replay_recorded_deliveries(tmp_path, make_product, webhook_secrets):
    make_product("hello-world", links={"repo": "https://github.com/Codertocat/Hello-World"})
    path = tmp_path / "github.ndjson"
    lines = [
        {"event": "push", "delivery": "r1", "payload": payload("github_push.json")},
        {"event": "deployment_status", "delivery": "r2", "payload": payload("github_deployment_status.json")},
        {"event": "push", "delivery": "r1", "payload": payload("github_push.json")},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines))
    call_command("events", "import", str(path), source="github")
    call_command("events", "import", str(path), source="github")
    assert Change.objects.count() == 2
    assert Deployment.objects.get().product.slug == "hello-world"


@pytest.mark.django_db
def test_replay_reports_bad_deliveries_by_line(tmp_path, capsys):
    path = tmp_path / "github.ndjson"
    broken = payload("github_deployment_status.json")
    broken["deployment_status"]["updated_at"] = "not a time"
    lines = [
        json.dumps({"event": "push", "delivery": "r1", "payload": payload("github_push.json")}),
        json.dumps({"event": "deployment_status", "delivery": "r2", "payload": broken}),
        json.dumps({"event": "push", "delivery": "r3"}),
    ]
    path.write_text("\n".join(lines))
    with pytest.raises(CommandError) as error:
        call_command("events", "import", str(path), source="github")
    assert error.value.returncode == 2
    err = capsys.readouterr().err
    assert f"{path}:2: field 'deployment_status.updated_at'" in err
    assert f"{path}:3: field 'payload'" in err
    assert Change.objects.count() == 0
