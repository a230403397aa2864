"""The printed book, laid out in parts, in parallel, each part cached by its content.

WeasyPrint lays a document out on one core, and a 200-page book takes it seconds.
But a chapter's layout does not depend on the pages before it: each chapter opens
on a right-hand page, so only its folios do. So the book is laid out in parts, each
its own WeasyPrint document (:func:`paiban.builders.pdf.layout.lay_out_part`):

1. what needs no folio, in worker processes (one per core): the front matter (title
   page, copyright page), every chapter and every part-title page (编: its page and
   its blank verso, which carry no running head or folio, so they have no frame);
2. then what needs the folios: the contents, which print the body's, and each
   chapter's frame: an empty page per page of the chapter, laid out with the book's
   page rules from the chapter's first folio, so it carries the running heads and
   folios, and the blank page after a chapter that ends on a right-hand page
   (``templates/print-frame.html``); and the cover.

The book's pages run: the cover, the front matter, the prefaces, the contents, the
body. A preface (kind ``preface``) is laid out as a chapter of its own, so its notes,
figures and second pass are a chapter's; it is front matter all the same: it opens
on a right-hand page after the copyright page, its frame numbers its pages in lower-case
roman from the page's place in the PDF (the cover is i, as the PDF's page labels count),
and the contents follow it on a right-hand page and do not list it (Chinese books list
a preface only when it follows the contents). The body starts at folio 1 on a
right-hand page: the introduction, or the first chapter or part-title page.

Then :mod:`paiban.builders.pdf.merge` lays each frame page over its page of text and
joins it all into one PDF, its page labels roman to the body and arabic from it. Each
part is made once (:mod:`paiban.builders.pdf.partcache`): kept in the output folder's
cache under a key of its HTML and of what else makes outputs; a changed paragraph lays
out its original page of a reprint, or its reflowing chapter until the page breaks
meet, and the contents and frames only if a page count moved."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from paiban import cache, workers
from paiban.builders.pdf.cover_spread import spread_html
from paiban.errors import BookError, BookErrors
from paiban.fonts import font_files
from paiban.log import LOGGER
from paiban.model import Book, Chapter
from paiban.atomic import atomic_output
from paiban.builders.pdf.pagination import Overflow
from paiban.builders.pdf.html import cover_title_lines, frame_html, part_html, press_options, print_stylesheets
from paiban.builders.pdf.layout import layout_html
from paiban.builders.pdf.partcache import Job, Parts
from paiban.builders.pdf.fontshare import subset_font
from paiban.builders.pdf.merge import LaidOutPart, PagePlan, join, write_part
from paiban.builders.templates import reading_order, stylesheet


@dataclass(frozen=True)
class BookLayout:
    """The joined PDF and where things fell in it (pages counted from 0)."""

    pdf: bytes
    pages: int
    anchors: dict[str, int]  # id: page
    overflows: tuple[Overflow, ...]


def cover(book: Book, out: Path) -> bytes:
    """The cover page as printed (the EPUB's cover image is rendered from it)."""
    return Parts(book, out, False).lay_out([Job("the cover", part_html(book, "cover"), fonts_joined=False)])[0].pdf


def lay_out_book(book: Book, out: Path, press: bool = False,
                 advance: Callable[[int], None] = lambda n: None) -> PlannedBook:
    """Lay the book out in parts; ``advance(n)`` counts pages as parts are done.

    The first round is what needs no folio: the front matter, every chapter (prefaces
    too) and every part-title page. The second round is what needs them: the contents,
    the frames. The cover comes with it: a full build lays it out first for the EPUB's
    cover image, in the EPUB's process, so here it is usually in the cache.
    """
    parts = Parts(book, out, press)
    order = reading_order(book)
    titles = [p for p, c in order if c is None]
    front, *laid_out = parts.lay_out(
        [Job("the front matter", part_html(book, "front", press=press))]
        + [Job(c.source, part_html(book, "chapter", c, press=press), c) for c in book.chapters]
        + [Job(f"the part-title page {p.title}", part_html(book, "part-title", division=p, press=press))
           for p in titles], advance)
    laid = dict(zip([c.id for c in book.chapters] + [p.id for p in titles], laid_out, strict=True))
    # The front matter's last page is not printed (print.html): the first preface opens at
    # the page index front.pages, its folio one more (the cover is i).
    prefaces = _sequence([(laid[c.id], c) for p, c in order if p.front and c is not None], front.pages + 1, True)
    contents_at = front.pages + sum(piece.span for piece in prefaces)  # the page index the contents start at
    body = _sequence([(laid[c.id if c is not None else p.id], c) for p, c in order if not p.front], 1, False)
    framed = [(piece, piece.chapter) for piece in (*prefaces, *body) if piece.chapter is not None]
    cover_part, contents, *frames = parts.lay_out(
        [Job("the cover", part_html(book, "cover", press=press), fonts_joined=False),
         Job("the contents", part_html(book, "contents", folios=_folios(body), press=press,
                                        starts_left=contents_at % 2 == 1))]
        + [Job(f"the frame of {chapter.source}",
                frame_html(book, chapter, piece.laid.pages, piece.start, piece.blank, press))
           for piece, chapter in framed])
    book_parts = [cover_part, front, contents, *(piece.laid for piece in (*prefaces, *body)), *frames]
    plan, body_start = _plan(front, contents, prefaces, body, frames)
    # The pages not counted yet: the cover, the contents but its last (unprinted) page, the
    # blank pages; the front matter's unprinted last page was counted with it.
    advance(len(plan) - sum(p.pages for p in (front, *laid_out)))
    return PlannedBook(out, book_parts, plan, body_start)


@dataclass(frozen=True)
class _Piece:
    """A chapter (a preface too) or a part-title page in the book's run of pages, laid out."""

    laid: LaidOutPart
    chapter: Chapter | None  # None: a part-title page, which has no frame (no running head, no folio)
    start: int  # the folio of its first page: roman in the front matter (page index + 1), from 1 in the body
    blank: bool  # whether a blank page follows it (from its frame)

    @property
    def span(self) -> int:
        return self.laid.pages + self.blank


def _sequence(items: list[tuple[LaidOutPart, Chapter | None]], start: int, pad_last: bool) -> list[_Piece]:
    """Pieces laid one after the other from folio ``start`` (odd: a right-hand page), each
    opening on a right-hand page: a chapter ending on one is followed by a blank page, the
    last too when ``pad_last`` (the prefaces, which the contents follow on a right-hand
    page). A part-title page is its page and its blank verso already (print.html)."""
    pieces, folio = [], start
    for k, (laid, chapter) in enumerate(items):
        blank = laid.pages % 2 == 1 and (pad_last or k < len(items) - 1)
        pieces.append(_Piece(laid, chapter, folio, blank))
        folio += pieces[-1].span
    return pieces


def _folios(body: list[_Piece]) -> dict[str, str]:
    """The printed page number of every id in the body, as the contents print it (three digits)."""
    return {name: f"{piece.start + page:03d}" for piece in body for name, (page, _, _) in piece.laid.anchors.items()}


def _plan(front: LaidOutPart, contents: LaidOutPart, prefaces: list[_Piece], body: list[_Piece],
          frames: list[LaidOutPart]) -> tuple[list[PagePlan], int]:
    """The pages in order, from the parts [cover, front, contents, *prefaces, *body, *frames]:
    the cover, the front matter, the prefaces, the contents, the body; each chapter's
    pages under its frame's, and the frame's blank page after it if there is one; a
    part-title page as it is. And the index of the body's first page."""
    first_frame = 3 + len(prefaces) + len(body)
    next_frame = iter(range(first_frame, first_frame + len(frames)))

    def pages_of(pieces: list[_Piece], first_part: int) -> list[PagePlan]:
        plan = []
        for part, piece in enumerate(pieces, first_part):
            if piece.chapter is None:
                plan += [PagePlan(part, i) for i in range(piece.laid.pages)]
                continue
            frame = next(next_frame)
            plan += [PagePlan(part, i, (frame, i)) for i in range(piece.laid.pages)]
            plan += [PagePlan(frame, i) for i in range(piece.laid.pages, frames[frame - first_frame].pages)]
        return plan

    # The last pages of the front matter and of the contents are not printed: each is the
    # page that follows, where the next part starts (print.html).
    before = ([PagePlan(0, 0)] + [PagePlan(1, i) for i in range(front.pages - 1)] + pages_of(prefaces, 3)
              + [PagePlan(2, i) for i in range(contents.pages - 1)])
    return before + pages_of(body, 3 + len(prefaces)), len(before)


@dataclass(frozen=True)
class PlannedBook:
    """The laid-out parts and the order of their pages: the page count is known, the PDF
    is made by :meth:`join`."""

    out: Path
    parts: list[LaidOutPart]
    plan: list[PagePlan]
    body_start: int  # the index of the body's first page, folio 1

    @property
    def pages(self) -> int:
        return len(self.plan)

    def join(self) -> BookLayout:
        pdf = join(self.parts, self.plan, self.body_start,
                   lambda file, index, glyphs: _subset(self.out, file, index, glyphs))
        at = {(p.part, p.page): i for i, p in enumerate(self.plan)}
        anchors = {name: at[(k, page)] for k, part in enumerate(self.parts)
                   for name, (page, _, _) in part.anchors.items()}
        return BookLayout(pdf, len(self.plan), anchors, tuple(o for part in self.parts for o in part.overflows))


def _subset(out: Path, file: Path, index: int, glyphs: frozenset[int]) -> bytes:
    """A font program shared by the parts (:mod:`paiban.pdffonts`), kept in the cache."""
    stat = file.stat()
    key = hashlib.sha256(repr((str(file), stat.st_size, stat.st_mtime_ns, index, sorted(glyphs))).encode())
    return cache.memo(out, key.hexdigest(), "font.otf", lambda: subset_font(file, index, glyphs))


def check_pagination(book: Book, found: tuple[Overflow, ...]) -> None:
    """Fail when an original page does not fill exactly one PDF page (unless the book reflows)."""
    if found:
        raise BookErrors([_pagination_error(book, o) for o in found])


def _pagination_error(book: Book, o: Overflow) -> BookError:
    g = book.geometry
    grid = f"({g.chars_per_line} characters × {g.lines_per_page} lines)"
    if o.kind == "shared":
        return BookError(f"page marker {{{{page {o.page}}}}} did not start a new PDF page: original page {o.page} "
                         f"would share a page with page {o.page - 1}", o.source, o.line,
                         "move the marker out of the element that holds it, or report this as a bug")
    what = (f"the text before the first page marker (original page {o.page})" if o.kind == "opening"
            else f"original page {o.page}")
    return BookError(f"{what} overflows the type area by {o.extra_lines} lines {grid}", o.source, o.line,
                     "check this page marker's place, or adjust layout: in book.yaml, or build with --reflow")


def _cover_spread(book: Book, out: Path, pages: int) -> tuple[str, bytes | None]:
    """The cache key of the printer's cover spread (:mod:`paiban.cover_spread`) for a
    book of ``pages`` pages, and the spread if the cache has it.

    The spread depends on the metadata and the page count, not on the text, so a
    rebuild after a text change that keeps the page count does not lay it out again.
    """
    key = cache.key(replace(book, chapters=(), contents=(), files=()), "cover-spread", {"pages": pages},
                    font_files())
    return key, cache.load(out, key, "cover.pdf")


def make_cover_spread(book: Book, pages: int) -> bytes:
    sheets = [*print_stylesheets(book, press=True), stylesheet(book, "cover-spread.css")]
    return write_part(layout_html(book, spread_html(book, pages, sheets, cover_title_lines(book))),
                      **press_options(book)).pdf


def build_pdf(book: Book, target: Path, spread_target: Path, press: bool = False,
              advance: Callable[[int], None] = lambda n: None) -> Path:
    """Write the book's PDF to ``target`` and the printer's cover spread to ``spread_target``.

    ``press`` makes the printer's edition: bleed, crop marks, PDF/X-4. The cover
    spread (``<isbn>-cover.pdf``) always is one; its spine is as thick as this PDF's
    page count makes the book. It is laid out in a worker while the parts are joined.
    """
    planned = lay_out_book(book, target.parent, press, advance)
    key, spread = _cover_spread(book, target.parent, planned.pages)
    with workers.pool(1) if spread is None and workers.cores() > 1 else contextlib.nullcontext() as pool:
        making = pool.submit(make_cover_spread, book, planned.pages) if pool is not None else None
        laid_out = planned.join()
        check_pagination(book, laid_out.overflows)
        if spread is None:
            spread = making.result() if making is not None else make_cover_spread(book, planned.pages)
            cache.keep(target.parent, key, "cover.pdf", spread)
    with atomic_output(target) as tmp:
        tmp.write_bytes(laid_out.pdf)
    LOGGER.info("wrote %s (%d pages)", target, laid_out.pages)
    with atomic_output(spread_target) as tmp:
        tmp.write_bytes(spread)
    LOGGER.info("wrote %s", spread_target)
    return target
