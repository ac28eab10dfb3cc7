"""Access to ``ir_datasets``: loading by id with helpful errors and turning records into text."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# ir_datasets (about 0.5 s to import) is imported where a dataset id is used, so that reading
# local files (and the flows' start-up) does not pay for it.


def load_irds(dataset_id: str) -> Any:
    """Load an ``ir_datasets`` dataset by id.

    Raises:
        ValueError: If the id is not registered; the message lists the closest registered ids.
    """
    import ir_datasets

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


@contextmanager
def reading(dataset_id: str, what: str, hint: str = "") -> Iterator[None]:
    """Turn an I/O failure while reading ``what`` of a dataset (often a failed download) into a
    ``RuntimeError`` that names the dataset, the cache folder and ``hint``."""
    try:
        yield
    except OSError as error:
        import ir_datasets

        raise RuntimeError(
            f"{dataset_id}: could not read its {what} ({type(error).__name__}: {error}); ir_datasets may need to "
            f"download them: check the network or the cache at {ir_datasets.util.home_path()}{hint}"
        ) from error
