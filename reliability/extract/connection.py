"""How to reach a Prometheus-compatible API: URL, auth, headers, TLS, timeouts and retries.

Settings come from an OpenSLO ``DataSource``'s ``spec.connectionDetails`` and from flags and
environment variables (flags win). Secrets are only ever *referenced* — an environment
variable name or a file path — never stored: a DataSource that carries a literal token or
password is bad input. Resolved secrets live only in :class:`Connection` objects, whose
``repr`` hides them, and are never written to logs, errors or the database.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from reliability.errors import BadInput
from reliability.openslo import connection_details
from reliability.openslo import secrets as _secrets  # the same recognition as `slo apply`

TOKEN_ENV = "RELIABILITY_PROM_TOKEN"
PASSWORD_ENV = "RELIABILITY_PROM_PASSWORD"
URL_ENV = "RELIABILITY_PROM_URL"
DEFAULT_TIMEOUT = 30.0
DEFAULT_RETRIES = 5
# The largest response body read (--max-response). Parsed, a range response takes ~17x its
# size in memory (measured: benchmarks/bench_extract_memory.py), so 32 MiB is ~0.6 GB per
# request in flight; a normal chunk (10,999 points) is ~0.3 MiB per series.
DEFAULT_MAX_BYTES = 32 << 20



@dataclass(frozen=True)
class Connection:
    """A resolved connection. ``timeout`` is seconds for a whole request (connect, headers and
    body); ``retries`` is the number of attempts per request (1 = no retry); ``max_bytes`` the
    largest (decoded) response body accepted. ``verify`` is True, False (insecure) or a CA file."""

    url: str
    token: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    headers: tuple[tuple[str, str], ...] = ()
    verify: bool | str = True
    timeout: float = 30.0
    retries: int = 5
    max_bytes: int = DEFAULT_MAX_BYTES

    @property
    def display_url(self) -> str:
        return redact_url(self.url)

    def secret_values(self) -> tuple[str, ...]:
        """Every value that must never appear in a message: the token, the password, the URL's
        user-info and every header value (API keys, tenant ids)."""
        parts = urlsplit(self.url)
        values = [self.token, self.password, parts.username, parts.password, *(v for _, v in self.headers)]
        return tuple(v for v in values if v)


@dataclass(frozen=True)
class Overrides:
    """What flags and the environment say; None means "not given"."""

    url: str | None = None
    token_file: str | None = None
    username: str | None = None
    password_file: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    ca_file: str | None = None
    insecure: bool = False
    timeout: float | None = None
    retries: int | None = None
    max_bytes: int | None = None


_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s?#@]*@")


def redact_url(url: str) -> str:
    """The URL (or any text) without a ``user:password@`` part, for messages. Works on text
    that does not parse as a URL too (a bad port), since that is when it ends up in errors."""
    return _USERINFO.sub(r"\1", str(url))


_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def expand(value: str, where: str) -> str:
    """``${VAR}`` references replaced by the environment's values (a missing one is bad input
    naming the variable, never a value)."""
    def one(m: re.Match) -> str:
        return _from_env(m.group(1), where)

    return _VAR.sub(one, value)


def _check_url(url: str, where: str) -> None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        raise BadInput(f"not a valid URL ({exc}): {redact_url(url)!r}", field=where) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadInput(f"expected an http:// or https:// URL with a host, got {redact_url(url)!r}", field=where)


def _single_line(value: str, what: str, where: str, file: str | None = None) -> str:
    """A credential or header value must be one line of printable text: anything else would be
    refused by the HTTP library with the whole value in its message."""
    if any(ch in value for ch in "\r\n\x00") or any(ord(ch) < 32 and ch != "\t" for ch in value):
        raise BadInput(f"{what} must be a single line without control characters "
                       "(the value is not shown)", file=file, field=where)
    return value


def parse_header(text: str) -> tuple[str, str]:
    """``'X-Scope-OrgID: tenant-1'`` -> ``('X-Scope-OrgID', 'tenant-1')``."""
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        raise BadInput(f"expected 'Name: value', got {text!r}", field="--header")
    return name.strip(), value.strip()


def _read_secret_file(path: str, where: str) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise BadInput(f"cannot read secret file: {exc.strerror}", file=path, field=where) from None
    except UnicodeDecodeError:
        raise BadInput("the secret file is not UTF-8 text (the content is not shown)", file=path, field=where) from None
    if not text:
        raise BadInput("the secret file is empty", file=path, field=where)
    return _single_line(text, "the secret file's content", where, file=path)


def _from_env(name: str, where: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise BadInput(f"environment variable {name} is not set or empty", field=where)
    return value


def resolve(datasource: Mapping | None, overrides: Overrides, *, slo: str) -> Connection:
    """Merge a DataSource document (or None) with flags and the environment.

    Precedence: flags, then the DataSource, then ``$RELIABILITY_PROM_URL`` /
    ``$RELIABILITY_PROM_TOKEN`` / ``$RELIABILITY_PROM_PASSWORD``.
    """
    name = (datasource or {}).get("metadata", {}).get("name", "?")
    raw_details = ((datasource or {}).get("spec") or {}).get("connectionDetails") or {}
    where = f"DataSource {name!r} spec.connectionDetails"
    # Documents stored by older versions were checked against a fixed list of names only.
    for path, message in _secrets.refusals("DataSource", {"spec": {"connectionDetails": raw_details}}):
        raise BadInput(f"DataSource {name!r}: {message}", field=path)
    details = connection_details((datasource or {}).get("spec"))  # a list of mappings is merged
    ds_url = details.get("url") or details.get("address")
    if ds_url:
        ds_url = expand(str(ds_url), f"{where}.url")
    url = overrides.url or ds_url or os.environ.get(URL_ENV)
    if not url:
        raise BadInput(f"SLO {slo!r}: no Prometheus URL; pass --url, set ${URL_ENV} "
                       "or give its DataSource spec.connectionDetails.url", field="--url")
    url = str(url).rstrip("/")
    _check_url(url, "--url" if overrides.url else f"{where}.url" if ds_url else URL_ENV)

    token = None
    if overrides.token_file:
        token = _read_secret_file(overrides.token_file, "--token-file")
    elif details.get("tokenFile"):
        token = _read_secret_file(str(details["tokenFile"]), f"{where}.tokenFile")
    elif details.get("tokenEnv"):
        token = _from_env(str(details["tokenEnv"]), f"{where}.tokenEnv")
    elif details.get("token"):  # only a ${VAR} reference gets past the secrets check
        token = expand(str(details["token"]), f"{where}.token")
    elif os.environ.get(TOKEN_ENV):
        token = os.environ[TOKEN_ENV]
    if token is not None:
        _single_line(token, "the token", "token")

    username = overrides.username or details.get("username") or details.get("user")
    password = None
    if username:
        if overrides.password_file:
            password = _read_secret_file(overrides.password_file, "--password-file")
        elif details.get("passwordFile"):
            password = _read_secret_file(str(details["passwordFile"]), f"{where}.passwordFile")
        elif details.get("passwordEnv"):
            password = _from_env(str(details["passwordEnv"]), f"{where}.passwordEnv")
        elif details.get("password"):  # a ${VAR} reference
            password = expand(str(details["password"]), f"{where}.password")
        else:
            password = _from_env(PASSWORD_ENV, "--user")
        _single_line(password, "the password", "password")

    raw_headers = details.get("headers") or {}
    if not isinstance(raw_headers, Mapping):
        raise BadInput(f"{where}.headers: expected a mapping of header names to values", field="headers")
    headers = {str(k): expand(str(v), f"{where}.headers.{k}") for k, v in raw_headers.items()}
    if details.get("tenant") or details.get("orgId"):
        headers["X-Scope-OrgID"] = str(details.get("tenant") or details.get("orgId"))
    headers.update(dict(overrides.headers))
    for key, value in headers.items():
        _single_line(value, f"the value of header {key!r}", "--header")

    verify: bool | str = True
    if overrides.insecure or details.get("insecureSkipVerify") is True:
        verify = False
    elif overrides.ca_file or details.get("caFile"):
        verify = str(overrides.ca_file or details["caFile"])
        if not Path(verify).is_file():
            raise BadInput("CA bundle not found", file=verify, field="--ca-file")
    timeout = overrides.timeout or float(details.get("timeoutSeconds") or DEFAULT_TIMEOUT)
    retries = overrides.retries or DEFAULT_RETRIES
    return Connection(url=url, token=token, username=str(username) if username else None, password=password,
                      headers=tuple(sorted(headers.items())), verify=verify, timeout=timeout,
                      retries=retries, max_bytes=overrides.max_bytes or DEFAULT_MAX_BYTES)
