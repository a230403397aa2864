"""Writing outputs so that a failed or interrupted build never leaves a broken file.

Each output is written to a temporary file in the same folder and renamed over the
old one only when complete; ``os.replace`` is atomic on POSIX, so a reader (or a
second build) sees either the previous good file or the new one, never half of one.
A write the file system refuses is a :class:`~paiban.errors.BookError` (exit status
1 and a message, no traceback), like a fault of the book.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from paiban.errors import BookError


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_parts(folder: Path) -> None:
    """Delete temporary files left by builds that were killed (SIGKILL cannot be caught).

    Temporary names carry the writer's pid, so files of a build still running in
    parallel are left alone.
    """
    for part in folder.glob(".*.part"):
        pid = part.name.rsplit(".", 3)[-3] if part.name.count(".") >= 3 else ""
        if pid.isdigit() and not _alive(int(pid)):
            part.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_output(target: Path) -> Iterator[Path]:
    """Yield a temporary path; on success it replaces ``target``, on any failure it is removed.

    The file system's refusals (a full disk, a read-only one, ``--out`` naming a file, no
    permission) are no fault of paiban: they are raised as a BookError naming the path
    and the reason, and the previous output stays as it was.
    """
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_parts(target.parent)
        # Ctrl-C or SIGTERM between creating the file and entering ``try`` would leave it
        # behind: hold them off until the cleanup below is armed.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        try:
            fd, name = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".part", dir=target.parent)
            os.close(fd)
        except BaseException:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
            raise
        tmp = Path(name)
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
            yield tmp
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
    except OSError as exc:
        raise _write_error(target, exc) from None


# What to do about the file system's usual refusals to write.
WRITE_HINTS = {
    errno.ENOSPC: "free space on that disk, or pass --out a folder on another one",
    errno.EDQUOT: "free space within your quota, or pass --out a folder elsewhere",
    errno.EROFS: "that file system is mounted read-only: pass --out a folder you can write to",
    errno.EACCES: "you may not write there: pass --out a folder you can write to",
    errno.EPERM: "you may not write there: pass --out a folder you can write to",
}


def _write_error(target: Path, exc: OSError) -> BookError:
    """The OSError met writing ``target`` as a report the user can act on."""
    for folder in (target.parent, *target.parent.parents):
        if os.path.lexists(folder):
            if not os.path.isdir(folder):
                return BookError(f"cannot write {target.name} into {folder}: it is a file, not a folder", None, None,
                                 "pass --out a folder, or a path where one can be made")
            break
    reason = (exc.strerror or str(exc)).lower()
    return BookError(f"cannot write {target}: {reason}", None, None,
                     WRITE_HINTS.get(exc.errno or 0, "check the output folder (--out), or pass another"))


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def interrupt_on_sigterm() -> None:
    """Turn SIGTERM into KeyboardInterrupt so ``atomic_output`` cleans up as for Ctrl-C."""
    signal.signal(signal.SIGTERM, _raise_interrupt)
