"""Deferred figures in print: a figure too tall for the room left on a page goes to the
top of the next page, and the text after it fills that room.

WeasyPrint has no page floats (``float: top`` is ignored): a figure that does not fit
starts the next page and leaves the rest of the page before it empty. So the PDF
builder measures a first layout (:func:`paiban.builders.pdf.layout.figures_and_tables`):
for each figure that starts a page after a page ending in more than two empty lines,
how many characters of the paragraphs after the figure would fill those lines. This
transform then moves the figure after that many characters, past whole paragraphs
and into the one the page now ends in, which it cuts in two at a line's end: the
part before the figure keeps the paragraph's place and is justified to its last line
(the line runs on behind the figure), the part after it starts without an indent.
The figure carries what it passed (``data-deferred``), so that the next layout's
measure knows where it came from (:data:`DEFERRED`).

A figure passes only ordinary paragraphs that follow it directly: never a heading,
a list, a table, another figure, nor, in a book with the original pagination, a
page marker or a paragraph cut at one (:func:`passable`).

The characters counted are those a page shows of the paragraph's own text: white
space and note calls (whose text the print CSS may set as a footnote call) are not
counted, in the tree here as in the laid-out lines there.
"""

from __future__ import annotations

import copy

from paiban.tree import Element, add_class, drop, elements, has_class

# Where a deferred figure came from: the characters of the text it was moved past.
DEFERRED = "data-deferred"
# The classes of the two parts of a paragraph a figure was moved into (print.css).
RUNS_ON, CONTINUES = "runs-on", "continues"
# Classes of the original pagination (paiban.transforms.pagebreaks) a figure never passes.
PAGINATION = frozenset({"page-start", "page-end", "page-continued", "pagebreak"})


def is_figure(el: Element) -> bool:
    return el.tag == "figure" and has_class(el, "figure")


def uncounted(el: Element) -> bool:
    """Elements whose text is not counted: note calls (``a.noteref``)."""
    return el.tag == "a" and has_class(el, "noteref")


def passable(el: Element) -> bool:
    """Whether a figure may be moved past (or into) ``el``: a paragraph, not a page marker's."""
    return (el.tag == "p" and not PAGINATION & set((el.get("class") or "").split())
            and not any(has_class(d, "pagebreak") for d in el.iter() if d.tag in ("span", "div")))


def counted(el: Element) -> int:
    """The characters of ``el`` that :mod:`paiban.builders.pdf.layout` counts in its lines."""
    return sum(_count(text) for text in _texts(el))


def defer_figures(root: Element, moves: dict[str, int]) -> None:
    """Move each figure numbered in ``moves`` (by ``data-number``) after that many characters
    of the paragraphs that follow it."""
    if not moves:
        return
    for figure in [f for f in elements(root, "figure") if is_figure(f) and moves.get(f.get("data-number") or "")]:
        remaining, last = moves[figure.get("data-number")], None
        for sibling in list(figure.itersiblings()):
            if remaining <= 0 or not isinstance(sibling.tag, str) or not passable(sibling):
                break
            size = counted(sibling)
            if size > remaining:
                after = split_paragraph(sibling, remaining)
                add_class(sibling, RUNS_ON)
                add_class(after, CONTINUES)
            last, remaining = sibling, remaining - size
        if last is not None:
            figure.set(DEFERRED, str(moves[figure.get("data-number")] - max(remaining, 0)))
            drop(figure)
            figure.tail, last.tail = last.tail, None
            last.addnext(figure)


def split_paragraph(p: Element, keep: int) -> Element:
    """Cut ``p`` after its ``keep``-th counted character: ``p`` keeps what comes before, a copy
    put right after it (without the ids, which stay unique) what comes after.

    Every atom of the paragraph (a counted character, or an element with nothing
    counted in it: a note call, a line break, an image) lies before the cut or after
    it; an atom between the last character kept and the next one stays before it (a
    call follows the character it is attached to). Elements holding atoms on both sides
    are in both halves.
    """
    after = copy.deepcopy(p)
    _cut(p, keep, before=True)
    _cut(after, keep, before=False)
    for el in after.iter():
        el.attrib.pop("id", None)
    after.tail, p.tail = p.tail, None
    p.addnext(after)
    return after


def _cut(block: Element, keep: int, before: bool) -> None:
    """Keep in ``block`` only the atoms before the cut (``before``) or only those after it."""
    seen, started = 0, False  # characters counted; whether the first one after the cut was met

    def kept(text: str) -> str:
        nonlocal seen, started
        cut = len(text)
        if started:
            cut = 0
        else:
            for index, ch in enumerate(text):
                if not ch.isspace():
                    if seen == keep:
                        started, cut = True, index
                        break
                    seen += 1
        return text[:cut] if before else text[cut:]

    def visit(el: Element) -> None:
        el.text = kept(el.text or "") or None
        for child in list(el):
            if isinstance(child.tag, str) and counted(child):
                visit(child)
                gone = not counted(child) and not len(child)
            else:  # an atom: on the side the cut has reached
                gone = started == before
            child.tail = kept(child.tail or "") or None
            if gone:
                drop(child)

    visit(block)


def _texts(el: Element) -> list[str]:
    """The texts of ``el`` that a page shows in its lines, note calls left out."""
    if uncounted(el):
        return []
    out = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str):
            out += _texts(child)
        out.append(child.tail or "")
    return out


def _count(text: str) -> int:
    return sum(not ch.isspace() for ch in text)
