"""The body of a digitized book: chapters, their headings and paragraphs, and the page markers.

The body is cut into chapters at the part headings the printed contents list, in their
order. Inside a chapter a block is a heading when it reads as an entry of the contents
or opens with a section number (一、 1. （1）) and is short and unfinished as a
sentence is not; its level follows the order in which the chapter's numbering styles
appear (一、 above 1. above （1）). Every other block is a paragraph, or the rest of the
paragraph before it on the next page (:mod:`paiban.importer.boundaries`).

Changes of the text itself are recorded as :class:`~paiban.importer.corrections.Correction`:
a heading's half-width number brackets made full width (as GB/T 15834 sets them in
Chinese text), a common English word an extraction put inside Chinese text, a
character doubled across a page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from pypinyin import lazy_pinyin

from paiban.check.prose import HAN
from paiban.check.structure import heading_number
from paiban.errors import BookError, Diagnostic
from paiban.importer.blocks import Block, ends_sentence
from paiban.importer.bookyaml import front_matter
from paiban.importer.boundaries import BREAK, Guess, Piece, doubled_runs, join, place_by_length
from paiban.importer.contents import READING_LABEL, Entry, PrintedPart, part_heading
from paiban.importer.corrections import Correction
from paiban.importer.problems import (DOUBLED_ACROSS_BOUNDARY, HEADING_NOT_FOUND, LATIN_WORD, PAGE_DISAGREES,
                                      PARAGRAPH_END_BOUNDARY, PART_WITH_TEXT)
from paiban.reader.limits import MAX_BLOCK_CHARS, MAX_BLOCKS

# English words an extraction is known to put for the Chinese one (智慧 and 力量).
LATIN_FOR = {"and": "和", "or": "或"}
_LATIN = re.compile(rf"(?<=[{HAN}])[ \t]*\b([A-Za-z]{{2,}})\b[ \t]*(?=[{HAN}])")
_MAX_HEADING = 60  # characters: a longer block is a paragraph, numbered or not


def normal(text: str) -> str:
    """How a heading and a contents entry are compared: no spaces, full-width brackets."""
    return re.sub(r"\s+", "", text).replace("(", "（").replace(")", "）")


@dataclass
class BodyChapter:
    """One chapter of the body as it is read: its part of the contents, its pieces and their pages."""

    part: PrintedPart
    file: str  # chapters/00-xulun.md
    line: int  # source line of its heading
    printed: str  # its heading as the body prints it: 绪 论
    pieces: list[Piece] = field(default_factory=list)
    opening_page: int = 1
    pages: list[int] = field(default_factory=list)  # the page each piece starts on
    blocks: int = 0  # blocks of the source read into it

    @cached_property
    def entries(self) -> dict[str, Entry]:
        """The part's entries of the contents, by the text a heading is compared by."""
        return {normal(e.title): e for e in self.part.entries}


@dataclass
class Body:
    """What the body gave: chapters, the boundaries placed by length, findings and corrections."""

    chapters: list[BodyChapter]
    guesses: list[Guess]
    findings: list[Diagnostic] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)
    markers: int = 0


def chapter_file(index: int, title: str) -> str:
    """``chapters/00-xulun.md``: the part's place in the contents and its title in pinyin."""
    slug = re.sub(r"[^a-z0-9]+", "", "".join(lazy_pinyin(title)).lower()) or "part"
    return f"chapters/{index:02d}-{slug}.md"


