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
from dataclasses import dataclass

import markdown
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

MARKER = re.compile(r"\{\{\s*page\s+(\d+)\s*\}\}")
# Anything that looks like a marker, to catch malformed ones such as {{page}} or {{page x}}.
MARKER_LIKE = re.compile(r"\{\{\s*page\b[^}]*\}\}")
SECTION_KINDS = {"reading": "延伸阅读", "document": "附录文件"}


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


@dataclass(frozen=True)
class RenderedHeading:
    level: int
    text: str
    id: str
    classes: tuple[str, ...]


class _Sections(Treeprocessor):
    """Number the headings and wrap reading pieces and appendix documents in sections."""

    def __init__(self, md: markdown.Markdown, prefix: str) -> None:
        super().__init__(md)
        self.prefix = prefix
        self.headings: list[RenderedHeading] = []

    def run(self, root: etree.Element) -> None:
        self.headings = []
        for n, el in enumerate((e for e in root.iter() if re.fullmatch(r"h[1-6]", e.tag)), 1):
            el.set("id", el.get("id") or f"{self.prefix}-s{n}")
            classes = tuple((el.get("class") or "").split())
            text = "".join(el.itertext()).strip()
            self.headings.append(RenderedHeading(int(el.tag[1]), text, el.get("id", ""), classes))
        children = list(root)
        section: etree.Element | None = None
        for el in children:
            kind = next((c for c in (el.get("class") or "").split() if c in SECTION_KINDS), None)
            if el.tag in ("h1", "h2"):
                section = None
                if kind:
                    section = etree.Element("section")
                    section.set("class", kind)
                    section.set("aria-labelledby", el.get("id", ""))
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
        self.sections: _Sections | None = None

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802
        md.inlinePatterns.register(_InlineMarker(MARKER.pattern, md), "paiban-page", 200)
        md.parser.blockprocessors.register(_BlockMarker(md.parser), "paiban-page", 110)
        self.sections = _Sections(md, self.prefix)
        md.treeprocessors.register(self.sections, "paiban-sections", 1)


def render(text: str, prefix: str) -> tuple[str, list[RenderedHeading]]:
    """XHTML of a chapter body and its headings in document order."""
    ext = PaibanExtension(prefix)
    md = markdown.Markdown(
        extensions=["attr_list", "footnotes", "tables", "sane_lists", ext],
        extension_configs={"footnotes": {"UNIQUE_IDS": True, "BACKLINK_TITLE": "返回正文"}},
        output_format="xhtml",
    )
    html = md.convert(text)
    assert ext.sections is not None
    return html, ext.sections.headings
