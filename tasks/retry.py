"""Retry only failures that can go away by themselves (network, timeouts), never code errors."""

from __future__ import annotations

from typing import Any

TRANSIENT = (ConnectionError, TimeoutError)
PERMANENT_OS = (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError)


def is_transient(error: BaseException | None) -> bool:
    """True for connection and timeout errors and OS errors other than missing or forbidden files."""
    if error is None:
        return False
    if isinstance(error, TRANSIENT):
        return True
    return isinstance(error, OSError) and not isinstance(error, PERMANENT_OS)


def retry_if_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect ``retry_condition_fn``: retry a failed run only when its error is transient."""
    try:
        state.result()
    except Exception as error:  # the failed state re-raises the task's exception
        return is_transient(error)
    return False
