"""Incident analytics over the database, apart from the SLO arithmetic of
:mod:`reliability.analysis`, which this package never imports (an incident's SLA impact is SLO
arithmetic: ``reliability.analysis.impact``). Read only, like every analysis:

- ``metrics``: the ``incidents`` document (counts, MTTD/MTTA/MTTM/MTTR, response targets by month);
- ``timing``: MTTx over a range of months (mean, median, p90, MTBF);
- ``targets``: response-target and update-cadence compliance;
- ``postmortems``: post-mortem compliance and action items;
- ``recurrence``: repeats, similar titles, frequency classes, related incidents;
- ``changes``: incidents following deployments and the change failure rate.
"""
