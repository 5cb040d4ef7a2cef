"""How to reach a Prometheus-compatible API: URL, auth, headers, TLS, timeouts and retries.

Settings come from an OpenSLO ``DataSource``'s ``spec.connectionDetails`` and from flags and
environment variables (flags win). Secrets are only ever *referenced* — an environment
variable name or a file path — never stored: a DataSource that carries a literal token or
password is bad input. Resolved secrets live only in :class:`Connection` objects, whose
``repr`` hides them, and are never written to logs, errors or the database.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from reliability.errors import BadInput
from reliability.openslo import LITERAL_SECRETS as _LITERAL_SECRETS  # refused by `slo apply` too
from reliability.openslo import connection_details

TOKEN_ENV = "RELIABILITY_PROM_TOKEN"
PASSWORD_ENV = "RELIABILITY_PROM_PASSWORD"
URL_ENV = "RELIABILITY_PROM_URL"
DEFAULT_TIMEOUT = 30.0
DEFAULT_RETRIES = 5



@dataclass(frozen=True)
class Connection:
    """A resolved connection. ``timeout`` is seconds per request; ``retries`` is the number of
    attempts per request (1 = no retry). ``verify`` is True, False (insecure) or a CA file."""

    url: str
    token: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    headers: tuple[tuple[str, str], ...] = ()
    verify: bool | str = True
    timeout: float = 30.0
    retries: int = 5

    @property
    def display_url(self) -> str:
        return redact_url(self.url)


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


def redact_url(url: str) -> str:
    """The URL without any ``user:password@`` part, for messages."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def parse_header(text: str) -> tuple[str, str]:
    """``'X-Scope-OrgID: tenant-1'`` -> ``('X-Scope-OrgID', 'tenant-1')``."""
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        raise BadInput(f"expected 'Name: value', got {text!r}", field="--header")
    return name.strip(), value.strip()


def _read_secret_file(path: str, where: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise BadInput(f"cannot read secret file: {exc.strerror}", file=path, field=where) from None


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
    details = connection_details((datasource or {}).get("spec"))
    where = f"DataSource {name!r} spec.connectionDetails"
    for key in _LITERAL_SECRETS:
        if key in details:
            raise BadInput(f"{where}.{key}: literal secrets are not read; use {key}Env or {key}File "
                           "(tokenEnv/tokenFile, passwordEnv/passwordFile)", field=key)
    ds_url = details.get("url") or details.get("address")
    if ds_url and urlsplit(str(ds_url)).password:
        raise BadInput(f"{where}.url: a password in the URL is a literal secret; use passwordEnv or passwordFile")
    url = overrides.url or ds_url or os.environ.get(URL_ENV)
    if not url:
        raise BadInput(f"SLO {slo!r}: no Prometheus URL; pass --url, set ${URL_ENV} "
                       "or give its DataSource spec.connectionDetails.url", field="--url")
    url = str(url).rstrip("/")
    if urlsplit(url).scheme not in ("http", "https"):
        raise BadInput(f"expected an http:// or https:// URL, got {redact_url(url)!r}", field="--url")

    token = None
    if overrides.token_file:
        token = _read_secret_file(overrides.token_file, "--token-file")
    elif details.get("tokenFile"):
        token = _read_secret_file(str(details["tokenFile"]), f"{where}.tokenFile")
    elif details.get("tokenEnv"):
        token = _from_env(str(details["tokenEnv"]), f"{where}.tokenEnv")
    elif os.environ.get(TOKEN_ENV):
        token = os.environ[TOKEN_ENV]

    username = overrides.username or details.get("username") or details.get("user")
    password = None
    if username:
        if overrides.password_file:
            password = _read_secret_file(overrides.password_file, "--password-file")
        elif details.get("passwordFile"):
            password = _read_secret_file(str(details["passwordFile"]), f"{where}.passwordFile")
        elif details.get("passwordEnv"):
            password = _from_env(str(details["passwordEnv"]), f"{where}.passwordEnv")
        else:
            password = _from_env(PASSWORD_ENV, "--user")

    headers = dict((str(k), str(v)) for k, v in (details.get("headers") or {}).items())
    if details.get("tenant") or details.get("orgId"):
        headers["X-Scope-OrgID"] = str(details.get("tenant") or details.get("orgId"))
    headers.update(dict(overrides.headers))

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
                      retries=retries)
