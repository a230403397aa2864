"""The printed book, laid out in parts, in parallel, each part cached by its content.

WeasyPrint lays a document out on one core, and a 200-page book takes it seconds.
But a chapter's layout does not depend on the pages before it: each chapter opens
on a right-hand page, so only its folios do. So the book is laid out in parts, each
its own WeasyPrint document (:func:`paiban.pdf.lay_out_part`):

1. the cover and every chapter, in a pool of worker processes (one per core);
2. the front matter (title page, copyright page, contents), whose contents need the
   chapters' page numbers;
3. the frame: one empty page per page of the body, laid out with the book's page
   rules, so it carries the running heads, the folios and the blank pages before
   right-hand openings (``templates/print-frame.html``);

then :mod:`paiban.pdfmerge` lays each frame page over its page of text and joins it
all into one PDF. Each part is kept in the output folder's cache under a key of its
HTML (which holds the stylesheets and the text), the files in the book folder it may
load, paiban's code and the font files: a changed paragraph lays out its chapter
again, and the front matter and frame only if a page count changed.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
import logging
import multiprocessing
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from . import cache
from .cover_spread import spread_html
from .errors import BookError, BookErrors
from .log import LOGGER
from .model import Book, Chapter
from .output import atomic_output
from .pagination import Overflow
from .pdf import cover_title_lines, frame_html, lay_out_part, layout_html, part_html, press_options, print_stylesheets
from .pdffonts import subset_font
from .pdfmerge import LaidOutPart, PagePlan, join
from .render import stylesheet


@dataclass(frozen=True)
class BookLayout:
    """The joined PDF and where things fell in it (pages counted from 0)."""

    pdf: bytes
    pages: int
    anchors: dict[str, int]  # id: page
    overflows: tuple[Overflow, ...]


class _Parts:
    """Parts laid out once: from the cache when their key is there, else by a worker."""

    def __init__(self, book: Book, out: Path, press: bool, pool: concurrent.futures.Executor | None) -> None:
        self.book, self.out, self.press, self.pool = book, out, press, pool
        self.salt = f"{cache.tools_key(book, _font_files())}\npress={press}"

    def get(self, label: str, html: str, chapter: Chapter | None = None) -> concurrent.futures.Future[LaidOutPart]:
        """The part laid out from ``html``, as a future (already done when cached).

        The key holds the HTML and, for a chapter, what the HTML does not: the
        content of its images and the source lines of its page markers (an
        overflowing page is reported at its marker's line).
        """
        h = hashlib.sha256(f"{self.salt}\n{html}".encode())
        if chapter is not None:
            h.update(repr([chapter.source, [(m.number, m.line) for m in chapter.markers]]).encode())
            for name, data in chapter.images:
                h.update(name.encode() + hashlib.sha256(data).digest())
        key = h.hexdigest()
        cached = cache.load_part(self.out, key)
        future: concurrent.futures.Future[LaidOutPart] = concurrent.futures.Future()
        if cached is not None:
            future.set_result(LaidOutPart.from_json(*cached))
            return future
        LOGGER.info("laying out %s", label)
        if self.pool is None:
            future.set_result(lay_out_part(self.book, html, chapter, self.press))
        else:
            future = self.pool.submit(_in_worker, self.book, html, chapter, self.press)  # type: ignore[arg-type]
            future = _replaying(future)
        part = future.result() if future.done() and not future.exception() else None
        if part is not None:
            cache.store_part(self.out, key, part.pdf, part.facts_json())
        else:
            future.add_done_callback(lambda f: f.exception() or cache.store_part(
                self.out, key, f.result().pdf, f.result().facts_json()))
        return future


def _in_worker(book: Book, html: str, chapter: Chapter | None, press: bool) -> tuple[LaidOutPart, list[logging.LogRecord]]:
    """:func:`paiban.pdf.lay_out_part` in a worker process, with the log records it made,
    for the parent to emit (so the logging policy and the tests' warning check hold)."""
    records: list[logging.LogRecord] = []
    loggers = [logging.getLogger(name) for name in ("paiban", "weasyprint")]
    saved = [(logger, logger.handlers, logger.propagate) for logger in loggers]
    for logger in loggers:
        logger.handlers, logger.propagate = [_Collect(records)], False
    try:
        return lay_out_part(book, html, chapter, press), records
    finally:
        for logger, handlers, propagate in saved:
            logger.handlers, logger.propagate = handlers, propagate


class _Collect(logging.Handler):
    def __init__(self, records: list[logging.LogRecord]) -> None:
        super().__init__(logging.DEBUG)
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args, record.exc_info = record.getMessage(), None, None
        self.records.append(record)


def _replaying(future: concurrent.futures.Future) -> concurrent.futures.Future[LaidOutPart]:  # type: ignore[type-arg]
    """A future of a worker's part that emits the worker's log records here when it is done."""
    result: concurrent.futures.Future[LaidOutPart] = concurrent.futures.Future()

    def done(f: concurrent.futures.Future) -> None:  # type: ignore[type-arg]
        if f.exception() is not None:
            result.set_exception(f.exception())
            return
        part, records = f.result()
        for record in records:
            logging.getLogger(record.name).handle(record)
        result.set_result(part)

    future.add_done_callback(done)
    return result


def _font_files() -> list[Path]:
    from .builder import font_files

    return font_files()


@contextlib.contextmanager
def _pool(jobs: int) -> Iterator[concurrent.futures.Executor | None]:
    """Worker processes for ``jobs`` layouts, if there is more than one core and one job."""
    workers = min(jobs, os.cpu_count() or 1)
    if workers < 2:
        yield None
        return
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield pool


def cover(book: Book, out: Path) -> bytes:
    """The cover page as printed (the EPUB's cover image is rendered from it)."""
    return _Parts(book, out, False, None).get("the cover", part_html(book, "cover")).result().pdf


def lay_out_book(book: Book, out: Path, press: bool = False,
                 advance: Callable[[int], None] = lambda n: None) -> BookLayout:
    """Lay the book out in parts and join them; ``advance(n)`` counts pages as parts are done."""
    htmls = [part_html(book, "cover", press=press)] + [part_html(book, "chapter", c, press=press)
                                                       for c in book.chapters]
    with _pool(len(htmls)) as pool:
        parts = _Parts(book, out, press, pool)
        futures = [parts.get("the cover", htmls[0])] + [parts.get(c.source, h, c)
                                                         for h, c in zip(htmls[1:], book.chapters, strict=True)]
        for future in concurrent.futures.as_completed(futures):
            advance(future.result().pages)
        cover_part, *chapters = [f.result() for f in futures]
        firsts = _first_folios(chapters)
        front = parts.get("the front matter", part_html(book, "front", folios=_folios(chapters, firsts), press=press))
        frames = [parts.get(f"the frame of {chapter.source}", frame_html(book, chapter, part.pages, first, blank, press))
                  for chapter, part, first, blank in zip(book.chapters, chapters, firsts, _blanks(chapters),
                                                          strict=True)]
        advance(front.result().pages - 1 + sum(f.result().pages - c.pages for f, c in zip(frames, chapters, strict=True)))
        return _join(cover_part, front.result(), chapters, [f.result() for f in frames], out)


def _blanks(chapters: list[LaidOutPart]) -> list[bool]:
    """Whether a blank page follows each chapter: one ending on a right-hand page, but the last."""
    return [part.pages % 2 == 1 and k < len(chapters) - 1 for k, part in enumerate(chapters)]


def _first_folios(chapters: list[LaidOutPart]) -> list[int]:
    """The folio of each chapter's opening: the body starts at 1, each chapter on a right-hand page."""
    firsts, folio = [], 1
    for part in chapters:
        firsts.append(folio)
        folio += part.pages + part.pages % 2
    return firsts


def _folios(chapters: list[LaidOutPart], firsts: list[int]) -> dict[str, str]:
    """The printed page number of every id in the body, as the contents print it (three digits)."""
    return {name: f"{first + page:03d}" for part, first in zip(chapters, firsts, strict=True)
            for name, (page, _, _) in part.anchors.items()}


def _join(cover_part: LaidOutPart, front: LaidOutPart, chapters: list[LaidOutPart],
          frames: list[LaidOutPart], out: Path) -> BookLayout:
    """The pages in order: the cover, the front matter, then each chapter's pages under its
    frame's, and the frame's blank page after it if there is one."""
    parts = [cover_part, front, *chapters, *frames]
    # The front matter's last page is the body's first right-hand page, left empty (print.html).
    plan = [PagePlan(0, 0)] + [PagePlan(1, i) for i in range(front.pages - 1)]
    body_start = len(plan)
    for k, chapter in enumerate(chapters):
        frame = 2 + len(chapters) + k
        plan += [PagePlan(2 + k, i, (frame, i)) for i in range(chapter.pages)]
        plan += [PagePlan(frame, i) for i in range(chapter.pages, frames[k].pages)]
    pdf = join(parts, plan, body_start, lambda file, index, glyphs: _subset(out, file, index, glyphs))
    at = {(p.part, p.page): i for i, p in enumerate(plan)}
    anchors = {name: at[(k, page)] for k, part in enumerate(parts) for name, (page, _, _) in part.anchors.items()}
    return BookLayout(pdf, len(plan), anchors, tuple(o for c in chapters for o in c.overflows))


def _subset(out: Path, file: Path, index: int, glyphs: frozenset[int]) -> bytes:
    """A font program shared by the parts (:mod:`paiban.pdffonts`), kept in the cache."""
    stat = file.stat()
    key = hashlib.sha256(repr((str(file), stat.st_size, stat.st_mtime_ns, index, sorted(glyphs))).encode())
    return cache.memo(out, key.hexdigest(), "font.otf", lambda: subset_font(file, index, glyphs))


def check_pagination(book: Book, found: tuple[Overflow, ...]) -> None:
    """Fail when an original page does not fit the type area (unless the book reflows)."""
    if found:
        g = book.geometry
        raise BookErrors([
            BookError(f"original page {o.page} overflows the type area by {o.extra_lines} lines "
                      f"({g.chars_per_line} characters × {g.lines_per_page} lines)", o.source, o.line,
                      "check this page marker's place, or adjust layout: in book.yaml, or build with --reflow")
            for o in found])


def build_cover_spread(book: Book, target: Path, pages: int) -> Path:
    """Write the printer's cover spread (:mod:`paiban.cover_spread`) for a book of ``pages`` pages.

    The spread depends on the metadata and the page count, not on the text: it is
    kept in the output folder's cache, so a rebuild after a text change that keeps
    the page count does not lay it out again.
    """
    def make() -> bytes:
        sheets = [*print_stylesheets(book, press=True), stylesheet(book, "cover-spread.css")]
        return layout_html(book, spread_html(book, pages, sheets, cover_title_lines(book))).write_pdf(
            **press_options(book))

    key = cache.key(replace(book, chapters=(), contents=(), files=()), "cover-spread", {"pages": pages},
                    _font_files())
    data = cache.memo(target.parent, key, target.name, make)
    with atomic_output(target) as tmp:
        tmp.write_bytes(data)
    return target


def build_pdf(book: Book, target: Path, press: bool = False,
              advance: Callable[[int], None] = lambda n: None) -> Path:
    """Write the book's PDF to ``target`` and the printer's cover spread beside it.

    ``press`` makes the printer's edition: bleed, crop marks, PDF/X-4. The cover
    spread (``<isbn>-cover.pdf``) always is one; its spine is as thick as this PDF's
    page count makes the book.
    """
    laid_out = lay_out_book(book, target.parent, press, advance)
    check_pagination(book, laid_out.overflows)
    with atomic_output(target) as tmp:
        tmp.write_bytes(laid_out.pdf)
    LOGGER.info("wrote %s (%d pages)", target, laid_out.pages)
    spread = build_cover_spread(book, target.with_name(f"{book.isbn_digits}-cover.pdf"), laid_out.pages)
    LOGGER.info("wrote %s", spread)
    return target
