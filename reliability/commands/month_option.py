"""``--month YYYY-MM`` for the commands that take a range of months (``--start``/``--end``).

A monthly review asks every command about one month, and ``sla``, ``budget`` and ``incidents``
take ``--month``: ``mttx``, ``recurrence`` and ``changes`` take it too, as ``--start M --end M``.
"""

from __future__ import annotations

import functools

import click

from reliability import periods
from reliability.errors import BadInput


def month_option(command):
    """Add ``--month`` to a command whose function takes ``start`` and ``end`` (``YYYY-MM``)."""

    @click.option("--month", default=None, metavar="YYYY-MM",
                  help="One calendar month: the same as --start M --end M.")
    @functools.wraps(command)
    def with_month(*args, month=None, **kwargs):
        if month is not None:
            periods.parse_month(month, "--month")  # bad input names --month, not --start
            if kwargs.get("start") is not None or kwargs.get("end") is not None:
                raise BadInput("give either --month or --start/--end, not both", field="--month")
            kwargs["start"] = kwargs["end"] = month
        return command(*args, **kwargs)

    return with_month
