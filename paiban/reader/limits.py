"""What a chapter may hold before Markdown sees it.

Python-Markdown recurses on nested lists and block quotes and slows down on huge
blocks; a manuscript from outside could exhaust memory or the stack and give a
traceback instead of a message. These limits are far above any real book (a printed
page holds under 1,000 characters) and each breach is reported at its line.
"""

from __future__ import annotations

import re

from paiban.errors import BookError

MAX_BLOCK_CHARS = 100_000
MAX_NESTING = 12
MAX_HEADINGS = 5_000
FENCE = re.compile(r"^\s{0,3}(```|~~~)")
QUOTE_PREFIX = re.compile(r"^\s*((?:>\s*)+)")
LIST_ITEM = re.compile(r"^(\s*)([-*+]|\d+[.)])\s")


def check_body(body: str, file: str, first_line: int) -> None:
    """Raise a BookError at the first line that breaks a limit or leaves a fence open."""
    block_start, block_chars, headings = first_line, 0, 0
    fence_line: int | None = None
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
    if fence_line is not None:
        raise BookError("code fence opened here is never closed", file, fence_line,
                        "close it with a line of ``` (or ~~~), or remove it")
