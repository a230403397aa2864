"""Pandoc's document tree (its JSON AST) written as paiban's Markdown.

Pandoc reads a Word file well, but its own Markdown writer writes for Pandoc's reader,
not for Python-Markdown with paiban's extensions (:mod:`paiban.reader.syntax`): it
escapes differently, writes captions as ``: caption``, grid tables for cells it cannot
put on one line, and wraps lines. So the importer takes Pandoc's tree (``pandoc -t
json``) and writes each element itself, in the forms docs/manuscript.md gives: notes
``[^1]``, figures ``![caption](../images/x.png){#fig:label}``, ``Table: caption`` before a
pipe table, line blocks, ``*emphasis*``, ``> quotations``.

What the syntax has no form for is kept as near as it allows and reported (rules I1xx
of :mod:`paiban.importer.problems`): a merged table cell is split, a paragraph of short
lines broken by hand becomes verse, a heading that skips a level moves up, and what
cannot be kept at all (a Word field's raw code, an image in a format a book cannot hold)
is named where it stood.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from paiban.errors import Declared
from paiban.importer import problems

Node = dict[str, Any]
# Text that Python-Markdown would read as markup: backslash escapes for the characters it
# knows (ESCAPED_CHARS), entities for the rest: a raw HTML tag, an entity, a pipe (a table),
# and an opening bracket, which paiban's line scan would count as a note call ([^1]) or an
# image (![) however escaped (paiban.reader.book._scan).
_INLINE_SPECIAL = re.compile(r"[\\`*_\]{}]")
_ENTITY_LIKE = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_CROSS_REF_LIKE = re.compile(r"@(?=(?:fig|tbl):)")
# What opens a block when it starts a line: a heading, a quotation, a list item, a line
# block, a table caption, a setext underline.
_LINE_START = re.compile(r"^(?:(#|>|[-+](?=\s|$)|-(?=-+\s*$))|(\d+)([.)])(?=\s|$)|(~)(?=~~)|(=+\s*$)|((?:Table)?:)(?=\s))")
# A caption's own number, as Word's caption fields or an author typed it (图 2-1：, 表3.): paiban
# numbers figures and tables itself.
CAPTION_NUMBER = re.compile(r"^(?:附?[图表]|Figure|Fig\.?|Table)\s*[0-9０-９一二三四五六七八九十]+"
                            r"(?:\s*[-–—.．]\s*[0-9０-９]+)?\s*[:：.．、]?\s*", re.I)
# A paragraph an author typed as a table's caption (above it) or a figure's (under it).
TYPED_CAPTION = {"table": re.compile(r"^(?:附?表|Table)\s*[0-9０-９一二三四五六七八九十]", re.I),
                 "figure": re.compile(r"^(?:附?图|Figure|Fig\.?)\s*[0-9０-９一二三四五六七八九十]", re.I)}
_NUMBER_CELL = re.compile(r"^[-+−±]?[0-9０-９][0-9０-９,，.．]*\s*[%‰]?$")
# A line this short (in characters) is a line of verse, an address or a signature, not
# prose: a paragraph whose every hand-broken line is this short is written as a line block.
VERSE_LINE = 24


@dataclass
class Found:
    """A finding of the writer, at the top-level block it met it in."""

    rule: Declared
    message: str
    block: int


@dataclass
class Writer:
    """Writes the blocks of one chapter; notes are numbered through it and written at its end.

    ``image`` maps the path of an image Pandoc extracted to the book's path for it
    (``images/01-1.png``), or ``None`` with the reason it cannot be used.
    """

    label: str  # the chapter's part of figure and table labels: fig:<label>-1
    image: Callable[[str], tuple[str | None, str]]
    found: list[Found] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    figures: int = 0
    tables: int = 0
    block: int = 0  # the top-level block being written, for the findings' places

    def report(self, rule: Declared, message: str) -> None:
        self.found.append(Found(rule, message, self.block))

    # Blocks ----------------------------------------------------------------

    def chapter(self, blocks: list[Node], top: int) -> list[str]:
        """The chapter's blocks (after its title), each as Markdown; ``top`` is the level of
        the chapter's own heading, so its sections start at ``##``."""
        out: list[str] = []
        levels = [1]  # the Markdown level of each open heading, the chapter's title first
        blocks = _with_captions(blocks)
        for node in blocks:
            self.block = len(out)
            if node["t"] == "Header":
                title = _one_line(self.inlines(node["c"][2]))
                if not title:
                    continue  # an empty heading paragraph: Word keeps them, a book has no use for them
                wanted = max(2, node["c"][0] - top + 1)
                level = min(wanted, levels[-1] + 1, 6)
                if level < wanted:
                    self.report(problems.HEADING_LEVEL_MOVED,
                                f"heading '{_plain(node['c'][2])[:30]}' skipped a level: it is a level-{level} "
                                f"heading ({'#' * level}) now")
                while levels and levels[-1] >= level:
                    levels.pop()
                levels.append(level)
                out.append(f"{'#' * level} {title}")
                continue
            text = self.write(node)
            if text:
                out.append(text)
        return out

    def write(self, node: Node) -> str:
        """One block as Markdown ("" when nothing of it can be kept, which is then reported)."""
        kind, content = node["t"], node.get("c")
        if kind in ("Para", "Plain"):
            return self.paragraph(content)
        if kind == "LineBlock":
            return "\n".join(f"| {_one_line(self.inlines(line))}".rstrip() for line in content)
        if kind == "BlockQuote":
            inner = self.blocks(content)
            return "\n".join(f"> {line}".rstrip() for line in inner.split("\n")) if inner else ""
        if kind in ("BulletList", "OrderedList"):
            return self.listing(kind, content)
        if kind == "DefinitionList":
            return "\n\n".join(f"**{_one_line(self.inlines(term))}**\n\n" + "\n\n".join(self.blocks(d) for d in defs)
                               for term, defs in content)
        if kind == "CodeBlock":
            return "\n".join("    " + line for line in content[1].split("\n"))
        if kind == "Table":
            return self.table(content)
        if kind == "Figure":
            return self.figure(content)
        if kind == "Div":
            return self.blocks(content[1])
        if kind == "HorizontalRule":
            return "* * *"
        if kind == "Header":  # inside a quotation or a list: no section of the book
            return f"**{_one_line(self.inlines(content[2]))}**"
        if kind == "RawBlock":
            self.report(problems.NO_EQUIVALENT, f"raw {content[0]} content ({content[1][:40]!r}) left out")
            return ""
        raise AssertionError(f"unknown Pandoc block {kind}")  # pandoc-types 1.23 has no other

    def blocks(self, nodes: list[Node]) -> str:
        return "\n\n".join(t for t in (self.write(n) for n in _with_captions(nodes)) if t)

    def paragraph(self, inlines: list[Node]) -> str:
        image = _lone_image(inlines)
        if image is not None:
            return self.figure_line(image, "")
        lines = [self.inlines(part).strip() for part in _split_breaks(inlines)]
        lines = [line for line in lines if line]
        if len(lines) > 1 and all(_width(line) <= VERSE_LINE for line in lines):
            self.report(problems.LINES_AS_VERSE,
                        f"a paragraph of {len(lines)} short lines broken by hand ('{lines[0][:20]}…') is a line "
                        "block (verse) now")
            return "\n".join(f"| {line}" for line in lines)
        return "\\\n".join(_line_start(line) for line in lines)

    def listing(self, kind: str, content: Any) -> str:
        start, items = (content[0][0], content[1]) if kind == "OrderedList" else (1, content)
        out = []
        for k, item in enumerate(items):
            bullet = f"{start + k}." if kind == "OrderedList" else "-"
            body = self.blocks(item) or ""
            lines = body.split("\n")
            out.append("\n".join([f"{bullet} {lines[0]}".rstrip()] + [f"    {line}".rstrip() for line in lines[1:]]))
        # Items of more than one paragraph need blank lines between them (a loose list).
        loose = any(len(item) > 1 for item in items)
        return ("\n\n" if loose else "\n").join(out)

    def figure(self, content: Any) -> str:
        _, caption, body = content
        images = [n for block in body for n in _inline_children(block) if n["t"] == "Image"]
        text = _caption_text(caption)
        if len(images) == 1:
            return self.figure_line(images[0], text)
        out = [self.blocks(body)]  # several images, or none: the blocks, the caption under them
        if text:
            out.append(_line_start(_escape(text)))
        return "\n\n".join(t for t in out if t)

    def figure_line(self, image: Node, caption: str) -> str:
        """An image alone in its paragraph: a figure, labelled fig:<chapter>-<n>."""
        (_, _, _), alt_inlines, (src, _) = image["c"]
        path, why = self.image(src)
        alt = _plain(alt_inlines).strip()
        if path is None:
            self.report(problems.IMAGE_LEFT_OUT, f"figure '{caption or alt or src}' left out: {why}")
            return ""
        self.figures += 1
        attributes = [f"#fig:{self.label}-{self.figures}"]
        if alt and alt != caption and not _looks_like_file_name(alt):
            attributes.append('alt="' + alt.replace('"', "'").replace("\n", " ") + '"')
        return f"![{_escape(caption)}](../{path}){{{' '.join(attributes)}}}"

    def table(self, content: Any) -> str:
        """A pipe table, the only table paiban's syntax has: one header row, one line per cell."""
        _, caption, colspecs, head, bodies, foot = content
        columns = len(colspecs)
        reshaped: list[str] = []
        grid_head = [self.row(r, columns, reshaped) for r in head[1]]
        grid_body = [self.row(r, columns, reshaped) for body in bodies for r in body[2] + body[3]]
        grid_body += [self.row(r, columns, reshaped) for r in foot[1]]
        if not grid_head:
            if not grid_body:
                return ""
            grid_head = [grid_body.pop(0)]
            reshaped.append("it had no header row: its first row is the header now")
        if len(grid_head) > 1:
            grid_body = grid_head[1:] + grid_body
            grid_head = grid_head[:1]
            reshaped.append("it had several header rows: the first is the header, the others are rows")
        grid_head, grid_body = _fill(grid_head, grid_body, columns)
        text = _caption_text(caption)
        if reshaped:
            self.report(problems.TABLE_RESHAPED,
                        f"table '{text[:30] or grid_head[0][0][:30]}': " + "; ".join(dict.fromkeys(reshaped)))
        aligns = [spec[0]["t"] for spec in colspecs] + ["AlignDefault"] * (len(grid_head[0]) - columns)
        rules = [_rule(align, [row[k] for row in grid_body]) for k, align in enumerate(aligns)]
        lines = []
        if text:  # a table without a caption has no label to refer to (check warns, R010)
            self.tables += 1
            lines += [f"Table: {_escape(text)} {{#tbl:{self.label}-{self.tables}}}", ""]
        lines.append(_table_row(grid_head[0]))
        lines.append("| " + " | ".join(rules) + " |")
        lines += [_table_row(row) for row in grid_body]
        return "\n".join(lines)

    def row(self, row: Any, columns: int, reshaped: list[str]) -> list[str]:
        cells: list[str] = []
        for _, _, rowspan, colspan, blocks in row[1]:
            parts = [_one_line(self.inlines(_inlines_of(b, reshaped))) for b in blocks]
            if len([p for p in parts if p]) > 1:
                reshaped.append("a cell held several paragraphs: they are joined in one line")
            cells.append(" ".join(p for p in parts if p))  # a pipe in the text is an entity (_escape)
            if colspan > 1 or rowspan > 1:
                reshaped.append("a merged cell was split: its text is in its first cell, the others are empty")
            cells += [""] * (colspan - 1)
        return cells

    # Inlines ---------------------------------------------------------------

    def inlines(self, nodes: list[Node]) -> str:
        out: list[str] = []
        nodes = _merged(nodes)
        for k, node in enumerate(nodes):
            out.append(self.inline(node, nodes[k - 1] if k else None, nodes[k + 1] if k + 1 < len(nodes) else None))
        return "".join(out)

    def inline(self, node: Node, before: Node | None, after: Node | None) -> str:
        kind, content = node["t"], node.get("c")
        if kind == "Str":
            return _escape(content)
        if kind == "Space":
            return " "
        if kind == "SoftBreak":
            return "" if _cjk_edge(before, True) or _cjk_edge(after, False) else " "
        if kind == "LineBreak":
            return "\\\n"
        if kind in ("Emph", "Strong"):
            return self.delimited("*" if kind == "Emph" else "**", content)
        if kind in ("Underline", "Strikeout", "Superscript", "Subscript"):
            tag = {"Underline": "u", "Strikeout": "s", "Superscript": "sup", "Subscript": "sub"}[kind]
            inner = self.inlines(content)
            return f"<{tag}>{inner}</{tag}>" if inner.strip() else inner
        if kind in ("SmallCaps", "Span", "Cite"):
            return self.inlines(content[1] if kind == "Span" else content[-1] if kind == "Cite" else content)
        if kind == "Quoted":
            single = content[0]["t"] == "SingleQuote"
            return ("‘" if single else "“") + self.inlines(content[1]) + ("’" if single else "”")
        if kind == "Code":
            return _code(content[1])
        if kind == "Math":
            self.report(problems.NO_EQUIVALENT, f"a formula ({content[1][:40]}) is set as its TeX code")
            return _code(content[1])
        if kind == "RawInline":
            self.report(problems.NO_EQUIVALENT, f"raw {content[0]} content ({content[1][:40]!r}) left out")
            return ""
        if kind == "Link":
            return self.link(content)
        if kind == "Image":
            path, why = self.image(content[2][0])
            alt = _plain(content[1]).strip()
            if path is None:
                self.report(problems.IMAGE_LEFT_OUT, f"image '{alt or content[2][0]}' in the text left out: {why}")
                return ""
            return f"![{_escape(alt)}](../{path})"
        if kind == "Note":
            number = len(self.notes) + 1
            self.notes.append("")  # reserved: a note inside this one gets the next number
            text = self.blocks(content)
            lines = text.split("\n") if text else [""]
            self.notes[number - 1] = "\n".join([f"[^{number}]: {lines[0]}".rstrip()] +
                                               [f"    {line}".rstrip() for line in lines[1:]])
            return f"[^{number}]"
        raise AssertionError(f"unknown Pandoc inline {kind}")

    def delimited(self, mark: str, content: list[Node]) -> str:
        """``*…*`` or ``**…**`` around the words: spaces outside, and none around marks only."""
        inner = self.inlines(content)
        core = inner.strip()
        lead, trail = inner[:len(inner) - len(inner.lstrip())], inner[len(inner.rstrip()):]
        if not core or all(unicodedata.category(c)[0] in "PZ" for c in _plain(content)):
            return inner  # emphasis of punctuation or spaces only is a slip of Word (T008)
        return f"{lead}{mark}{core}{mark}{trail}"

    def link(self, content: Any) -> str:
        text = self.inlines(content[1])
        url = content[2][0]
        if re.match(r"(?:https?|mailto):", url, re.I):
            return f"[{text}]({url.replace(' ', '%20').replace('(', '%28').replace(')', '%29')})"
        if not url.startswith("#"):  # a file of the author's computer: not part of the book
            self.report(problems.NO_EQUIVALENT, f"a link to {url[:60]} is plain text now")
        return text  # a link to a bookmark: Word's anchors do not survive as ids

    def notes_text(self) -> str:
        return "\n\n".join(self.notes)


