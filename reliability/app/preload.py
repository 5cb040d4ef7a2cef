"""Import what the pages need while the server starts, not during the first reader's visit.

Streamlit imports a page's modules the first time a session runs it: pandas, NumPy, PyArrow,
DuckDB, Jinja2 (tables) and the tool's own analysis modules, ~1 s of the first visit after a
restart on 2 cores (benchmarks/README.md). ``app.py`` calls :func:`run` when the server loads it,
before the server answers its health check, so the first reader's page costs what any other
reader's does, less the empty caches. The tool's modules are found by walking the packages the
pages read through (:data:`PACKAGES`), so a module added there is preloaded too.
"""

from __future__ import annotations

import gc
import importlib
import logging
import pkgutil

LIBRARIES = ("numpy", "pandas", "pyarrow", "pyarrow.pandas_compat", "pyarrow.vendored.version", "duckdb", "jinja2", "pandas.io.formats.style",
             "pandas.io.formats.csvs", "yaml", "zoneinfo",
             # Streamlit's own lazy imports on a first run (its emoji table alone ~0.2 s)
             "streamlit.emojis", "streamlit.runtime.scriptrunner.magic_funcs",
             "streamlit.components.v2.manifest_scanner")
PACKAGES = ("reliability.app", "reliability.api", "reliability.analysis", "reliability.incidents",
            "reliability.audits", "reliability.contracts", "reliability.openslo")
MODULES = ("reliability.charts", "reliability.charts_dist", "reliability.charts_time", "reliability.ingest.maintenance",
           "reliability.output", "reliability.terminal")


def names() -> list[str]:
    """Every module :func:`run` imports, in order."""
    found = [*LIBRARIES]
    for package in PACKAGES:
        found.append(package)
        path = importlib.import_module(package).__path__
        found += [info.name for info in pkgutil.walk_packages(path, package + ".")]
    return found + [*MODULES]


def run() -> list[str]:
    """Import :func:`names` (the page scripts themselves run per session); returns them."""
    done = names()
    # Importing a module with @st.cache_data before the runtime exists makes Streamlit log
    # "No runtime found, using MemoryCacheStorageManager" once per cached function (27 lines at
    # every `make demo`): harmless, since the real cache storage is chosen at a function's first
    # call, but a newcomer reads a screen of warnings as a broken start. Only that logger, only here.
    quiet = logging.getLogger("streamlit.runtime.caching.cache_data_api")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        for name in done:
            importlib.import_module(name)
    finally:
        quiet.setLevel(level)
    # What is loaded now stays for the server's life: keep it out of every later collection
    # (as servers that load before they fork do), so collections cost what a visit allocates.
    gc.freeze()
    return done
