"""Static SVG charts of distributions and counts: points per group with median and p90 (the
incident time metrics, alert delays), a numeric heatmap (incidents by weekday and hour, slices
without data per series and month) and grouped bars around zero (budget left per month).

Same conventions as :mod:`reliability.charts`: plain SVG, sizes in CSS pixels, every text from
the data XML-escaped, each mark's value in a ``<title>`` tooltip and the summary numbers written
on the chart.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reliability.charts import FONT_PX, GRID, INK, MUTED, _clip, _legend, _nice_range, _num, _open, _t, _text_width

POINT = "#2166ac"


@dataclass(frozen=True)
class Point:
    value: float
    tooltip: str = ""


def _quantile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), ``values`` sorted."""
    pos = (len(values) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (pos - lo)


def _log_ticks(lo: float, hi: float) -> list[float]:
    return [10.0 ** k for k in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)]


def strip(groups: Sequence[str], points: dict[str, Sequence[Point]], title: str, *, y_label: str = "",
          log: bool = False, colors: dict[str, str] | None = None, fmt: Callable[[float], str] = _num,
          width: int = 460, height: int = 340) -> str:
    """Per group a column of points (spread sideways by rank, so equal values stay apart),
    its median as a bar and p90 as a dashed bar, both labelled; ``n`` under each group. On a
    log axis values <= 0 cannot be drawn: they are counted under the group ("2 at 0")."""
    colors = colors or {}
    left, right, top = 56, 8, FONT_PX * 2 + 14
    # Names wider than their column go on two staggered rows (each then has two columns' width)
    # rather than being cut to "api-…"; the full name is the label's tooltip either way.
    stagger = len(groups) > 1 and any(_clip(g, (width - left - right) / len(groups)) != g for g in groups)
    bottom = FONT_PX * (4 if stagger else 3) + 18 + (2 if stagger else 0)
    pw, ph = width - left - right, height - top - bottom
    drawable = {g: [p for p in points.get(g, ()) if p.value is not None and math.isfinite(p.value)
                    and (p.value > 0 or not log)] for g in groups}
    values = [p.value for g in groups for p in drawable[g]]
    if log:
        lo, hi = (min(values), max(values)) if values else (1.0, 10.0)
        ticks = _log_ticks(lo, hi)
        lo, hi = ticks[0], ticks[-1] if ticks[-1] > ticks[0] else ticks[0] * 10
    else:
        lo, hi = min(values + [0.0]), max(values + [1.0])
        ticks = _nice_range(lo, hi)
        hi = max(hi, ticks[-1]) * 1.04

    def py(v: float) -> float:
        f = (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo)) if log else (v - lo) / (hi - lo)
        return top + ph * (1 - f)

    out = _open(width, height, title)
    for t in ticks:
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{py(t):.1f}" y2="{py(t):.1f}" stroke="{GRID}"/>')
        out.append(f'<text x="{left - 6}" y="{py(t) + 4:.1f}" text-anchor="end" fill="{MUTED}">{_t(fmt(t))}</text>')
    if y_label:
        out.append(f'<text x="4" y="{top - 6}" fill="{MUTED}">{_t(y_label)}</text>')
    band = pw / max(len(groups), 1)
    for i, g in enumerate(groups):
        cx = left + band * (i + 0.5)
        color = colors.get(g, POINT)
        mine = sorted(drawable[g], key=lambda p: p.value)
        spread = band * 0.32
        for k, p in enumerate(mine):
            dx = spread * (((k * 0.618034) % 1) * 2 - 1)  # golden-ratio offsets: no random, no overlap pile
            out.append(f'<circle cx="{cx + dx:.1f}" cy="{py(p.value):.1f}" r="3" fill="{color}" fill-opacity="0.6">'
                       f"<title>{_t(p.tooltip or fmt(p.value))}</title></circle>")
        if mine:
            vals = [p.value for p in mine]
            for q, dash, name in ((0.5, "", "median"), (0.9, ' stroke-dasharray="4 3"', "p90")):
                v = _quantile(vals, q)
                out.append(f'<line x1="{cx - band * 0.4:.1f}" x2="{cx + band * 0.4:.1f}" y1="{py(v):.1f}" '
                           f'y2="{py(v):.1f}" stroke="{INK}" stroke-width="2"{dash} data-stat="{name}">'
                           f"<title>{_t(g)} {name}: {_t(fmt(v))}</title></line>")
            median = _quantile(vals, 0.5)
            out.append(f'<text x="{cx + band * 0.42:.1f}" y="{py(median) - 3:.1f}" text-anchor="end" '
                       f'font-size="{FONT_PX - 2}" fill="{INK}">{_t(fmt(median))}</text>')
        hidden = len(points.get(g, ())) - len(mine)
        note = f"n={len(mine)}" + (f", {hidden} at 0" if hidden and log else (f", {hidden} unknown" if hidden else ""))
        row = i % 2 if stagger else 0
        out.append(f'<text x="{cx:.1f}" y="{top + ph + FONT_PX + 4 + row * (FONT_PX + 2)}" text-anchor="middle" '
                   f'fill="{INK}"><title>{_t(g)}</title>{_t(_clip(g, band * (2 if stagger else 1)))}</text>')
        note_y = top + ph + (3 if stagger else 2) * FONT_PX + (8 if stagger else 6)
        out.append(f'<text x="{cx:.1f}" y="{note_y}" text-anchor="middle" '
                   f'font-size="{FONT_PX - 2}" fill="{MUTED}">{_t(note)}</text>')
    out.append(f'<text x="{width - 4}" y="{height - 4}" text-anchor="end" font-size="{FONT_PX - 2}" fill="{MUTED}">'
               f'bar: median, dashed: p90</text>')
    out.append("</svg>")
    return "\n".join(out)


