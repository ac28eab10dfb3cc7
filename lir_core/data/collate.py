"""Collate samples into typed batches: DocSample -> IndexBatch, QuerySample -> SearchBatch,
RankSample -> RankBatch."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from .samples import DocSample, IndexBatch, QuerySample, RankBatch, RankSample, SearchBatch

Sample = DocSample | QuerySample | RankSample
Batch = IndexBatch | SearchBatch | RankBatch


def collate_docs(samples: Sequence[DocSample]) -> IndexBatch:
    """Collate documents into an IndexBatch."""
    return IndexBatch(doc_ids=[s.doc_id for s in samples], docs=[s.doc for s in samples])


def collate_queries(samples: Sequence[QuerySample]) -> SearchBatch:
    """Collate queries into a SearchBatch."""
    return SearchBatch(
        query_ids=[s.query_id for s in samples], queries=[s.query for s in samples], qrels=[s.qrels for s in samples]
    )


def collate_rank_samples(samples: Sequence[RankSample]) -> RankBatch:
    """Collate ranked samples into a RankBatch; targets are concatenated in document order.

    Raises:
        ValueError: If some samples have targets and others do not.
    """
    with_targets = [s.targets is not None for s in samples]
    if any(with_targets) and not all(with_targets):
        raise ValueError("cannot collate samples with and without targets into one batch")
    return RankBatch(
        query_ids=[s.query_id for s in samples],
        queries=[s.query for s in samples],
        doc_ids=[s.doc_ids for s in samples],
        docs=[s.docs for s in samples],
        targets=torch.cat([s.targets for s in samples if s.targets is not None]) if all(with_targets) else None,
        qrels=[s.qrels for s in samples],
    )


def collate(samples: Sequence[Sample]) -> Batch:
    """Collate samples of one type into the matching batch.

    Raises:
        ValueError: If the samples are empty, of mixed types or of an unknown type.
    """
    if not samples:
        raise ValueError("cannot collate an empty list of samples")
    kinds = {type(sample) for sample in samples}
    if len(kinds) > 1:
        raise ValueError(f"cannot collate mixed sample types {sorted(kind.__name__ for kind in kinds)}")
    first = samples[0]
    if isinstance(first, DocSample):
        return collate_docs(samples)  # type: ignore[arg-type]
    if isinstance(first, QuerySample):
        return collate_queries(samples)  # type: ignore[arg-type]
    if isinstance(first, RankSample):
        return collate_rank_samples(samples)  # type: ignore[arg-type]
    raise ValueError(f"cannot collate samples of type {type(first).__name__}")
