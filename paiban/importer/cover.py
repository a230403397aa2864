"""The cover and the title page of a digitized book: title, pinyin, series, author, slogans.

These pages are display type with no labels, so each block is recognised by what it
is, not where it stands: the title is the block that reads as the copyright page's
书名 (or the CIP line's title) once spaces are ignored; the pinyin is a block of Latin
capitals; the author line is the 作者 of the table or a line opened by ``◎``; the
publisher's block is its name; a block with a ``**bold**`` key word is a slogan; a
block labelled 内容提要 or 内容简介 is the description. The series line is what stands
above the title and is none of these. The title page repeats some of them; a repeat
is no new fact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from paiban.check.pinyin import spells
from paiban.check.prose import is_han
from paiban.errors import Diagnostic
from paiban.importer.blocks import Block, join_lines
from paiban.importer.corrections import Correction
from paiban.importer.problems import PINYIN_CORRECTED, UNREAD_FRONT_MATTER

_PINYIN = re.compile(r"^[A-ZÜ]+(?: [A-ZÜ]+)*$")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
# The author line's last word says what the contributor did: 著 wrote, 主编 edited, 译 translated.
# (The spaces before it are stripped apart: ``\s*`` in front would make the search quadratic.)
_AUTHOR_ROLE = re.compile(r"(主编|编著|编选|选编|著|编|译)$")
_ROLES = {"主编": "editor", "编": "editor", "编选": "compiler", "选编": "compiler", "译": "translator", "编著": "author",
          "著": "author"}
_DESCRIPTION = re.compile(r"^(?:内容提要|内容简介|内容摘要)\s*[:：]?\s*")
# Letters of a cover's pinyin in which one added by the scan is looked for, trying each in
# turn: a long title's pinyin has about a hundred; a block of thousands is no cover's.
_MAX_PINYIN_LETTERS = 300


@dataclass
class Cover:
    """What the cover and title page gave: book.yaml's fields, findings and corrections."""

    fields: dict[str, Any] = field(default_factory=dict)
    findings: list[Diagnostic] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)


def read_cover(blocks: list[Block], title: str | None, author: str | None, publisher: str | None,
               source: str) -> Cover:
    """The metadata the cover and title page print. ``title``, ``author`` and ``publisher``
    are what the copyright page gives, to recognise their blocks by."""
    cover = Cover()
    found = title and next((b for b in blocks if b.compact == re.sub(r"\s+", "", title)), None)
    if title is None:
        found = _title_block(blocks)
        title = found.compact if found else None
    if title:
        cover.fields["title"] = title
        if found and found.text != title:
            cover.corrections.append(Correction(
                "book.yaml", f"title: {title}", found.text, title,
                "The space is the cover's line break between the title's lines, not part of the title (the copyright "
                "page prints it without a space)."))
    seen: set[str] = set()
    slogans: list[dict[str, str]] = []
    pinyin: list[Block] = []
    for b in blocks:
        if b.compact in seen:
            continue  # the title page repeats the cover
        seen.add(b.compact)
        if _PINYIN.match(b.text.replace("\n", " ")) and all(_PINYIN.match(line) for line in b.lines):
            pinyin.append(b)
        elif title and b.compact == re.sub(r"\s+", "", title):
            continue
        elif b.text.startswith("◎") or (_AUTHOR_ROLE.sub("", b.compact) == re.sub(r"\s+", "", author) if author
                                         else bool(_AUTHOR_ROLE.search(b.compact))):
            if "contributors" not in cover.fields:
                cover.fields["contributors"] = [_contributor(b.text.lstrip("◎ ").strip())]
        elif publisher and b.compact == publisher:
            continue
        elif _BOLD.search(b.text):
            slogans.extend(_slogans(b))
        elif m := _DESCRIPTION.match(b.text):
            cover.fields["description"] = b.text[m.end():]
        elif "series" not in cover.fields and found and b.line < found.line:
            cover.fields["series"] = b.text
        else:
            cover.findings.append(UNREAD_FRONT_MATTER.found(f"cover text '{b.text}' is no field of book.yaml",
                                                           source, b.line))
    if slogans:
        cover.fields["cover"] = {"slogans": slogans}
    if pinyin and title:
        cover.fields["title_pinyin"] = _pinyin(pinyin[0], title, cover, source)
    return cover


def _title_block(blocks: list[Block]) -> Block | None:
    """With no copyright page to go by, the title is the Chinese block the cover's pinyin spells;
    failing that (a scan may have added a letter to the pinyin), the first Chinese block after
    the pinyin that is no author line (the cover sets the title under its pinyin, or above it)."""
    pinyin = next((b for b in blocks if _PINYIN.match(b.text)), None)
    chinese = [b for b in blocks if any(map(is_han, b.text)) and not b.text.startswith("◎")
               and not _AUTHOR_ROLE.search(b.compact)]
    spelled = next((b for b in chinese if pinyin and spells(b.compact, pinyin.text)[0]), None)
    return spelled or next((b for b in chinese if pinyin is None or b.line > pinyin.line), None)


def _contributor(line: str) -> dict[str, str]:
    """The author line's name and role: ``李明远 著`` → 李明远, author; ``本书编写组`` → author."""
    m = _AUTHOR_ROLE.search(line)
    name = line[:m.start()].rstrip() if m else line
    return {"name": name or line, "role": _ROLES[m.group(1)] if m else "author"}


def _slogans(block: Block) -> list[dict[str, str]]:
    """A slogan ends at the line that holds its bold key word; the cover may set two in one block."""
    slogans, lines = [], []
    for line in block.lines:
        lines.append(line)
        if key := _BOLD.search(line):
            slogans.append({"text": _BOLD.sub(r"\1", join_lines(lines)), "key": key.group(1)})
            lines = []
    return slogans


def _pinyin(block: Block, title: str, cover: Cover, source: str) -> str:
    """The cover's pinyin, a space where the cover breaks its line. A scan that added a letter
    (SHIJIANKHUODONG for 实践活动) is corrected when removing one letter makes it spell the title."""
    lines = list(block.lines)
    letters = "".join(lines).replace(" ", "")
    if spells(title, letters)[0]:
        return " ".join(lines)
    # Where each letter stands: (line, column), spaces skipped.
    places = [(n, col) for n, line in enumerate(lines) for col, ch in enumerate(line) if ch != " "]
    for i, (at, col) in enumerate(places if len(places) <= _MAX_PINYIN_LETTERS else ()):
        if spells(title, letters[:i] + letters[i + 1:])[0]:
            fixed = lines[at][:col] + lines[at][col + 1:]
            cover.findings.append(PINYIN_CORRECTED.found(
                f"cover pinyin {lines[at]} does not spell the title; '{lines[at][col]}' removed: {fixed}",
                source, block.line + at))
            cover.corrections.append(Correction(
                "book.yaml", fixed, lines[at], fixed,
                f"Stray \"{lines[at][col]}\" in the cover pinyin: without it the pinyin spells the title."))
            lines[at] = fixed
            return " ".join(lines)
    cover.findings.append(PINYIN_CORRECTED.found(f"cover pinyin {' '.join(lines)} does not spell the title "
                                                 f"'{title}'", source, block.line))
    return " ".join(lines)

