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
