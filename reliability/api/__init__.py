"""The Python API: one object per database, one method per question, pandas out.

    import reliability as rel
    db = rel.open("data/demo.duckdb")
    db.sla(month="2026-03")            # a DataFrame, the numbers of `reliability sla --json`

:func:`open` checks the file and returns a :class:`Database`; its methods are listed in
``docs/api.md`` (and by ``help(rel.Database)``). This package is the stable surface: the
modules behind it (``reliability.analysis`` and the rest) may move between releases.
"""

from reliability.api.args import ArgumentError
from reliability.api.database import Database, NotADatabase, build_demo, open  # noqa: A004
from reliability.store import DatabaseBusy

__all__ = ["ArgumentError", "Database", "DatabaseBusy", "NotADatabase", "build_demo", "open"]
