"""The faces paiban sets, and where fontconfig finds each: the one place that names them.

Both builders set the same faces (``base.css`` names them): the PDF builder lays text
out in them, the EPUB builder can embed them (``--embed-fonts``), and the composer
keys its cache on their files, so that a font update reaches every output.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from paiban.fonts import fontconfig

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


def locate(face: Face) -> tuple[Path, int]:
    """The font file and its index in a collection (.ttc), through fontconfig."""
    found = fontconfig.require(face.family, face.style)
    return found.file, found.index


def font_files() -> list[Path]:
    """The font files the outputs are made with: a font update must invalidate the cache."""
    return [fontconfig.match(f"{face.family}:style={face.style}").file for face in FACES]
