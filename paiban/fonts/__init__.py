"""The faces paiban sets, and where fontconfig finds each: the one place that names them.

Both builders set the same faces (``base.css`` names them): the PDF builder lays text
out in them, the EPUB builder can embed them (``--embed-fonts``), and the composer
keys its cache on their files, so that a font update reaches every output.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from paiban.fonts import fontconfig

@dataclass(frozen=True)
class Face:
    family: str  # CSS font-family, as base.css names it, and the fontconfig family
    weight: int  # CSS font-weight
    style: str  # fontconfig style
    file_name: str  # in the EPUB's fonts/ folder
    tags: frozenset[str] = frozenset()  # the elements whose text base.css sets in this face…
    classes: frozenset[str] = frozenset()  # …and the classes
    all_text: bool = False  # every character of the body (the body face and fallback)

    def sets(self, tag: str, classes: list[str]) -> bool:
        """Whether base.css sets the text of an element of ``tag`` and ``classes`` in this face."""
        return tag in self.tags or not self.classes.isdisjoint(classes)

    @property
    def css_style(self) -> str:
        """The CSS ``font-style`` this face answers (its ``@font-face`` rule)."""
        return "italic" if "Italic" in self.style else "normal"

    @property
    def truetype(self) -> bool:
        """Whether the face has TrueType outlines (a .ttf file), not CFF (.otf)."""
        return self.file_name.endswith(".ttf")


FACES = (
    Face("Noto Serif CJK SC", 400, "Regular", "NotoSerifCJKsc-Regular.otf", all_text=True),
    Face("Noto Sans CJK SC", 700, "Bold", "NotoSansCJKsc-Bold.otf",
         tags=frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "strong", "b"}), classes=frozenset({"section-label"})),
    Face("Noto Sans CJK SC", 400, "Regular", "NotoSansCJKsc-Regular.otf", classes=frozenset({"chapter-subtitle"})),
    # The cover's title (print.css: .cover-title), in print only. Named exactly, weight and all:
    # a heavier weight would take whatever a machine happens to have (Black from
    # fonts-noto-cjk-extra, or a synthesized bold), and two machines set up alike must make
    # the same PDF. The glyph check requires every face here (fontconfig.require).
    Face("Noto Serif CJK SC", 700, "Bold", "NotoSerifCJKsc-Bold.otf"),
    # The Latin runs of emphasis, in a true italic (em.latin, and span.latin inside em.dots).
    Face("Noto Serif", 400, "Italic", "NotoSerif-Italic.ttf", classes=frozenset({"latin"})),
)


def locate(face: Face) -> tuple[Path, int]:
    """The font file and its index in a collection (.ttc), through fontconfig."""
    found = fontconfig.require(face.family, face.style)
    return found.file, found.index


def font_files() -> list[Path]:
    """The font files the outputs are made with: a font update must invalidate the cache."""
    return [fontconfig.match(f"{face.family}:style={face.style}").file for face in FACES]
