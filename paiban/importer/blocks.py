"""A digitized book as blocks of lines, and the digitization's noise taken out of them.

A digitized printed book (a scan's text, an e-book's export) is plain text in blocks
separated by blank lines: the cover's lines, the copyright page's, the printed
contents, then one block per paragraph or heading of the body. Every later step
reads these blocks and keeps each one's line in the source, so what the import
reports names the line a user finds in the file they imported.

The noise is what the digitization added and the book never printed: Markdown list
dashes and heading marks at a line's start, stray ``**``, ``▶`` markers, and the letter-spacing of a
two-character display heading (``绪 论``). Removing it is not a change of the text;
CORRECTIONS.md lists only what is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from paiban.errors import BookError
from paiban.reader.limits import MAX_BLOCK_CHARS
from paiban.reader.sources import read_text

_LEAD_NOISE = re.compile(r"^(?:[-*+•▶►▸][ \t]+|[▶►▸]|#{1,6}[ \t]+)+")
# Control characters (a form feed where a PDF's text extraction ended a page): no book holds
# one, and the reader refuses them in book.yaml. Tabs are spaces.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Marks that end a sentence; closing quotes and brackets after them keep it ended.
SENTENCE_END = "。！？!?…；;：:"
_LATIN_END = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789,.;:")
CLOSING = "”’」』）)》〉】"


@dataclass(frozen=True)
class Block:
    """Lines of the source between blank lines, noise removed, with the line of the first."""

    lines: tuple[str, ...]
    line: int  # line of the source where the block starts

    @property
    def text(self) -> str:
        """The block's lines joined as one paragraph: a hard line break inside Chinese text is noise."""
        return join_lines(self.lines)

    @property
    def compact(self) -> str:
        """The text without any space: what two spellings of a title are compared by."""
        return re.sub(r"\s+", "", self.text)


def read_blocks(source: Path) -> list[Block]:
    """The source's blocks. UTF-8 only: anything else is a BookError naming the first bad line.
    A block longer than a chapter's paragraph may be (:data:`paiban.reader.limits.MAX_BLOCK_CHARS`)
    is refused at its line: it is no paragraph of a printed book, and every later step (and the
    reader of the book it would make) takes time that grows with a block's length."""
    text = read_text(source, source.parent)
    blocks: list[Block] = []
    current: list[str] = []
    start = size = 0
    for number, raw in enumerate(text.split("\n"), 1):
        line = clean_line(raw)
        if line:
            if not current:
                start, size = number, 0
            current.append(line)
            size += len(line)
            if size > MAX_BLOCK_CHARS:
                raise BookError(f"a block of more than {MAX_BLOCK_CHARS:,} characters without a blank line", str(source),
                                start, "a printed book's paragraph is far shorter: separate its paragraphs by blank "
                                "lines, or check that this is the text of a book")
        elif current:
            blocks.append(Block(tuple(current), start))
            current = []
    if current:
        blocks.append(Block(tuple(current), start))
    return blocks


def clean_line(raw: str) -> str:
    """A line without the noise a digitization puts at its start and without its outer spaces.
    A ``**`` with no partner on the line is stray; a pair is bold the book printed, left in."""
    line = _LEAD_NOISE.sub("", _CONTROL.sub("", raw).replace("\t", " ").replace("\u3000", " ").strip()).strip()
    if line.count("**") % 2:
        line = line.replace("**", "").strip()
    return line


def join_lines(lines: tuple[str, ...] | list[str]) -> str:
    """Lines broken by the digitization joined again: nothing between Chinese characters, a
    space only where Latin letters or digits meet across the break."""
    out: list[str] = []
    for line in lines:
        if out and line[:1].isascii() and line[:1].isalnum() and out[-1][-1:] in _LATIN_END:
            out.append(" ")
        out.append(line)
    return "".join(out)


def unspaced(text: str) -> str:
    """A display heading's letter-spacing removed: ``绪 论`` → ``绪论``; a space between two
    words of Latin letters stays."""
    return re.sub(r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])", "", text.strip())


def ends_sentence(text: str) -> bool:
    """Whether a block ends with a sentence's end (``。`` or ``。”``), not in mid-sentence."""
    stripped = text.rstrip()
    while stripped and stripped[-1] in CLOSING:
        if len(stripped) > 1 and stripped[-2] in SENTENCE_END + CLOSING:
            stripped = stripped[:-1]
        else:
            return False  # 这使“群众路线” : a quotation closed in mid-sentence
    return bool(stripped) and stripped[-1] in SENTENCE_END