# Helpers ---------------------------------------------------------------------


def _with_captions(blocks: list[Node]) -> list[Node]:
    """Captions an author typed as paragraphs (表1 茶区 above a table, 图2 叶片 under an
    image) made the captions of their table or figure."""
    out: list[Node] = []
    k = 0
    while k < len(blocks):
        node = blocks[k]
        nxt = blocks[k + 1] if k + 1 < len(blocks) else None
        if node["t"] == "Para" and nxt and nxt["t"] == "Table" and not _caption_text(nxt["c"][1]) \
                and _typed_caption(node, "table"):
            table = dict(nxt, c=[nxt["c"][0], [None, [node]], *nxt["c"][2:]])
            out.append(table)
            k += 2
            continue
        image = _lone_image(node["c"]) if node["t"] == "Para" else None
        if node["t"] == "Figure" and not _caption_text(node["c"][1]):
            image = next((n for b in node["c"][2] for n in _inline_children(b) if n["t"] == "Image"), None)
        if image is not None and nxt and nxt["t"] == "Para" and _typed_caption(nxt, "figure"):
            out.append({"t": "Figure", "c": [["", [], []], [None, [nxt]], [{"t": "Plain", "c": [image]}]]})
            k += 2
            continue
        out.append(node)
        k += 1
    return out


