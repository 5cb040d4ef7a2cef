"""Severity mapping for imports: vendor priority, urgency and severity names to SEV-1 … SEV-4.

Keys are compared case-insensitively with runs of blanks as one. Plain keys are the vendor's
priority or severity *names* (``P1``, ``Critical``); three kinds of key are namespaced so that
they cannot clash with a name: ``urgency:high`` / ``urgency:low`` (PagerDuty), ``major``
(PagerDuty Analytics' major-incident flag) and ``rank:N`` (an incident.io severity rank).
A name that already reads as a severity (``SEV-2``, ``sev 2``, ``Sev2``) maps to itself.

Defaults (a ``--severity-map`` file adds to and overrides them, section by section):

==========  ===============================================================================
pagerduty   P1 → SEV-1, P2 → SEV-2, P3 → SEV-3, P4 → SEV-4, P5 → SEV-4; without a priority:
            major → SEV-1, urgency:high → SEV-2, urgency:low → SEV-3
opsgenie    P1 → SEV-1, P2 → SEV-2, P3 → SEV-3, P4 → SEV-4, P5 → SEV-4
incidentio  Critical → SEV-1, Major → SEV-2, Minor → SEV-3 (incident.io's default severities)
generic     none (``ingest incidents`` without ``--format``: only SEV-N names)
==========  ===============================================================================

The file (YAML or JSON) holds a section per format, or flat entries that apply to every format::

    pagerduty:
      P1: SEV-1
      Critical: SEV-1
      "urgency:low": SEV-4
    incidentio:
      "rank:4": SEV-1
    Sev0: SEV-1          # flat: any format
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from reliability.errors import BadInput
from reliability.ingest import common

SECTIONS = ("generic", "pagerduty", "opsgenie", "incidentio")
_ALL = "*"  # flat entries of the file: every format
_SEV = re.compile(r"sev[\s_-]*([1-4])", re.IGNORECASE)
_P = {"p1": "SEV-1", "p2": "SEV-2", "p3": "SEV-3", "p4": "SEV-4", "p5": "SEV-4"}
DEFAULTS: dict[str, dict[str, str]] = {
    "generic": {},
    "pagerduty": {**_P, "major": "SEV-1", "urgency:high": "SEV-2", "urgency:low": "SEV-3"},
    "opsgenie": dict(_P),
    "incidentio": {"critical": "SEV-1", "major": "SEV-2", "minor": "SEV-3"},
}


def normalise(key: Any) -> str:
    """The comparison form of a key: lower case, blanks collapsed, ``rank: 3`` → ``rank:3``."""
    text = " ".join(str(key).split()).casefold()
    return re.sub(r"\s*:\s*", ":", text)


def as_severity(value: Any) -> str | None:
    """``SEV-N`` for a name that reads as a severity (``sev 2``, ``SEV2``), else None."""
    if isinstance(value, str):
        m = _SEV.fullmatch(value.strip())
        if m:
            return f"SEV-{m.group(1)}"
    return None


@dataclass(frozen=True)
class SeverityMap:
    """The effective mapping per section (defaults merged with a file's entries)."""

    sections: Mapping[str, Mapping[str, str]]
    source: str | None = None  # the --severity-map file, for messages

    def lookup(self, section: str, key: Any) -> str | None:
        """The severity for ``key`` in ``section`` (file entries first), else None."""
        if key is None:
            return None
        found = self.sections.get(section, {}).get(normalise(key))
        return found or as_severity(key)

    def hint(self, section: str, key: str) -> str:
        """How to fix an unmapped key, for the bad-input message."""
        where = f"--severity-map {self.source}" if self.source else "a --severity-map file"
        return f"map it in {where}, e.g. {section}: {{\"{key}\": SEV-2}}"


def default_map() -> SeverityMap:
    return SeverityMap(MappingProxyType({k: MappingProxyType(dict(v)) for k, v in DEFAULTS.items()}))


def load_map(path: str | Path | None) -> SeverityMap:
    """The defaults, plus the entries of a YAML or JSON mapping file; BadInput names the key."""
    if path is None:
        return default_map()
    import yaml

    name = common.display(path)
    head = common.check_file(path)
    common.check_text(path, head)
    text = Path(path).read_text(encoding="utf-8-sig")
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise BadInput(f"invalid YAML/JSON{where}: {getattr(exc, 'problem', exc)}", file=name) from None
    if not isinstance(data, dict) or not data:
        raise BadInput("expected a mapping of names to SEV-1 … SEV-4 (YAML or JSON)", file=name)
    entries: dict[str, dict[str, str]] = {}
    for key, value in data.items():
        if isinstance(value, dict) and normalise(key) in SECTIONS:
            section = normalise(key)
            for sub_key, sub_value in value.items():
                label = f"{key}.{sub_key}"
                entries.setdefault(section, {})[_key(name, label, sub_key)] = _value(name, label, sub_value)
        else:
            entries.setdefault(_ALL, {})[_key(name, str(key), key)] = _value(name, str(key), value)
    merged = {}
    for section in SECTIONS:
        merged[section] = MappingProxyType(
            {**DEFAULTS[section], **entries.get(_ALL, {}), **entries.get(section, {})}
        )
    return SeverityMap(MappingProxyType(merged), source=name)


def _key(name: str, label: str, key: Any) -> str:
    if key is None or isinstance(key, (bool, list, dict)) or not str(key).strip():
        raise BadInput(f"expected a name as key, found {key!r}", file=name, field=label)
    return normalise(key)


def _value(name: str, label: str, value: Any) -> str:
    sev = as_severity(value)
    if sev is None:
        raise BadInput(f"expected one of SEV-1, SEV-2, SEV-3, SEV-4, found {value!r}", file=name, field=label)
    return sev
