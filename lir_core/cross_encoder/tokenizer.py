"""Tokenizer for cross-encoders: a query and a document are tokenized as one pair."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from transformers import AutoTokenizer, BatchEncoding, PreTrainedTokenizerBase

from lir_core.cross_encoder.config import CrossEncoderConfig


class CrossEncoderTokenizer:
    """Tokenizes (query, doc) pairs: the query is cut to ``query_length`` tokens first, the
    pair to ``query_length + doc_length``, cutting the document."""

    def __init__(self, tokenizer: PreTrainedTokenizerBase | str | Path, config: CrossEncoderConfig) -> None:
        if not isinstance(tokenizer, PreTrainedTokenizerBase):
            tokenizer = AutoTokenizer.from_pretrained(str(tokenizer))
        self.tokenizer = tokenizer
        self.config = config

    def __len__(self) -> int:
        return len(self.tokenizer)

    def save_pretrained(self, save_directory: str | Path) -> None:
        """Save the wrapped HuggingFace tokenizer."""
        self.tokenizer.save_pretrained(str(save_directory))

    def tokenize_pairs(self, queries: Sequence[str], docs: Sequence[str]) -> BatchEncoding:
        """Tokenize row-aligned query/document pairs."""
        if len(queries) != len(docs):
            raise ValueError(f"{len(queries)} queries but {len(docs)} docs")
        if len(docs) == 0:
            raise ValueError("no query-document pairs to tokenize")
        for position, (query, doc) in enumerate(zip(queries, docs)):
            if not isinstance(query, str) or not isinstance(doc, str):
                raise TypeError(f"pair {position}: query and doc must be strings")
        truncated = self._truncate(queries, self.config.query_length)
        max_length = self.config.query_length + self.config.doc_length
        model_limit = self.tokenizer.model_max_length
        if model_limit and model_limit < 1_000_000:
            max_length = min(max_length, model_limit)
        if self.config.pair_template is not None:
            texts = [
                self.config.pair_template.format(query=query, doc=doc)
                for query, doc in zip(truncated, self._truncate(docs, self.config.doc_length))
            ]
            return self.tokenizer(texts, truncation=True, max_length=max_length,
                                  padding="longest", return_tensors="pt")
        return self.tokenizer(
            truncated, list(docs), truncation="only_second", max_length=max_length,
            padding="longest", return_tensors="pt",
        )

    def _truncate(self, texts: Sequence[str], max_tokens: int) -> list[str]:
        """Cut texts to ``max_tokens`` tokens; texts that fit are returned unchanged."""
        ids = self.tokenizer(list(texts), add_special_tokens=False, truncation=True,
                             max_length=max_tokens + 1)["input_ids"]
        return [self.tokenizer.decode(row[:max_tokens]) if len(row) > max_tokens else text
                for row, text in zip(ids, texts)]
