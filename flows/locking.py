"""One pipeline at a time per artifacts folder.

Two runs of the same params file meet easily: a scheduled deployment and a manual ``make run``,
or two ``dvc repro`` in two clones sharing ``artifacts:``. Every artifact is published
atomically and tolerates a concurrent writer (:func:`lir_core.data.writers.publish_directory`),
but two runs would still do the same work twice and could replace an artifact that the other
is reading. So a run holds an exclusive lock on each artifacts folder it writes (``artifacts:``
and ``shared:`` of the params file and of each variant):

* a second run **waits** for the first to finish, saying which folder it waits for and who
  holds it (pid, host, start time, command), then runs and reuses the first run's work from the
  cache, so both succeed;
* ``LIR_LOCK_TIMEOUT=<seconds>`` (or ``--lock-timeout`` on the command line) bounds the wait;
  ``0`` fails at once. A run that gives up fails (exit 1) with the same message.

The lock is the file ``<folder>/.lir-pipeline.lock``, locked with ``flock`` (POSIX) and holding
the holder's facts as JSON. The operating system releases it when the holder exits, also on
``kill -9``, so a crashed run never leaves a stale lock; the file itself is removed on release.
A process may take a lock it already holds (the pipeline flow inside ``python -m
flows.pipeline``). ``flock`` is only as good as the file system's support for it: local disks
are fine, NFS needs a server that implements it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # Windows: no flock; runs into one folder are not serialised there
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = ".lir-pipeline.lock"
TIMEOUT_ENV = "LIR_LOCK_TIMEOUT"
REPORT_EVERY_S = 60.0

logger = logging.getLogger(__name__)

_held: dict[Path, tuple[int, int]] = {}  # lock file -> (descriptor, how many times this process took it)
_held_guard = threading.Lock()


class ArtifactsLocked(RuntimeError):
    """Another run holds the lock of an artifacts folder and the wait timed out."""


def lock_timeout(value: float | None = None) -> float | None:
    """Seconds to wait for a lock: ``value``, else ``$LIR_LOCK_TIMEOUT``, else None (no limit).

    Raises:
        ValueError: If the environment variable is not a number >= 0.
    """
    if value is not None:
        return value
    raw = os.environ.get(TIMEOUT_ENV, "").strip()
    if not raw:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:
        raise ValueError(f"{TIMEOUT_ENV}={raw!r}: expected a number of seconds >= 0 (0 fails at once)")
    return seconds


def holder_of(folder: str | Path) -> dict[str, Any] | None:
    """What the lock file of ``folder`` says about its holder (None when there is no readable record)."""
    try:
        return json.loads((Path(folder) / LOCK_NAME).read_text() or "null")
    except (OSError, json.JSONDecodeError):
        return None


def describe_holder(holder: dict[str, Any] | None) -> str:
    """``pid 123 on host h, started 2025-01-01T02:00:00+00:00 (python -m flows.pipeline ...)``."""
    if not holder:
        return "a process that has not written its details yet"
    text = f"pid {holder.get('pid', '?')} on host {holder.get('host', '?')}, started {holder.get('started', '?')}"
    return text + (f" ({holder['command']})" if holder.get("command") else "")


def _try_lock(path: Path) -> int | None:
    """Open and lock ``path`` without blocking; the descriptor, or None when another process holds it.

    The file may be removed by a holder releasing it between our open and our lock: the lock is
    ours only if ``path`` still names the file we locked.
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise
    try:
        current = os.stat(path)
    except FileNotFoundError:
        current = None
    mine = os.fstat(fd)
    if current is None or (current.st_dev, current.st_ino) != (mine.st_dev, mine.st_ino):
        os.close(fd)  # released and removed meanwhile: lock the new file instead
        return _try_lock(path)
    return fd


def _record_holder(fd: int, what: str) -> None:
    record = {"pid": os.getpid(), "host": socket.gethostname(),
              "started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
              "command": " ".join([Path(sys.executable).name, *sys.argv]) if sys.argv and sys.argv[0] else "",
              "what": what}
    os.ftruncate(fd, 0)
    os.pwrite(fd, (json.dumps(record) + "\n").encode(), 0)


