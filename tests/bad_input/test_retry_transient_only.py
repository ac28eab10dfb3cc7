"""Tasks retry network failures (also wrapped by lir_core in a RuntimeError), never a read-only file
system, a forbidden file or a full disk."""

from __future__ import annotations

import errno

import ir_datasets
import pytest
from prefect.states import Failed

from lir_core.data.sources import iter_docs
from tasks.load_dataset import import_run, load_dataset
from tasks.retry import is_transient, retry_if_transient


def failed_state(error: Exception) -> Failed:
    """The state the Prefect engine hands to ``retry_condition_fn`` after a task raised ``error``."""
    return Failed(data=error, message=repr(error))


@pytest.mark.parametrize("code", [errno.EROFS, errno.EACCES, errno.ENOSPC])
def test_permanent_os_errors_are_not_retried(code: int) -> None:
    error = OSError(code, "cannot write", "/artifacts/data")
    assert not is_transient(error)
    assert not retry_if_transient(load_dataset, None, failed_state(error))


def test_permanent_os_error_wrapped_in_a_runtime_error_is_not_retried() -> None:
    try:
        raise RuntimeError("could not read") from OSError(errno.ENOSPC, "No space left on device")
    except RuntimeError as error:
        assert not is_transient(error)


@pytest.mark.parametrize("cause", [ConnectionError("connection reset"), TimeoutError("read timed out")])
def test_ir_datasets_network_errors_wrapped_by_lir_core_are_retried(
        cause: Exception, monkeypatch: pytest.MonkeyPatch) -> None:
    dataset = ir_datasets.load("beir/scifact")

    def offline():
        raise cause

    monkeypatch.setattr(dataset, "docs_iter", offline, raising=False)
    monkeypatch.setattr("lir_core.data.sources.load_irds", lambda dataset_id: dataset)
    with pytest.raises(RuntimeError, match=r"beir/scifact: could not read its documents") as caught:
        next(iter_docs("beir/scifact"))
    assert caught.value.__cause__ is cause
    assert retry_if_transient(load_dataset, None, failed_state(caught.value))
    assert retry_if_transient(import_run, None, failed_state(caught.value))


def test_code_errors_and_bare_runtime_errors_are_not_retried() -> None:
    assert not retry_if_transient(load_dataset, None, failed_state(ValueError("docs.tsv:3: duplicate doc id")))
    assert not retry_if_transient(load_dataset, None, failed_state(RuntimeError("CUDA error")))
    assert load_dataset.retry_condition_fn is retry_if_transient
