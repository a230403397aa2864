"""Which font fontconfig gives for a family, and what it covers: the one place paiban asks it.

Pango (and so WeasyPrint) resolves CSS font families through fontconfig; asking
fontconfig the same question tells the glyph check and the font embedder which
files will really be used, and whether a family is installed at all (fontconfig
silently substitutes another family for a missing one).

fontconfig is asked in this process, through its C library (``ctypes``), exactly as
``fc-match PATTERN`` asks it: parse the pattern, apply the configuration's and the
default substitutions, take the best match. A subprocess per question cost about
8 ms, and a build asks up to twenty. The characters a font covers come from the
charset fontconfig keeps in its cache, the one Pango itself consults to choose a
font for each character; reading the font's ``cmap`` with fontTools instead took half
a second for the CJK faces.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from paiban.errors import BookError

_MATCH_PATTERN = 0  # FcMatchPattern
_RESULT_MATCH = 0  # FcResultMatch
_CHARSET_DONE = 0xFFFFFFFF  # FC_CHARSET_DONE: no page after this one
_PAGE = ctypes.c_uint32 * 8  # FC_CHARSET_MAP_SIZE words: a page of 256 code points


@dataclass(frozen=True)
class FontMatch:
    file: Path
    index: int  # face index in a collection (.ttc)
    families: tuple[str, ...]  # the names of the family fontconfig chose
    postscript: str = ""  # the face's PostScript name


@functools.cache
def _library() -> ctypes.CDLL:
    """libfontconfig with the prototypes paiban calls (loaded once per process)."""
    try:
        lib = ctypes.CDLL("libfontconfig.so.1")
    except OSError:
        name = ctypes.util.find_library("fontconfig")  # other systems name the file differently
        try:
            lib = ctypes.CDLL(name or "libfontconfig.so.1")
        except OSError:
            raise BookError("fontconfig (libfontconfig) not found", None, None,
                            "install fontconfig (setup.sh does)") from None
    p, string, out_int = ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int)
    for name, restype, argtypes in (
        ("FcNameParse", p, [string]),
        ("FcConfigSubstitute", ctypes.c_int, [p, p, ctypes.c_int]),
        ("FcDefaultSubstitute", None, [p]),
        ("FcFontMatch", p, [p, p, out_int]),
        ("FcPatternDestroy", None, [p]),
        ("FcPatternGetString", ctypes.c_int, [p, string, ctypes.c_int, ctypes.POINTER(string)]),
        ("FcPatternGetInteger", ctypes.c_int, [p, string, ctypes.c_int, out_int]),
        ("FcPatternGetCharSet", ctypes.c_int, [p, string, ctypes.c_int, ctypes.POINTER(p)]),
        ("FcCharSetFirstPage", ctypes.c_uint32, [p, _PAGE, ctypes.POINTER(ctypes.c_uint32)]),
        ("FcCharSetNextPage", ctypes.c_uint32, [p, _PAGE, ctypes.POINTER(ctypes.c_uint32)]),
    ):
        function = getattr(lib, name)
        function.restype, function.argtypes = restype, argtypes
    return lib


@contextmanager
def _best(pattern: str) -> Iterator[int]:
    """fontconfig's best font for ``pattern``, as ``fc-match`` finds it (freed on exit)."""
    lib = _library()
    query = lib.FcNameParse(pattern.encode("utf-8"))
    if not query:
        raise BookError(f"fontconfig cannot read the font pattern {pattern!r}", None, None,
                        "name the family as fc-list prints it")
    try:
        lib.FcConfigSubstitute(None, query, _MATCH_PATTERN)
        lib.FcDefaultSubstitute(query)
        result = ctypes.c_int()
        found = lib.FcFontMatch(None, query, ctypes.byref(result))
    finally:
        lib.FcPatternDestroy(query)
    if not found:
        raise BookError(f"fontconfig has no font at all for {pattern}", None, None,
                        "install fonts: ./setup.sh installs fonts-noto-cjk")
    try:
        yield found
    finally:
        lib.FcPatternDestroy(found)


def _strings(font: int, element: bytes) -> Iterator[str]:
    """Every value of a string element of a font pattern (a family has several names)."""
    value = ctypes.c_char_p()
    n = 0
    while _library().FcPatternGetString(font, element, n, ctypes.byref(value)) == _RESULT_MATCH:
        yield (value.value or b"").decode("utf-8")
        n += 1


@functools.cache
def match(pattern: str) -> FontMatch:
    """fontconfig's best match for a pattern such as ``Noto Sans CJK SC:style=Bold``."""
    with _best(pattern) as font:
        index = ctypes.c_int()
        _library().FcPatternGetInteger(font, b"index", 0, ctypes.byref(index))
        return FontMatch(Path(next(_strings(font, b"file"), "")), index.value, tuple(_strings(font, b"family")),
                         next(_strings(font, b"postscriptname"), ""))


@functools.cache
def charset(pattern: str) -> frozenset[int]:
    """The code points the best match for ``pattern`` has glyphs for (its fontconfig charset)."""
    lib = _library()
    with _best(pattern) as font:
        chars = ctypes.c_void_p()
        if lib.FcPatternGetCharSet(font, b"charset", 0, ctypes.byref(chars)) != _RESULT_MATCH:
            return frozenset()
        page, following = _PAGE(), ctypes.c_uint32()
        points: list[int] = []
        base = lib.FcCharSetFirstPage(chars, page, ctypes.byref(following))
        while base != _CHARSET_DONE:
            for start, word in zip(range(base, base + 256, 32), page):
                if word == 0xFFFFFFFF:  # most words of a CJK font are full
                    points.extend(range(start, start + 32))
                    continue
                while word:
                    low = word & -word
                    points.append(start + low.bit_length() - 1)
                    word ^= low
            base = lib.FcCharSetNextPage(chars, page, ctypes.byref(following))
        return frozenset(points)


def require(family: str, style: str = "Regular") -> FontMatch:
    """The installed face of ``family``; a BookError if fontconfig would substitute another."""
    found = match(f"{family}:style={style}")
    if family not in found.families:
        raise BookError(f"font {family} {style} is not installed (fontconfig would use {found.families[0]})",
                        None, None, "install it: ./setup.sh installs fonts-noto-cjk")
    return found
