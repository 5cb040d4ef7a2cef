"""The error-budget policy as code: a YAML file parsed once into frozen dataclasses.

A policy in the spirit of the SRE workbook's error-budget policy (docs/audits.md has the
full reference)::

    apiVersion: reliability/v1
    kind: ErrorBudgetPolicy
    metadata:
      name: shop
    spec:
      releaseFreeze:              # releases other than fixes wait while a trailing budget is spent
        trailingWindow: 28d       # m, h, d or w; default 28d
        minCoverage: 0.9          # below this share of slices with data: no verdict
        slos: [search-availability]   # default: every SLO of the deployment's service
        fixPattern: '(?i)\\bfix'  # a deployment whose description matches may ship (a fix)
      incidentBudget:             # an incident that spends more than maxShare of a month's budget
        maxShare: 0.2             # (ratio, strictly more) requires a post-mortem ...
        requirePostmortem: true
        requireActionItemPriority: P0   # ... with at least one action item of this priority
      postmortems:                # published within N hours of resolution (compliance's rule)
        SEV-1: 48
      exemptions:                 # bad that spends no budget for the freeze
        - id: EX-1
          kind: dependency-outage   # or out-of-scope-traffic
          reason: cloud provider's regional outage
          service: search           # or slo: NAME; neither: every SLO
          incident: INC-0074        # its impact window; or start: and end: (ISO 8601)

Every section and field is optional; an absent one takes its default, ``enabled: false``
switches a rule off. Any other key is refused (a typo must not silently disable a rule).
Errors are :class:`BadInput` naming the file and the field path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from reliability.errors import BadInput
from reliability.ingest.common import PRIORITIES, parse_timestamp
from reliability.openslo.model import _DURATION, UNIT_SECONDS

API_VERSION = "reliability/v1"
KIND = "ErrorBudgetPolicy"
EXEMPTION_KINDS = ("dependency-outage", "out-of-scope-traffic", "other")
SEVERITIES = ("SEV-1", "SEV-2", "SEV-3", "SEV-4")
# A deployment whose description names a fix, a revert or a rollback ships during a freeze.
DEFAULT_FIX_PATTERN = r"(?i)\b(fix(es|ed)?|hotfix|revert(s|ed)?|roll(ed)?[ -]?back|security)\b"


@dataclass(frozen=True)
class Freeze:
    """Releases other than fixes are frozen while any gating SLO's trailing budget is spent."""

    enabled: bool = True
    trailing_window: str = "28d"
    trailing_seconds: int = 28 * 86400
    min_coverage: float = 0.9
    slos: tuple[str, ...] | None = None  # None: every SLO of the deployment's service
    fix_pattern: str = DEFAULT_FIX_PATTERN

    def is_fix(self, description: str | None) -> bool:
        return bool(description) and re.search(self.fix_pattern, description) is not None


@dataclass(frozen=True)
class IncidentBudget:
    """An incident spending more than ``max_share`` of a month's budget needs a post-mortem
    and at least one action item of ``require_priority``."""

    enabled: bool = True
    max_share: Fraction = Fraction(1, 5)
    require_postmortem: bool = True
    require_priority: str | None = "P0"


@dataclass(frozen=True)
class Postmortems:
    """Post-mortems published within ``hours[severity]`` hours of resolution."""

    enabled: bool = True
    hours: Mapping[str, float] = field(default_factory=lambda: {"SEV-1": 48.0})


