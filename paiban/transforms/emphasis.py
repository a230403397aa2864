"""着重号 in print: each emphasised Han character in a span of its own, for print.css to dot.

Emphasis on Chinese text (``em.dots``, :func:`paiban.reader.elements.emphasis`) is a dot
under each Han character and under no punctuation mark (GB/T 15834-2011, 4.15). The
EPUB says so with CSS ``text-emphasis``, which reading systems draw. WeasyPrint 70
draws nothing for it, so the print tree gives each Han character of the emphasis a
``span`` of class :data:`DOT_CLASS`, and ``print.css`` draws the dot as that span's
background, centred at its foot. A background is no character (copying or searching the
PDF finds the manuscript's text) and changes no layout: the line breaks, the
justification (:mod:`paiban.builders.pdf.justify` moves the span with its character)
and the line pitch stay as they were without the dots.

Latin runs in the emphasis (``span.latin``: italic, no dots), punctuation, digits and
everything else stay as they were. The text is not changed: each span holds one
character of it.
"""

from __future__ import annotations

from paiban.reader.elements import HAN
from paiban.tree import Element, elements, has_class

DOT_CLASS = "em-dot"
# What inside an emphasis takes no dots: Latin runs (set in italic) and verbatim text.
_UNDOTTED = frozenset({"code", "kbd", "samp"})


def dot_emphasis(root: Element) -> None:
    """Wrap each Han character of every ``em.dots`` of the tree in ``span.em-dot``."""
    for em in [e for e in elements(root, "em") if has_class(e, "dots")]:
        if not any(a.tag == "em" and has_class(a, "dots") for a in em.iterancestors()):
            _dot(em)


def _dotted(el: Element) -> bool:
    """Whether the text inside ``el`` takes dots (a Latin run or verbatim text does not)."""
    return isinstance(el.tag, str) and el.tag not in _UNDOTTED and not has_class(el, "latin") \
        and not has_class(el, DOT_CLASS)


def _dot(el: Element) -> None:
    """Dot the Han characters of ``el``'s own text, of its children's, and of their tails."""
    children = list(el)
    if el.text:
        lead, spans = _split(el, el.text)
        el.text = lead
        for index, span in enumerate(spans):
            el.insert(index, span)
    for child in children:
        if _dotted(child):
            _dot(child)
        if child.tail:
            lead, spans = _split(el, child.tail)
            child.tail = lead
            for span in reversed(spans):
                child.addnext(span)


def _split(parent: Element, text: str) -> tuple[str, list[Element]]:
    """``text`` as its lead (up to the first Han character) and one span per Han
    character, each holding what follows it up to the next one as its tail."""
    lead, spans = "", []
    for char in text:
        if HAN.match(char):
            span = parent.makeelement("span", {"class": DOT_CLASS})
            span.text = char
            span.tail = ""
            spans.append(span)
        elif spans:
            spans[-1].tail += char
        else:
            lead += char
    for span in spans:
        span.tail = span.tail or None
    return lead, spans
