"""Bi-encoder model: encodes queries and documents separately, then compares them.

One class covers single-vector (DPR/SBERT), multi-vector (ColBERT, MaxSim late
interaction) and learned-sparse (SPLADE) models; the config decides which.
"""

from __future__ import annotations

import contextlib
import copy
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

import torch
from torch import nn
from transformers import AutoModel, AutoModelForMaskedLM, BatchEncoding, PreTrainedModel

from lir_core.base.checkpoint import ResolvedCheckpoint
from lir_core.base.model import LightningIRModel
from lir_core.bi_encoder.config import BiEncoderConfig

InputType = Literal["query", "doc"]

DOC_ENCODER_DIR = "doc_encoder"  # the separate document backbone of a saved folder
DOC_BACKBONE_PREFIX = "doc_backbone."


@dataclass
class BiEncoderEmbedding:
    """Encoded queries or documents.

    Attributes:
        embeddings: ``[batch, tokens, dim]``; ``tokens`` is 1 for pooled (single-vector or
            sparse) representations.
        scoring_mask: ``[batch, tokens]`` bool, True where a vector takes part in scoring.
    """

    embeddings: torch.Tensor
    scoring_mask: torch.Tensor

    def __len__(self) -> int:
        return self.embeddings.shape[0]

    def __getitem__(self, index: slice | torch.Tensor) -> "BiEncoderEmbedding":
        return BiEncoderEmbedding(self.embeddings[index], self.scoring_mask[index])


@dataclass
class BiEncoderOutput:
    """Scores of query-document pairs with the embeddings they came from."""

    scores: torch.Tensor | None = None
    query_embeddings: BiEncoderEmbedding | None = None
    doc_embeddings: BiEncoderEmbedding | None = None


