"""ColBERTv2's residual compression: a token vector is stored as its nearest centroid's id plus
the residual ``vector - centroid`` quantized to ``n_bits`` per dimension.

The quantization buckets are shared by all dimensions: their cutoffs are quantiles of held-out
residual values and each bucket decodes to the quantile at its middle (as in ColBERTv2).
Bucket indices are packed ``8 / n_bits`` dimensions per byte; decoding maps every byte through
a 256-row lookup table, so decompression is one gather instead of bit arithmetic per value.
The table's rows are viewed as single opaque (void) items, which makes ``np.take`` copy whole
rows: several times faster than fancy indexing into a 2-D table.
"""

from __future__ import annotations

from dataclasses import dataclass

import faiss
import numpy as np

from lir_core.retrieve.plaid.config import VALID_N_BITS

UNIT_NORM_TOLERANCE = 1e-3


@dataclass
class ResidualCodec:
    """Centroids and residual buckets of a PLAID index.

    Attributes:
        centroids: ``[num_centroids, dim]`` float32.
        bucket_cutoffs: ``[2**n_bits - 1]`` residual values separating the buckets.
        bucket_weights: ``[2**n_bits]`` value each bucket decodes to.
        normalize: Decoded vectors are L2-normalised (the encoded vectors were unit-norm,
            as ColBERT's are).
    """

    centroids: np.ndarray
    bucket_cutoffs: np.ndarray
    bucket_weights: np.ndarray
    normalize: bool

    def __post_init__(self) -> None:
        self.centroids = np.ascontiguousarray(self.centroids, dtype=np.float32)
        self.bucket_weights = np.asarray(self.bucket_weights, dtype=np.float32)
        n_bits = int(np.log2(len(self.bucket_weights)))
        check_compressible(self.dim, n_bits)
        if len(self.bucket_cutoffs) != len(self.bucket_weights) - 1:
            raise ValueError("bucket_cutoffs must have one entry fewer than bucket_weights")
        self.n_bits = n_bits
        lookup = _byte_lookup(self.bucket_weights, n_bits)
        self._lookup_rows = lookup.view(np.dtype((np.void, lookup.shape[1] * lookup.itemsize)))[:, 0]

    @property
    def dim(self) -> int:
        """Width of the token vectors."""
        return int(self.centroids.shape[1])

    @property
    def num_centroids(self) -> int:
        """Number of centroids."""
        return int(self.centroids.shape[0])

    @property
    def bytes_per_vector(self) -> int:
        """Packed residual bytes per token."""
        return self.dim * self.n_bits // 8

    @classmethod
    def train(
        cls, sample: np.ndarray, num_centroids: int, n_bits: int, niter: int, seed: int, heldout_fraction: float = 0.05
    ) -> "ResidualCodec":
        """Cluster a sample of token vectors with faiss k-means and fit the residual buckets.

        Args:
            sample: ``[points, dim]`` float32 token vectors (a uniform sample of the collection).
            num_centroids: k-means clusters.
            n_bits: Bits per residual dimension (1, 2, 4 or 8).
            niter: k-means iterations.
            seed: k-means seed.
            heldout_fraction: Part of the sample kept out of k-means to fit the buckets on
                residuals of unseen vectors (as ColBERTv2 does).
        """
        check_compressible(sample.shape[1], n_bits)
        sample = np.ascontiguousarray(sample, dtype=np.float32)
        rng = np.random.default_rng(seed)
        permuted = sample[rng.permutation(len(sample))]
        num_heldout = max(1, int(len(sample) * heldout_fraction)) if len(sample) > num_centroids else 0
        train, heldout = permuted[num_heldout:], permuted[:num_heldout]
        if len(train) < num_centroids:
            raise ValueError(f"{len(train)} training vectors cannot form {num_centroids} centroids")
        unit = is_unit_norm(sample)
        kmeans = faiss.Kmeans(sample.shape[1], num_centroids, niter=niter, seed=seed, spherical=unit)
        kmeans.train(train)
        heldout = heldout if len(heldout) else train
        _, codes = kmeans.index.search(heldout, 1)
        residuals = (heldout - kmeans.centroids[codes[:, 0]]).ravel()
        levels = 2**n_bits
        quantiles = np.arange(levels) / levels
        cutoffs = np.quantile(residuals, quantiles[1:])
        weights = np.quantile(residuals, quantiles + 0.5 / levels)
        return cls(kmeans.centroids, cutoffs.astype(np.float32), weights.astype(np.float32), unit)

    def assign(self, vectors: np.ndarray) -> np.ndarray:
        """Nearest centroid (L2, the k-means objective) of each vector, as int32 codes."""
        index = faiss.IndexFlatL2(self.dim)
        index.add(self.centroids)
        _, codes = index.search(np.ascontiguousarray(vectors, dtype=np.float32), 1)
        return codes[:, 0].astype(np.int32)

    def compress(self, vectors: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """Packed residual buckets ``[n, bytes_per_vector]`` uint8 of vectors with their codes."""
        residuals = np.asarray(vectors, dtype=np.float32) - self.centroids[codes]
        buckets = np.searchsorted(self.bucket_cutoffs, residuals).astype(np.uint8)
        per_byte = 8 // self.n_bits
        shifts = (self.n_bits * np.arange(per_byte - 1, -1, -1)).astype(np.uint8)
        grouped = buckets.reshape(len(buckets), -1, per_byte) << shifts
        return np.bitwise_or.reduce(grouped, axis=2)

    def residuals(self, packed: np.ndarray) -> np.ndarray:
        """Decoded residuals ``[n, dim]`` float32 of packed residual buckets."""
        return np.take(self._lookup_rows, np.asarray(packed)).view(np.float32).reshape(len(packed), self.dim)

    def decompress(self, codes: np.ndarray, packed: np.ndarray) -> np.ndarray:
        """Approximate vectors ``[n, dim]`` float32 from codes and packed residuals."""
        vectors = self.residuals(packed)
        vectors += np.take(self.centroids, codes, axis=0)
        if self.normalize:
            vectors /= np.maximum(np.sqrt(np.einsum("ij,ij->i", vectors, vectors)), 1e-12)[:, None]
        return vectors

    def decompressed_norms(self, codes: np.ndarray, packed: np.ndarray) -> np.ndarray:
        """L2 norms ``[n]`` of ``centroid + residual`` before normalisation (1 when not normalising)."""
        if not self.normalize:
            return np.ones(len(codes), dtype=np.float32)
        vectors = self.residuals(packed)
        vectors += np.take(self.centroids, codes, axis=0)
        return np.maximum(np.sqrt(np.einsum("ij,ij->i", vectors, vectors)), 1e-12).astype(np.float32)


def check_compressible(dim: int, n_bits: int) -> None:
    """Raise ValueError unless ``dim`` vectors can be packed at ``n_bits`` per dimension."""
    if n_bits not in VALID_N_BITS:
        raise ValueError(f"n_bits must be one of {VALID_N_BITS}, got {n_bits}")
    if dim * n_bits % 8:
        raise ValueError(f"{dim}-d vectors at {n_bits} bits per dimension do not fill whole bytes")


def is_unit_norm(vectors: np.ndarray) -> bool:
    """True when every vector has L2 norm 1 (within ``UNIT_NORM_TOLERANCE``)."""
    norms = np.linalg.norm(vectors, axis=1)
    return bool(np.all(np.abs(norms - 1.0) <= UNIT_NORM_TOLERANCE))


def _byte_lookup(bucket_weights: np.ndarray, n_bits: int) -> np.ndarray:
    """``[256, 8 / n_bits]`` decoded residual values of every byte (first dimension in the high bits)."""
    per_byte = 8 // n_bits
    byte_values = np.arange(256)[:, None]
    shifts = n_bits * np.arange(per_byte - 1, -1, -1)[None, :]
    return bucket_weights[(byte_values >> shifts) & (2**n_bits - 1)].astype(np.float32)
