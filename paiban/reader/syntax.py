"""The elements of a book in Markdown, written as Pandoc writes them (Python-Markdown extensions).

A manuscript converted from Word by Pandoc, or written for Pandoc, reads unchanged:

- **figures**: an image alone in its paragraph is a figure; the alt text in brackets
  is the caption, ``{#fig:label}`` gives it a label, ``{alt="…"}`` a text alternative
  of its own (``![茶树的叶片与花](images/leaf.png){#fig:leaf}``);
- **table captions**: a paragraph ``Table: caption {#tbl:label}`` (or ``: caption``)
  directly before or after a pipe table;
- **cross-references** (pandoc-crossref): ``@fig:label`` and ``@tbl:label`` become links
  whose text the reader sets to the number (图1-1, 表1-1, :mod:`paiban.reader.numbering`);
- **line blocks** (verse): lines starting with ``| ``, one line of output per line,
  leading spaces kept;
- **hard line breaks** (CommonMark): a backslash at a line's end, as well as two spaces.

The tree they make is the one both builders start from; how each element looks in
print and on screen is the builders' and the stylesheets' business.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

import markdown
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

LABEL = r"(?:fig|tbl):[A-Za-z0-9_.\-]*[A-Za-z0-9_]"
CROSS_REF = re.compile(rf"(?<![A-Za-z0-9_@.])@({LABEL})")
CAPTION = re.compile(rf"^(?:Table)?:\s+(.*?)\s*(?:\{{\s*#({LABEL})\s*\}})?\s*$", re.S)
LINE_BLOCK_LINE = re.compile(r"^\|(?: (.*)|)$")
NBSP = "\u00a0"


class _LineBlock(BlockProcessor):
    """Pandoc's line block: every line of the block starts with ``| `` (a line starting with
    a space continues the one before)."""

    def test(self, parent: etree.Element, block: str) -> bool:
        lines = block.split("\n")
        return bool(LINE_BLOCK_LINE.match(lines[0])) and all(
            LINE_BLOCK_LINE.match(line) or line.startswith(" ") for line in lines) and not _is_table(lines)

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        div = etree.SubElement(parent, "div")
        div.set("class", "line-block")
        for raw in blocks.pop(0).split("\n"):
            match = LINE_BLOCK_LINE.match(raw)
            if match is None:  # a continuation of the line before
                div[-1].text = f"{div[-1].text} {raw.strip()}"
                continue
            text = match.group(1) or ""
            stripped = text.lstrip(" ")
            line = etree.SubElement(div, "div")
            line.set("class", "line")
            line.text = NBSP * (len(text) - len(stripped)) + stripped if stripped else NBSP


def _is_table(lines: list[str]) -> bool:
    """A pipe table's second line is its separator row (``| --- | :-: |``)."""
    return len(lines) > 1 and bool(re.fullmatch(r"\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*", lines[1]))


class _BackslashBreak(InlineProcessor):
    """``\\`` at the end of a line is a hard line break (CommonMark, Pandoc)."""

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[etree.Element, int, int]:  # noqa: N802
        return etree.Element("br"), m.start(0), m.end(0)


class _CrossRef(InlineProcessor):
    """``@fig:label`` → a link to the label; its text (图1-1) is set once the book is read."""

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[etree.Element, int, int]:  # noqa: N802
        a = etree.Element("a")
        a.set("class", "xref")
        a.set("data-ref", m.group(1))
        a.set("href", f"#{m.group(1)}")
        a.text = m.group(0)
        return a, m.start(0), m.end(0)


class _Captions(Treeprocessor):
    """Keep each image's bracket text as its caption before ``{alt=…}`` may replace its alt."""

    def run(self, root: etree.Element) -> None:
        for img in root.iter("img"):
            img.set("data-caption", img.get("alt", ""))


class _Figures(Treeprocessor):
    """An image alone in its paragraph becomes ``<figure>`` with its caption; a table with a
    caption paragraph beside it gets the caption."""

    def run(self, root: etree.Element) -> None:
        for parent in list(root.iter()):
            for child in list(parent):
                img = _lone_image(child) if child.tag == "p" else None
                if img is not None:
                    parent[list(parent).index(child)] = _figure(child, img)
        for img in root.iter("img"):
            img.attrib.pop("data-caption", None)
        for parent in list(root.iter()):
            for table in [c for c in parent if c.tag == "table"]:
                _caption_table(parent, table)


def _lone_image(p: etree.Element) -> etree.Element | None:
    if len(p) == 1 and p[0].tag == "img" and not (p.text or "").strip() and not (p[0].tail or "").strip():
        return p[0]
    return None


def _figure(p: etree.Element, img: etree.Element) -> etree.Element:
    figure = etree.Element("figure")
    figure.set("class", "figure")
    if img.get("id"):
        figure.set("id", img.attrib.pop("id"))
    figure.tail = p.tail
    caption = img.attrib.pop("data-caption", "")
    img.tail = None
    figure.append(img)
    if caption:
        figcaption = etree.SubElement(figure, "figcaption")
        figcaption.text = caption
    return figure


def _caption_table(parent: etree.Element, table: etree.Element) -> None:
    children = list(parent)
    index = children.index(table)
    for neighbour in (children[index - 1] if index else None, children[index + 1] if index + 1 < len(children) else None):
        if neighbour is None or neighbour.tag != "p" or len(neighbour) or not neighbour.text:
            continue
        match = CAPTION.match(neighbour.text)
        if match is None:
            continue
        caption = etree.Element("caption")
        caption.text = match.group(1)
        if match.group(2):
            table.set("id", match.group(2))
        table.insert(0, caption)
        parent.remove(neighbour)
        return


class BookSyntax(Extension):
    """Registers the elements above with a Markdown instance."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802
        md.parser.blockprocessors.register(_LineBlock(md.parser), "paiban-line-block", 76)  # before tables (75)
        md.inlinePatterns.register(_BackslashBreak(r"\\\n", md), "paiban-backslash-break", 185)  # before escape
        md.inlinePatterns.register(_CrossRef(CROSS_REF.pattern, md), "paiban-cross-ref", 175)
        md.treeprocessors.register(_Captions(md), "paiban-captions", 9)  # after inline (20), before attr_list (8)
        md.treeprocessors.register(_Figures(md), "paiban-figures", 7)
