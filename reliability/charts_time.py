"""Static SVG charts over time: a series against a threshold (the breach page's SLI and budget
burn-down) and a timeline of spans and events per row (release freezes and deployments).

Same conventions as :mod:`reliability.charts`: plain SVG, sizes in CSS pixels, every text from
the data XML-escaped. What a reader hovered for in Plotly is here as ``<title>`` tooltips (a
browser shows them on hover) and direct labels: the threshold's value, the lowest point, each
band's name. The x axis is drawn in the zone of the instants given (aware datetimes), named by
``x_label``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from reliability.charts import FONT_PX, GRID, INK, MUTED, _clip, _legend, _nice_range, _open, _t, _text_width

LINE = "#1565c0"
THRESHOLD = "#c62828"
BAND = "#f4a582"
HOVER_COLUMNS = 120  # invisible columns with the range of values under them, as a tooltip

# Tick steps for a time axis, smallest first: (seconds, label format).
STEPS = [(60 * m, "%m-%d %H:%M") for m in (1, 5, 15, 30)] + \
    [(3600 * h, "%m-%d %H:%M") for h in (1, 3, 6, 12)] + [(86400 * d, "%m-%d") for d in (1, 2, 7, 14)]


@dataclass(frozen=True)
class Band:
    """A shaded span of the x axis (an incident's window), labelled at its top left."""
    start: datetime
    end: datetime
    label: str
    tooltip: str = ""


@dataclass(frozen=True)
class Mark:
    """A triangle on the x axis (a deployment), coloured, with a tooltip."""
    at: datetime
    color: str
    tooltip: str


def time_ticks(start: datetime, end: datetime, room: int) -> tuple[list[datetime], str]:
    """At most ``room`` tick instants in ``[start, end]`` on round steps in ``start``'s zone
    (midnights for day steps), and their label format."""
    span = max((end - start).total_seconds(), 60)
    seconds, fmt = next(((s, f) for s, f in STEPS if span / s <= room), STEPS[-1])
    if seconds >= 86400:
        first = start.replace(hour=0, minute=0, second=0, microsecond=0)
    else:
        base = start.replace(minute=0, second=0, microsecond=0)
        first = base + timedelta(seconds=seconds * math.floor((start - base).total_seconds() / seconds))
    out, k = [], 0
    while True:
        # Wall-clock steps from the first tick (a DST day still ticks at midnight).
        t = first + timedelta(seconds=seconds * k) if seconds < 86400 else \
            (first.replace(tzinfo=None) + timedelta(days=seconds // 86400 * k)).replace(tzinfo=first.tzinfo)
        if t > end:
            return out, fmt
        if t >= start:
            out.append(t)
        k += 1


def series(x: Sequence[datetime], y: Sequence[float | None], title: str, *, start: datetime, end: datetime,
           threshold: float | None = None, threshold_label: str = "", y_label: str = "", x_label: str = "",
           name: str = "", fmt: Callable[[float], str] = lambda v: f"{v:.3f}", bands: Sequence[Band] = (),
           marks: Sequence[Mark] = (), mark_note: str = "", width: int = 900, height: int = 340) -> str:
    """One line over instants ``x`` in ``[start, end)`` (gaps for None/NaN), a dashed
    ``threshold`` line labelled ``threshold_label``, shaded ``bands``, ``marks`` on the axis;
    the lowest point labelled; per ``HOVER_COLUMNS`` column a tooltip with the lowest and
    highest value under it. Values are formatted by ``fmt`` (units included); the axis ticks
    plainly (``y_label`` names the unit)."""
    left, right, top = 64, 12, FONT_PX * 2 + 16 + (FONT_PX + 4 if bands else 0)
    bottom = FONT_PX * 3 + 14
    pw, ph = width - left - right, height - top - bottom
    pts = [(t, v) for t, v in zip(x, y) if v is not None and math.isfinite(v)]
    values = [v for _t_, v in pts] + ([threshold] if threshold is not None else [])
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    if hi == lo:
        lo, hi = lo - 1, hi + 1
    pad = (hi - lo) * 0.06
    lo, hi = lo - pad, hi + pad
    total = max((end - start).total_seconds(), 1)

    def px(t: datetime) -> float:
        return left + pw * min(max((t - start).total_seconds() / total, 0), 1)

    def py(v: float) -> float:
        return top + ph * (1 - (v - lo) / (hi - lo))

    out = _open(width, height, title)
    for tick in _nice_range(lo, hi):
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{py(tick):.1f}" y2="{py(tick):.1f}" stroke="{GRID}"/>')
        out.append(f'<text x="{left - 6}" y="{py(tick) + 4:.1f}" text-anchor="end" fill="{MUTED}">'
                   f'{_t(f"{tick:,.6g}")}</text>')
    if y_label:
        out.append(f'<text x="4" y="{top - 6 - (FONT_PX + 4 if bands else 0)}" fill="{MUTED}">{_t(y_label)}</text>')
    ticks, tfmt = time_ticks(start, end, max(2, int(pw // (_text_width("03-01 00:00") + 16))))
    for t in ticks:
        out.append(f'<line x1="{px(t):.1f}" x2="{px(t):.1f}" y1="{top}" y2="{top + ph}" stroke="{GRID}"/>')
        out.append(f'<text x="{px(t):.1f}" y="{top + ph + FONT_PX + 4}" text-anchor="middle" fill="{MUTED}">'
                   f'{_t(t.strftime(tfmt))}</text>')
    if x_label:
        out.append(f'<text x="{left + pw}" y="{top + ph + 2 * FONT_PX + 8}" text-anchor="end" fill="{MUTED}">'
                   f'{_t(x_label)}</text>')
    for b in bands:
        x0, x1 = px(b.start), px(b.end)
        out.append(f'<rect x="{x0:.1f}" y="{top}" width="{max(x1 - x0, 1.5):.1f}" height="{ph}" fill="{BAND}" '
                   f'fill-opacity="0.45" stroke="#d6604d" data-band="1"><title>{_t(b.tooltip or b.label)}</title></rect>')
        out.append(f'<text x="{x0:.1f}" y="{top - 4}" font-size="{FONT_PX - 2}" fill="#b2182b">{_t(b.label)}</text>')
    if threshold is not None:
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{py(threshold):.1f}" y2="{py(threshold):.1f}" '
                   f'stroke="{THRESHOLD}" stroke-dasharray="6 4" data-threshold="{threshold}"/>')
        below = py(threshold) - top < FONT_PX + 4  # no room above the line: write under it
        out.append(f'<text x="{left + pw - 4}" y="{py(threshold) + (FONT_PX + 2 if below else -4):.1f}" '
                   f'text-anchor="end" fill="{THRESHOLD}">{_t(threshold_label)}</text>')
    out += _polylines(pts, y, x, px, py, name)
    if pts:
        t_low, v_low = min(pts, key=lambda p: p[1])
        note = f'lowest {fmt(v_low)} {t_low.strftime("%m-%d %H:%M")}'
        anchor = "end" if px(t_low) + 6 + _text_width(note) > left + pw else "start"
        out.append(f'<circle cx="{px(t_low):.1f}" cy="{py(v_low):.1f}" r="3.5" fill="{THRESHOLD}">'
                   f'<title>lowest: {_t(fmt(v_low))} at {_t(t_low.strftime("%Y-%m-%d %H:%M"))}</title></circle>')
        out.append(f'<text x="{px(t_low) + (-6 if anchor == "end" else 6):.1f}" y="{min(py(v_low) + 4, top + ph - 4):.1f}" '
                   f'text-anchor="{anchor}" fill="{INK}" data-lowest="1">{_t(note)}</text>')
    for m in marks:
        cx, cy = px(m.at), top + ph
        out.append(f'<path d="M{cx - 6:.1f},{cy:.1f} L{cx + 6:.1f},{cy:.1f} L{cx:.1f},{cy - 10:.1f} Z" fill="{m.color}" '
                   f'data-mark="1"><title>{_t(m.tooltip)}</title></path>')
    out += _hover_columns(pts, px, left, pw, top, ph, start, total, fmt)
    legend_y = height - 6
    if name:
        out.append(f'<line x1="{left}" x2="{left + 18}" y1="{legend_y - 4}" y2="{legend_y - 4}" stroke="{LINE}" '
                   f'stroke-width="2"/><text x="{left + 24}" y="{legend_y}" fill="{INK}">{_t(name)}</text>')
    if mark_note:
        out.append(f'<text x="{left + 40 + _text_width(name)}" y="{legend_y}" fill="{MUTED}">{_t(mark_note)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _polylines(pts, y, x, px, py, name: str) -> list[str]:
    """The line in runs between gaps (a None/NaN value breaks it); a lone point as a dot."""
    out, run = [], []
    for t, v in zip(x, y):
        if v is None or not math.isfinite(v):
            if run:
                out.append(run)
            run = []
        else:
            run.append(f"{px(t):.1f},{py(v):.1f}")
    if run:
        out.append(run)
    drawn = []
    for r in out:
        drawn.append(f'<polyline fill="none" stroke="{LINE}" stroke-width="1.5" points="{" ".join(r)}">'
                     f"<title>{_t(name)}</title></polyline>")
        if len(r) == 1:
            cx, cy = r[0].split(",")
            drawn.append(f'<circle cx="{cx}" cy="{cy}" r="2" fill="{LINE}"/>')
    return drawn


def _hover_columns(pts, px, left, pw, top, ph, start, total, fmt) -> list[str]:
    """Transparent columns over the plot, each titled with the instants it covers and the
    lowest and highest value drawn in it: Plotly's hover, without a script."""
    if not pts:
        return []
    cols: dict[int, list] = {}
    for t, v in pts:
        k = min(int((px(t) - left) / pw * HOVER_COLUMNS), HOVER_COLUMNS - 1)
        cols.setdefault(k, []).append((t, v))
    out = []
    w = pw / HOVER_COLUMNS
    for k, items in sorted(cols.items()):
        a, z = items[0][0], items[-1][0]
        low, high = min(v for _t_, v in items), max(v for _t_, v in items)
        span = a.strftime("%Y-%m-%d %H:%M") + ("" if a == z else " to " + z.strftime("%m-%d %H:%M"))
        text = f"{span}: {fmt(low)}" if low == high else f"{span}: lowest {fmt(low)}, highest {fmt(high)}"
        out.append(f'<rect x="{left + w * k:.1f}" y="{top}" width="{w:.1f}" height="{ph}" fill="transparent">'
                   f"<title>{_t(text)}</title></rect>")
    return out


@dataclass(frozen=True)
class Span:
    """A bar on a timeline row (a freeze), open ends drawn to the chart's edges."""
    row: str
    start: datetime | None
    end: datetime | None
    tooltip: str


@dataclass(frozen=True)
class Event:
    """A marker on a timeline row (a deployment), coloured by its category."""
    row: str
    at: datetime
    category: str
    tooltip: str


def timeline(rows: Sequence[str], spans: Sequence[Span], events: Sequence[Event], title: str, *, start: datetime,
             end: datetime, colors: dict[str, str], labels: dict[str, str] | None = None, span_color: str = "#fddbc7",
             span_label: str = "", x_label: str = "", width: int = 900, row_height: int = 26) -> str:
    """Rows of ``spans`` (bars) and ``events`` (triangles coloured by ``colors[category]``)
    over ``[start, end)``; a legend of the span and the categories present."""
    labels = labels or {}
    label_w = min(max((_text_width(r) for r in rows), default=40) + 10, width * 0.35)
    top = FONT_PX * 2 + 14
    ph = row_height * max(len(rows), 1)
    height = int(top + ph + FONT_PX * 3 + 24)
    pw = width - label_w - 12
    total = max((end - start).total_seconds(), 1)

    def px(t: datetime | None, default: float) -> float:
        if t is None:
            return default
        return label_w + pw * min(max((t - start).total_seconds() / total, 0), 1)

    out = _open(width, height, title)
    ticks, tfmt = time_ticks(start, end, max(2, int(pw // (_text_width("03-01 00:00") + 16))))
    for t in ticks:
        x = px(t, 0)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + ph}" stroke="{GRID}"/>')
        out.append(f'<text x="{x:.1f}" y="{top + ph + FONT_PX + 4}" text-anchor="middle" fill="{MUTED}">'
                   f'{_t(t.strftime(tfmt))}</text>')
    if x_label:
        out.append(f'<text x="{label_w + pw}" y="{top + ph + 2 * FONT_PX + 8}" text-anchor="end" fill="{MUTED}">'
                   f'{_t(x_label)}</text>')
    index = {r: i for i, r in enumerate(rows)}
    for r, i in index.items():
        y = top + row_height * i
        out.append(f'<text x="{label_w - 6:.1f}" y="{y + row_height / 2 + FONT_PX / 2 - 2:.1f}" text-anchor="end" '
                   f'fill="{INK}"><title>{_t(r)}</title>{_t(_clip(r, label_w))}</text>')
        out.append(f'<line x1="{label_w}" x2="{label_w + pw}" y1="{y + row_height}" y2="{y + row_height}" '
                   f'stroke="{GRID}"/>')
    for s in spans:
        y = top + row_height * index[s.row]
        x0, x1 = px(s.start, label_w), px(s.end, label_w + pw)
        out.append(f'<rect x="{x0:.1f}" y="{y + 3}" width="{max(x1 - x0, 1.5):.1f}" height="{row_height - 6}" '
                   f'fill="{span_color}" data-span="1"><title>{_t(s.tooltip)}</title></rect>')
    for e in events:
        cx, cy = px(e.at, label_w), top + row_height * index[e.row] + row_height / 2
        out.append(f'<path d="M{cx - 6:.1f},{cy + 6:.1f} L{cx + 6:.1f},{cy + 6:.1f} L{cx:.1f},{cy - 6:.1f} Z" '
                   f'fill="{colors[e.category]}" data-category="{_t(e.category)}"><title>{_t(e.tooltip)}</title></path>')
    present = [c for c in colors if any(e.category == c for e in events)]
    legend_x = 4
    if span_label:
        out.append(f'<rect x="4" y="{height - 6 - FONT_PX + 2}" width="{FONT_PX * 2}" height="{FONT_PX}" '
                   f'fill="{span_color}"/><text x="{8 + FONT_PX * 2}" y="{height - 6}" fill="{INK}">'
                   f'{_t(span_label)}</text>')
        legend_x += FONT_PX * 2 + 20 + _text_width(span_label)
    out += _legend(present, legend_x, height - 6, colors, labels)
    out.append("</svg>")
    return "\n".join(out)

