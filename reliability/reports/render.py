"""Rendering reports: Jinja2 templates with escaping by default, safe files, HTML to PDF.

- HTML templates are rendered with ``autoescape`` on, so every value from the database (titles,
  root causes, owners) is HTML-escaped unless a template marks it safe; only the report's own
  markup (charts built here) is marked safe, and chart JSON has ``<``, ``>`` and ``&`` written
  as ``\\u003c`` etc., so no data can close a ``<script>`` element.
- Markdown templates use :func:`md` for every value: ``|`` is escaped (GFM table cells), line
  breaks become spaces, and ``<``/``>``/``&`` become entities, so a Markdown-to-HTML renderer
  shows raw HTML in data as text.
- Files are written only after everything is computed, each through a temporary file and
  ``os.replace``: a failed call leaves nothing behind.
- PDF: the HTML report (with its Plotly charts) is printed by headless Chromium through
  Playwright's ``page.pdf()`` (``$RELIABILITY_CHROMIUM``, default ``/usr/bin/chromium``).
"""

from __future__ import annotations

import functools
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from reliability import units
from reliability.errors import BadInput

FORMATS = (".html", ".md", ".pdf")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def out_format(path: str, allowed: tuple[str, ...] = FORMATS, option: str = "--out") -> str:
    """The report format from the output file's extension (``.html``, ``.md`` or ``.pdf``)."""
    if Path(path).is_dir():
        raise BadInput("is a directory; expected a file name such as "
                       f"{Path(path) / ('report' + allowed[0])}", file=str(path), field=option)
    suffix = Path(path).suffix.lower()
    if suffix not in allowed:
        raise BadInput(f"unsupported output extension {suffix or '(none)'!r}; use one of "
                       f"{', '.join(allowed)}", file=str(path), field=option)
    parent = Path(path).parent
    if not parent.is_dir():
        raise BadInput(f"folder {str(parent)!r} does not exist", file=str(path), field=option)
    return suffix[1:]


# --- formatting -------------------------------------------------------------------------------

def md(value) -> str:
    """A value as inert Markdown inline text, safe inside a GFM table cell."""
    if value is None:
        return "-"
    text = str(value).replace("\\", "\\\\").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("|", "\\|").replace("\r", " ").replace("\n", " ")
    for ch in "*_`[]":
        text = text.replace(ch, "\\" + ch)
    return text


def num(value, digits: int = 2) -> str:
    """A number with thousands separators and at most ``digits`` decimals; ``-`` for None
    (:func:`reliability.units.number`, as in the CLI's tables)."""
    return units.number(value, digits)


def pct(value, digits: int = 1) -> str:
    """A ratio as a percentage (0.6944 → ``69.4%``); ``-`` for None."""
    return units.percent(value, digits)


def ts(value: datetime | None) -> str:
    """An instant as ``YYYY-MM-DD HH:MM:SSZ`` (UTC); ``-`` for None."""
    if value is None:
        return "-"
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")


def hm(value: datetime | None) -> str:
    """An instant as ``HH:MM UTC``."""
    return "-" if value is None else value.astimezone(timezone.utc).strftime("%H:%M UTC")


def minutes(value) -> str:
    """A duration in minutes in the one human format (:func:`reliability.units.duration`):
    ``12.5 min`` under an hour, else ``21 h 18 min``."""
    return units.duration(value)


@functools.cache
def environment(kind: str):
    """The Jinja2 environment for ``html`` (autoescaped) or ``md`` templates."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("reliability.reports", "templates"),
        autoescape=(kind == "html"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(md=md, num=num, pct=pct, ts=ts, hm=hm, minutes=minutes, count_of=units.count_of)
    return env


def render(template: str, **context) -> str:
    """Render ``templates/<template>`` (``.html.j2`` autoescaped, ``.md.j2`` plain)."""
    kind = "html" if template.endswith(".html.j2") else "md"
    return environment(kind).get_template(template).render(**context)


# --- charts -----------------------------------------------------------------------------------

def script_json(text: str) -> str:
    """JSON made safe inside a ``<script>`` element (no ``</script>``, no ``<!--``)."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def chart_id(name: str, used: set[str]) -> str:
    """A DOM id for a chart of ``name``, unique among ``used`` (which it joins).

    Ids keep letters, digits, ``-`` and ``_``; names that differ only elsewhere
    (``pay.ments`` and ``pay-ments``) would collide and one chart would draw over the other, so
    a repeat gets ``-2``, ``-3``...
    """
    base = "chart-" + "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in name)
    candidate, n = base, 1
    while candidate in used:
        n += 1
        candidate = f"{base}-{n}"
    used.add(candidate)
    return candidate


def plotly_div(fig, div_id: str) -> str:
    """A ``<div>`` and the script that draws ``fig`` into it (plotly.js is included once)."""
    from markupsafe import Markup

    payload = script_json(fig.to_json())
    safe_id = "".join(c if c.isalnum() or c in "-_" else "-" for c in div_id)
    return Markup(
        f'<div id="{safe_id}" class="chart"></div>\n'
        f"<script>(function(){{var f={payload};"
        f'Plotly.newPlot("{safe_id}",f.data,f.layout,{{displaylogo:false,responsive:true}});}})();</script>'
    )


def plotly_js():
    """plotly.js itself, inline, so the HTML report works offline."""
    from markupsafe import Markup
    from plotly.offline import get_plotlyjs

    return Markup(get_plotlyjs())


# --- files ------------------------------------------------------------------------------------

def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_files(files: dict[Path, bytes]) -> None:
    """Write every file through a temporary sibling and ``os.replace`` (all computed first).

    A failure at any point (a full disk while writing, a file-size limit) removes every
    temporary file, so nothing is left behind, not even a partial ``.NAME.XXXX``.
    """
    staged = []
    try:
        for path, data in files.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
            staged.append((tmp, path))  # before writing: a failed write must still clean up
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, 0o666 & ~_umask())
        for tmp, path in staged:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _path in staged:
            if os.path.exists(tmp):
                os.unlink(tmp)
        raise


FOOTER = ('<div style="font-size:12px;width:100%;padding:0 12mm;color:#555;font-family:Helvetica,Arial,sans-serif;'
          'display:flex;justify-content:space-between"><span>{title}</span>'
          '<span>page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>')


def html_to_pdf(html: str, *, chart_selector: str = ".chart .main-svg", charts: int = 0, title: str = "") -> bytes:
    """Print ``html`` to PDF (A4) in headless Chromium after its ``charts`` Plotly charts are
    drawn: a footer with ``title`` and "page N of M" (12 px = 9 pt) on every page, and the
    document outline (bookmarks) from the headings."""
    from html import escape
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("RELIABILITY_CHROMIUM", CHROMIUM)
    with tempfile.TemporaryDirectory() as tmp:
        page_file = Path(tmp) / "report.html"
        page_file.write_text(html, encoding="utf-8")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1100, "height": 1400})
                page.emulate_media(media="print")
                page.goto(page_file.as_uri(), wait_until="load")
                if charts:
                    page.wait_for_function(
                        "([sel, n]) => document.querySelectorAll(sel).length >= n",
                        arg=[chart_selector, charts], timeout=60_000)
                return page.pdf(format="A4", print_background=True, display_header_footer=True,
                                header_template="<span></span>", footer_template=FOOTER.format(title=escape(title)),
                                outline=True, tagged=True,
                                margin={"top": "14mm", "bottom": "18mm", "left": "12mm", "right": "12mm"})
            finally:
                browser.close()
