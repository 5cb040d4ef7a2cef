"""``extract pagerduty|opsgenie|incidentio`` against a local server speaking the vendors' documented
responses and pagination (tests/vendor_server.py, records built from their published examples):
every page pulled, log entries for acknowledgements, --since/--until, the watermark, 429 with
Retry-After, resuming after a failure, and the token never stored, logged or printed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import pytest
from conftest import assert_bad_input, run_cli
from vendor_server import T0, VendorServer

TOKEN = "s3cr3t-token"
ENV = {"pagerduty": "RELIABILITY_PAGERDUTY_TOKEN", "opsgenie": "RELIABILITY_OPSGENIE_TOKEN",
       "incidentio": "RELIABILITY_INCIDENTIO_TOKEN"}


def z(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


SINCE, UNTIL = z(T0 - timedelta(hours=1)), z(T0 + timedelta(days=2))


def pull(db, vendor, server, *args, token=TOKEN):
    return run_cli("extract", vendor, "--url", server.url, *args, "--json", db=db, env={ENV[vendor]: token})


def query(db, sql):
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute(sql).fetchall()


def watermark(db, vendor, api):
    rows = query(db, f"select until from extract_watermarks where source = '{vendor}' and sli = '{api}'")
    return rows[0][0] if rows else None


def test_pagerduty_rest_every_page_log_entries_429_and_rerun(db):
    with VendorServer(n=5) as server:
        server.rate_limit_once.add("/incidents")
        result = pull(db, "pagerduty", server, "--since", SINCE, "--until", UNTIL, "--page-size", "2")
        assert result.code == 0, result.stderr
        doc = result.json()
        assert (doc["incidents"], doc["ack_unknown"], doc["watermark"]) == (5, 0, UNTIL)
        paths = [r[1] for r in server.requests]
        # 429 then 3 pages of 2, 2, 1 (more: true, true, false), then each incident's log
        assert paths.count("/incidents") == 4
        assert [r[2].get("offset") for r in server.requests if r[1] == "/incidents"] == ["0", "0", "2", "4"]
        assert sum(p.endswith("/log_entries") for p in paths) == 5
        first, second = [r[4] for r in server.requests if r[1] == "/incidents"][:2]
        assert second - first >= 1.0  # Retry-After: 1 honoured
        assert "HTTP 429" in result.stderr and "retrying in 1.0 s" in result.stderr
        assert {r[3] for r in server.requests} == {f"Token token={TOKEN}"}
        # acknowledged 2k minutes after detection; the last incident's log has no acknowledgement
        rows = query(db, "select id, detected_at, acknowledged_at, resolved_at, ack_unknown from incidents order by id")
        assert rows == [(f"pd:PT4KH{k:02d}", T0 + timedelta(hours=6 * k),
                         T0 + timedelta(hours=6 * k, minutes=2 * k) if k < 4 else None,
                         T0 + timedelta(hours=6 * k, minutes=30), False) for k in range(5)]
        assert watermark(db, "pagerduty", "rest") == datetime.fromisoformat(UNTIL.replace("Z", "+00:00"))
        again = pull(db, "pagerduty", server, "--since", SINCE, "--until", UNTIL, "--page-size", "2")
        assert again.code == 0, again.stderr
        assert query(db, "select id, detected_at, acknowledged_at, resolved_at, ack_unknown from incidents order by id") == rows
        runs = query(db, "select source, outcome, written from extract_runs order by started_at")
        assert runs == [("pagerduty", "ok", 5), ("pagerduty", "ok", 5)]


def test_pagerduty_analytics_cursor(db):
    with VendorServer(n=5) as server:
        result = pull(db, "pagerduty", server, "--api", "analytics", "--since", SINCE, "--until", UNTIL,
                      "--page-size", "2")
        assert result.code == 0, result.stderr
        posts = [r for r in server.requests if r[0] == "POST"]
        assert len(posts) == 3
        rows = query(db, "select id, severity, detected_at, acknowledged_at, resolved_at from incidents order by id")
        # created_at (Etc/UTC) + 48 s to acknowledge, + 2,029 s to resolve; priority SEV-2
        assert rows == [(f"pd:PA{k:03d}", "SEV-2", T0 + timedelta(hours=6 * k), T0 + timedelta(hours=6 * k, seconds=48),
                         T0 + timedelta(hours=6 * k, seconds=2029)) for k in range(5)]


def test_token_from_file_never_stored_or_printed(tmp_path, db):
    token_file = tmp_path / "pd.token"
    token_file.write_text(TOKEN + "\n")
    with VendorServer(n=2) as server:
        ok = run_cli("extract", "pagerduty", "--url", server.url, "--since", SINCE, "--until", UNTIL,
                     "--token-file", token_file, db=db, env={ENV["pagerduty"]: ""})
        assert ok.code == 0, ok.stderr
        assert TOKEN not in ok.stdout + ok.stderr
        refused = pull(db, "pagerduty", server, "--since", SINCE, "--until", UNTIL, token="wrong-" + TOKEN[::-1])
        assert refused.code == 1
        assert "refused the token (HTTP 401)" in refused.stderr
        assert TOKEN[::-1] not in refused.stdout + refused.stderr
    assert TOKEN.encode() not in db.read_bytes()
    assert TOKEN[::-1].encode() not in db.read_bytes()


def test_missing_token_and_plain_http_are_bad_input(tmp_path, db):
    assert_bad_input(run_cli("extract", "incidentio", "--url", "http://127.0.0.1:9", db=db,
                             env={ENV["incidentio"]: ""}), "--token-file", "RELIABILITY_INCIDENTIO_TOKEN")
    assert_bad_input(run_cli("extract", "opsgenie", "--url", "http://api.example.com", db=db,
                             env={ENV["opsgenie"]: TOKEN}), "--url", "plain http")
    assert TOKEN not in run_cli("extract", "opsgenie", "--url", "http://api.example.com", db=db,
                                env={ENV["opsgenie"]: TOKEN}).stderr


def test_opsgenie_follows_paging_next_and_refuses_another_host(tmp_path, db):
    smap = tmp_path / "services.yaml"
    smap.write_text("alias:\n  event_573: checkout\n")
    with VendorServer(n=5) as server:
        result = pull(db, "opsgenie", server, "--since", SINCE, "--until", UNTIL, "--page-size", "2",
                      "--service-map", smap)
        assert result.code == 0, result.stderr
        assert result.json()["incidents"] == 5
        assert [r[2].get("offset") for r in server.requests] == ["0", "2", "4"]
        assert {r[3] for r in server.requests} == {f"GenieKey {TOKEN}"}
        assert query(db, "select count(*), min(service), max(service) from incidents") == [(5, "checkout", "checkout")]
        server.next_host = "http://127.0.0.2:1"
        before = len(server.requests)
        refused = pull(db, "opsgenie", server, "--since", SINCE, "--until", UNTIL, "--page-size", "2",
                       "--service-map", smap)
        assert refused.code == 1
        assert "refusing to follow a link to another host (http://127.0.0.2:1/v2/alerts)" in refused.stderr
        assert TOKEN not in refused.stderr
        assert len(server.requests) == before + 1  # nothing sent to the other host


def test_opsgenie_incident_api(tmp_path, db):
    smap = tmp_path / "services.json"
    smap.write_text('{"service_id": {"daa0d66f-ad35-4396-b30d-70f0314c697a": "outbound"}}')
    with VendorServer(n=3) as server:
        result = pull(db, "opsgenie", server, "--api", "incidents", "--since", SINCE, "--until", UNTIL,
                      "--service-map", smap)
        assert result.code == 0, result.stderr
        assert {r[1] for r in server.requests} == {"/v1/incidents"}
        assert result.json()["ack_unknown"] == 3  # the Incident API carries no acknowledgement
        rows = query(db, "select service, started_at, detected_at, mitigated_at, ack_unknown from incidents order by id")
        assert rows == [("outbound", T0 + timedelta(hours=6 * k), T0 + timedelta(hours=6 * k),
                         T0 + timedelta(hours=6 * k, minutes=39), True) for k in range(3)]
        assert watermark(db, "opsgenie", "incidents") is not None and watermark(db, "opsgenie", "alerts") is None


def test_incidentio_after_cursor_and_since_until(tmp_path, db):
    smap = tmp_path / "services.yaml"
    smap.write_text("default: database\n")
    since, until = z(T0 + timedelta(hours=6)), z(T0 + timedelta(hours=24))  # incidents 1, 2, 3
    with VendorServer(n=5) as server:
        result = pull(db, "incidentio", server, "--since", since, "--until", until, "--page-size", "2",
                      "--service-map", smap)
        assert result.code == 0, result.stderr
        gets = [r[2] for r in server.requests]
        assert [g.get("after") for g in gets] == [None, "01FDAG4SAP5TYPT98WGR2N7W02"]
        assert {(g["created_at[gte]"], g["created_at[lt]"]) for g in gets} == {(since, until)}
        assert {r[3] for r in server.requests} == {f"Bearer {TOKEN}"}
        rows = query(db, "select id, detected_at, acknowledged_at, resolved_at, closed_at from incidents order by id")
        assert rows == [(f"iio:INC-{123 + k}", T0 + timedelta(hours=6 * k), T0 + timedelta(hours=6 * k, minutes=3),
                         T0 + timedelta(hours=6 * k + 1), T0 + timedelta(hours=6 * k + 1)) for k in (1, 2, 3)]


def test_interrupted_run_resumes_at_the_watermark(db):
    with VendorServer(n=5) as server:
        # windows of 12 h from T0-1h: the third window's first request fails for good
        server.fail_after = 2 * 3  # two windows of (1 page + 2 log requests)
        failed = pull(db, "pagerduty", server, "--since", SINCE, "--until", UNTIL, "--chunk", "12h", "--retries", "2")
        assert failed.code == 1
        assert "re-run to resume" in failed.stderr
        mark = watermark(db, "pagerduty", "rest")
        assert mark == T0 + timedelta(hours=23)
        assert query(db, "select count(*) from incidents") == [(4,)]
        assert query(db, "select outcome from extract_runs") == [("failed",)]
        server.fail_after = None
        server.requests.clear()
        resumed = pull(db, "pagerduty", server, "--until", UNTIL, "--chunk", "12h", "--lookback", "0s")
        assert resumed.code == 0, resumed.stderr
        assert server.requests[0][2]["since"] == z(mark)
        assert query(db, "select count(*) from incidents") == [(5,)]
        assert watermark(db, "pagerduty", "rest") == datetime.fromisoformat(UNTIL.replace("Z", "+00:00"))


@pytest.mark.parametrize("vendor", ["pagerduty", "opsgenie", "incidentio"])
def test_help_has_an_example(vendor):
    out = run_cli("extract", vendor, "--help").stdout
    assert "Example" in out and ENV[vendor] in out or "--token-file" in out


def test_client_redirects_same_host_only_and_caps_the_body():
    from reliability.extract.saas import Api, Client, SaasError

    with VendorServer(n=3) as server:
        api = Api("incident.io", server.url, TOKEN)
        server.redirects["/old/incidents"] = "/v2/incidents?page_size=1"
        assert len(Client(api).get("/old/incidents")["incidents"]) == 1
        server.redirects["/moved"] = "http://127.0.0.2:1/v2/incidents"
        with pytest.raises(SaasError, match=r"redirected \(HTTP 302\) to another host, http://127.0.0.2; not followed"):
            Client(api).get("/moved")
        assert [r[1] for r in server.requests][-1] == "/moved"  # nothing went to the other host
        small = Api("incident.io", server.url, TOKEN, max_bytes=1024)
        with pytest.raises(SaasError, match="larger than") as exc:
            Client(small).get("/v2/incidents", {"page_size": 3})
        assert TOKEN not in str(exc.value)


def test_invalid_record_first_window_exit_2_later_window_exit_1(db):
    with VendorServer(n=5) as server:
        server.pd_incidents[4]["service"] = None  # the last incident (third 12-hour window) names no service
        late = pull(db, "pagerduty", server, "--since", SINCE, "--until", UNTIL, "--chunk", "12h")
        assert late.code == 1
        assert "record 1: field 'service.summary'" in late.stderr and "--skip-invalid" in late.stderr
        assert query(db, "select count(*) from incidents") == [(4,)]
        skipped = pull(db, "pagerduty", server, "--since", SINCE, "--until", UNTIL, "--chunk", "12h", "--skip-invalid")
        assert skipped.code == 0, skipped.stderr
        assert skipped.json()["invalid"] == 1
    with VendorServer(n=5) as server:
        server.pd_incidents[0]["service"] = None
        fresh = db.parent / "fresh.duckdb"
        first = pull(fresh, "pagerduty", server, "--since", SINCE, "--until", UNTIL, "--chunk", "12h")
        assert_bad_input(first, "record 1", "service.summary")
        assert not fresh.exists() or query(fresh, "select count(*) from incidents") == [(0,)]
