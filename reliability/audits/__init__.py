"""Audits no single SLO or incident tool can make: the error-budget policy, the breach process,
and whether the SLIs and alerts tell the truth (docs/audits.md)."""
