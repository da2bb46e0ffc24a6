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


def test_every_command_help_shows_user_facing_names_and_options_only(prodops):
    """Issue 16: `prodops --help` and each command's help name the command as people type
    it (never `readiness_check` or `import_catalog`) and list its own options, not
    Django's (--settings, --pythonpath, --traceback, ...)."""
    from prodops.cli import _commands

    code, out, _ = prodops("--help")
    assert code == 0 and "readiness_check" not in out and "import_catalog" not in out
    for name in _commands():
        code, out, err = prodops(name, "--help")
        assert code == 0, (name, err)
        assert out.startswith(f"usage: prodops {name} "), (name, out[:80])
        for internal in ("readiness_check", "import_catalog", "--settings", "--pythonpath", "--traceback",
                         "--skip-checks", "--no-color", "--verbosity"):
            assert internal not in out, (name, internal)


def test_a_command_error_names_the_command_as_typed(prodops, db):
    code, _, err = prodops("check", "no-such-product")
    assert code == 2
    assert err.startswith("prodops check: ") and "CommandError" not in err
