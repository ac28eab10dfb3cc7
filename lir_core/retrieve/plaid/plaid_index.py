"""The PLAID index: compressed token vectors plus the centroid -> documents inverted lists.

Built in three passes over the shards (so they are never all held as float32 vectors):
count tokens, draw a uniform sample to train the codec, then assign and compress every
token. Two views of the (document, centroid) pairs are kept: centroid -> documents (the IVF
that generates candidates) and document -> distinct centroids (for centroid interaction,
where a document's best centroid score per query token needs each centroid only once).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields

import numpy as np

from lir_core.progress import progress_bar
from lir_core.retrieve.plaid.codec import ResidualCodec
from lir_core.retrieve.plaid.config import PlaidIndexConfig, default_num_centroids
from lir_core.retrieve.plaid.records import MultiVectorDocs
from lir_core.retrieve.sparse.records import check_unique_doc_ids

CODEC_ARRAYS = ("centroids", "bucket_cutoffs", "bucket_weights")
_COMPRESS_BATCH_TOKENS = 1 << 16


@dataclass
class PlaidIndex:
    """Arrays of a PLAID index (see the module docstring).

    Attributes:
        codec: Centroids and residual buckets.
        codes: ``[tokens]`` int32 centroid of each token.
        residuals: ``[tokens, codec.bytes_per_vector]`` uint8 packed residuals.
        token_norms: ``[tokens]`` float32 norms of ``centroid + residual`` (see
            ``ResidualCodec.decompressed_norms``), so that exact re-scoring can divide scores
            instead of normalising decompressed vectors.
        doc_offsets: ``[num_docs + 1]`` token rows of each document.
        doc_ids: ``[num_docs]`` document ids.
        ivf_offsets: ``[num_centroids + 1]`` boundaries into ``ivf_doc_ordinals``.
        ivf_doc_ordinals: Documents having a token in each centroid, by centroid.
        doc_code_offsets: ``[num_docs + 1]`` boundaries into ``doc_codes``.
        doc_codes: Distinct centroids of each document, by document.
    """

    codec: ResidualCodec
    codes: np.ndarray
    residuals: np.ndarray
    token_norms: np.ndarray
    doc_offsets: np.ndarray
    doc_ids: np.ndarray
    ivf_offsets: np.ndarray
    ivf_doc_ordinals: np.ndarray
    doc_code_offsets: np.ndarray
    doc_codes: np.ndarray

    @property
    def num_docs(self) -> int:
        """Number of indexed documents."""
        return len(self.doc_ids)

    @property
    def num_tokens(self) -> int:
        """Number of indexed token vectors."""
        return len(self.codes)

    def arrays(self) -> dict[str, np.ndarray]:
        """Every array by file name (codec arrays included)."""
        arrays = {name: getattr(self.codec, name) for name in CODEC_ARRAYS}
        arrays.update({field.name: getattr(self, field.name) for field in fields(self) if field.name != "codec"})
        return arrays

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], normalize: bool) -> "PlaidIndex":
        """Reassemble an index from ``arrays()`` output (e.g. memory-mapped files)."""
        codec = ResidualCodec(*(np.asarray(arrays[name]) for name in CODEC_ARRAYS), normalize=normalize)
        return cls(codec, **{name: array for name, array in arrays.items() if name not in CODEC_ARRAYS})

    @classmethod
    def build(cls, shards: Iterable[MultiVectorDocs], config: PlaidIndexConfig) -> "PlaidIndex":
        """Train the codec on a token sample, then compress every token and invert; compressing
        shows a bar counting the tokens in a terminal (see :mod:`lir_core.progress`).

        Args:
            shards: A re-iterable of shards (a list, or a shard reader): read three times.
            config: Index config.

        Raises:
            TypeError: If ``shards`` is a one-shot iterator.
            ValueError: If there are no documents, a doc id repeats, dimensions differ, or
                there are fewer tokens than centroids.
        """
        if iter(shards) is shards:
            raise TypeError("PlaidIndex.build reads the shards three times: pass a list or a re-iterable reader")
        num_tokens, dim = _count_tokens(shards)
        num_centroids = config.num_centroids or default_num_centroids(num_tokens)
        if num_centroids > num_tokens:
            raise ValueError(f"{num_centroids} centroids need at least as many tokens, the collection has {num_tokens}")
        sample = _sample_tokens(shards, num_tokens, num_centroids * config.kmeans_points_per_centroid, config.seed)
        codec = ResidualCodec.train(sample, num_centroids, config.n_bits, config.kmeans_niters, config.seed)
        doc_ids: list[str] = []
        token_counts, codes, residuals, norms = [], [], [], []
        with progress_bar(num_tokens, "compressing tokens", "token") as bar:
            for shard in shards:
                for start in range(0, len(shard.vectors), _COMPRESS_BATCH_TOKENS):
                    batch = shard.vectors[start : start + _COMPRESS_BATCH_TOKENS]
                    batch_codes = codec.assign(batch)
                    batch_residuals = codec.compress(batch, batch_codes)
                    codes.append(batch_codes)
                    residuals.append(batch_residuals)
                    norms.append(codec.decompressed_norms(batch_codes, batch_residuals))
                    bar.update(len(batch))
                doc_ids.extend(shard.doc_ids)
                token_counts.append(shard.num_tokens)
        check_unique_doc_ids(doc_ids)
        counts = np.concatenate(token_counts)
        all_codes = np.concatenate(codes)
        doc_code_offsets, doc_codes, ivf_offsets, ivf_doc_ordinals = _invert(all_codes, counts, num_centroids)
        return cls(
            codec=codec,
            codes=all_codes,
            residuals=np.concatenate(residuals),
            token_norms=np.concatenate(norms),
            doc_offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            doc_ids=np.array(doc_ids, dtype=str),
            ivf_offsets=ivf_offsets,
            ivf_doc_ordinals=ivf_doc_ordinals,
            doc_code_offsets=doc_code_offsets,
            doc_codes=doc_codes,
        )


def _count_tokens(shards: Iterable[MultiVectorDocs]) -> tuple[int, int]:
    num_tokens, dims = 0, set()
    for shard in shards:
        if len(shard):
            num_tokens += len(shard.vectors)
            dims.add(shard.dim)
    if not num_tokens:
        raise ValueError("no documents to index")
    if len(dims) != 1:
        raise ValueError(f"shards hold vectors of different dimensions {sorted(dims)}")
    return num_tokens, dims.pop()


def _sample_tokens(shards: Iterable[MultiVectorDocs], num_tokens: int, size: int, seed: int) -> np.ndarray:
    """A uniform sample (without replacement) of ``min(size, num_tokens)`` token vectors."""
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(num_tokens, size=min(size, num_tokens), replace=False))
    parts, base = [], 0
    for shard in shards:
        low, high = np.searchsorted(chosen, [base, base + len(shard.vectors)])
        parts.append(shard.vectors[chosen[low:high] - base])
        base += len(shard.vectors)
    return np.concatenate(parts)


def _invert(
    codes: np.ndarray, token_counts: np.ndarray, num_centroids: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (document, centroid) pairs as doc -> centroids and centroid -> docs CSR arrays."""
    num_docs = len(token_counts)
    token_docs = np.repeat(np.arange(num_docs, dtype=np.int64), token_counts)
    doc_major = np.unique(token_docs * num_centroids + codes)
    pair_docs, pair_codes = np.divmod(doc_major, num_centroids)
    doc_code_offsets = np.concatenate([[0], np.cumsum(np.bincount(pair_docs, minlength=num_docs))])
    centroid_major = np.sort(pair_codes * num_docs + pair_docs)
    ivf_offsets = np.concatenate([[0], np.cumsum(np.bincount(pair_codes, minlength=num_centroids))])
    return (
        doc_code_offsets.astype(np.int64),
        pair_codes.astype(np.int32),
        ivf_offsets.astype(np.int64),
        (centroid_major % num_docs).astype(np.int32),
    )
