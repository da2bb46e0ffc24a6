"""Known-error search ranks the best match first, on SQLite (FTS5, bm25) and on
PostgreSQL (tsvector, ts_rank): the test suite runs on both databases."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from prodops.risks import services


@pytest.fixture
def catalogue(make_product, actor):
    pay = make_product("payments-api")
    ledger = make_product("ledger")

    def ke(product, title, symptom, workaround="", cause=""):
        return services.create_known_error(
            actor=actor, product=product, title=title, symptom=symptom, cause=cause, workaround=workaround
        )

    best = ke(
        pay,
        "Checkout timeout",
        "Card payments time out at checkout after 30 seconds",
        workaround="Retry; the payment is idempotent",
    )
    partial = ke(
        pay,
        "Slow reports",
        "Monthly report takes minutes to load",
        cause="Missing index; payments table scanned",
    )
    ke(pay, "Login loop", "Users are sent back to the login page", workaround="Clear cookies")
    other = ke(ledger, "Ledger payments timeout", "Ledger payments time out during nightly close")
    return {"best": best, "partial": partial, "other": other, "pay": pay, "ledger": ledger}


def test_best_symptom_match_ranks_first(catalogue):
    hits = services.search_known_errors(text="card payments time out at checkout", product=catalogue["pay"])
    ids = [ke.id for ke, _ in hits]
    assert connection.vendor in {"sqlite", "postgresql"}
    assert ids[0] == catalogue["best"].id
    # "payments" also appears in the slow-report error's cause: found, but ranked lower.
    assert catalogue["partial"].id in ids
    assert ids.index(catalogue["partial"].id) > 0
    relevances = [rank for _, rank in hits]
    assert relevances == sorted(relevances, reverse=True)
    assert all(rank > 0 for rank in relevances)


def test_search_stems_words_and_scopes_by_product(catalogue):
    # "timeouts" stems to "timeout" (porter on SQLite, the english config on PostgreSQL).
    everywhere = services.search_known_errors(text="timeouts")
    assert {ke.id for ke, _ in everywhere} == {catalogue["best"].id, catalogue["other"].id}
    scoped = services.search_known_errors(text="timeouts", product=catalogue["ledger"])
    assert [ke.id for ke, _ in scoped] == [catalogue["other"].id]


def test_search_follows_updates_and_deletes(catalogue, actor):
    assert services.search_known_errors(text="cookies")
    login = services.search_known_errors(text="cookies")[0][0]
    services.update_known_error(actor=actor, known_error=login, workaround="Use a private window")
    assert services.search_known_errors(text="cookies") == []
    services.delete_known_error(actor=actor, known_error=catalogue["best"])
    assert catalogue["best"].id not in [ke.id for ke, _ in services.search_known_errors(text="checkout")]


def test_query_syntax_is_treated_as_words(catalogue):
    # FTS5 and tsquery operators in user text must not raise.
    for text in ['"unbalanced', "NEAR(payments", "payments* OR ^login", "a:b & !c | (d", "   ", "!!!"]:
        services.search_known_errors(text=text)


def test_cli_and_api_search(catalogue, capsys, api):
    call_command("known_errors", "search", "payments time out at checkout", "--product", "payments-api")
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith(f"KE-{catalogue['best'].id}  payments-api  Checkout timeout")
    assert "Retry; the payment is idempotent" in out
    with pytest.raises(CommandError) as err:
        call_command("known_errors", "search", "timeout", "--product", "nope")
    assert err.value.returncode == 2
    response = api.get("/api/v1/known-errors/search", {"q": "checkout timeout", "product": "payments-api"})
    assert response.status_code == 200
    assert response.json()["items"][0]["id"] == catalogue["best"].id
    assert api.get("/api/v1/known-errors/search", {"q": "x", "product": "nope"}).status_code == 404


def test_search_page(catalogue, client, django_user_model):
    url = "/known-errors/"
    assert client.get(url, {"q": "checkout"}).status_code in {302, 401, 403}
    client.force_login(django_user_model.objects.create_user(username="carol", email="carol@example.com"))
    page = client.get(
        url, {"q": "card payments time out at checkout", "product": "payments-api"}
    ).content.decode()
    assert page.index("Checkout timeout") < page.index("Slow reports")
    assert "Ledger payments timeout" not in page
    assert "No product with slug" in client.get(url, {"q": "timeout", "product": "nope"}).content.decode()


def test_the_known_errors_page_lists_and_filters_without_a_search(catalogue, client, django_user_model):
    from prodops.risks.models import KnownError

    KnownError.objects.filter(pk=catalogue["partial"].pk).update(status="resolved")
    client.force_login(django_user_model.objects.create_user(username="carol", email="carol@example.com"))

    def titles(**params):
        page = client.get("/known-errors/", params).content.decode()
        return sorted(
            t
            for t in ("Checkout timeout", "Slow reports", "Login loop", "Ledger payments timeout")
            if t in page
        )

    assert titles() == ["Checkout timeout", "Ledger payments timeout", "Login loop", "Slow reports"]
    assert titles(product="ledger") == ["Ledger payments timeout"]
    assert titles(status="resolved") == ["Slow reports"]
    assert titles(workaround="without") == ["Ledger payments timeout", "Slow reports"]
    assert titles(product="payments-api", status="open", workaround="with") == [
        "Checkout timeout",
        "Login loop",
    ]
    # the filters apply to a search too; product names link to their product
    assert titles(q="timeout", workaround="without") == ["Ledger payments timeout"]
    page = client.get("/known-errors/", {"product": "ledger"}).content.decode()
    assert 'href="/products/ledger/#section-known-errors"' in page
