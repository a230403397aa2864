"""What a chapter may hold before Markdown sees it, and what its tree may hold after.

Python-Markdown recurses on nested lists and block quotes, slows down on huge blocks
and moves its whole list of blocks for every block it takes (quadratic in the number
of paragraphs); the HTML parser behind the sanitizer is quadratic in the depth of raw
HTML, and WeasyPrint recurses on it. A manuscript from outside could exhaust memory,
the stack or the clock and give a traceback or a hang instead of a message. These
limits are far above any real book (a printed page holds under 1,000 characters, a
chapter under 5,000 paragraphs and a few hundred pages) and each breach is reported
at its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from paiban.errors import BookError
from paiban.reader.markdown import MARKER_LIKE

MAX_BLOCK_CHARS = 100_000
MAX_NESTING = 12
MAX_HEADINGS = 5_000
MAX_BLOCKS = 10_000  # blocks between blank lines (paragraphs, headings, markers…) of a chapter
MAX_MARKERS = 1_000  # page markers of a chapter, each an original page to lay out
MAX_PAGE = 99_999  # the highest original page number
MAX_HTML_DEPTH = 32  # raw HTML elements open at once, as the source reads
# The deepest the tree of a chapter may be (Markdown's nesting, raw HTML and what the
# HTML parser adds to it): WeasyPrint 70 overflows Python's stack at about 130 nested boxes.
MAX_TREE_DEPTH = 80
MAX_SPAN = 1_000  # colspan and rowspan: WeasyPrint makes a grid cell for every spanned one
MAX_LIST_START = 999_999  # the number an <ol start> may give its first item
MAX_IMAGE_PIXELS = 50_000_000  # a full-page image at 600 dpi has about 35 million
FENCE = re.compile(r"^\s{0,3}(```|~~~)")
QUOTE_PREFIX = re.compile(r"^\s*((?:>\s*)+)")
LIST_ITEM = re.compile(r"^(\s*)([-*+]|\d+[.)])\s")
CODE_SPAN = re.compile(r"`[^`]*`")
# A start or end tag of raw HTML: a name followed by a space, "/", ">" or the line's
# end (so not Markdown's autolinks, <https://…> and <name@host>), with its attributes
# when the tag ends on the same line.
TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)(?=[\s/>]|$)([^<>]*>)?")
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
                  "track", "wbr"})
# Elements the HTML parser opens again wherever the next content comes when an ancestor
# closed them (its "active formatting elements"), at most three alike (tag and attributes).
FORMATTING = frozenset({"a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong",
                        "tt", "u"})
REOPENED_ALIKE = 3
# A start tag of one of these ends an open element of the same name when no other block
# lies between them: a <p> ends the <p> before it, a <li> of a nested list not its parent's.
OPTIONAL_END = frozenset({"p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option",
                          "optgroup", "rb", "rt", "rp", "colgroup", "caption"})


@dataclass
class _OpenTags:
    """The raw HTML elements open after each line of the source, counted line by line.

    Not a parser but an upper bound of the depth the parser will build, cheap enough to
    run before it: a formatting element that an ancestor's end tag closed stays counted
    (``reopened``) until its own end tag, as the parser reopens it. Without that, a few
    kilobytes of ``<div><b title=N></div>`` make the parser nest thousands of elements.
    """

    stack: list[tuple[str, str]] = field(default_factory=list)  # (name, the tag as written)
    reopened: list[tuple[str, str]] = field(default_factory=list)
    unfinished: int = 0  # tags not ended on their line, each counted as unlike any other

    @property
    def depth(self) -> int:
        return len(self.stack) + len(self.reopened)

    def read(self, line: str) -> None:
        for m in TAG.finditer(line):
            closing, name = m.group(1), m.group(2).lower()
            if name in VOID:
                continue
            if closing:
                self._close(name)
                continue
            if name in OPTIONAL_END and self._ends_one_before(name):
                self._close(name)
            if m.group(3) is None:
                self.unfinished += 1
            written = " ".join(m.group(0).split()) if m.group(3) else f"<{name} …{self.unfinished}"
            self.stack.append((name, written))
            if self.depth > MAX_HTML_DEPTH:
                return  # the caller reports it; reading on could take long (a line of 100,000 tags)

    def _ends_one_before(self, name: str) -> bool:
        for open_name, _ in reversed(self.stack):
            if open_name == name:
                return True
            if open_name not in OPTIONAL_END and open_name not in FORMATTING:
                return False
        return False

    def _close(self, name: str) -> None:
        names = [n for n, _ in self.stack]
        if name in names:
            at = len(names) - 1 - names[::-1].index(name)
            for entry in self.stack[at + 1:]:
                if entry[0] in FORMATTING and self.reopened.count(entry) < REOPENED_ALIKE:
                    self.reopened.append(entry)
            del self.stack[at:]
        elif name in FORMATTING:
            latest = max((i for i, (n, _) in enumerate(self.reopened) if n == name), default=None)
            if latest is not None:
                del self.reopened[latest]


def check_body(body: str, file: str, first_line: int) -> None:
    """Raise a BookError at the first line that breaks a limit or leaves a fence open."""
    block_start, block_chars, headings, blocks, markers = first_line, 0, 0, 0, 0
    fence_line: int | None = None
    tags = _OpenTags()
    for offset, line in enumerate(body.split("\n")):
        lineno = first_line + offset
        if FENCE.match(line):
            fence_line = None if fence_line is not None else lineno
            continue
        if fence_line is not None:
            continue
        if not line.strip():
            block_start, block_chars = lineno + 1, 0
            continue
        if not block_chars:
            blocks += 1
            if blocks > MAX_BLOCKS:
                raise BookError(f"more than {MAX_BLOCKS:,} paragraphs in one chapter", file, lineno,
                                "split the chapter into several files; a chapter of a printed book has "
                                "under 5,000")
        block_chars += len(line)
        if block_chars > MAX_BLOCK_CHARS:
            raise BookError(f"a paragraph of more than {MAX_BLOCK_CHARS:,} characters", file, block_start,
                            "split it with blank lines; a printed page holds under 1,000 characters")
        if line.lstrip().startswith("#"):
            headings += 1
            if headings > MAX_HEADINGS:
                raise BookError(f"more than {MAX_HEADINGS:,} headings in one chapter", file, lineno,
                                "split the chapter into several files")
        quote = QUOTE_PREFIX.match(line)
        depth = quote.group(1).count(">") if quote else 0
        item = LIST_ITEM.match(line)
        if item:
            depth = max(depth, len(item.group(1).expandtabs(4)) // 2 + 1)
        if depth > MAX_NESTING:
            raise BookError(f"lists or quotes nested {depth} deep (at most {MAX_NESTING})", file, lineno,
                            "flatten the nesting; deeper levels cannot be typeset legibly")
        code_free = CODE_SPAN.sub("", line) if "`" in line else line
        if "{{" in code_free:
            markers += len(MARKER_LIKE.findall(code_free))
            if markers > MAX_MARKERS:
                raise BookError(f"more than {MAX_MARKERS:,} page markers in one chapter", file, lineno,
                                "split the chapter into several files; each marker is a page to lay out")
        if "<" in code_free:
            tags.read(code_free)
            if tags.depth > MAX_HTML_DEPTH:
                raise BookError(f"raw HTML nested more than {MAX_HTML_DEPTH} elements deep", file, lineno,
                                "close each HTML element you open (<b>…</b>, <div>…</div>), or nest fewer")
    if fence_line is not None:
        raise BookError("code fence opened here is never closed", file, fence_line,
                        "close it with a line of ``` (or ~~~), or remove it")
