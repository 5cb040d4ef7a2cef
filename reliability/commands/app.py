"""``reliability app``: serve the Streamlit app over the database (docs/app.md)."""

from __future__ import annotations

import click


def app_script():
    """The Streamlit entry point: ``reliability/_app/app.py`` in an installed wheel (the build
    force-includes the checkout's ``app.py`` there), else ``app.py`` of the source checkout."""
    from pathlib import Path

    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "_app" / "app.py", here.parent / "app.py"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("app.py not found next to the reliability package")


@click.command("app", context_settings={"ignore_unknown_options": True})
@click.option("--db", "db_option", type=click.Path(dir_okay=False), default=None, metavar="PATH",
              help="DuckDB file (as the global --db; default $RELIABILITY_DB, else ./reliability.duckdb).")
@click.option("--port", type=click.IntRange(1, 65535), default=8501, show_default=True, help="TCP port to serve on.")
@click.option("--address", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0: every interface; set a login first, docs/app.md).")
@click.argument("streamlit_args", nargs=-1, type=click.UNPROCESSED, metavar="[-- STREAMLIT OPTIONS]")
@click.pass_context
def app(ctx: click.Context, db_option: str | None, port: int, address: str, streamlit_args: tuple[str, ...]) -> None:
    """Serve the Streamlit app over the database until interrupted (Ctrl-C).

    The app only reads: the database must exist (build one with `reliability --db DB demo`, or
    `slo apply` and `ingest`). Works from an installed wheel as from a checkout. Options after
    `--` go to `streamlit run` unchanged.

    \b
    Example:
      reliability app --db demo.duckdb --port 8501
      reliability --db demo.duckdb app -- --theme.base dark
    """
    import os
    import sys

    from reliability.errors import BadInput

    from pathlib import Path

    db = Path(db_option) if db_option else ctx.obj["db"]
    if not db.is_file():
        raise BadInput(f"no such database (nothing was created; build one with `reliability --db {db} demo`)",
                       file=str(db))
    argv = [sys.executable, "-m", "streamlit", "run", str(app_script()),
            "--server.address", address, "--server.port", str(port), "--server.headless", "true",
            "--browser.gatherUsageStats", "false",
            # Readers do not edit the code: without the source watcher each visit costs the
            # server 0.2-0.3 s less CPU (it registers every imported module per session).
            "--server.fileWatcherType", "none",
            # Nor a full garbage collection after every script run: with the pages' modules
            # preloaded that was 0.1-0.2 s of server CPU per visit and per click (benchmarks/README.md).
            "--runner.postScriptGC", "false", *streamlit_args]
    click.echo(f"serving {db} on http://{address}:{port} (Ctrl-C stops)", err=True)
    env = {**os.environ, "RELIABILITY_DB": str(db.resolve())}
    # The server replaces this process: Ctrl-C and signals reach Streamlit itself, and the
    # CLI's allocator settings (reliability/memory.py, for short-lived commands) go with it.
    os.execve(sys.executable, argv, env)


COMMANDS = [app]
