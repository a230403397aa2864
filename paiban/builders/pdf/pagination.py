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

from paiban.model import Chapter


@dataclass(frozen=True)
class Overflow:
    page: int  # original page number
    source: str
    line: int
    extra_lines: int
    kind: str = "overflow"  # "overflow"; "shared": the marker did not start a page; "opening": text before the first marker


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


def overflows(document: Document, chapter: Chapter) -> list[Overflow]:
    """Original pages of ``chapter`` (laid out alone in ``document``) that do not fill exactly one PDF page.

    Each marker's page runs to the next marker's, and the last one to the chapter's
    end: the text after the last marker is measured too. Text before the first marker
    (a chapter whose opening page has no marker) must fit its page as well. A marker
    on the same PDF page as the one before it did not start a page at all.
    """
    where = anchor_pages(document)
    markers = [m for m in chapter.markers if f"page-{m.number}" in where]
    found = []
    if markers and (first := where[f"page-{markers[0].number}"]) > 1:
        found.append(Overflow(markers[0].number - 1, chapter.source, chapter.body_line,
                              sum(body_lines(document, i) for i in range(1, first)), "opening"))
    ends = [where[f"page-{m.number}"] for m in markers[1:]] + [len(document.pages)]
    for k, (marker, end) in enumerate(zip(markers, ends, strict=True)):
        start = where[f"page-{marker.number}"]
        if end == start:
            following = markers[k + 1]
            found.append(Overflow(following.number, chapter.source, following.line, 0, "shared"))
        elif end - start > 1:
            extra = sum(body_lines(document, i) for i in range(start + 1, end))
            found.append(Overflow(marker.number, chapter.source, marker.line, extra))
    return found
