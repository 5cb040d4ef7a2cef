"""The Python API: one object per database, one method per question, pandas out.

    import reliability as rel
    db = rel.open("data/demo.duckdb")
    db.sla(month="2026-03")            # a DataFrame, the numbers of `reliability sla --json`

:func:`open` checks the file and returns a :class:`Database`; its methods are listed in
``docs/api.md`` (and by ``help(rel.Database)``). This package is the stable surface: the
modules behind it (``reliability.analysis`` and the rest) may move between releases.

The command line reads its numbers through :mod:`reliability.api.rows` and
:mod:`reliability.api.incident_rows` (typed rows and documents, no pandas). So that a command
importing those does not load pandas, the names below are imported on first use (PEP 562).
"""

_NAMES = {"ArgumentError": "reliability.api.args", "Database": "reliability.api.database",
          "NotADatabase": "reliability.api.database", "build_demo": "reliability.api.database",
          "open": "reliability.api.database", "DatabaseBusy": "reliability.store"}
__all__ = ["ArgumentError", "Database", "DatabaseBusy", "NotADatabase", "build_demo", "open"]


def __getattr__(name: str):
    if name in _NAMES:
        import importlib

        return getattr(importlib.import_module(_NAMES[name]), name)
    raise AttributeError(f"module 'reliability.api' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
