"""Reading OpenSLO files into documents, checking the kinds that carry no SLO semantics,
and resolving references (``indicatorRef``, ``metricSourceRef``) across documents.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from reliability.errors import BadInput
from reliability.openslo.alerts import check_condition
from reliability.openslo.fields import _get, _name, _Where, connection_details
from reliability.openslo.model import API_VERSION, KINDS, OPS, SLO, Document
from reliability.openslo.parse import parse_indicator, parse_slo
from reliability.openslo.yaml_limits import read_file


def read_documents(path: str) -> list[Document]:
    """Split a YAML file into OpenSLO documents; syntax and envelope errors are BadInput."""
    import yaml

    text, loaded = read_file(path)
    chunks = re.split(r"(?m)^---[^\n]*\n", text)
    if chunks and not chunks[0].strip():
        chunks = chunks[1:]
    docs = []
    index = 0
    for position, body in enumerate(loaded):
        # go-sdk, `oslo fmt` and Nobl9's converter write a YAML (or JSON) list of documents:
        # each item is a document, numbered on from the documents before it.
        items = body if isinstance(body, list) else [body]
        for item in items:
            index += 1
            if item is None:
                continue
            where = _Where(path, index)
            if not isinstance(item, Mapping):
                raise where.fail("", f"expected a mapping (an OpenSLO document), got {type(item).__name__}")
            api = item.get("apiVersion")
            if api != API_VERSION:
                raise where.fail("apiVersion", f"expected {API_VERSION!r}, got {api!r}{_version_hint(api, item)}")
            kind = item.get("kind")
            if kind not in KINDS:
                raise where.fail("kind", f"expected one of {', '.join(KINDS)}, got {kind!r}")
            meta = _get(where, item, "", "metadata", dict)
            name = _name(where, "metadata", meta)
            if kind == "Service" and item.get("spec") is None:
                item = {**item, "spec": {}}  # a Service's spec holds only an optional description
            _get(where, item, "", "spec", dict)
            if isinstance(body, list):
                text_chunk = yaml.safe_dump(item, sort_keys=False, allow_unicode=True)
            else:
                text_chunk = chunks[position] if position < len(chunks) else ""
            docs.append(Document(kind, name, item, path, index, text_chunk))
    if not docs:
        raise BadInput("no OpenSLO documents found", file=path)
    return docs


def _version_hint(api, item: Mapping) -> str:
    if isinstance(api, str) and ("v1alpha" in api or "v2alpha" in api):
        return " (only OpenSLO v1 is read; v1alpha and v2alpha documents have a different schema)"
    if api is None and str(item.get("version", "")).startswith("prometheus/") or api == "sloth.slok.dev/v1":
        return " (this is a Sloth spec, not OpenSLO: write the SLO as OpenSLO v1; `rules --sloth` writes Sloth's rules)"
    return ""


def check_other(doc: Document) -> None:
    """Validate the kinds that carry no SLO semantics here, as far as OpenSLO pins them."""
    where = _Where(doc.file, doc.index)
    spec = doc.body["spec"]
    if doc.kind == "Service":
        from reliability.openslo import labels

        labels.parse(where, "metadata", doc.body.get("metadata"))
    elif doc.kind == "DataSource":
        _get(where, spec, "spec", "type", str)
        # The spec allows any YAML here; a list of one-key mappings (go-sdk's examples) is read
        # as one mapping.
        details = connection_details(spec)
        _refuse_literal_secrets(where, details)
    elif doc.kind == "AlertCondition":
        cond = _get(where, spec, "spec", "condition", dict)
        check_condition(where, "spec.condition", cond)
    elif doc.kind == "AlertPolicy":
        conditions = _get(where, spec, "spec", "conditions", list)
        for i, c in enumerate(conditions):
            path = f"spec.conditions[{i}]"
            if not isinstance(c, Mapping):
                raise where.fail(path, "expected a conditionRef or an inline AlertCondition")
            if "conditionRef" in c:
                _get(where, c, path, "conditionRef", str)
            else:
                inner = _get(where, c, path, "spec", dict)
                check_condition(where, f"{path}.spec.condition", _get(where, inner, f"{path}.spec", "condition", dict))


# Kept for callers of the old fixed list; recognition is by pattern (reliability.openslo.secrets).
LITERAL_SECRETS = ("token", "bearerToken", "password", "apiKey", "secret", "accessToken")


def _refuse_literal_secrets(where: _Where, details) -> None:
    """A literal secret anywhere in ``connectionDetails`` is bad input (by pattern: secrets.py)."""
    from reliability.openslo import secrets

    for path, message in secrets.refusals("DataSource", {"spec": {"connectionDetails": details}}):
        raise where.fail(path, message)


def resolve(docs: Iterable[Document], stored: Iterable[Document] = (), *, warn=None) -> tuple[list[SLO], list[Document]]:
    """Validate documents, resolving ``indicatorRef`` and ``metricSourceRef`` against the new
    documents first, then the stored ones. Returns the SLOs and every document; ``warn`` (if
    given) is called with a message for each field that is accepted but ignored."""
    docs = list(docs)
    seen: dict[tuple[str, str], Document] = {}
    for d in docs:
        key = (d.kind, d.name)
        if key in seen:
            prev = seen[key]
            raise _Where(d.file, d.index).fail(
                "metadata.name", f"{d.kind} {d.name!r} is also defined in {prev.file} document {prev.index}"
            )
        seen[key] = d
    slis = {d.name: d for d in stored if d.kind == "SLI"}
    slis.update({d.name: d for d in docs if d.kind == "SLI"})
    datasources = {d.name: d.body for d in stored if d.kind == "DataSource"}
    datasources.update({d.name: d.body for d in docs if d.kind == "DataSource"})
    for d in docs:
        if d.kind == "SLI":
            parse_indicator(_Where(d.file, d.index), "", d.body, datasources)
        elif d.kind != "SLO":
            check_other(d)
    slos = [parse_slo(d, slis, datasources, warn) for d in docs if d.kind == "SLO"]
    return slos, docs