class BiEncoderModel(LightningIRModel):
    """A backbone shared by queries and documents, plus projection, sparsification, pooling.

    With ``config.doc_encoder`` "separate" or "frozen", documents go through a second
    backbone, ``doc_backbone`` (saved in the folder's ``doc_encoder/``); "frozen" keeps it out
    of training (no gradients, always in eval mode).
    """

    config_class: ClassVar[type[BiEncoderConfig]] = BiEncoderConfig
    config: BiEncoderConfig

    def __init__(self, config: BiEncoderConfig, backbone: PreTrainedModel) -> None:
        super().__init__(config, backbone)
        if config.projection in ("linear", "linear_no_bias"):
            self.projection = nn.Linear(
                self.hidden_size, config.embedding_dim, bias=config.projection == "linear"
            )
        if config.projection == "mlm" and not hasattr(backbone, "get_output_embeddings"):
            raise ValueError("projection='mlm' needs a masked-LM backbone")
        self.register_buffer("punctuation_ids", torch.empty(0, dtype=torch.long), persistent=False)
        self.doc_backbone: PreTrainedModel | None = None
        if config.doc_encoder != "shared":
            self.set_doc_backbone(copy.deepcopy(backbone))

    def set_doc_backbone(self, backbone: PreTrainedModel) -> None:
        """Use ``backbone`` for documents (frozen when the config says "frozen")."""
        if self.config.doc_encoder == "shared":
            raise ValueError("a separate document backbone needs config.doc_encoder 'separate' or 'frozen'")
        self.doc_backbone = backbone
        if self.config.doc_encoder == "frozen":
            backbone.requires_grad_(False)
            backbone.eval()

    def train(self, mode: bool = True) -> "BiEncoderModel":
        """Switch train/eval mode; a frozen document backbone stays in eval mode (no dropout)."""
        super().train(mode)
        if self.doc_backbone is not None and self.config.doc_encoder == "frozen":
            self.doc_backbone.eval()
        return self

    def backbone_prefixes(self) -> tuple[str, ...]:
        return (*super().backbone_prefixes(), DOC_BACKBONE_PREFIX)

    def _load_extra_backbones(self, resolved: ResolvedCheckpoint, **kwargs: Any) -> None:
        if self.config.doc_encoder == "shared" or not resolved.from_lightning_ir:
            return  # a plain checkpoint: both backbones start from its weights
        folder = Path(resolved.backbone_path) / DOC_ENCODER_DIR
        if not folder.is_dir():
            if resolved.config is not None and getattr(resolved.config, "doc_encoder", "shared") != "shared":
                raise FileNotFoundError(f"{folder}: missing the document backbone of a saved model")
            return  # a shared-backbone model loaded with a separate-encoder config: start from it
        self.set_doc_backbone(self.backbone_class_for(self.config).from_pretrained(str(folder), **kwargs))

    def save_pretrained(self, save_directory: str | Path) -> None:
        """Save as the base class does, plus the document backbone in ``doc_encoder/``."""
        super().save_pretrained(save_directory)
        if self.doc_backbone is not None:
            self.doc_backbone.save_pretrained(Path(save_directory) / DOC_ENCODER_DIR)

    @classmethod
    def backbone_class_for(cls, config: BiEncoderConfig) -> Any:  # type: ignore[override]
        return AutoModelForMaskedLM if config.projection == "mlm" else AutoModel

    @property
    def embedding_dim(self) -> int:
        """Width of the output vectors (vocabulary size for sparse models)."""
        if self.config.projection == "mlm":
            return int(self.backbone.config.vocab_size)
        return self.config.embedding_dim or self.hidden_size

    def set_punctuation_ids(self, ids: torch.Tensor) -> None:
        """Token ids to mask from document scoring (set by the tokenizer's vocabulary)."""
        self.punctuation_ids = ids.to(self.punctuation_ids.device)

    # ---------------------------------------------------------------- encoding
    def encode(self, encoding: BatchEncoding | dict[str, torch.Tensor], input_type: InputType) -> BiEncoderEmbedding:
        """Encode tokenized queries or documents into (token) vectors."""
        input_ids = encoding["input_ids"]
        attention_mask = encoding["attention_mask"]
        backbone = self.doc_backbone if input_type == "doc" and self.doc_backbone is not None else self.backbone
        pooling = self.config.query_pooling_strategy if input_type == "query" else self.config.doc_pooling_strategy
        if self._max_pools_vocabulary(pooling):
            return self._encode_max_pooled_vocabulary(backbone, input_ids, attention_mask)
        mask = attention_mask.bool()
        outputs = backbone(input_ids=input_ids, attention_mask=attention_mask)
        states = outputs.logits if self.config.projection == "mlm" else outputs.last_hidden_state
        if self.config.projection in ("linear", "linear_no_bias"):
            states = self.projection(states)
        if self.config.sparsification == "relu":
            states = torch.relu(states)
        elif self.config.sparsification == "relu_log":
            states = torch.log1p(torch.relu(states))
        if pooling is None:
            embeddings = states
            scoring_mask = mask.clone()
            if input_type == "doc" and self.config.doc_mask_scoring_tokens == "punctuation" and len(self.punctuation_ids):
                scoring_mask &= ~torch.isin(input_ids, self.punctuation_ids)
        else:
            embeddings = _pool(states, mask, pooling).unsqueeze(1)
            scoring_mask = torch.ones(embeddings.shape[:2], dtype=torch.bool, device=embeddings.device)
        if self.config.normalize:
            embeddings = nn.functional.normalize(embeddings, p=2, dim=-1)
        return BiEncoderEmbedding(embeddings, scoring_mask)

    def _max_pools_vocabulary(self, pooling: str | None) -> bool:
        """Whether a max-pooled masked-LM encoding (SPLADE) can skip the ``[batch, tokens, vocab]``
        logits: only in inference (no gradients), and only for a sparsification that keeps order."""
        return (
            pooling == "max"
            and self.config.projection == "mlm"
            and self.config.sparsification in (None, "relu", "relu_log")
            and not self.config.normalize
            and not torch.is_grad_enabled()
        )

    def _encode_max_pooled_vocabulary(
        self, backbone: PreTrainedModel, input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> BiEncoderEmbedding:
        """SPLADE's ``max_t log1p(relu(W h_t + b))`` computed as ``log1p(relu(max_t (W h_t) + b))``.

        Equal, because relu and log1p never decrease, so the maximum can be taken first; and the
        maximum of each document's own tokens is taken over vocabulary slices that stay in the CPU
        cache, so the ``[batch, tokens, 30522]`` logits (several hundred MB per batch, read and
        written by each of relu, log1p, masking and max) never exist. On SciFact documents this
        is about 4x faster in fp32 and 9x in bf16 than the full logits.
        """
        decoder = backbone.get_output_embeddings()
        with _without_module(backbone, decoder):
            states = backbone(input_ids=input_ids, attention_mask=attention_mask).logits  # the decoder's input
        if not isinstance(decoder, nn.Linear) or states.shape[-1] != decoder.in_features:
            raise TypeError(f"{type(backbone).__name__}: its masked-LM head does not end in its output embeddings")
        weight = decoder.weight
        if torch.is_autocast_enabled(states.device.type):
            weight = weight.to(torch.get_autocast_dtype(states.device.type))
        pooled = max_over_tokens(states.to(weight.dtype), attention_mask.bool(), weight,
                                 per_document=states.device.type == "cpu").float()
        if decoder.bias is not None:
            pooled += decoder.bias.float()
        if self.config.sparsification is not None:
            pooled = torch.relu(pooled)
        if self.config.sparsification == "relu_log":
            pooled = torch.log1p(pooled)
        scoring_mask = torch.ones(pooled.shape[0], 1, dtype=torch.bool, device=pooled.device)
        return BiEncoderEmbedding(pooled.unsqueeze(1), scoring_mask)

    def encode_queries(self, encoding: BatchEncoding | dict[str, torch.Tensor]) -> BiEncoderEmbedding:
        """Encode tokenized queries."""
        return self.encode(encoding, "query")

    def encode_docs(self, encoding: BatchEncoding | dict[str, torch.Tensor]) -> BiEncoderEmbedding:
        """Encode tokenized documents."""
        return self.encode(encoding, "doc")

    # ---------------------------------------------------------------- scoring
    def score(
        self,
        query_embeddings: BiEncoderEmbedding,
        doc_embeddings: BiEncoderEmbedding,
        num_docs: list[int] | int | None = None,
    ) -> torch.Tensor:
        """Score each query against its own documents.

        Args:
            query_embeddings: ``Q`` encoded queries.
            doc_embeddings: ``sum(num_docs)`` encoded documents, grouped by query in order.
            num_docs: Documents per query; an int means the same for every query; None means
                ``len(docs) / Q``.

        Returns:
            One score per document, shape ``[sum(num_docs)]``.
        """
        num_queries = len(query_embeddings)
        if num_docs is None:
            if len(doc_embeddings) % num_queries:
                raise ValueError("num_docs is needed when docs do not split evenly over queries")
            num_docs = len(doc_embeddings) // num_queries
        if isinstance(num_docs, int):
            num_docs = [num_docs] * num_queries
        if len(num_docs) != num_queries or sum(num_docs) != len(doc_embeddings):
            raise ValueError(
                f"num_docs {num_docs} does not fit {num_queries} queries and {len(doc_embeddings)} docs"
            )
        repeats = torch.tensor(num_docs, device=query_embeddings.embeddings.device)
        queries = BiEncoderEmbedding(
            query_embeddings.embeddings.repeat_interleave(repeats, dim=0),
            query_embeddings.scoring_mask.repeat_interleave(repeats, dim=0),
        )
        return self.score_pairs(queries, doc_embeddings)

    def score_pairs(self, queries: BiEncoderEmbedding, docs: BiEncoderEmbedding) -> torch.Tensor:
        """Score row-aligned query/document pairs (MaxSim for multi-vector)."""
        query_vectors, doc_vectors = queries.embeddings, docs.embeddings
        if self.config.similarity_function == "cosine":
            query_vectors = nn.functional.normalize(query_vectors, dim=-1)
            doc_vectors = nn.functional.normalize(doc_vectors, dim=-1)
        similarity = torch.einsum("bqd,bkd->bqk", query_vectors, doc_vectors.to(query_vectors.dtype))
        similarity = similarity.masked_fill(~docs.scoring_mask[:, None, :], float("-inf"))
        best = similarity.max(dim=-1).values
        best = best.masked_fill(~queries.scoring_mask, 0.0)
        return best.sum(dim=-1)

    def forward(
        self,
        query_encoding: BatchEncoding | dict[str, torch.Tensor] | None,
        doc_encoding: BatchEncoding | dict[str, torch.Tensor] | None,
        num_docs: list[int] | int | None = None,
    ) -> BiEncoderOutput:
        """Encode queries and/or documents, and score them when both are given."""
        query_embeddings = self.encode_queries(query_encoding) if query_encoding is not None else None
        doc_embeddings = self.encode_docs(doc_encoding) if doc_encoding is not None else None
        scores = None
        if query_embeddings is not None and doc_embeddings is not None:
            scores = self.score(query_embeddings, doc_embeddings, num_docs)
        return BiEncoderOutput(scores, query_embeddings, doc_embeddings)


# Vocabulary terms per slice of the max-pooled masked-LM head: a document's tokens times 4,096
# terms stays within a core's cache (measured on SciFact: 4,096 beat 1,024 and all 30,522).
VOCABULARY_SLICE = 4096


def max_over_tokens(
    states: torch.Tensor, mask: torch.Tensor, weight: torch.Tensor, per_document: bool = True
) -> torch.Tensor:
    """``max`` over each text's unmasked tokens of ``states @ weight.T``: ``[batch, vocab]``.

    Computed by vocabulary slices of :data:`VOCABULARY_SLICE` terms. ``per_document`` (the CPU's
    way) takes one text's own tokens at a time, so a slice of logits stays in cache and padding
    costs nothing; otherwise (a GPU's way) each slice covers the whole batch, padding masked.
    """
    pooled = torch.empty(states.shape[0], weight.shape[0], dtype=states.dtype, device=states.device)
    if per_document:
        for row, row_mask in enumerate(mask):
            tokens = states[row, row_mask]
            for start in range(0, weight.shape[0], VOCABULARY_SLICE):
                stop = start + VOCABULARY_SLICE
                torch.amax(tokens @ weight[start:stop].T, dim=0, out=pooled[row, start:stop])
        return pooled
    padding = ~mask[..., None]
    for start in range(0, weight.shape[0], VOCABULARY_SLICE):
        stop = start + VOCABULARY_SLICE
        pooled[:, start:stop] = (states @ weight[start:stop].T).masked_fill(padding, float("-inf")).amax(dim=1)
    return pooled


class _Passthrough(nn.Module):
    def forward(self, states: torch.Tensor) -> torch.Tensor:
        return states


# Held while a model's decoder is swapped out, so that two threads encoding with one model (or
# with a model and its copy) never see it half-swapped. A lock per model would not pickle.
_DECODER_SWAP = threading.Lock()


@contextlib.contextmanager
def _without_module(model: nn.Module, target: nn.Module) -> Iterator[None]:
    """Replace ``target`` inside ``model`` by an identity for the duration (the masked-LM head's
    decoder is its last operation, so the model's "logits" are then the decoder's input)."""
    name = next(name for name, module in model.named_modules() if module is target)
    parent_name, _, attribute = name.rpartition(".")
    parent = model.get_submodule(parent_name)
    with _DECODER_SWAP:
        setattr(parent, attribute, _Passthrough())
        try:
            yield
        finally:
            setattr(parent, attribute, target)


def _pool(states: torch.Tensor, mask: torch.Tensor, strategy: str) -> torch.Tensor:
    if strategy == "first":
        return states[:, 0]
    float_mask = mask.unsqueeze(-1).to(states.dtype)
    if strategy == "mean":
        return (states * float_mask).sum(1) / float_mask.sum(1).clamp(min=1e-9)
    if strategy == "sum":
        return (states * float_mask).sum(1)
    if strategy == "max":
        return states.masked_fill(~mask.unsqueeze(-1), float("-inf")).max(1).values
    raise ValueError(f"Unknown pooling strategy {strategy!r}")
