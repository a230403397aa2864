"""Markdown to XHTML for chapter bodies, with paiban's own syntax.

- ``{{page N}}`` marks where original page N starts. Inside a paragraph it becomes an
  inline page-break ``<span>``; alone on a line, a block ``<div>``. Both carry
  ``epub:type="pagebreak"``, ``role="doc-pagebreak"`` and ``aria-label``, which EPUB
  reading systems use for the page list and WeasyPrint ignores.
- A level-2 heading with the class ``.reading`` (``## 标题 {.reading}``) opens a
  延伸阅读 piece, and one with ``.document`` an appendix document; everything up to
  the next level-2 heading is wrapped in a ``<section>`` of that kind.
- Headings get stable ids (``<chapter>-s<n>``) so that the TOC, the nav and the
  PDF outline can link to them.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
import markdown
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.extensions.attr_list import AttrListExtension
from markdown.extensions.footnotes import FootnoteExtension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.tables import TableExtension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

from paiban.reader import sanitize
from paiban.reader.syntax import BookSyntax
from paiban.tree import Element, drop, elements, has_class, ids

MARKER = re.compile(r"\{\{\s*page\s+(\d+)\s*\}\}")
# Anything that looks like a marker, to catch malformed ones such as {{page}} or {{page x}}.
MARKER_LIKE = re.compile(r"\{\{\s*page\b[^}]*\}\}")
SECTION_KINDS = {"reading": "延伸阅读", "document": "附录文件"}
# epub:type of each kind of section. A 延伸阅读 piece is a whole article (a case report)
# given to extend the chapter's teaching: EPUB SSV's "learning-resource" ("a resource
# provided to enhance learning"), not "sidebar"/"aside", which mean a boxed inset of
# secondary content and map to the complementary landmark. DPUB-ARIA has no matching
# role (doc-example is a figure variant since 1.1), so the section keeps its implicit
# role: a region named by its heading through aria-labelledby. An appendix document
# (附录文件) is a document reprinted in the appendix, for which neither vocabulary has
# a term; it is a named region too.
SECTION_EPUB_TYPES = {"reading": "learning-resource"}


def page_break(tag: str, number: str) -> etree.Element:
    el = etree.Element(tag)
    el.set("id", f"page-{number}")
    el.set("class", "pagebreak")
    el.set("epub:type", "pagebreak")
    el.set("role", "doc-pagebreak")
    el.set("aria-label", number)
    return el


class _InlineMarker(InlineProcessor):
    def handleMatch(self, m: re.Match[str], data: str) -> tuple[etree.Element, int, int]:  # noqa: N802
        return page_break("span", m.group(1)), m.start(0), m.end(0)


class _BlockMarker(BlockProcessor):
    """A marker alone in its block becomes a block-level page break."""

    FULL = re.compile(r"^\s*\{\{\s*page\s+(\d+)\s*\}\}\s*$")

    def test(self, parent: etree.Element, block: str) -> bool:
        return bool(self.FULL.match(block))

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        number = self.FULL.match(blocks.pop(0)).group(1)  # type: ignore[union-attr]
        parent.append(page_break("div", number))


class _Sections(Treeprocessor):
    """Number the headings and wrap reading pieces and appendix documents in sections."""

    def __init__(self, md: markdown.Markdown, prefix: str) -> None:
        super().__init__(md)
        self.prefix = prefix

    def run(self, root: etree.Element) -> None:
        for n, el in enumerate((e for e in root.iter() if re.fullmatch(r"h[1-6]", e.tag)), 1):
            el.set("id", el.get("id") or f"{self.prefix}-s{n}")
        children = list(root)
        section: etree.Element | None = None
        for el in children:
            kind = next((c for c in (el.get("class") or "").split() if c in SECTION_KINDS), None)
            if el.tag in ("h1", "h2"):
                if section is not None:
                    # A page that begins with this heading begins after the open section,
                    # not at its end: move the section's trailing page breaks out.
                    while len(section) and section[-1].get("class") == "pagebreak":
                        brk = section[-1]
                        section.remove(brk)
                        root.insert(list(root).index(section) + 1, brk)
                section = None
                if kind:
                    section = etree.Element("section")
                    section.set("class", kind)
                    section.set("aria-labelledby", el.get("id", ""))
                    if kind in SECTION_EPUB_TYPES:
                        section.set("epub:type", SECTION_EPUB_TYPES[kind])
                    label = etree.SubElement(section, "p")
                    label.set("class", "section-label")
                    label.set("aria-hidden", "true")
                    label.text = SECTION_KINDS[kind]
                    root.insert(list(root).index(el), section)
            if section is not None:
                root.remove(el)
                section.append(el)


class PaibanExtension(Extension):
    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802
        md.inlinePatterns.register(_InlineMarker(MARKER.pattern, md), "paiban-page", 200)
        md.parser.blockprocessors.register(_BlockMarker(md.parser), "paiban-page", 110)
        md.treeprocessors.register(_Sections(md, self.prefix), "paiban-sections", 1)


def render(text: str, prefix: str) -> tuple[Element, list[sanitize.Removal]]:
    """The tree of a chapter body, sanitized, and what the sanitizer removed from raw HTML."""
    # Extensions are passed as objects: a named one is looked up in the entry points of
    # every installed package (importlib.metadata), about 20 ms on the first chapter.
    md = markdown.Markdown(
        extensions=[AttrListExtension(), FootnoteExtension(UNIQUE_IDS=True, BACKLINK_TITLE="返回正文"),
                    TableExtension(), SaneListExtension(), BookSyntax(), PaibanExtension(prefix)],
        output_format="xhtml",
    )
    root, removed = sanitize.clean(md.convert(text))
    _drop_dangling_backrefs(root)
    return root, removed


def _drop_dangling_backrefs(root: Element) -> None:
    """Remove a footnote's "back to the text" link when nothing refers to the note:
    it would point at an id that does not exist (check reports the note, R004)."""
    present = set(ids(root))
    for a in [a for a in elements(root, "a") if has_class(a, "footnote-backref")]:
        if (a.get("href") or "").removeprefix("#") not in present:
            drop(a)
