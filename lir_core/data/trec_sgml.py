"""TREC SGML collections and TREC topic files, as the classic test collections ship them.

A collection holds documents ``<DOC> <DOCNO> id </DOCNO> ... </DOC>``, several per file, tags on
lines of their own or inline (``<DOC><DOCNO>d1</DOCNO><TEXT>...</TEXT></DOC>``), in any case. A
document's text is the text of its content tags (those Anserini and ``ir_datasets`` read:
``TEXT``, ``HEADLINE``, ``TITLE``, ``HL``, ``HEAD``, ``TTL``, ``DD``, ``DATE``, ``LP``,
``LEADPARA``) in document order, or, for a document without any, all of its text but the
``DOCNO`` (and a web collection's ``DOCHDR``). Other tags (``<P>``, ``<F P=105>``, HTML) and
``<!-- comments -->`` are dropped, HTML entities decoded and white space collapsed. The title
(:func:`lir_core.data.readers.read_titles`) is the text of ``HEADLINE``, ``TITLE``, ``HL``,
``HEAD`` and ``TTL``.

A topic file holds topics ``<top> <num> Number: 301 <title> ... <desc> Description: ...
<narr> Narrative: ... </top>``; a field runs up to the next tag, closing tags (``</title>``)
are optional and the labels (``Number:``, ``Topic:``, ``Description:``, ``Narrative:``) are
dropped. The query text is the title unless other fields are chosen (``fields=("title",
"desc")`` joins both), as ``ir_datasets``' ``TrecQuery.default_text`` does.

Why not ``ir_datasets.formats.TrecDocs`` / ``TrecQueries`` (0.6): they do read a plain local
file without registering a dataset (``TrecDocs(ir_datasets.util.LocalDownload(path))``), but
they are lenient by design, for the collections that ``ir_datasets`` ships and checks by hash.
Tried on small files: bytes that are not UTF-8 are replaced silently; ``<DOCNO>`` is recognised
only at the start of a line and ``</DOC>`` only as a whole ``"</DOC>\\n"`` line, so a one-line
document (or a CRLF file) yields nothing; the ``"text"`` parser loses the text on a content
tag's own line and keeps inner tags (the default parser needs BeautifulSoup and lxml); a
document whose ``</DOC>`` is missing is merged into the next one and a document without
``DOCNO`` gets the id None; a topic whose title shares the ``<num>`` line, or that lacks a
field, stops with a bare ``AssertionError``. None of their errors names a file or a line. These
readers are as strict as the package's other readers: every structural fault raises
``ValueError`` naming the file and the line (of the unclosed tag where one is left open);
repeated ids are caught by the caller (:mod:`lir_core.data.readers`), which also handles gzip,
the byte order mark and non-UTF-8 bytes.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

CONTENT_TAGS = frozenset({"TEXT", "HEADLINE", "TITLE", "HL", "HEAD", "TTL", "DD", "DATE", "LP", "LEADPARA"})
TITLE_TAGS = frozenset({"HEADLINE", "TITLE", "HL", "HEAD", "TTL"})
SKIPPED_TAGS = frozenset({"DOCHDR"})  # a web collection's HTTP header: not text
TOPIC_FIELDS = ("title", "desc", "narr")
_LABELS = {"num": "number", "title": "topic", "desc": "description", "narr": "narrative"}

_TAG = re.compile(r"<(/?)([A-Za-z][\w.-]*)((?:\s[^<>]*)?)>")
_COMMENT = re.compile(r"<!--.*?-->")
_SNIFF = re.compile(r"<(doc|top)[\s>]", re.IGNORECASE)


def sniff(first_line: str) -> Literal["docs", "topics"] | None:
    """What a text file holds judged by its first non-blank line: ``"docs"`` when it starts with
    ``<DOC>``, ``"topics"`` with ``<top>``, else None."""
    match = _SNIFF.match(first_line.lstrip())
    if match is None:
        return None
    return "docs" if match.group(1).lower() == "doc" else "topics"


@dataclass(frozen=True)
class SgmlDoc:
    """A document of a TREC SGML file; ``line`` is the line of its ``DOCNO``."""

    line: int
    doc_id: str
    title: str
    text: str


def _malformed(path: Path, line: int, message: str) -> ValueError:
    return ValueError(f"{path}:{line}: {message}")


def _clean(parts: Iterable[str]) -> str:
    return " ".join(html.unescape(" ".join(parts)).split())


def _pieces(line: str) -> Iterator[tuple[str, bool, str]]:
    """Split a line into ``("text", False, text)`` and ``("tag", closing, NAME)`` pieces."""
    line = _COMMENT.sub(" ", line)
    position = 0
    for match in _TAG.finditer(line):
        if match.start() > position:
            yield "text", False, line[position : match.start()]
        yield "tag", match.group(1) == "/", match.group(2).upper()
        position = match.end()
    if position < len(line):
        yield "text", False, line[position:]


def _elements(lines: Iterable[tuple[int, str]], path: Path, outer: str) -> Iterator[tuple[int, str, bool, str]]:
    """The pieces inside each ``<outer> ... </outer>`` element of numbered lines, as
    ``(line, event, closing, value)``: ``("start", False, "")`` at the opening tag, then
    ``("text", False, text)`` and ``("tag", closing, NAME)`` pieces (tag names upper-case),
    and ``("end", True, "")`` at the closing tag.

    Raises:
        ValueError: Naming the file and line, on text or a tag outside an element, a closing tag
            without its opening tag, or an element left open (the line of its opening tag).
    """
    tag, start = f"<{outer}>", 0
    for number, line in lines:
        for kind, closing, value in _pieces(line):
            if kind == "text":
                if start:
                    yield number, "text", False, value
                elif value.strip():
                    raise _malformed(path, number, f"text outside {tag} ... </{outer}>: {value.strip()[:40]!r}")
            elif value != outer.upper():
                if not start:
                    raise _malformed(path, number, f"<{'/' if closing else ''}{value.lower() if outer.islower() else value}> "
                                                   f"outside {tag} ... </{outer}>")
                yield number, "tag", closing, value
            elif not closing and start:
                raise _malformed(path, start, f"{tag} is not closed (another {tag} starts on line {number})")
            elif closing and not start:
                raise _malformed(path, number, f"</{outer}> without an opening {tag}")
            else:
                yield number, "end" if closing else "start", closing, ""
                start = 0 if closing else number
    if start:
        raise _malformed(path, start, f"{tag} is not closed before the end of the file")


@dataclass
class _OpenDoc:
    line: int
    doc_id: str | None = None
    docno_line: int = 0
    docno: list[str] | None = None  # the DOCNO's text while its tag is open
    skipped: tuple[str, int] | None = None
    content: list[tuple[str, int]] = field(default_factory=list)  # open content tags, outermost first
    content_text: list[str] = field(default_factory=list)
    title_text: list[str] = field(default_factory=list)
    other_text: list[str] = field(default_factory=list)

    def add_text(self, text: str) -> None:
        if self.docno is not None:
            self.docno.append(text)
        elif self.skipped is not None:
            return
        elif self.content:
            self.content_text.append(text)
            if self.content[0][0] in TITLE_TAGS:
                self.title_text.append(text)
        else:
            self.other_text.append(text)


def read_sgml_docs(lines: Iterable[tuple[int, str]], path: Path) -> Iterator[SgmlDoc]:
    """Yield the documents of a TREC SGML collection from its numbered lines (see the module docstring).

    Raises:
        ValueError: Naming the file and line, on text or a tag outside a document, a ``<DOC>``,
            ``<DOCNO>`` or content tag left open (the line of the opening tag), a closing tag
            without its opening tag, a document without ``DOCNO`` or with two, or an empty ``DOCNO``.
    """
    doc = _OpenDoc(0)
    for number, event, closing, name in _elements(lines, path, "DOC"):
        if event == "start":
            doc = _OpenDoc(number)
        elif event == "end":
            yield _finish_doc(doc, number, path)
        elif event == "text":
            doc.add_text(name)
        elif doc.docno is not None:
            if name != "DOCNO" or not closing:
                raise _malformed(path, doc.docno_line, f"<DOCNO> is not closed (a <{'/' if closing else ''}"
                                                       f"{name}> follows on line {number})")
            doc.doc_id = " ".join("".join(doc.docno).split())
            doc.docno = None
            if not doc.doc_id:
                raise _malformed(path, doc.docno_line, "empty <DOCNO>")
        elif name == "DOCNO":
            if closing:
                raise _malformed(path, number, "</DOCNO> without an opening <DOCNO>")
            if doc.doc_id is not None:
                raise _malformed(path, number, f"a second <DOCNO> in the <DOC> of line {doc.line} "
                                               f"(the first on line {doc.docno_line})")
            doc.docno, doc.docno_line = [], number
        elif doc.skipped is not None:
            if closing and name == doc.skipped[0]:
                doc.skipped = None
        elif name in SKIPPED_TAGS and not closing:
            doc.skipped = (name, number)
        elif name in CONTENT_TAGS:
            _content_tag(doc, name, closing, number, path)
        else:
            doc.add_text(" ")  # other tags separate words


def _content_tag(doc: _OpenDoc, name: str, closing: bool, number: int, path: Path) -> None:
    if not closing:
        doc.content.append((name, number))
        doc.add_text(" ")
        return
    if name not in (open_name for open_name, _ in doc.content):
        raise _malformed(path, number, f"</{name}> without an opening <{name}>")
    open_name, open_line = doc.content[-1]
    if open_name != name:
        raise _malformed(path, open_line, f"<{open_name}> is not closed before </{name}> on line {number}")
    doc.add_text(" ")
    doc.content.pop()


def _finish_doc(doc: _OpenDoc, number: int, path: Path) -> SgmlDoc:
    if doc.skipped is not None:
        name, line = doc.skipped
        raise _malformed(path, line, f"<{name}> is not closed before </DOC> on line {number}")
    if doc.content:
        name, line = doc.content[-1]
        raise _malformed(path, line, f"<{name}> is not closed before </DOC> on line {number}")
    if doc.doc_id is None:
        raise _malformed(path, doc.line, f"the <DOC> has no <DOCNO> (it ends on line {number})")
    text = _clean(doc.content_text) or _clean(doc.other_text)
    return SgmlDoc(doc.docno_line, doc.doc_id, _clean(doc.title_text), text)


@dataclass
class _OpenTopic:
    line: int
    fields: dict[str, tuple[int, list[str]]] = field(default_factory=dict)
    current: str | None = None


def read_topics(
    lines: Iterable[tuple[int, str]], path: Path, fields: Sequence[str] = ("title",)
) -> Iterator[tuple[int, str, str]]:
    """Yield ``(line of <num>, query id, text)`` for the topics of a TREC topic file.

    Args:
        lines: The file's numbered lines.
        path: The file, for error messages.
        fields: Which fields make the query text, joined in this order: ``"title"`` (the
            default), ``"desc"``, ``"narr"``.

    Raises:
        ValueError: For an unknown field name; naming the file and line, on text or a tag outside a
            topic, a ``<top>`` left open, a field given twice in a topic, a topic without a
            ``<num>`` or with an empty one, or one whose chosen fields are empty.
    """
    unknown = [name for name in fields if name not in TOPIC_FIELDS]
    if unknown or not fields:
        raise ValueError(f"topic fields must be some of {list(TOPIC_FIELDS)}, got {list(fields)}")
    topic = _OpenTopic(0)
    for number, event, closing, value in _elements(lines, path, "top"):
        name = value.lower()
        if event == "start":
            topic = _OpenTopic(number)
        elif event == "end":
            yield _finish_topic(topic, number, path, fields)
        elif event == "text":
            if topic.current is not None:
                topic.fields[topic.current][1].append(value)
        elif closing:
            topic.current = None
        else:
            if name in topic.fields and name in _LABELS:
                raise _malformed(path, number, f"a second <{name}> in the topic of line {topic.line} "
                                               f"(the first on line {topic.fields[name][0]})")
            topic.fields.setdefault(name, (number, []))
            topic.current = name


def _field_text(topic: _OpenTopic, name: str) -> str:
    if name not in topic.fields:
        return ""
    text = _clean(topic.fields[name][1])
    return re.sub(rf"^{_LABELS[name]}\s*:\s*", "", text, flags=re.IGNORECASE)


def _finish_topic(topic: _OpenTopic, number: int, path: Path, fields: Sequence[str]) -> tuple[int, str, str]:
    if "num" not in topic.fields:
        raise _malformed(path, topic.line, f"the topic has no <num> (it ends on line {number})")
    num_line = topic.fields["num"][0]
    query_id = _field_text(topic, "num")
    if not query_id or len(query_id.split()) > 1:
        raise _malformed(path, num_line, f"expected one topic number after <num>, got {query_id!r}")
    text = " ".join(part for part in (_field_text(topic, name) for name in fields) if part)
    if not text:
        tags = " / ".join(f"<{name}>" for name in fields)
        raise _malformed(path, topic.line, f"topic {query_id} has no text in {tags} (it ends on line {number})")
    return num_line, query_id, text
