"""TREC SGML collections and TREC topic files: read wherever local docs and queries are accepted
(readers, datasets, the load_dataset task and BM25 after it), told apart by content, with the
same file-and-line errors as the other readers."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from lir_core.data import (
    DocDataset,
    DocSample,
    QueryDataset,
    QuerySample,
    load_docs,
    load_queries,
    read_docs,
    read_queries,
)
from lir_core.data.readers import read_titles

BOM = "\ufeff"

COLLECTION = """\
<DOC>
<DOCNO> FT911-1 </DOCNO>
<PROFILE>_AN-BEOA7AAIFT</PROFILE>
<HEADLINE>
Jubilee of a jet &amp; its makers
</HEADLINE>
<TEXT>
<P>Fifty years ago this week, a <F P=105>small</F> jet flew.</P>
<!-- PJG FTAG 4700 -->
It did what it was designed to do.
</TEXT>
</DOC>
<DOC><DOCNO>LA010189-0001</DOCNO><TEXT>Berlin is the capital of Germany.</TEXT></DOC>

<doc>
<docno>plain-1</docno>
No content tags: everything but the docno is the text.
</doc>
"""

TOPICS = """\
<top>
<num> Number: 301
<title> International Organized Crime

<desc> Description:
Identify organizations that participate
in international criminal activity.

<narr> Narrative:
A relevant document must name the organization.
</top>

<top>
<num> Number: 302 <title> Poliomyelitis and Post-Polio </title>
<desc> Description: Is the disease under control?
</top>
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(gzip.compress(text.encode()) if name.endswith(".gz") else text.encode())
    return path


def test_collection_documents_text_from_content_tags_in_order(tmp_path: Path) -> None:
    path = write(tmp_path, "fr940104", COLLECTION)  # the classic collections' files have no suffix
    assert list(read_docs(path)) == [
        DocSample("FT911-1", "Jubilee of a jet & its makers Fifty years ago this week, a small jet flew. "
                             "It did what it was designed to do."),
        DocSample("LA010189-0001", "Berlin is the capital of Germany."),
        DocSample("plain-1", "No content tags: everything but the docno is the text."),
    ]
    assert read_titles(path) == {"FT911-1": "Jubilee of a jet & its makers"}


def test_gzip_crlf_and_bom_collections_read_the_same(tmp_path: Path) -> None:
    expected = list(read_docs(write(tmp_path, "plain.sgml", COLLECTION)))
    assert list(read_docs(write(tmp_path, "docs.sgml.gz", COLLECTION))) == expected
    assert list(read_docs(write(tmp_path, "crlf.txt", COLLECTION.replace("\n", "\r\n")))) == expected
    assert list(read_docs(write(tmp_path, "bom.trec", BOM + COLLECTION))) == expected


def test_topics_title_by_default_and_other_fields_on_request(tmp_path: Path) -> None:
    path = write(tmp_path, "topics.301-350", TOPICS)
    assert list(read_queries(path)) == [QuerySample("301", "International Organized Crime"),
                                        QuerySample("302", "Poliomyelitis and Post-Polio")]
    assert [q.query for q in read_queries(path, topic_fields=("title", "desc"))] == [
        "International Organized Crime Identify organizations that participate in international criminal activity.",
        "Poliomyelitis and Post-Polio Is the disease under control?"]
    assert [q.query for q in read_queries(path, topic_fields=("desc",))][1] == "Is the disease under control?"
    assert list(read_queries(write(tmp_path, "topics.gz", BOM + TOPICS))) == list(read_queries(path))
    with pytest.raises(ValueError, match=r"topic fields must be some of \['title', 'desc', 'narr'\]"):
        list(read_queries(path, topic_fields=("description",)))