def split_body(blocks: list[Block], parts: list[PrintedPart], source: str) -> Body:
    """The chapters of the body, each from its part heading to the next, and their pages."""
    body = Body([], [])
    repeated = doubled_runs("\n".join(b.text for b in blocks))
    wanted = {p.title: i for i, p in enumerate(parts)}
    chapter: BodyChapter | None = None
    index = -1  # of the chapter's part in the contents
    reading_next = False
    styles: list[tuple[str, bool]] = []
    for b in blocks:
        heading = part_heading(b.text) if len(b.lines) == 1 else None
        if heading and wanted.get(heading[0], -1) > index:
            index = wanted[heading[0]]
            part = parts[index]
            chapter = BodyChapter(part, chapter_file(index, part.title), b.line, b.text)
            body.chapters.append(chapter)
            styles = []
            continue
        if chapter is None:
            continue
        chapter.blocks += 1
        if chapter.blocks > MAX_BLOCKS:
            raise BookError(f"{chapter.part.title} holds more than {MAX_BLOCKS:,} blocks, more than a chapter of a "
                            "book may", source, b.line, "a part heading of the contents (第二章…) is missing or "
                            "misspelt in the body, so the chapters run together: make it read as in the contents")
        if not chapter.pieces and chapter.part.subtitle and normal(b.text) == normal(chapter.part.subtitle):
            continue
        if b.text == READING_LABEL:
            reading_next = True
            continue
        _add(chapter, b, repeated, styles, reading_next, body, source)
        reading_next = False
    # A part-title page (第一编) printed again in the body holds its title only: no chapter file.
    # One with text of its own is a chapter (the reader refuses a part with a file), and said so.
    body.chapters = [c for c in body.chapters if c.pieces or c.part.kind != "part"]
    for c in body.chapters:
        if c.part.kind == "part":
            c.part.kind = "chapter"
            body.findings.append(PART_WITH_TEXT.found(f"{c.part.title} has text of its own: it is a chapter now",
                                                      source, c.line))
    body.guesses = place_by_length([c.pieces for c in body.chapters])
    _number_pages(body, source)
    return body


def _add(chapter: BodyChapter, b: Block, repeated: frozenset[str], styles: list[tuple[str, bool]], reading: bool,
         body: Body, source: str) -> None:
    """One block of the chapter: a heading, a paragraph, or the rest of the paragraph before it."""
    entries = chapter.entries
    block = b.text
    number = heading_number(normal(block))
    is_heading = reading or normal(block) in entries or (
        len(b.lines) == 1 and number is not None and len(block) <= _MAX_HEADING and not ends_sentence(block)
        and not block.endswith("，"))
    pieces = chapter.pieces
    if is_heading:
        entry = entries.get(normal(block))
        # A heading of the contents reads as they print it, the display break of a long title a space.
        title = _heading_text(entry.title if entry else block, chapter.file, body)
        level = 2
        if reading or entry and entry.kind == "reading":
            reading = True
        elif number:
            key = (number.style, number.chinese)
            if key in styles:
                del styles[styles.index(key) + 1:]
            else:
                styles.append(key)
            level = min(len(styles) + 1, 6)  # Markdown has six levels; S005 reports a deeper book
        pieces.append(Piece(title, b.line, heading=level, reading=reading))
        return
    block = _latin_words(b, chapter.file, body, source)
    if pieces and not pieces[-1].heading and not ends_sentence(pieces[-1].text):
        if len(pieces[-1].text) + len(block) > MAX_BLOCK_CHARS:
            raise BookError(f"a paragraph runs on over pages for more than {MAX_BLOCK_CHARS:,} characters", source,
                            pieces[-1].line, "its blocks never end a sentence (。！？): end the paragraphs, or check "
                            "that this is the text of a book")
        join(pieces[-1], block, b.line, repeated)
    else:
        pieces.append(Piece(block, b.line))


def _heading_text(text: str, file: str, body: Body) -> str:
    """A heading's number with full-width brackets and no space after it: (1) 以… → （1）以…"""
    m = re.match(r"^[（(](\d+|[一二三四五六七八九十]+)[）)]\s*", text)
    fixed = f"（{m.group(1)}）" + text[m.end():] if m else text
    if fixed == text:
        return text
    body.corrections.append(Correction(file, fixed, _head(text, 26), _head(fixed, 26),
                                       "Normalised to full-width parentheses with no following space, as Chinese text "
                                       "sets a heading's number (GB/T 15834)."))
    return fixed


