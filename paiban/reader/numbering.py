"""Numbers of figures and tables, assigned once for the whole book, and the cross-references to them.

Both outputs and ``check`` read the numbers from the model, so 图2-3 is the same
figure everywhere. A figure or table is numbered by its chapter and its place in it:

- in a chapter (``kind: chapter``), the chapter's ordinal among the book's chapters:
  图1-1, 图1-2 … 表2-1;
- in an appendix, through all appendices: 附图1, 附表1 (the appendix scheme of
  Chinese books, which number appendix items apart from the chapters');
- anywhere else (preface, introduction, afterword…), chapter 0: 图0-1.

A cross-reference ``@fig:label`` gets the number as its text (图1-1) and a link to
the figure: ``#fig:label`` in its own chapter, ``02.md#fig:label`` in another (which
each builder points into its output, :mod:`paiban.transforms.links`). An unknown or
duplicate label is an error diagnostic at its line (rules R007, R008).
"""

from __future__ import annotations

import posixpath
from paiban.errors import Diagnostic
from paiban.model import Numbered
from paiban.tree import Element, elements, has_class, source_line

KINDS = {"figure": ("fig", "图"), "table": ("tbl", "表")}


def prefix(kind: str, chapter_kind: str, ordinal: int) -> str:
    """What a number starts with: 图1- in chapter 1, 附图 in an appendix, 图0- elsewhere."""
    word = KINDS[kind][1]
    if chapter_kind == "appendix":
        return f"附{word}"
    return f"{word}{ordinal if chapter_kind == 'chapter' else 0}-"


def number_book(chapters: list[tuple[str, str, Element]]) -> tuple[list[list[Numbered]], list[Diagnostic]]:
    """Number the figures and tables of ``chapters`` ((source file, kind, tree) in book order)
    and resolve their cross-references in the trees; return each chapter's numbered items
    and the diagnostics (unknown and duplicate labels)."""
    found: list[list[Numbered]] = []
    where: dict[str, tuple[str, Numbered]] = {}
    problems: list[Diagnostic] = []
    ordinal, appendix_counts = 0, {"figure": 0, "table": 0}
    for source, kind, root in chapters:
        ordinal += kind == "chapter"
        counts = appendix_counts if kind == "appendix" else {"figure": 0, "table": 0}
        items = []
        for el in elements(root, "figure", "table"):
            what = "figure" if el.tag == "figure" else "table"
            if what == "figure" and not has_class(el, "figure"):
                continue
            counts[what] += 1
            item = Numbered(el.get("id"), what, f"{prefix(what, kind, ordinal)}{counts[what]}", el.get("id"))
            _label(el, item)
            items.append(item)
            if item.label:
                if item.label in where:
                    problems.append(Diagnostic("R008", "error", source, source_line(el), None,
                                               f"label {item.label} is used twice (also in {where[item.label][0]})"))
                else:
                    where[item.label] = (source, item)
        found.append(items)
    for source, _, root in chapters:
        for a in [a for a in elements(root, "a") if has_class(a, "xref")]:
            label = a.get("data-ref") or ""
            if label not in where:
                problems.append(Diagnostic("R007", "error", source, source_line(a), None,
                                           f"cross-reference @{label}: no figure or table has this label"))
                continue
            target_source, item = where[label]
            a.text = item.number
            a.set("href", f"#{label}" if target_source == source
                  else f"{posixpath.relpath(target_source, posixpath.dirname(source))}#{label}")
    return found, problems


def _label(el: Element, item: Numbered) -> None:
    """Put the number before the caption: ``图1-1　caption``."""
    caption = next((c for c in el if c.tag in ("figcaption", "caption")), None)
    if caption is None:
        if el.tag == "figure":
            caption = el.makeelement("figcaption", {})
            el.append(caption)
        else:
            caption = el.makeelement("caption", {})
            el.insert(0, caption)
    number = caption.makeelement("span", {"class": "number"})
    number.text = item.number
    number.tail = ("\u3000" + caption.text) if caption.text else ("\u3000" if len(caption) else None)
    caption.text = None
    caption.insert(0, number)
    el.set("data-number", item.number)

