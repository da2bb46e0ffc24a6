"""`prodops warranty estimate --from-file`: exit codes, messages, JSON shape."""

from __future__ import annotations

import json

import numpy as np
import pytest

from prodops.cli import main
from prodops.warranty.srgm import NO_GROWTH

NTDS = np.cumsum([9, 12, 11, 4, 7, 2, 5, 8, 5, 7, 1, 6, 1, 9, 4, 1, 3, 3, 6, 1, 11, 33, 7, 91, 2, 1])


@pytest.fixture
def csv_file(tmp_path):
    def write(text: str, name: str = "data.csv") -> str:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["warranty", "estimate", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_failure_times_file_reproduces_goel_okumoto_on_ntds(capsys, csv_file):
    path = csv_file("time\n" + "\n".join(str(t) for t in NTDS) + "\n")
    code, out, _ = run(capsys, "--from-file", path, "--model", "go", "--format", "json")
    assert code == 0
    payload = json.loads(out)
    assert {"data", "trend", "models", "selected", "forecast", "views", "verdict"} <= set(payload)
    assert payload["data"] == {"kind": "failure-times", "failures": 26, "observed_until": 250.0}
    (go,) = payload["models"]
    assert go["model"] == "goel-okumoto"
    assert round(go["params"]["a"], 2) == 33.99  # Goel and Okumoto (1979), NTDS data
    assert round(go["params"]["b"], 5) == 0.00579
    assert set(go) == {
        "model",
        "params",
        "stderr",
        "log_likelihood",
        "aic",
        "degenerate",
        "goodness_of_fit",
        "usable",
    }
    assert payload["selected"] == "goel-okumoto"
    assert payload["forecast"]["interval_level"] == 0.9
    assert "delta method" in payload["forecast"]["interval_method"]


def test_all_models_text_report(capsys, csv_file):
    path = csv_file("time\n" + "\n".join(str(t) for t in NTDS) + "\n")
    code, out, _ = run(capsys, "--from-file", path, "--observed-until", "260", "--threshold", "0.05")
    assert code == 0
    for name in ("goel-okumoto", "musa-okumoto", "delayed-s-shaped", "jelinski-moranda"):
        assert name in out
    assert "Laplace trend test" in out
    assert "Selected (smallest AIC among usable models)" in out
    # A file's times have no known unit, so the report names none.
    assert "per unit (threshold 0.05 per unit)" in out
    assert "Probability of no failure in the next 14: " in out


def test_grouped_file(capsys, csv_file):
    path = csv_file("period_end,count\n7,10\n14,7\n21,6\n28,4\n35,3\n42,2\n49,1\n56,1\n")
    code, out, _ = run(capsys, "--from-file", path, "--format", "json")
    assert code == 0
    payload = json.loads(out)
    assert payload["data"]["kind"] == "grouped"
    jm = next(m for m in payload["models"] if m["model"] == "jelinski-moranda")
    assert "failure times" in jm["error"]
    assert payload["selected"] in {"goel-okumoto", "musa-okumoto", "delayed-s-shaped"}


def test_no_growth_exits_1_with_the_plain_message(capsys, csv_file):
    path = csv_file("time\n" + "\n".join(str(t) for t in range(5, 105, 5)) + "\n")
    code, out, _ = run(capsys, "--from-file", path)
    assert code == 1
    assert NO_GROWTH in out
    assert "a = " not in out and "beta0" not in out
    code, out, err = run(capsys, "--from-file", path, "--format", "json")
    assert code == 1
    assert all(m["error"] == NO_GROWTH for m in json.loads(out)["models"])
    assert NO_GROWTH in err


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("time\n1\n-2\n", "line 3, field 'time': negative time"),
        ("time\n5\n3\n", "line 3, field 'time': time 3 is before the previous one"),
        ("time\n1\nabc\n", "line 3, field 'time': 'abc' is not a number"),
        ("", "line 1: the file is empty"),
        ("time\n", "line 2: no data rows"),
        ("period_end,count\n1,2\n2,x\n", "line 3, field 'count': 'x' is not a number"),
        ("period_end,count\n1,2\n1,3\n", "line 3, field 'period_end'"),
        ("when\n1\n", "line 1: the header must name"),
    ],
)
def test_bad_files_exit_2_with_the_line(capsys, csv_file, text, where):
    path = csv_file(text)
    code, out, err = run(capsys, "--from-file", path)
    assert code == 2
    assert where in err
    assert path in err
    assert out == ""


def test_usage_errors_exit_2(capsys, csv_file):
    assert run(capsys)[0] == 2
    path = csv_file("time\n1\n2\n")
    assert run(capsys, "--from-file", path, "--threshold", "0")[0] == 2
    assert run(capsys, "--from-file", path, "--observed-until", "1")[0] == 2
    assert run(capsys, "--from-file", str(path) + ".missing")[0] == 2


def test_help_describes_the_command(capsys):
    assert main(["warranty", "estimate", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--from-file" in out and "--observed-until" in out
