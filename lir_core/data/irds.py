"""Access to ``ir_datasets``: loading by id with helpful errors and turning records into text."""

from __future__ import annotations

import difflib
from typing import Any

import ir_datasets


def load_irds(dataset_id: str) -> Any:
    """Load an ``ir_datasets`` dataset by id.

    Raises:
        ValueError: If the id is not registered; the message lists the closest registered ids.
    """
    if dataset_id not in ir_datasets.registry:
        close = difflib.get_close_matches(dataset_id, list(ir_datasets.registry), n=5, cutoff=0.6)
        hint = f"; did you mean: {', '.join(close)}" if close else ""
        raise ValueError(f"{dataset_id!r} is neither an existing file nor an ir_datasets id{hint}")
    return ir_datasets.load(dataset_id)


def doc_text(doc: Any) -> str:
    """Return the text of an ``ir_datasets`` document: ``"title text"`` when it has a title."""
    fields = getattr(doc, "_fields", ())
    if "title" in fields and "text" in fields:
        return " ".join(part for part in (doc.title, doc.text) if part)
    return doc.default_text()


def query_text(query: Any) -> str:
    """Return the text of an ``ir_datasets`` query."""
    return query.default_text()
