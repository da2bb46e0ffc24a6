"""The process-metrics page (server-drawn SVG), a retrospective's page and its forms."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from prodops.improvement.models import ActionItem, Retrospective
from prodops.lifecycle.models import Transition


def test_metrics_page_retrospective_forms_and_overdue(client, personas, make_product):
    product = make_product("shop", stage="pilot")
    now = timezone.now()
    Transition.objects.create(
        product=product,
        from_stage="pilot",
        to_stage="warranty",
        kind="advance",
        status="executed",
        requested_by="alice@example.com",
        requested_at=now,
        decided_at=now,
        snapshot={"criteria": []},
    )
    retro = Retrospective.objects.get(product=product)
    client.force_login(personas["alice"])
    r = client.post(f"/retrospectives/{retro.pk}/notes/", {"went_well": "", "hold": "on"})
    assert r.status_code in {409, 422}
    r = client.post(
        f"/retrospectives/{retro.pk}/notes/",
        {"went_well": "early training", "run_team_rating": "4", "hold": "on"},
    )
    assert r.status_code == 302
    retro.refresh_from_db()
    assert retro.status == "held" and retro.run_team_rating == 4
    due = (date.today() - timedelta(days=1)).isoformat()
    r = client.post(
        f"/retrospectives/{retro.pk}/actions/",
        {"title": "Rehearse rollback", "owner": "carol@example.com", "due": due},
    )
    assert r.status_code == 302
    item = ActionItem.objects.get()
    client.force_login(personas["carol"])
    page = client.get("/improvement/").content.decode()
    assert "Your overdue action items" in page and "Rehearse rollback" in page
    assert "<svg" in page and "Time in stage" in page
    client.force_login(personas["alice"])
    client.post(f"/action-items/{item.pk}/status/", {"status": "not_doing"})
    item.refresh_from_db()
    assert item.status == "open"  # refused without a reason
    client.post(f"/action-items/{item.pk}/status/", {"status": "done"})
    item.refresh_from_db()
    assert item.status == "done"
    assert client.get(f"/retrospectives/{retro.pk}/").status_code == 200
    assert "After warranty" in client.get("/products/shop/retrospectives/").content.decode()
    client.force_login(personas["dave"])
    assert client.post(f"/retrospectives/{retro.pk}/notes/", {"went_well": "x"}).status_code == 403
