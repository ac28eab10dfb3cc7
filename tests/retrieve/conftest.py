"""Fixtures for retrieval tests: tiny bi-encoders and small synthetic collections."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
import pytest

from lir_core import BiEncoderConfig, BiEncoderModule
from lir_core.data.samples import DocSample

# Words of the tiny tokenizer's training corpus (tests/conftest.py), so they tokenize into few pieces.
WORDS = (
    "berlin paris capital germany france vitamin deficiency associated bone loss older adults aspirin reduces "
    "risk heart attack increases bleeding protein binds dna regulates gene expression cells neural networks "
    "learn representations text retrieval information ranks documents relevance query randomized controlled "
    "trial compared treatments cancer patients mutations cause rare disease children sparse inverted index "
    "dense vectors quick brown fox jumps lazy dog"
).split()


def make_docs(count: int, seed: int = 0) -> list[DocSample]:
    """``count`` distinct random word sequences over the test tokenizer's vocabulary."""
    rng = np.random.default_rng(seed)
    texts: dict[str, None] = {}
    while len(texts) < count:
        texts[" ".join(rng.choice(WORDS, size=int(rng.integers(4, 16))))] = None
    return [DocSample(f"d{i}", text) for i, text in enumerate(texts)]


@pytest.fixture(scope="session")
def bi_encoder(tiny_backbone: Callable[..., Path]) -> Callable[..., BiEncoderModule]:
    """Factory: ``bi_encoder(similarity_function="cosine", **config)`` on the tiny BERT."""

    def make(masked_lm: bool = False, **config: object) -> BiEncoderModule:
        return BiEncoderModule(str(tiny_backbone("bert", masked_lm)), config=BiEncoderConfig(**config))

    return make


@pytest.fixture(scope="session")
def doc_factory() -> Callable[..., list[DocSample]]:
    """Factory: ``doc_factory(count, seed=0)`` -> distinct random documents."""
    return make_docs


@pytest.fixture(scope="session")
def small_docs() -> list[DocSample]:
    """60 distinct documents."""
    return make_docs(60)
