"""The ``--instance LABEL=VALUE`` option of the commands that take ``--slo`` (docs/sla.md)."""

from __future__ import annotations

import click

HELP = ("With --slo: one instance of a per-instance SLO, by its grouping label (customer=acme; "
        "repeat for several labels). Same as --slo 'NAME{customer=\"acme\"}'.")


def instance_option(command):
    """Adds ``--instance`` (repeatable) as the parameter ``instance``."""
    return click.option("--instance", "instance", multiple=True, metavar="LABEL=VALUE", help=HELP)(command)


def resolve(slo_name: str | None, instance: tuple[str, ...]) -> str | None:
    """The address ``--slo`` and ``--instance`` name together (``--slo`` alone when no instance)."""
    from reliability.instances import cli_address

    return cli_address(slo_name, instance)
