"""Look up document texts by id, in a collection file (held in memory) or an ``ir_datasets`` docs store."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from .irds import doc_text, load_irds, reading
from .readers import read_docs
from .sources import resolve


class DocLookup(Protocol):
    """Finds document texts by id."""

    def texts(self, doc_ids: Sequence[str]) -> list[str]:
        """Return the texts of ``doc_ids`` in order; raise ``ValueError`` naming missing ids."""
        ...


def _missing(source: str, missing: Sequence[str]) -> ValueError:
    examples = ", ".join(repr(doc_id) for doc_id in missing[:5])
    return ValueError(f"{source}: {len(missing)} document id(s) not in the collection (e.g. {examples})")


class DictDocLookup:
    """Document texts held in memory, e.g. read from a collection file.

    Args:
        texts: ``{doc_id: text}``.
        source: Name of the collection, used in error messages.
    """

    def __init__(self, texts: dict[str, str], source: str = "collection") -> None:
        self._texts = texts
        self.source = source

    def texts(self, doc_ids: Sequence[str]) -> list[str]:
        """Return the texts of ``doc_ids`` in order.

        Raises:
            ValueError: If an id is not in the collection.
        """
        missing = [doc_id for doc_id in doc_ids if doc_id not in self._texts]
        if missing:
            raise _missing(self.source, missing)
        return [self._texts[doc_id] for doc_id in doc_ids]


class IrdsDocLookup:
    """Document texts looked up in an ``ir_datasets`` docs store, opened lazily.

    The store is opened on first use and dropped when pickled, so the lookup can be sent to
    DataLoader worker processes.

    Args:
        dataset_id: The ``ir_datasets`` id whose documents to look up.
    """

    def __init__(self, dataset_id: str) -> None:
        self.source = dataset_id
        self._store: Any = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_store": None}

    def texts(self, doc_ids: Sequence[str]) -> list[str]:
        """Return the texts of ``doc_ids`` in order.

        Raises:
            ValueError: If an id is not in the collection.
            RuntimeError: If the docs store cannot be opened (e.g. its download fails).
        """
        with reading(self.source, "documents", "; or pass docs=... with a collection file"):
            if self._store is None:
                self._store = load_irds(self.source).docs_store()
            found = self._store.get_many(doc_ids)
        missing = [doc_id for doc_id in doc_ids if doc_id not in found]
        if missing:
            raise _missing(self.source, missing)
        return [doc_text(found[doc_id]) for doc_id in doc_ids]


def doc_lookup(source: str) -> DocLookup:
    """Return a lookup of document texts for a collection file or ``ir_datasets`` dataset.

    Raises:
        ValueError: If the source has no documents.
    """
    resolved = resolve(source)
    if isinstance(resolved, Path):
        texts = {sample.doc_id: sample.doc for sample in read_docs(resolved)}
        if not texts:
            raise ValueError(f"{source}: the collection has no documents")
        return DictDocLookup(texts, source)
    if not resolved.has_docs():
        raise ValueError(f"{source}: the dataset has no documents")
    return IrdsDocLookup(source)
