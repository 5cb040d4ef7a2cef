"""``extract prometheus`` against a real Prometheus behind TLS and basic auth.

The server runs with a web config (``--web.config.file``): a certificate for 127.0.0.1 signed
by a throwaway CA made with openssl, and one basic-auth user (bcrypt hash). The extractor
must verify the certificate against ``--ca-file`` (or skip it with ``--insecure``), send the
password from ``$RELIABILITY_PROM_PASSWORD`` or ``--password-file``, and fail cleanly (exit
1, a message that names the problem, nothing written, no password anywhere) when either is
wrong.
"""

from __future__ import annotations

import subprocess
import warnings
from pathlib import Path

import duckdb
import pytest

from conftest import assert_bad_input, run_cli
from prom_fixtures import BASE, Lookup, counter_events, expected_ratio, require_prometheus
from prometheus_server import PrometheusServer, backfill, free_port, series, write_openmetrics_per_day
from test_extract_prometheus import apply, iso, rows, slo_yaml, table_snapshot

pytestmark = pytest.mark.prometheus

USER, PASSWORD = "reporter", "correct horse battery staple"
OK = series("tls_requests_total", svc="vault", code="ok")
ERR = series("tls_requests_total", svc="vault", code="err")
HOURS = 6


def _data() -> dict:
    """Counters every 15 s (samples off the minute) for six hours: 7 ok and, every fourth
    sample, 1 err per sample."""
    ok = err = 0
    data = {OK: [], ERR: []}
    for k in range(HOURS * 240):
        t = BASE + 15 * k + 7
        ok += 7
        err += k % 4 == 0
        data[OK].append((t, ok))
        data[ERR].append((t, err))
    return data


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def secure_prom(tmp_path_factory):
    prometheus, promtool = require_prometheus("openssl")
    import bcrypt

    root: Path = tmp_path_factory.mktemp("secure-prometheus")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=test CA", cwd=root)
    _openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1", cwd=root)
    (root / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "server.crt", "-days", "2", "-extfile", "san.ext", cwd=root)
    # Another CA, for $REQUESTS_CA_BUNDLE: the explicit settings must win over it.
    _openssl("req", "-x509", *ec, "-keyout", "other.key", "-out", "other.crt", "-days", "2", "-subj", "/CN=other",
             cwd=root)
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    web = root / "web.yml"
    web.write_text(f"tls_server_config:\n  cert_file: {root / 'server.crt'}\n  key_file: {root / 'server.key'}\n"
                   f"basic_auth_users:\n  {USER}: '{hashed}'\n")
    data = _data()
    backfill(promtool, write_openmetrics_per_day(data, root / "openmetrics"), root / "tsdb")
    server = PrometheusServer(prometheus, root / "tsdb", web_config=web, scheme="https", auth=(USER, PASSWORD))
    with warnings.catch_warnings():  # the readiness probe does not verify the certificate
        warnings.simplefilter("ignore")
        server.start()
    try:
        yield server, root / "ca.crt", data, root / "other.crt"
    finally:
        server.stop()


VAULT = slo_yaml("vault-availability", "vault", "availability", True, 'sum(tls_requests_total{svc="vault"})',
                 good='sum(tls_requests_total{svc="vault",code="ok"})')


def _expected(data: dict, start: int, end: int) -> dict:
    ok, err = Lookup(data[OK]), Lookup(data[ERR])
    return expected_ratio(lambda t: counter_events([ok], t), lambda t: counter_events([ok, err], t), start, end)


def _extract(db: Path, server: PrometheusServer, *args: str, env: dict | None = None, bundle: Path | None = None):
    """The extraction over two hours. ``bundle``: what $REQUESTS_CA_BUNDLE and
    $CURL_CA_BUNDLE point at (requests prefers them to a session's own CA setting)."""
    start, end = BASE + 3600, BASE + 3 * 3600
    env = dict(env or {})
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        env[name] = str(bundle) if bundle else ""
    return run_cli("extract", "prometheus", "--url", server.url, "--json", "--retries", "1",
                   "--start", iso(start), "--end", iso(end), *args, db=db, env=env)


def _nothing_written(db: Path) -> None:
    assert table_snapshot(db) == []
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("select count(*) from extract_watermarks").fetchone()[0] == 0
    finally:
        con.close()


def test_tls_with_ca_file_and_password_from_env(secure_prom, db, tmp_path):
    server, ca, data, other = secure_prom
    apply(db, tmp_path, VAULT)
    result = _extract(db, server, "--ca-file", str(ca), "--user", USER, env={"RELIABILITY_PROM_PASSWORD": PASSWORD},
                      bundle=other)
    assert result.code == 0, result.stderr
    expected = _expected(data, BASE + 3600, BASE + 3 * 3600)
    # By hand: four samples a minute, 7 ok each and one err every fourth sample.
    assert expected == {t: (28.0, 29.0) for t in range(BASE + 3600, BASE + 3 * 3600, 60)}
    assert rows(db, "vault", "availability") == expected
    assert PASSWORD not in result.stdout + result.stderr
    assert PASSWORD.encode() not in db.read_bytes()


def test_password_file_and_insecure(secure_prom, db, tmp_path):
    server, _, data, other = secure_prom
    apply(db, tmp_path, VAULT)
    secret = tmp_path / "password"
    secret.write_text(PASSWORD + "\n")
    result = _extract(db, server, "--insecure", "--user", USER, "--password-file", str(secret), bundle=other)
    assert result.code == 0, result.stderr
    assert rows(db, "vault", "availability") == _expected(data, BASE + 3600, BASE + 3 * 3600)


def test_unknown_ca_exit_1_names_tls_and_writes_nothing(secure_prom, db, tmp_path):
    server, _, _, _ = secure_prom
    apply(db, tmp_path, VAULT)
    result = _extract(db, server, "--user", USER, env={"RELIABILITY_PROM_PASSWORD": PASSWORD})
    assert result.code == 1
    assert "TLS error" in result.stderr and "--ca-file" in result.stderr
    assert "Traceback" not in result.stderr
    _nothing_written(db)


@pytest.mark.parametrize("auth", ["wrong password", "no credentials"])
def test_refused_credentials_exit_1_and_nothing_written(secure_prom, db, tmp_path, auth):
    server, ca, _, _ = secure_prom
    apply(db, tmp_path, VAULT)
    args, env = ("--ca-file", str(ca)), None
    if auth == "wrong password":
        args += ("--user", USER)
        env = {"RELIABILITY_PROM_PASSWORD": "not-" + PASSWORD}
    result = _extract(db, server, *args, env=env)
    assert result.code == 1
    assert "refused the credentials (HTTP 401)" in result.stderr
    assert "Traceback" not in result.stderr and PASSWORD not in result.stderr
    _nothing_written(db)


@pytest.mark.parametrize("args, fragments", [
    (("--ca-file", "missing-ca.pem"), ("missing-ca.pem", "--ca-file", "CA bundle not found")),
    (("--user", USER, "--password-file", "missing-password"), ("missing-password", "--password-file")),
])
def test_missing_ca_or_password_file_exit_2_nothing_written(db, tmp_path, args, fragments):
    """Checked before any request: no server needed, nothing written."""
    apply(db, tmp_path, VAULT)
    result = run_cli("extract", "prometheus", "--url", f"https://127.0.0.1:{free_port()}", "--json",
                     "--start", iso(BASE), "--end", iso(BASE + 3600), *args, db=db, cwd=tmp_path)
    assert_bad_input(result, *fragments)
    _nothing_written(db)
