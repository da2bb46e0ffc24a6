"""Hostile input swept through the newer apps' command lines and API (issue 10, item 8):
times outside 1900..2999 (year 1 was stored; an offset past 9999 overflowed with a
traceback), booleans for counts, and dates out of range for ``--as-of``. Each is exit 2
naming the option or file, line and field (422 naming the field over the API), never a
traceback, and nothing is stored."""

from __future__ import annotations

import json

import pytest

from prodops.pilots.models import Observation
from tests.readiness.test_api import client_for


def mapped(err: str) -> bool:
    """The command ended on prodops' own error line (a traceback ends on the exception's).
    Only the last line is read: a request logged by an earlier test in the same worker can
    leave a logging error above it, which is not this command's."""
    return err.rstrip().splitlines()[-1].startswith("prodops ")

OBSERVE = ("pilot", "observe", "shop", "--metric", "checkout-ok", "--successes", "5", "--trials", "10")


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00", "9999-12-31T23:59:59-23:00", "1899-12-31T23:00:00"])
def test_pilot_observe_at_out_of_range_is_exit_2(pilot_product, prodops, at):
    code, _out, err = prodops(*OBSERVE, "--at", at)
    assert code == 2, err
    assert "observed_at" in err and "between 1900 and 2999" in err
    assert mapped(err)
    assert not Observation.objects.exists()


@pytest.mark.parametrize("when", ["0001-01-01", "9999-12-31T23:59:59-23:00"])
def test_pilot_csv_time_out_of_range_names_file_line_and_field(pilot_product, prodops, tmp_path, when):
    path = tmp_path / "obs.csv"
    path.write_text(
        f"metric,successes,trials,observed_at\ncheckout-ok,1,2,2026-11-20\ncheckout-ok,1,2,{when}\n"
    )
    code, _out, err = prodops("pilot", "import", "shop", str(path))
    assert code == 2, err
    assert f"{path}:3: observed_at" in err
    assert mapped(err)
    assert not Observation.objects.exists()


def test_pilot_api_refuses_a_boolean_count_and_a_time_out_of_range(pilot_product, people):
    alice = client_for(people["alice"])
    url = "/api/v1/products/shop/pilot/observations"
    for body, field in [
        ({"metric": "checkout-ok", "successes": True, "trials": 10}, "successes"),
        (
            {"metric": "checkout-ok", "successes": 1, "trials": 10, "observed_at": "0001-01-01T00:00"},
            "observed_at",
        ),
        ({"metric": "checkout-ok", "successes": 1, "trials": 10, "observed_at": 0}, "observed_at"),
    ]:
        r = alice.post(url, json.dumps(body), content_type="application/json")
        assert r.status_code == 422, (body, r.content)
        assert r.json()["detail"][0]["loc"][-1] == field
    assert not Observation.objects.exists()


def test_a_boolean_planned_size_in_a_manifest_is_exit_2(prodops, tmp_path, make_person):
    make_person("alice@example.com")
    make_person("bob@example.com")
    path = tmp_path / "pilot.yaml"
    path.write_text(
        "apiVersion: prodops/v1\nkind: Product\nmetadata: {slug: shop, name: Shop}\nspec:\n"
        "  owners: {build_lead: alice@example.com, run_lead: bob@example.com}\n"
        "  pilot:\n    start: 2026-11-01\n    cohorts:\n"
        "      - {name: staff, kind: internal, planned_size: true}\n"
    )
    code, _out, err = prodops("apply", "-f", str(path))
    assert code == 2, err
    assert f"{path}:9:" in err and "spec.pilot.cohorts.0.planned_size: must be a whole number" in err


@pytest.mark.parametrize("as_of", ["0001-01-01", "2026-13-45", "0"])
def test_outcomes_as_of_out_of_range_is_exit_2(pilot_product, prodops, as_of):
    code, _out, err = prodops("outcomes", "shop", "--as-of", as_of)
    assert code == 2, err
    assert err.startswith("prodops outcomes: --as-of: ")
    assert mapped(err)


def test_outcomes_api_as_of_out_of_range_is_a_422(pilot_product, people):
    r = client_for(people["alice"]).get("/api/v1/products/shop/outcomes?as_of=0001-01-01")
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["query", "as_of"]


@pytest.mark.parametrize("args", [["--window", "14d", "--as-of", "0001-01-01"], ["--as-of", "9999-12-31"]])
def test_dora_as_of_out_of_range_is_exit_2(pilot_product, prodops, args):
    code, _out, err = prodops("dora", "shop", *args)
    assert code == 2, err
    assert "--as-of" in err and mapped(err)


def test_campaign_target_out_of_range_is_exit_2(db, prodops):
    code, _out, err = prodops("campaigns", "launch", "c1", "--name", "C", "--target", "0001-01-01")
    assert code == 2, err
    assert "target" in err and "between 1900 and 2999" in err


@pytest.mark.parametrize("window", ["99999999999999d", "36501d"])
def test_a_window_too_long_for_dates_is_a_422_not_a_500(pilot_product, people, window):
    r = client_for(people["alice"]).get(f"/api/v1/products/shop/dora?window={window}")
    assert r.status_code == 422, r.content
    assert r.json()["detail"][0]["loc"] == ["query", "window"]


@pytest.mark.parametrize("window", ["99999999999999d", "36501d"])
def test_a_window_too_long_for_dates_is_exit_2(pilot_product, prodops, window):
    code, _out, err = prodops("dora", "shop", "--window", window)
    assert code == 2 and "longer than 36500 days" in err and mapped(err)
