"""Builds on an existing Dask ``distributed`` cluster (``--cluster ADDRESS``), and the
check that its workers would make the same bytes as this machine.

paiban schedules nothing itself: a batch submits one task per book
(:mod:`paiban.batch`), and one book's parts of the printed book go to the cluster's
``concurrent.futures`` executor (:func:`paiban.workers.pool`), so Dask's scheduler
places them. A part's cache key is computed here, from this machine's code, templates
and fonts; a worker that lays it out with other code or other fonts would keep
different bytes under the same key, and every later build would serve them. So a
worker is used only if its :func:`fingerprint` (paiban's version, its code and the
libraries that lay out, and the font files of every face) equals this machine's:

- at connect, every worker there is asked; a mismatch is a :class:`BookError` naming
  the worker and what differs, and nothing is built;
- a worker that joins later is checked by the :class:`Admission` plugin, and admitted,
  or refused with a warning (it is left running: it may serve other clients);
- tasks are restricted to the admitted workers, so nothing runs on a worker in the
  moment between its joining and its check.

Workers must see the book folders (their images) at the same paths, and for a batch
the output folder too: a shared file system, as build farms have. A worker runs one
task at a time (``dask worker --nthreads 1``; start several per machine with
``--nworkers``): a part's log records are collected by swapping its process's log
handlers (``paiban.builders.pdf.parts``), which two threads would mix up.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import ctypes
import functools
import platform
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from distributed import Client, as_completed
from distributed.diagnostics.plugin import WorkerPlugin

from paiban import __version__, cache
from paiban.builders.templates import PACKAGE_ROOT
from paiban.errors import BookError
from paiban.fonts import FACES
from paiban.fonts import fontconfig
from paiban.log import LOGGER

CONNECT_TIMEOUT = 10  # seconds to reach the scheduler
WORKER_TIMEOUT = 30  # seconds to wait for a first worker
THREADS_HINT = "start each worker with one thread: dask worker ADDRESS --nthreads 1 --nworkers N"
HINT = "start the workers from the same paiban installation and the same fonts (setup.sh), then build again"


def fingerprint() -> dict[str, str]:
    """What makes this process's layout bytes: paiban's version, its code (every file of
    the package, its templates and styles: :func:`_code`), the libraries that lay out, and
    each face's font file (name, size and SHA-256)."""
    return {"paiban": __version__, "code": _code(), "libraries": _libraries(), "fonts": _fonts()}


@functools.cache
def _code() -> str:
    """A line ``NAME SHA-256`` per file of paiban's code, templates and styles, each named
    inside its folder (``paiban/cli.py``, ``templates/print.html``), as a checkout and an
    installed wheel (which carries the templates inside the package) both hold them.
    paiban.cache's tools_key does not fit: it names files by their absolute paths, which
    differ between machines set up alike."""
    package = Path(__file__).resolve().parent
    folders = {"templates": PACKAGE_ROOT / "templates", "styles": PACKAGE_ROOT / "styles"}
    lines = [f"paiban/{path.relative_to(package)} {cache._digest(path).hex()}" for path in cache._files([package])
             if not any(path.is_relative_to(folder) for folder in folders.values())]
    for kind, folder in folders.items():
        lines += [f"{kind}/{path.relative_to(folder)} {cache._digest(path).hex()}" for path in cache._files([folder])]
    return "\n".join(sorted(lines))


@functools.cache
def _libraries() -> str:
    native = []
    for library, function in (("libpango-1.0.so.0", "pango_version_string"),
                              ("libharfbuzz.so.0", "hb_version_string"),
                              ("libfontconfig.so.1", "FcGetVersion")):
        try:
            call = getattr(ctypes.CDLL(library), function)
        except (OSError, AttributeError):
            native.append(f"{library}: none")
            continue
        call.restype = ctypes.c_int if function == "FcGetVersion" else ctypes.c_char_p
        value = call()
        native.append(f"{library}: {value.decode() if isinstance(value, bytes) else value}")
    engines = [f"{name} {metadata.version(name)}" for name in cache.ENGINES]
    return "; ".join([f"Python {platform.python_version()}", *engines, *native])


def _fonts() -> str:
    found = []
    for face in FACES:
        file = fontconfig.match(f"{face.family}:style={face.style}").file
        if file.is_file():
            found.append(f"{face.family} {face.style}: {file.name}, {file.stat().st_size} bytes, "
                         f"sha256 {cache._digest(file).hex()[:16]}")
        else:
            found.append(f"{face.family} {face.style}: not installed")
    return "\n".join(found)


def differences(here: dict[str, str], there: dict[str, str]) -> list[str]:
    """What differs between two fingerprints, said line by line (the fonts face by face)."""
    said = []
    for name in ("paiban", "code", "libraries", "fonts"):
        mine, theirs = here.get(name, ""), there.get(name, "")
        if mine == theirs:
            continue
        if name == "paiban":
            said.append(f"paiban {theirs} (here {mine})")
        elif name == "code":
            files = sorted({line.split(" ")[0] for line in set(mine.split("\n")) ^ set(theirs.split("\n"))})
            said.append(f"paiban's files differ: {', '.join(files[:5])}" + (f" and {len(files) - 5} more"
                                                                            if len(files) > 5 else ""))
        else:
            lines = [f"{t} (here: {m})" for m, t in zip(mine.split("\n" if name == "fonts" else "; "),
                                                        theirs.split("\n" if name == "fonts" else "; "), strict=False)
                     if m != t]
            said.append(f"{name}: " + "; ".join(lines or [theirs]))
    return said


