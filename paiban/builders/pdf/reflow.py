"""A reflowing chapter laid out again from its changed page until the page breaks meet the old ones.

WeasyPrint fills pages from the top down, and a page's lines depend only on the text
from the page's first character on. So when an editor changes a paragraph of a
reflowing chapter, the pages before it stand, and the pages after it stand too from
the first page that starts, in the new layout, at the same character as a page of
the old one: from there the text is the old text and the breaks are the old breaks.

A chapter's part records where each of its pages starts
(:func:`paiban.builders.pdf.layout.page_starts`): the
top-level block of the chapter body its first line stands in (``data-top``, stamped
by :func:`stamp`) and the characters of that block before it. The next build of the
changed chapter finds the changed blocks (:func:`changed_blocks`), lays out a window
of the new text from the page that holds the block before the first changed one
(widows, orphans and a heading kept with its paragraph reach back that far) to a few
old pages past the last changed one (:func:`cut`), and looks in it for a page that
starts where an old page started after the change. Pages up to that one are the
window's, pages from it the old layout's. If no page meets within the window, the
window grows; at the chapter's end there is nothing left to meet.

Only a chapter whose layout is its first one takes this path: no notes, no numbered
figure or table (their second layouts measure the pages, :mod:`paiban.builders.pdf.layout`),
no 着重号 (its dots are drawn, not counted). Any other is laid out whole.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from paiban.model import Chapter
from paiban.transforms.pagebreaks import MARKER_CLASS, split_at
from paiban.tree import Element, drop, elements, has_class, serialize

TOP = "data-top"  # a top-level block's index in the chapter body
OFFSET = "data-offset"  # the characters of its block before a continuation (a window's first block)

Start = tuple[int, int]  # (top-level block, characters before), -1 for the chapter's opening


def eligible(chapter: Chapter, root: Element) -> bool:
    """Whether a reflowing chapter's layout is its first (see the module's docstring)."""
    if chapter.numbered:
        return False
    return not any(has_class(el, "noteref") or has_class(el, "dots") for el in elements(root, "a", "em"))


def stamp(root: Element) -> None:
    """Number the top-level blocks of a print chapter body (``data-top``)."""
    for index, child in enumerate(c for c in root if isinstance(c.tag, str)):
        child.set(TOP, str(index))


def block_hashes(root: Element) -> list[str]:
    """A digest of each top-level block of a stamped print chapter body."""
    return [hashlib.sha256(serialize(_holding(child)).encode()).hexdigest()
            for child in root if isinstance(child.tag, str)]


def _holding(el: Element) -> Element:
    holder = el.makeelement("div", {})
    copy = el.__copy__()
    copy.tail = None
    holder.append(copy)
    return holder


def changed_blocks(old: list[str], new: list[str]) -> tuple[int, int, int]:
    """The changed range of blocks: its start (the same in both), its end in the old list and in the new."""
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end = 0
    while end < min(len(old), len(new)) - start and old[-1 - end] == new[-1 - end]:
        end += 1
    return start, len(old) - end, len(new) - end


def cut(root: Element, start: Start | None, end: Start | None, source: str) -> Element:
    """The stamped print chapter body ``root`` from ``start`` to ``end`` (each None: the
    chapter's start, its end), cut as a page marker cuts it (:func:`split_at`)."""
    if end is not None and (block := _top(root, end[0])) is not None:
        continuation = _split(root, block, end[1], source)
        for el in [continuation, *continuation.itersiblings()]:
            root.remove(el)
    if start is not None and (block := _top(root, start[0])) is not None:
        continuation = _split(root, block, start[1], source)
        continuation.set(OFFSET, str(start[1]))
        for el in list(continuation.itersiblings(preceding=True)):
            root.remove(el)
        root.text = None
    return root


def _top(root: Element, index: int) -> Element | None:
    return next((c for c in root if isinstance(c.tag, str) and c.get(TOP) == str(index)), None)


def _split(root: Element, block: Element, chars: int, source: str) -> Element:
    """Cut ``block`` before its ``chars``-th character; the element that starts there."""
    if chars == 0:
        return block
    marker = block.makeelement("span", {"class": MARKER_CLASS})
    _insert(block, chars, marker)
    split_at(marker, root, source)
    continuation = next(el for el in root if isinstance(el.tag, str) and marker in el.iter())
    drop(marker)
    return continuation


def _insert(block: Element, chars: int, marker: Element) -> None:
    """Put ``marker`` before the ``chars``-th character (not counting white space) of ``block``'s text."""
    count = 0
    for node, slot in _slots(block):
        text = getattr(node, slot) or ""
        for index, ch in enumerate(text):
            if ch.isspace():
                continue
            if count == chars:
                setattr(node, slot, text[:index])
                marker.tail = text[index:]
                if slot == "text":
                    node.insert(0, marker)
                else:
                    node.addnext(marker)
                return
            count += 1
    raise ValueError(f"block has {count} characters, not {chars}")


def _slots(el: Element) -> Iterator[tuple[Element, str]]:
    """The text slots of ``el`` in reading order: its text, each child's, each child's tail."""
    if isinstance(el.tag, str):
        yield el, "text"
        for child in el:
            yield from _slots(child)
            yield child, "tail"


@dataclass(frozen=True)
class Window:
    """The part of a reflowing chapter to lay out again: from ``start`` to ``end`` (None: the
    chapter's start or end), as :func:`cut` cuts it."""

    start: Start | None
    end: Start | None
