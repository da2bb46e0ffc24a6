"""A usage error on the command line (a missing argument, an unknown option) prints the
command's usage under its ``prodops`` name and exits 2, never a CommandError traceback."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["alignment"], "the following arguments are required: slug"),
        (["pilot", "observe"], "the following arguments are required: slug, --metric"),
        (["outcomes", "x", "--bogus"], "unrecognized arguments: --bogus"),
        (["apply"], "the following arguments are required: -f/--filename"),
    ],
)
def test_a_usage_error_is_exit_2_with_the_usage(prodops, db, argv, says):
    code, _out, err = prodops(*argv)
    assert code == 2
    assert f"usage: prodops {argv[0]}" in err
    assert says in err
    assert "Traceback" not in err and "CommandError" not in err
