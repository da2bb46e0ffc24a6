"""Customer outcomes on a small fixed history, hand-computed, with every window boundary.

As-of day d = 2026-03-31. Users and their active days (offsets from d):

    A: -60, -30, 0        B: -57, -27           C: -30, -29, -10      D: -28, -27, -21
    E: -7                 F: -6, 0              G: -1, 0              H: -35, -28
    I: -34, -27           K: -30                J: +1 (after d: ignored)

DAU = A, F, G = 3.  WAU [d-6, d] = A, F, G = 3 (E at d-7 is out).
MAU [d-29, d] = A B C D E F G H I = 9 (K, only at d-30, is out).
Stickiness: user-days in [d-29, d] = 1+1+2+3+1+2+2+1+1 = 14, mean DAU 14/30, / 9 = 0.0519.
Day-1 cohort, first day in [d-28, d-1]: D, E, F, G; on c+1: D, G = 0.5; on or after c+1:
D, F, G = 0.75. Day-7 cohort [d-34, d-7]: C, D, E, I, K (H at d-35 is out); on c+7: D, I
= 0.4; on or after c+7: C, D, I = 0.6. Day-30 cohort [d-57, d-30]: B, C, H, I, K (A at
d-60 is out); on c+30: B = 0.2; on or after: B = 0.2.
Mean WAU over [d-27, d]: per user the days x in [d-27, d] with activity in [x-6, x]:
A 5, B 7, C 12, D 13, E 7, F 7, G 2, H 6, I 7, K 4 = 70, / 28 = 2.5.
Tickets opened in [d-27 00:00, d+1 00:00): two (at d-27 00:00 and d 23:59:59; those at
d-28 23:59:59 and d+1 00:00 are out): 2 / 2.5 x 100 = 80.
CSAT: rated in the window good, bad, good (a ticket opened at d-40 rated at d-3); the
good rating at d-28 23:59 is out: 2 / 3 = 0.6667.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
from datetime import UTC, date, datetime, timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from prodops.core.facts import compute
from prodops.events import userkeys
from prodops.events.models import ActiveUserDay, Ticket, Usage
from prodops.outcomes import services
from prodops.outcomes.definitions import reference

AS_OF = date(2026, 3, 31)
D = userkeys.day_number(AS_OF)
HISTORY = {
    "A": [-60, -30, 0],
    "B": [-57, -27],
    "C": [-30, -29, -10],
    "D": [-28, -27, -21],
    "E": [-7],
    "F": [-6, 0],
    "G": [-1, 0],
    "H": [-35, -28],
    "I": [-34, -27],
    "K": [-30],
    "J": [1],
}


def _at(offset_days: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime.combine(AS_OF + timedelta(days=offset_days), datetime.min.time(), tzinfo=UTC).replace(
        hour=hh, minute=mm, second=ss
    )


def _events(slug: str, history: dict[str, list[int]]) -> list[dict]:
    return [
        {"type": "usage", "product": slug, "date": (AS_OF + timedelta(days=o)).isoformat(), "user": user}
        for user, offsets in history.items()
        for o in offsets
    ]


def _ingest(lines: list[dict]) -> None:
    from prodops.core.actors import Actor
    from prodops.events import services as events
    from prodops.events.formats import parse_rows

    records, errors = parse_rows(enumerate(lines, start=1))
    assert not errors, errors
    events.ingest(records=records, actor=Actor.cli("tests"))


@pytest.fixture
def shop(make_product):
    product = make_product("shop")
    _ingest(_events("shop", HISTORY))

    def ticket(tid, opened, rating="", rated=None):
        Ticket.objects.create(
            product=product, external_id=tid, opened_at=opened, rating=rating, rated_at=rated
        )

    ticket("t1", _at(-27), "good", _at(-27))
    ticket("t2", _at(0, 23, 59, 59), "bad", _at(0, 12))
    ticket("t3", _at(-28, 23, 59, 59), "good", _at(-28, 23, 59))
    ticket("t4", _at(1))
    ticket("t5", _at(-40), "good", _at(-3))
    return product


def test_every_definition_hand_computed(shop):
    data = services.outcomes(shop, AS_OF)
    assert data["source"] == "user events"
    assert (data["dau"], data["wau"], data["mau"]) == (3, 3, 9)
    assert data["stickiness"] == round(14 / 30 / 9, 4)
    assert data["retention"] == {"d1": 0.5, "d7": 0.4, "d30": 0.2}
    assert data["retention_unbounded"] == {"d1": 0.75, "d7": 0.6, "d30": 0.2}
    assert data["mean_wau_28"] == 2.5
    assert data["tickets_opened_28"] == 2
    assert data["tickets_per_100_wau"] == 80.0
    assert data["csat"] == round(2 / 3, 4)
    assert data["reasons"] == {}
    assert set(data) >= {
        "product", "as_of", "dau", "wau", "mau", "stickiness", "retention", "retention_unbounded",
        "cohorts", "tickets_per_100_wau", "csat", "definitions",
    }  # fmt: skip


def test_weekly_cohorts_hand_computed(shop):
    cohorts = services.outcomes(shop, AS_OF)["cohorts"]
    assert len(cohorts) == 12
    assert cohorts[0]["week_start"] == (AS_OF - timedelta(days=83)).isoformat()
    assert cohorts[-1]["week_start"] == (AS_OF - timedelta(days=6)).isoformat()
    # Week 3 (first days d-62..d-56): A (weeks 3, 7, 11) and B (weeks 3, 8).
    assert cohorts[3]["size"] == 2
    assert cohorts[3]["retention"] == [1.0, 0.0, 0.0, 0.0, 0.5, 0.5, 0.0, 0.0, 0.5]
    # Week 6: H (weeks 6, 7). Week 7: C (7, 7, 10), K (7), I (7, 8), D (7, 8, 8).
    assert cohorts[6]["retention"] == [1.0, 1.0, 0.0, 0.0, 0.0, 0.0]
    assert cohorts[7]["size"] == 4
    assert cohorts[7]["retention"] == [1.0, 0.5, 0.0, 0.25, 0.0]
    # Week 0 has nobody: every cell is unknown, not 0.
    assert cohorts[0]["size"] == 0 and set(cohorts[0]["retention"]) == {None}
    assert [len(c["retention"]) for c in cohorts] == list(range(12, 0, -1))


def test_database_matches_the_reference_on_random_histories(make_product):
    rng = random.Random(14)
    for trial in range(3):
        slug = f"rand-{trial}"
        make_product(slug)
        history: dict[str, list[int]] = {}
        for user in range(60):
            start = rng.randint(-120, 0)
            history[f"u{user}"] = sorted(
                {min(0, start + rng.randint(0, 40)) for _ in range(rng.randint(1, 12))} | {start}
            )
        _ingest(_events(slug, history))
        product = __import__("prodops.catalog.models", fromlist=["Product"]).Product.objects.get(slug=slug)
        data = services.outcomes(product, AS_OF)
        ref = reference(((u, D + o) for u, offs in history.items() for o in offs), D)
        assert (data["dau"], data["wau"], data["mau"]) == (ref.dau, ref.wau, ref.mau)
        assert data["stickiness"] == round(ref.stickiness, 4)
        for n in (1, 7, 30):
            expected = ref.retention[n]
            assert data["retention"][f"d{n}"] == (None if expected is None else round(expected, 4))
            unbounded = ref.retention_unbounded[n]
            assert data["retention_unbounded"][f"d{n}"] == (
                None if unbounded is None else round(unbounded, 4)
            )
        assert data["mean_wau_28"] == round(ref.mean_wau, 4)
        for got, want in zip(data["cohorts"], ref.cohorts, strict=True):
            assert got["size"] == want.size
            assert got["retention"] == [None if v is None else round(v, 4) for v in want.retention]


def test_aggregated_only_gives_dau_and_null_with_reason(make_product):
    product = make_product("legacy")
    Usage.objects.create(product=product, date=AS_OF, active_users=420)
    Usage.objects.create(product=product, date=AS_OF - timedelta(days=1), active_users=400)
    data = services.outcomes(product, AS_OF)
    assert data["source"] == "active_users totals"
    assert data["dau"] == 420
    for key in ("wau", "mau", "stickiness", "tickets_per_100_wau"):
        assert data[key] is None
        assert "only DAU" in data["reasons"][key] or "WAU is unknown" in data["reasons"][key]
    assert data["retention"] == {"d1": None, "d7": None, "d30": None}
    assert "retention" in data["reasons"] and data["cohorts"] == []
    # A day without a total: DAU unknown too, and said so.
    later = services.outcomes(product, AS_OF + timedelta(days=1))
    assert later["dau"] is None and "no active_users total" in later["reasons"]["dau"]


def test_no_data_is_null_never_zero(make_product):
    product = make_product("empty")
    data = services.outcomes(product, AS_OF)
    for key in ("dau", "wau", "mau", "stickiness", "tickets_per_100_wau", "csat"):
        assert data[key] is None and data["reasons"][key]


def test_user_keys_are_hashed_with_the_installation_secret(make_product):
    make_product("shop")
    raw = "visitor-8731@shop.example"
    _ingest([{"type": "usage", "product": "shop", "date": "2026-03-01", "user": raw}])
    stored = ActiveUserDay.objects.get().user_key
    assert stored == userkeys.user_key(raw, settings.PRODOPS_USAGE_SECRET)
    # Not any unkeyed hash of the raw key (those can be reversed by trying candidates).
    for algorithm in ("md5", "sha1", "sha256", "sha512", "blake2b", "sha3_256"):
        digest = hashlib.new(algorithm, raw.encode()).digest()
        assert stored not in (
            int.from_bytes(digest[:8], "big", signed=True),
            int.from_bytes(digest[-8:], "big", signed=True),
        )
    # Another installation (another secret) stores another value for the same key.
    with override_settings(PRODOPS_USAGE_SECRET="another installation"):
        make_product("other")
        _ingest([{"type": "usage", "product": "other", "date": "2026-03-01", "user": raw}])
    assert ActiveUserDay.objects.get(product__slug="other").user_key != stored
    # The raw key is stored nowhere (not in the rows, the batch, nor the audit log).
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    assert raw not in dump.getvalue()


def test_first_day_is_the_earliest_whatever_the_order_of_arrival(make_product):
    from prodops.events.models import ActiveUser

    make_product("shop")
    _ingest([{"type": "usage", "product": "shop", "date": "2026-03-20", "user": "u1"}])
    _ingest([{"type": "usage", "product": "shop", "date": "2026-03-01", "user": "u1"}])
    _ingest([{"type": "usage", "product": "shop", "date": "2026-03-25", "user": "u1"}])
    assert ActiveUser.objects.get().first_day == userkeys.day_number(date(2026, 3, 1))


def test_resending_the_same_user_day_counts_once(make_product):
    make_product("shop")
    line = {"type": "usage", "product": "shop", "date": "2026-03-01", "user": "u1", "id": "e1"}
    _ingest([line, {**line, "id": "e2"}])
    _ingest([line])
    assert ActiveUserDay.objects.count() == 1


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"type": "usage", "product": "shop", "date": "2026-03-01"}, "active_users"),
        ({"type": "usage", "product": "shop", "date": "2026-03-01", "user": "u", "active_users": 3}, "user"),
        ({"type": "usage", "product": "shop", "date": "2026-03-01", "user": "a\x00b"}, "user"),
        ({"type": "usage", "product": "shop", "date": "2026-03-01", "user": True}, "user"),
        (
            {
                "type": "ticket",
                "product": "shop",
                "id": "t",
                "opened_at": "2026-03-01T00:00:00Z",
                "rating": "meh",
            },
            "rating",
        ),
    ],
)
def test_bad_usage_and_rating_lines_name_the_field(line, field):
    from prodops.events.formats import parse_rows

    _, errors = parse_rows([(1, line)])
    assert [e.field for e in errors] == [field]


def test_csv_import_with_user_column_and_cli(make_product, prodops, tmp_path):
    make_product("shop")
    path = tmp_path / "usage.csv"
    path.write_text(
        "type,product,date,user,id\nusage,shop,2026-03-30,u1,\nusage,shop,2026-03-31,u1,x\nusage,shop,2026-03-31,u2,\n"
    )
    code, out, err = prodops("events", "import", str(path))
    assert code == 0, err
    assert "u1" not in json.dumps(list(ActiveUserDay.objects.values()))
    code, out, _ = prodops("outcomes", "shop", "--as-of", "2026-03-31", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert (data["dau"], data["wau"], data["mau"]) == (2, 2, 2)
    assert data["retention"]["d1"] == 1.0  # u1 first on 03-30, back on 03-31
    assert data["csat"] is None and data["reasons"]["csat"]
    code, out, _ = prodops("outcomes", "shop", "--as-of", "2026-03-31")
    assert code == 0 and "DAU" in out and "n/a" in out
    code, _, err = prodops("outcomes", "shop", "--as-of", "31/03/2026")
    assert code == 2 and "--as-of" in err


def test_facts(shop):
    now = _at(0, 12)
    facts = compute([shop.pk], now)[shop.pk]
    assert facts["outcomes.dau"] == 3
    assert facts["outcomes.mau"] == 9
    assert facts["outcomes.retention_d7"] == 0.4
    assert facts["outcomes.retention_d30"] == 0.2
    assert facts["outcomes.tickets_per_100_wau"] == 80.0
    assert facts["outcomes.csat"] == round(2 / 3, 4)


def test_api(shop, client, django_user_model):
    user = django_user_model.objects.create_user("viewer", "v@example.com", "pw")
    client.force_login(user)
    reply = client.get("/api/v1/products/shop/outcomes?as_of=2026-03-31")
    assert reply.status_code == 200
    assert reply.json()["mau"] == 9
    assert client.get("/api/v1/products/nope/outcomes").status_code == 404
    assert timezone.now()  # the default as-of day is today (UTC)
    assert client.get("/api/v1/products/shop/outcomes").status_code == 200


def test_product_panel_shows_outcomes_and_reasons(shop, make_product, client, django_user_model, monkeypatch):
    monkeypatch.setattr(services, "default_as_of", lambda: AS_OF)
    client.force_login(django_user_model.objects.create_user("viewer", "v@example.com", "pw"))
    text = client.get("/products/shop/outcomes/").content.decode()
    assert 'data-testid="cohorts"' in text and "<svg" in text
    assert "3 / 3 / 9" in text
    legacy = make_product("legacy")
    Usage.objects.create(product=legacy, date=AS_OF, active_users=420)
    text = client.get("/products/legacy/outcomes/").content.decode()
    assert "420 / n/a / n/a" in text and "only DAU is known" in text


def test_a_batch_of_products_gives_each_its_own_numbers(shop, make_product):
    other = make_product("other")
    _ingest(_events("other", {"Z": [0], "Y": [-3, 0]}))
    empty = make_product("empty")
    batch = services.outcomes_for([shop.pk, other.pk, empty.pk], AS_OF)
    for product in (shop, other, empty):
        alone = services.outcomes(product, AS_OF)
        assert {"product": product.slug, **batch[product.pk]} == alone
    assert batch[other.pk]["dau"] == 2 and batch[empty.pk]["dau"] is None


def test_batches_of_2_and_40_give_each_product_what_it_gets_alone(shop, make_product):
    """The batch's users, daily totals and tickets come from one prepared query whose
    compiled form depends on the batch's length (up to 16 ids kept, longer ones built
    each time): every product of a batch of 2 and of 40 gets what it gets alone, on two
    as-of days (the second reuses the compiled forms with new values)."""
    products, lines = [shop], []
    for i in range(39):
        product = make_product(f"p{i}")
        products.append(product)
        if i % 3 == 0:  # user events, and daily totals that the user events win over
            lines += _events(product.slug, {"U": [-(i % 10), 0], "V": [-(i % 30)], "W": [-40, -33]})
            Usage.objects.create(product=product, date=AS_OF, active_users=999)
        elif i % 3 == 1:  # daily totals only; every other one lacks the as-of day's
            Usage.objects.create(product=product, date=AS_OF - timedelta(days=i % 2), active_users=10 + i)
        Ticket.objects.create(
            product=product,
            external_id=f"x{i}",
            opened_at=_at(-(i % 40), 23, 59, 59),
            rating="good" if i % 2 else "bad",
            rated_at=_at(-(i % 30)),
        )
    _ingest(lines)
    ids = [p.pk for p in products]
    for as_of in (AS_OF, AS_OF - timedelta(days=5)):
        alone = {pid: services.outcomes_for([pid], as_of)[pid] for pid in ids}
        for batch in (ids[:2], ids[1:3], ids):
            got = services.outcomes_for(batch, as_of)
            assert set(got) == set(batch)
            for pid in batch:
                assert got[pid] == alone[pid], pid
    user_events = services.outcomes(products[1], AS_OF)
    assert user_events["source"] == "user events" and user_events["dau"] == 2
    # Five days earlier only W (at d-33, d-40) was active in the 30 days: the SQL of the
    # user counts is kept per day, never reused for another.
    earlier = services.outcomes(products[1], AS_OF - timedelta(days=5))
    assert (earlier["dau"], earlier["wau"], earlier["mau"]) == (0, 0, 1)
    totals = services.outcomes(products[2], AS_OF)
    assert totals["source"] == "active_users totals" and totals["dau"] is None
    assert services.outcomes(products[5], AS_OF)["dau"] == 14
    assert services.outcomes(products[3], AS_OF)["source"] is None


def test_an_empty_batch_sends_no_query(db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert services.outcomes_for([], AS_OF) == {}
    assert ctx.captured_queries == []
