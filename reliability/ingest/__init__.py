"""Loading data into the database: SLI series, incidents and deployments.

Each ``ingest_*`` function validates everything it is given before writing, raises
:class:`reliability.errors.BadInput` naming the file, row (or record) and field of the first
problem, and writes inside the caller's transaction.
"""
