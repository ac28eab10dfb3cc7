"""BM25 first-stage retrieval on the ``bm25s`` library.

Texts are lower-cased, split into words of two or more characters, stripped of English stop
words and stemmed with the English Snowball stemmer (``PyStemmer``), as the field's standard BM25
(Anserini, PyTerrier) does; ``stem=False`` turns stemming off explicitly. The index is saved in ``bm25s``' own format, with the document ids as
its corpus and a small ``lir_bm25.json`` recording the tokenization, so a loaded index
tokenizes queries as the saved one did. Runs are written with the project's run writer
(Parquet ``query_id, doc_id, rank, score`` plus a TREC run file).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import bm25s

from lir_core.data.readers import Run
from lir_core.data.writers import atomic_directory
from lir_core.progress import progress_enabled
from lir_core.retrieve.base import SearchResult
from lir_core.retrieve.runs import RunFiles, write_run

SETTINGS_NAME = "lir_bm25.json"
STOPWORDS = "en"
STEMMER = "english"


def write_run_files(
    run: Run, stem: str | Path, tag: str = "bm25", producer: Mapping[str, Any] | None = None
) -> RunFiles:
    """Write a run as ``{stem}.parquet`` and ``{stem}.run`` (TREC), each atomically.

    Args:
        run: ``{query_id: {doc_id: score}}``, each query's documents best first.
        stem: Path without suffix, e.g. ``runs/bm25-scifact-test``.
        tag: The TREC run tag (no whitespace).
        producer: When given, the files are recorded in the folder's ``manifest.json``.
    """
    return write_run(SearchResult.from_run(run), stem, tag=tag, producer=producer)


def load_stemmer(language: str = STEMMER) -> Callable[[list[str]], list[str]]:
    """Return PyStemmer's ``stemWords`` for ``language``.

    Raises:
        ImportError: If ``PyStemmer`` is not installed (a requested stemmer never silently
            falls back to unstemmed words).
        ValueError: If PyStemmer has no stemmer for ``language``.
    """
    try:
        import Stemmer
    except ImportError as error:
        raise ImportError("BM25 stemming needs PyStemmer (pip install PyStemmer), or pass stem=False") from error
    try:
        return Stemmer.Stemmer(language).stemWords
    except KeyError as error:
        raise ValueError(f"PyStemmer has no {language!r} stemmer; it has {Stemmer.algorithms()}") from error


class Bm25Retriever:
    """Index documents with BM25 and retrieve the best ``k`` per query.

    Args:
        k1: Term-frequency saturation.
        b: Document-length normalisation.
        stem: Stem words with the English Snowball stemmer (the default); False turns it off.

    Raises:
        ImportError: If ``stem`` is True and ``PyStemmer`` is not installed.
    """

    def __init__(self, k1: float = 1.5, b: float = 0.75, stem: bool = True) -> None:
        self._stemmer = load_stemmer() if stem else None
        self._bm25 = bm25s.BM25(k1=k1, b=b)
        self._doc_ids: list[str] = []

    @property
    def stemmed(self) -> bool:
        """Whether words are stemmed."""
        return self._stemmer is not None

    @property
    def num_docs(self) -> int:
        """Number of indexed documents."""
        return len(self._doc_ids)

    def _tokenize(self, texts: Sequence[str], return_ids: bool, show_progress: bool = False) -> Any:
        return bm25s.tokenize(
            list(texts), stopwords=STOPWORDS, stemmer=self._stemmer, return_ids=return_ids, show_progress=show_progress
        )

    def index(self, doc_ids: Sequence[str], docs: Sequence[str], show_progress_bar: bool | None = None) -> None:
        """Index documents, replacing any previous index.

        ``show_progress_bar``: ``bm25s``' bars for tokenizing and indexing, on stderr; None: in
        a terminal only (see :mod:`lir_core.progress`).

        Raises:
            ValueError: If there are no documents, the two lists differ in length, or ids repeat.
        """
        if not doc_ids:
            raise ValueError("cannot index an empty collection")
        if len(doc_ids) != len(docs):
            raise ValueError(f"got {len(doc_ids)} doc ids for {len(docs)} docs")
        if len(set(doc_ids)) != len(doc_ids):
            raise ValueError("doc ids must be unique")
        show = progress_enabled(show_progress_bar)
        self._bm25.index(self._tokenize(docs, return_ids=True, show_progress=show), show_progress=show)
        self._doc_ids = [str(doc_id) for doc_id in doc_ids]

    def search(self, queries: Mapping[str, str], k: int = 100, show_progress_bar: bool | None = None) -> Run:
        """Retrieve up to ``k`` documents per query.

        Documents sharing no word with a query (score 0) are left out, so a query may get
        fewer than ``k`` (or no) documents. ``show_progress_bar``: ``bm25s``' bars for
        tokenizing and retrieving, on stderr; None: in a terminal only (see :mod:`lir_core.progress`).

        Returns:
            ``{query_id: {doc_id: score}}``, best first.

        Raises:
            ValueError: If nothing is indexed or ``k < 1``.
        """
        if not self._doc_ids:
            raise ValueError("index documents (or load an index) before searching")
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        if not queries:
            return {}
        show = progress_enabled(show_progress_bar)
        tokens = self._tokenize(list(queries.values()), return_ids=False, show_progress=show)
        indices, scores = self._bm25.retrieve(tokens, k=min(k, self.num_docs), show_progress=show)
        return {
            query_id: {
                self._doc_ids[index]: float(score) for index, score in zip(row_indices, row_scores) if score > 0
            }
            for query_id, row_indices, row_scores in zip(queries, indices.tolist(), scores.tolist())
        }

    def save(self, index_dir: str | Path) -> Path:
        """Save the index into ``index_dir`` (replaced atomically) in ``bm25s``' format."""
        if not self._doc_ids:
            raise ValueError("nothing to save: no documents are indexed")
        with atomic_directory(index_dir) as temporary:
            self._bm25.save(str(temporary), corpus=self._doc_ids, show_progress=False)
            settings = {"stopwords": STOPWORDS, "stemmer": STEMMER if self.stemmed else None}
            (temporary / SETTINGS_NAME).write_text(json.dumps(settings, indent=2) + "\n")
        return Path(index_dir)

    @classmethod
    def load(cls, index_dir: str | Path, mmap: bool = True) -> Bm25Retriever:
        """Load an index saved by :meth:`save`; ``mmap`` keeps large arrays on disk.

        Raises:
            FileNotFoundError: If ``index_dir`` holds no saved index.
            ImportError: If the index was stemmed but ``PyStemmer`` is not installed here.
        """
        index_dir = Path(index_dir)
        settings_path = index_dir / SETTINGS_NAME
        if not settings_path.is_file():
            raise FileNotFoundError(f"{index_dir}: no BM25 index ({SETTINGS_NAME} missing)")
        settings = json.loads(settings_path.read_text())
        retriever = cls(stem=settings["stemmer"] is not None)
        retriever._bm25 = bm25s.BM25.load(str(index_dir), load_corpus=True, mmap=mmap, show_progress=False)
        retriever._doc_ids = [str(entry["text"]) for entry in retriever._bm25.corpus]
        retriever._bm25.corpus = None
        return retriever
