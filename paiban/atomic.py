"""Writing outputs so that a failed or interrupted build never leaves a broken file.

Each output is written to a temporary file in the same folder and renamed over the
old one only when complete; ``os.replace`` is atomic on POSIX, so a reader (or a
second build) sees either the previous good file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import FrameType


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
    """Yield a temporary path; on success it replaces ``target``, on any failure it is removed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(target.parent)
    # Ctrl-C or SIGTERM between creating the file and entering ``try`` would leave it
    # behind: hold them off until the cleanup below is armed.
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        yield tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def interrupt_on_sigterm() -> None:
    """Turn SIGTERM into KeyboardInterrupt so ``atomic_output`` cleans up as for Ctrl-C."""
    signal.signal(signal.SIGTERM, _raise_interrupt)
