"""The print HTML of each part of the book, and laying one part out with WeasyPrint.

It shares the fragment templates and ``base.css`` with the EPUB builder and differs
where print differs: the book in parts laid out one by one (the cover, the front
matter, each chapter; :mod:`paiban.printbook` schedules them and joins their PDFs), a
printed TOC whose page numbers come from the chapters' layout, running heads and
folios (drawn on a frame laid over the pages), the original pagination (each
``{{page N}}`` marker starts a new page unless the book reflows), clreq punctuation
compression (:mod:`paiban.punctuation`), a glyph check before layout
(:mod:`paiban.glyphs`) and the printer's edition (``press``: bleed, crop marks, PDF/X-4).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import lxml.html
import pydyf
import weasyprint
from pypinyin import lazy_pinyin
from weasyprint.formatting_structure import boxes

from . import justify
from .fetch import ConfinedFetcher
from .glyphs import check_glyphs
from .log import LOGGER
from .model import Book, Chapter
from .pagination import overflows
from .pdfmerge import LaidOutPart, write_part
from .punctuation import compress_punctuation
from .render import chapter_links, environment, printed_toc, render_template, stylesheet

PT_PER_MM = 72 / 25.4
# Room for the crop marks outside the bleed, in millimetres (see press_css).
MARKS_MM = 10
# The most characters an original page's last line may hold to be pulled up into the
# lines above it by tightening them (see stray_tails).
MAX_STRAY = 6


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


def split_at_page_breaks(html: str) -> str:
    """Split every paragraph at its inline page markers so each original page starts a box.

    The part before a marker keeps the paragraph's indent and is justified to its last
    line; the part after it starts the next page without an indent and carries the
    marker's id, so links to ``#page-N`` land at the top of that page.
    """
    if not html.strip():
        return html
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for p in list(root.iter("p")):
        markers = [c for c in p if c.tag == "span" and "pagebreak" in (c.get("class") or "").split()]
        current = p
        for marker in markers:
            rest = lxml.html.Element("p", dict(current.attrib))
            rest.set("class", " ".join([*(current.get("class") or "").replace("page-end", "").split(),
                                       "page-continued"]))
            after = list(current)[list(current).index(marker) + 1:]
            tail, marker.tail = marker.tail, None
            current.remove(marker)
            rest.append(marker)
            marker.tail = tail
            rest.extend(after)
            current.set("class", " ".join([*(current.get("class") or "").split(), "page-end"]))
            current.set("data-page-end", marker.get("aria-label") or "")
            current.addnext(rest)
            current = rest
    return "".join(lxml.html.tostring(c, encoding="unicode") for c in root) if len(root) else html


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


def part_html(book: Book, part: str, chapter: Chapter | None = None, folios: dict[str, str] | None = None,
              tails: dict[str, int] | None = None, press: bool = False) -> str:
    """The HTML of one part of the printed book: ``cover``, ``front`` or ``chapter``.

    ``folios`` are the printed page numbers of the headings the contents list (front),
    ``tails`` which page ends to set tight (:func:`stray_tails`), ``press`` adds bleed
    and crop marks (:func:`press_css`).
    """
    chapters = []
    if chapter is not None:
        body = chapter_links(book, chapter, chapter.html, lambda _, place: f"#{place}")
        body = body if book.reflow else tighten_tail(split_at_page_breaks(body), tails or {})
        chapters.append((chapter, compress_punctuation(body), chapter.opening_page))
    sheets = print_stylesheets(book, press)
    if part == "chapter":
        sheets.append(part_css(press))
    return render_template(environment(book), "print.html", book=book, part=part, chapters=chapters,
                           printed_toc=printed_toc(book), folios=folios or {}, stylesheets=sheets,
                           title_lines=cover_title_lines(book))


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
    found = overflows(document, book) if chapter is not None and not book.reflow else []
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
    (at most :data:`MAX_STRAY`), and the strays. See :func:`tighten_tail`.
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


def tighten_tail(html: str, tails: dict[str, int]) -> str:
    """Wrap the last ``tails[n]`` characters of the part ending before page n in ``span.tight``."""
    if not tails:
        return html
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for p in root.iter("p"):
        remaining = tails.get(p.get("data-page-end") or "", 0)
        slots = [(e, "text") for e in p.iter() if e.text] + [(e, "tail") for e in p.iterdescendants() if e.tail]
        order = {id(e): i for i, e in enumerate(p.iter())}
        # Document order: an element's text comes before its descendants', its tail after them.
        slots.sort(key=lambda slot: (order[id(slot[0])] if slot[1] == "text"
                                     else order[id(_last_descendant(slot[0]))] + 0.5))
        for element, attr in reversed(slots):
            if remaining <= 0:
                break
            text = getattr(element, attr)
            cut = len(text)
            while cut > 0 and remaining > 0:
                cut -= 1
                remaining -= not text[cut].isspace()
            span = lxml.html.Element("span", {"class": "tight"})
            span.text = text[cut:]
            setattr(element, attr, text[:cut])
            if attr == "text":
                element.insert(0, span)
            else:
                element.addnext(span)
                span.tail = None
    return "".join(lxml.html.tostring(c, encoding="unicode") for c in root)


def _last_descendant(element: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    while len(element):
        element = element[-1]
    return element


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
