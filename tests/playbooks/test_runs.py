"""Issue 15's definition of done for playbooks, through the CLI (and the API where said)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from prodops.core.actors import Actor
from tests.playbooks.conftest import WARRANTY_EXIT

pytestmark = pytest.mark.django_db


def start(prodops: Callable[..., Any], *args: str) -> dict[str, Any]:
    code, out, err = prodops("playbooks", "start", *args, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def show(prodops: Callable[..., Any], run_id: int) -> dict[str, Any]:
    code, out, err = prodops("playbooks", "show", str(run_id), "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_applied_from_yaml_and_listed(applied: Any, prodops: Callable[..., Any]) -> None:
    assert applied.version == 1
    assert [s["id"] for s in applied.current.spec["steps"]] == ["walkthrough", "faq", "approve", "cake"]
    code, out, _ = prodops("playbooks", "list", "--format", "json")
    assert code == 0
    assert [(p["slug"], p["version"], p["trigger"]) for p in json.loads(out)] == [
        ("warranty-exit", 1, "transition.executed")
    ]


def test_unknown_fact_in_a_condition_is_refused_with_file_line_field(
    prodops: Callable[..., Any], tmp_path: Path, db: Any
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(WARRANTY_EXIT.replace("docs.faq.count > 0", "docs.faqs.count > 0"))
    code, _, err = prodops("apply", "-f", str(path))
    assert code == 2
    assert "bad.yaml:8" in err and "spec.steps.1.until" in err and "docs.faqs.count" in err
    from prodops.playbooks.models import Playbook

    assert not Playbook.objects.exists()


def test_run_stays_pinned_to_its_version(
    applied: Any, pay: Any, prodops: Callable[..., Any], playbook_file: Path
) -> None:
    run = start(prodops, "warranty-exit", "--product", "pay")
    assert run["version"] == 1
    assert [s["id"] for s in run["steps"]] == ["walkthrough", "faq", "approve", "cake"]  # tier 1: cake
    playbook_file.write_text(
        WARRANTY_EXIT.replace("Bring cake", "Bring pie").replace(
            "    - {id: approve", "    - {id: retro, title: Hold a retrospective}\n    - {id: approve"
        )
    )
    code, _, err = prodops("apply", "-f", str(playbook_file))
    assert code == 0, err
    applied.refresh_from_db()
    assert applied.version == 2
    again = show(prodops, run["id"])
    assert again["version"] == 1 and again["latest_version"] == 2
    assert [s["title"] for s in again["steps"]][-1] == "Bring cake"
    assert "retro" not in [s["id"] for s in again["steps"]]
    fresh = start(prodops, "warranty-exit", "--product", "pay")
    assert fresh["version"] == 2 and "retro" in [s["id"] for s in fresh["steps"]]


def test_when_leaves_out_a_step_at_start(
    applied: Any, make_product: Callable[..., Any], prodops: Callable[..., Any]
) -> None:
    make_product("small", tier=4)
    run = start(prodops, "warranty-exit", "--product", "small")
    assert "cake" not in [s["id"] for s in run["steps"]]


def test_wait_for_completes_when_the_fact_changes(
    applied: Any, pay: Any, prodops: Callable[..., Any], django_capture_on_commit_callbacks: Any
) -> None:
    from prodops.knowledge.services import create_document

    run = start(prodops, "warranty-exit", "--product", "pay")
    assert {s["id"]: s["status"] for s in run["steps"]}["faq"] == "open"
    with django_capture_on_commit_callbacks(execute=True):
        create_document(
            actor=Actor.cli(), product=pay, kind="faq", title="FAQ", url="https://wiki.example.com/faq"
        )
    after = {s["id"]: s for s in show(prodops, run["id"])["steps"]}
    assert after["faq"]["status"] == "done"
    assert after["faq"]["done_by"] == "condition"


def test_wait_for_also_completes_from_the_periodic_job(
    applied: Any, pay: Any, prodops: Callable[..., Any]
) -> None:
    from django.utils import timezone

    from prodops.knowledge.models import Document
    from prodops.playbooks.jobs import check_waiting_steps

    run = start(prodops, "warranty-exit", "--product", "pay")
    Document.objects.create(product=pay, kind="faq", title="FAQ")  # no signal: only the job sees it
    assert {s["id"]: s["status"] for s in show(prodops, run["id"])["steps"]}["faq"] == "open"
    check_waiting_steps(timezone.now())
    assert {s["id"]: s["status"] for s in show(prodops, run["id"])["steps"]}["faq"] == "done"


def test_close_refused_naming_what_is_missing_then_accepted(
    applied: Any, pay: Any, prodops: Callable[..., Any], people: dict[str, Actor]
) -> None:
    run = start(prodops, "warranty-exit", "--product", "pay")
    rid = str(run["id"])
    code, _, err = prodops("playbooks", "close", rid)
    assert code == 1
    for missing in ("walkthrough", "faq", "approve", "custom.exit_ok == true is unknown"):
        assert missing in err
    assert "cake" not in err  # optional
    assert show(prodops, run["id"])["done_when"]["holds"] is False

    assert (
        prodops("playbooks", "done", rid, "walkthrough", "--as", "bob@example.com", "--note", "done")[0] == 0
    )
    assert prodops("playbooks", "done", rid, "approve", "--as", "bob@example.com")[0] == 0
    assert prodops("playbooks", "skip", rid, "faq", "--reason", "FAQ lives in the support guide")[0] == 0
    code, _, err = prodops("playbooks", "close", rid)
    assert code == 1
    assert "custom.exit_ok == true is unknown" in err and "walkthrough" not in err

    from prodops.readiness.services import set_custom_facts

    set_custom_facts(actor=Actor.cli(), product=pay, facts={"exit_ok": True})
    code, out, err = prodops("playbooks", "close", rid, "--format", "json")
    assert code == 0, err
    closed = json.loads(out)
    assert closed["status"] == "closed" and closed["done_when"] == {
        "condition": "run.required_open == 0 && custom.exit_ok == true",
        "holds": True,
        "missing": [],
    }
    assert prodops("playbooks", "close", rid)[0] == 1  # already closed


def test_required_step_skipped_without_reason_or_by_someone_not_allowed(
    applied: Any, pay: Any, prodops: Callable[..., Any], people: dict[str, Actor]
) -> None:
    rid = str(start(prodops, "warranty-exit", "--product", "pay")["id"])
    code, _, err = prodops("playbooks", "skip", rid, "walkthrough")
    assert code == 2 and "reason" in err
    code, _, err = prodops(
        "playbooks", "skip", rid, "walkthrough", "--reason", "no", "--as", "bob@example.com"
    )
    assert code == 1  # the run lead is not product operations
    steps = {s["id"]: s for s in show(prodops, int(rid))["steps"]}
    assert steps["walkthrough"]["status"] == "open"
    code, _, err = prodops(
        "playbooks", "skip", rid, "walkthrough", "--reason", "done live", "--as", "paula@example.com"
    )
    assert code == 0, err
    # An optional step: its assignee (nobody here) or product operations; not a bystander.
    assert prodops("playbooks", "skip", rid, "cake", "--as", "mallory@example.com")[0] == 1
    assert prodops("playbooks", "skip", rid, "cake", "--as", "paula@example.com")[0] == 0


def test_bad_input_exits_2(applied: Any, pay: Any, prodops: Callable[..., Any]) -> None:
    rid = str(start(prodops, "warranty-exit", "--product", "pay")["id"])
    assert prodops("playbooks", "show", "999999")[0] == 2
    assert prodops("playbooks", "show", "abc")[0] == 2
    assert prodops("playbooks", "done", rid, "nope")[0] == 2
    assert prodops("playbooks", "start", "nope", "--product", "pay")[0] == 2
    assert prodops("playbooks", "start", "warranty-exit", "--product", "nope")[0] == 2
    assert prodops("playbooks", "done", rid, "walkthrough", "--as", "nobody@example.com")[0] == 2


def test_step_of_the_run_lead_done_by_the_run_lead_only(
    applied: Any, pay: Any, prodops: Callable[..., Any], people: dict[str, Actor]
) -> None:
    rid = str(start(prodops, "warranty-exit", "--product", "pay")["id"])
    code, _, err = prodops("playbooks", "done", rid, "walkthrough", "--as", "alice@example.com")
    assert code == 1 and "assignee" in err
    code, _, err = prodops("playbooks", "done", rid, "walkthrough")  # the operator, no reason
    assert code == 1 and "reason" in err
    code, out, err = prodops(
        "playbooks", "done", rid, "walkthrough", "--as", "bob@example.com", "--format", "json"
    )
    assert code == 0, err
    step = {s["id"]: s for s in json.loads(out)["steps"]}["walkthrough"]
    assert step["status"] == "done" and step["done_by"] == "bob@example.com"


def test_approval_rejected_needs_a_reason_and_stays_open(
    applied: Any, pay: Any, prodops: Callable[..., Any], people: dict[str, Actor]
) -> None:
    rid = str(start(prodops, "warranty-exit", "--product", "pay")["id"])
    assert prodops("playbooks", "done", rid, "approve", "--reject", "--as", "bob@example.com")[0] == 2
    code, out, _ = prodops(
        "playbooks",
        "done",
        rid,
        "approve",
        "--reject",
        "--reason",
        "FAQ first",
        "--as",
        "bob@example.com",
        "--format",
        "json",
    )
    assert code == 0
    step = {s["id"]: s for s in json.loads(out)["steps"]}["approve"]
    assert (step["status"], step["outcome"], step["reason"]) == ("open", "rejected", "FAQ first")


def test_depends_on_is_enforced(
    prodops: Callable[..., Any], tmp_path: Path, pay: Any, people: dict[str, Actor]
) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "apiVersion: prodops/v1\nkind: Playbook\nmetadata: {slug: two}\nspec:\n  steps:\n"
        "    - {id: a, title: A, assignee: run_lead}\n"
        "    - {id: b, title: B, assignee: run_lead, depends_on: [a]}\n"
    )
    assert prodops("apply", "-f", str(path))[0] == 0
    rid = str(start(prodops, "two", "--product", "pay")["id"])
    code, _, err = prodops("playbooks", "done", rid, "b", "--as", "bob@example.com")
    assert code == 1 and "waits for a" in err
    assert prodops("playbooks", "done", rid, "a", "--as", "bob@example.com")[0] == 0
    assert prodops("playbooks", "done", rid, "b", "--as", "bob@example.com")[0] == 0
    assert prodops("playbooks", "close", rid)[0] == 0


def test_api_run_lead_token_does_the_step_others_get_403(
    applied: Any, pay: Any, client: Any, people: dict[str, Actor]
) -> None:
    from prodops.accounts.services import create_token

    def token(actor: Actor) -> str:
        return "Bearer " + create_token(actor=Actor.cli(), user=actor.user, name="t")[1]

    bob, alice = token(people["bob"]), token(people["alice"])
    r = client.post(
        "/api/v1/playbooks/warranty-exit/runs",
        {"product": "pay"},
        content_type="application/json",
        HTTP_AUTHORIZATION=bob,
    )
    assert r.status_code == 201, r.content
    rid = r.json()["id"]
    listed = client.get("/api/v1/playbook-runs?product=pay&limit=1", HTTP_AUTHORIZATION=bob).json()
    assert (listed["count"], [x["id"] for x in listed["items"]]) == (1, [rid])
    url = f"/api/v1/playbook-runs/{rid}/steps/walkthrough/done"
    r = client.post(url, {"note": "x"}, content_type="application/json", HTTP_AUTHORIZATION=alice)
    assert r.status_code == 403
    r = client.post(url, {"note": 1}, content_type="application/json", HTTP_AUTHORIZATION=bob)
    assert r.status_code == 422
    r = client.post(
        url, {"note": "ok", "who": "alice"}, content_type="application/json", HTTP_AUTHORIZATION=bob
    )
    assert r.status_code == 422  # someone else's name in the body is refused, not ignored
    r = client.post(
        url, {"note": "walked them through"}, content_type="application/json", HTTP_AUTHORIZATION=bob
    )
    assert r.status_code == 200, r.content
    assert {s["id"]: s["status"] for s in r.json()["steps"]}["walkthrough"] == "done"
    r = client.post(f"/api/v1/playbook-runs/{rid}/close", HTTP_AUTHORIZATION=bob)
    assert r.status_code == 409 and "faq" in json.dumps(r.json()["missing"])
    r = client.post(
        f"/api/v1/playbook-runs/{rid}/steps/faq/skip",
        {"reason": ""},
        content_type="application/json",
        HTTP_AUTHORIZATION=token(people["paula"]),
    )
    assert r.status_code == 422


def test_transition_to_warranty_starts_the_triggered_playbook(
    applied: Any,
    make_product: Callable[..., Any],
    people: dict[str, Actor],
    django_capture_on_commit_callbacks: Any,
) -> None:
    from prodops.lifecycle.services import approve_transition, request_transition
    from prodops.playbooks.models import Run
    from prodops.readiness.services import apply_standard

    # A standard with nothing to prove before warranty, so the transition executes.
    apply_standard(
        actor=Actor.cli(),
        slug="lax",
        name="Lax",
        spec={"criteria": [{"id": "owners", "gate": "operate", "rule": "owners.complete"}]},
    )
    product = make_product("shop", stage="pilot", tier=3, standard="lax")
    with django_capture_on_commit_callbacks(execute=True):
        t = request_transition(actor=people["alice"], product=product, to_stage="warranty")
        approve_transition(actor=people["alice"], transition=t)
        approve_transition(actor=people["bob"], transition=t)
    t.refresh_from_db()
    assert t.status == "executed", t.refusal
    run = Run.objects.get(product=product)
    assert (run.playbook.slug, run.trigger) == ("warranty-exit", "transition:warranty")


def test_stats(applied: Any, pay: Any, prodops: Callable[..., Any], people: dict[str, Actor]) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from prodops.playbooks import services
    from prodops.playbooks.models import Run

    a = start(prodops, "warranty-exit", "--product", "pay")
    b = start(prodops, "warranty-exit", "--product", "pay")
    prodops("playbooks", "done", str(a["id"]), "walkthrough", "--as", "bob@example.com")
    prodops("playbooks", "skip", str(a["id"]), "cake", "--as", "paula@example.com")
    # Close a by hand-set dates: started 4 days ago, closed now -> duration 4 days.
    Run.objects.filter(pk=a["id"]).update(
        status="closed", started_at=timezone.now() - timedelta(days=4), closed_at=timezone.now()
    )
    stats = services.playbook_stats(applied)
    assert stats["runs"] == 2 and stats["open"] == 1 and stats["closed"] == 1
    assert stats["median_duration_days"] == pytest.approx(4.0, abs=0.01)
    assert stats["skip_rate"] == pytest.approx(1 / 8)  # one of 2 x 4 steps
    assert stats["steps_on_time"] == 1.0  # walkthrough, due in 3 days, done at once
    assert stats["runs_on_old_versions"] == 0
    assert b["id"] != a["id"]


def test_shipped_playbooks_apply_and_cite_a_source(db: Any) -> None:
    from prodops.playbooks.services import apply_shipped, shipped_documents

    docs = shipped_documents()
    assert {d["metadata"]["slug"] for d in docs} == {
        "handover-kickoff",
        "pilot-launch",
        "warranty-exit",
        "handback",
        "onboarding",
        "sev1-review",
    }
    assert all(d["spec"]["source"].strip() for d in docs)
    assert apply_shipped(actor=Actor.cli()) == ["created"] * 6
    assert apply_shipped(actor=Actor.cli()) == ["unchanged"] * 6


def test_schema_includes_the_playbook_kind(prodops: Callable[..., Any], db: Any) -> None:
    code, out, _ = prodops("schema")
    assert code == 0
    variants = {v["title"]: v for v in json.loads(out)["oneOf"]}
    assert "Playbook" in variants
    assert "$ref" in json.dumps(variants["Playbook"]["properties"]["spec"])


def test_web_checklist_and_edit(
    applied: Any, pay: Any, client: Any, admin_user: Any, prodops: Callable[..., Any]
) -> None:
    run = start(prodops, "warranty-exit", "--product", "pay")
    client.force_login(admin_user)
    page = client.get(f"/playbooks/runs/{run['id']}/")
    assert page.status_code == 200 and b"Walk support through the runbook" in page.content
    assert b"<progress" in page.content
    r = client.post(f"/playbooks/runs/{run['id']}/", {"action": "close"})
    assert r.status_code == 302
    assert show(prodops, run["id"])["status"] == "open"
    r = client.post("/playbooks/warranty-exit/", {"spec": "steps: [{id: x, title: X, due: soon}]"})
    assert r.status_code == 200 and b"spec.steps.0.due" in r.content
    applied.refresh_from_db()
    assert applied.version == 1
    r = client.post("/playbooks/warranty-exit/", {"spec": "steps: [{id: x, title: X, due: 2d}]"})
    assert r.status_code == 302
    applied.refresh_from_db()
    assert applied.version == 2
    assert client.get("/playbooks/").status_code == 200


def test_docs_embed_the_current_json_schema(db: Any) -> None:
    import re

    from prodops.playbooks.services import playbook_json_schema

    doc = (Path(__file__).resolve().parents[2] / "docs" / "playbooks.md").read_text()
    embedded = re.search(r"```json\n(.*?)\n```", doc, re.S)
    assert embedded is not None
    assert json.loads(embedded.group(1)) == playbook_json_schema()
    from prodops.playbooks.spec import StepSpec

    for name in StepSpec.model_fields:
        assert f"`{name}`" in doc, name


@pytest.mark.parametrize(
    ("step", "field"),
    [
        ('{"id": "x", "title": "X", "due": "99999999999d"}', "spec.steps.0.due"),
        ('{"id": "x", "title": "X", "phase": "' + "p" * 65 + '"}', "spec.steps.0.phase"),
        ('{"id": "x", "title": "X\\u0000"}', "spec.steps.0.title"),
        ('{"id": "x", "title": "X", "when": "' + "1 == 1 && " * 300 + 'true"}', "spec.steps.0.when"),
        ('{"id": "x", "title": "X", "kind": "wait_for"}', "spec.steps.0"),
        ('{"id": "x", "title": "X", "assignee": "the boss"}', "spec.steps.0.assignee"),
        ('{"id": "x", "title": "X", "depends_on": ["y"]}', "spec.steps.0.depends_on.0"),
        ('{"id": "x", "title": 7}', "spec.steps.0.title"),
    ],
)
def test_hostile_playbook_over_the_api(step: str, field: str, client: Any, people: dict[str, Actor]) -> None:
    from prodops.accounts.services import create_token
    from prodops.playbooks.models import Playbook

    auth = "Bearer " + create_token(actor=Actor.cli(), user=people["paula"].user, name="t")[1]
    body = '{"name": "P", "spec": {"steps": [' + step + "]}}"
    r = client.put("/api/v1/playbooks/p", body, content_type="application/json", HTTP_AUTHORIZATION=auth)
    assert r.status_code == 422, r.content
    loc = ".".join(str(p) for p in r.json()["detail"][0]["loc"][1:])
    assert loc.startswith(field), (loc, field)
    assert not Playbook.objects.exists()


def test_playbook_managed_by_product_operations_only(client: Any, people: dict[str, Actor]) -> None:
    from prodops.accounts.services import create_token

    body = {"name": "P", "spec": {"steps": [{"id": "x", "title": "X"}]}}
    for who, expected in (("mallory", 403), ("paula", 200)):
        auth = "Bearer " + create_token(actor=Actor.cli(), user=people[who].user, name="t")[1]
        r = client.put("/api/v1/playbooks/p", body, content_type="application/json", HTTP_AUTHORIZATION=auth)
        assert r.status_code == expected, r.content
