"""OpenSLO alerting: ``AlertPolicy`` and ``AlertCondition`` documents, checked at apply time and
resolved for an SLO into the burn-rate conditions that ``reliability rules`` turns into alerts.

A condition of kind ``burnrate`` (the only kind OpenSLO v1 defines, and its default) fires when
the burn rate over ``lookbackWindow`` compares to ``threshold`` by ``op``
(``lt``/``lte``/``gt``/``gte``) for at least ``alertAfter`` (default ``0m``). The burn rate is
``error ratio / (1 − target)``, so the rule compares the error ratio with
``threshold × (1 − target)``. An SLO lists its policies in ``spec.alertPolicies`` by
``alertPolicyRef`` (or a bare name) or inline; a policy lists its conditions by
``conditionRef`` or inline (OpenSLO allows one condition per policy; every one listed is used).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from reliability.errors import BadInput
from reliability.openslo.fields import _get, _Where, parse_duration
from reliability.openslo.model import OPS, Duration


@dataclass(frozen=True)
class BurnRateCondition:
    """One alert: ``policy`` and ``name`` (the AlertCondition), ``severity`` as written,
    ``op`` one of lt/lte/gt/gte, ``threshold`` a burn rate, ``lookback`` the window it is
    measured over, ``alert_after`` how long it must hold (None: at once), ``targets`` the
    names of the policy's notification targets, ``no_data`` the policy's
    ``alertWhenNoData``."""

    policy: str
    name: str
    severity: str
    op: str
    threshold: float
    lookback: Duration
    alert_after: Duration | None
    targets: tuple[str, ...] = ()
    no_data: bool = False


def check_condition(where: _Where, path: str, cond: Mapping) -> None:
    """Validate a ``condition`` mapping (kind ``burnrate`` by default)."""
    kind = _get(where, cond, path, "kind", str, required=False) or "burnrate"
    if kind != "burnrate":
        raise where.fail(f"{path}.kind", f"expected 'burnrate', got {kind!r}")
    op = _get(where, cond, path, "op", str)
    if op not in OPS:
        raise where.fail(f"{path}.op", f"expected one of lt, lte, gt, gte, got {op!r}")
    _get(where, cond, path, "threshold", float)
    lookback = parse_duration(where, f"{path}.lookbackWindow", cond.get("lookbackWindow"))
    if lookback.seconds is None or lookback.seconds % 60:
        raise where.fail(f"{path}.lookbackWindow", f"expected whole minutes such as 5m, 1h or 1d, got {lookback}")
    _alert_after(where, f"{path}.alertAfter", cond.get("alertAfter"))


def _alert_after(where: _Where, path: str, value) -> Duration | None:
    """``alertAfter`` ("defaults to 0m"): None for absent or zero, else a fixed duration."""
    if value is None or (isinstance(value, str) and re.fullmatch(r"0[smhdw]?", value)) or value == 0:
        return None
    after = parse_duration(where, path, value)
    if after.seconds is None or after.seconds % 60:
        raise where.fail(path, f"expected whole minutes such as 5m, got {after}")
    return after


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _condition(where: _Where, path: str, body: Mapping, policy: str, targets: tuple[str, ...],
               no_data: bool) -> BurnRateCondition:
    """An inline or stored AlertCondition (``{metadata: {name}, spec: {severity, condition}}``)."""
    name = _get(where, _get(where, body, path, "metadata", dict), _join(path, "metadata"), "name", str)
    spec = _get(where, body, path, "spec", dict)
    spath = _join(path, "spec")
    cond = _get(where, spec, spath, "condition", dict)
    check_condition(where, f"{spath}.condition", cond)
    severity = spec.get("severity")
    after_d = _alert_after(where, f"{spath}.condition.alertAfter", cond.get("alertAfter"))
    return BurnRateCondition(
        policy=policy,
        name=name,
        severity=str(severity) if severity is not None else "",
        op=cond["op"],
        threshold=float(cond["threshold"]),
        lookback=parse_duration(where, f"{spath}.condition.lookbackWindow", cond["lookbackWindow"]),
        alert_after=after_d,
        targets=targets,
        no_data=no_data,
    )


def _targets(spec: Mapping) -> tuple[str, ...]:
    names = []
    for t in spec.get("notificationTargets") or []:
        if isinstance(t, Mapping):
            name = t.get("targetRef") or (t.get("metadata") or {}).get("name")
            if isinstance(name, str):
                names.append(name)
    return tuple(names)


def slo_conditions(
    slo_name: str,
    definition: Mapping,
    policies: Mapping[str, Mapping],
    conditions: Mapping[str, Mapping],
) -> tuple[list[BurnRateCondition], list[str]]:
    """The burn-rate conditions of an SLO (its stored definition), resolving ``alertPolicyRef``
    and ``conditionRef`` against the stored AlertPolicy and AlertCondition documents (by name).
    Returns the conditions and notes on what was skipped (a policy with
    ``alertWhenBreaching: false``). An unresolved reference is BadInput naming the field."""
    where = _Where(f"SLO {slo_name}", None)
    found: list[BurnRateCondition] = []
    notes: list[str] = []
    spec = definition.get("spec") or {}
    for i, entry in enumerate(spec.get("alertPolicies") or []):
        path = f"spec.alertPolicies[{i}]"
        if isinstance(entry, str) or (isinstance(entry, Mapping) and "alertPolicyRef" in entry):
            ref = entry if isinstance(entry, str) else entry["alertPolicyRef"]
            body = policies.get(ref)
            if body is None:
                raise BadInput(f"no AlertPolicy named {ref!r} is applied (apply it with `slo apply`)",
                               file=where.file, field=f"{path}.alertPolicyRef")
            pwhere, ppath = _Where(f"AlertPolicy {ref}", None), ""
        else:
            body, pwhere, ppath = entry, where, path
        pname = (body.get("metadata") or {}).get("name", "?")
        pspec = _get(pwhere, body, ppath, "spec", dict)
        if pspec.get("alertWhenBreaching") is False:
            notes.append(f"AlertPolicy {pname!r} has alertWhenBreaching: false; no alert is made for it")
            continue
        targets, no_data = _targets(pspec), pspec.get("alertWhenNoData") is True
        sub = f"{ppath}.spec" if ppath else "spec"
        for j, c in enumerate(_get(pwhere, pspec, sub, "conditions", list)):
            cpath = f"{sub}.conditions[{j}]"
            if isinstance(c, Mapping) and "conditionRef" in c:
                cbody = conditions.get(c["conditionRef"])
                if cbody is None:
                    raise BadInput(f"no AlertCondition named {c['conditionRef']!r} is applied",
                                   file=pwhere.file, field=f"{cpath}.conditionRef")
                found.append(_condition(_Where(f"AlertCondition {c['conditionRef']}", None), "", cbody, pname, targets, no_data))
            elif isinstance(c, Mapping):
                found.append(_condition(pwhere, cpath, c, pname, targets, no_data))
            else:
                raise pwhere.fail(cpath, "expected a conditionRef or an inline AlertCondition")
    return found, notes
