"""Encoded collections as Parquet shards: plan, encode (resumably), verify and read back.

A shard folder holds ``shard-00000.parquet``, ``shard-00001.parquet``, ... each with a
sidecar ``shard-00000.json`` (:class:`ShardInfo`: rows, sha256, the digest of the documents
it encodes and the encoder that produced it), and a ``manifest.json`` listing all shards.
Shards and sidecars are written under temporary names and renamed into place, so a crash
never leaves a half-written file that counts. Per-shard sidecars let independent workers
(Dask, Ray, Prefect tasks) encode shards in parallel without racing on one manifest; the
manifest is written once, from the sidecars, when every shard is done.

Every writer cuts a collection the same way (:func:`plan_shards`: shard ``k`` holds documents
``[k * shard_size, (k + 1) * shard_size)``) and takes a shard as finished by the same test
(:func:`shard_is_valid`), so a shard folder started by one writer is resumed by any other:
:func:`encode_collection` and the workflow's ``encode_shard`` task encode planned ranges,
``IndexCallback`` streams a dataloader's batches through :class:`ShardStream`.

Schemas (one row per document):

- dense single-vector: ``doc_id: string, vector: fixed_size_list<float32>[dim]``
- multi-vector: ``doc_id: string, vectors: list<float32>`` (the scoring tokens' vectors,
  flattened ``tokens * dim``), ``num_tokens: int32``
- sparse: ``doc_id: string, term_ids: list<int32>, weights: list<float32>`` (pruned with
  the config's ``sparse_prune_top_k`` / ``sparse_prune_threshold``)
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import torch

from lir_core.artifacts import FileEntry, Manifest, atomic_path, config_hash, sha256_file, write_text_atomic
from lir_core.base.model import BACKBONE_PREFIX
from lir_core.bi_encoder.config import BiEncoderConfig
from lir_core.bi_encoder.model import BiEncoderEmbedding
from lir_core.bi_encoder.module import BiEncoderModule
from lir_core.data.samples import DocSample
from lir_core.models.splade import prune_sparse

logger = logging.getLogger(__name__)

EmbeddingKind = Literal["dense", "multi-vector", "sparse"]
SHARDS_KIND_SUFFIX = "-shards"

# Encoder facts compared when checking that a module matches shards or an index. The model
# path is recorded but not compared: the weights' checksum identifies the model, wherever
# it was loaded from.
_COMPARED_FIELDS = ("model_type", "config_hash", "weights_sha256", "embedding_kind", "dim", "similarity_function")
# ... and for shards, also the precision the documents were encoded at.
_PRODUCER_FIELDS = (*_COMPARED_FIELDS, "precision")


# --------------------------------------------------------------------------- planning
@dataclass(frozen=True)
class ShardSpec:
    """Documents ``[start, stop)`` of a collection, encoded into shard ``shard_id``."""

    shard_id: int
    start: int
    stop: int

    @property
    def file(self) -> str:
        """The shard's Parquet file name."""
        return shard_file_name(self.shard_id)


def shard_file_name(shard_id: int) -> str:
    """``shard-00042.parquet``."""
    return f"shard-{shard_id:05d}.parquet"


def sidecar_file_name(shard_id: int) -> str:
    """``shard-00042.json``."""
    return f"shard-{shard_id:05d}.json"


def plan_shards(num_docs: int, shard_size: int) -> list[ShardSpec]:
    """Split ``num_docs`` documents into consecutive shards of ``shard_size`` (the last may be smaller).

    The one shard plan of every writer: shard ``k`` holds documents ``[k * shard_size,
    (k + 1) * shard_size)`` (:class:`ShardStream` cuts a stream of batches at the same places).

    Raises:
        ValueError: If ``num_docs < 1`` or ``shard_size < 1``.
    """
    if num_docs < 1:
        raise ValueError(f"num_docs must be >= 1, got {num_docs}: nothing to encode")
    if shard_size < 1:
        raise ValueError(f"shard_size must be >= 1, got {shard_size}")
    return [
        ShardSpec(shard_id, start, min(start + shard_size, num_docs))
        for shard_id, start in enumerate(range(0, num_docs, shard_size))
    ]


