"""Compression of adjacent full-width punctuation for the printed book (clreq 3.1.6).

A full-width mark is drawn on half of its em and leaves the other half blank:
stops, commas and closing marks (。，、；：！？ ” ）…, placed left in Simplified
Chinese fonts) have their blank on the right, opening marks (“ （ 《…) on the left.
Where two marks meet, the blanks between them add up to a whole em or more; the mark
whose blank lies between them is set half-width with the font's OpenType ``halt``
feature: a closing mark before any other mark (。” → 。 half, ）， → ） half,
：“ → ： half), and an opening mark after another opening mark (“《 → 《 half).
Noto CJK has no ``chws``, which would do this contextually, and ``halt`` on a whole
run would halve every mark; so the transform wraps each mark to compress in a span
of class :data:`HALT_CLASS`, which ``print.css`` sets with ``halt``. The text itself
is never changed (copying from the PDF gives the manuscript's text).

The space between Chinese and Latin text is not made here but by
:mod:`paiban.justify`, after line breaking, so it never shifts a line break away
from the original's.
"""

from __future__ import annotations

from dataclasses import dataclass

import lxml.etree

from paiban.tree import Element

HALT_CLASS = "cjk-halt"

# Stops and closing marks: glyph on the left half of the em, blank on the right.
CLOSING = frozenset("。，、；：！？”’）》」』】〕〉〗")
# Opening marks: glyph on the right half, blank on the left.
OPENING = frozenset("“‘（《「『【〔〈〖")

# Elements whose text is a unit for the neighbour lookups; text never runs across them.
_BLOCKS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "dt", "dd", "div",
                     "section", "blockquote", "header", "footer", "figcaption", "caption", "aside", "nav"})
_VERBATIM = frozenset({"code", "pre", "kbd", "samp", "script", "style"})


@dataclass
class _Slot:
    """One run of text in the tree: an element's ``text`` or its ``tail``."""

    element: Element
    attr: str  # "text" or "tail"
    block: object  # the block element holding it
    text: str


def _block_of(element: Element) -> object:
    node = element
    while node is not None and node.tag not in _BLOCKS:
        node = node.getparent()
    return node


def _verbatim(element: Element) -> bool:
    node = element
    while node is not None:
        if node.tag in _VERBATIM:
            return True
        node = node.getparent()
    return False


def _slots(root: Element) -> list[_Slot]:
    """The runs of text of the tree in reading order: an element's text, its descendants',
    then its tail (so that the neighbour of a mark before ``<em><span>一</span></em>`` is
    一, not what follows the ``em``)."""
    slots = []
    for event, element in lxml.etree.iterwalk(root, events=("start", "end")):
        if not isinstance(element.tag, str):
            continue  # comments and processing instructions
        if event == "start":
            if element.text and not _verbatim(element):
                slots.append(_Slot(element, "text", _block_of(element), element.text))
            continue
        parent = element.getparent()
        if element.tail and parent is not None and element is not root and not _verbatim(parent):
            slots.append(_Slot(element, "tail", _block_of(parent), element.tail))
    return slots


def _pieces(text: str, before: str, after: str) -> list[tuple[str, str | None]]:
    """Split ``text`` into (text, :data:`HALT_CLASS` or None) pieces.

    ``before`` and ``after`` are the characters just outside ``text`` in the same
    block (empty at its edges).
    """
    classes: list[str | None] = [None] * len(text)
    for i, char in enumerate(text):
        previous = text[i - 1] if i else before
        following = text[i + 1] if i + 1 < len(text) else after
        if (char in CLOSING and following and (following in CLOSING or following in OPENING)) or \
                (char in OPENING and previous and previous in OPENING):
            classes[i] = HALT_CLASS
    return _halt_pieces(text, classes)


def _halt_pieces(text: str, classes: list[str | None]) -> list[tuple[str, str | None]]:
    pieces: list[tuple[str, str | None]] = []
    for char, cls in zip(text, classes, strict=True):
        if cls is None and pieces and pieces[-1][1] is None:
            pieces[-1] = (pieces[-1][0] + char, None)
        else:
            pieces.append((char, cls))
    return pieces


def _rewrite(slot: _Slot, pieces: list[tuple[str, str | None]]) -> None:
    """Put ``pieces`` in place of the slot's text: plain text stays text, the rest spans."""
    lead = pieces[0][0] if pieces[0][1] is None else ""
    rest = pieces[1:] if pieces[0][1] is None else pieces
    if slot.attr == "text":
        slot.element.text = lead
        parent, index = slot.element, 0
    else:
        slot.element.tail = lead
        parent = slot.element.getparent()
        index = parent.index(slot.element) + 1
    span = None
    for text, cls in rest:
        if cls is None:
            span.tail = text  # plain pieces never follow each other, so a span precedes
            continue
        span = parent.makeelement("span", {"class": cls})
        span.text = text
        parent.insert(index, span)
        index += 1


def compress_punctuation(root: Element) -> None:
    """Wrap each mark of the tree to set half-width in a span."""
    slots = _slots(root)
    befores, afters = [""] * len(slots), [""] * len(slots)
    last: dict[int, str] = {}
    for i, slot in enumerate(slots):
        befores[i] = last.get(id(slot.block), "")
        last[id(slot.block)] = slot.text[-1]
    last.clear()
    for i in range(len(slots) - 1, -1, -1):
        afters[i] = last.get(id(slots[i].block), "")
        last[id(slots[i].block)] = slots[i].text[0]
    edits = []
    for slot, before, after in zip(slots, befores, afters, strict=True):
        pieces = _pieces(slot.text, before, after)
        if any(cls for _, cls in pieces):
            edits.append((slot, pieces))
    for slot, pieces in edits:
        _rewrite(slot, pieces)