def _typed_caption(para: Node, kind: str) -> bool:
    """A short paragraph that starts with 表1 (or Table 1…), or 图1 for a figure, and says more."""
    text = _plain(para["c"]).strip()
    return bool(TYPED_CAPTION[kind].match(text)) and len(text) <= 60 and bool(CAPTION_NUMBER.sub("", text).strip())


def _caption_text(caption: Any) -> str:
    """A caption as one plain line, without the number Word or the author gave it."""
    text = " ".join(_plain(_inline_children(b)) for b in caption[1]).strip()
    return CAPTION_NUMBER.sub("", text, count=1).strip()


def _lone_image(inlines: list[Node]) -> Node | None:
    """The image of a paragraph that holds nothing else (spaces aside): a figure."""
    content = [n for n in inlines if n["t"] not in ("Space", "SoftBreak", "LineBreak")]
    return content[0] if len(content) == 1 and content[0]["t"] == "Image" else None


def _inline_children(block: Node) -> list[Node]:
    return block["c"] if block["t"] in ("Para", "Plain") else []


def _inlines_of(block: Node, reshaped: list[str]) -> list[Node]:
    """The inlines of a table cell's block; a list or a quotation in a cell is run into the line."""
    if block["t"] in ("Para", "Plain"):
        return block["c"]
    reshaped.append("a cell held a list or a quotation: its text is run into one line")
    inlines: list[Node] = []
    for child in _descendant_blocks(block):
        if inlines:
            inlines.append({"t": "Space"})
        inlines += child["c"]
    return inlines