def _latin_words(b: Block, file: str, body: Body, source: str) -> str:
    """A Latin word inside Chinese text: a common one replaced by its Chinese word, any other reported."""
    text = b.text
    found: list[Diagnostic] = []
    for m in reversed(list(_LATIN.finditer(text))):  # from the end, so a replacement moves no later match
        word = m.group(1)
        line = b.line + next((i for i, t in enumerate(b.lines) if word in t), 0)
        replacement = LATIN_FOR.get(word.lower())
        if replacement is None:
            found.append(LATIN_WORD.found(f"Latin word '{word}' inside Chinese text", source, line))
            continue
        before = text[max(0, m.start() - 6):m.end() + 2]
        text = text[:m.start()] + replacement + text[m.end():]
        after = text[max(0, m.start() - 6):m.start() + len(replacement) + 2]
        found.append(LATIN_WORD.found(f"Latin word '{word}' inside Chinese text replaced by '{replacement}'", source,
                                      line))
        body.corrections.append(Correction(
            file, after, before, after,
            f"English word \"{word}\" (with half-width spaces) in Chinese text, an evident extraction error for "
            f"\"{replacement}\"."))
    body.findings += reversed(found)
    return text


def _opening(chapter: BodyChapter, previous_last: int | None) -> int:
    """The page a chapter opens on: the next after the chapter before; for the first, the page
    the contents give its first heading, less the boundaries before it (1 without one)."""
    if previous_last is not None:
        return previous_last + 1
    if chapter.part.page:
        return chapter.part.page
    entries = {normal(e.title): e.page for e in chapter.part.entries}
    breaks = 0
    for piece in chapter.pieces:
        if piece.page_before:
            breaks += 1
        if piece.heading and normal(piece.text) in entries:
            return max(1, entries[normal(piece.text)] - breaks)
        breaks += piece.text.count(BREAK)
    return 1


def _number_pages(body: Body, source: str) -> None:
    """Number the boundaries, from each chapter's opening page; compare the headings' pages
    with the contents; report the guessed boundaries and the doubled characters."""
    last: int | None = None
    guesses = {(g.chapter, g.before): g for g in body.guesses}
    for c, chapter in enumerate(body.chapters):
        page = chapter.opening_page = _opening(chapter, last)
        for i, piece in enumerate(chapter.pieces):
            if piece.page_before:
                page += 1
                guess = guesses[c, i]
                if guess.other != guess.before:
                    chapter.pieces[guess.other].alternative = page
                body.findings.append(_guess_finding(chapter, guess, page, source))
            chapter.pages.append(page)
            for k, (doubled, removed) in enumerate(piece.doubled):
                page += 1
                if doubled:
                    body.findings.append(_doubled_finding(chapter, piece, k, page, doubled, removed, source, body))
            body.markers += piece.text.count(BREAK)
        last = page
        _compare_contents(chapter, last, body, source)


def _tail(text: str, size: int = 12) -> str:
    text = text.replace(BREAK, "")
    return text if len(text) <= size else "…" + text[-size:]


def _head(text: str, size: int = 12) -> str:
    text = text.replace(BREAK, "")
    return text if len(text) <= size else text[:size] + "…"


def _guess_finding(chapter: BodyChapter, guess: Guess, page: int, source: str) -> Diagnostic:
    """Both candidate places of a page placed by length: the piece each would begin the page with."""
    pieces = chapter.pieces
    chosen, other = pieces[guess.before], pieces[guess.other]
    where = f"placed before line {chosen.line} ('{_head(chosen.text)}', after '{_tail(pieces[guess.before - 1].text)}')"
    if guess.other == guess.before:
        return PARAGRAPH_END_BOUNDARY.found(f"page {page} begins at a paragraph end, {where}", source, chosen.line)
    return PARAGRAPH_END_BOUNDARY.found(
        f"page {page} begins at a paragraph end, {where}; or before line {other.line} ('{_head(other.text)}', "
        f"after '{_tail(pieces[guess.other - 1].text)}')", source, chosen.line)


