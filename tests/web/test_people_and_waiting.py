"""People and teams pages, inviting a named person to sign in, "waiting on me", and
the team-load page of product operations."""

from __future__ import annotations

import re
from datetime import timedelta

from django.core import mail
from django.utils import timezone

from prodops.audit.models import AuditEntry
from prodops.catalog.models import Person, Team


def test_product_operations_create_and_edit_people_and_teams(client, personas):
    client.force_login(personas["olga"])
    assert "New person" in client.get("/people/").content.decode()
    r = client.post("/people/new/", {"email": "Erin@Example.com", "name": "Erin"})
    assert r.status_code == 302
    erin = Person.objects.get(email="erin@example.com")
    r = client.post(
        "/teams/new/",
        {
            "slug": "pay-ops",
            "name": "Payments ops",
            "kind": "run",
            "capacity_hours_per_week": "40",
            "members": "erin@example.com\ncarol@example.com",
        },
    )
    assert r.status_code == 302
    team = Team.objects.get(slug="pay-ops")
    assert sorted(m.email for m in team.members.all()) == ["carol@example.com", "erin@example.com"]
    r = client.post(
        "/teams/pay-ops/edit/",
        {
            "name": "Payments operations",
            "kind": "run",
            "capacity_hours_per_week": "60",
            "members": "erin@example.com",
        },
    )
    assert r.status_code == 302
    team.refresh_from_db()
    assert (team.name, team.capacity_hours_per_week, [m.email for m in team.members.all()]) == (
        "Payments operations",
        60,
        ["erin@example.com"],
    )
    r = client.post(f"/people/{erin.pk}/edit/", {"name": "Erin Example"})
    assert r.status_code == 302
    erin.refresh_from_db()
    assert erin.name == "Erin Example"
    # an unknown member is refused beside the members field, and nothing changes
    r = client.post(
        "/teams/pay-ops/edit/",
        {"name": "X", "kind": "run", "capacity_hours_per_week": "1", "members": "ghost@example.com"},
    )
    assert r.status_code == 400 and 'id="id_members_errors"' in r.content.decode()
    team.refresh_from_db()
    assert team.name == "Payments operations"
    assert {"team.created", "team.updated", "person.created", "person.updated"} <= set(
        AuditEntry.objects.values_list("action", flat=True)
    )
    # the lists show them to everyone; only product operations get the buttons
    client.force_login(personas["dave"])
    page = client.get("/teams/").content.decode()
    assert "Payments operations" in page and "New team" not in page
    assert client.get("/teams/new/").status_code == 403
    assert client.post("/people/new/", {"email": "x@example.com"}).status_code == 403
    assert not Person.objects.filter(email="x@example.com").exists()


def test_a_lead_invites_the_other_lead_with_a_one_time_link(client, personas, make_person, make_product):
    make_person("rex@example.com", "Rex")
    make_product("ledger", name="Ledger", run_lead=Person.objects.get(email="rex@example.com"))
    client.force_login(personas["alice"])
    page = client.get("/products/ledger/").content.decode()
    assert "Invite to sign in: Rex" in page
    r = client.post("/people/invite/", {"email": "rex@example.com", "product": "ledger"})
    assert r.status_code == 200
    link = re.search(r'data-testid="invite-link">([^<]+)<', r.content.decode()).group(1)
    assert "/accounts/reset/" in link
    assert mail.outbox and link in mail.outbox[0].body and mail.outbox[0].to == ["rex@example.com"]
    assert AuditEntry.objects.filter(action="person.invite", actor="alice@example.com").exists()
    # the link sets a password once
    client.logout()
    path = link.split("testserver", 1)[-1]
    r = client.get(path, follow=True)
    form_url = r.redirect_chain[-1][0] if r.redirect_chain else path
    r = client.post(form_url, {"new_password1": "a-fresh-pass-8421", "new_password2": "a-fresh-pass-8421"})
    assert r.status_code == 302
    assert client.login(username="rex@example.com", password="a-fresh-pass-8421")
    client.logout()
    used = client.get(path)
    assert used.status_code == 200 and used.context["validlink"] is False  # one time only
    # a lead cannot invite someone not named on their product
    make_person("stranger@example.com")
    client.force_login(personas["alice"])
    r = client.post("/people/invite/", {"email": "stranger@example.com", "product": "ledger"}, follow=True)
    assert "not a lead or team member" in r.content.decode()
    # and a member without a product of their own cannot invite at all
    client.force_login(personas["carol"])
    assert (
        client.post("/people/invite/", {"email": "rex@example.com", "product": "ledger"}).status_code == 403
    )


def test_waiting_on_me_lists_approvals_waivers_documents_and_signoffs(client, personas, make_product, actor):
    from prodops.knowledge import services as knowledge
    from prodops.lifecycle.models import Transition
    from prodops.readiness.models import Waiver

    team = Team.objects.create(slug="pay-ops", name="Payments ops", kind="run")
    team.members.set(Person.objects.filter(email="bob@example.com"))
    product = make_product("payments-api", name="Payments API", stage="build", run_team=team)
    now = timezone.now()
    Transition.objects.create(
        product=product,
        from_stage="build",
        to_stage="pilot",
        kind="advance",
        requested_by="alice@example.com",
        requested_at=now,
    )
    Waiver.objects.create(
        product=product,
        criterion="slo-defined",
        reason="later",
        expires_at=now + timedelta(days=9),
        created_by="alice@example.com",
        created_at=now,
        build_lead_signed_by="alice@example.com",
        build_lead_signed_at=now,
    )
    knowledge.create_document(
        actor=actor,
        product=product,
        kind="runbook",
        title="Old runbook",
        url="https://x.example/r",
        owner_email="bob@example.com",
    )
    client.force_login(personas["bob"])
    page = client.get("/waiting/").content.decode()
    assert "Payments API: build → pilot" in page
    assert "waiver of slo-defined" in page
    assert "Old runbook" in page
    assert "I can support this" in page
    # the top bar counts them (loaded after the page): an approval, a waiver, a document, a sign-off
    assert re.search(r'aria-label="4 waiting">4<', client.get("/waiting/count/").content.decode())
    # alice has signed the waiver already: only the approval waits on her
    client.force_login(personas["alice"])
    page = client.get("/waiting/").content.decode()
    assert "build → pilot" in page and "waiver of slo-defined" not in page


def test_team_load_shows_a_team_above_the_line(client, personas, make_product, actor):
    from prodops.knowledge import services as knowledge

    busy = Team.objects.create(slug="busy-ops", name="Busy ops", kind="run", capacity_hours_per_week=10)
    calm = Team.objects.create(slug="calm-ops", name="Calm ops", kind="run", capacity_hours_per_week=40)
    a = make_product("a", run_team=busy, stage="warranty")
    b = make_product("b", run_team=calm, stage="operate")
    knowledge.set_support_estimate(actor=actor, product=a, hours_per_week=9.5)
    knowledge.set_support_estimate(actor=actor, product=b, hours_per_week=10)
    client.force_login(personas["olga"])
    page = client.get("/team-load/").content.decode()
    assert '<g data-team="Busy ops" data-over="true">' in page
    assert '<g data-team="Calm ops" data-over="false">' in page
    assert "95%" in page and "25%" in page and "85% limit" in page
    assert "Portfolio (median product)" in page


def test_team_load_with_no_products_yet(client, personas):
    client.force_login(personas["olga"])
    page = client.get("/team-load/").content.decode()
    assert "No run teams yet." in page and "No product in pilot, warranty or operate." in page
