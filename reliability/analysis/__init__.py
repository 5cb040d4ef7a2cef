"""SLO arithmetic over the database: SLA compliance, error budgets, burn rates and alert replay,
credits, latency, roll-ups, per-instance and composite SLOs, and an incident's SLA impact.
Incident analytics (MTTx, targets, post-mortems, recurrence, changes) are in
:mod:`reliability.incidents`. The app, the CLI and notebooks (through :mod:`reliability.api`)
call these functions; they never write."""
