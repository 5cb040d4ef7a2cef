"""Extraction of SLI series from metrics backends into ``sli_slices`` (Prometheus API today).

``prometheus.run`` is the entry point; ``connection`` resolves URLs and credentials, ``http``
talks to the API with retries, ``slices`` turns points into per-slice event counts.
"""
