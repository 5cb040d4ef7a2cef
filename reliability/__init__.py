"""reliability: SLA and reliability reporting over a DuckDB file.

The public interface is the command line (``reliability --help``) and its JSON (docs/); the
Python API under ``reliability.analysis`` is what the app and notebooks use.
"""

__version__ = "0.1.0"
