"""Measuring the original pagination on a laid-out document.

With page markers, each original page must fit on one PDF page. When a page's text
is longer than the type area, WeasyPrint silently continues it on an extra page;
this module finds such pages and how many lines overflowed, so the build can fail
with a message instead of shifting every later page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from weasyprint.document import Document
from weasyprint.formatting_structure import boxes

from .model import Book


@dataclass(frozen=True)
class Overflow:
    page: int  # original page number
    source: str
    line: int
    extra_lines: int


def anchor_pages(document: Document) -> dict[str, int]:
    """Index of the PDF page holding each anchor (``id``)."""
    return {name: index for index, page in enumerate(document.pages) for name in page.anchors}


def _line_boxes(box: boxes.Box) -> Iterator[boxes.LineBox]:
    if isinstance(box, boxes.LineBox):
        yield box
        return
    for child in getattr(box, "children", ()):
        yield from _line_boxes(child)


def body_lines(document: Document, index: int) -> int:
    """Lines of body text on a PDF page (margin boxes such as running heads excluded)."""
    page_box = document.pages[index]._page_box
    return sum(1 for child in page_box.children if not isinstance(child, boxes.MarginBox)
               for _ in _line_boxes(child))


def overflows(document: Document, book: Book) -> list[Overflow]:
    """Original pages whose text did not fit on one PDF page."""
    where = anchor_pages(document)
    found = []
    for chapter in book.chapters:
        numbers = [m for m in chapter.markers if f"page-{m.number}" in where]
        for marker, following in zip(numbers, numbers[1:], strict=False):
            start, end = where[f"page-{marker.number}"], where[f"page-{following.number}"]
            if end - start > 1:
                extra = sum(body_lines(document, i) for i in range(start + 1, end))
                found.append(Overflow(marker.number, chapter.source, marker.line, extra))
    return found
