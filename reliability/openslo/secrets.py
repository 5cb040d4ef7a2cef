"""Recognising literal secrets in OpenSLO documents, by pattern rather than by a list of names.

Connection settings live in a DataSource's ``spec.connectionDetails`` (any YAML: a mapping, a
list of mappings, nested mappings), in inline ``metricSource.spec`` mappings of SLO and SLI
documents, and in an AlertNotificationTarget's ``spec``. Vendors name their credentials freely (``secretAccessKey``, ``clientSecret``,
``apiKey``, ``appKey``, ``accessToken``, ``password``, an ``Authorization`` header), so a value
is a *literal secret* when

- its key looks like a credential: after dropping case and ``_``/``-``, it contains one of
  :data:`SECRET_WORDS` (``secret``, ``password``, ``token``, ``apikey``, ``accesskey``, ...)
  and does not end in a reference or identifier suffix (:data:`REFERENCE_SUFFIXES`: ``env``,
  ``file``, ``path``, ``ref``, ``id``, ``name``, ``url``, ...), so ``tokenEnv``,
  ``passwordFile``, ``accessKeyID`` and ``clientName`` are fine; or
- it is the value of a header (inside a ``headers`` mapping) whose name looks like a
  credential (``Authorization``, ``Cookie``, ``X-Api-Key``, ``X-Auth-Token``, ...); or
- the text itself looks like one, whatever the key: an HTTP auth scheme and its credentials
  (``Bearer …``, ``Basic …``, ``GenieKey …``, ``Token token=…``), a URL with user-info
  (``https://TOKEN@host``, ``https://user:pass@host``), a private key block, a Slack, Discord or
  Teams webhook URL, or a well-known token format (JWT, GitHub, GitLab, Slack, Grafana, Google
  API keys, ``sk-``/``sk_live_``).

A value that only *refers* to a secret is accepted: ``${VAR}`` (the whole value, or inside a
header such as ``Bearer ${PROM_TOKEN}``), and empty, boolean or numeric values. Messages name
the field path and never the value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

SECRET_WORDS = (
    "secret", "password", "passwd", "passphrase", "pwd", "token", "apikey", "appkey", "accesskey",
    "privatekey", "clientkey", "licensekey", "signingkey", "sessionkey", "masterkey", "integrationkey",
    "routingkey", "servicekey", "credential",
    "authorization", "cookie", "bearer",
)
# A key ending like this names or points to a secret rather than holding it.
REFERENCE_SUFFIXES = ("env", "envvar", "file", "path", "ref", "id", "name", "url", "uri", "endpoint",
                      "type", "expiry", "expiration", "ttl", "header")
# Header names that carry credentials (lowercase, without - and _), in addition to SECRET_WORDS.
SECRET_HEADERS = ("authorization", "proxyauthorization", "cookie", "setcookie", "xapikey", "apikey",
                  "xauthkey", "privatetoken")

_REFERENCE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")
_PATTERNS = (
    ("an HTTP credential", re.compile(
        r"^\s*(Bearer|Basic|Digest|Token|GenieKey|SSWS|ApiKey|Api-Key|Negotiate)\s+\S{4,}", re.I)),
    ("a URL with a user name or password", re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s?#@]+@", re.I)),
    ("a private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    ("a JSON Web Token", re.compile(r"\beyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]+")),
    ("a webhook URL with its secret path", re.compile(
        r"https://(hooks\.slack\.com/services|discord(app)?\.com/api/webhooks|outlook\.office\.com/webhook)/\S+")),
    ("an access token", re.compile(
        r"\b(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{30,}|glpat-[\w-]{20,}|xox[abposr]-[\w-]{10,}"
        r"|gl(c|sa)_[A-Za-z0-9+/=_-]{30,}|AIza[0-9A-Za-z_-]{35}|sk_live_\w{16,}|sk-[A-Za-z0-9_-]{32,})")),
)


def _norm(key: Any) -> str:
    return re.sub(r"[\s_.-]", "", str(key)).lower()


def secret_key(key: Any) -> bool:
    """True when a mapping key names a credential held literally (``clientSecret``, ``api_key``)."""
    k = _norm(key)
    return any(w in k for w in SECRET_WORDS) and not k.endswith(REFERENCE_SUFFIXES)


def secret_header(name: Any) -> bool:
    """True when a header of this name carries a credential (``Authorization``, ``X-Api-Key``)."""
    n = _norm(name)
    return n in SECRET_HEADERS or secret_key(name) or n.endswith(("token", "key", "secret", "auth"))


def is_reference(value: Any) -> bool:
    """A value that names a secret instead of holding it: ``${VAR}`` alone, or text whose only
    other part is one word (``Bearer ${TOKEN}``) or a URL whose user-info is all references
    (``https://${USER}:${PASS}@host``)."""
    if not isinstance(value, str):
        return False
    rest = _REFERENCE.sub("", value)
    if rest == value:
        return False
    if re.search(r"://[^/\s?#@]*[^/\s?#@:][^/\s?#@]*@", rest):  # a literal user or password left
        return False
    return len(rest.split()) <= 1


def looks_like_secret(text: str) -> str | None:
    """What kind of credential ``text`` looks like (``"an HTTP credential"``), or None."""
    if is_reference(text):
        return None
    for what, pattern in _PATTERNS:
        if pattern.search(text):
            return what
    return None


def find(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """``(field path, why)`` for every literal secret in ``value`` (any YAML), walking mappings
    and lists; ``path`` is the path of ``value`` itself (``spec.connectionDetails``)."""
    yield from _walk(value, path, in_headers=False)


def _walk(value: Any, path: str, in_headers: bool) -> Iterator[tuple[str, str]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            if _holds_literal(item):
                if in_headers and secret_header(key):
                    yield sub, "a literal secret in a header"
                    continue
                if secret_key(key):
                    yield sub, "a literal secret"
                    continue
            yield from _walk(item, sub, in_headers=_norm(key) in ("headers", "httpheaders", "extraheaders"))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(item, f"{path}[{i}]", in_headers)
    elif isinstance(value, str):
        what = looks_like_secret(value)
        if what:
            yield path, f"a literal secret (the value looks like {what})"


def _holds_literal(value: Any) -> bool:
    """A non-empty scalar that is not a ``${VAR}`` reference (booleans and numbers are settings)."""
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, (int, float)):
        return False
    if isinstance(value, str):
        return bool(value.strip()) and not is_reference(value)
    return False


def in_document(kind: str, body: Mapping) -> Iterator[tuple[str, str]]:
    """Literal secrets of one OpenSLO document: a DataSource's ``spec.connectionDetails``, the
    ``spec`` of every ``metricSource`` anywhere in an SLO or SLI (inline connection settings
    such as the OpenSLO README's Redshift ``secretAccessKey``), and an AlertNotificationTarget's
    ``spec`` (a webhook URL or an integration key)."""
    spec = body.get("spec") if isinstance(body, Mapping) else None
    if kind == "DataSource" and isinstance(spec, Mapping) and "connectionDetails" in spec:
        yield from find(spec["connectionDetails"], "spec.connectionDetails")
    if kind in ("SLO", "SLI") and isinstance(spec, Mapping):
        yield from _metric_sources(spec, "spec")
    if kind == "AlertNotificationTarget" and isinstance(spec, Mapping):
        yield from find({k: v for k, v in spec.items() if k != "description"}, "spec")


def _metric_sources(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            sub = f"{path}.{key}"
            if key == "metricSource" and isinstance(item, Mapping):
                for k, v in item.items():
                    if k != "metricSourceRef":
                        yield from find(v, f"{sub}.{k}")
            else:
                yield from _metric_sources(item, sub)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _metric_sources(item, f"{path}[{i}]")


def message(path: str, why: str) -> str:
    """The refusal for the literal secret at ``path`` (never quoting it), with what to use instead."""
    key = re.split(r"[.\[]", path)[-1].rstrip("]") or "secret"
    if "header" in why:
        instead = "write the value as 'Bearer ${VAR}' (an environment variable), or use tokenEnv or tokenFile"
    elif "looks like" in why:
        instead = ("use '${VAR}' (an environment variable), tokenEnv or tokenFile, or username with "
                   "passwordEnv or passwordFile")
    else:
        instead = f"name an environment variable ({key}Env, or '${{VAR}}' as the value) or a file ({key}File)"
    return f"{why}, which is never stored: {instead}"


def refusals(kind: str, body: Mapping) -> list[tuple[str, str]]:
    """``(field path, message)`` for every literal secret in one document (see :func:`in_document`)."""
    return [(path, message(path, why)) for path, why in in_document(kind, body)]
