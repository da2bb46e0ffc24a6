"""The ``prodops`` console script.

Thin by design: it sets up Django and hands each command to a management command of the
same name (``-`` becomes ``_``). A few names differ from their management command
because Django already uses them (``check`` is Django's system check).
"""

from __future__ import annotations

import os
import sys

# prodops name → management command name
ALIASES = {
    "check": "readiness_check",
    "import": "import_catalog",
}
# Django commands that users of ProdOps may need, listed in `prodops --help`.
DJANGO_COMMANDS = {"migrate", "createsuperuser", "changepassword"}


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prodops.settings")
    import django

    django.setup()


def _commands() -> dict[str, str]:
    """prodops command name → management command name, for every command we expose."""
    from django.core.management import get_commands

    reverse = {v: k for k, v in ALIASES.items()}
    exposed: dict[str, str] = {}
    for command, app in get_commands().items():
        if app.startswith("prodops.") or command in DJANGO_COMMANDS:
            exposed[reverse.get(command, command.replace("_", "-"))] = command
    return dict(sorted(exposed.items()))


def _help_line(command: str) -> str:
    from django.core.management import get_commands, load_command_class

    app = get_commands()[command]
    text = str(getattr(load_command_class(app, command), "help", "") or "")
    return text.strip().splitlines()[0] if text.strip() else ""


def print_help() -> None:
    from prodops import __version__

    print(f"prodops {__version__}: carry products from development into operational ownership.\n")
    print("Usage: prodops COMMAND [ARGS...]   (prodops COMMAND --help for details)\n")
    print("Commands:")
    for name, command in _commands().items():
        print(f"  {name:<14} {_help_line(command)}")
    print("\nEnvironment: DATABASE_URL (default: SQLite in $PRODOPS_DATA_DIR), PRODOPS_DATA_DIR.")


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "--version":
        from prodops import __version__

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
    from django.core.management import ManagementUtility

    utility = ManagementUtility(["prodops", commands[name], *args[1:]])
    utility.prog_name = "prodops"
    try:
        utility.execute()
    except SystemExit as exit_:
        return int(exit_.code) if isinstance(exit_.code, int) else (0 if exit_.code is None else 2)
    return 0
