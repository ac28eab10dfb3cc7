"""SPLADE on a tiny random masked-LM backbone."""

from pathlib import Path

import pytest
import torch
from transformers import AutoModelForMaskedLM, AutoTokenizer

from lir_core import BiEncoderModule, SpladeConfig, SpladeModel
from lir_core.bi_encoder.model import VOCABULARY_SLICE, max_over_tokens
from lir_core.models import prune_sparse

DOCS = ["Berlin is the capital of Germany.", "dna binds to proteins"]


@pytest.mark.parametrize("kind", ["bert", "distilbert", "electra"])
def test_splade_vectors_equal_reference_computation(tiny_backbone, kind: str) -> None:
    """Inference takes the max over tokens before relu/log1p, by vocabulary slices; the values
    equal the full ``[batch, tokens, vocab]`` computation, for each masked-LM head layout."""
    path = tiny_backbone(kind, masked_lm=True)
    module = BiEncoderModule(str(path), config=SpladeConfig())
    assert isinstance(module.model, SpladeModel)
    vectors = module.encode_docs(DOCS).embeddings[:, 0]
    tokenizer = AutoTokenizer.from_pretrained(str(path))
    mlm = AutoModelForMaskedLM.from_pretrained(str(path)).eval()
    encoding = tokenizer(DOCS, padding=True, return_tensors="pt", return_token_type_ids=False)
    with torch.no_grad():
        logits = mlm(**encoding).logits
    weights = torch.log1p(torch.relu(logits)) * encoding["attention_mask"][..., None]
    expected = weights.max(dim=1).values
    assert vectors.shape == (2, len(tokenizer))
    assert (vectors >= 0).all()
    torch.testing.assert_close(vectors, expected, atol=1e-5, rtol=1e-5)
    scores = module.score("capital of germany", DOCS).scores
    query = module.encode_queries(["capital of germany"]).embeddings[0, 0]
    torch.testing.assert_close(scores, vectors @ query, atol=1e-4, rtol=1e-5)


def test_splade_training_path_equals_the_inference_path(tiny_backbone) -> None:
    """With gradients (training) the full logits are pooled; without, the sliced maximum: same
    vectors, and in bf16 within bf16's rounding of the fp32 ones."""
    module = BiEncoderModule(str(tiny_backbone("bert", masked_lm=True)), config=SpladeConfig())
    module.eval()
    encoding = module.tokenizer.tokenize_docs(DOCS * 40)
    with torch.enable_grad():
        full = module.model.encode(encoding, "doc").embeddings.detach()
    with torch.inference_mode():
        sliced = module.model.encode(encoding, "doc").embeddings
        with torch.autocast("cpu", dtype=torch.bfloat16):
            bf16 = module.model.encode(encoding, "doc").embeddings
    torch.testing.assert_close(sliced, full, atol=1e-5, rtol=1e-5)
    assert bf16.dtype == torch.float32
    torch.testing.assert_close(bf16, full, atol=0.05, rtol=0.02)


def test_max_over_tokens_is_the_same_per_document_and_per_batch() -> None:
    """The CPU's per-document slices and the GPU's whole-batch slices (padding masked) agree with
    the full product, including across a slice boundary."""
    generator = torch.Generator().manual_seed(0)
    states = torch.randn(3, 7, 16, generator=generator)
    weight = torch.randn(VOCABULARY_SLICE + 37, 16, generator=generator)
    mask = torch.tensor([[True] * 7, [True] * 3 + [False] * 4, [True] + [False] * 6])
    expected = (states @ weight.T).masked_fill(~mask[..., None], float("-inf")).amax(dim=1)
    torch.testing.assert_close(max_over_tokens(states, mask, weight, per_document=True), expected)
    torch.testing.assert_close(max_over_tokens(states, mask, weight, per_document=False), expected)


def test_prune_sparse_top_k_and_threshold() -> None:
    vectors = torch.tensor([[0.0, 0.5, 2.0, 0.1], [0.0, 0.0, 0.0, 0.0]])
    pruned = prune_sparse(vectors, top_k=2)
    assert pruned[0].term_ids.tolist() == [2, 1]
    assert pruned[0].weights.tolist() == [2.0, 0.5]
    assert pruned[1].term_ids.numel() == 0
    assert prune_sparse(vectors, threshold=0.2)[0].term_ids.tolist() == [2, 1]


def test_splade_round_trip(tiny_backbone, tmp_path: Path) -> None:
    module = BiEncoderModule(str(tiny_backbone("bert", masked_lm=True)), config=SpladeConfig(doc_length=64))
    before = module.score("capital", DOCS).scores
    module.save_pretrained(tmp_path)
    reloaded = BiEncoderModule(str(tmp_path))
    assert reloaded.config == module.config
    torch.testing.assert_close(reloaded.score("capital", DOCS).scores, before)


def test_splade_config_rejects_dense_projection() -> None:
    with pytest.raises(ValueError, match="projection='mlm'"):
        SpladeConfig(projection="linear", embedding_dim=8)
