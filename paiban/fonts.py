"""Fonts embedded in the EPUB (``--embed-fonts``): the system's Noto CJK faces, subset.

A reading system without a CJK serif falls back to whatever it has, often a sans, so
the book loses its Song body text. Embedding the whole face costs about 20 MB; the
subset holds only the glyphs of the characters the book sets in that face, a few
hundred KB. Each face gets the text of the elements ``base.css`` sets in it:

- Noto Serif CJK SC Regular: all text (body, and the fallback of the Kai pieces);
- Noto Sans CJK SC Bold: headings, ``strong``/``b`` and the 延伸阅读 labels;
- Noto Sans CJK SC Regular: chapter subtitles.

Serif Bold is not embedded: nothing in the stylesheets sets bold Song. The faces are
written as OpenType/CFF (``font/otf``), the format EPUB 3 has always listed as core,
which older reading systems (Adobe's RMSDK among them) read and WOFF2 they do not.
The Noto fonts are under the SIL Open Font License 1.1, which allows embedding a
subset under the same name (they have no Reserved Font Name); the licence goes into
the EPUB beside the fonts. Subsetting keeps the font's own timestamps and is
otherwise a pure function of the font and the text, so builds stay byte-identical.
"""

from __future__ import annotations

import io
import subprocess
from dataclasses import dataclass
from pathlib import Path

import lxml.etree as etree
from fontTools import subset
from fontTools.ttLib import TTFont

from .errors import BookError

LICENSE = Path(__file__).resolve().parent / "resources" / "fonts" / "OFL-1.1.txt"
XHTML = "http://www.w3.org/1999/xhtml"
HEADINGS = " | ".join(f".//x:{t}" for t in ("h1", "h2", "h3", "h4", "h5", "h6", "strong", "b"))


def _has_class(name: str) -> str:
    return f".//*[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]"


@dataclass(frozen=True)
class Face:
    family: str  # CSS font-family, as base.css names it, and the fontconfig family
    weight: int  # CSS font-weight
    style: str  # fontconfig style
    file_name: str  # in the EPUB's fonts/ folder
    xpath: str  # the elements whose text is set in this face


FACES = (
    Face("Noto Serif CJK SC", 400, "Regular", "NotoSerifCJKsc-Regular.otf", ".//x:body"),
    Face("Noto Sans CJK SC", 700, "Bold", "NotoSansCJKsc-Bold.otf", f"{HEADINGS} | {_has_class('section-label')}"),
    Face("Noto Sans CJK SC", 400, "Regular", "NotoSansCJKsc-Regular.otf", _has_class("chapter-subtitle")),
)


@dataclass(frozen=True)
class EmbeddedFont:
    face: Face
    data: bytes
    source: Path  # the system font file it was cut from
    characters: int
    copyright: str


def locate(face: Face) -> tuple[Path, int]:
    """The font file and its index in a collection (.ttc), through fontconfig."""
    try:
        out = subprocess.run(["fc-match", "-f", "%{family}\n%{file}\n%{index}", f"{face.family}:style={face.style}"],
                             capture_output=True, text=True, check=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise BookError(f"cannot look up fonts with fc-match: {exc}", "--embed-fonts", None,
                        "install fontconfig (setup.sh does)") from None
    families, file, index = (out.split("\n") + ["", "", ""])[:3]
    if face.family not in families.split(","):
        raise BookError(f"font {face.family} {face.style} is not installed (fc-match gives {families})",
                        "--embed-fonts", None, "install fonts-noto-cjk (setup.sh does)")
    return Path(file), int(index or 0)


def characters(documents: list[str], face: Face) -> str:
    """Every character the XHTML documents set in ``face``, sorted, without duplicates."""
    chars: set[str] = set()
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    for xhtml in documents:
        root = etree.fromstring(xhtml.encode("utf-8"), parser)
        for el in root.xpath(face.xpath, namespaces={"x": XHTML}):
            chars.update("".join(el.itertext()))
    return "".join(sorted(c for c in chars if not c.isspace() or c == " "))


def subset_face(face: Face, text: str) -> EmbeddedFont:
    """``face`` cut down to the glyphs of ``text`` and those fontTools' default layout
    features reach from them (vertical forms, localized forms); hinting is kept."""
    path, index = locate(face)
    font = TTFont(path, fontNumber=index, recalcTimestamp=False)
    options = subset.Options()
    options.name_IDs = ["*"]  # keep copyright, licence and designer records
    options.name_languages = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    notice = font["name"].getDebugName(0) or ""
    return EmbeddedFont(face, out.getvalue(), path, len(text), notice)


def embed(documents: list[str]) -> list[EmbeddedFont]:
    """Each face of :data:`FACES` that the documents use, subset to what they use."""
    fonts = []
    for face in FACES:
        text = characters(documents, face)
        if text:
            fonts.append(subset_face(face, text))
    return fonts


def font_face_css(fonts: list[EmbeddedFont]) -> str:
    """The generated stylesheet: one ``@font-face`` rule per embedded face."""
    rules = ["/* Generated by paiban: Noto CJK faces subset to this book's characters. "
             "SIL Open Font License 1.1, see fonts/OFL.txt. */"]
    for f in fonts:
        rules.append(f'@font-face {{ font-family: "{f.face.family}"; font-weight: {f.face.weight}; '
                     f'font-style: normal; src: url("../fonts/{f.face.file_name}") format("opentype"); }}')
    return "\n".join(rules) + "\n"


def license_text(fonts: list[EmbeddedFont]) -> str:
    """The OFL notice the licence asks to travel with the fonts: copyrights, then the licence."""
    lines = ["Fonts in this publication / 本书内嵌字体", ""]
    for f in fonts:
        lines.append(f"fonts/{f.face.file_name}: {f.face.family} {f.face.style}, subset; {f.copyright}")
    lines += ["", "These fonts are licensed under the SIL Open Font License, Version 1.1:", ""]
    return "\n".join(lines) + "\n" + LICENSE.read_text("utf-8")
