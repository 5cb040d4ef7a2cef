"""reliability: SLA and reliability reporting over a DuckDB file.

Two public interfaces: the command line (``reliability --help``, with ``--json``) and the
Python API::

    import reliability as rel
    db = rel.open("data/demo.duckdb")
    db.sla(month="2026-03")

``open``, ``build_demo``, ``Database`` and the errors ``ArgumentError``, ``NotADatabase`` and
``DatabaseBusy`` come from :mod:`reliability.api`, imported on first use so that
``reliability --help`` stays fast (see docs/api.md).
"""

__version__ = "0.1.0"

_API = ("open", "build_demo", "Database", "ArgumentError", "NotADatabase", "DatabaseBusy")
__all__ = [*_API, "__version__"]


def __getattr__(name: str):
    # PEP 562: the API (pandas, duckdb) loads when first asked for, not when the CLI starts.
    if name in _API:
        from reliability import api

        return getattr(api, name)
    raise AttributeError(f"module 'reliability' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
