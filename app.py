"""Streamlit entry (placeholder)."""
