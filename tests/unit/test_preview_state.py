"""The live preview's state through a rebuild's two steps: the EPUB shown at once, the PDF after.

What is on screen is always one good build: a page image asked for while the PDF is
laid out waits for it; a PDF that fails brings back the last build that had both; the
first build is shown whole. No browser here (tests/test_workbench_preview.py has one).
"""

from __future__ import annotations

import io
import threading
import zipfile

import pypdfium2

from paiban.workbench.preview import PreviewState


def epub(text: str) -> bytes:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as z:
        z.writestr("EPUB/c01.xhtml", text)
    return data.getvalue()


def pdf(pages: int) -> bytes:
    document = pypdfium2.PdfDocument.new()
    for _ in range(pages):
        document.new_page(500, 700)
    data = io.BytesIO()
    document.save(data)
    document.close()
    return data.getvalue()


CHAPTERS = [("第一章", "EPUB/c01.xhtml")]


def first_build(state: PreviewState) -> None:
    state.started()
    state.epub_ready(epub("one"), CHAPTERS)
    assert state.summary()["built"] == 0, "the first build is shown whole"
    state.pdf_ready(pdf(1), 1)


def test_first_build_is_shown_whole() -> None:
    state = PreviewState()
    first_build(state)
    summary = state.summary()
    assert (summary["built"], summary["pages"], summary["pdf"], summary["building"]) == (1, 1, True, False)
    assert state.epub_file("EPUB/c01.xhtml") == b"one"
    assert state.page_png(1)[:8] == b"\x89PNG\r\n\x1a\n"
    assert state.page_png(2) is None


def test_the_epub_shows_first_and_page_requests_wait_for_the_pdf() -> None:
    state = PreviewState()
    first_build(state)
    state.started()
    state.epub_ready(epub("two"), CHAPTERS)
    summary = state.summary()
    assert (summary["built"], summary["pdf"], summary["pages"]) == (2, False, 1)  # the old page count meanwhile
    assert state.epub_file("EPUB/c01.xhtml") == b"two"

    got: list[bytes | None] = []
    waiting = threading.Thread(target=lambda: got.append(state.page_png(2)))
    waiting.start()
    waiting.join(0.3)
    assert waiting.is_alive(), "a page of a build whose PDF is being laid out waits for it"
    state.pdf_ready(pdf(2), 2)
    waiting.join(5)
    assert got and got[0] is not None and got[0][:8] == b"\x89PNG\r\n\x1a\n"
    summary = state.summary()
    assert (summary["built"], summary["pdf"], summary["pages"], summary["building"]) == (2, True, 2, False)
    assert state.page_png(1) is not None


def test_a_failed_pdf_brings_back_the_last_whole_build() -> None:
    state = PreviewState()
    first_build(state)
    state.started()
    state.epub_ready(epub("two"), CHAPTERS)
    assert state.summary()["built"] == 2
    state.failed("a page overflows")
    summary = state.summary()
    assert (summary["built"], summary["error"], summary["pdf"], summary["pages"]) == (3, "a page overflows", True, 1)
    assert state.epub_file("EPUB/c01.xhtml") == b"one"
    assert state.page_png(1) is not None  # at once: nothing is being laid out


def test_a_book_with_errors_changes_nothing_on_screen() -> None:
    state = PreviewState()
    first_build(state)
    state.started()
    state.failed("M002 isbn")
    summary = state.summary()
    assert (summary["built"], summary["error"], summary["building"]) == (1, "M002 isbn", False)
    assert state.epub_file("EPUB/c01.xhtml") == b"one"
    state.started()
    state.epub_ready(epub("three"), CHAPTERS)
    assert state.summary()["error"] is None and state.summary()["built"] == 2


def test_closing_releases_a_waiting_page_request() -> None:
    state = PreviewState()
    first_build(state)
    state.started()
    state.epub_ready(epub("two"), CHAPTERS)
    got: list[bytes | None] = []
    waiting = threading.Thread(target=lambda: got.append(state.page_png(1)))
    waiting.start()
    state.close()
    waiting.join(5)
    assert not waiting.is_alive() and got == [None]
