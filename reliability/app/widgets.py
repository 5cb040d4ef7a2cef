"""Shared widgets: period, month, SLO, service and time-zone pickers bound to the URL, the login gate.

Every picker reads its initial value from ``st.query_params`` and writes the chosen value
back, so the page's URL reproduces the view. A value in the URL that is not one of the options
(a shared link to an SLO since renamed, ``month=2026-13``) is not silently replaced: a warning
names it and what is shown instead.
"""

from __future__ import annotations

import html
import re
from datetime import date, datetime, timezone

import streamlit as st

from reliability.app import safe

ALL = "(all)"
ZONES = ["UTC", "Europe/Berlin", "Europe/London", "America/New_York", "America/Los_Angeles", "Asia/Tokyo"]


def not_found(label: str, wanted: str, shown: str) -> None:
    """The visible warning for a URL value that does not exist."""
    # A link is anyone's text: shown as a literal code span, so it cannot render as a link or markup
    st.warning(f"{label} {safe.md(wanted)} from the link does not exist; showing {shown} instead.", icon="⚠️")


def month_not_shown(label: str, wanted: str, months: list[str], shown: str) -> None:
    """The warning for a month in the URL that is not offered: a month that is not one
    (``2026-13``), or a real month without data, named as such (a month after the data is
    not a month that "does not exist")."""
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", wanted):
        st.warning(f"{label} {safe.md(wanted)} from the link is not a month (YYYY-MM); showing {shown} instead.",
                   icon="⚠️")
        return
    st.warning(f"{label} {wanted} from the link has no data (the data cover {min(months)} to {max(months)}); "
               f"showing {shown} instead.", icon="⚠️")


def _from_url(key: str, label: str, options: list[str], default: str, months: bool = False) -> str:
    wanted = st.query_params.get(key)
    if wanted is not None and wanted not in options:
        if months:
            month_not_shown(label, wanted, options, default)
        else:
            not_found(label, wanted, default)
    return wanted if wanted in options else default


def _pick(key: str, label: str, options: list[str], default: str, container=st, months: bool = False,
          **kw) -> str:
    """A selectbox bound to the URL's ``key``; ``months``: the options are ``YYYY-MM`` months
    with data (a month from the link outside them is named as having no data)."""
    value = _from_url(key, label, options, default, months)
    chosen = container.selectbox(label, options, index=options.index(value), key=f"qp_{key}", **kw)
    if st.query_params.get(key) != chosen:
        st.query_params[key] = chosen
    return chosen


def choice(key: str, label: str, options: list[str], default: str, container=st, **kw) -> str:
    """A radio bound to the URL like the pickers (e.g. ``no_data=bad``)."""
    value = _from_url(key, label, options, default)
    chosen = container.radio(label, options, index=options.index(value), key=f"qp_{key}", **kw)
    if chosen == default and key in st.query_params:
        del st.query_params[key]
    elif chosen != default and st.query_params.get(key) != chosen:
        st.query_params[key] = chosen
    return chosen


def toggle(key: str, label: str, container=st, **kw) -> bool:
    """An on/off switch bound to the URL as ``key=1`` (absent when off, the default)."""
    chosen = container.toggle(label, value=st.query_params.get(key) == "1", key=f"qp_{key}", **kw)
    if chosen and st.query_params.get(key) != "1":
        st.query_params[key] = "1"
    elif not chosen and key in st.query_params:
        del st.query_params[key]
    return chosen


def latest_complete(months: list[str], now: datetime | None = None) -> str:
    """The newest of ``months`` (``YYYY-MM``, any order) that has ended (UTC); the newest one
    when none has."""
    current = (now or datetime.now(timezone.utc)).strftime("%Y-%m")
    newest_first = sorted(months, reverse=True)
    return next((m for m in newest_first if m < current), newest_first[0])


def month_picker(months: list[str], container=st, key: str = "month", label: str = "Month") -> str:
    """One ``YYYY-MM`` of ``months`` (newest first); default: the latest complete month."""
    return _pick(key, label, months, latest_complete(months), container, months=True)


def period_picker(months: list[str], container=st, span: int = 12) -> tuple[str, str]:
    """``(first, last)`` months, both included; default: the ``span`` months ending with the
    latest complete one."""
    oldest_first = sorted(months)
    last_default = latest_complete(months)
    first_default = oldest_first[max(0, oldest_first.index(last_default) - span + 1)]
    left, right = container.columns(2)
    first = _pick("from", "From month", oldest_first, first_default, left, months=True)
    last = _pick("to", "To month", oldest_first, last_default, right, months=True)
    if last < first:
        first, last = last, first
    return first, last


def slo_picker(names: list[str], container=st, default: str | None = None) -> str:
    return _pick("slo", "SLO", names, default if default in names else names[0], container)


def service_picker(services: list[str], container=st) -> str | None:
    """A service, or None for every service."""
    chosen = _pick("service", "Service", [ALL, *services], ALL, container)
    return None if chosen == ALL else chosen


NO_GROUP = "(none)"


def label_picker(labels: dict[str, list[str]], container=st) -> tuple[str | None, list[tuple[str, str]]]:
    """``(group_by, wanted)``: a label key to roll up by (or ``service``; None for none) and
    ``key=value`` filters (values of one key are alternatives, keys must all hold), bound to the
    URL as ``group=team`` and ``label=tier=1&label=journey=browse``. ``labels``: the values of
    each label key the SLOs carry."""
    keys = [NO_GROUP, "service", *sorted(k for k in labels if k != "service")]
    left, right = container.columns([1, 2])
    chosen = _pick("group", "Group by", keys, NO_GROUP, left)
    return (None if chosen == NO_GROUP else chosen), label_filter(labels, right)


