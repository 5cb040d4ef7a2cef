"""Text from the data made inert in the app (reliability/app/safe.py), the password attempt
limits (reliability/app/gate.py) and the in-app prompt that shares them, without a server."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from reliability.app import gate, safe

ROUTER = Path(__file__).resolve().parent.parent / "reliability" / "app_router.py"

# OWASP "CSV Injection": cells starting with = + - @ tab or carriage return are formulas.
FORMULA_CELLS = [
    ("=HYPERLINK(\"http://evil.example\",\"x\")", "'=HYPERLINK(\"http://evil.example\",\"x\")"),
    ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("payments", "payments"),
    ("a=b", "a=b"),
    ("", ""),
]


@pytest.mark.parametrize(("raw", "expected"), FORMULA_CELLS)
def test_csv_cells_that_a_spreadsheet_would_run_are_quoted(raw, expected):
    frame = pd.DataFrame({"service": [raw], "bad": [-3.5], "breached": [True]})
    rows = list(csv.reader(io.StringIO(safe.csv_bytes(frame).decode("utf-8"), newline="")))
    assert rows == [["service", "bad", "breached"], [expected, "-3.5", "True"]]


def test_csv_column_names_are_cells_too():
    frame = pd.DataFrame({"=cmd": [1]})
    assert safe.csv_bytes(frame).decode().splitlines()[0] == '"\'=cmd"'


@pytest.mark.parametrize(("raw", "expected"), [
    ("payments", "`payments`"),
    ("[x](http://evil.example) **b** :red[r] $x$", "`[x](http://evil.example) **b** :red[r] $x$`"),
    ("a`b", "``a`b``"),
    ("`edge`", "`` `edge` ``"),
    ("two\nlines", "`two lines`"),
    ("", "` `"),
])
def test_markdown_shows_data_as_a_literal_code_span(raw, expected):
    assert safe.md(raw) == expected


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_attempts_per_client_window_and_total():
    clock = Clock()
    a = gate.Attempts(per_client=3, in_total=5, window=60, clock=clock)
    assert [a.check("1.1.1.1", "guess", "pw") for _ in range(3)] == [(False, 0.0)] * 3
    ok, wait = a.check("1.1.1.1", "pw", "pw")  # over the limit: the right password is not checked
    assert (ok, wait) == (False, 60.0)
    assert a.check("2.2.2.2", "pw", "pw") == (True, 0.0)  # another client is not locked out
    clock.now += 30
    assert a.wait_seconds("1.1.1.1") == 30.0
    clock.now += 30
    assert a.check("1.1.1.1", "pw", "pw") == (True, 0.0)  # the window has passed
    for client in ("3.3.3.3", "4.4.4.4", "5.5.5.5", "6.6.6.6", "7.7.7.7"):
        a.check(client, "guess", "pw")
    assert a.check("8.8.8.8", "pw", "pw")[0] is False  # many addresses: the total limit holds


def test_login_cookie_is_signed_expires_and_follows_the_password():
    value = gate.cookie_value("pw")
    assert gate.valid_cookie(value, "pw")
    assert not gate.valid_cookie(value, "other")  # a new password logs everyone out
    expiry, _, sig = value.partition(".")
    assert not gate.valid_cookie(f"{int(expiry) + 3600}.{sig}", "pw")  # a longer life is forged
    assert not gate.valid_cookie(gate.cookie_value("pw", now=0), "pw")  # expired
    for junk in (None, "", "abc", "١٢٣.x", "123"):
        assert not gate.valid_cookie(junk, "pw")


@pytest.mark.parametrize(("target", "expected"), [
    ("/breach?slo=a&month=2026-03", "/breach?slo=a&month=2026-03"),
    ("//evil.example/x", "/"),
    ("https://evil.example/", "/"),
    ("/\\evil.example", "/"),
    ("/x\r\nSet-Cookie: a=b", "/"),
])
def test_login_returns_only_to_a_local_path(target, expected):
    assert gate._safe_next(target, "") == expected


def test_the_in_app_prompt_shares_the_attempt_limit(monkeypatch, tmp_path):
    monkeypatch.setenv("RELIABILITY_DB", str(tmp_path / "empty.duckdb"))
    monkeypatch.setattr(gate, "ATTEMPTS", gate.Attempts(per_client=2, in_total=10, window=300))
    at = AppTest.from_file(str(ROUTER), default_timeout=60)
    at.secrets["app_password"] = "s3cret"
    at.run()
    for typed in ("wrong", "guess"):
        at.text_input[0].input(typed).run()
        assert [e.value for e in at.error] == ["Wrong password."]
    at.text_input[0].input("s3cret").run()
    assert at.error and at.error[0].value.startswith("Too many attempts: try again in")
    assert not at.title  # no page ran


def test_an_unparsable_secrets_file_keeps_the_gate_closed(monkeypatch):
    """A typo in secrets.toml must not turn the login off (fail closed, no detail shown)."""
    import asyncio

    def broken():
        raise gate.SecretsUnreadable("the app's secrets file cannot be parsed")

    monkeypatch.setattr(gate, "app_password", broken)
    reached, sent = [], []

    async def app(scope, receive, send):
        reached.append(scope["path"])

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b""}

    asyncio.run(gate.LoginGate(app)({"type": "http", "path": "/sla", "method": "GET", "headers": []}, receive, send))
    assert not reached and sent[0]["status"] == 503
    sent.clear()
    asyncio.run(gate.LoginGate(app)({"type": "websocket", "path": "/_stcore/stream", "headers": []}, receive, send))
    assert not reached and sent == [{"type": "websocket.close", "code": 4500}]


def test_a_real_unparsable_secrets_file_is_told_apart_from_none(tmp_path, monkeypatch):
    from streamlit import config

    bad = tmp_path / "secrets.toml"
    bad.write_text('app_password = "unterminated\n')
    monkeypatch.setattr(config, "get_option", lambda k, _orig=config.get_option: [str(bad)] if k == "secrets.files" else _orig(k))
    import streamlit as st

    st.secrets._secrets = None  # reload from the patched location
    try:
        with pytest.raises(gate.SecretsUnreadable):
            gate.app_password()
    finally:
        st.secrets._secrets = None