def scale(value: float, top: float, color: str = "#b2182b") -> str:
    """A colour from white (0) to ``color`` (``top`` and above), with any value above 0 at
    least a visible tint: one missing slice is not "complete"."""
    if value is None or value <= 0:
        return "#f7f7f7"
    f = 0.15 + 0.85 * min(value / top, 1.0) if top > 0 else 1.0
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(255 - (255 - c) * f):02x}" for c in (r, g, b))


def value_heatmap(rows: Sequence[str], columns: Sequence[str], values: dict[tuple[str, str], float], title: str, *,
                  tooltips: dict[tuple[str, str], str] | None = None, color: str = "#b2182b", top: float | None = None,
                  legend: str = "", fmt: Callable[[float], str] = lambda v: f"{v:,.0f}", width: int = 900,
                  row_height: int = 24, column_label: str = "") -> str:
    """A grid of numbers: each cell shaded from white (0, or missing) to ``color`` (``top``,
    default the largest value), its value written inside when it fits and not 0, its tooltip
    (default ``row column: value``) on hover; a legend line under the grid."""
    tooltips = tooltips or {}
    label_w = min(max((_text_width(r) for r in rows), default=40) + 14, width * 0.4)
    top_px = FONT_PX * 2 + 12 + FONT_PX + 6
    cell_w = (width - label_w - 4) / max(len(columns), 1)
    height = int(top_px + row_height * len(rows) + FONT_PX * 2 + 16 + (FONT_PX + 4 if column_label else 0))
    found = [v for v in values.values() if v is not None]
    top = top if top is not None else max(found + [1.0])
    out = _open(width, height, title)
    every = max(1, math.ceil((max((_text_width(str(c)) for c in columns), default=8) + 6) / max(cell_w, 1)))
    for j, col in enumerate(columns):
        if j % every == 0:
            out.append(f'<text x="{label_w + cell_w * (j + 0.5):.1f}" y="{top_px - 6}" text-anchor="middle" '
                       f'fill="{MUTED}">{_t(col)}</text>')
    small = FONT_PX if row_height >= FONT_PX + 8 else FONT_PX - 2
    for i, row in enumerate(rows):
        y = top_px + row_height * i
        out.append(f'<text x="{label_w - 6:.1f}" y="{y + row_height / 2 + FONT_PX / 2 - 2:.1f}" text-anchor="end" '
                   f'fill="{INK}"><title>{_t(row)}</title>{_t(_clip(row, label_w))}</text>')
        for j, col in enumerate(columns):
            v = values.get((row, col))
            fill = scale(v, top, color)
            x = label_w + cell_w * j
            tip = tooltips.get((row, col)) or f"{row} {col}: {fmt(v or 0)}"
            out.append(f'<rect x="{x + 0.5:.1f}" y="{y + 0.5:.1f}" width="{cell_w - 1:.1f}" height="{row_height - 1}" '
                       f'fill="{fill}" data-value="{v or 0:g}"><title>{_t(tip)}</title></rect>')
            text = fmt(v) if v else ""
            if text and cell_w >= _text_width(text, small) + 2:
                r, g, b = (int(fill[k:k + 2], 16) for k in (1, 3, 5))
                ink = "white" if 0.299 * r + 0.587 * g + 0.114 * b < 140 else INK
                out.append(f'<text x="{x + cell_w / 2:.1f}" y="{y + row_height / 2 + small / 2 - 2:.1f}" '
                           f'text-anchor="middle" font-size="{small}" fill="{ink}">{_t(text)}</text>')
    base = top_px + row_height * len(rows)
    if column_label:
        out.append(f'<text x="{width - 4}" y="{base + FONT_PX + 2}" text-anchor="end" fill="{MUTED}">'
                   f'{_t(column_label)}</text>')
    y = height - 6
    # Legend steps that read differently: 0, 1, 2, 3 for small counts, else quarters of the top.
    steps = [float(k) for k in range(int(top) + 1)] if top <= 4 and top == int(top) else [0, top / 4, top / 2, top]
    x = 4.0
    for s in steps:
        out.append(f'<rect x="{x:.1f}" y="{y - FONT_PX + 2}" width="{FONT_PX}" height="{FONT_PX}" fill="{scale(s, top, color)}" '
                   f'stroke="{GRID}"/><text x="{x + FONT_PX + 4:.1f}" y="{y}" fill="{INK}">'
                   f'{_t(fmt(s) + (" or more" if s == top and s < max(found + [0]) else ""))}</text>')
        x += FONT_PX + 16 + _text_width(fmt(s))
    if legend:
        out.append(f'<text x="{x + 8:.1f}" y="{y}" fill="{MUTED}">{_t(legend)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def grouped_bars(labels: Sequence[str], series: dict[str, Sequence[float | None]], colors: dict[str, str],
                 title: str, *, y_label: str = "", fmt: Callable[[float], str] = _num, zero_line: bool = True,
                 width: int = 900, height: int = 300) -> str:
    """Bars side by side per label, one per series, from zero (negative downwards); a missing
    value (None) leaves a gap marked "no data" in its tooltip-free slot; a dashed zero line."""
    left, right, top, bottom = 60, 8, FONT_PX * 2 + 14, FONT_PX * 3 + 14
    pw, ph = width - left - right, height - top - bottom
    values = [v for s in series.values() for v in s if v is not None and math.isfinite(v)]
    lo, hi = min(values + [0.0]), max(values + [0.0])
    if hi == lo:
        hi = lo + 1
    pad = (hi - lo) * 0.06
    lo, hi = lo - (pad if lo < 0 else 0), hi + (pad if hi > 0 else 0)

    def py(v: float) -> float:
        return top + ph * (1 - (v - lo) / (hi - lo))

    out = _open(width, height, title)
    for t in _nice_range(lo, hi):
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{py(t):.1f}" y2="{py(t):.1f}" stroke="{GRID}"/>')
        out.append(f'<text x="{left - 6}" y="{py(t) + 4:.1f}" text-anchor="end" fill="{MUTED}">{_t(fmt(t))}</text>')
    if y_label:
        out.append(f'<text x="4" y="{top - 6}" fill="{MUTED}">{_t(y_label)}</text>')
    band = pw / max(len(labels), 1)
    width_each = band * 0.8 / max(len(series), 1)
    every = max(1, math.ceil((_text_width(max(labels, key=len, default="")) + 8) / band))
    for i, label in enumerate(labels):
        for k, (name, vals) in enumerate(series.items()):
            v = vals[i]
            if v is None or not math.isfinite(v):
                continue
            x = left + band * i + band * 0.1 + width_each * k
            y0, y1 = sorted((py(0), py(v)))
            out.append(f'<rect x="{x:.1f}" y="{y0:.1f}" width="{max(width_each - 1, 1):.1f}" height="{max(y1 - y0, 0.5):.1f}" '
                       f'fill="{colors[name]}"><title>{_t(name)} {_t(label)}: {_t(fmt(v))}</title></rect>')
        if i % every == 0:
            out.append(f'<text x="{left + band * (i + 0.5):.1f}" y="{top + ph + FONT_PX + 4}" text-anchor="middle" '
                       f'fill="{MUTED}">{_t(label)}</text>')
    if zero_line and lo < 0 < hi or zero_line and lo == 0:
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{py(0):.1f}" y2="{py(0):.1f}" stroke="#b2182b" '
                   f'stroke-dasharray="4 3"/>')
    out += _legend(list(series), left, height - 6, colors, {k: _clip(k, 240) for k in series})
    out.append("</svg>")
    return "\n".join(out)
