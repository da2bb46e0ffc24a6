"""Product operations edit a channel's product selector in the web form with the four
fields the manifest kind has: tags, teams, tiers and stages."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model

from prodops.accounts.models import UserRole
from prodops.core.actors import Actor
from prodops.core.errors import InvalidInput
from prodops.notifications import services
from prodops.notifications.models import Channel, Delivery

FORM = {
    "slug": "ops",
    "name": "Ops room",
    "type": "slack",
    "url": "https://hooks.example.com/ops",
    "events": ["gate.ready"],
}


@pytest.fixture
def ops(client, db):
    user = get_user_model().objects.create_user("olga", "olga@example.com", "pw")
    UserRole.objects.create(user=user, role="product_ops")
    client.force_login(user)
    return client


def ticked(html: str, name: str) -> set[str]:
    """The values of the checkboxes named ``name`` that are checked."""
    return {
        m.group(1)
        for m in re.finditer(rf'<input type="checkbox" name="{name}" value="([^"]*)"[^>]*\bchecked\b', html)
    }


def test_the_form_offers_tags_teams_tiers_and_stages(ops):
    html = ops.get("/notifications/channels/new/").content.decode()
    for name in ("tags", "teams"):
        assert f'name="{name}"' in html
    for tier in range(1, 5):
        assert f'name="tiers" value="{tier}"' in html
    for stage in ("plan", "build", "pilot", "warranty", "operate", "retire"):
        assert f'name="stages" value="{stage}"' in html


def test_tiers_and_stages_are_saved_shown_and_edited(ops, make_product):
    make_product("ledger", stage="hypercare")  # a stage of a standard of its own is offered too
    response = ops.post(
        "/notifications/channels/new/",
        {**FORM, "tags": "payments", "teams": "", "tiers": ["1", "2"], "stages": ["operate", "hypercare"]},
    )
    assert response.status_code == 302, response.content.decode()
    channel = Channel.objects.get(slug="ops")
    assert channel.products == {"tags": ["payments"], "tiers": [1, 2], "stages": ["operate", "hypercare"]}

    listing = ops.get("/notifications/channels/").content.decode()
    assert "tags: payments; tiers: 1, 2; stages: operate, hypercare" in listing

    edit = ops.get("/notifications/channels/ops/").content.decode()
    assert ticked(edit, "tiers") == {"1", "2"}
    assert ticked(edit, "stages") == {"operate", "hypercare"}

    # Untick everything but tier 3: the other fields are dropped from the selector.
    response = ops.post("/notifications/channels/ops/", {**FORM, "tiers": ["3"]})
    assert response.status_code == 302, response.content.decode()
    channel.refresh_from_db()
    assert channel.products == {"tiers": [3]}


def test_a_stage_only_a_manifest_named_stays_offered_when_editing(ops):
    services.save_channel(
        actor=Actor.cli(),
        data=services.ChannelData(
            slug="ops",
            name="Ops",
            type="slack",
            url="https://hooks.example.com/ops",
            secret={},
            events=["gate.ready"],
            products={"stages": ["sunset"]},
        ),
    )
    edit = ops.get("/notifications/channels/ops/").content.decode()
    assert ticked(edit, "stages") == {"sunset"}


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"tiers": ["9"]}, "Select a valid choice"),
        ({"tiers": ["one"]}, "Select a valid choice"),
        ({"stages": ["nowhere"]}, "Select a valid choice"),
    ],
)
def test_a_bad_selector_is_refused_by_the_form(ops, change, error):
    response = ops.post("/notifications/channels/new/", {**FORM, **change})
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Channel.objects.exists()


@pytest.mark.parametrize(
    ("products", "field"),
    [
        ({"tiers": [0]}, "products.tiers.0"),
        ({"tiers": [True]}, "products.tiers.0"),
        ({"tiers": ["1"]}, "products.tiers.0"),
        ({"stages": ["ok", "bad\x00"]}, "products.stages.1"),
        ({"tags": "payments"}, "products.tags"),
        ({"owners": ["x"]}, "products.owners"),
    ],
)
def test_the_service_refuses_a_bad_selector_whatever_the_door(db, products, field):
    data = services.ChannelData(
        slug="ops",
        name="Ops",
        type="slack",
        url="https://hooks.example.com/ops",
        secret={},
        events=["gate.ready"],
        products=products,
    )
    with pytest.raises(InvalidInput) as refused:
        services.save_channel(actor=Actor.cli(), data=data)
    assert refused.value.field == field
    assert not Channel.objects.exists()


def test_a_channel_hears_only_of_the_tiers_and_stages_it_selects(db, make_product):
    services.save_channel(
        actor=Actor.cli(),
        data=services.ChannelData(
            slug="critical",
            name="Critical in operation",
            type="slack",
            url="https://hooks.example.com/critical",
            secret={},
            events=["gate.ready"],
            products={"tiers": [1], "stages": ["operate"]},
        ),
    )
    cases = {
        make_product("a", tier=1, stage="operate"): True,
        make_product("b", tier=2, stage="operate"): False,
        make_product("c", tier=1, stage="build"): False,
    }
    for product in cases:
        services.notify(event="gate.ready", product=product, actor=Actor.task("test"), subject={"gate": "x"})
    heard = set(
        Delivery.objects.filter(channel__slug="critical").values_list(
            "notification__product__slug", flat=True
        )
    )
    assert heard == {p.slug for p, expected in cases.items() if expected}