def test_datasets_and_sources_read_sgml_files(tmp_path: Path) -> None:
    docs, topics = write(tmp_path, "docs", COLLECTION), write(tmp_path, "topics", TOPICS)
    qrels = write(tmp_path, "qrels.txt", "301 0 FT911-1 1\n302 0 LA010189-0001 0\n")
    assert [d.doc_id for d in DocDataset(str(docs))] == ["FT911-1", "LA010189-0001", "plain-1"]
    queries = list(QueryDataset(str(topics), qrels=str(qrels)))
    assert [(q.query_id, q.qrels) for q in queries] == [("301", {"FT911-1": 1}), ("302", {"LA010189-0001": 0})]
    assert list(load_docs(str(docs))) == ["FT911-1", "LA010189-0001", "plain-1"]
    assert load_queries(str(topics))["302"] == "Poliomyelitis and Post-Polio"


def _error(tmp_path: Path, name: str, text: str | bytes, reader) -> str:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(ValueError) as error:
        list(reader(path))
    message = str(error.value)
    assert message.startswith(f"{path}:"), message
    return message.removeprefix(f"{path}:")


@pytest.mark.parametrize(("text", "expected"), [
    ("<DOC>\n<DOCNO>a</DOCNO>\ntext\n", "1: <DOC> is not closed before the end of the file"),
    ("<DOC>\n<DOCNO>a</DOCNO>\n<DOC>\n<DOCNO>b</DOCNO>\n</DOC>\n",
     "1: <DOC> is not closed (another <DOC> starts on line 3)"),
    ("<DOC>\n<DOCNO>a</DOCNO>\n</DOC>\n<DOC>\n<TEXT>no id</TEXT>\n</DOC>\n",
     "4: the <DOC> has no <DOCNO> (it ends on line 6)"),
    ("<DOC>\n<DOCNO>a\n<TEXT>x</TEXT>\n</DOC>\n", "2: <DOCNO> is not closed (a <TEXT> follows on line 3)"),
    ("<DOC>\n<DOCNO> </DOCNO>\n</DOC>\n", "2: empty <DOCNO>"),
    ("<DOC>\n<DOCNO>a</DOCNO>\n<DOCNO>b</DOCNO>\n</DOC>\n",
     "3: a second <DOCNO> in the <DOC> of line 1 (the first on line 2)"),
    ("<DOC>\n<DOCNO>a</DOCNO>\n<TEXT>\nbody\n</DOC>\n", "3: <TEXT> is not closed before </DOC> on line 5"),
    ("<DOC>\n<DOCNO>a</DOCNO>\n<TEXT><HEADLINE>x</TEXT>\n</DOC>\n",
     "3: <HEADLINE> is not closed before </TEXT> on line 3"),
    ("<DOC>\n<DOCNO>a</DOCNO>\nbody</TEXT>\n</DOC>\n", "3: </TEXT> without an opening <TEXT>"),
    ("<DOC>\n<DOCNO>a</DOCNO>\n</DOC>\nstray text\n", "4: text outside <DOC> ... </DOC>: 'stray text'"),
    ("<DOC>\n<DOCNO>a</DOCNO>\n</DOC>\n</DOC>\n", "4: </DOC> without an opening <DOC>"),
    ("<DOC>\n<DOCNO>d1</DOCNO>\n</DOC>\n\n<DOC><DOCNO>d2</DOCNO></DOC>\n<DOC>\n<DOCNO> d1 </DOCNO>\n</DOC>\n",
     "7: duplicate doc id 'd1' (first on line 2)"),
    (b"<DOC>\n<DOCNO>a</DOCNO>\n<TEXT>caf\xe9</TEXT>\n</DOC>\n", "3: not UTF-8 (byte 0xe9 at column 10)"),
    ("<top>\n<num> Number: 301\n<title> t\n</top>\n", "1: this is a TREC topic file (<top>), expected a collection"),
])
def test_collection_errors_name_file_and_line(tmp_path: Path, text: str | bytes, expected: str) -> None:
    assert _error(tmp_path, "docs.sgml", text, read_docs).startswith(expected)


