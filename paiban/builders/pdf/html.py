"""The print HTML of each part of the book: the cover, the front matter, a chapter, a chapter's frame.

It shares the fragment templates and ``base.css`` with the EPUB builder and differs
where print differs: the book in parts laid out one by one (:mod:`paiban.builders.pdf`
schedules them and joins their PDFs), a printed TOC whose page numbers come from the
chapters' layout, running heads and folios (drawn on a frame laid over the pages),
the original pagination (each ``{{page N}}`` marker starts a new page unless the book
reflows), clreq punctuation compression, and the printer's edition (``press``:
bleed, crop marks, PDF/X-4). Laying a part out is :mod:`paiban.builders.pdf.layout`'s.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, fields

import pydyf
from pypinyin import lazy_pinyin

from paiban.builders.templates import (environment, part_titles, printed_contents, reading_order, render_template,
                                       stylesheet)
from paiban.fonts.glyphs import printed_text
from paiban.model import Book, Chapter, Part
from paiban.transforms import Transform, apply
from paiban.transforms.emphasis import dot_emphasis
from paiban.transforms.figures import defer_figures
from paiban.transforms.links import chapter_links
from paiban.transforms.lists import list_starts
from paiban.transforms.notes import Measured as NotesMeasured, footnotes, keep_calls_with_text
from paiban.builders.pdf.reflow import Window, cut, stamp
from paiban.transforms.pagebreaks import only_pages, split_at_page_breaks
from paiban.transforms.punctuation import compress_punctuation
from paiban.transforms.tables import CONTINUED_LABEL, Continuation, print_tables
from paiban.transforms.tighten import tighten_tail
from paiban.tree import Element, serialize

PT_PER_MM = 72 / 25.4
# Room for the crop marks outside the bleed, in millimetres (see press_css).
MARKS_MM = 10


def geometry_css(book: Book) -> str:
    """Page size and margins that centre a type area of exactly the character grid."""
    g = book.geometry
    width, height = g.trim_width_mm * PT_PER_MM, g.trim_height_mm * PT_PER_MM
    # Rounded down: a type area a hair short of its grid would lose its last line or character.
    side = math.floor((width - g.area_width_pt) / 2 * 1000) / 1000
    top = math.floor((height - g.area_height_pt) / 2 * 1000) / 1000
    return (
        f"@page {{ size: {g.trim_width_mm}mm {g.trim_height_mm}mm; "
        f"margin: {top:.3f}pt {side:.3f}pt {top:.3f}pt {side:.3f}pt; }}\n"
        f":root {{ --line: {g.line_height_pt}pt; --trim-width: {g.trim_width_mm}mm; "
        f"--trim-height: {g.trim_height_mm}mm; --bleed: 0mm; }}\n"
        f"body.print {{ font-size: {g.font_size_pt}pt; line-height: {g.line_height_pt}pt; }}\n"
        # Tight enough for a line of the grid to take one character more.
        f"span.tight {{ letter-spacing: -{g.font_size_pt / g.chars_per_line:.4f}pt; }}\n"
    )


def press_css(book: Book) -> str:
    """Bleed and crop marks for the printer (``--print``).

    WeasyPrint draws its crop marks in the outer half of the CSS bleed. So the CSS
    bleed is the book's bleed plus :data:`MARKS_MM`, which puts the marks outside the
    printed bleed; :func:`_press_boxes` then sets the PDF BleedBox to the book's bleed.
    ``--bleed`` lets full-bleed elements (the cover's bands) reach into it.
    """
    bleed = book.press.bleed_mm
    return (f"@page {{ bleed: {bleed + MARKS_MM}mm; marks: crop cross; }}\n"
            f":root {{ --bleed: {bleed}mm; }}\n")


def print_stylesheets(book: Book, press: bool = False) -> list[str]:
    sheets = [geometry_css(book), stylesheet(book, "base.css"), stylesheet(book, "print.css")]
    return [*sheets, press_css(book)] if press else sheets


def press_options(book: Book) -> dict[str, object]:
    """``write_pdf`` options of a printer's PDF: PDF/X-4 and the page boxes.

    PDF/X-4 needs an output intent; no CMYK characterization ships offline, so it is
    WeasyPrint's own sRGB profile (PDF/X-4 allows RGB colour; the printer converts).
    """
    return {"pdf_variant": "pdf/x-4", "output_intent": "srgb", "finisher": _press_boxes(book.press.bleed_mm)}


def _press_boxes(bleed_mm: float) -> Callable[[object, pydyf.PDF], None]:
    """A WeasyPrint finisher setting every page's BleedBox ``bleed_mm`` outside its TrimBox."""
    bleed = bleed_mm * PT_PER_MM

    def finish(document: object, pdf: pydyf.PDF) -> None:
        for obj in pdf.objects:
            if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/Page" and "TrimBox" in obj:
                left, top, right, bottom = obj["TrimBox"]
                obj["BleedBox"] = pydyf.Array([left - bleed, top - bleed, right + bleed, bottom + bleed])
    return finish


# Every margin box: the parts of the book draw none; the frame draws the running heads and folios.
MARGIN_BOXES = [*(f"{edge}-{place}" for edge in ("top", "bottom")
                  for place in ("left-corner", "left", "center", "right", "right-corner")),
                *(f"{side}-{place}" for side in ("left", "right") for place in ("top", "middle", "bottom"))]


def part_css(press: bool) -> str:
    """What a part laid out alone leaves to the frame (:mod:`paiban.printbook`): margin boxes and crop marks."""
    boxes_none = " ".join(f"@{b} {{ content: none !important; }}" for b in MARGIN_BOXES)
    return f"@page {{ {boxes_none}{' marks: none !important;' if press else ''} }}\n"


@dataclass(frozen=True)
class Adjustments:
    """What a layout of a chapter found that the next layout must change (the second pass).

    WeasyPrint lays a document out once, from top to bottom; what depends on where the
    pages fell is measured on a first layout (:mod:`paiban.builders.pdf.layout`) and
    given back to the transforms here, and the chapter is laid out again. Each field
    is one such measure; all empty means the first layout stands.
    """

    tails: dict[str, int] = field(default_factory=dict)  # page ends to set tight: characters by data-page-end
    note_pages: dict[str, int] = field(default_factory=dict)  # the page of every note call, by data-call (notes.py)
    note_room: dict[str, int] = field(default_factory=dict)  # blocks that took a note's room, by data-block (notes.py)
    long_notes: dict[str, int] = field(default_factory=dict)  # notes longer than a page, by data-call (notes.py)
    # Figures moved after the text that fills the page they did not fit on: characters passed, by data-number.
    figure_moves: dict[str, int] = field(default_factory=dict)
    # Tables that run over a page: the rows each continuation (续表) starts with, by data-number (tables.py).
    table_continuations: dict[str, Continuation] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return any(bool(getattr(self, f.name)) for f in fields(self))

    def merged(self, other: Adjustments) -> Adjustments:
        """These and ``other``'s, ``other`` winning where both measured the same thing."""
        return Adjustments(**{f.name: {**getattr(self, f.name), **getattr(other, f.name)} for f in fields(self)})


def chapter_body(book: Book, chapter: Chapter, adjust: Adjustments = Adjustments()) -> Element:
    """The print tree of a chapter: links to the joined PDF's anchors; with the original
    pagination, a page started at every marker and the stray tails tightened; then the
    tables as three-line tables (each continued as 续表 where a layout found it running
    over a page) and each figure a page had no room for moved after the text that fills
    that room; then a span for each 着重号 dot and the punctuation compressed; then each note moved to its
    call, to be set at the foot of its page (unless the book wants endnotes). ``adjust`` is what a first layout measured."""
    steps = [Transform("links", chapter_links(book, chapter, lambda _, place: f"#{place}"))]
    if not book.reflow:
        steps += [Transform("page breaks", lambda root: split_at_page_breaks(root, chapter.source)),
                  Transform("tight tails", lambda root: tighten_tail(root, adjust.tails))]
    steps += [Transform("tables", lambda root: print_tables(root, book.geometry.area_width_pt,
                                                            adjust.table_continuations)),
              Transform("deferred figures", lambda root: defer_figures(root, adjust.figure_moves))]
    steps += [Transform("list starts", list_starts), Transform("emphasis dots", dot_emphasis),
              Transform("punctuation", compress_punctuation), Transform("note calls", keep_calls_with_text)]
    if book.notes == "footnotes":
        measured = NotesMeasured(adjust.note_pages, adjust.note_room, adjust.long_notes)
        steps.append(Transform("footnotes", footnotes(measured, not book.reflow, chapter.source)))
    return apply(chapter.tree(), steps)


def part_html(book: Book, part: str, chapter: Chapter | None = None, folios: dict[str, str] | None = None,
              adjust: Adjustments = Adjustments(), press: bool = False, division: Part | None = None,
              starts_left: bool = False, pages: tuple[int, ...] | None = None, window: Window | None = None) -> str:
    """The HTML of one part of the printed book: ``cover``, ``front`` (title page and copyright
    page), ``contents``, ``chapter`` (a preface too) or ``part-title`` (the page of ``division``, a 编).

    ``folios`` are the printed page numbers of the ids the contents list (contents), and
    ``starts_left`` says that the contents start on a left-hand page (after the copyright
    page, in a book without a preface); ``adjust`` is what a first layout of the chapter
    measured (:class:`Adjustments`), ``press`` adds bleed and crop marks (:func:`press_css`).
    ``pages`` lays out only those page groups of a reprint's chapter (from 0; without
    its opening unless 0 is one: :mod:`paiban.builders.pdf.pages`), ``window`` only that
    window of a reflowing chapter (:mod:`paiban.builders.pdf.reflow`), whose top-level
    blocks are numbered so that its layout says where its pages start.
    """
    chapters = []
    if chapter is not None and pages == ():  # the part around a chapter's body, for keys
        chapters.append((chapter, "", chapter.opening_page))
    elif chapter is not None:
        body = chapter_body(book, chapter, adjust)
        if pages is not None:
            body = only_pages(body, pages)
        elif book.reflow:
            stamp(body)
            if window is not None:
                body = cut(body, window.start, window.end, chapter.source)
        chapters.append((chapter, serialize(body), chapter.opening_page))
    sheets = print_stylesheets(book, press)
    if part in ("chapter", "part-title"):
        sheets.append(part_css(press))
    return render_template(environment(book), "print.html", book=book, part=part, chapters=chapters,
                           contents=printed_contents(book) if part == "contents" else [], folios=folios or {},
                           stylesheets=sheets, title_lines=cover_title_lines(book), division=division,
                           starts_left=starts_left, prefaces=any(p.front for p, _ in reading_order(book)),
                           in_part=chapter is not None and chapter.id in part_titles(book),
                           continued=(pages is not None and 0 not in pages)
                           or (window is not None and window.start is not None))


def chapter_text(book: Book, chapter: Chapter) -> str:
    """What a chapter's part prints, for the glyph check: the template's text around an
    empty body (title, subtitle), and the body's own from its tree (the transforms add
    no text but the 续 of a 续表), so that the chapter is not parsed again from its HTML."""
    around = render_template(environment(book), "print.html", book=book, part="chapter",
                             chapters=[(chapter, "", chapter.opening_page)], contents=[], folios={},
                             stylesheets=[], title_lines=[book.title], division=None, starts_left=False,
                             prefaces=False, in_part=False)
    continued = CONTINUED_LABEL if any(item.kind == "table" for item in chapter.numbered) else ""
    return printed_text(around) + chapter.tree().text_content() + continued


def frame_html(book: Book, chapter: Chapter, pages: int, first_folio: int, blank: bool, press: bool = False) -> str:
    """The frame of a chapter of ``pages`` pages from ``first_folio`` (templates/print-frame.html),
    and a blank page after it if ``blank``."""
    return render_template(environment(book), "print-frame.html", book=book, chapter=chapter, pages=pages,
                           first_folio=first_folio, blank=blank, stylesheets=print_stylesheets(book, press))


def cover_title_lines(book: Book) -> list[str]:
    """The title broken where ``title_pinyin`` breaks it (its spaces), for the cover.

    The pinyin is the title's syllables in capitals (``check`` verifies it), so its
    first chunk spells the title's first characters.
    """
    chunks = (book.title_pinyin or "").split()
    lines, start = [], 0
    for chunk in chunks[:-1]:
        spelled = ""
        for end in range(start, len(book.title)):
            spelled += "".join(lazy_pinyin(book.title[end])).upper()
            if len(spelled) >= len(chunk):
                break
        if spelled != chunk:
            return [book.title]
        lines.append(book.title[start:end + 1])
        start = end + 1
    return [*lines, book.title[start:]] if start < len(book.title) else lines or [book.title]
