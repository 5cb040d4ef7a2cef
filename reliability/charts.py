"""Static SVG charts: the monthly report's default charts and the app's overview.

Plain SVG text, no script: a browser shows it without loading a charting library (the
overview's Plotly charts cost a fresh browser tab seconds of JavaScript, see
benchmarks/README.md), it prints as vector text, and it stays small enough to mail. Every
text from the data is XML-escaped; links are relative URLs built by the caller.

Sizes are CSS pixels. Text is ``FONT_PX`` (13 px): a chart at most ``MAX_WIDTH`` (680 px)
wide fits an A4 page's 186 mm text width unscaled, so its text prints at 13 px = 9.75 pt.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

FONT_PX = 13
MAX_WIDTH = 680
INK, GRID, MUTED = "#222", "#ddd", "#666"

# Categories of an SLO-month, as the overview and the report colour them: a category, never a
# shade of one scale (shade only within a category, for budget left).
CATEGORY_COLORS = {"breached": "#c62828", "at_risk": "#f9a825", "met": "#2e7d32", "insufficient_data": "#9e9e9e"}
CATEGORY_LABELS = {"breached": "breached", "at_risk": "at risk", "met": "met", "insufficient_data": "insufficient data"}


def _t(value) -> str:
    return escape(str(value), quote=True)


def _open(width: int, height: int, title: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif" font-size="{FONT_PX}">',
        f"<title>{_t(title)}</title>",
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="4" y="{FONT_PX + 4}" font-size="{FONT_PX + 2}" font-weight="bold" fill="{INK}">{_t(title)}</text>',
    ]


def _text_width(text: str, px: int = FONT_PX) -> float:
    return len(text) * px * 0.56  # Helvetica's average advance, close enough for layout


def shade(category: str, budget_left: float | None) -> str:
    """The category's colour; met and at risk lighter for more budget left. A breach is always
    the full red, and insufficient data the full grey."""
    base = CATEGORY_COLORS[category]
    if budget_left is None or category in ("breached", "insufficient_data"):
        return base
    strength = 1.0 - 0.55 * max(0.0, min(1.0, budget_left))
    r, g, b = (int(base[i:i + 2], 16) for i in (1, 3, 5))
    mix = [round(255 - (255 - c) * strength) for c in (r, g, b)]
    return "#" + "".join(f"{c:02x}" for c in mix)


@dataclass(frozen=True)
class Cell:
    category: str
    text: str = ""
    budget_left: float | None = None
    href: str | None = None
    tooltip: str = ""


def heatmap(rows: Sequence[str], columns: Sequence[str], cells: dict[tuple[str, str], Cell], title: str,
            width: int = MAX_WIDTH, row_height: int = 24) -> str:
    """A grid of ``rows`` x ``columns`` coloured by category, each cell's ``text`` inside and
    its ``href`` (if any) as a link; a legend of the categories below."""
    label_w = min(max((_text_width(r) for r in rows), default=40) + 8, width * 0.4)
    top = FONT_PX * 2 + 12 + FONT_PX + 6  # title, column labels
    cell_w = (width - label_w - 4) / max(len(columns), 1)
    height = int(top + row_height * len(rows) + FONT_PX * 2 + 16)
    out = _open(width, height, title)
    small = FONT_PX if cell_w >= _text_width("99.99", FONT_PX) + 4 else FONT_PX - 2
    every = max(1, math.ceil(_text_width("2026-03") / max(cell_w, 1)))
    for j, col in enumerate(columns):
        if j % every == 0:
            x = label_w + cell_w * (j + 0.5)
            out.append(f'<text x="{x:.1f}" y="{top - 6}" text-anchor="middle" fill="{MUTED}">{_t(col)}</text>')
    for i, row in enumerate(rows):
        y = top + row_height * i
        out.append(f'<text x="{label_w - 6:.1f}" y="{y + row_height / 2 + FONT_PX / 2 - 2:.1f}" text-anchor="end" '
                   f'fill="{INK}">{_t(_clip(row, label_w))}</text>')
        for j, col in enumerate(columns):
            cell = cells.get((row, col))
            if cell is None:
                continue
            x = label_w + cell_w * j
            color = shade(cell.category, cell.budget_left)
            ink = "white" if cell.category in ("breached", "met") and color == CATEGORY_COLORS[cell.category] or \
                _dark(color) else INK
            rect = (f'<rect x="{x + 1:.1f}" y="{y + 1}" width="{cell_w - 2:.1f}" height="{row_height - 2}" '
                    f'fill="{color}" data-category="{cell.category}"><title>{_t(cell.tooltip or cell.text)}</title></rect>')
            label = (f'<text x="{x + cell_w / 2:.1f}" y="{y + row_height / 2 + small / 2 - 2:.1f}" '
                     f'text-anchor="middle" font-size="{small}" fill="{ink}">{_t(cell.text)}</text>') if cell.text and \
                cell_w >= _text_width(cell.text, small) + 2 else ""
            item = rect + label
            out.append(f'<a href="{_t(cell.href)}">{item}</a>' if cell.href else item)
    out += _legend(list(CATEGORY_COLORS), 4, height - FONT_PX - 4)
    out.append("</svg>")
    return "\n".join(out)


def _dark(color: str) -> bool:
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return 0.299 * r + 0.587 * g + 0.114 * b < 140


def _clip(text: str, width: float) -> str:
    room = int(width / (FONT_PX * 0.56)) - 1
    return text if len(text) <= room else text[: max(room - 1, 1)] + "…"


def _legend(categories: list[str], x: float, y: float, colors: dict | None = None, labels: dict | None = None) -> list[str]:
    colors, labels = colors or CATEGORY_COLORS, labels or CATEGORY_LABELS
    out = []
    for c in categories:
        out.append(f'<rect x="{x:.1f}" y="{y - FONT_PX + 2:.1f}" width="{FONT_PX}" height="{FONT_PX}" fill="{colors[c]}"/>')
        out.append(f'<text x="{x + FONT_PX + 4:.1f}" y="{y:.1f}" fill="{INK}">{_t(labels.get(c, c))}</text>')
        x += FONT_PX + 14 + _text_width(labels.get(c, c))
    return out


def _ticks(top: float) -> list[float]:
    if top <= 0:
        return [0.0]
    raw = top / 4
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    return [step * k for k in range(int(top / step) + 1)]


def _num(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 10 or v == int(v) else f"{v:.2g}"


def stacked_bars(labels: Sequence[str], series: dict[str, Sequence[float]], colors: dict[str, str], title: str,
                 width: int = MAX_WIDTH, height: int = 260, y_label: str = "", percent: bool = False) -> str:
    """Vertical bars, one per label, stacked by series (in dict order); a legend below."""
    left, right, top, bottom = 56, 8, FONT_PX * 2 + 14, FONT_PX * 3 + 14
    pw, ph = width - left - right, height - top - bottom
    totals = [sum(s[i] or 0 for s in series.values()) for i in range(len(labels))]
    ymax = 1.0 if percent else max(totals + [1])
    counts = all(float(v or 0).is_integer() for s in series.values() for v in s)
    # Counts get whole-number ticks (no "0.25 incidents").
    ticks = [0, 0.25, 0.5, 0.75, 1.0] if percent else list(range(int(ymax) + 1)) if counts and ymax <= 5 else _ticks(ymax)
    ymax = max(ymax, ticks[-1])
    out = _open(width, height, title)
    for t in ticks:
        y = top + ph * (1 - t / ymax)
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">'
                   f'{_t(f"{t * 100:.0f}%" if percent else _num(t))}</text>')
    if y_label:
        out.append(f'<text x="{left}" y="{top - 6}" fill="{MUTED}">{_t(y_label)}</text>')
    band = pw / max(len(labels), 1)
    every = max(1, math.ceil((_text_width(max(labels, key=len, default="")) + 8) / band))
    for i, label in enumerate(labels):
        base = 0.0
        for name, values in series.items():
            v = values[i] or 0
            if v <= 0:
                continue
            y0, y1 = top + ph * (1 - base / ymax), top + ph * (1 - (base + v) / ymax)
            out.append(f'<rect x="{left + band * i + band * 0.15:.1f}" y="{y1:.1f}" width="{band * 0.7:.1f}" '
                       f'height="{max(y0 - y1, 0.5):.1f}" fill="{colors[name]}"><title>{_t(label)} {_t(name)}: '
                       f'{_t(f"{v * 100:.1f}%" if percent else _num(v))}</title></rect>')
            base += v
        if i % every == 0:
            out.append(f'<text x="{left + band * (i + 0.5):.1f}" y="{top + ph + FONT_PX + 4}" text-anchor="middle" '
                       f'fill="{MUTED}">{_t(label)}</text>')
    out += _legend(list(series), left, height - 6, colors, {k: k for k in series})
    out.append("</svg>")
    return "\n".join(out)


def lines(x: Sequence[datetime | str], series: dict[str, Sequence[float | None]], title: str,
          width: int = MAX_WIDTH, height: int = 260, y_label: str = "", zero_line: bool = False,
          colors: Sequence[str] = ("#1565c0", "#c62828", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f")) -> str:
    """Lines over shared x positions (instants, or labels evenly spaced), gaps for None."""
    left, right, top, bottom = 56, 8, FONT_PX * 2 + 14, FONT_PX * 3 + 14 + (FONT_PX + 6) * ((len(series) - 1) // 3)
    pw, ph = width - left - right, height - top - bottom
    values = [v for s in series.values() for v in s if v is not None and math.isfinite(v)]
    lo, hi = min(values + [0.0]), max(values + [0.0 if zero_line else 1e-9])
    if hi == lo:
        hi = lo + 1
    pad = (hi - lo) * 0.05
    lo, hi = lo - (pad if lo < 0 else 0), hi + pad
    n = len(x)

    def px(i: int) -> float:
        return left + (pw * i / (n - 1) if n > 1 else pw / 2)

    def py(v: float) -> float:
        return top + ph * (1 - (v - lo) / (hi - lo))

    out = _open(width, height, title)
    for t in _nice_range(lo, hi):
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{py(t):.1f}" y2="{py(t):.1f}" stroke="{GRID}"/>')
        out.append(f'<text x="{left - 6}" y="{py(t) + 4:.1f}" text-anchor="end" fill="{MUTED}">{_t(_num(t))}</text>')
    if zero_line and lo < 0 < hi:
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{py(0):.1f}" y2="{py(0):.1f}" stroke="#c62828" '
                   f'stroke-dasharray="4 3"/>')
    if y_label:
        out.append(f'<text x="{left}" y="{top - 6}" fill="{MUTED}">{_t(y_label)}</text>')
    labels = [v.strftime("%m-%d") if isinstance(v, datetime) else str(v) for v in x]
    every = max(1, math.ceil((_text_width(labels[0]) + 8 if labels else 1) / (pw / max(n, 1))))
    for i in range(0, n, every):
        # A label centred on the last point would run past the right edge ("12-0"): end it there.
        x_at, anchor = px(i), "middle"
        if x_at + _text_width(labels[i]) / 2 > width:
            x_at, anchor = width - 1, "end"
        out.append(f'<text x="{x_at:.1f}" y="{top + ph + FONT_PX + 4}" text-anchor="{anchor}" fill="{MUTED}">'
                   f'{_t(labels[i])}</text>')
    for k, (name, vals) in enumerate(series.items()):
        color = colors[k % len(colors)]
        runs, run = [], []
        for i, v in enumerate(vals):
            if v is None or not math.isfinite(v):
                if run:
                    runs.append(run)
                run = []
            else:
                run.append(f"{px(i):.1f},{py(v):.1f}")
        if run:
            runs.append(run)
        for r in runs:
            out.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{" ".join(r)}">'
                       f"<title>{_t(name)}</title></polyline>")
            if len(r) == 1:
                cx, cy = r[0].split(",")
                out.append(f'<circle cx="{cx}" cy="{cy}" r="2.5" fill="{color}"/>')
    legend_colors = {name: colors[k % len(colors)] for k, name in enumerate(series)}
    names = list(series)
    for row in range(0, len(names), 3):
        out += _legend(names[row:row + 3], left, height - 6 - (FONT_PX + 6) * ((len(names) - 1) // 3 - row // 3),
                       legend_colors, {k: _clip(k, 200) for k in names})
    out.append("</svg>")
    return "\n".join(out)


def _nice_range(lo: float, hi: float) -> list[float]:
    step = _ticks(hi - lo)[1] if hi > lo and len(_ticks(hi - lo)) > 1 else 1
    first = math.ceil(lo / step) * step
    return [first + step * k for k in range(int((hi - first) / step) + 1)]


def hbars(labels: Sequence[str], values: Sequence[float | None], colors: Sequence[str], title: str,
          width: int = MAX_WIDTH, bar: int = 18, percent: bool = True, texts: Sequence[str] | None = None,
          threshold: float | None = None, threshold_label: str = "", x_label: str = "") -> str:
    """Horizontal bars from zero (negative to the left), one per label, value printed (or
    ``texts[i]``); a dashed vertical ``threshold`` line labelled ``threshold_label``."""
    label_w = min(max((_text_width(v) for v in labels), default=40) + 8, width * 0.4)
    top = FONT_PX * 2 + 12 + (FONT_PX + 4 if threshold_label else 0)
    height = int(top + (bar + 4) * len(labels) + FONT_PX + 12 + (FONT_PX + 6 if x_label else 0))
    finite = [v for v in values if v is not None] + ([threshold] if threshold is not None else [])
    lo, hi = min(finite + [0.0]), max(finite + [0.0])
    if hi == lo:
        hi = lo + 1
    value_w = max([_text_width("-1234.5%")] + [_text_width(t) for t in texts or ()])
    pw = width - label_w - value_w - 8

    def px(v: float) -> float:
        return label_w + pw * (v - lo) / (hi - lo)

    out = _open(width, height, title)
    bottom = top + (bar + 4) * len(labels)
    out.append(f'<line x1="{px(0):.1f}" x2="{px(0):.1f}" y1="{top - 2}" y2="{bottom}" stroke="{MUTED}"/>')
    if threshold is not None:
        out.append(f'<line x1="{px(threshold):.1f}" x2="{px(threshold):.1f}" y1="{top - 2}" y2="{bottom}" '
                   f'stroke="#ef6c00" stroke-dasharray="5 3" data-threshold="{threshold}"/>')
        out.append(f'<text x="{px(threshold):.1f}" y="{top - 6}" text-anchor="middle" fill="#ef6c00">'
                   f'{_t(threshold_label)}</text>')
    if x_label:
        out.append(f'<text x="{label_w}" y="{height - 6}" fill="{MUTED}">{_t(x_label)}</text>')
    for i, (label, v, color) in enumerate(zip(labels, values, colors)):
        y = top + (bar + 4) * i
        out.append(f'<text x="{label_w - 6:.1f}" y="{y + bar / 2 + FONT_PX / 2 - 2:.1f}" text-anchor="end" '
                   f'fill="{INK}"><title>{_t(label)}</title>{_t(_clip(label, label_w))}</text>')
        if v is None:
            out.append(f'<text x="{px(0) + 4:.1f}" y="{y + bar / 2 + FONT_PX / 2 - 2:.1f}" fill="{MUTED}">'
                       f'{_t(texts[i] if texts else "no data")}</text>')
            continue
        x0, x1 = sorted((px(0), px(v)))
        text = texts[i] if texts else f"{v * 100:.1f}%" if percent else _num(v)
        out.append(f'<rect x="{x0:.1f}" y="{y}" width="{max(x1 - x0, 1):.1f}" height="{bar}" fill="{color}">'
                   f"<title>{_t(label)}: {_t(text)}</title></rect>")
        out.append(f'<text x="{max(px(v), px(0)) + 4:.1f}" y="{y + bar / 2 + FONT_PX / 2 - 2:.1f}" fill="{INK}">'
                   f"{_t(text)}</text>")
    out.append("</svg>")
    return "\n".join(out)


def downsample(values, pixels: int = 600):
    """Indices (ascending) of ``values`` (a NumPy array, NaN = no data) to draw a line
    ``pixels`` wide: per pixel-wide bin the lowest and the highest value, and the first no-data
    point of a bin that has one (so gaps stay gaps). Series no longer than ``2 * pixels`` are
    kept whole. The extremes survive: the worst minute of a month is still on the chart."""
    import numpy as np

    n = len(values)
    if n <= 2 * pixels:
        return np.arange(n)
    edges = np.linspace(0, n, pixels + 1).astype(int)
    keep = []
    finite = np.isfinite(values)
    for lo, hi in zip(edges[:-1], edges[1:]):
        if hi <= lo:
            continue
        ok = finite[lo:hi]
        if ok.any():
            seg = np.where(ok, values[lo:hi], np.nan)
            keep += [lo + int(np.nanargmin(seg)), lo + int(np.nanargmax(seg))]
        if not ok.all():
            keep.append(lo + int(np.argmin(ok)))
    return np.unique(np.array(keep, dtype=int))
