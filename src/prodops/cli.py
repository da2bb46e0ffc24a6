"""The ``prodops`` console script.

Thin by design: it sets up Django and hands each command to a management command of the
same name (``-`` becomes ``_``). A few names differ from their management command
because Django already uses them (``check`` is Django's system check).
"""

from __future__ import annotations

import argparse
import os
import re
import sys

import django
from django.core.management import get_commands, load_command_class
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections

from prodops import __version__
from prodops.core.errors import ProdOpsError

# prodops name → management command name
ALIASES = {
    "check": "readiness_check",
    "import": "import_catalog",
}
# Django commands that users of ProdOps may need, listed in `prodops --help`.
DJANGO_COMMANDS = {"migrate", "createsuperuser", "changepassword"}


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prodops.settings")

    django.setup()


def _commands() -> dict[str, str]:
    """prodops command name → management command name, for every command we expose."""

    reverse = {v: k for k, v in ALIASES.items()}
    exposed: dict[str, str] = {}
    for command, app in get_commands().items():
        if app.startswith("prodops.") or command in DJANGO_COMMANDS:
            exposed[reverse.get(command, command.replace("_", "-"))] = command
    return dict(sorted(exposed.items()))


# One line each for `prodops --help`; `prodops COMMAND --help` has the details.
SUMMARIES = {
    "alignment": "Do the functions agree on the product's aims? Kendall's W and its p-value",
    "apply": "Apply config-as-code YAML (file, folder or -): idempotent, all or nothing",
    "campaigns": "Best-practice campaigns: list, launch, show, report (md/html)",
    "check": "May this product enter its next gate? Exit 0 ready, 1 not, 2 bad input",
    "demo": "Create the database, load the demo portfolio and serve it",
    "dora": "DORA metrics with their performance bands, per product or portfolio",
    "evaluate": "Re-evaluate readiness and store the results",
    "events": "Import events (CSV, NDJSON, recorded webhooks); list unmapped events",
    "export": "Write the whole catalog as config-as-code (round-trips with apply)",
    "facts": "List every fact a rule may use, with type, unit and description",
    "import": "Import a catalog from another tool (Backstage catalog-info.yaml)",
    "jobs": "List the periodic jobs with their last run, next run and last error",
    "known-errors": "Search the known-error database by symptom",
    "notifications": "Show notification deliveries and every attempt (notifications log)",
    "notify": "Send a test message to a notification channel (notify test CHANNEL)",
    "metrics": "Process metrics of handovers: time in stage, first-pass gates, waivers, ...",
    "pilot": "A product's pilot: status (exit 0 all criteria pass), observe, import CSV",
    "playbooks": "Playbooks and their runs: list, start, show, done, skip, close",
    "report": "Write a product's handover pack as Markdown, HTML or PDF",
    "outcomes": "Customer outcomes: active users, retention, cohorts, support load, CSAT",
    "permissions": "Who may do what: every action and rule (the text of docs/permissions.md)",
    "role": "Show or set a user's role (admin, product operations, member, viewer)",
    "schema": "Print the JSON Schema of the config-as-code format",
    "serve": "Serve ProdOps over HTTP with gunicorn",
    "token": "Create, list and revoke API tokens",
    "waivers": "List waivers in force, awaiting signature, or expiring soon",
    "warranty": "Scope the warranty from data with reliability-growth models",
    "worker": "Run background tasks and periodic jobs (--once: what is due, then exit)",
    "migrate": "Create or upgrade the database schema",
}


def _help_line(command: str) -> str:

    app = get_commands()[command]
    text = " ".join(str(getattr(load_command_class(app, command), "help", "") or "").split())
    # One line per command: the first sentence; `prodops COMMAND --help` has the rest.
    sentence = re.split(r"(?<=[.?!])\s|:\s", text, maxsplit=1)[0]
    return sentence if len(sentence) <= 90 else sentence[:89].rstrip() + "…"


def print_help() -> None:

    print(f"prodops {__version__}: carry products from development into operational ownership.\n")
    print("Usage: prodops COMMAND [ARGS...]   (prodops COMMAND --help for details)\n")
    print("Commands:")
    for name, command in _commands().items():
        print(f"  {name:<16} {SUMMARIES.get(name) or _help_line(command)}")
    print("\nEnvironment: DATABASE_URL (default: SQLite in $PRODOPS_DATA_DIR), PRODOPS_DATA_DIR.")


def _database_label() -> str:

    settings = connection.settings_dict
    if settings["ENGINE"].endswith("sqlite3"):
        return f"SQLite file {settings['NAME']}"
    return f"{connection.vendor} database {settings['NAME']!r} on {settings.get('HOST') or 'localhost'}"


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader went away (`prodops export | head`): not our error, so no traceback.
        # Point stdout at /dev/null so the interpreter's final flush does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


def _main(argv: list[str] | None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "--version":
        print(__version__)
        return 0
    _setup()
    if not args or args[0] in {"-h", "--help", "help"}:
        print_help()
        return 0
    commands = _commands()
    name = args[0]
    if name not in commands:
        print(f"prodops: unknown command {name!r}. Run `prodops --help` for the list.", file=sys.stderr)
        return 2

    try:
        return _run(name, commands[name], args[1:])
    except ProdOpsError as error:
        # The one error hierarchy, mapped once: exit 2 for bad input, 1 for a refusal.
        print(f"prodops {name}: {error.as_cli_line()}", file=sys.stderr)
        return error.exit_code
    except DatabaseError as error:
        # Most often a database that was never migrated, or one ProdOps cannot reach.
        print(
            f"prodops: database error: {error}\n"
            f"  database: {_database_label()}\n"
            "  If it is new or older than this version, run `prodops migrate` first.",
            file=sys.stderr,
        )
        return 2
    except SystemExit as exit_:
        return int(exit_.code) if isinstance(exit_.code, int) else (0 if exit_.code is None else 2)


# Django's own options of every management command: they still work, but `--help`
# does not list them, since a ProdOps user never needs them.
DJANGO_BASE_OPTIONS = {
    "--version",
    "--verbosity",
    "--settings",
    "--pythonpath",
    "--traceback",
    "--no-color",
    "--force-color",
    "--skip-checks",
}


def _run(name: str, command_name: str, argv: list[str]) -> int:
    """Run a management command as ``prodops NAME``: its usage and errors say
    ``prodops NAME`` (never the internal command name) and its help lists only its own
    options. Like Django's ``run_from_argv``, with the error printed our way."""

    command = load_command_class(get_commands()[command_name], command_name)
    command.suppressed_base_arguments = set(DJANGO_BASE_OPTIONS)
    # From the command line: a usage error (a missing argument) prints the usage and
    # exits 2, as argparse does, instead of raising CommandError outside our handler.
    command._called_from_command_line = True  # type: ignore[attr-defined]
    parser = command.create_parser("prodops", name)
    for action in parser._actions:  # --skip-checks is not a "base argument" in Django
        if DJANGO_BASE_OPTIONS.intersection(action.option_strings):
            action.help = argparse.SUPPRESS
    options = vars(parser.parse_args(argv))
    positional = options.pop("args", ())
    try:
        command.execute(*positional, **options)
    except CommandError as error:
        print(f"prodops {name}: {error}", file=sys.stderr)
        return error.returncode
    finally:
        connections.close_all()
    return 0