def _doubled_finding(chapter: BodyChapter, piece: Piece, k: int, page: int, doubled: str, removed: bool,
                     source: str, body: Body) -> Diagnostic:
    """The finding of a character doubled across the cut; the correction when a copy was removed."""
    parts = piece.text.split(BREAK)
    before, after = _tail(parts[k], 8), _head(parts[k + 1], 8)
    marker = f"{{{{page {page}}}}}"
    if removed:
        message = (f"'{doubled}' ends page {page - 1} and starts page {page} ({before}{doubled} / {after}); one "
                   f"removed: page {page} starts with it ({before}{marker}{after}), or page {page - 1} ends with it "
                   f"({_tail(parts[k] + doubled, 8)}{marker}{_head(parts[k + 1][len(doubled):], 8)})")
        body.corrections.append(Correction(
            chapter.file, parts[k][-12:] + marker + parts[k + 1][:12],
            parts[k][-16:] + doubled + " / " + parts[k + 1][:16], parts[k][-16:] + marker + parts[k + 1][:16],
            f"\"{doubled}\" is doubled across the page {page - 1}/{page} break; the copy at the end of page "
            f"{page - 1} was removed, so page {page} starts with it."))
    else:
        message = (f"'{doubled}' ends page {page - 1} and starts page {page} ({before} / {after}); both kept: the "
                   f"text repeats '{doubled * 2}' elsewhere")
    return DOUBLED_ACROSS_BOUNDARY.found(message, source, piece.lines[k])


def _compare_contents(chapter: BodyChapter, last: int, body: Body, source: str) -> None:
    """Each contents entry against its heading's page (I003), or against the body (I004)."""
    if chapter.part.page is not None and chapter.part.page != chapter.opening_page:
        body.findings.append(PAGE_DISAGREES.found(
            f"{chapter.part.title} opens on page {chapter.opening_page} by the page boundaries; the printed contents "
            f"say {chapter.part.page}", source, chapter.line))
    found = {normal(p.text): (p, page) for p, page in zip(chapter.pieces, chapter.pages, strict=True) if p.heading}
    for entry in chapter.part.entries:
        hit = found.get(normal(entry.title))
        if hit is None:
            if entry.page <= last:
                body.findings.append(HEADING_NOT_FOUND.found(
                    f"contents entry '{entry.title}' (page {entry.page}) has no heading in the body of "
                    f"{chapter.part.title}", source, entry.line))
        elif hit[1] != entry.page:
            body.findings.append(PAGE_DISAGREES.found(
                f"'{entry.title}' falls on page {hit[1]} by the page boundaries; the printed contents say "
                f"{entry.page}", source, hit[0].line))


def render(chapter: BodyChapter) -> str:
    """The chapter file: front matter, the opening page's marker, then the pieces as Markdown."""
    part = chapter.part
    out = [*front_matter(part.title, part.subtitle, part.kind), f"{{{{page {chapter.opening_page}}}}}", ""]
    page = chapter.opening_page
    for piece in chapter.pieces:
        if piece.alternative:
            out += [f"<!-- paiban import (I001): page {piece.alternative} may begin here instead -->", ""]
        if piece.page_before:
            page += 1
            out += [f"{{{{page {page}}}}}", ""]
        if piece.heading:
            out += ["#" * piece.heading + " " + piece.text + (" {.reading}" if piece.reading else ""), ""]
            continue
        parts = piece.text.split(BREAK)
        text = [parts[0]]
        for part in parts[1:]:
            page += 1
            text += [f"{{{{page {page}}}}}", part]
        out += ["".join(text), ""]
    return "\n".join(out).rstrip("\n") + "\n"

