"""The CLI documents itself, and the README shows every command (docs that cannot drift)."""

from __future__ import annotations

import click
import pytest

from app_fixtures import demo_db, demo_db_build  # noqa: F401  (session fixtures)
from conftest import ROOT, run_cli
from reliability.cli import cli


def commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, cmd in sorted(group.commands.items()):
        if isinstance(cmd, click.Group):
            yield from commands(cmd, prefix + (name,))
        else:
            yield prefix + (name,)


ALL = list(commands(cli))


def test_there_are_commands():
    assert ("sla",) in ALL and ("slo", "apply") in ALL and ("ingest", "series") in ALL


@pytest.mark.parametrize("path", ALL, ids=[" ".join(p) for p in ALL])
def test_docs_show_command(path):
    docs = "\n".join(p.read_text() for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])
    assert f"reliability --db DB {' '.join(path)}" in docs or f"reliability {' '.join(path)}" in docs


@pytest.mark.parametrize("path", ALL, ids=[" ".join(p) for p in ALL])
def test_help_has_an_example(path):
    r = run_cli(*path, "--help")
    assert r.code == 0
    assert "Example" in r.stdout


def test_readme_opens_with_the_two_commands():
    text = (ROOT / "README.md").read_text()
    assert text.index("make demo") < text.index("make test") < text.index("## A first command")


def test_usage_error_is_exit_2():
    r = run_cli("sla")
    assert r.code == 2 and "Traceback" not in r.stderr and "--month" in r.stderr


def test_readme_first_command_output_is_what_the_command_prints(demo_db):
    """The README's first command shows the real output on the bundled sample."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## A first command") : text.index("## A first session")]
    lines = section.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("$ .venv/bin/reliability"))
    shown = []
    for line in lines[start + 1 :]:
        if not line.startswith("    "):
            break
        shown.append(line[4:].rstrip())
    r = run_cli("sla", "--month", "2026-03", "--slo", "search-availability", db=demo_db)
    assert r.code == 0, r.stderr
    assert [line.rstrip() for line in r.stdout.strip().splitlines()] == shown
