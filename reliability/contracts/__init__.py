"""Customer contracts and the service credits they owe (docs/contracts.md).

- :mod:`~reliability.contracts.model`: the frozen contract (terms, covered SLOs, tiers, exclusions).
- :mod:`~reliability.contracts.parse`: the contracts file (YAML), validated.
- :mod:`~reliability.contracts.storage`: ``contracts apply`` stores them; commands read them back.
- :mod:`~reliability.contracts.credits`: one contract's month: SLA rows, credit, amount.
- :mod:`~reliability.contracts.liability`: credits by customer and month, for finance.
- :mod:`~reliability.contracts.breaches`: the breach process of each contractual breach.
- :mod:`~reliability.contracts.risk`: contracts at risk in the month so far (the app's view).
"""
