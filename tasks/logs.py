"""Loggers that work inside a Prefect run and when a task body is called directly (``.fn``).

Library code (``lir_core``) logs to plain ``logging`` loggers, e.g. why a shard is re-encoded
("stale", "corrupt") or an index built. Importing this module forwards those records, from
INFO up, to the Prefect API as logs of the task or flow run that emitted them, so a user
watching the run in the UI sees them; the terminal shows them through the root logger's
handlers, and records emitted outside a run are left to ``logging``.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prefect import get_run_logger
from prefect.context import get_run_context
from prefect.exceptions import MissingContextError
from prefect.logging.handlers import APILogHandler

# Loggers whose records are forwarded to the Prefect run log (see ``forward_to_run_log``).
LIBRARY_LOGGERS = ("lir_core",)


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


class RunLogForwarder(APILogHandler):
    """Send a library record to the Prefect API as a log of the run it was emitted in.

    Only the API gets it: the terminal already shows it through the root logger. Outside a run
    the record is ignored here (Prefect's own handler would warn about the missing run).
    """

    def emit(self, record: logging.LogRecord) -> None:
        try:
            get_run_context()
        except MissingContextError:
            return
        super().emit(record)


def forward_to_run_log(*names: str) -> None:
    """Send the records of the named loggers (INFO and up) to the Prefect run log; idempotent.

    A logger whose level was never set gets INFO, so that its INFO records (rebuild reasons)
    are emitted at all; a level configured by the user is kept.
    """
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(handler, RunLogForwarder) for handler in logger.handlers):
            logger.addHandler(RunLogForwarder(logging.INFO))
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.INFO)


forward_to_run_log(*LIBRARY_LOGGERS)
