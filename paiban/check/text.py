"""Chinese text rules (T): punctuation, paired marks, stray Latin, page-boundary doubling, numerals,
hard line breaks and emphasis.

They read the chapter prose through :mod:`paiban.check.prose`, so every finding names
the line and column of the source. The marks follow GB/T 15834-2011.
"""

from __future__ import annotations

import re
import unicodedata
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
        if chapter.kind == "bibliography":  # GB/T 7714's 著录符号 are the half-width . : , of its entries
            continue
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


# The end of a source line that makes a hard line break (CommonMark): an odd run of
# backslashes (an even one is escaped backslashes), or two spaces or more.
_HARD_BREAK = re.compile(r"(?<!\\)(?:\\\\)*(\\)$|(?<=\S)( {2,})$")
# The lines that open a block where a line of its own is the rule: list items, table rows, line blocks.
_LINED_BLOCK = re.compile(r"^[ \t]*(?:[-*+][ \t]|\d+[.)][ \t]|\|)")
_CODE_SPAN = re.compile(r"(`+).*?\1")
# Emphasis as Python-Markdown reads it: *…* (or ** or ***) anywhere, _…_ only between non-word characters.
_EMPHASIS = re.compile(r"(?<![\\*])(\*{1,3})(?![\s*])(.+?)(?<![\s\\*])\1(?!\*)"
                       r"|(?<![\w\\])(_{1,3})(?![\s_])(.+?)(?<![\s\\_])\3(?![\w_])")


@rule("T007", "warning", "a hard line break inside a paragraph",
      "the lines of a paragraph join into one; a backslash or two spaces at a line's end break it there, "
      "which in a scanned or converted text is usually an artefact: delete them. Verse is a line block: "
      "each of its lines starts with a vertical bar and a space")
def hard_break(book: Book) -> Place:
    for chapter in book.chapters:
        lines = chapter.body.split("\n")  # the source as written: the prose has no line ends
        for para in paragraphs(chapter):
            if _LINED_BLOCK.match(lines[para[0].line - chapter.body_line]):
                continue
            for p in para[:-1]:  # a break at a paragraph's end breaks nothing
                m = _HARD_BREAK.search(lines[p.line - chapter.body_line])
                if m:
                    how = "a backslash" if m.group(1) else f"{len(m.group(2))} spaces"
                    yield chapter.source, p.line, m.start(1 if m.group(1) else 2) + 1, \
                        f"hard line break ({how} at the line's end) inside a paragraph"


@rule("T008", "warning", "emphasis that holds punctuation only",
      "着重号, italics and bold mark words, never a punctuation mark alone (GB/T 15834); move the * or _ "
      "to the words, or delete them (a conversion from Word often leaves them)")
def punctuation_emphasis(book: Book) -> Place:
    for chapter in book.chapters:
        lines = chapter.body.split("\n")  # the source as written: the prose has no * left
        for p in _lines(chapter):
            source = _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), lines[p.line - chapter.body_line])
            for m in _EMPHASIS.finditer(source):
                inside = m.group(2) if m.group(1) else m.group(4)
                marks = [c for c in inside if not c.isspace()]
                if marks and all(unicodedata.category(c).startswith("P") for c in marks):
                    kind = "bold" if len(m.group(1) or m.group(3)) == 2 else "emphasis"
                    yield chapter.source, p.line, m.start() + 1, f"{kind} '{m.group(0)}' holds punctuation only"
