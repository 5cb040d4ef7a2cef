"""Running and timing benchmark processes: wall clock, CPU and peak RSS of one command each,
the report's number formats, and the machine's description.

Only the standard library is imported.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

# Sums per (service, sli) over the month in a fresh process: the floor `sla`, `worst` and
# `burn --all` are measured against.
BARE_CODE = (
    "import sys, duckdb\n"
    "con = duckdb.connect(sys.argv[1], read_only=True)\n"
    "con.execute('SET enable_progress_bar = false')\n"  # as the CLI (store.py)
    "rows = con.execute('select service, sli, sum(good), sum(total), count(*) from sli_slices"
    " where ts >= $1::timestamptz and ts < $2::timestamptz group by service, sli', [sys.argv[2], sys.argv[3]]).fetchall()\n"
    "print(len(rows))\n"
)


class Failed(Exception):
    pass


# A small launcher process forks the command, so that the command's peak RSS is its own (a
# child forked from this process would inherit this process's high-water mark) and the wall
# clock covers the command alone: fork, exec, run, exit.
_LAUNCHER = """
import json, os, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.dup2(fd, 1)
        os.execv(cmd[0], cmd)
    finally:
        os._exit(127)
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - t0
print(json.dumps({"wall": wall, "rss": ru.ru_maxrss * 1024, "cpu": ru.ru_utime + ru.ru_stime,
                  "code": os.waitstatus_to_exitcode(status)}))
"""


def run(cmd: list[str], stdout: Path | None = None) -> tuple[float, int, float]:
    """Run `cmd` as a process; (wall seconds, peak RSS bytes, CPU seconds). Raises Failed on
    exit != 0."""
    with tempfile.TemporaryFile() as err:
        launcher = subprocess.run(
            [sys.executable, "-c", _LAUNCHER, str(stdout or os.devnull), *cmd], stdout=subprocess.PIPE, stderr=err, check=False
        )
        try:
            result = json.loads(launcher.stdout.decode().strip().splitlines()[-1])
        except (IndexError, ValueError):
            result = {"code": launcher.returncode}
        if launcher.returncode != 0 or result["code"] != 0:
            err.seek(0)
            raise Failed(f"exit {result['code']}: {' '.join(cmd[:6])} ...\n{err.read().decode(errors='replace')[-3000:]}")
    return result["wall"], result["rss"], result["cpu"]


class Timing:
    def __init__(self, name: str):
        self.name, self.walls, self.rss, self.cpus = name, [], 0, []

    def add(self, wall: float, rss: int, cpu: float) -> None:
        self.walls.append(wall)
        self.rss = max(self.rss, rss)
        self.cpus.append(cpu)

    @property
    def best(self) -> float:
        return min(self.walls)

    @property
    def median(self) -> float:
        return statistics.median(self.walls)


def fmt_s(x: float) -> str:
    return f"{x:.3f} s" if x < 10 else f"{x:.1f} s"


def fmt_gb(b: int) -> str:
    return f"{b / 2**30:.2f} GB" if b >= 2**30 else f"{b / 2**20:.0f} MB"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _mem() -> str:
    try:
        with open("/proc/meminfo") as fh:
            kb = int(fh.readline().split()[1])
        return f"{kb / 2**20:.0f} GB RAM"
    except OSError:
        return "RAM ?"


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    parts = []
    for pkg in ("duckdb", "pandas", "pyarrow", "numpy"):
        try:
            parts.append(f"{pkg} {version(pkg)}")
        except PackageNotFoundError:
            pass
    return ", ".join(parts)
