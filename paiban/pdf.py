"""The PDF builder: the whole book as one HTML document, laid out by WeasyPrint.

It shares the fragment templates and ``base.css`` with the EPUB builder and differs
where print differs: one document instead of one file per chapter, a printed TOC
whose page numbers come from the layout, running heads and folios, and the original
pagination (each ``{{page N}}`` marker starts a new page unless the book reflows).
"""

from __future__ import annotations

import math
from pathlib import Path

import lxml.html
import weasyprint

from . import justify
from .errors import BookError, BookErrors
from .log import LOGGER
from .model import Book, Chapter
from .output import atomic_output
from .pagination import overflows
from .fetch import ConfinedFetcher
from .render import chapter_body, environment, printed_toc, render_template, stylesheet

PT_PER_MM = 72 / 25.4


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
        f":root {{ --line: {g.line_height_pt}pt; }}\n"
        f"body.print {{ font-size: {g.font_size_pt}pt; line-height: {g.line_height_pt}pt; }}\n"
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
            current.addnext(rest)
            current = rest
    return "".join(lxml.html.tostring(c, encoding="unicode") for c in root) if len(root) else html


def print_stylesheets(book: Book) -> list[str]:
    return [geometry_css(book), stylesheet(book, "base.css"), stylesheet(book, "print.css")]


def render_html(book: Book) -> str:
    chapters: list[tuple[Chapter, str, int | None]] = []
    for chapter in book.chapters:
        body, opening = chapter_body(chapter)
        chapters.append((chapter, body if book.reflow else split_at_page_breaks(body), opening))
    return render_template(environment(book), "print.html", book=book, chapters=chapters,
                           printed_toc=printed_toc(book), stylesheets=print_stylesheets(book))


def _layout_html(book: Book, html: str) -> weasyprint.document.Document:
    justify.install()
    fetcher = ConfinedFetcher(book.root)
    with fetcher.guard():
        return weasyprint.HTML(string=html, base_url=str(book.root) + "/", url_fetcher=fetcher).render()


def cover_pdf(book: Book) -> bytes:
    """The cover page alone, as printed: the EPUB's cover image is rendered from it."""
    html = render_template(environment(book), "cover-print.html", book=book, stylesheets=print_stylesheets(book))
    return _layout_html(book, html).write_pdf()


def layout(book: Book) -> weasyprint.document.Document:
    """Lay the book out once; the builder and the checks both read this document."""
    document = _layout_html(book, render_html(book))
    LOGGER.info("laid out %d pages", len(document.pages))
    return document


def check_pagination(book: Book, document: weasyprint.document.Document) -> None:
    """Fail when an original page does not fit the type area (unless the book reflows)."""
    if book.reflow:
        return
    found = overflows(document, book)
    if found:
        g = book.geometry
        raise BookErrors([
            BookError(f"original page {o.page} overflows the type area by {o.extra_lines} lines "
                      f"({g.chars_per_line} characters × {g.lines_per_page} lines)", o.source, o.line,
                      "check this page marker's place, or adjust layout: in book.yaml, or build with --reflow")
            for o in found])


def build_pdf(book: Book, target: Path) -> Path:
    document = layout(book)
    check_pagination(book, document)
    with atomic_output(target) as tmp:
        document.write_pdf(tmp, uncompressed_pdf=False)
    LOGGER.info("wrote %s (%d pages)", target, len(document.pages))
    return target
