"""A toy retrieval collection on disk for training, validation, CLI and DDP tests.

Six queries, each with one relevant document among eight, written in the file formats the
data layer reads: TSV docs and queries, TREC qrels and run, JSONL training tuples.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

DOCS = {
    "d0": "Berlin is the capital of Germany.",
    "d1": "Paris is the capital of France.",
    "d2": "Vitamin D deficiency is associated with bone loss in older adults.",
    "d3": "Aspirin reduces the risk of heart attack, but increases bleeding.",
    "d4": "The protein binds to DNA and regulates gene expression in cells.",
    "d5": "Neural networks learn representations of text for retrieval.",
    "d6": "Mutations in the gene cause a rare disease in children!",
    "d7": "The quick brown fox jumps over the lazy dog, again and again.",
}
QUERIES = {
    "q0": ("What is the capital of Germany?", "d0"),
    "q1": ("capital of France", "d1"),
    "q2": ("vitamin D and bone loss", "d2"),
    "q3": ("aspirin heart attack risk", "d3"),
    "q4": ("protein gene expression", "d4"),
    "q5": ("neural retrieval of text", "d5"),
}


@dataclass(frozen=True)
class ToyCollection:
    """Paths of the toy collection's files."""

    docs: Path
    queries: Path
    qrels: Path
    run: Path
    tuples: Path

    @classmethod
    def at(cls, directory: Path) -> "ToyCollection":
        """The file paths of a toy collection in ``directory``."""
        return cls(*(directory / name for name in ("docs.tsv", "queries.tsv", "qrels.txt", "run.txt", "tuples.jsonl")))


def write_toy_collection(directory: Path, num_negatives: int = 3) -> ToyCollection:
    """Write the toy collection into ``directory``.

    The run ranks, for each query, its relevant document last among the first four
    documents that are not it, so a trained model has something to improve.
    """
    directory.mkdir(parents=True, exist_ok=True)
    paths = ToyCollection.at(directory)
    paths.docs.write_text("".join(f"{doc_id}\t{text}\n" for doc_id, text in DOCS.items()))
    paths.queries.write_text("".join(f"{qid}\t{text}\n" for qid, (text, _) in QUERIES.items()))
    paths.qrels.write_text("".join(f"{qid} 0 {positive} 1\n" for qid, (_, positive) in QUERIES.items()))
    run_lines, tuples = [], []
    for qid, (text, positive) in QUERIES.items():
        negatives = [doc_id for doc_id in DOCS if doc_id != positive][:num_negatives]
        for rank, doc_id in enumerate(negatives + [positive], start=1):
            run_lines.append(f"{qid} Q0 {doc_id} {rank} {10 - rank} toy\n")
        tuples.append({
            "query_id": qid, "query": text, "pos_doc_ids": [positive], "pos_docs": [DOCS[positive]],
            "neg_doc_ids": negatives, "neg_docs": [DOCS[doc_id] for doc_id in negatives],
        })
    paths.run.write_text("".join(run_lines))
    paths.tuples.write_text("".join(json.dumps(record) + "\n" for record in tuples))
    return paths
