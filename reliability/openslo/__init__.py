"""OpenSLO v1 documents parsed once into frozen dataclasses, with precise validation errors.

Every error names the file, the document (1-based within a multi-document YAML file), the
field path (``spec.objectives[0].target``) and what was expected. The modules: ``model``
(vocabulary and dataclasses), ``fields`` (validation primitives), ``parse`` (SLO and SLI
documents), ``documents`` (files, other kinds, references).
"""

from reliability.openslo.documents import (
    LITERAL_SECRETS,
    check_other,
    read_documents,
    resolve,
)
from reliability.openslo.fields import connection_details
from reliability.openslo.model import (
    API_VERSION,
    BUDGETING_METHODS,
    CALENDAR_UNITS,
    KINDS,
    OPS,
    SLO,
    UNIT_SECONDS,
    Document,
    Duration,
    Indicator,
    MetricSource,
    Objective,
    RatioMetric,
    ThresholdMetric,
    TimeWindow,
)
from reliability.openslo.parse import (
    parse_indicator,
    parse_slo,
    resolved_document,
    slo_from_definition,
)

__all__ = [
    "API_VERSION", "BUDGETING_METHODS", "CALENDAR_UNITS", "KINDS", "LITERAL_SECRETS", "OPS", "SLO",
    "UNIT_SECONDS", "Document", "Duration", "Indicator", "MetricSource", "Objective", "RatioMetric",
    "ThresholdMetric", "TimeWindow", "check_other", "connection_details", "parse_indicator", "parse_slo", "read_documents",
    "resolve", "resolved_document", "slo_from_definition",
]
