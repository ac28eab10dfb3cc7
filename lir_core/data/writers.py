"""Atomic writes of folders (for files see :func:`lir_core.artifacts.atomic_path`).

Several writers (two pipelines, or parallel tasks) may publish the same folder at once. A
folder is written under a unique temporary name and moved into place with one ``rename``,
which succeeds only while the target is absent: a writer that finds a target in place asks
``keep_existing`` whether that folder already is what it wrote (a concurrent winner, or an
identical earlier artifact) and then keeps it and discards its own; otherwise it renames the
old folder aside under another unique name and tries again. No step deletes or merges into a
folder that another writer is moving, so no writer fails, and the target is only ever absent
or complete.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

logger = logging.getLogger(__name__)

# errno values of ``rename(folder, target)`` when ``target`` is in the way: a non-empty folder
# (ENOTEMPTY, or EEXIST on some systems and on Windows) or a file (ENOTDIR).
_TARGET_IN_THE_WAY = {errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR}
# A target that another writer keeps replacing could in theory win every round; each round
# some writer publishes, so this bound is never reached in practice.
PUBLISH_ATTEMPTS = 1000


def _temporary_name(target: Path, tag: str = "tmp") -> Path:
    """A unique hidden name beside ``target`` (created with the usual umask-based mode)."""
    return target.parent / f".{target.name}.{os.getpid()}.{uuid.uuid4().hex}.{tag}"


def publish_directory(
    folder: str | Path, target: str | Path, keep_existing: Callable[[Path, Path], bool] | None = None
) -> bool:
    """Move the finished ``folder`` onto ``target``, tolerating writers that publish it concurrently.

    Args:
        folder: A complete folder beside ``target`` (same file system).
        target: Where it goes; a previous folder or file there is replaced.
        keep_existing: ``keep_existing(target, folder)`` is asked when a target is in the way;
            True keeps that one and leaves ``folder`` to the caller (e.g. another writer
            published identical content first). Errors it raises count as False.

    Returns:
        True if ``folder`` is now ``target``; False if an existing target was kept.

    Raises:
        OSError: For errors other than a target in the way (permissions, a full disk, ...).
    """
    folder, target = Path(folder), Path(target)
    aside: list[Path] = []
    try:
        for _ in range(PUBLISH_ATTEMPTS):
            try:
                os.rename(folder, target)  # atomic; replaces only an absent target or an empty folder
                return True
            except OSError as error:
                if error.errno not in _TARGET_IN_THE_WAY:
                    raise
            if keep_existing is not None:
                try:
                    if keep_existing(target, folder):
                        logger.debug("%s: an identical folder is already in place; keeping it", target)
                        return False
                except OSError:  # it changed or vanished while being compared: not ours to keep
                    pass
            old = _temporary_name(target, "old")
            try:
                os.rename(target, old)
            except FileNotFoundError:  # another writer moved it first: try again
                continue
            aside.append(old)
        raise OSError(errno.EBUSY, f"{target}: could not publish after {PUBLISH_ATTEMPTS} attempts "
                                   "(other writers kept replacing it)")
    finally:
        for old in aside:  # after the rename, so the target is absent only between two renames
            if old.is_dir() and not old.is_symlink():
                shutil.rmtree(old, ignore_errors=True)
            else:
                old.unlink(missing_ok=True)


@contextmanager
def atomic_directory(
    target: str | Path, keep_existing: Callable[[Path, Path], bool] | None = None
) -> Iterator[Path]:
    """Yield a temporary folder beside ``target`` that replaces it when the block succeeds.

    The folder is published with :func:`publish_directory`: a previous ``target`` is renamed
    aside and removed after the new one is in place, and a concurrent writer of the same
    ``target`` never makes this one fail (with ``keep_existing``, the folder it published may
    be kept instead of this one). On error the temporary folder is removed and ``target`` is
    left as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = _temporary_name(target)
    temporary.mkdir()
    try:
        yield temporary
        publish_directory(temporary, target, keep_existing)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
