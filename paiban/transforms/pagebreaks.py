"""The original pagination in print: every ``{{page N}}`` starts a PDF page, wherever it stands.

A marker alone on its line is a block (``div.pagebreak``) and the stylesheet breaks
the page before it. A marker inside a block (a paragraph, a list item, a quotation,
a heading, a table row) is an inline ``span.pagebreak``; CSS breaks pages only
between blocks, so this transform splits the tree at the marker: every element from
the marker up to the chapter body is cut in two, the part before the marker keeping
the element's place and the part after it following as a sibling. The topmost
continuation gets the class ``page-start`` (``break-before: page`` in print.css):

- the block the marker's text stands in: the part before it is ``page-end`` (its
  last line is justified: the original line ran on) and carries ``data-page-end``
  for :mod:`paiban.transforms.tighten`; the part after it is ``page-continued`` (no
  first-line indent, no list number);
- a numbered list split inside an item continues its numbering (``start``);
- an element left with nothing before the marker is not kept empty: the page then
  simply starts at that element, which keeps its ``id``;
- a heading with the marker at its start or end starts or ends the page; a table
  row with the marker at its start starts the page. A marker anywhere else in a
  heading or a row cannot be honoured (a row is never split across pages, a heading
  never broken), and is a :class:`~paiban.errors.BookError` naming the marker.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

from paiban.errors import BookError
from paiban.tree import BLOCKS, Element, add_class, drop, elements, has_class

MARKER_CLASS = "pagebreak"
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
TABLE_PARTS = frozenset({"table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption"})


def inline_markers(root: Element) -> list[Element]:
    return [el for el in elements(root, "span") if has_class(el, MARKER_CLASS)]


def split_at_page_breaks(root: Element, source: str = "") -> None:
    """Split ``root`` (a chapter body) so that each inline marker starts a block on a new page.

    ``source`` is the chapter file, for errors; a marker's line is its ``data-line``.
    """
    for marker in inline_markers(root):
        split_at(marker, root, source)


def split_at(marker: Element, root: Element, source: str = "") -> None:
    """Split ``root`` at one inline ``marker`` (see the module's docstring)."""
    block = _block_of(marker, root)
    if block is root:
        marker.tag = "div"  # between blocks already: a block marker
    elif block.tag in TABLE_PARTS:
        _row_start(marker, block, root, source)
    elif block.tag in HEADINGS:
        _around_heading(marker, block, root, source)
    else:
        _split(marker, block, root)


def _starts_page(el: Element) -> bool:
    return isinstance(el.tag, str) and (has_class(el, "page-start") or (el.tag == "div" and has_class(el, MARKER_CLASS)))


def page_groups(root: Element) -> list[tuple[list[Element], int]]:
    """The top-level blocks of a print chapter body by original page, each group with the
    number of PDF pages it fills: one, or more for a block an original page starts inside
    (a table whose row starts a page). The first group also holds the chapter's opening."""
    groups: list[tuple[list[Element], int]] = [([], 1)]
    for child in root:
        if _starts_page(child) and (groups[-1][0] or len(groups) > 1):
            groups.append(([], 1))
        inner = sum(1 for el in child.iterdescendants() if _starts_page(el))
        groups[-1] = (groups[-1][0] + [child], groups[-1][1] + inner)
    return groups


def only_pages(root: Element, groups: Sequence[int]) -> Element:
    """A copy of the print chapter body ``root`` holding only the page groups ``groups``
    (indexes into :func:`page_groups`)."""
    found = page_groups(root)
    kept = root.makeelement(root.tag, dict(root.attrib))
    for group in groups:
        for el in found[group][0]:
            kept.append(copy.deepcopy(el))
    return kept


def _block_of(el: Element, root: Element) -> Element:
    node = el.getparent()
    while node is not root and node.tag not in BLOCKS:
        node = node.getparent()
    return node


def _error(marker: Element, source: str, message: str, hint: str) -> BookError:
    line = marker.get("data-line")
    return BookError(f"page marker {{{{page {marker.get('aria-label')}}}}} {message}", source or None,
                     int(line) if line else None, hint)


def _text_before(marker: Element, within: Element) -> str:
    """The text of ``within`` that comes before ``marker`` in document order."""
    out: list[str] = []

    def walk(el: Element) -> bool:
        if el is marker:
            return True
        if el.text:
            out.append(el.text)
        for child in el:
            if walk(child):
                return True
            if child.tail:
                out.append(child.tail)
        return False

    walk(within)
    return "".join(out)


def _row_start(marker: Element, block: Element, root: Element, source: str) -> None:
    row = block if block.tag == "tr" else next((a for a in block.iterancestors("tr")), None)
    if row is None or _text_before(marker, row).strip():
        raise _error(marker, source, "stands inside a table row, not at its start",
                     "a row is never split across pages: put the marker at the start of the row the page begins with")
    add_class(row, "page-start")


def _around_heading(marker: Element, heading: Element, root: Element, source: str) -> None:
    before, after = _text_before(marker, heading).strip(), _text_after(marker, heading).strip()
    if before and after:
        raise _error(marker, source, "stands in the middle of a heading",
                     "a heading is never broken across pages: put the marker before or after it")
    drop(marker)
    if before:  # the page starts after the heading
        marker.tail, heading.tail = heading.tail, None
        heading.addnext(marker)
    else:  # the page starts with the heading
        marker.tail = None
        heading.addprevious(marker)
    parent = marker.getparent()
    if parent is root:
        marker.tag = "div"
    else:
        _split(marker, _block_of(marker, root), root)


def _text_after(marker: Element, within: Element) -> str:
    return within.text_content()[len(_text_before(marker, within)):]


def _clone(el: Element) -> Element:
    """An empty element like ``el``, without its id (ids are unique)."""
    return el.makeelement(el.tag, {k: v for k, v in el.attrib.items() if k != "id"})


def _split(marker: Element, block: Element, root: Element) -> None:
    """Cut every element from ``marker``'s parent up to the child of ``root`` in two at the marker.

    At each level the right half is a clone of the element holding the marker (or the
    right half of the level below) and everything after it; it is put right after the
    element, and becomes what moves at the next level up.
    """
    moving, node = marker, marker.getparent()
    while True:
        right = _clone(node)
        following = list(node)[node.index(moving):]
        right.extend(following)  # the marker (or lower right half) first, with the tails
        kept = not _empty(node)
        if kept and node is block and not _empty(right):
            add_class(node, "page-end")
            node.set("data-page-end", marker.get("aria-label") or "")
            add_class(right, "page-continued")
        elif kept and node.tag == "li":
            add_class(right, "page-continued")
        if node.tag == "ol":  # the right half starts with the number of its first item, continued or not
            items = sum(1 for c in node if c.tag == "li")
            continued = right[0].tag == "li" and has_class(right[0], "page-continued")
            right.set("start", str(int(node.get("start") or 1) + items - (1 if continued else 0)))
        right.tail, node.tail = node.tail, None
        node.addnext(right)
        parent = node.getparent()
        if not kept:  # nothing before the marker: the page starts with this element
            if node.get("id"):
                right.set("id", node.get("id"))
            parent.remove(node)
        if parent is root:
            add_class(right, "page-start")
            return
        moving, node = right, parent


def _empty(el: Element) -> bool:
    """Whether ``el`` holds nothing a reader would see (no text, no image)."""
    if (el.text_content() or "").strip():
        return False
    return not any(True for _ in el.iter("img", "hr", "table"))

