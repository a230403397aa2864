"""Structure rules (S): page markers, heading levels and numbering, the printed TOC."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from paiban.model import FRONT_KINDS, PART_TITLE, Book, Chapter, Heading
from paiban.builders.templates import heading_for, parts_with_text
from paiban.check.registry import Place, rule

CHINESE_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "两": 2}
NUMBERING = re.compile(
    r"(?P<open>[（(])?(?P<value>[0-9]+|[〇零一二三四五六七八九十百]+)(?(open)(?P<close>[）)])|(?P<punct>[、．.]))")
UNNUMBERED = {"reading", "document"}  # 延伸阅读 pieces and appendix documents carry no number


def chinese_number(text: str) -> int | None:
    """一 → 1, 十二 → 12, 二十 → 20, 一百零三 → 103; None when it is no number."""
    total, digit = 0, 0
    for ch in text:
        if ch in CHINESE_DIGITS:
            digit = CHINESE_DIGITS[ch]
        elif ch in "十百":
            total += (digit or 1) * (10 if ch == "十" else 100)
            digit = 0
        else:
            return None
    return total + digit


@dataclass(frozen=True)
class Numbering:
    """The number a heading starts with: 一、 1. （1）."""

    value: int
    chinese: bool  # 一 rather than 1
    style: str  # the number's frame with N for the number: "N、", "N.", "（N）"
    text: str  # as written


def heading_number(text: str) -> Numbering | None:
    m = NUMBERING.match(text)
    if not m:
        return None
    raw = m.group("value")
    chinese = not raw.isdigit()
    value = chinese_number(raw) if chinese else int(raw)
    if value is None:
        return None
    style = f"{m.group('open')}N{m.group('close')}" if m.group("open") else f"N{m.group('punct')}"
    return Numbering(value, chinese, style, m.group(0))


def sibling_groups(chapter: Chapter) -> Iterator[list[tuple[Heading, Numbering]]]:
    """The numbered headings of a chapter, grouped by parent: each group is one sequence."""
    groups: dict[tuple[int, int], list[tuple[Heading, Numbering]]] = {}
    parents: dict[int, int] = {}  # level -> line of the latest heading at that level
    for h in chapter.headings:
        parents = {lvl: line for lvl, line in parents.items() if lvl < h.level}
        parent = max(parents.items())[1] if parents else 0
        parents[h.level] = h.line
        number = heading_number(h.text)
        if number and not UNNUMBERED & set(h.classes):
            groups.setdefault((parent, h.level), []).append((h, number))
    yield from groups.values()


@rule("S001", "error", "a page marker is missing: original page numbers jump",
      "add the {{page N}} marker for every original page, at its place")
def page_gaps(book: Book) -> Place:
    previous = None
    for chapter in book.chapters:
        # A preface of the original had roman page numbers, which {{page N}} does not name.
        if not chapter.markers and not book.reflow and chapter.kind not in FRONT_KINDS:
            yield chapter.source, chapter.body_line, None, "the chapter has no page marker at all"
        for m in chapter.markers:
            if previous is not None and m.number != previous + 1:
                yield (chapter.source, m.line, None,
                       f"page {m.number} follows page {previous}: no marker for {_pages(previous + 1, m.number - 1)}")
            previous = m.number


def _pages(first: int, last: int) -> str:
    """The missing pages as the report names them: 5, 5 and 6, or a range 5–120, never a
    list as long as the gap (a wrong marker can leave thousands)."""
    if last - first > 1:
        return f"{first}–{last}"
    return ", ".join(map(str, range(first, last + 1)))


@rule("S002", "error", "a TOC entry has no heading of the same title in its chapter",
      "make the heading and the contents entry in book.yaml read the same")
def toc_headings(book: Book) -> Place:
    for part, chapter in parts_with_text(book):
        last_page = chapter.markers[-1].number if chapter.markers else None
        for entry in part.entries or ():  # none: the contents list the headings themselves
            if heading_for(chapter, entry) is None and (last_page is None or entry.page <= last_page):
                yield book.meta_file, entry.line, None, f"no heading '{entry.title}' in {chapter.source}"


@rule("S003", "error", "a heading starts on another original page than the printed TOC says",
      "move the page marker or correct the page in contents")
def toc_pages(book: Book) -> Place:
    for part, chapter in parts_with_text(book):
        for entry in part.entries or ():
            heading = heading_for(chapter, entry)
            if heading is not None and heading.page is not None and heading.page != entry.page:
                yield (chapter.source, heading.line, None,
                       f"'{entry.title}' falls on page {heading.page}; the printed TOC says {entry.page}")


@rule("S004", "info", "parts of the printed TOC whose text is not in the manuscript yet",
      "add the text as it arrives; nothing to fix")
def missing_text(book: Book) -> Place:
    total = sum(len(p.entries or ()) for p in book.contents)
    # A part-title page (kind: part) has no file of its own: it is not text still to come.
    missing_parts = [p for p in book.contents if p.file is None and p.kind != PART_TITLE]
    present = {id(e) for p, c in parts_with_text(book) for e in p.entries or () if heading_for(c, e) is not None}
    missing = total - len(present)
    if missing:
        names = "、".join(p.title for p in missing_parts)
        yield (book.meta_file, None, None,
               f"{missing} of {total} TOC entries have no text yet"
               + (f"; parts without a file: {names}" if names else ""))


@rule("S005", "error", "a heading skips a level",
      "sections start at ## and go down one level at a time: ## 一、, ### 1., #### （1）")
def heading_levels(book: Book) -> Place:
    for chapter in book.chapters:
        previous = 1  # the chapter title
        for h in chapter.headings:
            if h.level > previous + 1:
                yield (chapter.source, h.line, 1,
                       f"level-{h.level} heading '{h.text}' follows level {previous}: level {previous + 1} is skipped")
            previous = h.level


@rule("S006", "error", "sibling headings are not numbered in sequence",
      "number the headings under one parent 1, 2, 3… without gaps or repeats")
def numbering_sequence(book: Book) -> Place:
    for chapter in book.chapters:
        for group in sibling_groups(chapter):
            expected = 1
            for heading, number in group:
                if number.value != expected:
                    problem = ("repeats the number before it" if number.value == expected - 1
                               else f"should be number {expected}")
                    yield chapter.source, heading.line, 1, f"heading '{heading.text}' {problem}"
                expected = number.value + 1


@rule("S007", "warning", "sibling headings frame their numbers in different styles",
      "number the headings of one level alike: 一、 二、, 1. 2., （1） （2）")
def numbering_style(book: Book) -> Place:
    for chapter in book.chapters:
        for group in sibling_groups(chapter):
            first = group[0][1]
            for heading, number in group[1:]:
                if number.style != first.style:
                    yield (chapter.source, heading.line, 1,
                           f"'{number.text}' is framed {number.style.replace('N', '…')}; its first sibling "
                           f"'{first.text}' is framed {first.style.replace('N', '…')}")