# --------------------------------------------------------------------------- encoder identity
def embedding_kind(config: BiEncoderConfig) -> EmbeddingKind:
    """What a bi-encoder's documents are: one dense vector, token vectors, or a sparse vector.

    Raises:
        ValueError: For sparse models that keep token vectors (no shard format for them).
    """
    if config.is_sparse:
        if config.doc_pooling_strategy is None:
            raise ValueError("sparse models with token-level document vectors cannot be written to shards")
        return "sparse"
    return "multi-vector" if config.doc_pooling_strategy is None else "dense"


def document_state(module: BiEncoderModule) -> dict[str, torch.Tensor]:
    """The parameters and buffers that encode documents, named as in a shared-backbone model.

    A model with a separate document backbone (``config.doc_encoder`` "separate"/"frozen")
    encodes documents with it and the heads; a query-side fine-tuned model therefore has the
    same document state as the model it was fine-tuned from, and can search that model's index.
    """
    state = module.model.state_dict()
    doc_backbone = module.model.doc_backbone
    if doc_backbone is None:
        return state
    view = {name: tensor for name, tensor in state.items() if not name.startswith(module.model.backbone_prefixes())}
    view.update({BACKBONE_PREFIX + name: tensor for name, tensor in doc_backbone.state_dict().items()})
    return view


