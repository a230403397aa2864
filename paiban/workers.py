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

How many workers a build uses is the machine's cores unless :func:`configure` says
otherwise (``--jobs N``, or ``PAIBAN_JOBS``, which a benchmark or a batch sets for the
processes it starts). With a cluster configured (``--cluster ADDRESS``,
:mod:`paiban.cluster`), work that may run anywhere (the parts of the printed book:
they read the model and the book folder, write nothing and return their result) goes
to the cluster's workers through its ``concurrent.futures`` executor instead.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import ctypes
import multiprocessing
import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from paiban.errors import BookError


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
JOBS_VARIABLE = "PAIBAN_JOBS"


@dataclass(frozen=True)
class _Settings:
    jobs: int | None = None  # None: os.cpu_count()
    cluster: Any = None  # a paiban.cluster.Cluster, or None
    owner: int = 0  # the process that connected: a forked child cannot use its connection


_settings = _Settings()


def configure(jobs: int | None = None, cluster: Any = None) -> None:
    """Use ``jobs`` local workers (None: every core, or ``PAIBAN_JOBS``) and, if ``cluster``
    (:class:`paiban.cluster.Cluster`) is given, its admitted workers for what may run anywhere."""
    global _settings
    _settings = _Settings(jobs, cluster, os.getpid())


def _cluster() -> Any:
    return _settings.cluster if _settings.owner == os.getpid() else None


def _start_worker(parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the worker outlives a killed parent, as it did
        pass
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


def cores() -> int:
    """How many workers a build uses: the cluster's worker threads when one is configured,
    else ``--jobs`` or ``PAIBAN_JOBS``, else the machine's cores."""
    if (cluster := _cluster()) is not None:
        return max(cluster.threads(), 1)
    if _settings.jobs is not None:
        return _settings.jobs
    variable = os.environ.get(JOBS_VARIABLE, "")
    if not variable:
        return os.cpu_count() or 1
    if not variable.isdigit() or int(variable) < 1:
        raise BookError(f"{JOBS_VARIABLE}={variable!r} is not a number of workers", None, None,
                        "set it to a whole number above 0, or unset it")
    return int(variable)


@contextlib.contextmanager
def pool(workers: int, anywhere: bool = False) -> Iterator[concurrent.futures.Executor]:
    """A pool of ``workers`` forked worker processes; with ``anywhere`` (work that reads
    only its arguments and the book folder and writes nothing) the cluster's executor
    when a cluster is configured."""
    cluster = _cluster() if anywhere else None
    if cluster is not None:
        remote = cluster.executor()
        try:
            yield remote
        except BaseException as exc:
            remote.shutdown(wait=False)  # cancels what has not finished
            if (lost := cluster.lost(exc)) is not None:
                raise lost from None
            raise
        remote.shutdown(wait=True)
        return
    executor = concurrent.futures.ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("fork"), initializer=_start_worker,
        initargs=(os.getpid(),))
    try:
        yield executor
    except BaseException:
        executor.shutdown(wait=True, cancel_futures=True)
        raise
    executor.shutdown(wait=True)
