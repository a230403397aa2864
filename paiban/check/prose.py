"""The prose of a chapter source with Markdown taken out, each character keeping its place.

The text rules look at what a reader reads (no ``#``, ``**``, link targets, footnote
labels or page markers) but must report the line and column of the source. A
:class:`ProseLine` holds a source line's prose and, for each of its characters, the
1-based column it came from; inline page markers leave a break behind, so that a
character doubled across an original page boundary can still be seen.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from paiban.reader.markdown import MARKER
from paiban.model import Chapter
from paiban.reader.book import ATX_HEADING, FENCE, TABLE_RULE
from paiban.reader.syntax import CROSS_REF

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# Full-width punctuation and the marks GB/T 15834 sets in Chinese text.
CJK_PUNCT = "\u3001-\u3003\u3008-\u3011\u3014-\u301f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65“”‘’—…·"

_INLINE = re.compile(
    r"(?P<marker>" + MARKER.pattern + r")"
    r"|(?P<comment><!--.*?(?:-->|$))"
    r"|(?P<code>(`+).*?\5)"
    r"|(?P<image>!\[[^\]]*\]\([^)]*\))"
    r"|(?P<link>\[(?P<text>[^\]^][^\]]*)\]\([^)]*\))"
    r"|(?P<footnote>\[\^[^\]\s]+\]:?)"
    r"|(?P<attrs>\{[:#.][^}]*\})"
    r"|(?P<tag></?[A-Za-z][^>]*>)"
    r"|(?P<emphasis>\*+|__+)"
    r"|\\(?P<escaped>[\\`*_{}\[\]()#+\-.!|])"
    r"|(?P<xref>" + CROSS_REF.pattern + r")"  # @fig:label prints as 图1-1
    r"|(?P<cell>\|)"  # a table's cell rule or a line block's start
)
# What starts a line without being text: a heading's #, quotation marks >, a list item's marker, indentation.
_PREFIX = re.compile(r"#{1,6}[ \t]+|[ \t]*(?:>[ \t]?)*(?:(?:[-*+]|\d+[.)])[ \t]+)?[ \t]*")
_CLOSING_HASHES = re.compile(r"[ \t]+#+[ \t]*$")
_COMMENTS = re.compile(r"(<!--.*?-->\s*)+")
_NEW_BLOCK = re.compile(r"^[ \t]*(?:[-*+][ \t]|\d+[.)][ \t]|\||\[\^[^\]]+\]:|>)")


@dataclass(frozen=True)
class ProseLine:
    line: int
    text: str  # the prose of the line, Markdown taken out
    cols: tuple[int, ...]  # 1-based source column of each character of ``text``
    heading: bool
    breaks: tuple[tuple[int, int, int], ...]  # (index in text, page number, column) of inline page markers
    new_block: bool  # starts a list item, table row, quotation or footnote: never continues a paragraph

    def col(self, index: int) -> int:
        if index < len(self.cols):
            return self.cols[index]
        return self.cols[-1] + 1 if self.cols else 1


def _prose(line: int, source: str) -> ProseLine:
    heading = bool(ATX_HEADING.match(source))
    if heading:
        source = _CLOSING_HASHES.sub("", source)
    prefix = _PREFIX.match(source)
    start = prefix.end() if prefix else 0
    text: list[str] = []
    cols: list[int] = []
    breaks: list[tuple[int, int, int]] = []
    pos = start
    # Runs of characters are taken whole (a slice and its columns), not one by one: a
    # paragraph is one line of a few thousand characters. ``cols`` counts the prose so far.
    for m in _INLINE.finditer(source, start):
        text.append(source[pos:m.start()])
        cols.extend(range(pos + 1, m.start() + 1))
        pos = m.end()
        if m.group("marker"):
            breaks.append((len(cols), int(m.group(2)), m.start() + 1))
        elif m.group("text") is not None:
            text.append(m.group("text"))
            cols.extend(range(m.start("text") + 1, m.end("text") + 1))
        elif m.group("escaped"):
            text.append(m.group("escaped"))
            cols.append(m.start("escaped") + 1)
        elif m.group("xref"):  # prints as a number (图1-1): a digit stands for it
            text.append("0")
            cols.append(m.start() + 1)
        elif m.group("cell"):  # a cell boundary: no text runs across it (a line break stands for it)
            text.append("\n")
            cols.append(m.start() + 1)
    text.append(source[pos:])
    cols.extend(range(pos + 1, len(source) + 1))
    prose = "".join(text).rstrip(" \t")
    return ProseLine(line, prose, tuple(cols[:len(prose)]), heading, tuple(breaks), bool(_NEW_BLOCK.match(source)))


@cache
def prose_lines(chapter: Chapter) -> tuple[ProseLine | None, ...]:
    """One entry per source line of the body: its prose, or None where no prose is
    (blank lines, fences and code, comments, page markers alone on their line)."""
    lines: list[ProseLine | None] = []
    fenced = in_comment = False
    for offset, source in enumerate(chapter.body.split("\n")):
        number = chapter.body_line + offset
        if FENCE.match(source):
            fenced = not fenced
            lines.append(None)
            continue
        if fenced:
            lines.append(None)
            continue
        if in_comment:
            end = source.find("-->")
            if end < 0:
                lines.append(None)
                continue
            in_comment = False
            source = " " * (end + 3) + source[end + 3:]
        opened = source.rfind("<!--")
        if opened >= 0 and source.find("-->", opened) < 0:
            in_comment = True
            source = source[:opened]
        stripped = source.strip()
        if not stripped or MARKER.fullmatch(stripped) or _COMMENTS.fullmatch(stripped) or TABLE_RULE.fullmatch(source):
            lines.append(None)
            continue
        lines.append(_prose(number, source))
    return tuple(lines)


def paragraphs(chapter: Chapter) -> Iterator[list[ProseLine]]:
    """Runs of prose lines that Markdown joins into one paragraph (a heading is one alone)."""
    current: list[ProseLine] = []
    for p in prose_lines(chapter):
        if p is None or p.heading or p.new_block:
            if current:
                yield current
            current = [p] if p is not None and not p.heading else []
            if p is not None and p.heading:
                yield [p]
            continue
        current.append(p)
    if current:
        yield current


def is_han(ch: str) -> bool:
    return bool(ch) and _HAN_RE.fullmatch(ch) is not None


_HAN_RE = re.compile(f"[{HAN}]")
