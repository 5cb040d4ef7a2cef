"""The independent methods the benchmarks check the CLI against: the same numbers with pandas
(`sla` over every SLO; `worst` and `burn --all` with rolling windows), and the comparisons.

Each pandas baseline runs in a process of its own (`bench_sla.py _pandas ...`), so only the
standard library is imported at the top; pandas and numpy inside the functions.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path

from fleet import TARGET, month_bounds

TOLERANCE = 1e-9


def pandas_baseline(spec_path: str, out_path: str, month: str, batch: str, files: list[str]) -> None:
    """The same numbers as `reliability sla --json` for the SLOs of `spec_path`, with pandas:
    Occurrences attainment = Σgood / Σtotal; Timeslices attainment = (good slices + no-data
    slices) / slices in the month, a slice being good when good/total >= timeSliceTarget."""
    import numpy as np
    import pandas as pd

    with open(spec_path) as fh:  # not pd.read_json: its default float parser is not exact (0.95 -> 0.9500000000000001)
        slos = pd.DataFrame(json.load(fh))
    start = pd.Timestamp(f"{month}-01", tz="UTC")
    end = start + pd.offsets.MonthBegin(1)
    slices = (end - start) // pd.Timedelta(minutes=1)
    tst = slos[slos["method"] == "Timeslices"].set_index("service")["tst"]

    def aggregate(df: pd.DataFrame) -> pd.DataFrame:
        df = df[(df["timestamp"] >= start) & (df["timestamp"] < end)]
        has_data = df["total"] > 0
        good_slice = has_data & (df["good"] / df["total"] >= df["service"].map(tst))
        return (
            df.assign(has_data=has_data, good_slice=good_slice)
            .groupby(["service", "sli"], sort=False)
            .agg(good=("good", "sum"), total=("total", "sum"), with_data=("has_data", "sum"), good_slices=("good_slice", "sum"))
        )

    columns = ["timestamp", "service", "sli", "good", "total"]
    if batch == "all":
        agg = aggregate(pd.read_parquet(files, columns=columns))
    else:  # one file (a batch of services) at a time, partial sums added up
        agg = pd.concat([aggregate(pd.read_parquet(f, columns=columns)) for f in files]).groupby(level=[0, 1]).sum()

    res = slos.merge(agg.reset_index(), on=["service", "sli"], how="left")
    res[["good", "total", "with_data", "good_slices"]] = res[["good", "total", "with_data", "good_slices"]].fillna(0)
    res["no_data"] = slices - res["with_data"]
    occ = res["method"] == "Occurrences"
    good_minutes = res["good_slices"] + res["no_data"]
    res["attainment"] = np.where(occ, res["good"] / res["total"].where(res["total"] > 0), good_minutes / slices)
    res["bad"] = np.where(occ, res["total"] - res["good"], slices - good_minutes)
    res["allowed_bad"] = (1 - res["target"]) * np.where(occ, res["total"], slices)
    res["breached"] = res["attainment"] < res["target"]
    out = res[["slo", "attainment", "bad", "allowed_bad", "no_data", "breached"]]
    with open(out_path, "w") as fh:  # json, not to_json: that rounds to 15 significant digits at most
        json.dump(out.astype(object).where(out.notna(), None).to_dict(orient="records"), fh)


WORST_TOP = 5
WORST_MINUTES = 60
# The SRE workbook's alert rows (burn.py): severity, long and short window (minutes), budget
# share; factor = share x 720 h / long-window hours for a calendar-month SLO.
ALERT_ROWS = (("page", 60, 5, (2, 100)), ("page", 360, 30, (5, 100)), ("ticket", 1440, 120, (10, 100)),
              ("ticket", 4320, 360, (10, 100)))


def pandas_windows(spec_path: str, out_path: str, month: str, files: list[str]) -> None:
    """The same numbers as `worst --window 1h --top 5` and `burn --all` over the month, with
    pandas rolling windows: per file (100 services) a minute x service frame of bad and weight
    (Occurrences: failed events and events; Timeslices: good/total < timeSliceTarget and 1 per
    minute), `rolling(60).sum()` for the worst windows (greedy: most bad, then starting on a
    bad minute, then earliest; no overlap), and rolling sums over 5m ... 3d, 3 days of empty
    history before the month, for the alert replay (episode starts per severity)."""
    from fractions import Fraction

    import numpy as np
    import pandas as pd

    with open(spec_path) as fh:
        specs = json.load(fh)
    start = pd.Timestamp(f"{month}-01", tz="UTC")
    end = start + pd.offsets.MonthBegin(1)
    n = (end - start) // pd.Timedelta(minutes=1)
    pad = 3 * 1440
    grid = pd.date_range(start, end, freq="1min", inclusive="left")
    by_service: dict[str, list[dict]] = {}
    for spec in specs:
        by_service.setdefault(spec["service"], []).append(spec)
    out = {}
    for f in files:
        df = pd.read_parquet(f, columns=["timestamp", "service", "good", "total"])
        df = df[(df["timestamp"] >= start) & (df["timestamp"] < end)]
        good = df.pivot(index="timestamp", columns="service", values="good").reindex(grid).fillna(0.0)
        total = df.pivot(index="timestamp", columns="service", values="total").reindex(grid).fillna(0.0)
        for kind in ("Occurrences", "Timeslices"):
            cols = [sv for sv in good.columns]
            if kind == "Occurrences":
                bad, weight = total - good, total
            else:
                tst = pd.Series({sv: next(x["tst"] for x in by_service[sv] if x["method"] == kind) for sv in cols})
                ratio = (good / total.where(total > 0)).fillna(1.0)
                bad = (ratio < tst).astype(float) * (total > 0)
                weight = pd.DataFrame(1.0, index=grid, columns=cols)
            sums = bad.rolling(WORST_MINUTES).sum().shift(-(WORST_MINUTES - 1)).iloc[: n - WORST_MINUTES + 1]
            padded_bad = pd.concat([pd.DataFrame(0.0, index=range(pad), columns=cols), bad.reset_index(drop=True)],
                                   ignore_index=True)
            padded_w = pd.concat([pd.DataFrame(0.0 if kind == "Occurrences" else 1.0, index=range(pad), columns=cols),
                                  weight.reset_index(drop=True)], ignore_index=True)
            rolled = {m: (padded_bad.rolling(m, min_periods=1).sum(), padded_w.rolling(m, min_periods=1).sum())
                      for m in {x for r in ALERT_ROWS for x in r[1:3]}}
            for sv in cols:
                name = f"{sv}-{kind.lower()}"
                s = sums[sv].to_numpy().copy()
                starts_bad = bad[sv].to_numpy()[: len(s)] > 0
                score = np.where(s > 0, s, -np.inf)
                windows = []
                while len(windows) < WORST_TOP and len(score) and score.max() > -np.inf:
                    best = score.max()
                    ties = score == best
                    pref = np.flatnonzero(ties & starts_bad)
                    k = int(pref[0]) if len(pref) else int(np.flatnonzero(ties)[0])
                    windows.append([k, float(best)])
                    score[max(0, k - WORST_MINUTES + 1): k + WORST_MINUTES] = -np.inf
                episodes = {}
                for sev in ("page", "ticket"):
                    firing = np.zeros(n + 1, bool)
                    for row_sev, long_m, short_m, (a, b) in ALERT_ROWS:
                        if row_sev != sev:
                            continue
                        thr = float(Fraction(a, b) * 720 / Fraction(long_m, 60) * (1 - Fraction(str(TARGET))))
                        on = np.ones(n + 1, bool)
                        for m in (long_m, short_m):
                            rb, rw = rolled[m][0][sv].to_numpy(), rolled[m][1][sv].to_numpy()
                            at = np.arange(pad, pad + n + 1) - 1  # boundary i: window ends at slice i - 1
                            on &= (rw[at] > 0) & (rb[at] > thr * rw[at])
                        firing |= on
                    edges = np.flatnonzero(np.diff(np.concatenate(([0], firing.astype(np.int8), [0]))))
                    episodes[sev] = edges[::2].tolist()
                out[name] = {"worst": windows, "episodes": episodes}
    with open(out_path, "w") as fh:
        json.dump(out, fh)


def compare_windows(worst_json: Path, burn_json: Path, pandas_json: Path, month: str) -> list[str]:
    """Worst windows (start minute, bad) and episode starts per severity, CLI vs pandas."""
    start, _, _ = month_bounds(month)
    # A service with no rows at all is in no pandas frame: nothing bad, no episode.
    empty = {"worst": [], "episodes": {"page": [], "ticket": []}}
    pds = json.loads(pandas_json.read_text())
    problems = []
    for r in json.loads(worst_json.read_text())["slos"]:
        got = [[int((datetime.fromisoformat(w["start"].replace("Z", "+00:00")) - start).total_seconds() // 60), w["bad"]]
               for w in r["windows"]]
        if got != pds.get(r["slo"], empty)["worst"]:
            problems.append(f"worst {r['slo']}: CLI {got[:3]} vs pandas {pds.get(r['slo'], empty)['worst'][:3]}")
    for r in json.loads(burn_json.read_text())["slos"]:
        got = {"page": [], "ticket": []}
        for e in r["episodes"]:
            got[e["severity"]].append(int((datetime.fromisoformat(e["start"].replace("Z", "+00:00")) - start).total_seconds() // 60))
        if got != pds.get(r["slo"], empty)["episodes"]:
            problems.append(f"burn {r['slo']}: CLI {got} vs pandas {pds.get(r['slo'], empty)['episodes']}")
    return problems


def compare(cli_json: Path, pandas_json: Path, specs: list[dict]) -> tuple[bool, dict, list[str]]:
    cli = {r["slo"]: r for r in json.loads(cli_json.read_text())["slos"]}
    pds = {r["slo"]: r for r in json.loads(pandas_json.read_text())}
    problems: list[str] = []
    worst = {"attainment": 0.0, "bad": 0.0, "allowed_bad": 0.0}
    for spec in specs:
        name = spec["slo"]
        a, b = cli.get(name), pds.get(name)
        if a is None or b is None:
            problems.append(f"{name}: missing from {'the CLI' if a is None else 'pandas'}")
            continue
        for field in list(worst):
            x, y = a[field], b[field]
            x_none = x is None or (isinstance(x, float) and math.isnan(x))
            y_none = y is None or (isinstance(y, float) and math.isnan(y))
            if x_none or y_none:
                if x_none != y_none:
                    problems.append(f"{name}: {field} CLI {x!r} vs pandas {y!r}")
                continue
            diff = abs(x - y)
            worst[field] = max(worst[field], diff)
            # attainment is a ratio (absolute 1e-9); bad/allowed_bad are counts (relative 1e-9)
            scale = 1.0 if field == "attainment" else max(1.0, abs(x), abs(y))
            if diff > TOLERANCE * scale:
                problems.append(f"{name}: {field} CLI {x!r} vs pandas {y!r}")
        if int(a["no_data"]) != int(b["no_data"]) or bool(a["breached"]) != bool(b["breached"]):
            problems.append(f"{name}: no_data/breached CLI {a['no_data']}/{a['breached']} vs pandas {b['no_data']}/{b['breached']}")
    extra = set(cli) - {s["slo"] for s in specs}
    if extra:
        problems.append(f"CLI reports SLOs not defined here: {sorted(extra)[:5]}")
    return not problems, worst, problems
