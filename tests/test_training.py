"""Training and validation logic of the modules, on tiny random models and a toy collection."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import lightning as L
import pytest
import torch
from training_toy import ToyCollection, write_toy_collection

from lir_core import BiEncoderModule, ColConfig, CrossEncoderModule, DprConfig, MonoConfig, SpladeConfig
from lir_core.base.training import (
    TrainingOutput,
    compute_losses,
    first_positive_targets,
    in_batch_mask,
    pad_per_query,
    positive_columns,
)
from lir_core.data import LightningIRDataModule, RankBatch, RunDataset, TupleDataset
from lir_core.evaluate import evaluate_run
from lir_core.loss import (
    FLOPSRegularization,
    InBatchCrossEntropy,
    LocalizedContrastiveEstimation,
    RankNet,
)
from lir_core.schedulers import LinearWarmupScheduler
from lir_core.trainer import LightningIRTrainer

Backbone = Callable[..., Path]
SEED = 5


@pytest.fixture(autouse=True)
def seeded() -> None:
    """Every test starts from the same random state: head initialisation and batch order are reproducible."""
    L.seed_everything(SEED, workers=True, verbose=False)


@pytest.fixture(scope="module")
def toy(tmp_path_factory: pytest.TempPathFactory) -> ToyCollection:
    return write_toy_collection(tmp_path_factory.mktemp("toy"))


class LossRecorder(L.Callback):
    """Collects the loss of every training step."""

    def __init__(self) -> None:
        self.losses: list[float] = []

    def on_train_batch_end(self, trainer: L.Trainer, pl_module: Any, outputs: Any, batch: Any, batch_idx: int) -> None:
        self.losses.append(float(outputs["loss"]))


def trainer(max_steps: int, **kwargs: Any) -> LightningIRTrainer:
    defaults: dict[str, Any] = dict(
        accelerator="cpu", logger=False, enable_checkpointing=False, enable_progress_bar=False,
        enable_model_summary=False, num_sanity_val_steps=0, limit_val_batches=0,
    )
    return LightningIRTrainer(max_steps=max_steps, **{**defaults, **kwargs})


def run_dataset(toy: ToyCollection, run: Path | None = None) -> RunDataset:
    return RunDataset(str(run or toy.run), docs=str(toy.docs), queries=str(toy.queries), qrels=str(toy.qrels))


def fit_losses(module: Any, toy: ToyCollection, steps: int, **trainer_kwargs: Any) -> list[float]:
    """The loss of each of ``steps`` training steps. Every batch holds all six toy tuples, so
    successive losses differ by what the model learned, not by which tuples a batch drew."""
    module.set_optimizer(torch.optim.AdamW, lr=3e-3)
    data = LightningIRDataModule(train_dataset=TupleDataset(str(toy.tuples)), train_batch_size=6)
    recorder = LossRecorder()
    trainer(steps, callbacks=[recorder], **trainer_kwargs).fit(module, data)
    assert len(recorder.losses) == steps
    return recorder.losses


def mean(values: list[float]) -> float:
    return sum(values) / len(values)


# ------------------------------------------------------------------ helpers
def test_pad_per_query_pads_ragged_lists_with_a_mask() -> None:
    padded, mask = pad_per_query(torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), [3, 1, 2], fill=-1.0)
    assert padded.tolist() == [[1.0, 2.0, 3.0], [4.0, -1.0, -1.0], [5.0, 6.0, -1.0]]
    assert mask.tolist() == [[True, True, True], [True, False, False], [True, True, False]]
    with pytest.raises(ValueError, match="expected 6 values"):
        pad_per_query(torch.zeros(5), [3, 1, 2])


def test_first_positive_targets_and_positive_columns() -> None:
    assert positive_columns([3, 1, 2]).tolist() == [0, 3, 4]
    assert first_positive_targets([3, 1, 2]).tolist() == [1.0, 0.0, 0.0, 1.0, 1.0, 0.0]


def test_in_batch_mask_hides_other_copies_of_a_querys_positive() -> None:
    # q0's positive d1 is also a negative of q1; q1's positive d2 appears once.
    mask = in_batch_mask([("d1", "d3"), ("d2", "d1")])
    assert mask.tolist() == [[True, True, True, False], [True, True, True, True]]


def test_compute_losses_defaults_to_first_document_positive_and_masks_padding() -> None:
    batch = RankBatch(["q0", "q1"], ["a", "b"], [("d0", "d1", "d2"), ("d3", "d4")], [("x", "y", "z"), ("u", "v")])
    scores = torch.tensor([2.0, 0.0, 1.0, 3.0, 1.0])
    losses = compute_losses([LocalizedContrastiveEstimation()], TrainingOutput(scores), batch, step=0)
    expected = -(torch.log_softmax(torch.tensor([2.0, 0.0, 1.0]), 0)[0]
                 + torch.log_softmax(torch.tensor([3.0, 1.0]), 0)[0]) / 2
    assert torch.allclose(losses["LocalizedContrastiveEstimation"], expected)


def test_compute_losses_uses_batch_targets_and_names_repeated_losses() -> None:
    batch = RankBatch(["q0"], ["a"], [("d0", "d1")], [("x", "y")], targets=torch.tensor([0.0, 1.0]))
    output = TrainingOutput(torch.tensor([2.0, 0.0]))
    losses = compute_losses([RankNet(), RankNet()], output, batch, step=0)
    assert list(losses) == ["RankNet", "RankNet_1"]
    # The second document is the relevant one, scored lower: softplus(2 - 0).
    assert torch.allclose(losses["RankNet"], torch.nn.functional.softplus(torch.tensor(2.0)))


def test_regularizer_warmup_follows_the_global_step() -> None:
    batch = RankBatch(["q0"], ["a"], [("d0",)], [("x",)])
    embeddings = [torch.tensor([[1.0, 0.0, 2.0]]), torch.tensor([[0.0, 3.0, 0.0]])]
    output = TrainingOutput(torch.tensor([1.0]), regularized_embeddings=embeddings)
    flops = FLOPSRegularization(weight=0.5, warmup_steps=10)
    assert compute_losses([flops], output, batch, step=0)["FLOPSRegularization"] == 0.0
    at_5 = compute_losses([flops], output, batch, step=5)["FLOPSRegularization"]
    full = compute_losses([flops], output, batch, step=10)["FLOPSRegularization"]
    assert torch.isclose(full, torch.tensor(0.5 * (1 + 4) + 0.5 * 9))
    assert torch.isclose(at_5, full / 4)


def test_in_batch_loss_needs_in_batch_scores() -> None:
    batch = RankBatch(["q0"], ["a"], [("d0", "d1")], [("x", "y")])
    with pytest.raises(ValueError, match="in-batch scores"):
        compute_losses([InBatchCrossEntropy()], TrainingOutput(torch.zeros(2)), batch, step=0)


# ------------------------------------------------------------------ modules
@pytest.mark.parametrize("config", [DprConfig(query_pooling_strategy="mean", doc_pooling_strategy="mean"),
                                    ColConfig(embedding_dim=8)], ids=["dpr", "col"])
def test_all_pairs_scores_agree_with_per_query_scores(tiny_backbone: Backbone, config: Any) -> None:
    module = BiEncoderModule(str(tiny_backbone("bert")), config=config)
    batch = RankBatch(["q0", "q1"], ["capital of France", "vitamin D"], [("d0", "d1"), ("d2",)],
                      [("Paris is the capital of France.", "Berlin"), ("Vitamin D deficiency",)])
    module.loss_functions = [InBatchCrossEntropy()]
    with torch.no_grad():
        output = module.training_output(batch)
    assert output.in_batch_scores is not None and output.in_batch_scores.shape == (2, 3)
    own = torch.stack([output.in_batch_scores[0, 0], output.in_batch_scores[0, 1], output.in_batch_scores[1, 2]])
    assert torch.allclose(own, output.scores, atol=1e-5)


def test_cross_encoder_rejects_losses_it_cannot_compute(tiny_backbone: Backbone) -> None:
    with pytest.raises(TypeError, match="InBatchCrossEntropy"):
        CrossEncoderModule(str(tiny_backbone("bert")), config=MonoConfig(), loss_functions=[InBatchCrossEntropy()])


def test_regularizer_needs_pooled_embeddings(tiny_backbone: Backbone) -> None:
    module = BiEncoderModule(str(tiny_backbone("bert")), config=ColConfig(embedding_dim=8),
                             loss_functions=[FLOPSRegularization(0.1)])
    batch = RankBatch(["q0"], ["a"], [("d0",)], [("x",)])
    with pytest.raises(ValueError, match="pooled"):
        module.training_output(batch)


def test_fitting_without_an_optimizer_is_a_clear_error(tiny_backbone: Backbone) -> None:
    module = BiEncoderModule(str(tiny_backbone("bert")), config=DprConfig())
    with pytest.raises(ValueError, match="set_optimizer"):
        module.configure_optimizers()


def test_bi_encoder_loss_decreases_on_a_tiny_overfit_set(tiny_backbone: Backbone, toy: ToyCollection) -> None:
    module = BiEncoderModule(str(tiny_backbone("bert")),
                             config=DprConfig(query_pooling_strategy="mean", doc_pooling_strategy="mean"),
                             loss_functions=[LocalizedContrastiveEstimation(), InBatchCrossEntropy()])
    losses = fit_losses(module, toy, steps=24)
    assert mean(losses[-4:]) < 0.5 * mean(losses[:4])
    assert module.training  # fit switched the loaded (eval-mode) model to train mode


def test_cross_encoder_loss_decreases_on_a_tiny_overfit_set(tiny_backbone: Backbone, toy: ToyCollection) -> None:
    module = CrossEncoderModule(str(tiny_backbone("bert")), config=MonoConfig(scoring_strategy="rank"))
    losses = fit_losses(module, toy, steps=24)
    assert mean(losses[-4:]) < 0.5 * mean(losses[:4])


def test_splade_trains_with_a_warmed_up_flops_regularizer(tiny_backbone: Backbone, toy: ToyCollection) -> None:
    module = BiEncoderModule(str(tiny_backbone("bert", masked_lm=True)), config=SpladeConfig(),
                             loss_functions=[LocalizedContrastiveEstimation(),
                                             FLOPSRegularization(weight=1e-3, warmup_steps=4)])
    losses = fit_losses(module, toy, steps=6)
    assert all(torch.isfinite(torch.tensor(losses)))


def test_bf16_mixed_precision_training_runs_on_cpu(tiny_backbone: Backbone, toy: ToyCollection) -> None:
    module = BiEncoderModule(str(tiny_backbone("bert")), config=DprConfig(),
                             loss_functions=[LocalizedContrastiveEstimation(), InBatchCrossEntropy()])
    losses = fit_losses(module, toy, steps=4, precision="bf16-mixed")
    assert all(torch.isfinite(torch.tensor(losses)))
    assert next(module.parameters()).dtype == torch.float32  # master weights stay fp32


def test_set_optimizer_schedule_is_stepped_every_optimizer_step(tiny_backbone: Backbone, toy: ToyCollection) -> None:
    module = BiEncoderModule(str(tiny_backbone("bert")), config=DprConfig())
    module.set_optimizer(torch.optim.AdamW, lr=1e-3,
                         lr_scheduler=lambda optimizer: LinearWarmupScheduler(optimizer, 2, 6, final_value=0.5))
    data = LightningIRDataModule(train_dataset=TupleDataset(str(toy.tuples)), train_batch_size=3)
    fit = trainer(4)
    fit.fit(module, data)
    # 4 steps = 2 epochs of 2 batches; per-epoch stepping would give the warmup's second value.
    assert fit.optimizers[0].param_groups[0]["lr"] == pytest.approx(1e-3 * (1 - 0.5 * 2 / 4))


# ------------------------------------------------------------------ validation
def expected_metrics(module: Any, toy: ToyCollection, metrics: list[str]) -> dict[str, float]:
    dataset = run_dataset(toy)
    run, qrels = {}, {}
    for sample in (dataset[i] for i in range(len(dataset))):
        scores = module.score(sample.query, list(sample.docs)).scores.tolist()
        run[sample.query_id] = dict(zip(sample.doc_ids, scores))
        qrels[sample.query_id] = sample.qrels
    return evaluate_run(run, qrels, metrics).aggregated


@pytest.mark.parametrize("module_class,config", [(BiEncoderModule, DprConfig()), (CrossEncoderModule, MonoConfig())],
                         ids=["bi", "cross"])
def test_validation_logs_metrics_computed_over_the_whole_run(
    tiny_backbone: Backbone, toy: ToyCollection, module_class: Any, config: Any
) -> None:
    module = module_class(str(tiny_backbone("bert")), config=config, evaluation_metrics=["nDCG@10", "RR@10"])
    data = LightningIRDataModule(module=module, inference_datasets=[run_dataset(toy)], inference_batch_size=4)
    results = trainer(1, limit_val_batches=None).validate(module, data, verbose=False)
    logged = results[0]
    assert set(logged) == {"val/nDCG@10", "val/RR@10"}
    expected = expected_metrics(module, toy, ["nDCG@10", "RR@10"])
    assert logged["val/nDCG@10"] == pytest.approx(expected["nDCG@10"], abs=1e-5)
    assert logged["val/RR@10"] == pytest.approx(expected["RR@10"], abs=1e-5)


def test_validation_names_metrics_by_dataset_when_there_are_several(
    tiny_backbone: Backbone, toy: ToyCollection, tmp_path: Path
) -> None:
    other_run = tmp_path / "other.run"
    other_run.write_text(toy.run.read_text())
    module = BiEncoderModule(str(tiny_backbone("bert")), config=DprConfig(), evaluation_metrics=["nDCG@10"])
    data = LightningIRDataModule(module=module, inference_datasets=[run_dataset(toy), run_dataset(toy, other_run)])
    fit = trainer(1, limit_val_batches=None)
    fit.validate(module, data, verbose=False)
    assert {f"val/{toy.run}/nDCG@10", f"val/{other_run}/nDCG@10"} <= set(fit.callback_metrics)


def test_validation_during_fit_feeds_the_monitored_metric(tiny_backbone: Backbone, toy: ToyCollection) -> None:
    module = BiEncoderModule(str(tiny_backbone("bert")),
                             config=DprConfig(query_pooling_strategy="mean", doc_pooling_strategy="mean"),
                             evaluation_metrics=["nDCG@10"])
    module.set_optimizer(torch.optim.AdamW, lr=3e-3)
    data = LightningIRDataModule(module=module, train_dataset=TupleDataset(str(toy.tuples)), train_batch_size=3,
                                 inference_datasets=[run_dataset(toy)])
    fit = trainer(20, limit_val_batches=None, check_val_every_n_epoch=5)
    fit.fit(module, data)
    # The toy run ranks every positive last (nDCG@10 = 0.43); training on the tuples fixes that.
    assert float(fit.callback_metrics["val/nDCG@10"]) > 0.9
