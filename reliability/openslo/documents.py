"""Reading OpenSLO files into documents, checking the kinds that carry no SLO semantics,
and resolving references (``indicatorRef``, ``metricSourceRef``) across documents.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from reliability.errors import BadInput
from reliability.openslo.fields import _get, _name, _Where, parse_duration
from reliability.openslo.model import API_VERSION, KINDS, OPS, SLO, Document
from reliability.openslo.parse import parse_indicator, parse_slo
from reliability.openslo.yaml_limits import load_documents


def read_documents(path: str) -> list[Document]:
    """Split a YAML file into OpenSLO documents; syntax and envelope errors are BadInput."""
    import yaml

    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        raise BadInput("no such file", file=path) from None
    except IsADirectoryError:
        raise BadInput("is a directory, expected a YAML file", file=path) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadInput("not a UTF-8 text file (binary?)", file=path) from None
    if "\x00" in text:
        raise BadInput("not a text file (binary?)", file=path)
    try:
        loaded = load_documents(text, path)  # refuses alias bombs before expanding them
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise BadInput(f"invalid YAML{at}: {problem}", file=path) from None
    chunks = re.split(r"(?m)^---[^\n]*\n", text)
    if chunks and not chunks[0].strip():
        chunks = chunks[1:]
    docs = []
    index = 0
    for body in loaded:
        index += 1
        if body is None:
            continue
        where = _Where(path, index)
        if not isinstance(body, Mapping):
            raise where.fail("", f"expected a mapping (an OpenSLO document), got {type(body).__name__}")
        api = body.get("apiVersion")
        if api != API_VERSION:
            raise where.fail("apiVersion", f"expected {API_VERSION!r}, got {api!r}")
        kind = body.get("kind")
        if kind not in KINDS:
            raise where.fail("kind", f"expected one of {', '.join(KINDS)}, got {kind!r}")
        meta = _get(where, body, "", "metadata", dict)
        name = _name(where, "metadata", meta)
        _get(where, body, "", "spec", dict)
        text_chunk = chunks[index - 1] if index - 1 < len(chunks) else ""
        docs.append(Document(kind, name, body, path, index, text_chunk))
    if not docs:
        raise BadInput("no OpenSLO documents found", file=path)
    return docs


def check_other(doc: Document) -> None:
    """Validate the kinds that carry no SLO semantics here, as far as OpenSLO pins them."""
    where = _Where(doc.file, doc.index)
    spec = doc.body["spec"]
    if doc.kind == "DataSource":
        _get(where, spec, "spec", "type", str)
        details = _get(where, spec, "spec", "connectionDetails", dict, required=False) or {}
        _refuse_literal_secrets(where, details)
    elif doc.kind == "AlertCondition":
        cond = _get(where, spec, "spec", "condition", dict)
        _check_condition(where, "spec.condition", cond)
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
                _check_condition(where, f"{path}.spec.condition", _get(where, inner, f"{path}.spec", "condition", dict))


# Kept for callers of the old fixed list; recognition is by pattern (reliability.openslo.secrets).
LITERAL_SECRETS = ("token", "bearerToken", "password", "apiKey", "secret", "accessToken")


def _refuse_literal_secrets(where: _Where, details) -> None:
    """A literal secret anywhere in ``connectionDetails`` is bad input (by pattern: secrets.py)."""
    from reliability.openslo import secrets

    for path, message in secrets.refusals("DataSource", {"spec": {"connectionDetails": details}}):
        raise where.fail(path, message)


def _check_condition(where: _Where, path: str, cond: Mapping) -> None:
    kind = _get(where, cond, path, "kind", str)
    if kind != "burnrate":
        raise where.fail(f"{path}.kind", f"expected 'burnrate', got {kind!r}")
    op = _get(where, cond, path, "op", str)
    if op not in OPS:
        raise where.fail(f"{path}.op", f"expected one of lt, lte, gt, gte, got {op!r}")
    _get(where, cond, path, "threshold", float)
    parse_duration(where, f"{path}.lookbackWindow", cond.get("lookbackWindow"))
    if "alertAfter" in cond:
        parse_duration(where, f"{path}.alertAfter", cond.get("alertAfter"))


def resolve(docs: Iterable[Document], stored: Iterable[Document] = ()) -> tuple[list[SLO], list[Document]]:
    """Validate documents, resolving ``indicatorRef`` and ``metricSourceRef`` against the new
    documents first, then the stored ones. Returns the SLOs and every document."""
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
    slos = [parse_slo(d, slis, datasources) for d in docs if d.kind == "SLO"]
    return slos, docs
