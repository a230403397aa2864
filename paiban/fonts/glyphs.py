"""Every printed character must have a glyph in one of the book's fonts.

WeasyPrint drops a character that no font can draw without a word (WeasyPrint issue
#1810): the PDF silently loses it. So before layout the PDF builder checks the text it
is about to print against the fonts its stylesheets name. Each family of the
stylesheets' ``font-family`` lists is resolved the way Pango resolves it, through
fontconfig (:mod:`paiban.fontconfig`), to a font whose charset fontconfig has
cached; a character found in none of them is a :class:`~paiban.errors.BookError`
naming it (``U+XXXX``) and the manuscript line where it stands.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import lxml.html

from paiban.fonts import fontconfig
from paiban.fonts import FACES
from paiban.errors import BookError, BookErrors
from paiban.model import Book

_FAMILY_LIST = re.compile(r"(font-family|--[\w-]+)\s*:\s*([^;{}]+)")
_GENERIC = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui"}


def families(css: str) -> list[str]:
    """The font family names the stylesheets use, generic ones included, in order.

    Custom properties count when they hold a font list: one with a quoted name or a
    generic family in it (``--song: "Noto Serif CJK SC", serif``).
    """
    names: list[str] = []
    for prop, value in _FAMILY_LIST.findall(css):
        items = [item.strip() for item in value.split(",")]
        if prop != "font-family" and not any(i[:1] in "\"'" or i in _GENERIC for i in items):
            continue
        for item in items:
            name = item.strip("\"'")
            if name and not name.startswith("var(") and name not in ("inherit", "initial") and name not in names:
                names.append(name)
    return names


@functools.lru_cache(maxsize=16)
def covered(css: str) -> frozenset[int]:
    """Every code point some font of the stylesheets can draw (kept per process: every part
    of the printed book has the same stylesheets, and the union of the CJK faces' charsets
    took a twentieth of a cold build)."""
    return frozenset().union(*(fontconfig.charset(name) for name in families(css)))


def printed_text(html: str) -> str:
    """The text of an HTML document the templates made, as it will be printed (head and
    styles left out). A chapter's body is not read back from its HTML: its text is the tree's."""
    root = lxml.html.document_fromstring(html)
    body = root.find("body")
    return "".join((body if body is not None else root).itertext())


def _drawn(char: str) -> bool:
    """Whether the character needs a glyph: not white space, control or format."""
    return not char.isspace() and unicodedata.category(char) not in ("Cc", "Cf", "Zs", "Zl", "Zp")


def check_glyphs(book: Book, text: str, css: str) -> None:
    """Raise one error per character of ``text`` (what a part prints) that no font of ``css`` has."""
    named = families(css)
    for face in FACES:  # fontconfig would silently substitute a font that is not installed
        if face.family in named:
            fontconfig.require(face.family, face.style)
    have = covered(css)
    missing = sorted({c for c in text if _drawn(c) and ord(c) not in have})
    if missing:
        raise BookErrors([_located(book, char) for char in missing])


def _located(book: Book, char: str) -> BookError:
    """The error for a missing character, at its first place in the manuscript."""
    name = unicodedata.name(char, "")
    message = (f"no font has a glyph for {char} (U+{ord(char):04X}{' ' + name if name else ''}); "
               "it would be dropped from the PDF")
    hint = "add a font that has it to the book's styles (font-family), or replace the character"
    for chapter in book.chapters:
        if (index := chapter.body.find(char)) >= 0:
            return BookError(message, chapter.source, chapter.body_line + chapter.body.count("\n", 0, index), hint)
    # Not in a chapter: metadata printed on the cover, title or copyright page.
    line = next((n for n, text in enumerate(book.meta_text.splitlines(), 1) if char in text), None)
    return BookError(message, book.meta_file, line, hint)
