"""Composite SLOs (a user journey over several SLOs): the OpenSLO document and its dataclass.

An ``openslo/v1`` SLO document is a composite when its objective has a ``composite`` block
instead of the SLO having an indicator. The shape follows Nobl9's composite SLOs
(``objectives[].composite.components.objectives[]`` with ``slo``, ``objective`` and
``weight``); ``compositeWeight`` (OpenSLO v2alpha's name for the same weight) is accepted too,
and ``aggregation`` (``weighted``, the default, or ``worst``) is this tool's addition::

    apiVersion: openslo/v1
    kind: SLO
    metadata: {name: checkout-journey, displayName: Checkout journey}
    spec:
      service: checkout
      timeWindow: [{duration: 1M, isRolling: false,
                    calendar: {startTime: "2024-01-01 00:00:00", timeZone: UTC}}]
      objectives:
        - displayName: Checkout succeeds
          target: 0.995
          composite:
            aggregation: weighted
            components:
              objectives:
                - {slo: api-gateway-availability, weight: 2}
                - {slo: payments-availability, weight: 1}

A member is a stored SLO (or one instance: ``api-gateway-availability{customer="acme"}``),
optionally one of its objectives by ``objective`` (its displayName; default the first).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from reliability import instances
from reliability.openslo.fields import _get, _ratio, _Where
from reliability.openslo.model import Document, TimeWindow

AGGREGATIONS = ("weighted", "worst")


@dataclass(frozen=True)
class Member:
    slo: str  # the member's name or instance address
    objective: str | None  # the member objective's displayName; None: its first
    weight: float  # as written (> 0); normalised by the composite


@dataclass(frozen=True)
class Composite:
    name: str
    display_name: str | None
    description: str | None
    service: str
    window: TimeWindow
    objective: str | None
    target: float
    aggregation: str
    members: tuple[Member, ...]

    def as_stored(self) -> dict:
        out = asdict(self)
        out["window"] = {"duration": str(self.window.duration), "is_rolling": self.window.is_rolling,
                         "calendar_start": self.window.calendar_start.isoformat() if self.window.calendar_start else None,
                         "time_zone": self.window.time_zone}
        return out


def is_composite(doc: Document) -> bool:
    """An SLO document with a ``composite`` objective (checked before the SLO parser, which
    needs an indicator)."""
    if doc.kind != "SLO" or not isinstance(doc.body, Mapping):
        return False
    spec = doc.body.get("spec")
    objectives = spec.get("objectives") if isinstance(spec, Mapping) else None
    return isinstance(objectives, list) and any(isinstance(o, Mapping) and "composite" in o for o in objectives)


def parse(doc: Document) -> Composite:
    """Validate a composite SLO document; bad input names the file, document and field."""
    from reliability.openslo.parse import _time_window

    where = _Where(doc.file, doc.index)
    body = doc.body
    spec = _get(where, body, "", "spec", dict)
    service = _get(where, spec, "spec", "service", str)
    for field in ("indicator", "indicatorRef"):
        if field in spec:
            raise where.fail(f"spec.{field}", "a composite SLO has no indicator of its own: its members' SLOs measure")
    window = _time_window(where, spec)
    objectives = _get(where, spec, "spec", "objectives", list)
    if len(objectives) != 1:
        raise where.fail("spec.objectives", "a composite SLO has exactly one objective (with its composite block)")
    path = "spec.objectives[0]"
    obj = objectives[0]
    if not isinstance(obj, Mapping):
        raise where.fail(path, "expected a mapping")
    if ("target" in obj) == ("targetPercent" in obj):
        raise where.fail(f"{path}.target", "expected exactly one of target or targetPercent")
    if "target" in obj:
        target = _ratio(where, f"{path}.target", obj["target"], low_open=True, high_open=False)
    else:
        target = _ratio(where, f"{path}.targetPercent", obj["targetPercent"], low_open=True, high_open=False, scale=100)
    comp = _get(where, obj, path, "composite", dict)
    cpath = f"{path}.composite"
    aggregation = comp.get("aggregation", "weighted")
    if aggregation not in AGGREGATIONS:
        raise where.fail(f"{cpath}.aggregation", f"expected weighted or worst, got {aggregation!r}")
    components = _get(where, comp, cpath, "components", dict)
    items = _get(where, components, f"{cpath}.components", "objectives", list)
    if not items:
        raise where.fail(f"{cpath}.components.objectives", "expected at least one member SLO")
    members, seen = [], set()
    for i, item in enumerate(items):
        mpath = f"{cpath}.components.objectives[{i}]"
        if not isinstance(item, Mapping):
            raise where.fail(mpath, "expected a mapping with slo and weight")
        slo = _get(where, item, mpath, "slo", str)
        try:
            instances.parse_address(slo, field=f"{mpath}.slo")
        except Exception as exc:  # BadInput without file: name the document's field instead
            raise where.fail(f"{mpath}.slo", str(getattr(exc, "message", exc))) from None
        objective = item.get("objective")
        if objective is not None and not isinstance(objective, str):
            raise where.fail(f"{mpath}.objective", f"expected the member objective's displayName, got {objective!r}")
        if "weight" in item and "compositeWeight" in item:
            raise where.fail(f"{mpath}.weight", "give weight or compositeWeight, not both")
        raw = item.get("weight", item.get("compositeWeight", 1))
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw) or raw <= 0:
            raise where.fail(f"{mpath}.weight", f"expected a number > 0, got {raw!r}")
        if (slo, objective) in seen:
            raise where.fail(f"{mpath}.slo", f"{slo!r} is a member twice")
        seen.add((slo, objective))
        members.append(Member(slo, objective, float(raw)))
    meta = body.get("metadata") or {}
    return Composite(
        name=doc.name,
        display_name=meta.get("displayName"),
        description=spec.get("description"),
        service=service,
        window=window,
        objective=obj.get("displayName") or obj.get("name"),
        target=target,
        aggregation=aggregation,
        members=tuple(members),
    )


def from_stored(definition: Mapping) -> Composite:
    """The :class:`Composite` of a stored definition (``composite_slos.definition``)."""
    from datetime import datetime

    from reliability.openslo.model import Duration

    w = definition["window"]
    count, unit = int(w["duration"][:-1]), w["duration"][-1]
    window = TimeWindow(Duration(count, unit), w["is_rolling"],
                        datetime.fromisoformat(w["calendar_start"]) if w["calendar_start"] else None, w["time_zone"])
    members = tuple(Member(m["slo"], m["objective"], m["weight"]) for m in definition["members"])
    fields = {k: definition[k] for k in ("name", "display_name", "description", "service", "objective", "target",
                                         "aggregation")}
    return Composite(window=window, members=members, **fields)
