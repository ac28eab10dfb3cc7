"""sentence-transformers' side of the encoding comparison: ``encode`` in each CPU setting it has here.

Runs in the anchor's virtualenv (sentence-transformers, and its ONNX backend where optimum and
onnxruntime installed). Settings: fp32 (its default), bf16 autocast, and ONNX (fp32, exported
from the same folder). Each encodes the same documents once after a warm-up; the embeddings are
saved for the cosine comparison in ``run.py``.

Usage:
    bench/anchor/.venv/bin/python bench/anchor/st_side.py SETTINGS_FILE WORK_DIR
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sentence_transformers import SentenceTransformer


def encode(model: SentenceTransformer, docs: list[str], batch_size: int, bf16: bool) -> tuple[float, np.ndarray]:
    context = torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()
    with context:
        model.encode(docs[:batch_size], batch_size=batch_size)
        start = time.perf_counter()
        embeddings = model.encode(docs, batch_size=batch_size, convert_to_numpy=True)
    return time.perf_counter() - start, np.asarray(embeddings, dtype=np.float32)


def main() -> None:
    settings, work = json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2])
    work.mkdir(parents=True, exist_ok=True)
    docs = json.loads(Path(settings["encode"]["docs_file"]).read_text())
    batch_size = settings["encode"]["batch_size"]
    path = settings["dense"]["model"]
    results: dict[str, dict] = {}
    model = SentenceTransformer(path, device="cpu")
    model.max_seq_length = settings["dense"]["config"]["doc_length"]
    for name, bf16 in (("fp32", False), ("bf16_autocast", True)):
        seconds, embeddings = encode(model, docs, batch_size, bf16)
        np.save(work / f"{name}.npy", embeddings)
        results[name] = {"seconds": seconds, "docs_per_s": len(docs) / seconds}
    try:
        onnx = SentenceTransformer(path, device="cpu", backend="onnx")
    except Exception as error:  # noqa: BLE001 - any failure to export means: no ONNX reference here
        results["onnx"] = {"skipped": f"{type(error).__name__}: {error}"[:300]}
    else:
        onnx.max_seq_length = settings["dense"]["config"]["doc_length"]
        seconds, embeddings = encode(onnx, docs, batch_size, False)
        np.save(work / "onnx.npy", embeddings)
        results["onnx"] = {"seconds": seconds, "docs_per_s": len(docs) / seconds}
    (work / "timings.json").write_text(json.dumps({"torch_threads": torch.get_num_threads(), **results}, indent=2))


if __name__ == "__main__":
    main()
