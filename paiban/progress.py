"""Progress on long work: the phases of a build and the pages laid out or drawn.

On a terminal a transient rich progress bar shows the phase, the pages done and the
time (unless ``--quiet``); it leaves nothing behind in the scrollback. Anywhere else
(a CI log, a pipe) each phase is one plain ``INFO`` line when it ends, through the
``paiban`` logger: progress is information under the logging policy of
:mod:`paiban.log`, so it shows with ``--verbose`` and never with ``--quiet``.

Builders report pages with the ``advance`` callable a phase yields (the PDF
builder as each part of the book is laid out, :mod:`paiban.printbook`).
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Callable, Iterator
from typing import TextIO

from paiban.log import LOGGER

_state: dict[str, object] = {"live": False}


def configure(verbosity: int, stream: TextIO | None = None) -> None:
    """Choose the bar (a terminal, not quiet) or plain log lines, once per command."""
    stream = stream if stream is not None else sys.stderr
    _state["live"] = verbosity >= 0 and stream.isatty()


@contextlib.contextmanager
def phase(label: str, total: int | None = None, unit: str = "pages") -> Iterator[Callable[[int], None]]:
    """A phase of work; the yielded ``advance(n)`` counts ``n`` more units done."""
    done = 0
    start = time.monotonic()
    if _state["live"]:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, \
            TimeElapsedColumn

        columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                   MofNCompleteColumn() if total else TextColumn(f"{{task.completed}} {unit}"), TimeElapsedColumn()]
        with Progress(*columns, console=Console(stderr=True), transient=True) as bar, _log_through():
            task = bar.add_task(label, total=total)

            def advance(n: int = 1) -> None:
                nonlocal done
                done += n
                bar.update(task, advance=n)

            yield advance
    else:
        def advance(n: int = 1) -> None:
            nonlocal done
            done += n

        yield advance
    counted = f", {unit}: {done}" if done else ""
    LOGGER.info("%s: done in %.1f s%s", label, time.monotonic() - start, counted)


@contextlib.contextmanager
def _log_through() -> Iterator[None]:
    """Print log records above the bar instead of through it while the bar is shown.

    rich replaces ``sys.stderr`` with a proxy while the bar is live; the console
    handler of :func:`paiban.log.setup_console` still holds the real stream.
    """
    real = getattr(sys.stderr, "rich_proxied_file", None)
    swapped = []
    for name in ("paiban", "weasyprint"):
        for handler in logging.getLogger(name).handlers:
            if isinstance(handler, logging.StreamHandler) and real is not None and handler.stream is real:
                swapped.append((handler, handler.setStream(sys.stderr)))
    try:
        yield
    finally:
        for handler, old in swapped:
            handler.setStream(old)
