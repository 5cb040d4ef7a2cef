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


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
    from reliability.store import db_path

    ctx.obj = {"db": db_path(db)}


# One module per area under reliability/commands/, each exposing COMMANDS. The modules import
# only click at import time; everything heavy is imported inside the commands.
COMMAND_MODULES = ("slo", "ingest", "extract", "extract_vendors", "sla", "incidents", "mttx", "compliance", "impact", "recurrence", "changes", "demo", "burn", "budget", "worst", "credits", "rules", "maintenance", "report", "histogram", "coverage", "app", "contracts")


def _register() -> None:
    import importlib

    for name in COMMAND_MODULES:
        module = importlib.import_module(f"reliability.commands.{name}")
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


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