def label_filter(labels: dict[str, list[str]], container=st, label: str = "Only SLOs labelled") -> list[tuple[str, str]]:
    """``key=value`` filters picked among ``labels`` (the values of each key), bound to the URL
    as ``label=tier=1&label=journey=browse``; values of one key are alternatives, keys must all
    hold (``--label``'s rule). A value in the URL that no longer exists is named in a warning."""
    options = [f"{k}={v}" for k in sorted(labels) for v in labels[k]]
    in_url = list(st.query_params.get_all("label"))
    for gone in [x for x in in_url if x not in options]:
        not_found("Label", gone, "the others" if len(in_url) > 1 else "every label")
    wanted = [x for x in in_url if x in options]
    picked = container.multiselect(label, options, default=wanted, key="qp_label",
                                   help="Values of one label are alternatives; different labels must all hold.")
    if in_url != picked:
        st.query_params["label"] = picked
    return [tuple(x.split("=", 1)) for x in picked]


def zone_picker(container=st, extra: list[str] | None = None, default: str = "UTC", label: str = "Time zone") -> str:
    options = [*(extra or []), *ZONES]
    return _pick("tz", label, options, default, container)


def days_picker(first: date, last: date, label: str, container=st) -> tuple[date, date]:
    """A range of days within ``[first, last]`` (both included), in the URL as
    ``days=YYYY-MM-DD..YYYY-MM-DD`` when it is not the whole span; default: the whole span."""
    wanted = (first, last)
    raw = st.query_params.get("days")
    readable = False
    try:
        a, b = (date.fromisoformat(x) for x in (raw or "").split(".."))
        readable = a <= b
        if first <= a <= b <= last:
            wanted = (a, b)
    except ValueError:
        pass
    if raw and wanted == (first, last) and raw != f"{first}..{last}":
        problem = (f"are not within {first}..{last} (the month picked)" if readable else
                   "are not a range of days (YYYY-MM-DD..YYYY-MM-DD)")
        st.warning(f"Days {raw if readable else safe.md(raw)} from the link {problem}; showing {first}..{last} "
                   "instead.", icon="⚠️")
    picked = container.date_input(label, wanted, min_value=first, max_value=last, key="days")
    chosen = tuple(picked) if isinstance(picked, (tuple, list)) and len(picked) == 2 else (first, last)
    if chosen != (first, last):
        st.query_params["days"] = f"{chosen[0]}..{chosen[1]}"
    elif "days" in st.query_params:
        del st.query_params["days"]
    return chosen


def plot_text(values):
    """Text from the data made literal for Plotly, which reads a subset of HTML (``<b>``,
    ``<a href>``, ``<br>``) in labels and hover text: a list, or a pandas Series, escaped."""
    if hasattr(values, "map"):
        return values.map(lambda v: html.escape(str(v)))
    return [html.escape(str(v)) for v in values]


def _secrets() -> dict:
    try:
        return dict(st.secrets)
    except FileNotFoundError as exc:  # no secrets.toml: login is off; unparsable: stay closed
        if "parsing" in str(exc).lower():
            st.error("The app's secrets file (.streamlit/secrets.toml) cannot be parsed: fix it to open the app.")
            st.stop()
        return {}


def logged_in() -> bool:
    """True when no login is configured or this session is in: by the in-app prompt, by the
    login gate's cookie (``reliability.app.gate``), or through the identity provider."""
    from reliability.app import gate

    secrets = _secrets()
    password = secrets.get("app_password")
    if password:
        if st.session_state.get("authenticated"):
            return True
        return gate.valid_cookie(st.context.cookies.get(gate.COOKIE), str(password))
    if "auth" in secrets:
        return bool(st.user.is_logged_in)
    return True


def _attempt(password: str) -> None:
    from reliability.app import gate

    typed = st.session_state.get("login_password") or ""
    if not typed:
        return
    client = st.context.ip_address
    ok, wait = gate.ATTEMPTS.check(client if isinstance(client, str) else "unknown", typed, password)
    st.session_state["login_result"] = None if ok else (ok, wait)
    st.session_state["authenticated"] = ok


def login_gate() -> None:
    """Optional login, off by default. With ``app_password`` in ``.streamlit/secrets.toml`` the
    app asks for that password (``app.py`` asks before Streamlit is reached at all; this prompt
    is the same check inside the script, with the same rate limit); with an ``[auth]`` section
    (OIDC, see Streamlit's ``st.login``) it asks to log in with the provider. Stops the run
    until the user is in."""
    secrets = _secrets()
    password = secrets.get("app_password")
    if password:
        if logged_in():
            return
        # Checked when a new entry is submitted (one attempt each), not on every rerun.
        st.text_input("Password", type="password", key="login_password", on_change=_attempt, args=(str(password),))
        result = st.session_state.get("login_result")
        if result:
            st.error(f"Too many attempts: try again in {result[1]:.0f} s." if result[1] else "Wrong password.")
        st.stop()
    if "auth" in secrets:
        if not st.user.is_logged_in:
            st.button("Log in", on_click=st.login)
            st.stop()
        st.sidebar.button("Log out", on_click=st.logout)
