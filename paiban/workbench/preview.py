"""The live preview's web server: the last good build, served on the loopback interface.

:class:`PreviewState` holds the newest good PDF and EPUB (as bytes, so a failed
rebuild never takes them away) and the newest error. The page
(``resources/preview.html``, no external scripts) listens to ``/events``
(server-sent events) and, on each new build, fetches ``/state.json`` and swaps the
page images and the reading view in place: the browser never reloads the page.

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
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from urllib.parse import unquote, urlsplit

import pypdfium2

from paiban.workbench.proof import png_bytes

PREVIEW_PAGE_HEIGHT_PX = 1000
HEARTBEAT_S = 10.0


@dataclass
class Build:
    """One good build: the PDF, the EPUB and the chapters' files inside it."""

    pdf: bytes
    epub: bytes
    pages: int
    chapters: list[tuple[str, str]]  # (title, path inside the EPUB)


@dataclass
class PreviewState:
    generation: int = 0  # counts changes of the state: builds started, done or failed
    built: int = 0  # counts good builds
    build: Build | None = None
    error: str | None = None
    building: bool = False
    closing: bool = False
    changed: threading.Condition = field(default_factory=threading.Condition)
    _images: dict[int, bytes] = field(default_factory=dict)  # page number -> PNG, of _document's build
    _document: tuple[Build, pypdfium2.PdfDocument] | None = None
    _draw_lock: threading.Lock = field(default_factory=threading.Lock)

    def started(self) -> None:
        with self.changed:
            self.generation += 1
            self.building = True
            self.changed.notify_all()

    def succeeded(self, build: Build) -> None:
        with self.changed:
            self.generation += 1
            self.built += 1
            self.build, self.error, self.building = build, None, False
            self.changed.notify_all()

    def failed(self, message: str) -> None:
        """Show an error; the last good build stays."""
        with self.changed:
            self.generation += 1
            self.error, self.building = message, False
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
                "chapters": [{"title": t, "href": h} for t, h in b.chapters] if b else [],
            }

    def page_png(self, number: int) -> bytes | None:
        """PDF page ``number`` (from 1) of the current build, drawn when first asked for.

        PDFium is not thread-safe, so pages are drawn one at a time.
        """
        with self.changed:
            build = self.build
        if build is None or not 1 <= number <= build.pages:
            return None
        with self._draw_lock:
            if self._document is None or self._document[0] is not build:
                if self._document is not None:
                    self._document[1].close()
                self._document = (build, pypdfium2.PdfDocument(build.pdf))
                self._images.clear()
            if number not in self._images:
                page = self._document[1][number - 1]
                image = page.render(scale=PREVIEW_PAGE_HEIGHT_PX / page.get_height()).to_pil()
                self._images[number] = png_bytes(image.convert("RGB"))
                page.close()
            return self._images[number]

    def epub_file(self, path: str) -> bytes | None:
        with self.changed:
            build = self.build
        if build is None:
            return None
        with zipfile.ZipFile(io.BytesIO(build.epub)) as z:
            return z.read(path) if path in z.namelist() else None


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
