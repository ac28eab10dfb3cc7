"""Retries only for errors that can go away by themselves."""

from __future__ import annotations

from types import SimpleNamespace

from tasks.retry import is_transient, retry_if_transient


def failed(error: Exception) -> SimpleNamespace:
    def result() -> None:
        raise error

    return SimpleNamespace(result=result)


def test_transient_errors() -> None:
    assert is_transient(ConnectionResetError())
    assert is_transient(TimeoutError())
    assert is_transient(OSError("disk busy"))
    assert not is_transient(FileNotFoundError("x"))
    assert not is_transient(PermissionError("x"))
    assert not is_transient(ValueError("bad params"))
    assert not is_transient(None)


def test_retry_condition_reads_the_failed_state() -> None:
    assert retry_if_transient(None, None, failed(ConnectionError("reset")))
    assert not retry_if_transient(None, None, failed(KeyError("model code bug")))
