"""Documents people circulate: the monthly SLA review (HTML, Markdown, PDF), post-mortem drafts
and stakeholder updates, rendered from ``reliability.analysis`` with escaping by default."""
