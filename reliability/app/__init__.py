"""The Streamlit app's shared pieces: cached loaders over the analysis API and widgets.

The app only reads: every loader opens the database read-only for the one call and closes it,
so ingestion and extraction can write while the app is open.
"""
