"""Text from the data never acts on the terminal: what the CLI prints to a real pseudo-terminal
(tables, messages, progress, errors) carries no escape sequence from the data, and ``--json``
stays inert and decodes to the stored strings."""

from __future__ import annotations

import json
import os
import pty
import subprocess

import pytest

from conftest import SCRIPT, run_cli

OSC_TITLE = "\x1b]0;owned\x07"  # sets the window title
OSC_CLIPBOARD = "\x1b]52;c;ZWNobyBvd25lZA==\x07"  # writes "echo owned" to the clipboard
CSI_ERASE = "\x1b[2J\x1b[H"  # erases the screen
C1_CSI = "\x9b31m"  # the 8-bit CSI
BIDI = "\u202e"  # right-to-left override
SERVICE = f"pay{OSC_TITLE}"
OWNER = f"ana{OSC_CLIPBOARD}"
TITLE = f"down{CSI_ERASE}{C1_CSI}\rOK{BIDI}\x7f"
RAW = [b"\x1b", b"\x07", b"\xc2\x9b", b"\x9b", "\u202e".encode(), b"\x7f"]

INCIDENT = {"id": "INC-1", "service": SERVICE, "severity": "SEV-2", "title": TITLE,
            "detected_at": "2026-03-02T10:00:00Z", "acknowledged_at": "2026-03-02T10:05:00Z",
            "resolved_at": "2026-03-02T11:00:00Z",
            "action_items": [{"title": TITLE, "owner": OWNER, "due": "2026-03-10", "done": False}]}


def run_tty(*args, db) -> tuple[int, bytes]:
    """Run the console script with stdin, stdout and stderr on a new pseudo-terminal and
    return its exit code and every byte the terminal received."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([SCRIPT, "--db", str(db), *map(str, args)], stdin=slave, stdout=slave,
                            stderr=slave, close_fds=True)
    os.close(slave)
    out = bytearray()
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    return proc.wait(timeout=300), bytes(out)


def assert_inert(out: bytes) -> None:
    for raw in RAW:
        assert raw not in out, (raw, out)


@pytest.fixture
def hostile(tmp_path, db):
    path = tmp_path / "inc.json"
    path.write_text(json.dumps([INCIDENT]))
    assert run_cli("ingest", "incidents", path, db=db).code == 0
    return db


@pytest.mark.parametrize("args, shown", [
    (["mttx", "--start", "2026-03", "--end", "2026-03", "--by", "service"], "pay\\x1b]0;owned\\x07"),
    (["action-items", "--as-of", "2026-04-01T00:00:00Z"], "ana\\x1b]52;c;ZWNobyBvd25lZA==\\x07"),
    (["report", "update", "INC-1", "--kind", "initial"], "down\\x1b[2J\\x1b[H\\x9b31m OK\\u202e\\x7f"),  # \r: a space here
])
def test_tables_and_text_show_control_characters_as_text(hostile, args, shown):
    code, out = run_tty(*args, db=hostile)
    assert code == 0, out
    assert_inert(out)
    assert shown.encode() in out


def test_progress_and_error_messages_are_inert(tmp_path, db):
    name = tmp_path / f"inc{CSI_ERASE}.json"
    name.write_text(json.dumps([INCIDENT]))
    code, out = run_tty("ingest", "incidents", name, db=db)  # progress names the file
    assert code == 0, out
    assert_inert(out)
    assert b"inc\\x1b[2J\\x1b[H.json: 1 incident" in out
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{**INCIDENT, "severity": f"P1{OSC_CLIPBOARD}"}]))
    code, out = run_tty("ingest", "incidents", bad, db=db)  # the error quotes the bad value
    assert code == 2
    assert_inert(out)
    assert b"record 1: field 'severity': unknown severity 'P1\\x1b]52;c;ZWNobyBvd25lZA==\\x07'" in out
    assert b"Traceback" not in out


def test_json_is_inert_and_decodes_to_the_stored_strings(hostile):
    code, out = run_tty("action-items", "--as-of", "2026-04-01T00:00:00Z", "--json", db=hostile)
    assert code == 0, out
    assert_inert(out)
    r = run_cli("action-items", "--as-of", "2026-04-01T00:00:00Z", "--json", db=hostile)
    assert "\\u009b31m" in r.stdout and "\\u202e" in r.stdout and "\\u007f" in r.stdout
    doc = json.loads(r.stdout)
    assert list(doc["by_owner"]) == [OWNER]
    assert [i["title"] for i in doc["open_items"]] == [TITLE]
