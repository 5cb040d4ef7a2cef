"""A real Prometheus for tests and benchmarks: install, backfill OpenMetrics, start, stop.

Backfilled data is written with ``promtool tsdb create-blocks-from openmetrics``, one file per
UTC day (promtool re-reads the whole file for every 2-hour block, so one big file is ~10x
slower). The server always runs with ``--storage.tsdb.retention.time=400d``, otherwise it
deletes backfilled blocks older than 15 days behind the newest one. It keeps the default
5-minute lookback delta, as production servers do: test data that must show a gap leaves
more than 5 minutes without samples.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import math
import subprocess
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

DAY = 86400

#: A series: metric name and its labels, e.g. ``("up", (("job", "api"),))``.
SeriesKey = tuple[str, tuple[tuple[str, str], ...]]


def find_prometheus() -> tuple[str, str] | None:
    """Paths of ``prometheus`` and ``promtool``; installs Debian's package when missing and
    this process may (root, apt-get present). None when not available."""
    found = shutil.which("prometheus"), shutil.which("promtool")
    if all(found):
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "prometheus"],
                       env=env, capture_output=True, timeout=600, check=False)
        found = shutil.which("prometheus"), shutil.which("promtool")
        if all(found):
            return found
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def series(name: str, **labels: str) -> SeriesKey:
    return name, tuple(sorted(labels.items()))


def _line(key: SeriesKey, ts: float, value: float) -> str:
    name, labels = key
    body = ",".join(f'{k}="{v}"' for k, v in labels)
    if math.isinf(value):
        text = "+Inf" if value > 0 else "-Inf"
    else:
        text = repr(float(value)) if value != int(value) else str(int(value))
    return f"{name}{{{body}}} {text} {ts:.3f}\n"


def write_openmetrics_per_day(data: Mapping[SeriesKey, Iterable[tuple[float, float]]], out: Path) -> list[Path]:
    """Write ``{series: [(epoch seconds, value), ...]}`` as one OpenMetrics file per UTC day.

    Families are kept contiguous and samples in time order, as the OpenMetrics parser needs.
    """
    out.mkdir(parents=True, exist_ok=True)
    by_day: dict[int, list[str]] = {}
    for key in sorted(data):
        for ts, value in sorted(data[key]):
            by_day.setdefault(int(ts // DAY), []).append(_line(key, ts, value))
    paths = []
    for day, lines in sorted(by_day.items()):
        path = out / f"day-{day}.om"
        path.write_text("".join(lines) + "# EOF\n", encoding="utf-8")
        paths.append(path)
    return paths


def backfill(promtool: str, files: Iterable[Path], data_dir: Path, workers: int = 2) -> None:
    """Create TSDB blocks from each OpenMetrics file (in parallel, into one data dir)."""
    data_dir.mkdir(parents=True, exist_ok=True)

    def one(path: Path) -> None:
        proc = subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics", str(path), str(data_dir)],
                              capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            raise RuntimeError(f"promtool failed on {path}: {proc.stderr[-2000:]}")

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, files))


class PrometheusServer:
    """One ``prometheus`` process on 127.0.0.1 over a data dir; restartable on the same port."""

    def __init__(self, binary: str, data_dir: Path, port: int | None = None, web_config: Path | None = None,
                 scheme: str = "http", auth: tuple[str, str] | None = None) -> None:
        self.binary, self.data_dir, self.web_config, self.scheme = binary, data_dir, web_config, scheme
        self.auth = auth  # basic auth for the readiness probe, when the web config asks for it
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        self.config = data_dir.parent / f"prometheus-{self.port}.yml"
        self.config.write_text("global:\n  scrape_interval: 1m\nscrape_configs: []\n", encoding="utf-8")
        self.log = data_dir.parent / f"prometheus-{self.port}.log"

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        argv = [
            self.binary,
            f"--config.file={self.config}",
            f"--storage.tsdb.path={self.data_dir}",
            "--storage.tsdb.retention.time=400d",
            f"--web.listen-address=127.0.0.1:{self.port}",
        ]
        if self.web_config:
            argv.append(f"--web.config.file={self.web_config}")
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc and self.proc.poll() is not None:
                raise RuntimeError(f"prometheus exited with {self.proc.returncode}; see {self.log}")
            try:
                if requests.get(f"{self.url}/-/ready", timeout=1, verify=False, auth=self.auth).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"prometheus not ready after {timeout} s; see {self.log}")

    def kill(self) -> None:
        """SIGKILL, as a crash would: no shutdown, no flush."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.proc = None
