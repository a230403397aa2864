"""Laying one part of the printed book out with WeasyPrint, and measuring what it made.

The part's HTML (:mod:`paiban.builders.pdf.html`) goes through the glyph check
(:mod:`paiban.fonts.glyphs`) first, then WeasyPrint lays it out with paiban's
justification (:mod:`paiban.builders.pdf.justify`) and a fetcher that reads nothing
outside the book folder (:mod:`paiban.builders.pdf.fetch`). A chapter with the
original pagination is measured: stray characters at the end of an original page
(laid out again, tightened) and original pages that do not fit their PDF page
(:mod:`paiban.builders.pdf.pagination`).
"""

from __future__ import annotations

import weasyprint
from weasyprint.formatting_structure import boxes

from paiban.builders.pdf import justify
from paiban.builders.pdf.fetch import ConfinedFetcher
from paiban.builders.pdf.html import part_html, press_options, print_stylesheets
from paiban.builders.pdf.merge import LaidOutPart, write_part
from paiban.builders.pdf.pagination import overflows
from paiban.fonts.glyphs import check_glyphs
from paiban.log import LOGGER
from paiban.model import Book, Chapter

# The most characters an original page's last line may hold to be pulled up into the
# lines above it by tightening them (see stray_tails).
MAX_STRAY = 6


def layout_html(book: Book, html: str) -> weasyprint.document.Document:
    """WeasyPrint's layout of ``html``, after the glyph check, with paiban's justification
    and a fetcher that reads nothing outside the book folder."""
    check_glyphs(book, html, "\n".join(print_stylesheets(book)))
    justify.install()
    fetcher = ConfinedFetcher(book.root)
    with fetcher.guard():
        return weasyprint.HTML(string=html, base_url=str(book.root) + "/", url_fetcher=fetcher).render()


def lay_out_part(book: Book, html: str, chapter: Chapter | None = None, press: bool = False) -> LaidOutPart:
    """Lay out and write one part (the HTML of :func:`part_html` or :func:`frame_html`).

    A chapter with the original pagination is laid out a second time when the first
    layout left stray characters at the end of an original page (:func:`stray_tails`).
    """
    document = layout_html(book, html)
    if chapter is not None and not book.reflow and (tails := stray_tails(document)):
        LOGGER.info("%s: tightening the last lines of pages %s", chapter.source,
                    ", ".join(str(int(n) - 1) for n in tails))
        document = layout_html(book, part_html(book, "chapter", chapter, tails=tails, press=press))
    found = overflows(document, chapter) if chapter is not None and not book.reflow else []
    return write_part(document, found, uncompressed_pdf=False, **(press_options(book) if press else {}))


def stray_tails(document: weasyprint.document.Document) -> dict[str, int]:
    """The paragraph parts ending an original page whose last line holds a stray few characters.

    The text before an inline page marker filled whole lines in the original, so its
    last line must be full here too (``text-align-last: justify``). Where our lines
    held a character less than the original's, that line holds only the few
    characters left over, spread over the measure. A compositor then sets the lines
    above slightly tighter (紧排) until each takes one more character; so does this:
    it returns, for each such part (by its ``data-page-end``), how many characters at
    its end to set tight, those of as many full lines as there are stray characters
    (at most :data:`MAX_STRAY`), and the strays. See :func:`paiban.transforms.tighten.tighten_tail`.
    """
    tails = {}
    for page in document.pages:
        for block in _page_end_blocks(page._page_box):
            counts = [sum(len(t.text.strip()) for t in _text_boxes(line))
                      for line in block.children if isinstance(line, boxes.LineBox)]
            stray = counts[-1] if counts else 0
            if 0 < stray <= MAX_STRAY and len(counts) > stray:
                tails[block.element.get("data-page-end")] = sum(counts[-1 - stray:])
    return tails


def _page_end_blocks(box: boxes.Box) -> list[boxes.Box]:
    element = getattr(box, "element", None)
    if isinstance(box, boxes.BlockBox) and element is not None and element.get("data-page-end"):
        return [box]
    return [b for child in getattr(box, "children", ()) if not isinstance(child, boxes.LineBox)
            for b in _page_end_blocks(child)]


def _text_boxes(box: boxes.Box) -> list[boxes.TextBox]:
    if isinstance(box, boxes.TextBox):
        return [box]
    return [t for child in getattr(box, "children", ()) for t in _text_boxes(child)]
