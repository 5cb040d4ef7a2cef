"""The HTML review gives every chart its own id: services whose names differ only in
characters an id cannot hold (``pay.ments``, ``pay-ments``) and a service called ``fleet``
(the fleet chart's own name) each keep their chart."""

from __future__ import annotations

import re
from collections import Counter

from conftest import run_cli

SERVICES = ["pay.ments", "pay-ments", "fleet"]


def slo(service: str, n: int) -> str:
    return f"""apiVersion: openslo/v1
kind: SLO
metadata:
  name: slo-{n}
spec:
  service: {service}
  indicator:
    metadata:
      name: availability
    spec:
      ratioMetric:
        counter: false
        good: {{metricSource: {{type: Prometheus, spec: {{query: good}}}}}}
        total: {{metricSource: {{type: Prometheus, spec: {{query: total}}}}}}
  timeWindow:
    - duration: 1M
      isRolling: false
      calendar: {{startTime: "2026-01-01 00:00:00", timeZone: UTC}}
  budgetingMethod: Occurrences
  objectives:
    - target: 0.99
"""


def test_every_chart_id_is_unique_and_every_service_keeps_its_chart(tmp_path, db):
    (tmp_path / "slos.yaml").write_text("---\n".join(slo(s, n) for n, s in enumerate(SERVICES)))
    assert run_cli("slo", "apply", tmp_path / "slos.yaml", db=db).code == 0
    rows = ["timestamp,service,sli,good,total"]
    rows += [f"2026-03-{day:02d}T00:00:00Z,{s},availability,{90 + n},100"
             for n, s in enumerate(SERVICES) for day in range(1, 29)]
    (tmp_path / "series.csv").write_text("\n".join(rows) + "\n")
    assert run_cli("ingest", "series", tmp_path / "series.csv", db=db).code == 0
    out = tmp_path / "review.html"
    r = run_cli("report", "monthly", "--month", "2026-03", "--interactive", "--out", out, db=db)
    assert r.code == 0, r.stderr
    html = out.read_text()
    divs = re.findall(r'<div id="([^"]+)" class="chart">', html)
    plots = re.findall(r'Plotly\.newPlot\("([^"]+)"', html)
    assert len(divs) == 1 + len(SERVICES) and Counter(divs).most_common(1)[0][1] == 1, divs
    assert plots == divs  # each script draws into its own div
    titles = re.findall(r'"title":\{"text":"([^"]+): error budget remaining', html)
    assert sorted(titles) == sorted(SERVICES)  # a service named "fleet" did not replace the fleet chart
    assert "Error budget remaining at the end of 2026-03" in html
