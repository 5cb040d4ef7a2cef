"""The command line starts fast: `reliability --help` and `reliability COMMAND --help` load
neither the data stack (pandas, duckdb) nor the charts and the app (plotly, streamlit), and a
command imports its own module only (reliability.cli's table of command modules is complete).

Every CLI call pays its imports, and the suite makes about 1,500 of them."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import click
import pytest

HEAVY = ("pandas", "numpy", "duckdb", "plotly", "streamlit", "pyarrow")

# Runs the console script's main() with argv and prints the modules loaded by then, at exit.
_PROBE = """
import atexit, json, sys
atexit.register(lambda: print(json.dumps(sorted(sys.modules)), file=sys.__stderr__))
sys.argv = ["reliability", *json.loads(sys.argv[1])]
from reliability.cli import main
main()
"""


def loaded_modules(*argv: str) -> set[str]:
    proc = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(argv)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(proc.stderr.strip().splitlines()[-1]))


@pytest.mark.parametrize("argv", [("--help",), ("sla", "--help"), ("ingest", "series", "--help"),
                                  ("report", "statement", "--help")])
def test_help_loads_no_heavy_package(argv):
    loaded = loaded_modules(*argv)
    assert not [m for m in HEAVY if m in loaded], sorted(m for m in HEAVY if m in loaded)


def test_a_command_imports_only_its_own_module():
    loaded = loaded_modules("sla", "--help")
    commands = {m for m in loaded if m.startswith("reliability.commands.")}
    assert commands == {"reliability.commands.sla", "reliability.commands.instance_option"}


def test_the_table_of_command_modules_is_complete():
    from reliability import cli as cli_module

    table = cli_module.COMMAND_MODULES
    root = cli_module.cli
    assert set(root.commands) == set(table)  # .commands imports every module

    def walk(group: click.Group, path: tuple[str, ...]):
        for name, cmd in group.commands.items():
            yield path + (name,), cmd
            if isinstance(cmd, click.Group):
                yield from walk(cmd, path + (name,))

    for path, cmd in walk(root, ()):
        module = cmd.callback.__module__.removeprefix("reliability.commands.")
        # `reliability ingest histogram` is defined in commands/histogram.py: asking for
        # `ingest` must import that module too, or the subcommand would be missing.
        assert module in table[path[0]], (" ".join(path), module, table[path[0]])
    for modules in table.values():
        for name in modules:
            assert hasattr(importlib.import_module(f"reliability.commands.{name}"), "COMMANDS"), name


@pytest.mark.parametrize("argv", [("sla", "--month", "2026-03", "--json"), ("incidents", "--month", "2026-03", "--json"),
                                  ("budget", "--month", "2026-03", "--json")])
def test_reading_through_the_api_loads_no_pandas(tmp_path, argv):
    """The commands read through reliability.api's rows (not its DataFrames): no pandas,
    plotly or streamlit in a command's process, only the database engine."""
    from conftest import run_cli

    db = tmp_path / "x.duckdb"
    series = tmp_path / "s.csv"
    series.write_text("timestamp,service,sli,good,total\n2026-03-01T00:00:00Z,s,a,1,1\n")
    assert run_cli("ingest", "series", series, db=db).code == 0
    loaded = loaded_modules("--db", str(db), *argv)
    assert "duckdb" in loaded and "reliability.api.rows" in loaded
    assert not [m for m in ("pandas", "plotly", "streamlit") if m in loaded]
