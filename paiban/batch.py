"""Many books in one run (``paiban batch BOOKS… --out DIR``): a publisher's backlist.

Each book is built in a process of its own, as many at once as there are cores
(``--jobs N``), so one book's failure never stops the others: a book with errors, a
crash in paiban or the layout engine, even a build process killed by the system (out
of memory) is that book's outcome, and the rest go on. Book X's outputs go to
``DIR/X/`` (X the book folder's name), as ``build --out DIR/X`` would write them, cache
and all, so a second batch copies unchanged books from the cache.

With ``--cluster ADDRESS`` each book is one task on the cluster's workers
(:mod:`paiban.cluster`), which builds it in a subprocess (a Dask worker's process may
not start a process pool of its own, and a crash must not take the worker down).

The summary (``--summary FILE.json``) has, per book: its folder, its outcome (built or
failed), the outputs written, its findings (``check``'s diagnostics as ``check
--format json`` gives them, then the build's own), the error that stopped it
(``file:line: message``) and the time it took in seconds.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from paiban import workers
from paiban.atomic import atomic_output
from paiban.check import check_book, silenced
from paiban.errors import BookError
from paiban.log import LOGGER

BOOK_FILE = "book.yaml"


@dataclass(frozen=True)
class Job:
    """What to build of every book: the same choices as ``build``."""

    what: str = "all"
    embed_fonts: bool = False
    press: bool = False


@dataclass(frozen=True)
class Outcome:
    """One book's line of the summary."""

    folder: str
    outcome: str  # "built" or "failed"
    outputs: tuple[str, ...]
    findings: tuple[dict[str, Any], ...]
    error: str | None
    seconds: float


def find_books(paths: list[Path]) -> list[Path]:
    """The book folders named: a folder holding book.yaml is a book, any other folder
    stands for its subfolders that hold one. Two books of the same folder name would
    write to the same output folder, so that is an error."""
    books: list[Path] = []
    for path in paths:
        if (path / BOOK_FILE).is_file():
            books.append(path)
        elif path.is_dir():
            inside = sorted(p for p in path.iterdir() if (p / BOOK_FILE).is_file())
            if not inside:
                raise BookError(f"no book folder in {path} (none of its folders holds {BOOK_FILE})", str(path), None,
                                "name book folders, or a folder of book folders")
            books.extend(inside)
        else:
            raise BookError(f"{path} is not a folder", str(path), None,
                            "name book folders, or a folder of book folders")
    seen: dict[str, Path] = {}
    for book in books:
        if book.name in seen:
            raise BookError(f"two books named {book.name}: {seen[book.name]} and {book}", str(book), None,
                            "rename one: each book's outputs go to --out/<folder name>/")
        seen[book.name] = book
    return books


def build_book(root: Path, out: Path, job: Job) -> Outcome:
    """Check and build one book into ``out`` as ``build`` does (:func:`paiban.cli.run_build`),
    and say how it went instead of printing it."""
    from paiban import compose

    start = time.monotonic()
    findings: list[dict[str, Any]] = []
    collected = _Diagnostics()
    LOGGER.addHandler(collected)
    try:
        book, found = check_book(root)
        findings = [asdict(f) for f in found]
        errors = [f for f in found if f.severity == "error"]
        if errors or book is None:
            return _outcome(root, [], findings, "\n".join(f.plain() for f in errors), start)
        made = compose.build(book, out, job.what, compose.Options(embed_fonts=job.embed_fonts, press=job.press))
        quiet = silenced(book)
        findings += [asdict(d) for d in collected.diagnostics if not quiet(d)]
        return _outcome(root, [str(p) for p in made], findings, None, start)
    except BookError as exc:
        findings += [asdict(d) for d in collected.diagnostics]
        return _outcome(root, [], findings, str(exc), start)
    finally:
        LOGGER.removeHandler(collected)


def _outcome(root: Path, outputs: list[str], findings: list[dict[str, Any]], error: str | None,
             start: float) -> Outcome:
    return Outcome(str(root), "failed" if error else "built", tuple(outputs), tuple(findings), error,
                   round(time.monotonic() - start, 3))


