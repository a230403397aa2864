"""Worker processes for the layout work of a build, which uses every core.

Workers are forked, so they start with the model and the imported modules of the
build and no start-up cost. An interrupt is the parent's to handle: Ctrl-C reaches
every process of the terminal's group, and a worker that raised ``KeyboardInterrupt``
would print a traceback. So workers ignore SIGINT, and when the parent stops with an
exception (an interrupt, a book error) the work not yet started is cancelled.

A parent killed outright (SIGKILL) cleans up nothing: its workers would go on laying
out a book nobody waits for, block on the pipe of a result nobody reads, and keep the
terminal's output open. So each worker asks Linux to kill it when its parent dies
(``prctl(PR_SET_PDEATHSIG)``), and leaves at once if the parent is already gone.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import ctypes
import multiprocessing
import os
import signal
from collections.abc import Iterator


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _start_worker(parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the worker outlives a killed parent, as it did
        pass
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


def cores() -> int:
    return os.cpu_count() or 1


@contextlib.contextmanager
def pool(workers: int) -> Iterator[concurrent.futures.Executor]:
    """A pool of ``workers`` forked worker processes."""
    executor = concurrent.futures.ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("fork"), initializer=_start_worker,
        initargs=(os.getpid(),))
    try:
        yield executor
    except BaseException:
        executor.shutdown(wait=True, cancel_futures=True)
        raise
    executor.shutdown(wait=True)
