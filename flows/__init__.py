"""Prefect flows: one per pipeline stage plus ``pipeline``; run as ``python -m flows.<name> --params FILE``."""
