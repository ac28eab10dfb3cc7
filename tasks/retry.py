"""Retry only failures that can go away by themselves (network, timeouts), never code errors.

``lir_core`` wraps a failed ``ir_datasets`` download in a ``RuntimeError`` raised from the
original error, so ``RuntimeError`` causes are followed to the error that decides.
"""

from __future__ import annotations

import errno
from typing import Any

TRANSIENT = (ConnectionError, TimeoutError)
PERMANENT_OS = (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError)
PERMANENT_ERRNOS = frozenset({errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EDQUOT})


def is_transient(error: BaseException | None) -> bool:
    """True for connection and timeout errors and for OS errors other than missing or forbidden
    files, a read-only file system or a full disk; a ``RuntimeError`` is judged by its cause."""
    while isinstance(error, RuntimeError):
        error = error.__cause__
    if isinstance(error, TRANSIENT):
        return True
    return isinstance(error, OSError) and not isinstance(error, PERMANENT_OS) and error.errno not in PERMANENT_ERRNOS


def retry_if_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect ``retry_condition_fn``: retry a failed run only when its error is transient."""
    try:
        state.result()
    except Exception as error:  # the failed state re-raises the task's exception
        return is_transient(error)
    return False
