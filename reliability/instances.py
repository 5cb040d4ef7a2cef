"""Per-instance SLOs: how an instance is named, declared and stored (docs/sla.md, "Per-instance SLOs").

One SLO definition with grouping labels (``metadata.annotations["reliability/group-by"]``)
stands for one SLO per value of those labels: an *instance*. The same instance is written

- in tables and on the command line as ``api-gateway-availability{customer="acme"}`` (the
  *address*: a Prometheus series selector, labels sorted by name),
- in JSON as ``"slo": "api-gateway-availability", "instance": {"customer": "acme"}``.

Storage: an instance's rows are stored in ``sli_slices`` under the SLI key
``availability{customer="acme"}`` (the SLI's name followed by the same selector), so SLOs
without grouping keep their plain ``(service, sli)`` key and pay nothing, and every query keyed
on ``(service, sli)`` works per instance unchanged. SLO and SLI names cannot hold ``{``
(OpenSLO names are letters, digits, ``.``, ``_`` and ``-``), so the two never mix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from reliability.errors import BadInput

ANNOTATION = "reliability/group-by"
LABEL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PAIR = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|$)', re.S)
# An address inside JSON text: a name character, "{", a label name, '=\"'. JSON's own braces
# are never preceded by a letter or digit, so a document without instances never matches.
_IN_JSON = re.compile(r'[A-Za-z0-9_.-]\{[A-Za-z_][A-Za-z0-9_]*=\\"')

Instance = tuple[tuple[str, str], ...]  # ((label, value), ...) sorted by label


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), value)


def selector(instance: Instance) -> str:
    """``{customer="acme",region="eu"}``; the empty string for no instance."""
    if not instance:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in instance) + "}"


def address(name: str, instance: Instance) -> str:
    """The table form of an instance: ``api-gateway-availability{customer="acme"}``."""
    return name + selector(instance)


def canonical(pairs: Iterable[tuple[str, str]]) -> Instance:
    """Pairs sorted by label name (a label given twice is bad input)."""
    out = dict()
    for key, value in pairs:
        if key in out:
            raise BadInput(f"label {key!r} given twice", field="--instance")
        out[key] = value
    return tuple(sorted(out.items()))


def parse_address(text: str, field: str = "--slo") -> tuple[str, Instance]:
    """``(name, instance)`` of ``name`` or ``name{label="value",...}``; bad input names ``field``."""
    brace = text.find("{")
    if brace < 0:
        return text, ()
    name, rest = text[:brace], text[brace + 1 :]
    if not rest.endswith("}"):
        raise BadInput(f'expected NAME{{label="value",...}}, got {text!r}', field=field)
    body, pairs, pos = rest[:-1], [], 0
    while pos < len(body):
        m = _PAIR.match(body, pos)
        if not m or m.end() == pos:
            raise BadInput(f'expected label="value" pairs inside {{}}, got {text!r}', field=field)
        value = _unescape(m.group(2))
        if not value:
            raise BadInput(f"label {m.group(1)!r} has an empty value in {text!r}", field=field)
        pairs.append((m.group(1), value))
        pos = m.end()
    if not name or not pairs:
        raise BadInput(f'expected NAME{{label="value",...}}, got {text!r}', field=field)
    return name, canonical(pairs)


def parse_option(values: Iterable[str], field: str = "--instance") -> Instance:
    """``--instance customer=acme`` (repeatable) as an instance."""
    pairs = []
    for text in values:
        key, eq, value = text.partition("=")
        key = key.strip()
        if not eq or not LABEL_NAME.match(key) or not value:
            raise BadInput(f"expected LABEL=VALUE such as customer=acme, got {text!r}", field=field)
        pairs.append((key, value))
    return canonical(pairs)


def cli_address(slo_name: str | None, instance_options: Iterable[str]) -> str | None:
    """The address ``--slo NAME [--instance L=V]...`` (or ``--slo 'NAME{L="V"}'``) names."""
    options = tuple(instance_options)
    if not options:
        return slo_name
    if slo_name is None:
        raise BadInput("--instance needs --slo NAME (the SLO the instance belongs to)", field="--instance")
    name, given = parse_address(slo_name)
    return address(name, canonical(given + parse_option(options)))


def group_by(annotations: Mapping | None) -> tuple[str, ...]:
    """The grouping labels an SLO's ``metadata.annotations`` declare (sorted), or ``()``.

    Raises ValueError with a message for a malformed value (the parser names the field)."""
    if not annotations or ANNOTATION not in annotations:
        return ()
    raw = annotations[ANNOTATION]
    if not isinstance(raw, str):
        raise ValueError(f"expected label names separated by commas (customer or customer,region), got {raw!r}")
    names = [n.strip() for n in raw.split(",")]
    bad = [n for n in names if not LABEL_NAME.match(n)]
    if bad or not names:
        raise ValueError(f"expected label names ([A-Za-z_][A-Za-z0-9_]*) separated by commas, got {raw!r}")
    if len(set(names)) != len(names):
        raise ValueError(f"a label is named twice in {raw!r}")
    return tuple(sorted(names))


def series_key(sli: str, instance: Instance) -> str:
    """The ``sli`` column under which an instance's rows are stored."""
    return sli + selector(instance)


def split_key(key: str) -> tuple[str, Instance]:
    """``(sli, instance)`` of a stored SLI key."""
    return parse_address(key, field="sli")


# --- JSON: the address split into slo + instance -------------------------------------------


def _rewrite(node):
    if isinstance(node, list):
        return [_rewrite(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {}
    slo = node.get("slo")
    split = parse_address(slo) if isinstance(slo, str) and "{" in slo else None
    for key, value in node.items():
        if split is not None and key == "slo":
            out["slo"] = split[0]
            out["instance"] = dict(split[1])
        elif split is not None and key == "sli" and isinstance(value, str) and "{" in value:
            out["sli"] = value[: value.index("{")]
        elif key == "instance" and split is not None:
            continue
        else:
            out[key] = _rewrite(value)
    return out


def needs_rewrite(text: str) -> bool:
    """Whether encoded JSON holds an instance address (cheap: one regular-expression search)."""
    return _IN_JSON.search(text) is not None


def split_addresses(document):
    """The document with every ``"slo": "name{...}"`` written as ``"slo": "name", "instance":
    {...}`` (and its ``sli`` as the SLI's name); documents without instances come back equal."""
    return _rewrite(document)


def instance_of(slo, instance: Instance):
    """The SLO ``slo`` (a definition with grouping labels) for one instance: named by its
    address, measuring the series stored under :func:`series_key`. Bad input (``--instance``)
    when the labels are not exactly the definition's grouping labels."""
    import dataclasses

    names = tuple(k for k, _ in instance)
    if not slo.group_by:
        raise BadInput(
            f"SLO {slo.name!r} has no grouping labels (metadata.annotations {ANNOTATION}), so it has no "
            f"instances; drop --instance", field="--instance")
    if names != slo.group_by:
        raise BadInput(
            f"SLO {slo.name!r} is grouped by {', '.join(slo.group_by)}; got {', '.join(names) or 'no label'} "
            f"(e.g. --instance {slo.group_by[0]}=VALUE)", field="--instance")
    return dataclasses.replace(slo, name=address(slo.name, instance), instance=instance)
