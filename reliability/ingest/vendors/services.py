"""Service mapping for imports whose records name no service (``--service-map FILE``).

Real Opsgenie alert lists often carry no ``service:<name>`` tag, no ``details.service`` and no
``entity``; Opsgenie incidents name their services by id (``impactedServices``). A service map
says how to find the service of such records. The file (YAML or JSON) holds any of:

``alias``, ``tag``, ``team``, ``integration``, ``source``, ``service_id``
    lookup tables, each mapping a value seen in the record to a service name: the alert's
    ``alias``; any of its tags (``Critical``, or a whole ``key:value`` tag); a team (a
    ``team:<name>`` tag, ``ownerTeam``, ``ownerTeamId``, ``teams[].id``/``name``, a team
    responder's id or name); ``integration.name``; ``source``; an ``impactedServices`` id.
    Tables are consulted in that order; keys compare case-insensitively.
``from``
    a list of fields whose value *is* the service name, tried in order after the tables:
    ``alias``, ``team``, ``source``, ``integration``, ``tag:KEY`` (the value of a ``KEY:value``
    tag), ``details:KEY`` (a custom property).
``default``
    the service of any record still without one.

Example::

    alias: {event_573: checkout}
    tag: {Critical: core-platform}
    service_id: {daa0d66f-ad35-4396-b30d-70f0314c697a: outbound}
    from: ["tag:app", team]
    default: unassigned

Every record whose service did not come from the record's own service fields is reported
(``no_service`` in ``ingest --json``) with where its service came from, so nothing is guessed
silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from reliability.errors import BadInput
from reliability.ingest import common
from reliability.ingest.vendors.severity import normalise

TABLES = ("alias", "tag", "team", "integration", "source", "service_id")
FROM_PLAIN = ("alias", "team", "source", "integration")
FROM_PREFIXED = ("tag:", "details:")


@dataclass(frozen=True)
class ServiceMap:
    """Lookup tables (normalised value -> service), ``from`` fields and a default."""

    tables: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    from_fields: tuple[str, ...] = ()
    default: str | None = None
    source: str | None = None  # the file, for messages

    def lookup(self, table: str, values: list[str]) -> str | None:
        """The service of the first of ``values`` found in ``table``, else None."""
        entries = self.tables.get(table, {})
        for value in values:
            found = entries.get(normalise(value))
            if found:
                return found
        return None


EMPTY = ServiceMap()


def load(path: str | Path | None) -> ServiceMap:
    """The service map in a YAML or JSON file (``EMPTY`` without one); BadInput names the key."""
    if path is None:
        return EMPTY
    import yaml

    name = common.display(path)
    common.check_text(path, common.check_file(path))
    try:
        data = yaml.load(Path(path).read_text(encoding="utf-8-sig"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise BadInput(f"invalid YAML/JSON{where}: {getattr(exc, 'problem', exc)}", file=name) from None
    if not isinstance(data, dict) or not data:
        raise BadInput(f"expected a mapping with any of {', '.join(TABLES)}, from, default", file=name)
    tables: dict[str, Mapping[str, str]] = {}
    from_fields: tuple[str, ...] = ()
    default = None
    for key, value in data.items():
        if key in TABLES:
            tables[key] = MappingProxyType(_table(name, key, value))
        elif key == "from":
            from_fields = _from(name, value)
        elif key == "default":
            default = _service(name, "default", value)
        else:
            raise BadInput(f"unknown key {key!r}; expected any of {', '.join(TABLES)}, from, default",
                           file=name, field=str(key))
    return ServiceMap(MappingProxyType(tables), from_fields, default, source=name)


def _service(name: str, label: str, value: Any) -> str:
    if not isinstance(value, (str, int)) or isinstance(value, bool) or not str(value).strip():
        raise BadInput(f"expected a service name, found {value!r}", file=name, field=label)
    return str(value).strip()


def _table(name: str, key: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise BadInput(f"expected a mapping of values to service names, found {type(value).__name__}",
                       file=name, field=key)
    out = {}
    for k, v in value.items():
        if k is None or isinstance(k, (bool, list, dict)) or not str(k).strip():
            raise BadInput(f"expected a value as key, found {k!r}", file=name, field=key)
        out[normalise(k)] = _service(name, f"{key}.{k}", v)
    return out


def _from(name: str, value: Any) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise BadInput("expected a list of fields, e.g. [alias, 'tag:app']", file=name, field="from")
    out = []
    for item in items:
        text = str(item).strip() if isinstance(item, str) else ""
        ok = text in FROM_PLAIN or any(text.startswith(p) and len(text) > len(p) for p in FROM_PREFIXED)
        if not ok:
            raise BadInput(f"unknown field {item!r}; expected {', '.join(FROM_PLAIN)}, tag:KEY or details:KEY",
                           file=name, field="from")
        out.append(text)
    return tuple(out)