@dataclass(frozen=True)
class Exemption:
    """Bad in ``[start, end)`` (or the impact window of ``incident``) of the SLOs it names
    spends no trailing budget: a declared dependency outage or out-of-scope traffic."""

    id: str
    kind: str
    reason: str
    slo: str | None = None
    service: str | None = None
    incident: str | None = None
    start: datetime | None = None
    end: datetime | None = None

    def covers(self, slo) -> bool:
        # A per-instance SLO's instances are covered by its name (name{label="value"}).
        return (self.slo is None or self.slo in (slo.name, slo.name.split("{", 1)[0])) and (self.service is None or self.service == slo.service)

    def as_json(self) -> dict:
        return {"id": self.id, "kind": self.kind, "reason": self.reason, "slo": self.slo, "service": self.service,
                "incident": self.incident, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class Policy:
    name: str
    freeze: Freeze = Freeze()
    incident_budget: IncidentBudget = IncidentBudget()
    postmortems: Postmortems = Postmortems()
    exemptions: tuple[Exemption, ...] = ()
    source: str = "default"  # "default", "file" or "stored"
    file: str | None = None

    def as_json(self) -> dict:
        """The policy as every surface shows it (ratios as floats, hours as floats)."""
        return {
            "name": self.name, "source": self.source, "file": self.file,
            "release_freeze": {"enabled": self.freeze.enabled, "trailing_window": self.freeze.trailing_window,
                               "min_coverage": self.freeze.min_coverage,
                               "slos": None if self.freeze.slos is None else list(self.freeze.slos),
                               "fix_pattern": self.freeze.fix_pattern},
            "incident_budget": {"enabled": self.incident_budget.enabled,
                                "max_share": float(self.incident_budget.max_share),
                                "require_postmortem": self.incident_budget.require_postmortem,
                                "require_action_item_priority": self.incident_budget.require_priority},
            "postmortems": {"enabled": self.postmortems.enabled,
                            "within_hours": {k: float(v) for k, v in self.postmortems.hours.items()}},
            "exemptions": [e.as_json() for e in self.exemptions],
        }


DEFAULT = Policy("default")


class _At:
    """Builds BadInput errors naming the file and the field path."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, path: str, message: str) -> BadInput:
        return BadInput(message, file=self.file, field=path)


def _mapping(at: _At, value: Any, path: str, keys: tuple[str, ...]) -> Mapping:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise at.fail(path, f"expected a mapping, got {type(value).__name__}")
    for key in value:
        if key not in keys:
            raise at.fail(f"{path}.{key}" if path else str(key), f"unknown field; expected one of {', '.join(keys)}")
    return value


def _bool(at: _At, value: Any, path: str, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise at.fail(path, f"expected true or false, got {value!r}")
    return value


def _ratio(at: _At, value: Any, path: str, default) -> Fraction:
    if value is None:
        return default
    try:
        exact = None if isinstance(value, bool) else Fraction(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        exact = None
    if exact is None or not 0 <= exact <= 1:
        raise at.fail(path, f"expected a ratio between 0 and 1 (0.2 = 20 %), got {value!r}")
    return exact


def _text(at: _At, value: Any, path: str, required: bool = False) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise at.fail(path, "is required (a string)")
        return None
    if not isinstance(value, str):
        raise at.fail(path, f"expected a string, got {type(value).__name__} {value!r}")
    return value.strip()


def _freeze(at: _At, spec: Any) -> Freeze:
    path = "spec.releaseFreeze"
    m = _mapping(at, spec, path, ("enabled", "trailingWindow", "minCoverage", "slos", "fixPattern"))
    window = m.get("trailingWindow", "28d")
    match = _DURATION.match(window) if isinstance(window, str) else None
    if not match or match.group(2) not in ("m", "h", "d", "w"):
        raise at.fail(f"{path}.trailingWindow", f"expected a duration in m, h, d or w such as 28d, got {window!r}")
    seconds = int(match.group(1)) * UNIT_SECONDS[match.group(2)]
    slos = m.get("slos")
    if slos is not None:
        if not isinstance(slos, list) or not all(isinstance(s, str) and s.strip() for s in slos):
            raise at.fail(f"{path}.slos", f"expected a list of SLO names, got {slos!r}")
        slos = tuple(s.strip() for s in slos)
    pattern = _text(at, m.get("fixPattern"), f"{path}.fixPattern") or DEFAULT_FIX_PATTERN
    try:
        re.compile(pattern)
    except re.error as exc:
        raise at.fail(f"{path}.fixPattern", f"not a regular expression: {exc}") from None
    return Freeze(_bool(at, m.get("enabled"), f"{path}.enabled", True), window, seconds,
                  float(_ratio(at, m.get("minCoverage"), f"{path}.minCoverage", Fraction(9, 10))), slos, pattern)


def _incident_budget(at: _At, spec: Any) -> IncidentBudget:
    path = "spec.incidentBudget"
    m = _mapping(at, spec, path, ("enabled", "maxShare", "requirePostmortem", "requireActionItemPriority"))
    priority = m.get("requireActionItemPriority", "P0")
    if priority is False or priority is None:
        priority = None
    elif not isinstance(priority, str) or priority.upper() not in PRIORITIES:
        raise at.fail(f"{path}.requireActionItemPriority", f"expected one of {', '.join(PRIORITIES)} or false, "
                      f"got {priority!r}")
    return IncidentBudget(_bool(at, m.get("enabled"), f"{path}.enabled", True),
                          _ratio(at, m.get("maxShare"), f"{path}.maxShare", Fraction(1, 5)),
                          _bool(at, m.get("requirePostmortem"), f"{path}.requirePostmortem", True),
                          priority.upper() if priority else None)


def _postmortems(at: _At, spec: Any) -> Postmortems:
    path = "spec.postmortems"
    m = _mapping(at, spec, path, ("enabled", *SEVERITIES))
    hours = {}
    for sev in SEVERITIES:
        value = m.get(sev)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise at.fail(f"{path}.{sev}", f"expected a positive number of hours such as 48, got {value!r}")
        hours[sev] = float(value)
    return Postmortems(_bool(at, m.get("enabled"), f"{path}.enabled", True), hours or {"SEV-1": 48.0})


def _instant(at: _At, value: Any, path: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):  # YAML reads an unquoted timestamp itself
        value = value.isoformat()
    try:
        return parse_timestamp(str(value), allow_date=True)
    except ValueError as exc:
        raise at.fail(path, str(exc)) from None


def _exemptions(at: _At, items: Any) -> tuple[Exemption, ...]:
    if items is None:
        return ()
    if not isinstance(items, list):
        raise at.fail("spec.exemptions", f"expected a list, got {type(items).__name__}")
    out, seen = [], set()
    for i, item in enumerate(items):
        path = f"spec.exemptions[{i}]"
        m = _mapping(at, item, path, ("id", "kind", "reason", "slo", "service", "incident", "start", "end"))
        ident = _text(at, m.get("id"), f"{path}.id", required=True)
        if ident in seen:
            raise at.fail(f"{path}.id", f"duplicate exemption id {ident!r}")
        seen.add(ident)
        kind = _text(at, m.get("kind"), f"{path}.kind") or "other"
        if kind not in EXEMPTION_KINDS:
            raise at.fail(f"{path}.kind", f"expected one of {', '.join(EXEMPTION_KINDS)}, got {kind!r}")
        incident = _text(at, m.get("incident"), f"{path}.incident")
        start, end = _instant(at, m.get("start"), f"{path}.start"), _instant(at, m.get("end"), f"{path}.end")
        if incident is None and (start is None or end is None):
            raise at.fail(path, "give either incident: ID or both start: and end:")
        if incident is not None and (start is not None or end is not None):
            raise at.fail(path, "give either incident: ID or start: and end:, not both")
        if start is not None and end is not None and not end > start:
            raise at.fail(f"{path}.end", "must be after start")
        out.append(Exemption(ident, kind, _text(at, m.get("reason"), f"{path}.reason", required=True),
                             _text(at, m.get("slo"), f"{path}.slo"), _text(at, m.get("service"), f"{path}.service"),
                             incident, start, end))
    return tuple(out)


def parse(document: Any, file: str, source: str = "file") -> Policy:
    """The policy of one parsed YAML document (BadInput naming ``file`` and the field)."""
    at = _At(file)
    root = _mapping(at, document, "", ("apiVersion", "kind", "metadata", "spec"))
    if not root:
        raise at.fail("", "expected a mapping (an ErrorBudgetPolicy document)")
    if root.get("apiVersion") != API_VERSION:
        raise at.fail("apiVersion", f"expected {API_VERSION!r}, got {root.get('apiVersion')!r}")
    if root.get("kind") != KIND:
        raise at.fail("kind", f"expected {KIND!r}, got {root.get('kind')!r}")
    meta = _mapping(at, root.get("metadata"), "metadata", ("name", "displayName", "description"))
    name = _text(at, meta.get("name"), "metadata.name", required=True)
    spec = _mapping(at, root.get("spec"), "spec", ("releaseFreeze", "incidentBudget", "postmortems", "exemptions"))
    return Policy(name, _freeze(at, spec.get("releaseFreeze")), _incident_budget(at, spec.get("incidentBudget")),
                  _postmortems(at, spec.get("postmortems")), _exemptions(at, spec.get("exemptions")), source, file)


def load_file(path: str) -> tuple[Policy, Any, str]:
    """(policy, the parsed document, the YAML text) of the file at ``path``."""
    from reliability.openslo.yaml_limits import read_file

    # The file read and its YAML loaded as `slo apply` does (limits, the same messages).
    text, loaded = read_file(path)
    docs = [d for d in loaded if d is not None]
    if len(docs) != 1:
        raise BadInput(f"expected one ErrorBudgetPolicy document, found {len(docs)}", file=path)
    # Timestamps YAML read itself become ISO text again: the document is stored as JSON.
    document = json.loads(json.dumps(docs[0], default=lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v)))
    return parse(document, path), document, text
