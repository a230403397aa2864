"""The live preview's web server: the last good build, served on the loopback interface.

A build reaches the preview in two steps, so an edit shows as soon as the text is
set: :class:`PreviewState` takes the new EPUB as soon as it is made (the reading view
shows it while the PDF is laid out), then the PDF. A request for a page image of a
build whose PDF is not laid out yet waits for it, so the browser keeps the old image
on screen until the new one comes. If the PDF fails, the last build that had both is
shown again, so what is on screen is always one good build. The bytes are kept in
memory: a failed rebuild never takes them away.

The page (``resources/preview.html``, no external scripts) listens to ``/events``
(server-sent events) and, on each change, fetches ``/state.json`` and swaps the
reading view and the page images in place: the browser never reloads the page.

Routes: ``/`` the page; ``/state.json``; ``/events``; ``/page/N.png`` PDF page N
(from 1) drawn by PDFium; ``/epub/PATH`` a file inside the EPUB, so the chapter
XHTML is shown with the EPUB's own stylesheets.
"""

from __future__ import annotations

import io
import json
import mimetypes
import threading
import zipfile
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from urllib.parse import unquote, urlsplit

import pypdfium2

PREVIEW_PAGE_HEIGHT_PX = 1000
HEARTBEAT_S = 10.0
PDF_WAIT_S = 600.0  # the longest a page request waits for the PDF being laid out


@dataclass(frozen=True)
class Build:
    """One good build: the EPUB and its chapters' files, and the PDF once it is laid out."""

    epub: bytes
    chapters: tuple[tuple[str, str], ...]  # (title, path inside the EPUB)
    pdf: bytes | None = None  # None while the PDF is being laid out
    pages: int = 0  # the PDF's; until it is laid out, the last whole build's


@dataclass
class PreviewState:
    generation: int = 0  # counts changes of the state: builds started, shown, done or failed
    built: int = 0  # counts the builds shown (a build is shown when its EPUB is made)
    build: Build | None = None
    error: str | None = None
    building: bool = False
    closing: bool = False
    changed: threading.Condition = field(default_factory=threading.Condition)
    _whole: Build | None = None  # the last build with its PDF, shown again if the next one's PDF fails
    _next: Build | None = None  # the build whose PDF is being laid out
    _images: dict[int, bytes] = field(default_factory=dict)  # page number -> PNG, of _document's build
    _document: tuple[Build, pypdfium2.PdfDocument] | None = None
    _draw_lock: threading.Lock = field(default_factory=threading.Lock)

    def started(self) -> None:
        with self.changed:
            self.generation += 1
            self.building = True
            self.changed.notify_all()

    def epub_ready(self, epub: bytes, chapters: list[tuple[str, str]]) -> None:
        """Show a build's EPUB; its pages follow with :meth:`pdf_ready`. The first build is
        shown whole, when its PDF is ready: there are no pages to keep on screen meanwhile."""
        with self.changed:
            self._next = Build(epub, tuple(chapters), None, self._whole.pages if self._whole else 0)
            if self._whole is not None:
                self.generation += 1
                self.built += 1
                self.build, self.error = self._next, None
                self.changed.notify_all()

    def pdf_ready(self, pdf: bytes, pages: int) -> None:
        with self.changed:
            assert self._next is not None, "pdf_ready without epub_ready"
            self.generation += 1
            if self.build is not self._next:
                self.built += 1
            self.build = self._whole = replace(self._next, pdf=pdf, pages=pages)
            self._next, self.error, self.building = None, None, False
            self.changed.notify_all()

    def failed(self, message: str) -> None:
        """Show an error; the last good build stays (or is shown again, if this build's EPUB was)."""
        with self.changed:
            self.generation += 1
            self.error, self.building = message, False
            if self._next is not None and self.build is self._next and self._whole is not None:
                self.build = self._whole
                self.built += 1
            self._next = None
            self.changed.notify_all()

    def close(self) -> None:
        with self.changed:
            self.closing = True
            self.changed.notify_all()

    def summary(self) -> dict[str, object]:
        with self.changed:
            b = self.build
            return {
                "generation": self.generation, "built": self.built, "error": self.error,
                "building": self.building,
                "pages": b.pages if b else 0,
                "pdf": b is not None and b.pdf is not None,  # the pages are of this build
                "chapters": [{"title": t, "href": h} for t, h in b.chapters] if b else [],
            }

    def _laid_out(self) -> Build | None:
        """The build shown, once its PDF is laid out (waiting for it while it is)."""
        with self.changed:
            self.changed.wait_for(lambda: self.closing or not self.building or self.build is None
                                  or self.build.pdf is not None, PDF_WAIT_S)
            return self.build

    def page_png(self, number: int) -> bytes | None:
        """PDF page ``number`` (from 1) of the current build, drawn when first asked for.

        PDFium is not thread-safe, so pages are drawn one at a time.
        """
        build = self._laid_out()
        if build is None or build.pdf is None or not 1 <= number <= build.pages:
            return None
        with self._draw_lock:
            if self._document is None or self._document[0] is not build:
                if self._document is not None:
                    self._document[1].close()
                self._document = (build, pypdfium2.PdfDocument(build.pdf))
                self._images.clear()
            if number not in self._images:
                page = self._document[1][number - 1]
                self._images[number] = png_bytes(page)
                page.close()
            return self._images[number]

    def epub_file(self, path: str) -> bytes | None:
        with self.changed:
            build = self.build
        if build is None:
            return None
        with zipfile.ZipFile(io.BytesIO(build.epub)) as z:
            return z.read(path) if path in z.namelist() else None