def _descendant_blocks(block: Node) -> list[Node]:
    """The paragraphs inside a list or quotation of a table cell, in order (the tree's depth is
    bounded before the writer runs: docx.MAX_TREE_DEPTH)."""
    if block["t"] in ("Para", "Plain"):
        return [block]
    found: list[Node] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict) and value.get("t") in ("Para", "Plain"):
            found.append(value)
        elif isinstance(value, dict):
            walk(value.get("c"))
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(block.get("c"))
    return found


def _split_breaks(inlines: list[Node]) -> list[list[Node]]:
    parts: list[list[Node]] = [[]]
    for node in inlines:
        if node["t"] == "LineBreak":
            parts.append([])
        else:
            parts[-1].append(node)
    return parts


def _merged(nodes: list[Node]) -> list[Node]:
    """Adjacent runs of the same emphasis joined (Word splits a run wherever its
    properties change invisibly), so ``*ab*`` is not written ``*a**b*``."""
    out: list[Node] = []
    for node in nodes:
        if out and node["t"] in ("Emph", "Strong", "Underline") and out[-1]["t"] == node["t"]:
            out[-1] = {"t": node["t"], "c": out[-1]["c"] + node["c"]}
        else:
            out.append(node)
    return out


def _plain(nodes: list[Node]) -> str:
    """The text of inlines, without markup or notes."""
    out: list[str] = []
    for node in nodes:
        kind, content = node["t"], node.get("c")
        if kind == "Str":
            out.append(content)
        elif kind in ("Space", "SoftBreak", "LineBreak"):
            out.append(" ")
        elif kind in ("Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript", "SmallCaps"):
            out.append(_plain(content))
        elif kind in ("Span", "Link", "Image"):
            out.append(_plain(content[1]))
        elif kind == "Quoted":
            out.append(_plain(content[1]))
        elif kind == "Cite":
            out.append(_plain(content[1]))
        elif kind in ("Code", "Math"):
            out.append(content[1])
    return "".join(out)


