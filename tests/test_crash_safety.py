"""What must keep holding: an ingest killed at any point (SIGKILL, no clean-up) leaves the
database as it was before the call or as after it, and running the call again gives what one
clean run gives; ingests running at the same time give the sequential result, no key twice.

``$RELIABILITY_KILLS`` sets the number of kills (default 30).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

import duckdb

from conftest import SCRIPT, run_cli

KILLS = int(os.environ.get("RELIABILITY_KILLS", "30"))
ROWS = 4000  # per file: every iteration rewrites these keys and adds 200 new ones
T0 = 1_767_225_600  # 2026-01-01T00:00:00Z


def write_csv(path: Path, version: int) -> dict[tuple[str, int], tuple[int, int]]:
    """Series file number ``version``: its rows as {(service, epoch): (good, total)}."""
    rows = {}
    for i in range(ROWS + 200 * version):
        service = ("alpha", "beta")[i % 2]
        rows[(service, T0 + 60 * i)] = ((i * 7 + version) % 100, 100)
    path.write_text("timestamp,service,sli,good,total\n" + "".join(
        f"{ts},{svc},availability,{g},{t}\n" for (svc, ts), (g, t) in rows.items()))
    return rows


def digest_of(rows: dict[tuple[str, int], tuple[int, int]]) -> tuple:
    """Computed here, independently of the database: count, sums, a position-weighted sum."""
    return (len(rows), sum(g for g, _ in rows.values()), sum(t for _, t in rows.values()),
            sum((ts - T0) // 60 * g for (_, ts), (g, _) in rows.items()), 0)


def digest(db: Path) -> tuple:
    """The same digest from the database, plus how many keys appear more than once."""
    with duckdb.connect(str(db)) as con:  # read-write: replays a killed writer's log, if any
        return con.execute("""
            select count(*), coalesce(sum(good), 0), coalesce(sum(total), 0),
                   coalesce(sum((epoch(ts)::bigint - $t0) // 60 * good), 0),
                   count(*) - count(distinct (service, sli, ts))
            from sli_slices""", {"t0": T0}).fetchone()


def test_sigkill_at_random_points_leaves_before_or_after(tmp_path, db):
    rng = random.Random(13)
    state: dict = {}
    first = tmp_path / "v0.csv"
    state.update(write_csv(first, 0))
    started = time.monotonic()
    assert run_cli("ingest", "series", first, db=db).code == 0
    duration = time.monotonic() - started  # one whole call, process start included
    assert digest(db) == digest_of(state)
    outcomes = {"before": 0, "after": 0}
    for version in range(1, KILLS + 1):
        path = tmp_path / f"v{version}.csv"
        after = {**state, **write_csv(path, version)}
        before_digest, after_digest = digest_of(state), digest_of(after)
        started = time.monotonic()
        proc = subprocess.Popen([SCRIPT, "--db", str(db), "ingest", "series", str(path)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Anywhere from the interpreter starting to the process exiting after its commit
        # (the first part of a call is Python starting up, so most points fall after it).
        time.sleep(rng.uniform(0.2, 1.1) * duration)
        proc.send_signal(signal.SIGKILL)
        if proc.wait() == 0:  # it finished first: the next one gets a shorter fuse
            duration = time.monotonic() - started
        found = digest(db)
        assert found in (before_digest, after_digest), (version, found, before_digest, after_digest)
        outcome = "before" if found == before_digest else "after"
        outcomes[outcome] += 1
        if outcome == "before" or outcomes["after"] == 1:
            # Running the call again gives what one clean run gives (computed above, by hand).
            started = time.monotonic()
            assert run_cli("ingest", "series", path, db=db).code == 0
            duration = 0.5 * duration + 0.5 * (time.monotonic() - started)
        assert digest(db) == after_digest, version
        state = after
    print(f"{KILLS} kills: {outcomes}")


def test_three_concurrent_ingests_equal_the_sequential_result(tmp_path, db):
    """Overlapping files whose shared rows agree, so any order has one right answer."""
    files, union = [], {}
    for k in range(3):
        rows = {(svc, T0 + 60 * i): (i % 97, 100) for i in range(k * 3000, k * 3000 + 6000)
                for svc in ("alpha", "beta")}
        path = tmp_path / f"part{k}.csv"
        path.write_text("timestamp,service,sli,good,total\n" + "".join(
            f"{ts},{svc},availability,{g},{t}\n" for (svc, ts), (g, t) in rows.items()))
        files.append(path)
        union.update(rows)
    assert run_cli("ingest", "series", files[0], db=db).code == 0  # the file exists, as in use
    procs = [subprocess.Popen([SCRIPT, "--db", str(db), "ingest", "series", str(p)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for p in files]
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    sequential = tmp_path / "sequential.duckdb"
    for path in files:
        assert run_cli("ingest", "series", path, db=sequential).code == 0
    assert digest(db) == digest(sequential) == digest_of(union)