def png_bytes(page: pypdfium2.PdfPage) -> bytes:
    """A PDF page drawn :data:`PREVIEW_PAGE_HEIGHT_PX` high, as PNG bytes. The least
    compression: on the loopback interface, encoding time is latency and size is not
    (a page of text is about as small at level 1 as at the default 6, in half the time)."""
    image = page.render(scale=PREVIEW_PAGE_HEIGHT_PX / page.get_height()).to_pil().convert("RGB")
    data = io.BytesIO()
    image.save(data, "PNG", compress_level=1)
    return data.getvalue()


def preview_page() -> bytes:
    return (resources.files("paiban") / "resources" / "preview.html").read_bytes()


class _Handler(BaseHTTPRequestHandler):
    server: PreviewServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Requests are not worth a line each on the terminal."""

    def _send(self, body: bytes, content_type: str, status: HTTPStatus = HTTPStatus.OK) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        state = self.server.state
        path = unquote(urlsplit(self.path).path)
        if path == "/":
            self._send(preview_page(), "text/html; charset=utf-8")
        elif path == "/state.json":
            self._send(json.dumps(state.summary(), ensure_ascii=False).encode("utf-8"), "application/json")
        elif path == "/events":
            self._events(state)
        elif path.startswith("/page/") and path.endswith(".png") and path[6:-4].isdigit():
            data = state.page_png(int(path[6:-4]))
            self._send_or_404(data, "image/png")
        elif path.startswith("/epub/"):
            name = path[len("/epub/"):]
            kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
            if name.endswith(".xhtml"):
                kind = "application/xhtml+xml"
            self._send_or_404(state.epub_file(name), kind)
        else:
            self._send_or_404(None, "text/plain")

    def _send_or_404(self, data: bytes | None, content_type: str) -> None:
        if data is None:
            self._send(b"not found\n", "text/plain; charset=utf-8", HTTPStatus.NOT_FOUND)
        else:
            self._send(data, content_type)

    def _events(self, state: PreviewState) -> None:
        """Server-sent events: one message per change of the state, a comment as heartbeat."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        seen = None
        try:
            while True:
                with state.changed:
                    if state.closing:
                        return
                    if state.generation == seen:
                        state.changed.wait(HEARTBEAT_S)
                        if state.closing:
                            return
                    current = state.generation
                if current == seen:
                    self.wfile.write(b": heartbeat\n\n")
                else:
                    seen = current
                    message = json.dumps({"generation": current})
                    self.wfile.write(f"data: {message}\n\n".encode())
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return


class PreviewServer(ThreadingHTTPServer):
    """An HTTP server on 127.0.0.1 only: the preview is for the person at this machine."""

    daemon_threads = True

    def __init__(self, state: PreviewState, port: int) -> None:
        self.state = state
        super().__init__(("127.0.0.1", port), _Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"
