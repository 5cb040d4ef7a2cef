"""The contracts file: YAML documents of ``kind: Contract``, validated into :class:`Contract`.

Every error is :class:`BadInput` naming the file, the contract (its ``metadata.name``, else its
document number) and the field path, e.g. ``contracts.yaml: field 'spec.tiers[1].below':
contract 'acme-gateway' (document 2): expected a percent in (0, 100], got 120``. Any key the
format does not define is refused: a typo must not silently drop an exclusion or a tier.
The format is documented in docs/contracts.md.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any

from reliability import periods
from reliability.analysis.credits import Tier
from reliability.contracts.model import COMBINE_RULES, EXCLUSION_KINDS, Contract, Exclusion, Selector
from reliability.errors import BadInput

API_VERSION = "reliability/v1"
KIND = "Contract"
_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]{0,126}[A-Za-z0-9])?$")
_LABEL = re.compile(r"^([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$")
_INSTANCE_LABEL = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")  # an instance's grouping label (Prometheus)
_TOP = {"apiVersion", "kind", "metadata", "spec"}
_METADATA = {"name", "displayName"}
_SPEC = {"customer", "customerName", "timeZone", "start", "end", "monthlyFee", "currency", "slos", "tiers",
         "combine", "minCoverage", "exclusions"}
_SELECTOR = {"slo", "labels", "instance"}
_TIER = {"below", "credit"}
_EXCLUSION = {"id", "kind", "reason", "start", "end", "incident"}


class _Doc:
    """Names the file, the contract and the field in every error of one document."""

    def __init__(self, file: str, index: int, name: str | None = None) -> None:
        self.file, self.index, self.name = file, index, name

    def fail(self, path: str, message: str) -> BadInput:
        who = f"contract {self.name!r} (document {self.index})" if self.name else f"document {self.index}"
        return BadInput(f"{who}: {message}", file=self.file, field=path or None)


def _keys(doc: _Doc, path: str, value: Any, allowed: set[str], required: tuple[str, ...] = ()) -> Mapping:
    if not isinstance(value, Mapping):
        raise doc.fail(path, f"expected a mapping, got {type(value).__name__} {value!r}")
    for key in value:
        if key not in allowed:
            raise doc.fail(f"{path}.{key}" if path else str(key),
                           f"unknown field (expected one of {', '.join(sorted(allowed))})")
    for key in required:
        if value.get(key) is None:
            raise doc.fail(f"{path}.{key}" if path else key, "is required")
    return value


def _text(doc: _Doc, path: str, value: Any, required: bool = True) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or any(ord(c) < 32 for c in value):
        raise doc.fail(path, f"expected a non-empty line of text, got {value!r}")
    return value.strip()


def _decimal(doc: _Doc, path: str, value: Any, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise doc.fail(path, f"expected {what}, got {value!r}")
    try:
        # A YAML float is read as the shortest decimal that prints it (99.95, not its binary value).
        number = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except InvalidOperation:
        raise doc.fail(path, f"expected {what}, got {value!r}") from None
    if not number.is_finite():
        raise doc.fail(path, f"expected {what}, got {value!r}")
    return number


def _percent(doc: _Doc, path: str, value: Any, low_open: bool) -> Fraction:
    number = _decimal(doc, path, value, "a percent such as 99.9")
    if not ((0 < number) if low_open else (0 <= number)) or number > 100:
        raise doc.fail(path, f"expected a percent in {'(' if low_open else '['}0, 100], got {value!r}")
    return Fraction(number)


def _date(doc: _Doc, path: str, value: Any) -> date:
    if isinstance(value, datetime):
        raise doc.fail(path, f"expected a date YYYY-MM-DD (a whole day in spec.timeZone), got {value!r}")
    if isinstance(value, date):
        return value
    try:
        if isinstance(value, str):
            return date.fromisoformat(value.strip())
    except ValueError:
        pass
    raise doc.fail(path, f"expected a date YYYY-MM-DD, got {value!r}")


def _instant(doc: _Doc, path: str, value: Any) -> datetime:
    if isinstance(value, datetime):
        found = value
    elif isinstance(value, str):
        try:
            found = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise doc.fail(path, f"expected an ISO 8601 instant such as 2026-04-12T06:00:00Z, got {value!r}") from None
    else:
        raise doc.fail(path, f"expected an ISO 8601 instant such as 2026-04-12T06:00:00Z, got {value!r}")
    if found.tzinfo is None:
        raise doc.fail(path, f"{value!s} has no time zone (ambiguous); write it with Z or an offset")
    return found.astimezone(timezone.utc)


def _pairs(doc: _Doc, path: str, value: Any, rule: re.Pattern = _LABEL) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, Mapping) or not value:
        raise doc.fail(path, f"expected a mapping of label keys to values, got {value!r}")
    out = []
    for key, item in value.items():
        if not isinstance(key, str) or not rule.match(key):
            raise doc.fail(f"{path}.{key}", "expected a label name" + (
                " ([A-Za-z_][A-Za-z0-9_]*, as Prometheus' labels)" if rule is _INSTANCE_LABEL else
                ": letters, digits, '-', '_' or '.'"))
        if isinstance(item, bool) or not isinstance(item, (str, int, float)) or not str(item).strip():
            raise doc.fail(f"{path}.{key}", f"expected a string value, got {item!r}")
        out.append((key, str(item).strip()))
    return tuple(sorted(out))


def _selector(doc: _Doc, path: str, value: Any) -> Selector:
    item = _keys(doc, path, value, _SELECTOR)
    has_slo, has_labels = item.get("slo") is not None, item.get("labels") is not None
    if has_slo == has_labels:
        raise doc.fail(path, "expected exactly one of slo: NAME or labels: {KEY: VALUE}")
    instance = _pairs(doc, f"{path}.instance", item["instance"], _INSTANCE_LABEL) \
        if item.get("instance") is not None else ()
    if has_slo:
        name = _text(doc, f"{path}.slo", item["slo"])
        if "{" in name:  # the table form of an instance: api-gateway-availability{customer="acme"}
            name, instance = _address(doc, f"{path}.slo", name, instance)
        return Selector(slo=name, instance=instance)
    return Selector(labels=_pairs(doc, f"{path}.labels", item["labels"]), instance=instance)


def _address(doc: _Doc, path: str, text: str, given: tuple) -> tuple[str, tuple[tuple[str, str], ...]]:
    """``(name, instance)`` of an instance's address (reliability.instances' form)."""
    if given:
        raise doc.fail(path, "give the instance either in the address or as instance:, not both")
    try:
        from reliability.instances import parse_address
    except ImportError:
        raise doc.fail(path, f"{text!r} addresses a per-instance SLO, which this build does not support") from None
    try:
        return parse_address(text, field=path)
    except BadInput as exc:
        raise doc.fail(path, exc.message) from None


def _tiers(doc: _Doc, path: str, value: Any) -> tuple[Tier, ...]:
    if not isinstance(value, list) or not value:
        raise doc.fail(path, "expected a list of tiers such as [{below: 99.9, credit: 10}]")
    tiers = []
    for i, raw in enumerate(value):
        item = _keys(doc, f"{path}[{i}]", raw, _TIER, ("below", "credit"))
        below = _percent(doc, f"{path}[{i}].below", item["below"], low_open=True) / 100
        credit = _percent(doc, f"{path}[{i}].credit", item["credit"], low_open=True)
        if any(t.below == below for t in tiers):
            raise doc.fail(f"{path}[{i}].below", f"tier below {float(below * 100):g} % is given twice")
        tiers.append(Tier(below, credit))
    ordered = sorted(tiers, key=lambda t: t.below, reverse=True)
    for higher, lower in zip(ordered, ordered[1:]):
        if lower.credit_percent < higher.credit_percent:
            i = tiers.index(lower)
            raise doc.fail(f"{path}[{i}].credit", f"a lower attainment must not credit less: below "
                           f"{float(lower.below * 100):g} % credits {float(lower.credit_percent):g} %, below "
                           f"{float(higher.below * 100):g} % credits {float(higher.credit_percent):g} %")
    return tuple(tiers)


def _exclusions(doc: _Doc, path: str, value: Any) -> tuple[Exclusion, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise doc.fail(path, "expected a list of exclusions")
    out, seen = [], set()
    for i, raw in enumerate(value):
        p = f"{path}[{i}]"
        item = _keys(doc, p, raw, _EXCLUSION, ("id", "kind", "reason"))
        ident = _text(doc, f"{p}.id", item["id"] if not isinstance(item["id"], int) else str(item["id"]))
        if ident in seen:
            raise doc.fail(f"{p}.id", f"exclusion id {ident!r} is given twice")
        seen.add(ident)
        kind = item["kind"]
        if kind not in EXCLUSION_KINDS:
            raise doc.fail(f"{p}.kind", f"expected one of {', '.join(EXCLUSION_KINDS)}, got {kind!r}")
        has_window = item.get("start") is not None or item.get("end") is not None
        incident = _text(doc, f"{p}.incident", item.get("incident"), required=False)
        if has_window == (incident is not None):
            raise doc.fail(p, "expected either incident: ID (its impact window) or start: and end: (ISO 8601)")
        start = end = None
        if has_window:
            for key in ("start", "end"):
                if item.get(key) is None:
                    raise doc.fail(f"{p}.{key}", "is required with " + ("end" if key == "start" else "start"))
            start, end = _instant(doc, f"{p}.start", item["start"]), _instant(doc, f"{p}.end", item["end"])
            if end <= start:
                raise doc.fail(f"{p}.end", "is not after start")
        out.append(Exclusion(ident, kind, _text(doc, f"{p}.reason", item["reason"]), start, end, incident))
    return tuple(out)


def parse_document(raw: Any, file: str, index: int) -> Contract:
    """One validated contract (``raw``: one YAML document)."""
    doc = _Doc(file, index)
    top = _keys(doc, "", raw, _TOP, ("apiVersion", "kind", "metadata", "spec"))
    meta = _keys(doc, "metadata", top["metadata"], _METADATA, ("name",))
    name = meta["name"]
    if not isinstance(name, str) or not _NAME.match(name):
        raise doc.fail("metadata.name", f"expected a name of letters, digits, '.', '_' or '-', got {name!r}")
    doc.name = name
    if top["apiVersion"] != API_VERSION:
        raise doc.fail("apiVersion", f"expected {API_VERSION}, got {top['apiVersion']!r}")
    if top["kind"] != KIND:
        raise doc.fail("kind", f"expected {KIND}, got {top['kind']!r}")
    spec = _keys(doc, "spec", top["spec"], _SPEC, ("customer", "start", "monthlyFee", "currency", "slos", "tiers"))
    customer = _text(doc, "spec.customer", spec["customer"])
    zone = spec.get("timeZone", "UTC")
    try:
        periods.zone(zone if isinstance(zone, str) else "")
    except BadInput:
        raise doc.fail("spec.timeZone", f"expected an IANA time zone such as Europe/Berlin, got {zone!r}") from None
    start = _date(doc, "spec.start", spec["start"])
    end = _date(doc, "spec.end", spec["end"]) if spec.get("end") is not None else None
    if end is not None and end < start:
        raise doc.fail("spec.end", f"{end} is before spec.start {start} (both days are included)")
    fee = _decimal(doc, "spec.monthlyFee", spec["monthlyFee"], "an amount such as 12000.00")
    if fee < 0:
        raise doc.fail("spec.monthlyFee", f"expected an amount of at least 0, got {spec['monthlyFee']!r}")
    currency = _currency(doc, spec["currency"])
    if not isinstance(spec["slos"], list) or not spec["slos"]:
        raise doc.fail("spec.slos", "expected a list of covered SLOs such as [{slo: api-gateway-availability}]")
    selectors = tuple(_selector(doc, f"spec.slos[{i}]", s) for i, s in enumerate(spec["slos"]))
    combine = spec.get("combine", "max")
    if combine not in COMBINE_RULES:
        raise doc.fail("spec.combine", f"expected one of {', '.join(COMBINE_RULES)}, got {combine!r}")
    min_coverage = None
    if spec.get("minCoverage") is not None:
        value = _decimal(doc, "spec.minCoverage", spec["minCoverage"], "a ratio such as 0.9")
        if not 0 <= value <= 1:
            raise doc.fail("spec.minCoverage", f"expected a ratio between 0 and 1 (0.9 = 90 %), got {value}")
        min_coverage = float(value)
    return Contract(
        name=name, customer=customer,
        customer_name=_text(doc, "spec.customerName", spec.get("customerName"), required=False) or customer,
        display_name=_text(doc, "metadata.displayName", meta.get("displayName"), required=False) or name,
        time_zone=zone, start=start, end=end, monthly_fee=fee, currency=currency, slos=selectors,
        tiers=_tiers(doc, "spec.tiers", spec["tiers"]), combine=combine, min_coverage=min_coverage,
        exclusions=_exclusions(doc, "spec.exclusions", spec.get("exclusions")),
    )


def _currency(doc: _Doc, value: Any) -> str:
    from reliability.contracts import money

    if not isinstance(value, str) or not money.known(value):
        raise doc.fail("spec.currency", f"expected an ISO 4217 currency code such as USD or EUR, got {value!r}")
    return value


def read(path: str | Path) -> list[tuple[Contract, dict]]:
    """Every contract of the YAML file at ``path`` with its document (as JSON-ready data), all
    validated; names unique within the file."""
    from reliability.ingest.common import display

    import yaml

    name = display(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput("no such file", file=name) from None
    except (UnicodeDecodeError, IsADirectoryError, PermissionError) as exc:
        raise BadInput(f"cannot read it as UTF-8 text ({type(exc).__name__})", file=name) from None
    try:
        documents = [d for d in _load(text, name) if d is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise BadInput(f"not valid YAML{where}: {getattr(exc, 'problem', None) or exc}", file=name) from None
    if not documents:
        raise BadInput("no contract in the file (expected YAML documents of kind: Contract)", file=name)
    out, seen = [], {}
    for index, raw in enumerate(documents, 1):
        contract = parse_document(raw, name, index)
        if contract.name in seen:
            raise _Doc(name, index, contract.name).fail(
                "metadata.name", f"the name is already used by document {seen[contract.name]}")
        seen[contract.name] = index
        out.append((contract, _plain(raw)))
    return out


def _load(text: str, path: str) -> list:
    """The YAML documents of ``text`` within the limits of :mod:`reliability.openslo.yaml_limits`
    (size, alias expansion), with dates and times left as text: this module parses them itself,
    so that ``2025-13-01`` is an error naming its contract and field, not a crash of the loader."""
    import yaml

    from reliability.openslo import yaml_limits

    if len(text) > yaml_limits.MAX_CHARS:
        raise BadInput(f"the file is larger than {yaml_limits.MAX_CHARS // (1024 * 1024)} MiB; a contracts file "
                       "is a few KB", file=path)
    loader = _text_dates_loader()(text)
    documents = []
    try:
        index = 0
        while loader.check_node():
            index += 1
            node = loader.get_node()
            yaml_limits._check(node, path, index)
            documents.append(loader.construct_document(node))
    finally:
        loader.dispose()
    return documents


@functools.cache
def _text_dates_loader():
    import yaml

    class TextDates(yaml.SafeLoader):
        """The safe loader without the implicit timestamp type: dates stay strings."""

    TextDates.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    return TextDates


def _plain(value: Any) -> Any:
    """The document with YAML dates and times as ISO 8601 text, ready for JSON."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value
