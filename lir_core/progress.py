"""Progress bars for long library calls (encoding, index building, search, re-ranking).

Whether a call shows a bar, as sentence-transformers' ``encode(show_progress_bar=...)``:

1. its ``show_progress_bar`` argument, when True or False;
2. else the innermost :func:`progress_bars` context (a call with a bar of its own runs the calls
   it makes inside ``progress_bars(False)``, so a search shows one bar, not one more for the
   encoding of its queries);
3. else the ``LIR_PROGRESS`` environment variable (``1`` / ``0``);
4. else whether stderr is a terminal: a script run in a terminal shows bars, one whose output
   goes to a file, a pipe or a test's capture shows none.

The workflow's tasks (``tasks/``) set ``LIR_PROGRESS=0`` unless it is set: they report progress
as Prefect artifacts and log lines, and bars from parallel workers would garble the log.

Bars are tqdm's, written to stderr; tqdm is imported only when a bar is shown. A bar shown
because stderr is a terminal appears only once its call has run for a second, so short calls
print nothing; one asked for (argument, context or environment) appears at once.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

ENV_VAR = "LIR_PROGRESS"
DEFAULT_DELAY_S = 1.0

_context: ContextVar[bool | None] = ContextVar("lir_core_progress_bars", default=None)
_ON, _OFF = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


class ProgressBar(Protocol):
    """What callers use of a bar (tqdm's names)."""

    def update(self, n: float = 1) -> Any: ...

    def close(self) -> None: ...

    def __enter__(self) -> ProgressBar: ...

    def __exit__(self, *exc: object) -> None: ...


class _NoBar:
    """A bar that shows nothing."""

    def update(self, n: float = 1) -> None:
        return None

    def close(self) -> None:
        return None

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except (AttributeError, ValueError):  # a replaced or closed stderr
        return False


def _decide(show_progress_bar: bool | None) -> tuple[bool, bool]:
    """Whether to show a bar, and whether that was asked for (not judged from the terminal)."""
    if show_progress_bar is not None:
        return bool(show_progress_bar), True
    context = _context.get()
    if context is not None:
        return context, True
    setting = os.environ.get(ENV_VAR, "").strip().lower()
    if setting in _ON:
        return True, True
    if setting in _OFF:
        return False, True
    return _stderr_is_terminal(), False


def progress_enabled(show_progress_bar: bool | None = None) -> bool:
    """Whether a call given ``show_progress_bar`` shows a bar (see the module docstring)."""
    return _decide(show_progress_bar)[0]


@contextmanager
def progress_bars(enabled: bool | None) -> Iterator[None]:
    """Within the block, calls whose ``show_progress_bar`` is None show bars when ``enabled``
    (None: as outside any block).

    Example:
        >>> with progress_bars(False):  # doctest: +SKIP
        ...     module.encode_docs(texts)  # no bar, even in a terminal
    """
    token = _context.set(enabled)
    try:
        yield
    finally:
        _context.reset(token)


def progress_bar(
    total: int | None = None, desc: str | None = None, unit: str = "it", show_progress_bar: bool | None = None
) -> ProgressBar:
    """A tqdm bar on stderr when :func:`progress_enabled`, else a bar that shows nothing.

    Args:
        total: The count at completion (None: a counter without percentage).
        desc: What is counted, e.g. ``"encoding docs"``.
        unit: The unit of the count, e.g. ``"doc"``.
        show_progress_bar: True or False to force the bar on or off; None decides as the
            module docstring says.

    Use as a context manager (closed on exit) or call ``close``.
    """
    show, asked = _decide(show_progress_bar)
    if not show:
        return _NoBar()
    from tqdm import tqdm

    delay = 0.0 if asked else DEFAULT_DELAY_S
    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, dynamic_ncols=True, delay=delay)
