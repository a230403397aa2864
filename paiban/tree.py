"""The chapter tree: how a chapter body travels from the reader to the builders, and the one serializer.

The reader parses each chapter once, into an lxml tree whose root is a ``<div>``
holding the body's blocks. The model keeps the tree in its canonical serialized
form (:attr:`paiban.model.Chapter.html`), because a :class:`~paiban.model.Book` must
pickle (the cache keys hash it; worker processes receive it) and lxml trees do not.
:func:`fragment` parses that text once per process and hands each caller a copy of
its own, so a builder's transforms (:mod:`paiban.transforms`) never touch another
builder's tree; :func:`serialize` is the only way back to text.

Attribute names keep their prefix as written (``epub:type``): the trees are HTML
trees (lxml's HTML parser), and the serializer writes XML, which is XHTML as EPUB
requires and HTML5 as WeasyPrint reads it.
"""

from __future__ import annotations

import copy
import functools
import html as html_lib
from collections.abc import Iterator

import lxml.etree
import lxml.html

Element = lxml.html.HtmlElement
VOID = frozenset({"br", "hr", "img", "col", "wbr"})
LINE = "data-line"  # the source line of an element, stamped by the reader
BLOCKS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "dt", "dd", "div", "section",
                    "blockquote", "header", "footer", "figure", "figcaption", "caption", "aside", "nav", "ol", "ul",
                    "dl", "table", "thead", "tbody", "tfoot", "tr", "pre"})


def parse(xhtml: str) -> Element:
    """The tree of an XHTML fragment, under a ``<div>`` root. Only the reader calls this
    on text it made; everything after it gets trees from :func:`fragment`."""
    return lxml.html.fragment_fromstring(xhtml, create_parent="div") if xhtml.strip() else lxml.html.Element("div")


@functools.lru_cache(maxsize=64)
def _parsed(xhtml: str) -> Element:
    return parse(xhtml)


def fragment(xhtml: str) -> Element:
    """A tree of the canonical text, the caller's own to change (parsed once per process)."""
    return copy.deepcopy(_parsed(xhtml))


def serialize(root: Element, lines: bool = False) -> str:
    """The XHTML of ``root``'s content (not of ``root`` itself): ``<br/>``, escaped text.

    An empty non-void element is written ``<span></span>``, not ``<span/>``: the latter
    is well-formed XML but an unclosed start tag to an HTML parser (the PDF's). The
    source lines the reader stamped (``data-line``) are kept only in the model's
    canonical form (``lines``), never written into an output.
    """
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag not in VOID and el.text is None and len(el) == 0:
            el.text = ""
        if not lines and LINE in el.attrib:
            del el.attrib[LINE]
    lead = html_lib.escape(root.text or "", quote=False)
    return lead + "".join(lxml.etree.tostring(child, encoding="unicode", method="xml") for child in root)


def classes(el: Element) -> list[str]:
    return (el.get("class") or "").split()


def has_class(el: Element, name: str) -> bool:
    return name in classes(el)


def add_class(el: Element, *names: str) -> None:
    present = classes(el)
    el.set("class", " ".join([*present, *(n for n in names if n not in present)]))


def remove_class(el: Element, name: str) -> None:
    kept = [c for c in classes(el) if c != name]
    if kept:
        el.set("class", " ".join(kept))
    elif "class" in el.attrib:
        del el.attrib["class"]


def elements(root: Element, *tags: str) -> Iterator[Element]:
    """The elements of ``root`` (comments and processing instructions left out), of ``tags`` if given."""
    return (el for el in root.iter(*tags) if isinstance(el.tag, str))


def text_of(el: Element) -> str:
    """The element's text with white space runs made single spaces, as a heading or label reads."""
    return " ".join(el.text_content().split())


def ids(root: Element) -> list[str]:
    """Every ``id`` in ``root``, in document order."""
    return [el.get("id") for el in elements(root) if el.get("id")]


def drop(el: Element) -> None:
    """Remove ``el`` from its parent, keeping the text that followed it in place (lxml's
    ``remove`` takes an element's tail with it)."""
    parent, previous = el.getparent(), el.getprevious()
    if el.tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def source_line(*candidates: Element) -> int | None:
    """The source line the reader stamped on the first of ``candidates`` that has one (on
    itself or a descendant): where a problem with that element is reported."""
    for el in candidates:
        line = el.get(LINE) or next((d.get(LINE) for d in el.iter() if d.get(LINE)), None)
        if line:
            return int(line)
    return None