def weights_sha256(module: BiEncoderModule) -> str:
    """Checksum of what encodes documents (:func:`document_state`): names, shapes and bytes."""
    digest = hashlib.sha256()
    for name, tensor in sorted(document_state(module).items()):
        digest.update(f"{name}:{tuple(tensor.shape)}:{tensor.dtype}".encode())
        digest.update(tensor.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def encoder_fingerprint(module: BiEncoderModule) -> dict[str, Any]:
    """Facts that decide which vectors a module produces for documents.

    Returns:
        ``model`` (where it was loaded from, informative), ``model_type``, ``config_hash``,
        ``weights_sha256``, ``embedding_kind``, ``dim`` (vocabulary size for sparse models)
        and ``similarity_function``.
    """
    config = module.config
    return {
        "model": module.model.source_path,
        "model_type": config.model_type,
        # doc_encoder only says where the document weights live; weights_sha256 covers them
        "config_hash": config_hash({k: v for k, v in config.to_dict().items() if k != "doc_encoder"}),
        "weights_sha256": weights_sha256(module),
        "embedding_kind": embedding_kind(config),
        "dim": module.model.embedding_dim,
        "similarity_function": config.similarity_function,
    }


def shard_producer(module: BiEncoderModule) -> dict[str, Any]:
    """The producer recorded for shards: the encoder fingerprint plus the inference precision."""
    return {**encoder_fingerprint(module), "precision": module.inference_precision}


def same_producer(recorded: Mapping[str, Any], producer: Mapping[str, Any]) -> bool:
    """Whether two shard producers encode documents alike: every fact but the model's path
    (the same weights loaded from another path, e.g. relative in a ``lir index`` config and
    absolute in a params file, produce the same vectors)."""
    return all(recorded.get(name) == producer.get(name) for name in _PRODUCER_FIELDS)


def check_encoder(recorded: Mapping[str, Any], module: BiEncoderModule, artifact: str | Path) -> None:
    """Check that ``module`` encodes like the encoder recorded for an artifact (shards or index).

    Raises:
        ValueError: Naming the artifact and every differing fact (dimension, model type,
            config hash, weights), with both values.
    """
    current = encoder_fingerprint(module)
    differences = [
        f"{name}: artifact {recorded.get(name)!r} vs module {current[name]!r}"
        for name in _COMPARED_FIELDS
        if recorded.get(name) != current[name]
    ]
    if differences:
        raise ValueError(
            f"{artifact} was built by a different encoder ({recorded.get('model')!r}) than the module "
            f"({current['model']!r}): " + "; ".join(differences)
        )


def docs_digest(doc_ids: Iterable[str], docs: Iterable[str], digest: Any = None) -> Any:
    """Update (or start) a sha256 over document ids and texts; identifies what a shard encodes."""
    digest = digest or hashlib.sha256()
    for doc_id, text in zip(doc_ids, docs):
        digest.update(doc_id.encode())
        digest.update(b"\0")
        digest.update(text.encode())
        digest.update(b"\0")
    return digest


# --------------------------------------------------------------------------- writing
@dataclass(frozen=True)
class ShardInfo:
    """A finished shard, as recorded in its sidecar.

    Attributes:
        shard_id: Position of the shard in the collection.
        file: Parquet file name, relative to the shard folder.
        rows: Number of documents.
        sha256: Checksum of the Parquet file.
        input_sha256: Digest of the documents' ids and texts (see :func:`docs_digest`).
        producer: :func:`shard_producer` of the encoding module.
    """

    shard_id: int
    file: str
    rows: int
    sha256: str
    input_sha256: str
    producer: dict[str, Any]

    @classmethod
    def read(cls, directory: str | Path, shard_id: int) -> "ShardInfo | None":
        """The sidecar of a shard, or None if it is missing or unreadable."""
        path = Path(directory) / sidecar_file_name(shard_id)
        try:
            return cls(**json.loads(path.read_text()))
        except FileNotFoundError:
            return None
        except (json.JSONDecodeError, TypeError) as error:
            logger.warning("%s: unreadable sidecar (%s); the shard will be re-encoded", path, error)
            return None


def embedding_table(
    doc_ids: Sequence[str], embedding: BiEncoderEmbedding, kind: EmbeddingKind, config: BiEncoderConfig
) -> pa.Table:
    """Turn a batch of document embeddings into shard rows (see the module docstring for schemas)."""
    vectors = embedding.embeddings.detach().float().cpu()
    ids = pa.array(list(doc_ids), pa.string())
    if kind == "dense":
        dense = vectors[:, 0].numpy()
        column = pa.FixedSizeListArray.from_arrays(pa.array(dense.reshape(-1), pa.float32()), dense.shape[1])
        return pa.table({"doc_id": ids, "vector": column})
    if kind == "multi-vector":
        mask = embedding.scoring_mask.detach().cpu().bool()
        num_tokens = mask.sum(dim=1).numpy().astype(np.int32)
        kept = vectors[mask].numpy().reshape(-1)
        offsets = np.concatenate([[0], np.cumsum(num_tokens.astype(np.int64) * vectors.shape[2])]).astype(np.int32)
        return pa.table({
            "doc_id": ids,
            "vectors": pa.ListArray.from_arrays(pa.array(offsets), pa.array(kept, pa.float32())),
            "num_tokens": pa.array(num_tokens, pa.int32()),
        })
    pruned = prune_sparse(vectors, config.sparse_prune_top_k, config.sparse_prune_threshold)
    lengths = np.array([len(vector.term_ids) for vector in pruned], dtype=np.int64)
    offsets = pa.array(np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32))
    term_ids = np.concatenate([vector.term_ids.numpy() for vector in pruned]).astype(np.int32)
    weights = np.concatenate([vector.weights.numpy() for vector in pruned]).astype(np.float32)
    return pa.table({
        "doc_id": ids,
        "term_ids": pa.ListArray.from_arrays(offsets, pa.array(term_ids, pa.int32())),
        "weights": pa.ListArray.from_arrays(offsets, pa.array(weights, pa.float32())),
    })


def write_shard(
    out_dir: str | Path, shard_id: int, table: pa.Table, input_sha256: str, producer: Mapping[str, Any]
) -> ShardInfo:
    """Write a shard's Parquet file, then its sidecar, each atomically.

    The sidecar is written last: a shard without a sidecar is never taken as finished.
    """
    out_dir = Path(out_dir)
    name = shard_file_name(shard_id)
    with atomic_path(out_dir / name) as tmp:
        pq.write_table(table, tmp)
    info = ShardInfo(shard_id, name, table.num_rows, sha256_file(out_dir / name), input_sha256, dict(producer))
    write_text_atomic(out_dir / sidecar_file_name(shard_id), json.dumps(dataclasses.asdict(info), indent=2) + "\n")
    return info


