"""One font program per face in the joined PDF of the printed book.

Each part of the book (:mod:`paiban.printbook`) is written by WeasyPrint with its own
subset of each font: the glyphs that part uses, at their original glyph ids
(HarfBuzz's retain-gids subsetting, so a part's text codes are glyph ids of the
whole font). Joined, the book would carry a CJK font program per part and per face:
five times the size of a book written at once, and several different programs under
one font name, which preflight checkers reject.

So every face gets one subset of its font file with the glyphs of all parts, made
as WeasyPrint makes its own (same HarfBuzz flags, same dropped tables), and every
part's font descriptor points to it. The parts' width arrays and ToUnicode maps stay
as they are: they describe the same glyph ids. The font file is found by the
PostScript name the subsets carry, through fontconfig, as Pango found it.

Since the join makes every face's program, a part need not make its own: subsetting
a CJK face is the costliest step of writing a part (HarfBuzz walks the whole font),
and the parts of a 190-page book subset about forty times what the join subsets
five times. So while a part is written (:func:`programs_left_to_the_join`), a face
the join will find gets a program of its ``.notdef`` glyph alone, which keeps the
face's name, and the join replaces it (:func:`share_fonts`); a face it would not
find is subset in full, as before. The cover is written whole: the EPUB's cover
image is drawn from its PDF alone.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
import uharfbuzz as hb
import weasyprint
from fontTools.ttLib import TTFont
from weasyprint.pdf.fonts import Font

from paiban.builders.pdf.justify import WEASYPRINT_VERSION
from paiban.fonts.fontconfig import FontMatch, match
from paiban.builders.problems import FONT_NOT_SHARED
from paiban.errors import BookError
from paiban.log import warn

# The tables WeasyPrint drops from the fonts it embeds (weasyprint/pdf/fonts.py).
DROPPED_TABLES = [int.from_bytes(tag.encode(), "big") for tag in
                  ("BASE", "DSIG", "EBDT", "EBLC", "EBSC", "GPOS", "GSUB", "JSTF", "LTSH", "PCLT", "SVG ")]


@dataclass
class _Face:
    descriptors: list[pikepdf.Dictionary] = field(default_factory=list)
    glyphs: set[int] = field(default_factory=lambda: {0})


def share_fonts(pdf: pikepdf.Pdf, subset: Callable[[Path, int, frozenset[int]], bytes]) -> None:
    """Point every descriptor of a face at one program of all the glyphs used with it.

    ``subset(file, index, glyphs)`` makes that program (:func:`subset_font`, through
    the cache). A face whose file cannot be found keeps its parts' subsets, with a
    warning: the PDF is still right, only larger.
    """
    faces: dict[str, _Face] = {}
    for font in _cid_fonts(pdf):
        face = faces.setdefault(str(font.FontDescriptor.FontName), _Face())
        face.descriptors.append(font.FontDescriptor)
        face.glyphs.update(_glyph_ids(font.get("/W", pikepdf.Array())))
    for name, face in faces.items():
        programs = {d[_program_key(d)].objgen for d in face.descriptors}
        key = _program_key(face.descriptors[0])
        found = font_file(face.descriptors[0][key].read_bytes())
        if found is None:
            if any(_lean_program(d[_program_key(d)].read_bytes()) for d in face.descriptors):
                # A part was written while fontconfig knew the face: a font uninstalled mid-build.
                raise BookError(f"font {str(name).lstrip('/').split('+')[-1]} was uninstalled during the build",
                                None, None, "build again")
            if len(programs) < 2:
                continue  # one part's own program, whole
            face_name = str(name).lstrip("/").split("+")[-1]  # without the subset tag
            warn(FONT_NOT_SHARED.found(f"font {face_name}: its file was not found; each part of the PDF "
                                       "keeps its own subset"))
            continue
        shared = pikepdf.Stream(pdf, subset(found.file, found.index, frozenset(face.glyphs)))
        if "/Subtype" in face.descriptors[0][key]:
            shared.Subtype = face.descriptors[0][key].Subtype
        shared = pdf.make_indirect(shared)
        for descriptor in face.descriptors:
            descriptor[_program_key(descriptor)] = shared


def font_file(program: bytes, index: int = 0) -> FontMatch | None:
    """The installed file of the face whose program (or whole font file, with the face's
    ``index``) is ``program``: by the PostScript name, through fontconfig, as the join looks
    for it; None if fontconfig has no face of that name."""
    names = TTFont(io.BytesIO(program), lazy=True, fontNumber=index)["name"]
    return _installed(names.getDebugName(6) or "")


@functools.cache
def _installed(postscript: str) -> FontMatch | None:
    found = match(f":postscriptname={postscript}") if postscript else None
    # fontconfig's best match may be another face
    return found if found is not None and found.postscript == postscript else None


_lean = contextvars.ContextVar("lean", default=False)
_weasyprint_subset = Font.subset


@contextlib.contextmanager
def programs_left_to_the_join() -> Iterator[None]:
    """Write the parts' faces that the join will find with a ``.notdef`` program alone
    (see the module's docstring). Patches WeasyPrint's ``Font.subset``, so refuses
    any version but the one :mod:`paiban.builders.pdf.justify` patches too."""
    if weasyprint.__version__ != WEASYPRINT_VERSION:
        raise RuntimeError(f"paiban.builders.pdf.fontshare patches WeasyPrint {WEASYPRINT_VERSION}'s "
                           f"Font.subset, but {weasyprint.__version__} is installed")
    Font.subset = _subset_unless_shared
    token = _lean.set(True)
    try:
        yield
    finally:
        _lean.reset(token)


def _lean_program(program: bytes) -> bool:
    """Whether a part's program was left to the join: its ``.notdef`` glyph alone."""
    return TTFont(io.BytesIO(program), lazy=True)["maxp"].numGlyphs == 1


def _subset_unless_shared(font: Font, to_unicode: dict[int, str], hinting: bool) -> None:
    if to_unicode and _lean.get():
        face = (len(font.file_content), font.index, font.file_content[:4096])
        if face not in _lean_programs:
            _lean_programs[face] = None
            if font_file(font.file_content, font.index) is not None:
                _weasyprint_subset(font, {0: ""}, hinting)
                _lean_programs[face] = font.file_content
        if (lean := _lean_programs[face]) is not None:
            font.file_content = lean
            return
    _weasyprint_subset(font, to_unicode, hinting)


# The .notdef program of each face the join will find, made once per process: by the font
# data's length, the face's index in it and its first bytes (None: a face it would not find).
_lean_programs: dict[tuple[int, int, bytes], bytes | None] = {}


def _cid_fonts(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Dictionary]:
    for obj in pdf.objects:
        if (isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == pikepdf.Name.Font
                and obj.get("/Subtype") in (pikepdf.Name.CIDFontType0, pikepdf.Name.CIDFontType2)
                and "/FontDescriptor" in obj):
            yield obj


def _program_key(descriptor: pikepdf.Dictionary) -> str:
    return next(k for k in ("/FontFile3", "/FontFile2", "/FontFile") if k in descriptor)


def _glyph_ids(widths: pikepdf.Array) -> Iterator[int]:
    """The CIDs a ``/W`` array gives widths for: ``c [w …]`` and ``first last w`` entries."""
    items = list(widths)
    i = 0
    while i < len(items):
        first = int(items[i])
        if isinstance(items[i + 1], pikepdf.Array):
            yield from range(first, first + len(items[i + 1]))
            i += 2
        else:
            yield from range(first, int(items[i + 1]) + 1)
            i += 3


def subset_font(file: Path, index: int, glyphs: frozenset[int]) -> bytes:
    """The face ``index`` of ``file`` cut to ``glyphs``, glyph ids kept, as WeasyPrint cuts it."""
    face = hb.Face(hb.Blob.from_file_path(file), index)
    first = hb.SubsetInput()
    first.glyph_set.update(glyphs)
    first.flags = hb.SubsetFlags.RETAIN_GIDS | hb.SubsetFlags.PASSTHROUGH_UNRECOGNIZED | hb.SubsetFlags.DESUBROUTINIZE
    first.drop_table_tag_set.update(DROPPED_TABLES)
    kept = hb.subset(face, first)
    # Then the empty glyphs after the last one used go.
    second = hb.SubsetInput()
    second.glyph_set.update(range(max(glyphs) + 1))
    second.flags = (hb.SubsetFlags.PASSTHROUGH_UNRECOGNIZED | hb.SubsetFlags.DESUBROUTINIZE
                    | hb.SubsetFlags.NO_HINTING)
    return hb.subset(kept, second).blob.data
