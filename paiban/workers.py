"""Worker processes for the layout work of a build, which uses every core.

Workers are forked, so they start with the model and the imported modules of the
build and no start-up cost. An interrupt is the parent's to handle: Ctrl-C reaches
every process of the terminal's group, and a worker that raised ``KeyboardInterrupt``
would print a traceback. So workers ignore SIGINT, and when the parent stops with an
exception (an interrupt, a book error) the work not yet started is cancelled.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import multiprocessing
import os
import signal
from collections.abc import Iterator


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def cores() -> int:
    return os.cpu_count() or 1


@contextlib.contextmanager
def pool(workers: int) -> Iterator[concurrent.futures.Executor]:
    """A pool of ``workers`` forked worker processes."""
    executor = concurrent.futures.ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("fork"), initializer=_ignore_interrupts)
    try:
        yield executor
    except BaseException:
        executor.shutdown(wait=True, cancel_futures=True)
        raise
    executor.shutdown(wait=True)