def shard_is_intact(out_dir: str | Path, shard_id: int) -> bool:
    """True if the shard is finished (it has a sidecar) and its file matches the recorded checksum."""
    info = ShardInfo.read(out_dir, shard_id)
    path = Path(out_dir) / shard_file_name(shard_id)
    return info is not None and path.is_file() and sha256_file(path) == info.sha256


def shard_is_valid(out_dir: str | Path, shard_id: int, producer: Mapping[str, Any], input_sha256: str) -> bool:
    """True if the shard is finished, intact, encodes these documents and came from this producer
    (:func:`same_producer`); the test by which every writer resumes."""
    info = ShardInfo.read(out_dir, shard_id)
    path = Path(out_dir) / shard_file_name(shard_id)
    if info is None or not path.is_file():
        return False
    reasons = []
    if not same_producer(info.producer, producer):
        reasons.append("a different encoder or precision produced it")
    if info.input_sha256 != input_sha256:
        reasons.append("it encodes other documents")
    if not reasons and sha256_file(path) != info.sha256:
        reasons.append("its checksum does not match (corrupt)")
    if reasons:
        logger.info("%s is stale: %s; re-encoding", path, ", ".join(reasons))
    return not reasons


def encode_shard(
    module: BiEncoderModule, docs: Sequence[DocSample], out_dir: str | Path, shard_id: int, batch_size: int = 32
) -> ShardInfo:
    """Encode documents with ``module`` (length-sorted batches) into one shard and its sidecar.

    Rows keep the order of ``docs``.

    Raises:
        ValueError: If ``docs`` is empty.
    """
    if len(docs) == 0:
        raise ValueError(f"shard {shard_id}: no documents to encode")
    kind = embedding_kind(module.config)
    texts = [doc.doc for doc in docs]
    parts, positions = [], []
    for indices, embedding in module.iter_encode(texts, "doc", batch_size):
        parts.append(embedding_table([docs[i].doc_id for i in indices], embedding, kind, module.config))
        positions.extend(indices)
    table = pa.concat_tables(parts).take(pa.array(np.argsort(positions)))
    digest = docs_digest((doc.doc_id for doc in docs), texts).hexdigest()
    return write_shard(out_dir, shard_id, table, digest, shard_producer(module))


def write_shard_manifest(out_dir: str | Path, shard_ids: Sequence[int]) -> Manifest:
    """Write ``manifest.json`` listing the given shards from their sidecars.

    Raises:
        FileNotFoundError: If a shard's sidecar is missing.
        ValueError: If the shards were produced by different encoders.
    """
    out_dir = Path(out_dir)
    infos = []
    for shard_id in shard_ids:
        info = ShardInfo.read(out_dir, shard_id)
        if info is None:
            raise FileNotFoundError(f"{out_dir / sidecar_file_name(shard_id)}: shard {shard_id} is not finished")
        infos.append(info)
    producers = {json.dumps([info.producer.get(name) for name in _PRODUCER_FIELDS]) for info in infos}
    if len(producers) != 1:
        raise ValueError(f"{out_dir}: shards were produced by {len(producers)} different encoders")
    producer = infos[0].producer
    manifest = Manifest(
        kind=producer["embedding_kind"] + SHARDS_KIND_SUFFIX,
        producer=producer,
        files={
            info.file: FileEntry(info.rows, info.sha256, {"shard_id": info.shard_id, "input_sha256": info.input_sha256})
            for info in infos
        },
    )
    manifest.save(out_dir)
    return manifest


