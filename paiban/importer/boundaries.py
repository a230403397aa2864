"""Where the original pages of a digitized book began, found in its text.

A digitization keeps each printed page's text as blocks, so a paragraph that ran over a
page is cut in two: a block that stops in mid-sentence, and a next block that goes on
with it. That is a certain page boundary, and its exact place. A page that ended with
its paragraph leaves no such sign; the only evidence is length: a stretch between two
certain boundaries that holds the text of two pages. Its boundary is then placed at
the paragraph end nearest to the stretch's middle, never right after a heading (a
printed page does not end with a heading), and reported with the other candidate.

A scan may also double a character across the cut (中国特色 / 色社会主义): one copy
is removed, unless the text repeats the same characters elsewhere (天天), and the
finding names both pages the character could belong to.
"""

from __future__ import annotations

import bisect
import re
import statistics
from dataclasses import dataclass, field

from paiban.check.prose import HAN, is_han

BREAK = "\x00"  # where a page boundary falls inside a paragraph, until the pages are numbered


@dataclass
class Piece:
    """A block of a chapter's body as it will be written: a paragraph or a heading."""

    text: str  # for a paragraph, with BREAK at each page boundary inside it
    line: int  # source line of its first block
    heading: int = 0  # heading level (2 for 一、), 0 for a paragraph
    reading: bool = False  # a 延伸阅读 piece's heading
    lines: list[int] = field(default_factory=list)  # source line of the block after each BREAK
    page_before: bool = False  # a page begins before this piece (placed by length)
    alternative: int = 0  # the page placed by length that may begin before this piece instead: a comment says so
    doubled: list[tuple[str, bool]] = field(default_factory=list)  # per BREAK: the doubled text, removed?


@dataclass(frozen=True)
class Guess:
    """A page boundary placed by length, for the report: the piece it stands before and the other candidate."""

    chapter: int
    before: int  # index of the piece the page begins with
    other: int  # index of the piece before which the other candidate lies


def doubled_runs(text: str) -> frozenset[str]:
    """Every run of one to four Han characters that ``text`` holds twice in a row (天天, 研究研究).

    Found once for the whole body, in one pass per length, so that each cut asks a set and
    not the whole text again: a source of many cuts would otherwise take time that grows
    with the product of their number and its length."""
    return frozenset(m.group(1) for k in range(1, 5) for m in re.finditer(rf"(?=([{HAN}]{{{k}}})\1)", text))


def join(previous: Piece, text: str, line: int, repeated: frozenset[str]) -> None:
    """``text`` continues ``previous`` on the next page: join them at a BREAK, one copy of a
    doubled character removed unless the source repeats it elsewhere (``repeated``, the
    :func:`doubled_runs` of the body, whose blocks stand apart: the doubling across this cut is
    not among them)."""
    size = max((k for k in range(1, 5) if len(previous.text) >= k and previous.text[-k:] == text[:k]
                and all(map(is_han, text[:k]))), default=0)
    doubled = ("", False)
    if size:
        removed = text[:size] not in repeated
        doubled = (text[:size], removed)
        if removed:
            previous.text = previous.text[:-size]
    previous.text += BREAK + text
    previous.lines.append(line)
    previous.doubled.append(doubled)


def _length(piece: Piece) -> int:
    """Characters a piece takes on a page; a paragraph's first line is indented two."""
    return len(piece.text.replace(BREAK, "")) + (0 if piece.heading else 2)


def page_lengths(chapters: list[list[Piece]]) -> list[tuple[int, int, int, bool]]:
    """The pages the certain boundaries delimit: (chapter, first piece, length, both ends certain)."""
    pages = []
    for c, pieces in enumerate(chapters):
        start, length, from_break = 0, 0, False
        for i, piece in enumerate(pieces):
            parts = piece.text.split(BREAK)
            for k, part in enumerate(parts):
                length += len(part) + (2 if k == 0 and not piece.heading else 0)
                if k < len(parts) - 1:
                    pages.append((c, start, length, from_break))
                    start, length, from_break = i, 0, True
        pages.append((c, start, length, False))
    return pages


def place_by_length(chapters: list[list[Piece]]) -> list[Guess]:
    """Page boundaries at paragraph ends, where a stretch of text is too long for one page.

    A page's capacity is measured on the pages with a certain boundary at both ends (whole
    pages); with fewer than two of them there is nothing to measure by."""
    pages = page_lengths(chapters)
    whole = [length for _, _, length, certain in pages if certain and length > 0]
    if len(whole) < 2:
        return []
    # The lower median, then the median of the stretches shorter than one and a half of it: a
    # stretch of two pages (the one to find) must not raise the measure it is found by.
    low = statistics.median_low(whole)
    capacity = statistics.median([length for length in whole if length < 1.5 * low])
    guesses: list[Guess] = []
    for index, (c, start, length, _) in enumerate(pages):
        missing = round(length / capacity) - 1
        if missing < 1 or length < 1.5 * capacity:
            continue
        pieces = chapters[c]
        last = index + 1 == len(pages) or pages[index + 1][0] != c
        stop = len(pieces) if last else pages[index + 1][1] + 1
        # The gaps between whole pieces of the stretch (the piece after each), with the length
        # before each: both in increasing order, so the nearest gaps are found by bisection.
        gaps: list[int] = []
        positions: list[int] = []
        position = len(pieces[start].text.split(BREAK)[-1]) + (0 if pieces[start].heading else 2)
        for i in range(start + 1, stop):
            gaps.append(i)
            positions.append(position)
            position += _length(pieces[i])
        for k in range(1, missing + 1):
            if not gaps:
                break
            target = k * (capacity if last else length / (missing + 1))
            near = bisect.bisect_left(positions, target)
            # The two nearest gaps lie among the two on either side of the target; the nearer
            # first, the earlier of two as near.
            ranked = sorted(range(max(0, near - 2), min(len(gaps), near + 2)), key=lambda g: abs(positions[g] - target))
            chosen = gaps[ranked[0]]
            if pieces[chosen - 1].heading and chosen - 1 > start:
                other, chosen = chosen, chosen - 1  # the heading goes with its text to the next page
            else:
                other = gaps[ranked[1]] if len(ranked) > 1 else chosen
            pieces[chosen].page_before = True
            guesses.append(Guess(c, chosen, other))
            at = bisect.bisect_left(gaps, chosen)
            if at < len(gaps) and gaps[at] == chosen:
                del gaps[at], positions[at]
    return guesses
