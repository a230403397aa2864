"""Tight tails: the last lines before an original page break set a little tighter (紧排).

The text before an inline page marker filled whole lines in the original, so its
last line must be full here too. Where the first layout left a few stray characters
on that line (:func:`paiban.builders.pdf.layout.stray_tails` measures them), the PDF
builder lays the chapter out again with this transform, which wraps the last
characters of that block in ``span.tight`` (a small negative letter-spacing,
print.css) until the lines above each take one character more.
"""

from __future__ import annotations

from paiban.tree import Element, elements


def tighten_tail(root: Element, tails: dict[str, int]) -> None:
    """Wrap the last ``tails[n]`` characters of the block ending before page n in ``span.tight``."""
    if not tails:
        return
    for block in [el for el in elements(root) if el.get("data-page-end") in tails]:
        _tighten(block, tails[block.get("data-page-end") or ""])


def _tighten(block: Element, remaining: int) -> None:
    # By the elements themselves, not their id(): lxml makes a Python object for an element
    # when it is asked for and frees it when no one holds it, so an id() taken in one walk
    # may belong to another element in the next. The dict holds them, so each walk gets the same.
    order = {e: i for i, e in enumerate(block.iter())}
    slots = [(e, "text") for e in block.iter() if e.text] + [(e, "tail") for e in block.iterdescendants() if e.tail]
    # Document order: an element's text comes before its descendants', its tail after them.
    slots.sort(key=lambda slot: (order[slot[0]] if slot[1] == "text"
                                 else order[_last_descendant(slot[0])] + 0.5))
    for element, attr in reversed(slots):
        if remaining <= 0:
            break
        text = getattr(element, attr)
        cut = len(text)
        while cut > 0 and remaining > 0:
            cut -= 1
            remaining -= not text[cut].isspace()
        span = element.makeelement("span", {"class": "tight"})
        span.text = text[cut:]
        setattr(element, attr, text[:cut])
        if attr == "text":
            element.insert(0, span)
        else:
            element.addnext(span)
            span.tail = None


def _last_descendant(element: Element) -> Element:
    while len(element):
        element = element[-1]
    return element
