"""Exports built from storage, one module per format."""
