"""Resolve a data source (a local file or an ``ir_datasets`` id) into docs, queries, qrels or runs.

Every dataset class names its inputs with plain strings so that they work from YAML. A string
naming an existing file is read with :mod:`lir_core.data.readers`; any other string is an
``ir_datasets`` id. A missing path with a file suffix raises ``FileNotFoundError`` rather than
suggesting dataset ids.

Qrels that name queries absent from the queries: a ``UserWarning`` when some of them are unknown
(those judgements are ignored: topic files and qrels often differ, e.g. judged subsets), and a
``ValueError`` when none of the judged queries is known (the files almost surely do not belong
together). The same policy holds for qrels that name documents absent from the collection.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Literal, TypeVar

from .irds import doc_text, load_irds, query_text, reading
from .readers import Qrels, Run, is_qrels_file, read_docs, read_qrels, read_queries, read_run, read_titles
from .samples import DocSample, QuerySample

T = TypeVar("T")

FILE_SUFFIXES = {".tsv", ".jsonl", ".json", ".parquet", ".txt", ".run", ".trec", ".qrels", ".gz", ".csv", ".sgml"}


def take_shard(records: Iterable[T], shard_index: int, num_shards: int) -> Iterator[T]:
    """Keep every ``num_shards``-th record starting at ``shard_index`` (the split of
    :mod:`lir_core.data.sharding`; here so that reading a source needs no torch).

    Sliceable iterables (``ir_datasets`` docs iterators, which read only the selected records
    through their docs store) are sliced; others are read in full and filtered.
    """
    if num_shards == 1:
        return iter(records)
    if hasattr(records, "__getitem__"):
        return iter(records[shard_index::num_shards])  # type: ignore[index]
    return itertools.islice(records, shard_index, None, num_shards)


def resolve(source: str) -> Path | Any:
    """Return a ``Path`` for an existing file, else the loaded ``ir_datasets`` dataset.

    Raises:
        FileNotFoundError: If ``source`` looks like a file name (known suffix) but does not exist.
        ValueError: If ``source`` is a folder, or neither a file nor a registered ``ir_datasets`` id.
    """
    path = Path(source)
    if path.is_file():
        return path
    if path.is_dir():
        raise ValueError(f"{source}: is a folder, expected a file or an ir_datasets id")
    if path.suffix.lower() in FILE_SUFFIXES:
        raise FileNotFoundError(f"{source}: no such file")
    return load_irds(source)


def iter_docs(source: str, shard_index: int = 0, num_shards: int = 1) -> Iterator[DocSample]:
    """Yield the documents of a collection file or ``ir_datasets`` dataset.

    Args:
        source: A collection file or an ``ir_datasets`` id.
        shard_index: With ``num_shards``, yield only every ``num_shards``-th document starting
            at this index (see :func:`take_shard`).
        num_shards: Number of shards.

    Raises:
        RuntimeError: If an ``ir_datasets`` collection cannot be read (e.g. its download fails).
    """
    return _iter_source(source, "docs", read_docs, lambda doc: DocSample(doc.doc_id, doc_text(doc)),
                        shard_index, num_shards)


def iter_queries(source: str, shard_index: int = 0, num_shards: int = 1) -> Iterator[QuerySample]:
    """Yield the queries (without qrels) of a query file or ``ir_datasets`` dataset.

    Args:
        source: A query file or an ``ir_datasets`` id.
        shard_index: As for :func:`iter_docs`.
        num_shards: As for :func:`iter_docs`.

    Raises:
        RuntimeError: If ``ir_datasets`` queries cannot be read (e.g. their download fails).
    """
    return _iter_source(source, "queries", read_queries, lambda query: QuerySample(query.query_id, query_text(query)),
                        shard_index, num_shards)


def _iter_source(source: str, kind: Literal["docs", "queries"], read_file: Callable[[Path], Iterable[T]],
                 sample: Callable[[Any], T], shard_index: int, num_shards: int) -> Iterator[T]:
    """One shard of a source's ``kind``: a file read by ``read_file``, or an ``ir_datasets``
    iterator whose records become samples, its read errors named (see :func:`reading`)."""
    resolved = resolve(source)
    if isinstance(resolved, Path):
        yield from take_shard(read_file(resolved), shard_index, num_shards)
        return
    with reading(source, "documents" if kind == "docs" else kind):
        yield from map(sample, take_shard(getattr(resolved, f"{kind}_iter")(), shard_index, num_shards))


def ensure_docs(source: str) -> None:
    """Check that a source has at least one document.

    A file is read in full, so that a malformed line, bytes that are not UTF-8 or a repeated
    doc id fail here (naming the file and line) rather than in the middle of encoding.
    ``ir_datasets`` sources are checked from their metadata so that nothing is downloaded.

    Raises:
        ValueError: If the source has no documents, or a file has a bad line.
    """
    if _is_empty(source, "docs"):
        raise ValueError(f"{source}: {_NONE['docs']}")


def ensure_queries(source: str) -> None:
    """Check that a source has at least one query; a file is read in full (see :func:`ensure_docs`).

    Raises:
        ValueError: If the source has no queries, or a file has a bad line.
    """
    if _is_empty(source, "queries"):
        raise ValueError(f"{source}: {_NONE['queries']}")


_NONE = {"docs": "the collection has no documents", "queries": "there are no queries"}


def _not_empty(source: str, kind: Literal["docs", "queries"], items: dict[str, str]) -> dict[str, str]:
    if not items:
        raise ValueError(f"{source}: {_NONE[kind]}")
    return items


def _is_empty(source: str, kind: Literal["docs", "queries"]) -> bool:
    """Whether a source has no ``kind``: a file read in full, an ``ir_datasets`` id by its metadata."""
    resolved = resolve(source)
    if isinstance(resolved, Path):
        return sum(1 for _ in (read_docs if kind == "docs" else read_queries)(resolved)) == 0
    return not getattr(resolved, f"has_{kind}")() or getattr(resolved, f"{kind}_count")() == 0


def load_docs(source: str) -> dict[str, str]:
    """Return ``{doc_id: text}`` for all documents of a source.

    Raises:
        ValueError: If the source has no documents.
    """
    return _not_empty(source, "docs", {sample.doc_id: sample.doc for sample in iter_docs(source)})


def load_titles(source: str) -> dict[str, str]:
    """Return ``{doc_id: title}`` for the documents of a collection that have a title (e.g. as
    pseudo-queries for their own documents).

    Raises:
        ValueError: If no document of the source has a title.
    """
    resolved = resolve(source)
    if isinstance(resolved, Path):
        titles = read_titles(resolved)
    else:
        with reading(source, "docs"):
            titles = {doc.doc_id: doc.title.strip() for doc in resolved.docs_iter()
                      if getattr(doc, "title", "") and doc.title.strip()}
    if not titles:
        raise ValueError(f"{source}: no document has a title")
    return titles


def load_queries(source: str) -> dict[str, str]:
    """Return ``{query_id: text}`` for all queries of a source.

    Raises:
        ValueError: If the source has no queries.
    """
    return _not_empty(source, "queries", {sample.query_id: sample.query for sample in iter_queries(source)})


def load_qrels(source: str) -> Qrels | None:
    """Return the qrels of a qrels file or ``ir_datasets`` dataset, or None if it has none.

    Raises:
        RuntimeError: If ``ir_datasets`` qrels cannot be read (e.g. their download fails).
    """
    resolved = resolve(source)
    if isinstance(resolved, Path):
        return read_qrels(resolved)
    if not resolved.has_qrels():
        return None
    qrels: Qrels = {}
    with reading(source, "qrels"):
        for qrel in resolved.qrels_iter():
            qrels.setdefault(qrel.query_id, {})[qrel.doc_id] = qrel.relevance
    return qrels


def run_from_qrels(qrels: Qrels) -> Run:
    """Turn qrels into a run: judged documents ordered by relevance (stable), score = relevance."""
    return {
        query_id: {doc_id: float(rel) for doc_id, rel in sorted(judged.items(), key=lambda item: -item[1])}
        for query_id, judged in qrels.items()
    }


def load_run(source: str, run_from: Literal["scoreddocs", "qrels"] | None = None) -> Run:
    """Return the run of a source in rank order.

    A file is read as a run, or as qrels turned into a run when it holds qrels. An
    ``ir_datasets`` dataset gives its scoreddocs when it has them and ``run_from`` is not
    ``"qrels"``, else its qrels turned into a run.

    Raises:
        ValueError: If the source yields no ranking, or ``run_from="scoreddocs"`` for a dataset
            without scoreddocs.
        RuntimeError: If the scoreddocs cannot be read (e.g. their download fails).
    """
    resolved = resolve(source)
    if isinstance(resolved, Path):
        run = run_from_qrels(read_qrels(resolved)) if is_qrels_file(resolved) else read_run(resolved)
    elif run_from == "scoreddocs" or (run_from is None and resolved.has_scoreddocs()):
        if not resolved.has_scoreddocs():
            raise ValueError(f"{source}: the dataset has no scoreddocs; use run_from='qrels'")
        grouped: dict[str, list[tuple[str, float]]] = {}
        with reading(source, "scoreddocs", "; or pass run_from='qrels' to re-rank the judged documents"):
            for scored in resolved.scoreddocs_iter():
                grouped.setdefault(scored.query_id, []).append((scored.doc_id, scored.score))
        run = {qid: dict(sorted(docs, key=lambda item: -item[1])) for qid, docs in grouped.items()}
    else:
        run = run_from_qrels(load_qrels(source) or {})
    if not run:
        raise ValueError(f"{source}: the run is empty")
    return run


def check_qrels_queries(qrels: Qrels, query_ids: Iterable[str], qrels_source: str) -> None:
    """Apply the module's policy on qrels that name unknown queries (see the module docstring).

    Raises:
        ValueError: If none of the judged queries is known.
    """
    _check_known(set(qrels), set(query_ids), qrels_source, "judged queries", "among the queries", "are ignored")


def check_qrels_docs(qrels: Qrels, doc_ids: Iterable[str], qrels_source: str) -> None:
    """Apply the module's policy on qrels that name documents absent from the collection.

    Raises:
        ValueError: If none of the judged documents is in the collection.
    """
    judged = {doc_id for judgements in qrels.values() for doc_id in judgements}
    _check_known(judged, set(doc_ids), qrels_source, "judged documents", "in the collection",
                 "can never be retrieved (they still count in recall and nDCG)")


def _check_known(named: set[str], known: set[str], qrels_source: str, what: str, where: str, consequence: str) -> None:
    """Warn, naming how many and the first few, when some ``named`` ids are not ``known``; raise when none is."""
    unknown = sorted(named - known)
    if not unknown:
        return
    examples = ", ".join(repr(name) for name in unknown[:5])
    if len(unknown) == len(named):
        raise ValueError(
            f"{qrels_source}: none of the {len(named)} {what} is {where} "
            f"(e.g. {examples}); do the qrels belong to another dataset or split?"
        )
    warnings.warn(
        f"{qrels_source}: {len(unknown)} of {len(named)} {what} are not {where} "
        f"and {consequence} (e.g. {examples})",
        stacklevel=4,
    )
