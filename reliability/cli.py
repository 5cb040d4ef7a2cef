"""The command line: ``reliability [--db PATH] COMMAND [ARGS]``.

Exit codes: 0 success, 2 bad input or usage, 1 any other failure. Bad input is
reported on stderr as one line naming the file, row and field, never as a traceback. Heavy
modules (pandas, pyarrow, analysis) are imported inside the commands that use them so that
``reliability --help`` starts fast.
"""

from __future__ import annotations

import os
import sys

import click

from reliability.errors import BadInput


class LazyGroup(click.Group):
    """A group that imports a command's module only when that command is asked for.

    ``reliability sla ...`` imports reliability.commands.sla alone, not the 25 modules of every
    command (each CLI call pays its imports: about 1,500 of them per test run). Listing the
    commands (``reliability --help``, or reading ``.commands``) imports them all.
    """

    def __init__(self, *args, modules: dict[str, tuple[str, ...]], **kwargs) -> None:
        self._modules = dict(modules)  # command name -> modules to import, not yet imported
        self._commands: dict[str, click.Command] = {}
        super().__init__(*args, **kwargs)

    @property
    def commands(self) -> dict[str, click.Command]:  # click and the tests read every command here
        self.load_all()
        return self._commands

    @commands.setter
    def commands(self, value: dict[str, click.Command]) -> None:
        self._commands = dict(value)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        self._commands[name or cmd.name] = cmd

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._load(cmd_name)
        return self._commands.get(cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self.load_all()
        return sorted(self._commands)

    def load_all(self) -> None:
        for name in list(self._modules):
            self._load(name)

    def _load(self, name: str) -> None:
        import importlib

        for module in self._modules.pop(name, ()):  # popped first: a module loads once
            for command in importlib.import_module(f"reliability.commands.{module}").COMMANDS:
                self.add_command(command)


# Command name -> the modules under reliability/commands/ that define it or its subcommands
# (a module exposes COMMANDS; some add subcommands to another module's group: `ingest
# histogram`, `report statement`). The modules import only click at import time; everything
# heavy is imported inside the commands. tests/test_cli_startup.py checks this table.
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "slo": ("slo",), "ingest": ("ingest", "maintenance", "histogram"), "extract": ("extract", "extract_vendors"),
    "sla": ("sla",), "incidents": ("incidents",), "mttx": ("mttx",), "compliance": ("compliance",),
    "action-items": ("compliance",), "impact": ("impact",), "recurrence": ("recurrence",),
    "changes": ("changes",), "demo": ("demo",), "burn": ("burn",), "budget": ("budget",), "worst": ("worst",),
    "credits": ("credits",), "rules": ("rules",), "report": ("report", "contracts"), "latency": ("histogram",),
    "coverage": ("coverage",), "app": ("app",), "contracts": ("contracts",), "policy": ("audit",),
    "audit": ("audit",), "backtest": ("audit",),
}


@click.group(cls=LazyGroup, modules=COMMAND_MODULES,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--db",
    "db",
    type=click.Path(dir_okay=False),
    default=None,
    help="DuckDB file (default: $RELIABILITY_DB, else ./reliability.duckdb). Created by the first command "
    "that writes (slo apply, ingest, extract, demo); commands that only read refuse a missing file.",
)
@click.version_option(package_name="reliability")
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """SLA and reliability reporting over a DuckDB file.

    \b
    Example:
      reliability --db rel.duckdb demo
      reliability --db rel.duckdb sla --month 2026-08
    """
    from reliability.dbpath import db_path  # not reliability.store: that imports duckdb

    ctx.obj = {"db": db_path(db)}


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script; maps errors to the contract's exit codes."""
    from reliability.memory import keep_freed_memory
    from reliability.terminal import guard_std_streams

    keep_freed_memory()
    guard_std_streams()  # data printed in a table or message never acts on the terminal
    try:
        rv = cli.main(args=argv, prog_name="reliability", standalone_mode=False)
    except BadInput as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # any other failure: exit 1, traceback only on request
        if os.environ.get("RELIABILITY_DEBUG"):
            raise
        click.echo(f"error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(1)
    sys.exit(rv if isinstance(rv, int) else 0)
