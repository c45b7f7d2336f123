"""Command handlers, one module per family, joined into one table by registry.py (see table.py)."""
