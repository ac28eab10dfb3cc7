"""Lightning module for bi-encoders: scoring and batched encoding for indexing/search."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

import torch

from lir_core.base.module import (
    InferencePrecision,
    LightningIRModule,
    flatten_score_inputs,
    length_sorted_batches,
)
from lir_core.base.training import TrainingOutput
from lir_core.bi_encoder.config import BiEncoderConfig
from lir_core.bi_encoder.model import BiEncoderEmbedding, BiEncoderModel, BiEncoderOutput, InputType
from lir_core.bi_encoder.tokenizer import BiEncoderTokenizer
from lir_core.data.samples import IndexBatch, RankBatch, SearchBatch
from lir_core.loss import InBatchLoss, RegularizationLoss, ScoringLoss
from lir_core.progress import progress_bar


class BiEncoderModule(LightningIRModule):
    """A bi-encoder with its tokenizer.

    Example:
        >>> module = BiEncoderModule("path/to/model")  # doctest: +SKIP
        >>> module.score("capital of Germany?", ["Berlin is ...", "Paris is ..."]).scores
    """

    model_class: ClassVar[type[BiEncoderModel]] = BiEncoderModel
    supported_loss_types: ClassVar[tuple[type, ...]] = (ScoringLoss, InBatchLoss, RegularizationLoss)
    model: BiEncoderModel
    config: BiEncoderConfig
    tokenizer: BiEncoderTokenizer

    def _build_tokenizer(self, source: str) -> BiEncoderTokenizer:
        tokenizer = BiEncoderTokenizer(source, self.model.config)
        if self.model.config.doc_mask_scoring_tokens == "punctuation":
            self.model.set_punctuation_ids(tokenizer.punctuation_ids())
        return tokenizer

    def _encode_batch(self, texts: Sequence[str], input_type: InputType) -> BiEncoderEmbedding:
        if input_type == "query":
            encoding = self.tokenizer.tokenize_queries(texts)
        else:
            encoding = self.tokenizer.tokenize_docs(texts)
        encoding = {k: v.to(self.device) for k, v in encoding.items()}
        return self.model.encode(encoding, input_type)

    def iter_encode(
        self,
        texts: Sequence[str],
        input_type: InputType,
        batch_size: int = 32,
        precision: InferencePrecision | None = None,
        show_progress_bar: bool | None = None,
    ) -> Iterator[tuple[list[int], BiEncoderEmbedding]]:
        """Encode texts in length-sorted batches under ``inference_mode``.

        Args:
            texts: The texts.
            input_type: ``"query"`` or ``"doc"``.
            batch_size: Texts per forward pass.
            precision: Inference precision (default: the module's).
            show_progress_bar: Show a bar counting the texts on stderr; None: in a terminal
                only (see :mod:`lir_core.progress`).

        Yields:
            The positions of the batch's texts in ``texts`` and their fp32 embeddings.
        """
        if len(texts) == 0:
            raise ValueError(f"no {input_type} texts to encode")
        unit = "query" if input_type == "query" else "doc"
        with self.inference_context(precision), progress_bar(
            len(texts), f"encoding {'queries' if input_type == 'query' else 'docs'}", unit, show_progress_bar
        ) as bar:
            for indices, embedding in self._length_sorted_parts(texts, input_type, batch_size):
                bar.update(len(indices))
                yield indices, embedding

    def _length_sorted_parts(
        self, texts: Sequence[str], input_type: InputType, batch_size: int
    ) -> Iterator[tuple[list[int], BiEncoderEmbedding]]:
        """Encode texts in length-sorted batches (in the caller's inference context): the positions
        of each batch's texts and their fp32 embeddings."""
        for indices in length_sorted_batches(texts, batch_size):
            embedding = self._encode_batch([texts[i] for i in indices], input_type)
            yield indices, BiEncoderEmbedding(embedding.embeddings.float(), embedding.scoring_mask)

    def _encode_all(
        self,
        texts: Sequence[str],
        input_type: InputType,
        batch_size: int,
        precision: InferencePrecision | None,
        show_progress_bar: bool | None = None,
    ) -> BiEncoderEmbedding:
        parts = list(self.iter_encode(texts, input_type, batch_size, precision, show_progress_bar))
        return _in_input_order(parts, len(texts), torch.device("cpu"))

    def _encode_length_sorted(self, texts: Sequence[str], input_type: InputType) -> BiEncoderEmbedding:
        """Encode one inference batch (of any size) on the CPU in length-sorted micro-batches of
        :data:`CPU_MICRO_BATCH` texts, so that short texts are not padded to the batch's longest;
        rows follow the input order. On a GPU the batch runs as one."""
        if self.device.type != "cpu" or len(texts) <= CPU_MICRO_BATCH:
            embedding = self._encode_batch(texts, input_type)
            return BiEncoderEmbedding(embedding.embeddings.float(), embedding.scoring_mask)
        parts = list(self._length_sorted_parts(texts, input_type, CPU_MICRO_BATCH))
        return _in_input_order(parts, len(texts), self.device)

    def encode_queries(self, queries: Sequence[str], batch_size: int = 32, precision: InferencePrecision | None = None,
                       show_progress_bar: bool | None = None) -> BiEncoderEmbedding:
        """Encode queries in batches; rows follow the input order. ``show_progress_bar``: see
        :meth:`iter_encode`."""
        return self._encode_all(queries, "query", batch_size, precision, show_progress_bar)

    def encode_docs(self, docs: Sequence[str], batch_size: int = 32, precision: InferencePrecision | None = None,
                    show_progress_bar: bool | None = None) -> BiEncoderEmbedding:
        """Encode documents in batches; rows follow the input order. ``show_progress_bar``: see
        :meth:`iter_encode`."""
        return self._encode_all(docs, "doc", batch_size, precision, show_progress_bar)

    def score(self, queries: str | Sequence[str], docs: Sequence[str] | Sequence[Sequence[str]], batch_size: int = 32,
              precision: InferencePrecision | None = None, show_progress_bar: bool | None = None) -> BiEncoderOutput:
        """Score documents for one query (a list of docs) or for several (a list per query).

        ``show_progress_bar``: bars for the encoding of the queries and the documents; None: in
        a terminal only (see :mod:`lir_core.progress`).

        Returns:
            A ``BiEncoderOutput`` whose ``scores`` has one value per document.
        """
        query_list, doc_list, num_docs = flatten_score_inputs(queries, docs)
        query_embeddings = self.encode_queries(query_list, batch_size, precision, show_progress_bar)
        doc_embeddings = self.encode_docs(doc_list, batch_size, precision, show_progress_bar)
        with self.inference_context("fp32"):
            scores = self.model.score(query_embeddings, doc_embeddings, num_docs)
        return BiEncoderOutput(scores, query_embeddings, doc_embeddings)

    def score_candidates(self, queries: Sequence[str], candidates: Sequence[Sequence[str]], batch_size: int = 32,
                         precision: InferencePrecision | None = None,
                         show_progress_bar: bool | None = None) -> torch.Tensor:
        """Score each query's candidate documents (re-ranking), encoding every distinct document once.

        The candidates of different queries overlap heavily (the BM25 top 100 of SciFact's 300
        test queries are 30,000 pairs over about 5,000 documents), and only queries and documents
        are encoded by a bi-encoder, so this costs one pass over the distinct documents where
        ``score`` encodes every pair's document. ``show_progress_bar``: as for :meth:`score`.

        Returns:
            One score per candidate, flat in input order (as ``score(queries, candidates).scores``).
        """
        query_list, doc_list, num_docs = flatten_score_inputs(list(queries), candidates)
        distinct = list(dict.fromkeys(doc_list))
        row_of = {text: row for row, text in enumerate(distinct)}
        query_embeddings = self.encode_queries(query_list, batch_size, precision, show_progress_bar)
        doc_embeddings = self.encode_docs(distinct, batch_size, precision, show_progress_bar)
        scores, start = torch.empty(len(doc_list)), 0
        with self.inference_context("fp32"):
            for position, count in enumerate(num_docs):
                rows = torch.tensor([row_of[text] for text in doc_list[start : start + count]])
                scores[start : start + count] = self.model.score(
                    query_embeddings[position : position + 1], doc_embeddings[rows], [count]
                )
                start += count
        return scores

    def inference_step(self, batch: IndexBatch | SearchBatch | RankBatch) -> BiEncoderEmbedding | BiEncoderOutput:
        """Docs of an ``IndexBatch`` and queries of a ``SearchBatch`` are encoded (fp32
        embeddings); the documents of a ``RankBatch`` are scored against their query."""
        with self.autocast():
            if isinstance(batch, IndexBatch):
                return self._encode_length_sorted(batch.docs, "doc")
            if isinstance(batch, SearchBatch):
                return self._encode_length_sorted(batch.queries, "query")
            if isinstance(batch, RankBatch):
                queries = self._encode_batch(batch.queries, "query")
                docs = self._encode_batch([d for ds in batch.docs for d in ds], "doc")
                scores = self.model.score(queries, docs, batch.num_docs)
                return BiEncoderOutput(scores.float(), queries, docs)
        raise TypeError(f"BiEncoderModule cannot run inference on {type(batch).__name__}")

    def training_output(self, batch: RankBatch) -> TrainingOutput:
        """Encode a batch's queries and documents and score each query's own documents.

        In-batch scores (every query against every document of the batch) are computed when
        an ``InBatchLoss`` is configured, pooled embeddings when a ``RegularizationLoss`` is.

        Raises:
            ValueError: If a regularizer is configured for a multi-vector model.
        """
        queries = self._encode_batch(batch.queries, "query")
        docs = self._encode_batch([d for ds in batch.docs for d in ds], "doc")
        output = TrainingOutput(self.model.score(queries, docs, batch.num_docs))
        if any(isinstance(loss, InBatchLoss) for loss in self.loss_functions):
            output.in_batch_scores = self.all_pairs_scores(queries, docs)
        if any(isinstance(loss, RegularizationLoss) for loss in self.loss_functions):
            if self.config.is_multi_vector:
                raise ValueError("regularizers need pooled (single-vector or sparse) embeddings")
            output.regularized_embeddings = [queries.embeddings[:, 0], docs.embeddings[:, 0]]
        return output

    def all_pairs_scores(self, queries: BiEncoderEmbedding, docs: BiEncoderEmbedding) -> torch.Tensor:
        """Score every query against every document: ``[len(queries), len(docs)]``."""
        num_queries, num_docs = len(queries), len(docs)
        if queries.embeddings.shape[1] == 1 and docs.embeddings.shape[1] == 1:
            query_vectors, doc_vectors = queries.embeddings[:, 0], docs.embeddings[:, 0]
            if self.config.similarity_function == "cosine":
                query_vectors = torch.nn.functional.normalize(query_vectors, dim=-1)
                doc_vectors = torch.nn.functional.normalize(doc_vectors, dim=-1)
            return query_vectors @ doc_vectors.to(query_vectors.dtype).T
        query_rows = queries[torch.arange(num_queries, device=self.device).repeat_interleave(num_docs)]
        doc_rows = docs[torch.arange(num_docs, device=self.device).repeat(num_queries)]
        return self.model.score_pairs(query_rows, doc_rows).view(num_queries, num_docs)

    def forward(self, *args: Any, **kwargs: Any) -> BiEncoderOutput:
        """Run the model (see ``BiEncoderModel.forward``)."""
        return self.model(*args, **kwargs)


# Texts per forward pass when an inference batch is split by length on the CPU. Measured with
# MiniLM on 320 SciFact documents (bf16, 2 cores): 16 and 32 texts per pass took the same time,
# 64 took 13% longer; sorted micro-batches of a batch of 256 leave little padding.
CPU_MICRO_BATCH = 32


def _in_input_order(
    parts: Sequence[tuple[list[int], BiEncoderEmbedding]], count: int, device: torch.device
) -> BiEncoderEmbedding:
    """Put the rows of length-sorted batches back in input order (multi-vector rows padded with
    zero vectors that the scoring mask leaves out)."""
    width = max(part.embeddings.shape[1] for _, part in parts)
    dim = parts[0][1].embeddings.shape[2]
    embeddings = torch.zeros(count, width, dim, device=device)
    scoring_mask = torch.zeros(count, width, dtype=torch.bool, device=device)
    for indices, part in parts:
        index = torch.tensor(indices, device=device)
        embeddings[index, : part.embeddings.shape[1]] = part.embeddings.to(device)
        scoring_mask[index, : part.scoring_mask.shape[1]] = part.scoring_mask.to(device)
    return BiEncoderEmbedding(embeddings, scoring_mask)
