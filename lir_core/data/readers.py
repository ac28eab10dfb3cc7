"""Readers for local IR files: collections, queries, qrels, runs and training tuples.

Formats are chosen by file name (a trailing ``.gz`` is decompressed transparently):

* ``.jsonl``: one JSON object per line.
* ``.parquet``: one row per record.
* anything else (``.tsv``, ``.txt``, ``.run``, ``.trec``, ``.qrels``, ...): whitespace- or
  tab-separated text; the expected fields are documented on each reader. A collection or query
  file whose first non-blank line starts with ``<DOC>`` or ``<top>`` is read, whatever its name,
  as a TREC SGML collection or a TREC topic file (:mod:`lir_core.data.trec_sgml`).

Text (and JSONL) files are UTF-8; a byte order mark at the start is dropped. A malformed line,
bytes that are not UTF-8, or an id given twice (documents, queries) raises ``ValueError``
naming the file and the 1-based line (or row) number.
Runs are returned as ``{query_id: {doc_id: score}}`` whose inner dicts are in rank order
(best first); qrels as ``{query_id: {doc_id: relevance}}``.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

import pyarrow.parquet as pq

from .samples import DocSample, QuerySample
from .trec_sgml import read_sgml_docs, read_topics, sniff

Run = dict[str, dict[str, float]]
Qrels = dict[str, dict[str, int]]

DOC_ID_KEYS = ("doc_id", "_id", "id", "docid")
DOC_TEXT_KEYS = ("doc", "text", "contents", "body")
QUERY_ID_KEYS = ("query_id", "_id", "id", "qid")
QUERY_TEXT_KEYS = ("query", "text")
BEIR_QRELS_HEADER = ("query-id", "corpus-id", "score")


@dataclass(frozen=True)
class TupleRecord:
    """One training tuple: a query, its positive and its negative documents.

    Texts are None when the file holds ids only; they are then looked up elsewhere.
    """

    query_id: str
    query: str | None
    pos_doc_ids: tuple[str, ...]
    pos_docs: tuple[str, ...] | None
    neg_doc_ids: tuple[str, ...]
    neg_docs: tuple[str, ...] | None


def file_format(path: str | Path) -> Literal["jsonl", "parquet", "text"]:
    """Return the record format of ``path`` judged by its name."""
    name = Path(path).name.lower().removesuffix(".gz")
    if name.endswith(".jsonl"):
        return "jsonl"
    if name.endswith(".parquet"):
        return "parquet"
    return "text"


def _open_binary(path: Path) -> IO[bytes]:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")
    return open(path, "rb")


def _malformed(path: Path, line: int, message: str) -> ValueError:
    return ValueError(f"{path}:{line}: {message}")


def text_lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, line)`` for the non-blank lines of a UTF-8 text file (``.gz`` too),
    without the line ending and without a byte order mark at the start of the file.

    Raises:
        ValueError: On bytes that are not UTF-8, naming the file, the line and the column.
    """
    path = Path(path)
    with _open_binary(path) as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8").rstrip("\r\n")
            except UnicodeDecodeError as error:
                raise _malformed(
                    path, number, f"not UTF-8 (byte 0x{raw[error.start]:02x} at column {error.start + 1}); "
                    "convert the file to UTF-8"
                ) from error
            if line.strip():
                yield number, line


def _split(line: str, tabbed: bool) -> list[str]:
    """The fields of a line: tab-separated in a tabbed file (fields may hold spaces), else
    whitespace-separated."""
    return line.split("\t") if tabbed else line.split()


def _unique_ids(records: Iterator[tuple[int, str, str]], path: Path, what: str) -> Iterator[tuple[str, str]]:
    """Pass ``(line, id, value)`` on as ``(id, value)``, failing on the second line with a seen id."""
    seen: dict[str, int] = {}
    for number, record_id, value in records:
        if record_id in seen:
            raise _malformed(path, number, f"duplicate {what} id {record_id!r} (first on line {seen[record_id]})")
        seen[record_id] = number
        yield record_id, value


def _json_records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in text_lines(path):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise _malformed(path, number, f"invalid JSON ({error.msg})") from error
        if not isinstance(record, dict):
            raise _malformed(path, number, f"expected a JSON object, got {type(record).__name__}")
        yield number, record


def _parquet_records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    number = 0
    for batch in pq.ParquetFile(path).iter_batches():
        for record in batch.to_pylist():
            number += 1
            yield number, record


