"""ValidationRun: validating on a run without qrels is a clear error, not a NameError."""

import pytest
import torch

from lir_core.base.validation import ValidationRun
from lir_core.data.samples import RankBatch


def test_batch_without_qrels_names_the_query():
    batch = RankBatch(query_ids=["q1"], queries=["a query"], doc_ids=[("d1", "d2")], docs=[("x", "y")])
    with pytest.raises(ValueError, match="validation query 'q1' has no qrels"):
        ValidationRun().add(batch, torch.tensor([1.0, 0.5]))


def test_batch_with_qrels_is_recorded():
    batch = RankBatch(query_ids=["q1"], queries=["a query"], doc_ids=[("d1", "d2")], docs=[("x", "y")],
                      qrels=[{"d2": 1}])
    run = ValidationRun()
    run.add(batch, torch.tensor([1.0, 0.5]))
    assert run.run == {"q1": {"d1": 1.0, "d2": 0.5}} and run.qrels == {"q1": {"d2": 1}}
