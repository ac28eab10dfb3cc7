"""Loggers that work inside a Prefect run and when a task body is called directly (``.fn``)."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prefect import get_run_logger
from prefect.exceptions import MissingContextError


def run_logger() -> logging.Logger | logging.LoggerAdapter[Any]:
    """The Prefect run logger (shown in the UI), or a plain logger outside a run."""
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("tasks")


@contextmanager
def warnings_to_run_log() -> Iterator[None]:
    """Log the warnings raised inside the block to :func:`run_logger` (the Prefect UI shows them),
    also when the block fails."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        finally:
            logger = run_logger()
            for warning in caught:
                logger.warning("%s", warning.message)
