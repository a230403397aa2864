"""``paiban watch``: rebuild on every change of the book folder and serve a live preview.

watchdog reports changes; a burst of them (an editor saving through a temporary
file, a ``git checkout``) is folded into one rebuild after :data:`DEBOUNCE_S` of
quiet. Rebuilds run one at a time in a worker thread, so the web server keeps
answering meanwhile. Each rebuild is a normal build into the output folder (the
same checks first); a book with errors is not built, and the error goes to the
terminal and to the page while the last good preview stays up.

The process stays up between rebuilds, so its imports, the fonts fontconfig found
and the book as last read (:mod:`paiban.reader.reread`: a re-read parses only the
files that changed) are warm. A rebuild makes the EPUB first and shows it in the
preview's reading view at once (a few hundredths of a second after the save), then
lays out the PDF, whose pages follow.
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
import zipfile
from pathlib import Path

import pypdfium2
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from paiban import compose
from paiban.check import check_book, format_plain
from paiban.errors import BookError
from paiban.model import Book
from paiban.outputs import OutputFiles
from paiban.workbench.preview import PreviewServer, PreviewState

# An editor's save is a few events within milliseconds; waiting longer is latency.
DEBOUNCE_S = 0.05
CHANGES = {"created", "modified", "moved", "deleted"}
SCRATCH_SUFFIXES = ("~", ".swp", ".swx", ".tmp", ".part")


def checked(root: Path) -> Book:
    """The book, read and checked as ``build.py`` does first; :class:`BookError` if it has errors."""
    book, findings = check_book(root)
    errors = [f for f in findings if f.severity == "error"]
    if errors or book is None:
        raise BookError(f"not built: {len(errors)} errors\n" + format_plain(errors).rstrip())
    return book


def build_epub(book: Book, out: Path) -> tuple[bytes, list[tuple[str, str]]]:
    """Make the EPUB through the composer (its cache); return it and each chapter's (title,
    file inside it)."""
    compose.build(book, out, "epub", compose.Options())
    epub = OutputFiles.of(book, out).epub
    with zipfile.ZipFile(epub) as z:
        names = z.namelist()
    chapters = [(c.title, next(n for n in names if n.endswith(f"/{c.id}.xhtml"))) for c in book.chapters]
    return epub.read_bytes(), chapters


def build_pdf(book: Book, out: Path) -> tuple[bytes, int]:
    """Make the PDF through the composer (its cache, its parts); return it and its page count."""
    compose.build(book, out, "pdf", compose.Options())
    pdf = OutputFiles.of(book, out).pdf().read_bytes()
    document = pypdfium2.PdfDocument(pdf)
    pages = len(document)
    document.close()
    return pdf, pages


class Rebuilder(threading.Thread):
    """The worker: waits for a request, lets the burst settle, rebuilds, publishes."""

    def __init__(self, root: Path, out: Path, state: PreviewState, quiet: bool) -> None:
        super().__init__(name="paiban-rebuild", daemon=True)
        self.root, self.out, self.state, self.quiet = root, out, state, quiet
        self.pending = threading.Event()
        self.stopping = threading.Event()

    def request(self) -> None:
        self.pending.set()

    def stop(self) -> None:
        self.stopping.set()
        self.pending.set()

    def run(self) -> None:
        while True:
            self.pending.wait()
            while self.pending.is_set() and not self.stopping.is_set():
                self.pending.clear()
                self.stopping.wait(DEBOUNCE_S)
            if self.stopping.is_set():
                return
            self.once()

    def once(self) -> None:
        """One rebuild: read and check, the EPUB (shown at once), the PDF; the time of each
        goes to the terminal."""
        self.state.started()
        times: list[tuple[str, float]] = []
        start = last = time.monotonic()

        def done(phase: str) -> None:
            nonlocal last
            now = time.monotonic()
            times.append((phase, now - last))
            last = now

        try:
            book = checked(self.root)
            done("read and check")
            self.state.epub_ready(*build_epub(book, self.out))
            done("EPUB")
            pdf, pages = build_pdf(book, self.out)
            self.state.pdf_ready(pdf, pages)
            done("PDF")
        except BookError as exc:
            print(exc, file=sys.stderr, flush=True)
            self.state.failed(str(exc))
            return
        except Exception:  # a bug in paiban: keep watching, show where it happened
            text = traceback.format_exc()
            print(text, file=sys.stderr, flush=True)
            self.state.failed("paiban failed (a bug, please report it):\n" + text)
            return
        if not self.quiet:
            phases = ", ".join(f"{phase} {seconds:.2f} s" for phase, seconds in times)
            print(f"build {self.state.built}: {pages} pages in {time.monotonic() - start:.2f} s ({phases})",
                  file=sys.stderr, flush=True)


class _Changes(FileSystemEventHandler):
    """Passes changes of the book's files to the rebuilder, not those of scratch files or outputs."""

    def __init__(self, rebuilder: Rebuilder, ignore: Path) -> None:
        self.rebuilder, self.ignore = rebuilder, ignore

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in CHANGES or (event.is_directory and event.event_type == "modified"):
            return
        paths = [Path(str(p)) for p in (event.src_path, getattr(event, "dest_path", "")) if p]
        if all(self._scratch(p) for p in paths):
            return
        self.rebuilder.request()

    def _scratch(self, path: Path) -> bool:
        return (path.name.startswith((".", "#")) or path.name.endswith(SCRATCH_SUFFIXES)
                or path.resolve().is_relative_to(self.ignore))


def watch(root: Path, out: Path, port: int, quiet: bool = False) -> int:
    """Serve the preview and rebuild until interrupted (Ctrl-C or SIGTERM)."""
    root, out = root.resolve(), out.resolve()
    if not root.is_dir():
        raise BookError("book folder not found", root, None, "pass the folder that holds book.yaml")
    state = PreviewState()
    try:
        server = PreviewServer(state, port)
    except OSError as exc:
        raise BookError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}", None, None,
                        "choose another port with --port, or --port 0 for any free one") from None
    rebuilder = Rebuilder(root, out, state, quiet)
    observer = Observer()
    observer.schedule(_Changes(rebuilder, out), str(root), recursive=True)
    rebuilder.start()
    observer.start()
    rebuilder.request()
    print(f"preview at {server.url} (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        observer.stop()
        rebuilder.stop()
        state.close()
        server.server_close()
        observer.join(timeout=5)
    return 0
