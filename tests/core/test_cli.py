import os
import subprocess
import sys

from prodops.cli import main


def test_help_lists_commands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("demo", "serve", "migrate"):
        assert f"  {command} " in out


def test_unknown_command_is_a_usage_error(capsys):
    assert main(["no-such-command"]) == 2
    assert "unknown command 'no-such-command'" in capsys.readouterr().err


def test_console_script_runs_as_a_module():
    result = subprocess.run(
        [sys.executable, "-m", "prodops", "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert result.stdout.strip()


def test_every_prodops_command_has_a_one_line_summary():
    from prodops.cli import SUMMARIES, _commands, _setup

    _setup()
    missing = [
        name
        for name, command in _commands().items()
        if command not in {"createsuperuser", "changepassword"} and name not in SUMMARIES
    ]
    assert missing == []


def test_a_closed_pipe_is_not_a_traceback():
    """`prodops --help | head -1`: the reader leaves early; no traceback on stderr."""
    process = subprocess.Popen(
        [sys.executable, "-m", "prodops", "--help"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.read(10)
    process.stdout.close()  # the reader goes away before the help is written
    err = process.stderr.read().decode()
    process.wait(timeout=60)
    assert "Traceback" not in err


def test_an_unmigrated_database_is_a_clear_error_not_a_traceback(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    result = subprocess.run(
        [sys.executable, "-m", "prodops", "export"], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "run `prodops migrate` first" in result.stderr
    assert "empty.db" in result.stderr
