"""Tokenizer for bi-encoders: queries and documents are tokenized separately."""

from __future__ import annotations

import string
from collections.abc import Sequence
from pathlib import Path

import torch
from transformers import AutoTokenizer, BatchEncoding, PreTrainedTokenizerBase

from lir_core.bi_encoder.config import BiEncoderConfig


class BiEncoderTokenizer:
    """Wraps a HuggingFace tokenizer with the query/doc conventions of a bi-encoder config.

    Handles truncation to ``query_length``/``doc_length``, ColBERT's marker tokens and
    [MASK] query expansion. Empty strings are valid inputs (they encode to special tokens).
    """

    def __init__(self, tokenizer: PreTrainedTokenizerBase | str | Path, config: BiEncoderConfig) -> None:
        if not isinstance(tokenizer, PreTrainedTokenizerBase):
            tokenizer = AutoTokenizer.from_pretrained(str(tokenizer))
        self.tokenizer = tokenizer
        self.config = config
        self.query_marker_id: int | None = None
        self.doc_marker_id: int | None = None
        if config.add_marker_tokens:
            self.query_marker_id = self._ensure_token(config.query_marker_token)
            self.doc_marker_id = self._ensure_token(config.doc_marker_token)
        if config.query_expansion and tokenizer.mask_token_id is None:
            raise ValueError("query_expansion needs a tokenizer with a mask token")

    def _ensure_token(self, token: str) -> int:
        token_id = self.tokenizer.convert_tokens_to_ids(token)
        if token_id is None or token_id == self.tokenizer.unk_token_id:
            self.tokenizer.add_special_tokens({"additional_special_tokens": [token]})
            token_id = self.tokenizer.convert_tokens_to_ids(token)
        return int(token_id)

    def __len__(self) -> int:
        return len(self.tokenizer)

    def save_pretrained(self, save_directory: str | Path) -> None:
        """Save the wrapped HuggingFace tokenizer."""
        self.tokenizer.save_pretrained(str(save_directory))

    def punctuation_ids(self) -> torch.Tensor:
        """Token ids of single punctuation characters (ColBERT's document skiplist)."""
        ids = set()
        for char in string.punctuation:
            encoded = self.tokenizer.encode(char, add_special_tokens=False)
            if len(encoded) == 1:
                ids.add(encoded[0])
        return torch.tensor(sorted(ids), dtype=torch.long)

    def tokenize_queries(self, queries: Sequence[str]) -> BatchEncoding:
        """Tokenize queries (padded to the longest, or to ``query_length`` with expansion)."""
        _check_texts(queries, "queries")
        if self.config.query_expansion:
            encoding = self._tokenize(queries, self.config.query_length, self.query_marker_id, "max_length")
            input_ids = encoding["input_ids"]
            padding = encoding["attention_mask"] == 0
            input_ids[padding] = self.tokenizer.mask_token_id
            if self.config.attend_to_query_expanded_tokens:
                encoding["attention_mask"] = torch.ones_like(encoding["attention_mask"])
            return encoding
        return self._tokenize(queries, self.config.query_length, self.query_marker_id, "longest")

    def tokenize_docs(self, docs: Sequence[str]) -> BatchEncoding:
        """Tokenize documents, truncated to ``doc_length`` and padded to the longest."""
        _check_texts(docs, "docs")
        return self._tokenize(docs, self.config.doc_length, self.doc_marker_id, "longest")

    def _tokenize(
        self, texts: Sequence[str], max_length: int, marker_id: int | None, padding: str
    ) -> BatchEncoding:
        limit = max_length - (1 if marker_id is not None else 0)
        model_limit = self.tokenizer.model_max_length
        if model_limit and model_limit < 1_000_000:
            limit = min(limit, model_limit - (1 if marker_id is not None else 0))
        encoding = self.tokenizer(
            list(texts), truncation=True, max_length=limit, padding=padding,
            return_tensors="pt", return_token_type_ids=False,
        )
        if marker_id is not None:
            encoding = _insert_after_first(encoding, marker_id)
        if padding == "max_length" and encoding["input_ids"].shape[1] < max_length:
            encoding = _pad_to(encoding, max_length, self.tokenizer.pad_token_id)
        return encoding


def _check_texts(texts: Sequence[str], name: str) -> None:
    if isinstance(texts, str):
        raise TypeError(f"{name} must be a sequence of strings, not a single string")
    if len(texts) == 0:
        raise ValueError(f"{name} is empty: nothing to tokenize")
    for position, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"{name}[{position}] is {type(text).__name__}, expected str")


def _insert_after_first(encoding: BatchEncoding, token_id: int) -> BatchEncoding:
    input_ids = encoding["input_ids"]
    marker = torch.full((input_ids.shape[0], 1), token_id, dtype=input_ids.dtype)
    encoding["input_ids"] = torch.cat([input_ids[:, :1], marker, input_ids[:, 1:]], dim=1)
    mask = encoding["attention_mask"]
    encoding["attention_mask"] = torch.cat([mask[:, :1], torch.ones_like(marker), mask[:, 1:]], dim=1)
    return encoding


def _pad_to(encoding: BatchEncoding, length: int, pad_id: int) -> BatchEncoding:
    extra = length - encoding["input_ids"].shape[1]
    ids = encoding["input_ids"]
    encoding["input_ids"] = torch.cat([ids, torch.full((ids.shape[0], extra), pad_id, dtype=ids.dtype)], 1)
    mask = encoding["attention_mask"]
    encoding["attention_mask"] = torch.cat([mask, torch.zeros((mask.shape[0], extra), dtype=mask.dtype)], 1)
    return encoding