def ensure_shard(
    module: BiEncoderModule, docs: Sequence[DocSample], out_dir: str | Path, shard_id: int, batch_size: int = 32
) -> ShardInfo:
    """Encode a shard unless a valid one is already there: the unit of work of parallel workers.

    A shard is (re-)encoded when its sidecar is missing, its checksum does not match, it
    encodes other documents, or another encoder (weights, config, precision) produced it.
    """
    digest = docs_digest((d.doc_id for d in docs), (d.doc for d in docs)).hexdigest()
    if shard_is_valid(out_dir, shard_id, shard_producer(module), digest):
        logger.info("%s is up to date", Path(out_dir) / shard_file_name(shard_id))
        return ShardInfo.read(out_dir, shard_id)  # type: ignore[return-value]
    return encode_shard(module, docs, out_dir, shard_id, batch_size)


def encode_collection(
    module: BiEncoderModule,
    docs: Sequence[DocSample],
    out_dir: str | Path,
    shard_size: int = 1000,
    batch_size: int = 32,
) -> "ShardSet":
    """Encode a collection into shards, skipping shards that are already finished and valid
    (see :func:`ensure_shard`), then write ``manifest.json``."""
    specs = plan_shards(len(docs), shard_size)
    for spec in specs:
        ensure_shard(module, [docs[i] for i in range(spec.start, spec.stop)], out_dir, spec.shard_id, batch_size)
    write_shard_manifest(out_dir, [spec.shard_id for spec in specs])
    return ShardSet.load(out_dir, verify=False)


BatchT = TypeVar("BatchT")


@dataclass
class _ShardBuffer:
    """Encoded rows of a shard being filled, in collection order."""

    shard_id: int
    rows: int = 0
    tables: list[pa.Table] = field(default_factory=list)
    digest: Any = field(default_factory=hashlib.sha256)


