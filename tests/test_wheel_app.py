"""From an installed wheel: `reliability --db demo.duckdb demo`, then `reliability app` serves
the Streamlit app (health endpoint and the first page in a real Chromium); the wheel declares
the `notebooks` extra that brings Jupyter.

The wheel goes into a fresh virtualenv with no access to the checkout. Its dependencies are
the test environment's (a .pth line adding that site-packages folder: installing pandas,
DuckDB and Streamlit again would take minutes and prove nothing about this package); the
test environment's own editable install of the package is not active there (Python runs the
.pth files of site folders only), which the test checks.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import pytest
import requests

from conftest import ROOT
from test_browser import CHROMIUM, CHROMIUM_ARGS, free_port, sync_playwright, wait_until_idle

pytestmark = pytest.mark.browser
START_TIMEOUT = 90.0  # seconds for `reliability app` to answer /_stcore/health (a loaded machine)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path]:
    """(the fresh venv's bin folder, the wheel)."""
    tmp = tmp_path_factory.mktemp("wheel-app")
    dist = tmp / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist),
                    str(ROOT)], check=True, capture_output=True)
    (wheel,) = dist.glob("reliability-*.whl")
    venv = tmp / "fresh"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    bin_dir = venv / "bin"
    purelib = Path(subprocess.run([str(bin_dir / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                                  check=True, capture_output=True, text=True).stdout.strip())
    (purelib / "_test_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True)
    return bin_dir, wheel


def test_the_wheel_declares_the_notebooks_extra(installed):
    _, wheel = installed
    with zipfile.ZipFile(wheel) as z:
        [meta] = [n for n in z.namelist() if n.endswith(".dist-info/METADATA")]
        text = z.read(meta).decode()
    assert "Provides-Extra: notebooks" in text
    needs = [line for line in text.splitlines() if line.startswith("Requires-Dist:") and "notebooks" in line]
    assert any(line.split()[1].startswith("jupyterlab") for line in needs), needs
    assert any(line.split()[1].startswith("ipykernel") for line in needs), needs


def test_reliability_app_serves_from_the_installed_wheel(installed, tmp_path):
    bin_dir, _ = installed
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("RELIABILITY_DB", "PYTHONPATH")}
    env["PYTHONSAFEPATH"] = "1"
    where = subprocess.run([str(bin_dir / "python"), "-c", "import reliability; print(reliability.__file__)"],
                           cwd=work, env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert Path(where).is_relative_to(bin_dir.parent), where  # the wheel's copy, not the checkout

    cli = str(bin_dir / "reliability")
    missing = subprocess.run([cli, "--db", "typo.duckdb", "app"], cwd=work, env=env, capture_output=True, text=True)
    assert missing.returncode == 2 and "typo.duckdb" in missing.stderr and "Traceback" not in missing.stderr
    assert not (work / "typo.duckdb").exists()

    built = subprocess.run([cli, "--db", "demo.duckdb", "demo"], cwd=work, env=env, capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    # The Python API from the wheel too (its query file travels in reliability/_queries).
    api = subprocess.run([str(bin_dir / "python"), "-c", "import reliability as rel; db = rel.open('demo.duckdb');"
                          " print(len(db.series('search-availability', '2026-03-17', '2026-03-18')),"
                          " db.sla(month='2026-03', slo='search-availability').bad.iloc[0])"],
                         cwd=work, env=env, capture_output=True, text=True)
    assert api.returncode == 0, api.stderr
    assert api.stdout.split() == ["1440", "93.0"]
    port = free_port()
    server = subprocess.Popen([cli, "app", "--db", "demo.duckdb", "--port", str(port)], cwd=work, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        status = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                status = requests.get(f"{url}/_stcore/health", timeout=2).status_code
                if status == 200:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.3)
        assert status == 200, f"no answer from {url}/_stcore/health (exit {server.poll()})"
        # The server readers get runs without the source watcher (a cheaper visit; docs/app.md).
        argv = Path(f"/proc/{server.pid}/cmdline").read_bytes().decode().split("\0")
        assert argv[argv.index("--server.fileWatcherType") + 1] == "none", argv
        assert argv[argv.index("--runner.postScriptGC") + 1] == "false", argv
        playwright = sync_playwright()
        with playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(url, timeout=30_000)
                page.get_by_role("heading", name="Leadership overview").wait_for(state="visible", timeout=90_000)
                wait_until_idle(page)
                assert page.locator('[data-testid="stException"]').count() == 0
                # The overview's category grid: static SVG, drawn from the wheel's data.
                page.wait_for_selector("svg.reliability-chart", timeout=60_000)
            finally:
                browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the server and anything it started, nothing else
        try:
            out, _ = server.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            out, _ = server.communicate()
    assert f"serving demo.duckdb on {url}" in out


def test_make_demo_serves_without_the_source_watcher():
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["fileWatcherType"] == "none"
    assert config["runner"]["postScriptGC"] is False


def test_in_a_checkout_the_app_is_the_checkouts_app_py():
    from reliability.commands.app import app_script

    assert app_script() == ROOT / "app.py"
