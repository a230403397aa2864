"""Measuring the original pagination, and where the notes fell, on a laid-out document.

With page markers, each original page must fit on one PDF page. When a page's text
is longer than the type area, WeasyPrint silently continues it on an extra page;
this module finds such pages and how many lines overflowed, so the build can fail
with a message instead of shifting every later page.

Notes (页下注, :mod:`paiban.transforms.notes`) take room from their page's body: an
original page whose text and notes do not fit pushes its last lines onto an extra
page, found as above. A note that does not fit even so is not split by WeasyPrint
but set whole on a later page, away from its call (:func:`note_places` finds it):
on a reprint that too is an original page that overflows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from weasyprint.document import Document
from weasyprint.formatting_structure import boxes

from paiban.model import Chapter, PageMarker
from paiban.transforms.notes import CALL_KEY


@dataclass(frozen=True)
class Overflow:
    page: int  # original page number
    source: str
    line: int
    extra_lines: int
    kind: str = "overflow"  # "overflow"; "shared": the marker did not start a page; "opening": text before the first marker


@dataclass(frozen=True)
class NotePlace:
    """Where a note's call and the note itself were set (PDF pages of the part, from 0)."""

    key: str  # the call's data-call (paiban.transforms.notes)
    number: str  # as printed at the call: ①
    call_page: int
    note_page: int | None  # None: the note was not set at all
    lines: int  # the note's lines
    height: float  # the note's height, in CSS pixels


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
    """Lines of body text on a PDF page (margin boxes such as running heads, and the notes, excluded)."""
    page_box = document.pages[index]._page_box
    return sum(1 for child in page_box.children if not isinstance(child, (boxes.MarginBox, boxes.FootnoteAreaBox))
               for _ in _line_boxes(child))


def note_places(document: Document) -> dict[str, NotePlace]:
    """Every note call of the document and where its note was set, by the call's key.

    A call is WeasyPrint's ``::footnote-call`` box of the note's element (``data-call``);
    the note is that element's box in a page's note area.
    """
    calls: dict[str, tuple[str, int]] = {}
    notes: dict[str, tuple[int, int, float]] = {}
    for index, page in enumerate(document.pages):
        for child in page._page_box.children:
            if isinstance(child, boxes.FootnoteAreaBox):
                for note in child.children:
                    if note.element is not None and (key := note.element.get(CALL_KEY)) is not None:
                        notes.setdefault(key, (index, sum(1 for _ in _line_boxes(note)), note.margin_height()))
            elif not isinstance(child, boxes.MarginBox):
                for box in child.descendants():
                    if (box.element_tag.endswith("::footnote-call") and box.element is not None
                            and box.element.get(CALL_KEY) is not None):
                        text = "".join(t.text for t in box.descendants() if isinstance(t, boxes.TextBox))
                        calls.setdefault(box.element.get(CALL_KEY), (text, index))
    return {key: NotePlace(key, number, page, *(notes.get(key, (None, 0, 0.0))))
            for key, (number, page) in calls.items()}


def overflows(document: Document, chapter: Chapter) -> list[Overflow]:
    """Original pages of ``chapter`` (laid out alone in ``document``) that do not fill exactly one PDF page.

    Each marker's page runs to the next marker's, and the last one to the chapter's
    end: the text after the last marker is measured too. Text before the first marker
    (a chapter whose opening page has no marker) must fit its page as well. A marker
    on the same PDF page as the one before it did not start a page at all. A note set
    on another page than its call's makes its call's original page overflow by the
    note's lines (:func:`note_places`).
    """
    where = anchor_pages(document)
    markers = [m for m in chapter.markers if f"page-{m.number}" in where]
    if not markers:  # a reprint's preface: its original pages had roman numbers, which no marker names
        return []
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
    return found + _moved_notes(document, chapter, markers, where, found)


def _moved_notes(document: Document, chapter: Chapter, markers: list[PageMarker], where: dict[str, int],
                 found: list[Overflow]) -> list[Overflow]:
    """The original pages whose note was set on a later PDF page, each once (an overflow found already stands)."""
    reported = {(o.page, o.kind) for o in found}
    moved: dict[tuple[int, str], Overflow] = {}
    for place in note_places(document).values():
        if place.note_page == place.call_page:
            continue
        marker = next((m for m in reversed(markers) if where[f"page-{m.number}"] <= place.call_page), None)
        overflow = (Overflow(marker.number, chapter.source, marker.line, place.lines) if marker is not None
                    else Overflow(markers[0].number - 1, chapter.source, chapter.body_line, place.lines, "opening"))
        page = (overflow.page, overflow.kind)
        if page not in reported:
            known = moved.get(page)
            moved[page] = overflow if known is None else replace(known, extra_lines=known.extra_lines + place.lines)
    return list(moved.values())