def plain(nodes: list[Node]) -> str:
    """The text of inlines on one line (a chapter title for the front matter)."""
    return re.sub(r"\s+", " ", _plain(nodes)).strip()


def _escape(text: str) -> str:
    """Text of the document made safe to read back as itself: backslashes for what Markdown
    escapes, entities for what it does not (an opening bracket, a pipe, a raw tag)."""
    text = _INLINE_SPECIAL.sub(lambda m: "\\" + m.group(0), text)
    text = _ENTITY_LIKE.sub("&amp;", text)
    text = text.replace("<", "&lt;").replace("[", "&#91;").replace("|", "&#124;")
    return _CROSS_REF_LIKE.sub("&#64;", text)


def _line_start(line: str) -> str:
    """A line that would open a block escaped, so it stays text."""
    def escaped(m: re.Match[str]) -> str:
        if m.group(1):
            return "\\" + m.group(1)
        if m.group(2):
            return m.group(2) + "\\" + m.group(3)
        if m.group(4):
            return "&#126;"
        if m.group(5):
            return m.group(5).replace("=", "&#61;")
        return m.group(6).replace(":", "&#58;")
    return _LINE_START.sub(escaped, line, count=1)


def _one_line(markdown: str) -> str:
    """Inlines written for a place that holds one line (a heading, a table cell): a hand
    line break there is a space."""
    return markdown.replace("\\\n", " ").strip()


