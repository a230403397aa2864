"""Chinese text rules (T): punctuation, paired marks, stray Latin, page-boundary doubling, numerals.

They read the chapter prose through :mod:`paiban.check.prose`, so every finding names
the line and column of the source. The marks follow GB/T 15834-2011.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from paiban.model import Book, Chapter
from paiban.check.registry import Place, rule
from paiban.check.prose import CJK_PUNCT, HAN, ProseLine, is_han, paragraphs, prose_lines
from paiban.check.structure import sibling_groups

FULL_WIDTH = {",": "，", ".": "。", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
_AFTER_HAN = re.compile(f"(?<=[{HAN}])[,;:?!.)](?=[ \t]*[{HAN}{CJK_PUNCT}]|$)")
_BEFORE_HAN = re.compile(f"\\((?=[{HAN}])")
PAIRS = {"“": "”", "‘": "’", "（": "）", "【": "】", "《": "》", "〈": "〉"}
CLOSERS = {v: k for k, v in PAIRS.items()}
_PAIRED = re.compile(f"[{''.join(PAIRS)}{''.join(CLOSERS)}]")  # none of the marks is special in a class
_SPACE = re.compile(f"(?<=[{HAN}])[ \t\u3000]+(?=[{HAN}])")
_LATIN = re.compile(f"(?<=[{HAN}])[ \t]*([a-z]{{2,}})[ \t]*(?=[{HAN}])")
_DIGITS = "〇零一二三四五六七八九"
_DATE = re.compile(f"([0-9]{{4}}|[{_DIGITS}]{{4}})年([0-9]{{1,2}}|[一二三四五六七八九十]{{1,3}})月"
                   f"(?:([0-9]{{1,2}}|[一二三四五六七八九十]{{1,3}})日)?")


def _lines(chapter: Chapter) -> Iterator[ProseLine]:
    return (p for p in prose_lines(chapter) if p is not None)


@rule("T001", "error", "half-width punctuation inside Chinese text",
      "use the full-width mark: ，。；：？！（）")
def half_width(book: Book) -> Place:
    for chapter in book.chapters:
        for p in _lines(chapter):
            hits = sorted([*_AFTER_HAN.finditer(p.text), *_BEFORE_HAN.finditer(p.text)], key=lambda m: m.start())
            for m in hits:
                mark = m.group(0)
                yield (chapter.source, p.line, p.col(m.start()),
                       f"half-width '{mark}' in Chinese text; use '{FULL_WIDTH[mark]}'")


@rule("T002", "error", "quotation marks, brackets or book-title marks are unbalanced or wrongly paired",
      "close every “ ‘ （ 【 《 〈 in its paragraph with its own closing mark")
def paired_marks(book: Book) -> Place:
    for chapter in book.chapters:
        paras = list(paragraphs(chapter))
        for index, para in enumerate(paras):
            stack: list[tuple[str, ProseLine, int]] = []
            for p in para:
                for m in _PAIRED.finditer(p.text):
                    i, ch = m.start(), m.group()
                    if ch in PAIRS:
                        stack.append((ch, p, i))
                    elif ch in CLOSERS:
                        if not stack:
                            yield chapter.source, p.line, p.col(i), f"'{ch}' closes nothing: no '{CLOSERS[ch]}' before it"
                        elif stack[-1][0] != CLOSERS[ch]:
                            opener, at, j = stack.pop()
                            yield (chapter.source, p.line, p.col(i),
                                   f"'{ch}' closes '{opener}' of {at.line}:{at.col(j)}; expected '{PAIRS[opener]}'")
                        else:
                            stack.pop()
            following = paras[index + 1][0].text[:1] if index + 1 < len(paras) else ""
            if stack and all(o in "“‘" for o, _, _ in stack) and following in ("“", "‘") and not para[0].heading:
                continue  # a quotation running on: every paragraph opens “, only the last closes it
            for opener, at, j in stack:
                yield (chapter.source, at.line, at.col(j),
                       f"'{opener}' is not closed by '{PAIRS[opener]}' in its paragraph")


@rule("T003", "warning", "a stray space or Latin word inside Chinese text",
      "Chinese text takes no spaces between characters; an English word there is usually an extraction error")
def stray_latin(book: Book) -> Place:
    for chapter in book.chapters:
        for p in _lines(chapter):
            if not p.heading:  # headings may break a double title with a space, as printed
                for m in _SPACE.finditer(p.text):
                    yield (chapter.source, p.line, p.col(m.start()),
                           f"space between '{p.text[m.start() - 1]}' and '{p.text[m.end()]}' in Chinese text")
            for m in _LATIN.finditer(p.text):
                yield (chapter.source, p.line, p.col(m.start(1)),
                       f"Latin word '{m.group(1)}' inside Chinese text")


@rule("T004", "warning", "a character is repeated across an original page boundary",
      "digitization doubles the last character of a page; delete one copy, unless the word really "
      "repeats it (天天), then silence the line")
def page_doubling(book: Book) -> Place:
    for chapter in book.chapters:
        for p in _lines(chapter):
            for index, page, col in p.breaks:
                size = max((k for k in range(1, 5) if index - k >= 0 and p.text[index - k:index] ==
                            p.text[index:index + k] and all(map(is_han, p.text[index:index + k]))), default=0)
                if size:
                    yield (chapter.source, p.line, col,
                           f"'{p.text[index:index + size]}' ends page {page - 1} and starts page {page}")


@rule("T005", "warning", "Chinese and Arabic numerals mixed where one style is expected",
      "write a date all in one style (2013年6月 or 二〇一三年六月), and number sibling headings alike")
def mixed_numerals(book: Book) -> Place:
    for chapter in book.chapters:
        for group in sibling_groups(chapter):
            first = group[0][1]
            for heading, number in group[1:]:
                if number.chinese != first.chinese:
                    kinds = ("Chinese" if number.chinese else "Arabic", "Chinese" if first.chinese else "Arabic")
                    yield (chapter.source, heading.line, 1,
                           f"'{number.text}' uses {kinds[0]} numerals; its first sibling '{first.text}' {kinds[1]}")
        for p in _lines(chapter):
            for m in _DATE.finditer(p.text):
                parts = [g for g in m.groups() if g]
                if len({g.isdigit() for g in parts}) > 1:
                    yield chapter.source, p.line, p.col(m.start()), f"date '{m.group(0)}' mixes numeral styles"
