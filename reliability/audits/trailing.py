"""The trailing error budget of an SLO at any instant: what the release-freeze rule reads.

At instant ``t`` the trailing window is the ``n`` slices ending at the slice boundary at or
before ``t`` (``b = floor(t)`` on the SLO's slice grid; slices ``[b − n, b)``: only slices
complete at ``t`` count, so a deployment sees the budget as it stood when it shipped). Over
them, in the SLO's budget units (:mod:`reliability.analysis.timeline`, the numbers of ``sla``
and ``budget``):

- ``bad`` = Σbad, ``allowed_bad`` = (1 − target) · n for Timeslices, (1 − target) · Σweight
  (events, or slices with data) otherwise; ``remaining = 1 − bad / allowed_bad`` (1 when
  nothing was allowed and nothing was bad, unknown when something was bad but nothing allowed).
- ``exhausted`` when ``remaining <= 0`` with ``bad > 0`` (the rule of ``budget``).
- ``data_coverage`` = slices with data / n; below the policy's ``minCoverage`` the status is
  ``insufficient_data``, never ``ok`` nor ``exhausted``.

Exemptions: slices starting inside an exemption's window count as good (their bad is 0; their
weight stays), computed alongside the plain numbers so both can be shown. Exact arithmetic
(rationals) at the instants judged; floats only to locate runs of exhaustion.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

import numpy as np

from reliability.analysis import timeline


@dataclass(frozen=True)
class Trailing:
    """An SLO's timeline with prefix sums of bad (plain and with exemptions) and weight."""

    tl: timeline.Timeline
    n: int  # slices in the trailing window
    cb: np.ndarray  # prefix sums of bad
    cbx: np.ndarray  # of bad with exempted slices zeroed
    cw: np.ndarray  # of weight
    cd: np.ndarray  # of slices with data
    exempt: np.ndarray  # bool per slice
    exempt_ids: list[tuple[str, int, int]]  # (exemption id, first slice, end slice)

    @property
    def fixed(self) -> bool:
        return self.tl.slo.budgeting_method == "Timeslices"

    def boundary(self, at: datetime) -> int:
        return self.tl.index(at)

    def numbers(self, b: int, exempted: bool = True) -> dict:
        """The trailing window ending at boundary ``b``, exactly (see the module docstring)."""
        lo = b - self.n
        c = self.cbx if exempted else self.cb
        bad = Fraction(float(c[b] - c[lo]))
        weight = Fraction(self.n) if self.fixed else Fraction(float(self.cw[b] - self.cw[lo]))
        allowed = (1 - self.tl.target) * weight
        if allowed:
            remaining: Fraction | None = 1 - bad / allowed
        else:
            remaining = Fraction(1) if bad == 0 else None
        return {"bad": bad, "allowed_bad": allowed, "remaining": remaining,
                "exhausted": remaining is not None and remaining <= 0 and bad > 0,
                "data_coverage": Fraction(int(self.cd[b] - self.cd[lo]), self.n)}

    def _masks(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        """Per boundary in ``[lo, hi]``: (may be exhausted, surely exhausted), from floats;
        only boundaries in the first and not the second need the exact check."""
        ks = np.arange(lo, hi + 1)
        bad = self.cbx[ks] - self.cbx[ks - self.n]
        weight = np.full(len(ks), float(self.n)) if self.fixed else self.cw[ks] - self.cw[ks - self.n]
        allowed = weight * self.tl.budget
        return (bad > 0) & (bad >= allowed * (1 - 1e-9)), (bad > 0) & (bad > allowed * (1 + 1e-9))

    def exhausted_runs(self, lo: int, hi: int) -> list[tuple[int, int]]:
        """Runs ``[first, end)`` of boundaries in ``[lo, hi]`` where the budget (with exemptions)
        is exhausted, exactly (boundaries within rounding of the line confirmed in rationals)."""
        maybe, sure = self._masks(lo, hi)
        for k in np.flatnonzero(maybe & ~sure):
            maybe[k] = self.numbers(int(k) + lo)["exhausted"]
        ks = np.flatnonzero(maybe) + lo
        if not len(ks):
            return []
        breaks = np.flatnonzero(np.diff(ks) > 1)
        firsts = np.concatenate(([ks[0]], ks[breaks + 1]))
        lasts = np.concatenate((ks[breaks], [ks[-1]]))
        return [(int(a), int(z) + 1) for a, z in zip(firsts, lasts)]

    def exempted_at(self, b: int) -> list[str]:
        """Ids of the exemptions with slices in the trailing window ending at ``b``."""
        lo = b - self.n
        return sorted({i for i, first, end in self.exempt_ids if first < b and end > lo})


def build(tl: timeline.Timeline, window_seconds: int, exemptions: list[tuple[str, datetime, datetime]]) -> Trailing:
    """The trailing budget over ``tl`` with windows of ``window_seconds``; ``exemptions``:
    ``(id, start, end)`` whose slices (starting in ``[start, end)``) count as good."""
    n = max(1, window_seconds // tl.window_seconds)
    exempt = np.zeros(tl.n, dtype=bool)
    ids = []
    for ident, start, end in exemptions:
        first = max(0, -(-int((start - tl.start).total_seconds()) // tl.window_seconds))
        stop = min(tl.n, -(-int((end - tl.start).total_seconds()) // tl.window_seconds))
        if first < stop:
            exempt[first:stop] = True
            ids.append((ident, first, stop))
    bad = tl.bad
    cb = timeline.prefix_sums(bad)
    cbx = timeline.prefix_sums(np.where(exempt, 0.0, bad)) if exempt.any() else cb
    return Trailing(tl, n, cb, cbx, tl.cumulative("weight"), timeline.prefix_sums(tl.data.astype(float), whole=True),
                    exempt, ids)


def lead(window_seconds: int) -> timedelta:
    """How far before the first instant judged the slices must begin: one trailing window to
    judge it, and one more to find since when a freeze in force at it has lasted."""
    return timedelta(seconds=2 * window_seconds)


@dataclass(frozen=True)
class Piece:
    """The boundaries one definition judges: ``tr`` is the trailing budget computed with the
    version in force (``version``; None for an SLO without a history), ``lo``..``hi`` the
    boundaries (indices in ``tr``) that fall in its time in force, ``until`` the first boundary
    of the next version (None: the last one)."""

    version: object
    tr: Trailing
    lo: int
    hi: int
    until: datetime | None


def _first_at_or_after(tl: timeline.Timeline, at: datetime) -> int:
    k = tl.index(at)
    return k if tl.time(k) == at else k + 1


def versioned(con, slo, history, sources: dict, first: datetime, end: datetime, window_seconds: int,
              exemptions: list[tuple[str, datetime, datetime]]) -> list[Piece]:
    """The trailing budget of ``slo`` over ``[first, end]`` with the definition in force at each
    boundary (docs/audits.md, "Release freeze"): one :class:`Piece` per version of ``history``
    (empty or None: the SLO as it is now judges every boundary). A version's trailing window
    reads its own SLI, slices and target over the whole window, also slices from before it took
    effect: the budget as it stood with the definition the team had when it shipped. Before the
    first version takes effect the first one judges (as the incident-budget rule measures)."""
    from reliability.analysis import segments
    from reliability.versions import in_force

    if not history:
        tl = timeline.load(con, slo, timeline.align(first, slo), end)
        tr = build(tl, window_seconds, exemptions)
        return [Piece(None, tr, tr.n, tl.index(end), None)]
    pieces = []
    for i, v in enumerate(history):
        vslo = segments.version_slo(v, slo, sources)
        tl = timeline.load(con, vslo, timeline.align(first, vslo), end)
        tr = build(tl, window_seconds, exemptions)
        k_end = tl.index(end)
        lo = tr.n if i == 0 or v.effective_from is None else max(tr.n, _first_at_or_after(tl, v.effective_from))
        nxt = history[i + 1].effective_from if i + 1 < len(history) else None
        hi = k_end if nxt is None else min(k_end, _first_at_or_after(tl, nxt) - 1)
        pieces.append(Piece(v, tr, lo, hi, None))
    # Each piece ends where the next one's first boundary is (the grids may differ).
    out = []
    for i, p in enumerate(pieces):
        nxt = next((q for q in pieces[i + 1:] if q.lo <= q.hi), None)
        out.append(Piece(p.version, p.tr, p.lo, p.hi, None if nxt is None else nxt.tr.tl.time(nxt.lo)))
    return out


def at(pieces: list[Piece], when: datetime) -> Piece:
    """The piece whose version is in force at ``when`` (the first before any takes effect)."""
    from reliability.versions import in_force

    if pieces[0].version is None:
        return pieces[0]
    v = in_force([p.version for p in pieces], when) or pieces[0].version
    return next(p for p in pieces if p.version is v)


def runs(pieces: list[Piece]) -> list[tuple[datetime | None, datetime | None]]:
    """Runs ``[start, end)`` of exhausted boundaries over every piece, each boundary judged by
    its own piece, joined across a change of definition; ``start`` None: since the first
    boundary judged (more than a trailing window before the range), ``end`` None: still
    exhausted at the last one."""
    out: list[list] = []
    earliest = True  # the first piece with boundaries holds the first boundary judged
    for p in pieces:
        if p.lo > p.hi:
            continue
        for a, z in p.tr.exhausted_runs(p.lo, p.hi):
            start = None if earliest and a == p.tr.n else p.tr.tl.time(a)
            # A run reaching the piece's last boundary lasts until the next piece's first (which
            # judges on from there), or past the range when this piece is the last.
            end = p.tr.tl.time(z) if z <= p.hi else p.until
            if out and start is not None and out[-1][1] == start:
                out[-1][1] = end
            else:
                out.append([start, end])
        earliest = False
    return [(a, z) for a, z in out]