def _code(text: str) -> str:
    fence = "`" * (max((len(r) for r in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _cjk(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _cjk_edge(node: Node | None, last: bool) -> bool:
    """Whether the text next to a soft line break is Chinese: Chinese lines join without a space."""
    if node is None:
        return True
    text = _plain([node])
    return bool(text) and _cjk(text[-1] if last else text[0])


def _width(line: str) -> int:
    """A written line's length in characters as printed: its escapes count as the character."""
    return len(re.sub(r"\\(.)", r"\1", line))


def _looks_like_file_name(alt: str) -> bool:
    """Word writes an image's file name as its description when the author wrote none."""
    return bool(re.fullmatch(r"[\w.\- ]+\.(?:png|jpe?g|gif|bmp|tiff?|emf|wmf|svg|webp)", alt, re.I))


def _fill(head: list[list[str]], body: list[list[str]], columns: int) -> tuple[list[list[str]], list[list[str]]]:
    width = max([columns, *(len(r) for r in head + body)])
    return ([r + [""] * (width - len(r)) for r in head], [r + [""] * (width - len(r)) for r in body])


def _rule(alignment: str, cells: list[str]) -> str:
    """A column's rule: Word's alignment, or flush right for a column of numbers."""
    if alignment == "AlignRight" or (alignment == "AlignDefault" and any(cells)
                                     and all(_NUMBER_CELL.match(c) for c in cells if c)):
        return "---:"
    return {"AlignCenter": ":---:", "AlignLeft": ":---"}.get(alignment, "---")


def _table_row(cells: list[str]) -> str:
    return "| " + " | ".join(c or " " for c in cells) + " |"