class _Diagnostics(logging.Handler):
    """The build's own diagnostics (:func:`paiban.log.warn`), for the book's findings."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.diagnostics: list[Any] = []

    def emit(self, record: logging.LogRecord) -> None:
        if (diagnostic := getattr(record, "diagnostic", None)) is not None:
            self.diagnostics.append(diagnostic)


Builder = Callable[[Path, Path, Job], Outcome]


def run(books: list[Path], out: Path, job: Job, jobs: int, cluster: Any = None,
        builder: Builder = build_book) -> Iterator[Outcome]:
    """Build ``books`` into ``out/<folder name>/``, yielding each outcome as it is known:
    ``jobs`` at once in local processes, or one task per book on ``cluster``."""
    if cluster is not None:
        yield from _on_cluster(books, out, job, cluster)
    else:
        yield from _local(books, out, job, jobs, builder)


def _local(books: list[Path], out: Path, job: Job, jobs: int, builder: Builder) -> Iterator[Outcome]:
    """A forked process per book, at most ``jobs`` at once; when there are fewer books than
    jobs, each book lays its parts out with the cores left over."""
    at_once = max(1, min(jobs, len(books)))
    per_book = max(1, jobs // at_once)
    context = multiprocessing.get_context("fork")
    waiting = list(books)
    running: dict[Any, tuple[Path, Any, float]] = {}  # process sentinel: (book, process, start)
    results: dict[Path, Outcome] = {}
    pipes: dict[Any, Path] = {}
    try:
        while waiting or running:
            while waiting and len(running) < at_once:
                root = waiting.pop(0)
                receive, send = context.Pipe(duplex=False)
                process = context.Process(target=_in_process, args=(builder, root, out / root.name, job, per_book,
                                                                     send, os.getpid()), name=f"paiban {root.name}")
                process.start()
                send.close()
                running[process.sentinel] = (root, process, time.monotonic())
                pipes[receive] = root
            for ready in multiprocessing.connection.wait([*running, *pipes]):
                if ready in pipes:
                    root = pipes.pop(ready)
                    try:
                        results[root] = ready.recv()
                    except EOFError:  # the process died before it could say how the build went
                        pass
                    ready.close()
                elif ready in running:
                    root, process, start = running[ready]
                    if any(pending == root for pending in pipes.values()):
                        continue  # its result is still in the pipe: read it first
                    del running[ready]
                    process.join()
                    yield results.pop(root, None) or _died(root, process.exitcode, start)
    finally:
        for _, process, _ in running.values():
            process.terminate()  # SIGTERM: the build leaves the previous outputs (paiban.atomic)
        for _, process, _ in running.values():
            process.join()


def _in_process(builder: Builder, root: Path, out: Path, job: Job, cores: int,
                send: Any, parent: int) -> None:
    """A book's process: its log goes to the outcome, not to the terminal, which prints a
    line per book; the parent handles Ctrl-C (it stops the batch's processes)."""
    workers._start_worker(parent)
    workers.configure(jobs=cores)
    _quiet()
    start = time.monotonic()
    try:
        outcome = builder(root, out, job)
    except KeyboardInterrupt:
        os._exit(130)
    except Exception:  # a bug in paiban or the layout engine: this book's outcome, not the batch's end
        outcome = _outcome(root, [], [], "crashed: " + traceback.format_exc(limit=-3).strip(), start)
    send.send(outcome)
    send.close()


def _quiet() -> None:
    """A book's log goes to its outcome (:class:`_Diagnostics`), not to the terminal."""
    for name in ("paiban", "weasyprint"):
        logger = logging.getLogger(name)
        logger.handlers[:], logger.propagate = [logging.NullHandler()], False
        logger.setLevel(logging.WARNING)


def _died(root: Path, exitcode: int | None, start: float) -> Outcome:
    how = (f"killed by signal {signal.Signals(-exitcode).name}" if exitcode is not None and exitcode < 0
           else f"exit status {exitcode}")
    return _outcome(root, [], [], f"the build process died ({how}) before it finished", start)


def _on_cluster(books: list[Path], out: Path, job: Job, cluster: Any) -> Iterator[Outcome]:
    """One task per book on the cluster's admitted workers; a task that failed (its worker
    lost more than Dask retries) is the book's outcome."""
    start = time.monotonic()
    epoch = os.environ.get("SOURCE_DATE_EPOCH")  # the dates in the outputs are this machine's choice
    futures = {cluster.submit(build_in_subprocess, str(root.resolve()), str((out / root.name).resolve()),
                              asdict(job), epoch): root for root in books}
    try:
        for future in cluster.finished(list(futures)):
            try:
                yield future.result()
            except Exception as exc:  # the task itself failed: its workers died, or were lost
                yield _outcome(futures[future], [], [], f"the cluster could not build it: {type(exc).__name__}: {exc}",
                               start)
    finally:
        cluster.client.cancel(list(futures))


def build_in_subprocess(root: str, out: str, job: dict[str, Any], epoch: str | None) -> Outcome:
    """On a cluster's worker: :func:`build_book` in a ``python -m paiban.batch`` subprocess,
    laying its parts out on one core (the worker is one of many), with the client's
    ``SOURCE_DATE_EPOCH`` (``epoch``), which dates the EPUB and is part of every cache key."""
    start = time.monotonic()
    env = {**os.environ, workers.JOBS_VARIABLE: "1"}
    env.pop("SOURCE_DATE_EPOCH", None)
    if epoch is not None:
        env["SOURCE_DATE_EPOCH"] = epoch
    done = subprocess.run([sys.executable, "-m", "paiban.batch", root, out, json.dumps(job)], env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if done.returncode == 0:
        data = json.loads(done.stdout)
        return Outcome(**{**data, "outputs": tuple(data["outputs"]), "findings": tuple(data["findings"])})
    if done.returncode < 0:
        return _died(Path(root), done.returncode, start)
    return _outcome(Path(root), [], [], f"crashed: {done.stderr.strip()[-2000:]}", start)


def write_summary(path: Path, outcomes: list[Outcome], seconds: float, jobs: int, cluster: str | None) -> None:
    failed = sum(o.outcome == "failed" for o in outcomes)
    data = {"built": len(outcomes) - failed, "failed": failed,
            "seconds": round(seconds, 3), "jobs": jobs, "cluster": cluster, "books": [asdict(o) for o in outcomes]}
    with atomic_output(path) as tmp:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", "utf-8")


def _main(argv: list[str]) -> int:
    """``python -m paiban.batch ROOT OUT JOB``: one book, its outcome as JSON on stdout."""
    root, out, job = Path(argv[0]), Path(argv[1]), Job(**json.loads(argv[2]))
    _quiet()
    start = time.monotonic()
    try:
        outcome = build_book(root, out, job)
    except Exception:
        outcome = _outcome(root, [], [], "crashed: " + traceback.format_exc(limit=-3).strip(), start)
    sys.stdout.write(json.dumps(asdict(outcome), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