def _acquire(folder: Path, deadline: float | None, what: str, log: Callable[[str], Any]) -> None:
    path = folder / LOCK_NAME
    with _held_guard:
        if path in _held:
            fd, count = _held[path]
            _held[path] = (fd, count + 1)
            return
    folder.mkdir(parents=True, exist_ok=True)
    reported = None
    while True:
        fd = _try_lock(path)
        if fd is not None:
            _record_holder(fd, what)
            with _held_guard:
                _held[path] = (fd, 1)
            if reported is not None:
                log(f"{folder}: lock acquired after waiting {time.monotonic() - reported[0]:.0f} s")
            return
        holder = describe_holder(holder_of(folder))
        now = time.monotonic()
        if deadline is not None and now >= deadline:
            raise ArtifactsLocked(
                f"artifacts folder {folder} is in use by another pipeline run: {holder}. It is released when "
                f"that run ends (also if it crashes); wait for it, or set {TIMEOUT_ENV} to wait longer")
        if reported is None or now - reported[1] >= REPORT_EVERY_S:
            log(f"artifacts folder {folder} is in use by another pipeline run: {holder}; waiting for it to "
                f"finish ({TIMEOUT_ENV}=0 fails at once instead)")
            reported = (reported[0] if reported else now, now)
        time.sleep(0.2 if deadline is None else max(0.0, min(0.2, deadline - now)))


def _release(folder: Path) -> None:
    path = folder / LOCK_NAME
    with _held_guard:
        fd, count = _held[path]
        if count > 1:
            _held[path] = (fd, count - 1)
            return
        del _held[path]
    try:
        path.unlink(missing_ok=True)  # while still locked: a waiter that locked this file retries
    finally:
        os.close(fd)  # releases the flock


@contextlib.contextmanager
def artifacts_lock(folders: Iterable[str | Path], timeout: float | None = None, what: str = "",
                   log: Callable[[str], Any] | None = None) -> Iterator[None]:
    """Hold the pipeline lock of each folder (created if missing) for the block.

    Args:
        folders: Artifacts folders; taken in a fixed (sorted) order, so two runs never deadlock.
        timeout: Seconds to wait for each lock (see :func:`lock_timeout`); None waits without limit.
        what: What holds the lock (recorded for whoever waits), e.g. the flow and params file.
        log: Where the "waiting for ..." lines go (every minute while waiting).

    Raises:
        ArtifactsLocked: If a lock is still held by another process when the timeout expires,
            naming the folder and the holder (pid, host, start time, command).
    """
    timeout = lock_timeout(timeout)
    log = log or logger.warning
    if fcntl is None:
        log("no flock on this platform: concurrent runs into one artifacts folder are not serialised")
        yield
        return
    deadline = None if timeout is None else time.monotonic() + timeout
    taken: list[Path] = []
    try:
        for folder in sorted({Path(f).expanduser().resolve() for f in folders}):
            _acquire(folder, deadline, what, log)
            taken.append(folder)
        yield
    finally:
        for folder in reversed(taken):
            _release(folder)


def params_folders(params_file: str | Path, overrides: dict[str, Any] | None = None) -> list[Path]:
    """The artifacts folders a run of a params file writes: ``artifacts`` and ``shared`` of the
    file and of each of its variants."""
    from flows.params import load_params, variant_overrides

    folders = set()
    for variant in [overrides, *variant_overrides(params_file, overrides)]:
        p = load_params(params_file, variant)
        folders |= {p.root, p.shared_root}
    return sorted(folders)


@contextlib.contextmanager
def params_lock(params_file: str | Path, overrides: dict[str, Any] | None = None, timeout: float | None = None,
                what: str = "", log: Callable[[str], Any] | None = None) -> Iterator[None]:
    """:func:`artifacts_lock` on the folders of a params file (:func:`params_folders`)."""
    with artifacts_lock(params_folders(params_file, overrides), timeout, what or f"{params_file}", log):
        yield