class ShardStream(Generic[BatchT]):
    """Writes a stream of encoded batches, in collection order, as the shards of :func:`plan_shards`.

    For writers that see a collection as batches of unknown number (a dataloader in
    Lightning's test loop): the shards, sidecars and resume test are those of
    :func:`encode_collection` and the workflow's ``encode_shard`` task, so a folder started
    by one of them is resumed by the others and the other way round. A batch that spans a
    shard boundary is split between the two shards.

    To resume, pass the batches through :meth:`pending` before encoding them: it holds them
    until every shard they touch is complete, drops those whose shards are all finished
    (:func:`shard_is_valid`) and yields the others whole, so they encode exactly as in a
    fresh run; :meth:`add` then keeps only the rows of unfinished shards. Without
    :meth:`pending` every shard is written.

    Args:
        out_dir: The shard folder.
        shard_size: Documents per shard (the last may hold fewer).
        producer: :func:`shard_producer` of the encoding module.
        texts: ``texts(batch) -> (doc_ids, docs)`` of a batch.
    """

    def __init__(
        self,
        out_dir: str | Path,
        shard_size: int,
        producer: Mapping[str, Any],
        texts: Callable[[BatchT], tuple[Sequence[str], Sequence[str]]],
    ) -> None:
        if shard_size < 1:
            raise ValueError(f"shard_size must be >= 1, got {shard_size}")
        self.out_dir = Path(out_dir)
        self.shard_size = shard_size
        self.producer = dict(producer)
        self.texts = texts
        self.num_docs = 0  # documents seen so far
        self._resuming = False
        self._positions: deque[int] = deque()  # first document of each batch yielded by pending()
        self._finished: set[int] = set()  # shards found finished by pending()
        self._buffers: dict[int, _ShardBuffer] = {}

    def _pieces(self, start: int, count: int) -> Iterator[tuple[int, int, int]]:
        """``(shard_id, first, stop)`` of the rows ``[first, stop)`` of a batch of ``count``
        documents starting at document ``start`` that belong to each shard."""
        position = start
        while position < start + count:
            shard_id = position // self.shard_size
            stop = min((shard_id + 1) * self.shard_size, start + count)
            yield shard_id, position - start, stop - start
            position = stop

    def pending(self, batches: Iterable[BatchT]) -> Iterator[BatchT]:
        """Yield the batches that hold documents of shards still to encode (see the class)."""
        self._resuming, self._positions, self._finished, self.num_docs = True, deque(), set(), 0
        held: deque[tuple[int, int, BatchT]] = deque()  # (first document, last shard, batch)
        digest, decided = hashlib.sha256(), 0  # shards [0, decided) are complete
        for batch in batches:
            doc_ids, docs = self.texts(batch)
            if len(doc_ids) == 0:
                continue
            start = self.num_docs
            for shard_id, first, stop in self._pieces(start, len(doc_ids)):
                docs_digest(doc_ids[first:stop], docs[first:stop], digest)
                if start + stop == (shard_id + 1) * self.shard_size:
                    self._decide(shard_id, digest.hexdigest())
                    digest, decided = hashlib.sha256(), shard_id + 1
            self.num_docs += len(doc_ids)
            held.append((start, (self.num_docs - 1) // self.shard_size, batch))
            yield from self._release(held, decided)
        if self.num_docs % self.shard_size:
            self._decide(self.num_docs // self.shard_size, digest.hexdigest())
        yield from self._release(held, self.num_shards)

    def _decide(self, shard_id: int, input_sha256: str) -> None:
        if shard_is_valid(self.out_dir, shard_id, self.producer, input_sha256):
            logger.info("%s is finished; its documents are not encoded again", self.out_dir / shard_file_name(shard_id))
            self._finished.add(shard_id)

    def _release(self, held: deque[tuple[int, int, BatchT]], decided: int) -> Iterator[BatchT]:
        while held and held[0][1] < decided:
            start, last, batch = held.popleft()
            if all(shard_id in self._finished for shard_id in range(start // self.shard_size, last + 1)):
                continue
            self._positions.append(start)
            yield batch

    def add(self, batch: BatchT, table: pa.Table) -> None:
        """Add the encoded rows of the next batch (:func:`embedding_table`); write shards as they fill.

        Raises:
            ValueError: If the table's rows do not match the batch's documents.
        """
        doc_ids, docs = self.texts(batch)
        if table.num_rows != len(doc_ids):
            raise ValueError(f"{table.num_rows} encoded rows for a batch of {len(doc_ids)} documents")
        if self._resuming:
            start = self._positions.popleft()
        else:
            start, self.num_docs = self.num_docs, self.num_docs + len(doc_ids)
        for shard_id, first, stop in self._pieces(start, len(doc_ids)):
            if shard_id in self._finished:
                continue
            buffer = self._buffers.setdefault(shard_id, _ShardBuffer(shard_id))
            buffer.tables.append(table.slice(first, stop - first))
            docs_digest(doc_ids[first:stop], docs[first:stop], buffer.digest)
            buffer.rows += stop - first
            if buffer.rows == self.shard_size:
                self._write(self._buffers.pop(shard_id))

    def _write(self, buffer: _ShardBuffer) -> None:
        table = pa.concat_tables(buffer.tables)
        info = write_shard(self.out_dir, buffer.shard_id, table, buffer.digest.hexdigest(), self.producer)
        logger.info("wrote %s (%d documents)", self.out_dir / info.file, info.rows)

    @property
    def num_shards(self) -> int:
        """Shards of the documents seen so far."""
        return -(-self.num_docs // self.shard_size)

    def finish(self) -> Manifest:
        """Write the last (partial) shard and the folder's ``manifest.json``.

        Raises:
            ValueError: If no documents were seen.
        """
        for shard_id in sorted(self._buffers):
            self._write(self._buffers.pop(shard_id))
        if self.num_docs == 0:
            raise ValueError("no documents to write to shards")
        return write_shard_manifest(self.out_dir, range(self.num_shards))


# --------------------------------------------------------------------------- reading
@dataclass
class DenseShard:
    """One shard of single-vector embeddings: ``vectors[i]`` belongs to ``doc_ids[i]``."""

    doc_ids: list[str]
    vectors: np.ndarray  # [docs, dim] float32


@dataclass
class MultiVectorShard:
    """One shard of token vectors: document ``i`` owns the next ``num_tokens[i]`` rows of ``vectors``."""

    doc_ids: list[str]
    vectors: np.ndarray  # [tokens, dim] float32
    num_tokens: np.ndarray  # [docs] int32


@dataclass
class SparseShard:
    """One shard of sparse vectors in CSR layout: document ``i`` owns ``offsets[i]:offsets[i+1]``."""

    doc_ids: list[str]
    term_ids: np.ndarray  # [nnz] int32
    weights: np.ndarray  # [nnz] float32
    offsets: np.ndarray  # [docs + 1] int64


ShardRecords = DenseShard | MultiVectorShard | SparseShard


@dataclass
class ShardSet:
    """A finished shard folder, read through its manifest.

    Attributes:
        directory: The shard folder.
        kind: "dense", "multi-vector" or "sparse".
        producer: The encoder that produced the shards (see :func:`shard_producer`).
        files: Shard file names in collection order, with their manifest entries.
    """

    directory: Path
    kind: EmbeddingKind
    producer: dict[str, Any]
    files: dict[str, FileEntry]

    @classmethod
    def load(cls, directory: str | Path, verify: bool = True) -> "ShardSet":
        """Open a shard folder.

        Args:
            directory: Folder written by :func:`encode_collection` or ``IndexCallback``.
            verify: Check every shard's sha256 against the manifest.

        Raises:
            FileNotFoundError: If the manifest or a listed shard is missing (naming the file).
            ValueError: If the manifest is not a shard manifest or a shard is corrupt (naming the file).
        """
        directory = Path(directory)
        manifest = Manifest.load(directory)
        if manifest is None:
            raise FileNotFoundError(f"{directory}: no manifest.json; encode the collection first (encode_collection)")
        if not manifest.kind.endswith(SHARDS_KIND_SUFFIX):
            raise ValueError(f"{directory}: manifest kind {manifest.kind!r} is not a shard folder")
        files = dict(sorted(manifest.files.items(), key=lambda item: item[1].extra["shard_id"]))
        for name in files:
            if not (directory / name).is_file():
                raise FileNotFoundError(f"{directory / name}: shard listed in manifest.json is missing; re-encode it")
        if verify:
            for name, entry in files.items():
                if sha256_file(directory / name) != entry.sha256:
                    raise ValueError(f"{directory / name}: checksum mismatch (corrupt shard); re-encode it")
        kind = manifest.kind.removesuffix(SHARDS_KIND_SUFFIX)
        return cls(directory, kind, manifest.producer, files)  # type: ignore[arg-type]

    @property
    def num_docs(self) -> int:
        """Documents over all shards."""
        return sum(entry.rows for entry in self.files.values())

    @property
    def dim(self) -> int:
        """Vector width (vocabulary size for sparse shards)."""
        return int(self.producer["dim"])

    def iter_batches(self) -> Iterator[ShardRecords]:
        """Read the shards one at a time, in collection order."""
        for name in self.files:
            yield self._read(self.directory / name)

    def _read(self, path: Path) -> ShardRecords:
        table = pq.read_table(path, memory_map=True)
        doc_ids = table.column("doc_id").to_pylist()
        if self.kind == "dense":
            values = _flat_values(table, "vector")
            return DenseShard(doc_ids, values.reshape(len(doc_ids), self.dim))
        if self.kind == "multi-vector":
            values = _flat_values(table, "vectors")
            num_tokens = table.column("num_tokens").to_numpy().astype(np.int32)
            return MultiVectorShard(doc_ids, values.reshape(-1, self.dim), num_tokens)
        lengths = table.column("term_ids").combine_chunks().value_lengths().to_numpy(zero_copy_only=False)
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        return SparseShard(doc_ids, _flat_values(table, "term_ids"), _flat_values(table, "weights"), offsets)


def _flat_values(table: pa.Table, column: str) -> np.ndarray:
    """The concatenated list elements of a list column (respecting slices and chunks)."""
    return table.column(column).combine_chunks().flatten().to_numpy(zero_copy_only=False)
