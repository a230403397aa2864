"""The printed contents of a digitized book: its parts, their entries and the entries' pages.

Each part of the book opens with a part heading (绪论, 第一章, 第一编, 附录…), perhaps
letter-spaced, perhaps with its subtitle on the same line or the next; each entry ends
with its page, after a slash or a leader (``/ 001``, ``……001``). An entry the
typesetter broke over two lines has its page on the last: the lines are joined,
directly where the break follows a mark (``作风、`` / ``赢得…``), with a space where it
separates the lines of a display title, as the contents print them. Entries after a
``延伸阅读`` label are reading pieces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from paiban.importer.blocks import Block, unspaced

_NUMERAL = "一二三四五六七八九十百零〇0-9"
PART_HEADING = re.compile(
    rf"^(第[{_NUMERAL}]+[章编篇部讲]|[上中下]篇|附录[{_NUMERAL}]*|绪论|引言|导论|导言|前言|序言|序|出版说明|"
    rf"参考文献|后记|结语|跋)(?:\s+(.+))?$")
# An entry's page: up to four digits at the line's end, after a slash, a leader or a space.
_PAGE_NUMBER = re.compile(r"(?<!\d)\d{1,4}$")
_LEADERS = (("…", 2), (".", 3), ("·", 3))  # a leader's character, and how many make one
_CONTENTS_HEADER = re.compile(r"^(目\s*录|目\s*次|CONTENTS)$", re.I)
READING_LABEL = "延伸阅读"
_BREAK_AFTER_MARK = "、，,：:；;—"


def part_kind(title: str) -> str:
    """What a part heading is, by its words: 第一编 a part, 第一章 a chapter, 附录 an appendix…"""
    for kind, pattern in (("introduction", r"绪论|引言|导论|导言"), ("preface", r"前言|序言?|出版说明"),
                          ("part", r"第.+[编篇部]|[上中下]篇"), ("appendix", r"附录"),
                          ("bibliography", r"参考文献"), ("afterword", r"后记|结语|跋")):
        if re.fullmatch(pattern, re.sub(rf"[{_NUMERAL}]+$", "", title) if kind == "appendix" else title):
            return kind
    return "chapter"


def part_heading(text: str) -> tuple[str, str | None] | None:
    """A part heading's title and the subtitle on its line: ``第一章 山居记`` → (第一章, 山居记)."""
    m = PART_HEADING.match(unspaced(text) if len(unspaced(text)) <= 4 else text.strip())
    if not m:
        return None
    return m.group(1), (m.group(2).strip() if m.group(2) else None)


def join_title(lines: list[str]) -> str:
    """The lines of one title joined: directly after a mark, with a space between display lines."""
    out = ""
    for line in lines:
        out += ("" if not out or out[-1] in _BREAK_AFTER_MARK else " ") + line
    return out


@dataclass
class Entry:
    """A line of the printed contents under a part: a section or a 延伸阅读 piece, with its page."""

    title: str
    page: int
    kind: str  # section or reading
    line: int


@dataclass
class PrintedPart:
    """A part heading of the printed contents (绪论, 第一章…) and its entries."""

    title: str  # letter-spacing removed: 绪论
    printed: str  # as the contents print it: 绪 论
    subtitle: str | None
    kind: str
    line: int
    entries: list[Entry] = field(default_factory=list)
    page: int | None = None  # when the contents give the part itself a page


def split_page(text: str) -> tuple[str, int] | None:
    """A line of the contents as its title and the page it ends with: ``一、起头 / 1``,
    ``后记……13`` → (后记, 13); None when it ends with no page.

    Read from the line's end, not with one regular expression: the obvious one (a lazy title,
    spaces, a separator, spaces, digits) backtracks over a run of spaces in cubic time, and a
    source's line may hold thousands of them."""
    number = _PAGE_NUMBER.search(text)
    if number is None:
        return None
    head = text[:number.start()]
    title = head.rstrip()
    if title.endswith("/"):
        return title[:-1].rstrip(), int(number.group())
    for mark, least in _LEADERS:
        run = len(title) - len(title.rstrip(mark))
        if run >= least:
            return title[:-run].rstrip(), int(number.group())
    return (title, int(number.group())) if title != head else None


def without_page(text: str) -> str:
    """A line of the contents without the page it ends with: ``后记……13`` → ``后记``."""
    split = split_page(text)
    return split[0] if split else text


def is_contents_header(text: str) -> bool:
    return _CONTENTS_HEADER.match(text.strip()) is not None


def read_contents(blocks: list[Block]) -> list[PrintedPart]:
    """The parts of the printed contents, in order, each with its entries."""
    parts: list[PrintedPart] = []
    pending: list[tuple[str, int]] = []  # lines of an entry still without its page
    reading = False
    for b in blocks:
        for i, text in enumerate(b.lines):
            line = b.line + i
            if is_contents_header(text) and not parts:
                continue
            heading = part_heading(without_page(text))
            if heading and not pending:
                title, subtitle = heading
                paged = split_page(text)
                parts.append(PrintedPart(title, paged[0] if paged else text, subtitle, part_kind(title), line,
                                         page=paged[1] if paged else None))
                reading = False
            elif not parts:
                continue
            elif text == READING_LABEL:
                reading = True
            elif paged := split_page(text):
                lines = [t for t, _ in pending] + [paged[0]]
                parts[-1].entries.append(Entry(join_title(lines), paged[1],
                                               "reading" if reading else "section", pending[0][1] if pending else line))
                pending = []
            elif not parts[-1].entries and parts[-1].subtitle is None and not pending and i == 0 and \
                    _block_has_no_page(b):
                parts[-1].subtitle = join_title(list(b.lines))
                break
            else:
                pending.append((text, line))
    return parts


def _block_has_no_page(block: Block) -> bool:
    return not any(split_page(t) for t in block.lines)