def _records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_or_row_number, record)`` from a JSONL or Parquet file."""
    if file_format(path) == "jsonl":
        return _json_records(path)
    return _parquet_records(path)


def _first_key(
    record: Mapping[str, Any], keys: Sequence[str], path: Path, line: int, *, required: bool = True
) -> Any:
    for key in keys:
        if key in record and record[key] is not None:
            return record[key]
    if required:
        raise _malformed(path, line, f"missing field, expected one of {list(keys)}")
    return None


def _existing(path: str | Path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    return path


def _sniffed(path: Path) -> tuple[int, str | None]:
    """The first non-blank line's number and what it marks (``sniff``): ``"docs"`` (TREC SGML),
    ``"topics"`` (TREC topics) or None; ``(0, None)`` for an empty text file."""
    first = next(text_lines(path), None)
    return (0, None) if first is None else (first[0], sniff(first[1]))


def read_docs(path: str | Path) -> Iterator[DocSample]:
    """Yield the documents of a collection file.

    Text lines are ``doc_id<TAB>text`` or ``doc_id<TAB>title<TAB>text``; JSONL and Parquet
    records have an id (``doc_id``, ``_id``, ``id`` or ``docid``), a text (``doc``, ``text``,
    ``contents`` or ``body``) and an optional ``title``. A title is joined as ``"title text"``.
    A text file starting with ``<DOC>`` is a TREC SGML collection (``<DOC><DOCNO>id</DOCNO>
    ...</DOC>``, see :mod:`lir_core.data.trec_sgml`); a repeated ``DOCNO`` is named with the lines
    of both.

    Raises:
        ValueError: On a malformed line, non-UTF-8 bytes or a repeated doc id, naming file and line.
    """
    path = _existing(path)
    for doc_id, text in _unique_ids(_doc_records(path), path, "doc"):
        yield DocSample(doc_id, text)


def _doc_records(path: Path) -> Iterator[tuple[int, str, str]]:
    if file_format(path) == "text":
        first, kind = _sniffed(path)
        if kind == "docs":
            for doc in read_sgml_docs(text_lines(path), path):
                yield doc.line, doc.doc_id, doc.text
            return
        if kind == "topics":
            raise _malformed(path, first, "this is a TREC topic file (<top>), expected a collection of documents")
        for number, line in text_lines(path):
            fields = line.split("\t")
            if len(fields) not in (2, 3) or not fields[0]:
                raise _malformed(path, number, f"expected 'doc_id<TAB>[title<TAB>]text', got {len(fields)} field(s)")
            yield number, fields[0], join_title(fields[1], fields[2]) if len(fields) == 3 else fields[1]
        return
    for number, record in _records(path):
        doc_id = str(_first_key(record, DOC_ID_KEYS, path, number))
        text = str(_first_key(record, DOC_TEXT_KEYS, path, number))
        yield number, doc_id, join_title(record.get("title") or "", text)


def read_titles(path: str | Path) -> dict[str, str]:
    """``{doc_id: title}`` of the documents of a collection file that have a non-empty title
    (``doc_id<TAB>title<TAB>text`` lines, a ``title`` field of JSONL / Parquet records, or the
    headline tags of a TREC SGML collection)."""
    path = _existing(path)
    titles: dict[str, str] = {}
    if file_format(path) == "text":
        if _sniffed(path)[1] == "docs":
            return {doc.doc_id: doc.title for doc in read_sgml_docs(text_lines(path), path) if doc.title}
        for _, line in text_lines(path):
            fields = line.split("\t")
            if len(fields) == 3 and fields[1].strip():
                titles[fields[0]] = fields[1].strip()
        return titles
    for number, record in _records(path):
        title = str(record.get("title") or "").strip()
        if title:
            titles[str(_first_key(record, DOC_ID_KEYS, path, number))] = title
    return titles


def join_title(title: str, text: str) -> str:
    """Join a title and a text as ``"title text"``, leaving out an empty title."""
    return f"{title} {text}" if title else text


def read_queries(path: str | Path, topic_fields: Sequence[str] = ("title",)) -> Iterator[QuerySample]:
    """Yield the queries of a query file (without qrels).

    Text lines are ``query_id<TAB>text``; JSONL and Parquet records have an id (``query_id``,
    ``_id``, ``id`` or ``qid``) and a text (``query`` or ``text``). A text file starting with
    ``<top>`` is a TREC topic file (``<top><num> Number: 301 <title> ... </top>``, see
    :mod:`lir_core.data.trec_sgml`).

    Args:
        path: The query file.
        topic_fields: For a TREC topic file, the fields that make the query text, joined in
            this order: ``"title"`` (the default, as ``ir_datasets``), ``"desc"``, ``"narr"``;
            e.g. ``("title", "desc")``.

    Raises:
        ValueError: On a malformed line, non-UTF-8 bytes or a repeated query id, naming file and line.
    """
    path = _existing(path)
    for query_id, text in _unique_ids(_query_records(path, topic_fields), path, "query"):
        yield QuerySample(query_id, text)


def _query_records(path: Path, topic_fields: Sequence[str] = ("title",)) -> Iterator[tuple[int, str, str]]:
    if file_format(path) == "text":
        first, kind = _sniffed(path)
        if kind == "topics":
            yield from read_topics(text_lines(path), path, topic_fields)
            return
        if kind == "docs":
            raise _malformed(path, first, "this is a TREC SGML collection (<DOC>), expected queries")
        for number, line in text_lines(path):
            fields = line.split("\t")
            if len(fields) != 2 or not fields[0]:
                raise _malformed(path, number, f"expected 'query_id<TAB>text', got {len(fields)} field(s)")
            yield number, fields[0], fields[1]
        return
    for number, record in _records(path):
        query_id = str(_first_key(record, QUERY_ID_KEYS, path, number))
        yield number, query_id, str(_first_key(record, QUERY_TEXT_KEYS, path, number))


def _parse_int(value: str, path: Path, line: int, what: str) -> int:
    try:
        return int(value)
    except ValueError as error:
        raise _malformed(path, line, f"{what} must be an integer, got {value!r}") from error


def _parse_float(value: str, path: Path, line: int, what: str) -> float:
    try:
        return float(value)
    except ValueError as error:
        raise _malformed(path, line, f"{what} must be a number, got {value!r}") from error


def _add_judgement(qrels: Qrels, query_id: str, doc_id: str, relevance: int, path: Path, line: int) -> None:
    judged = qrels.setdefault(query_id, {})
    if doc_id in judged:
        raise _malformed(path, line, f"duplicate judgement for query {query_id!r}, document {doc_id!r}")
    judged[doc_id] = relevance


def read_qrels(path: str | Path) -> Qrels:
    """Read relevance judgements.

    Text lines are TREC qrels ``query_id iteration doc_id relevance`` or BEIR TSV
    ``query_id<TAB>doc_id<TAB>relevance`` (with an optional ``query-id corpus-id score``
    header line). The first line decides the format for the whole file: its separator (tabs
    when it has a tab, so ids may hold spaces, else whitespace) and its number of fields (4:
    TREC, 3: BEIR). JSONL and Parquet records have ``query_id``, ``doc_id`` and ``relevance``.

    Raises:
        ValueError: On a malformed line, a line whose fields differ from the first line's, or a
            repeated (query, document) pair.
    """
    path = _existing(path)
    qrels: Qrels = {}
    if file_format(path) == "text":
        tabbed, expected = False, 0
        for number, line in text_lines(path):
            if not expected:
                tabbed = "\t" in line
            fields = _split(line, tabbed)
            if not expected and tuple(fields) == BEIR_QRELS_HEADER:
                expected = 3
                continue
            expected = expected or len(fields)
            if len(fields) != expected or expected not in (3, 4):
                raise _malformed(
                    path, number, f"expected 'query_id iteration doc_id relevance' (TREC) or "
                    f"'query_id doc_id relevance' (BEIR) consistently, got {len(fields)} field(s)"
                    + (f" where the first line has {expected}" if expected in (3, 4) else "")
                )
            query_id, doc_id, relevance = (fields[0], fields[2], fields[3]) if expected == 4 else fields
            _add_judgement(qrels, query_id, doc_id, _parse_int(relevance, path, number, "relevance"), path, number)
        return qrels
    for number, record in _records(path):
        query_id = str(_first_key(record, ("query_id",), path, number))
        doc_id = str(_first_key(record, ("doc_id",), path, number))
        relevance = _parse_int(str(_first_key(record, ("relevance",), path, number)), path, number, "relevance")
        _add_judgement(qrels, query_id, doc_id, relevance, path, number)
    return qrels


def is_qrels_file(path: str | Path) -> bool:
    """Tell whether a ranking file holds qrels rather than a run.

    JSONL and Parquet qrels have a ``relevance`` field; text qrels have 4 fields per line
    (TREC) or start with the BEIR header. A 3-field text file without that header is read as
    an MS MARCO run (``query_id doc_id rank``). Fields are counted as :func:`read_qrels` does.
    """
    path = _existing(path)
    kind = file_format(path)
    if kind == "parquet":
        return "relevance" in pq.ParquetFile(path).schema_arrow.names
    if kind == "jsonl":
        first_record = next(_json_records(path), None)
        return first_record is not None and "relevance" in first_record[1]
    first_line = next(text_lines(path), None)
    if first_line is None:
        return False
    _, line = first_line
    fields = _split(line, "\t" in line)
    return len(fields) == 4 or tuple(fields) == BEIR_QRELS_HEADER


@dataclass(frozen=True)
class _RunRow:
    query_id: str
    doc_id: str
    rank: int
    score: float
    line: int


def _run_rows_from_text(path: Path) -> Iterator[_RunRow]:
    tabbed, expected = False, 0
    for number, line in text_lines(path):
        if not expected:
            tabbed = "\t" in line
        fields = _split(line, tabbed)
        expected = expected or len(fields)
        if len(fields) != expected or expected not in (3, 6):
            raise _malformed(
                path, number, f"expected 6 fields 'query_id Q0 doc_id rank score tag' (TREC run) or 3 fields "
                f"'query_id doc_id rank' (MS MARCO run) consistently, got {len(fields)}"
            )
        if expected == 6:
            query_id, _, doc_id, rank, score, _ = fields
            yield _RunRow(
                query_id, doc_id, _parse_int(rank, path, number, "rank"),
                _parse_float(score, path, number, "score"), number,
            )
        else:
            query_id, doc_id, rank = fields
            rank_value = _parse_int(rank, path, number, "rank")
            yield _RunRow(query_id, doc_id, rank_value, float(-rank_value), number)


def _run_rows_from_records(path: Path) -> Iterator[_RunRow]:
    for number, record in _records(path):
        query_id = str(_first_key(record, ("query_id",), path, number))
        doc_id = str(_first_key(record, ("doc_id",), path, number))
        rank = record.get("rank")
        score = record.get("score")
        if rank is None and score is None:
            raise _malformed(path, number, "a run record needs a 'score' or a 'rank'")
        rank_value = _parse_int(str(rank), path, number, "rank") if rank is not None else 0
        score_value = _parse_float(str(score), path, number, "score") if score is not None else float(-rank_value)
        yield _RunRow(query_id, doc_id, rank_value, score_value, number)


def read_run(path: str | Path) -> Run:
    """Read a run (ranking) file.

    Text lines are TREC runs ``query_id Q0 doc_id rank score tag`` or MS MARCO runs
    ``query_id doc_id rank`` (score taken as ``-rank``), tab-separated when the first line has
    a tab (ids may then hold spaces), else whitespace-separated. JSONL and Parquet records have
    ``query_id``, ``doc_id`` and ``score`` and/or ``rank``. Documents are ordered as
    trec_eval orders them: by score, descending, with the file's rank breaking ties.

    Raises:
        ValueError: On a malformed line or a document listed twice for one query.
    """
    path = _existing(path)
    rows = _run_rows_from_text(path) if file_format(path) == "text" else _run_rows_from_records(path)
    grouped: dict[str, list[_RunRow]] = {}
    seen: set[tuple[str, str]] = set()
    for row in rows:
        if (row.query_id, row.doc_id) in seen:
            raise _malformed(path, row.line, f"document {row.doc_id!r} listed twice for query {row.query_id!r}")
        seen.add((row.query_id, row.doc_id))
        grouped.setdefault(row.query_id, []).append(row)
    return {
        query_id: {row.doc_id: row.score for row in sorted(group, key=lambda r: (-r.score, r.rank))}
        for query_id, group in grouped.items()
    }


def _string_tuple(value: Any, path: Path, line: int, what: str) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)):
        raise _malformed(path, line, f"{what} must be a list, got {type(value).__name__}")
    return tuple(str(item) for item in value)


def _optional_texts(
    record: Mapping[str, Any], key: str, ids: tuple[str, ...], path: Path, line: int
) -> tuple[str, ...] | None:
    if record.get(key) is None:
        return None
    texts = _string_tuple(record[key], path, line, key)
    if len(texts) != len(ids):
        raise _malformed(path, line, f"{key} has {len(texts)} texts for {len(ids)} ids")
    return texts


def read_tuples(path: str | Path) -> list[TupleRecord]:
    """Read training tuples from a JSONL or Parquet file (as written by the hard-negative miner).

    Each record has ``query_id``, ``pos_doc_ids`` and ``neg_doc_ids`` and optionally the texts
    ``query``, ``pos_docs`` and ``neg_docs``.

    Raises:
        ValueError: On a text file, a malformed record, or a record without positives.
    """
    path = _existing(path)
    if file_format(path) == "text":
        raise ValueError(f"{path}: tuples must be a .jsonl or .parquet file")
    tuples = []
    for number, record in _records(path):
        query_id = str(_first_key(record, ("query_id",), path, number))
        pos_doc_ids = _string_tuple(_first_key(record, ("pos_doc_ids",), path, number), path, number, "pos_doc_ids")
        neg_doc_ids = _string_tuple(_first_key(record, ("neg_doc_ids",), path, number), path, number, "neg_doc_ids")
        if not pos_doc_ids:
            raise _malformed(path, number, "pos_doc_ids is empty")
        query = record.get("query")
        tuples.append(
            TupleRecord(
                query_id,
                None if query is None else str(query),
                pos_doc_ids,
                _optional_texts(record, "pos_docs", pos_doc_ids, path, number),
                neg_doc_ids,
                _optional_texts(record, "neg_docs", neg_doc_ids, path, number),
            )
        )
    return tuples