class Admission(WorkerPlugin):
    """A worker plugin: each worker that joins computes its :func:`fingerprint` and tells
    the client that registered the plugin what differs (an event on its own topic); the
    client admits it, or refuses it with a warning. A refused worker is left running: it
    may serve other clients, of its own version; this client sends it nothing."""

    idempotent = False

    def __init__(self, name: str, expected: dict[str, str]) -> None:
        self.name, self.expected = name, expected

    def setup(self, worker: Any) -> None:
        differs = differences(self.expected, fingerprint())
        if worker.state.nthreads > 1:
            differs.append(f"{worker.state.nthreads} threads ({THREADS_HINT})")
        worker.log_event(self.name, {"worker": worker.address, "differs": differs})


@dataclass
class Cluster:
    """A connection to a cluster whose workers were checked (:func:`connect`)."""

    client: Any
    topic: str  # the Admission plugin's name and the topic of its events, this client's own
    admitted: set[str] = field(default_factory=set)
    refused: dict[str, list[str]] = field(default_factory=dict)  # worker: what differs
    lock: threading.Lock = field(default_factory=threading.Lock)

    def workers(self) -> list[str]:
        """The admitted workers still there: where tasks may run."""
        present = set(self.client.nthreads())
        with self.lock:
            return sorted(self.admitted & present)

    def submit(self, function: Callable[..., Any], *args: Any) -> Any:
        """A task on one of the admitted workers (a distributed Future)."""
        return self.client.submit(function, *args, pure=False, workers=self.workers(), allow_other_workers=False)

    def finished(self, futures: list[Any]) -> Iterator[Any]:
        """The futures of :meth:`submit` as they finish."""
        yield from as_completed(futures, loop=self.client.loop)

    def executor(self) -> Any:
        """A ``concurrent.futures`` executor whose tasks run on the admitted workers."""
        return self.client.get_executor(pure=False, workers=self.workers(), allow_other_workers=False)

    def lost(self, error: BaseException) -> BookError | None:
        """The error of a task the cluster could not run (its workers died, the scheduler
        went away), said as a build error; None for any other (the task's own) error."""
        from distributed import KilledWorker
        from distributed.comm.core import CommClosedError

        if isinstance(error, (KilledWorker, CommClosedError, concurrent.futures.CancelledError, OSError)):
            return BookError(f"the cluster could not lay out a part: {type(error).__name__}: {error}", None,
                             None, "check the cluster's workers and scheduler, or build without --cluster")
        return None

    def threads(self) -> int:
        nthreads = self.client.nthreads()
        return sum(nthreads[w] for w in self.workers())

    def _event(self, event: tuple[float, dict[str, Any]]) -> None:
        message = event[1]
        if message["differs"]:
            with self.lock:
                self.admitted.discard(message["worker"])
                self.refused[message["worker"]] = message["differs"]
            LOGGER.warning("worker %s refused: it differs from this machine: %s", message["worker"],
                           "; ".join(message["differs"]))
            return
        with self.lock:
            self.admitted.add(message["worker"])

    def close(self) -> None:
        with contextlib.suppress(Exception):  # the scheduler may be gone: the plugin went with it
            self.client.unregister_worker_plugin(self.topic)
        self.client.close()


def connect(address: str) -> Cluster:
    """Connect to the scheduler at ``address``, check every worker, keep checking the ones
    that join. A worker that differs, a worker with several threads, no scheduler or no
    worker is a :class:`BookError` (the command line prints it and exits 1)."""
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise BookError(f"cannot reach the cluster's scheduler at {address}: {exc}", None, None,
                        "start one (dask scheduler) or check the address, e.g. tcp://HOST:8786") from None
    try:
        try:
            client.wait_for_workers(1, timeout=WORKER_TIMEOUT)
        except TimeoutError:
            raise BookError(f"the cluster at {address} has no workers (waited {WORKER_TIMEOUT} s)", None, None,
                            "start workers: dask worker ADDRESS --nthreads 1") from None
        here = fingerprint()
        cluster = Cluster(client, f"paiban-admission-{client.id}")
        client.subscribe_topic(cluster.topic, cluster._event)
        client.register_plugin(Admission(cluster.topic, here))  # for the workers that join from now on
        found = client.run(fingerprint)
        refused = {worker: differences(here, there) for worker, there in sorted(found.items())}
        if any(refused.values()):
            raise BookError("workers differ from this machine: " + "; ".join(
                f"{worker}: {', '.join(what)}" for worker, what in refused.items() if what), None, None, HINT)
        threaded = sorted(w for w, n in client.nthreads().items() if n > 1)
        if threaded:
            raise BookError(f"workers with more than one thread: {', '.join(threaded)}", None, None, THREADS_HINT)
        with cluster.lock:
            cluster.admitted.update(found)
    except BaseException:
        client.close()
        raise
    return cluster
