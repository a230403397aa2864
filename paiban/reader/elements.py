"""The reader's own form of notes and emphasis, the same for both builders.

Python-Markdown's footnotes come out as a screen's end block (``<div class="footnote">``
with ``<hr>``, numbers and ↩ back links). The reader turns them into what a book
means by them, and each builder then sets them its way:

- a **call** is ``<a class="noteref" epub:type="noteref" role="doc-noteref">``, its
  text the note's number in the chapter, in circled figures (①②…; from 51, ``[51]``);
- the **notes** are ``<aside class="note" epub:type="footnote" role="doc-footnote">``
  in a ``<section class="notes">`` at the end of the chapter, without back links (the
  EPUB builder adds labelled ones; print has none) and without the rule.

Emphasis (``*…*``) means different things by script (GB/T 15834): on Chinese text it
is 着重号, a dot under each character; on Latin text an italic. The reader marks each
``em`` by what it holds: ``em.dots`` (Chinese; Latin runs inside it in ``span.latin``)
or ``em.latin``.
"""

from __future__ import annotations

import re

from paiban.tree import Element, add_class, elements, has_class

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")
LATIN_RUN = re.compile(r"[A-Za-z0-9\u00c0-\u024f][A-Za-z0-9\u00c0-\u024f .,'’\-]*[A-Za-z0-9\u00c0-\u024f.]|[A-Za-z]")
CIRCLED = "".join(chr(c) for c in range(0x2460, 0x2474)) + "".join(chr(c) for c in range(0x3251, 0x3260)) \
    + "".join(chr(c) for c in range(0x32B1, 0x32C0))


def circled(n: int) -> str:
    """① for 1 … ㊿ for 50; past that, the number in brackets."""
    return CIRCLED[n - 1] if 0 < n <= len(CIRCLED) else f"[{n}]"


def notes(root: Element, chapter_id: str) -> None:
    """Calls and notes as the book means them (see the module's docstring)."""
    block = next((d for d in elements(root, "div") if has_class(d, "footnote")), None)
    if block is None:
        return
    numbers: dict[str, int] = {}
    called: set[int] = set()
    for sup in [s for s in elements(root, "sup") if (s.get("id") or "").startswith("fnref")]:
        a = next(iter(sup), None)
        if a is None or not has_class(a, "footnote-ref"):
            continue
        target = (a.get("href") or "").removeprefix("#")
        number = numbers.setdefault(target, len(numbers) + 1)
        call = root.makeelement("a", {"class": "noteref", "href": f"#fn-{chapter_id}-{number}",
                                      "epub:type": "noteref", "role": "doc-noteref"})
        if sup.get("data-line"):
            call.set("data-line", sup.get("data-line"))
        if number not in called:  # a note called twice links back to its first call
            call.set("id", f"fnref-{chapter_id}-{number}")
            called.add(number)
        call.text = circled(number)
        call.tail = sup.tail
        sup.getparent().replace(sup, call)
    section = root.makeelement("section", {"class": "notes", "epub:type": "footnotes", "aria-label": "注释"})
    for li in elements(block, "li"):
        number = numbers.get(li.get("id") or "")
        if number is None:  # a note nothing calls (check reports it, R004): not printed
            continue
        aside = section.makeelement("aside", {"class": "note", "id": f"fn-{chapter_id}-{number}",
                                              "epub:type": "footnote", "role": "doc-footnote",
                                              "data-note": circled(number)})
        for backref in [a for a in elements(li, "a") if has_class(a, "footnote-backref")]:
            _drop(backref)
        aside.text = li.text
        aside.extend(list(li))
        section.append(aside)
    section[:] = sorted(section, key=lambda a: int(a.get("id").rsplit("-", 1)[1]))
    block.getparent().replace(block, section)
    if not len(section):
        section.getparent().remove(section)


def _drop(el: Element) -> None:
    """Remove ``el``, keeping the text after it (and the space before it) in place."""
    parent, previous = el.getparent(), el.getprevious()
    tail = (el.tail or "")
    if previous is not None:
        previous.tail = (previous.tail or "").rstrip() + tail if not tail.strip() else (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "").rstrip() + tail if not tail.strip() else (parent.text or "") + tail
    parent.remove(el)


def emphasis(root: Element) -> None:
    """Mark each ``em`` as 着重号 (``dots``, Latin runs inside in ``span.latin``) or italic (``latin``)."""
    for em in list(elements(root, "em")):
        text = em.text_content()
        if not HAN.search(text):
            add_class(em, "latin")
            continue
        add_class(em, "dots")
        for node, attr in [(em, "text"), *((child, "tail") for child in em.iterdescendants())]:
            value = getattr(node, attr)
            if value and LATIN_RUN.search(value):
                _wrap_latin(node, attr, value)


def _wrap_latin(node: Element, attr: str, value: str) -> None:
    """Put each Latin run of ``node``'s text (or tail) in ``span.latin``."""
    pieces = []
    last = 0
    for m in LATIN_RUN.finditer(value):
        pieces.append((value[last:m.start()], m.group(0)))
        last = m.end()
    setattr(node, attr, pieces[0][0])
    parent, index = (node, 0) if attr == "text" else (node.getparent(), node.getparent().index(node) + 1)
    rest = value[last:]
    for k, (_, latin) in enumerate(pieces):
        span = parent.makeelement("span", {"class": "latin"})
        span.text = latin
        span.tail = pieces[k + 1][0] if k + 1 < len(pieces) else rest
        parent.insert(index + k, span)