@pytest.mark.parametrize(("text", "expected"), [
    ("<top>\n<num> Number: 301\n<title> a\n", "1: <top> is not closed before the end of the file"),
    ("<top>\n<num> 301\n<title> a\n\n<top>\n<num> 302\n<title> b\n</top>\n",
     "1: <top> is not closed (another <top> starts on line 5)"),
    ("<top>\n<title> no number\n</top>\n", "1: the topic has no <num> (it ends on line 3)"),
    ("<top>\n<num> Number:\n<title> a\n</top>\n", "2: expected one topic number after <num>, got ''"),
    ("<top>\n<num> 301\n<desc> only a description\n</top>\n",
     "1: topic 301 has no text in <title> (it ends on line 4)"),
    ("<top>\n<num> 301\n<title> a\n<title> b\n</top>\n",
     "4: a second <title> in the topic of line 1 (the first on line 3)"),
    ("<top>\n<num> 301\n<title> a\n</top>\n</top>\n", "5: </top> without an opening <top>"),
    ("301\tnot a topic\n<top>\n", "2: expected 'query_id<TAB>text', got 1"),
    ("<top>\n<num> Number: 301\n<title> a\n</top>\n<top>\n<num> Number: 301\n<title> b\n</top>\n",
     "6: duplicate query id '301' (first on line 2)"),
    (b"<top>\n<num> 301\n<title> na\xefve\n</top>\n", "3: not UTF-8 (byte 0xef at column 11)"),
    ("<DOC>\n<DOCNO>a</DOCNO>\n</DOC>\n", "1: this is a TREC SGML collection (<DOC>), expected queries"),
])
def test_topic_errors_name_file_and_line(tmp_path: Path, text: str | bytes, expected: str) -> None:
    message = _error(tmp_path, "topics.txt", text, read_queries)
    assert message.startswith(expected), message


def test_a_tsv_line_that_merely_contains_a_tag_is_not_sgml(tmp_path: Path) -> None:
    path = write(tmp_path, "docs.tsv", "d1\tsee <DOC> tags\n")
    assert list(read_docs(path)) == [DocSample("d1", "see <DOC> tags")]


def test_empty_sgml_named_collection_and_topics_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"missing\.sgml: no such file"):  # not taken for an ir_datasets id
        DocDataset(str(tmp_path / "missing.sgml"))
    docs, topics = write(tmp_path, "docs.sgml", "\n\n"), write(tmp_path, "topics.txt", "")
    with pytest.raises(ValueError, match=rf"^{re.escape(str(docs))}: the collection has no documents$"):
        DocDataset(str(docs))
    with pytest.raises(ValueError, match=rf"^{re.escape(str(topics))}: there are no queries$"):
        QueryDataset(str(topics))


def test_load_dataset_then_bm25_search_on_sgml_files(tmp_path: Path) -> None:
    """The pipeline's load_dataset task body on a gzipped collection and a topic file, then BM25
    index and search (task bodies) on what it wrote."""
    from lir_core.retrieve.runs import read_run
    from tasks.build_index import build_index
    from tasks.load_dataset import load_dataset
    from tasks.search import RUN_STEM, search

    docs = write(tmp_path, "la010189.gz", COLLECTION)
    topics = write(tmp_path, "topics.txt", "<top>\n<num> Number: 1\n<title> capital of Germany\n</top>\n"
                                           "<top>\n<num> Number: 2\n<title> jubilee of a jet\n</top>\n")
    qrels = write(tmp_path, "qrels.txt", "1 0 LA010189-0001 1\n2 0 FT911-1 1\n")
    data = Path(load_dataset.fn(str(tmp_path / "data"), docs=str(docs), queries=str(topics), qrels=str(qrels)))
    assert pq.read_table(data / "docs.parquet").column("doc_id").to_pylist() == ["FT911-1", "LA010189-0001", "plain-1"]
    assert pq.read_table(data / "queries.parquet").to_pydict() == {
        "query_id": ["1", "2"], "query": ["capital of Germany", "jubilee of a jet"]}
    index = build_index.fn(str(data / "docs.parquet"), str(tmp_path / "index"), {"index_type": "bm25"})
    run = read_run(Path(search.fn(index, str(data / "queries.parquet"), str(tmp_path / "run"), k=2))
                   / f"{RUN_STEM}.parquet")
    assert dict(zip(run[run["rank"] == 1]["query_id"], run[run["rank"] == 1]["doc_id"])) == {
        "1": "LA010189-0001", "2": "FT911-1"}
