"""Lines of body text read back from a PDF with pdfplumber, for typography tests.

Characters are grouped into lines by their baseline (the text matrix's ``f``), inside
the type area only, so running heads and folios never join a line. Each line knows
whether it is the last line of its paragraph, decided from what follows it:

* the next line on the page starts with the two-character paragraph indent, or is
  a heading (every character set in the Hei font, or larger than the body size);
* the line is the last on its page and the next page starts with an indented line,
  a heading, or a chapter opening (a page that starts with an unindented body line
  continues the paragraph: the original page broke inside it, and the line before
  such a break is justified like any inner line);
* the line is the last on the last page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pdfplumber

MM = 72 / 25.4


@dataclass
class Line:
    page: int  # index in the PDF
    chars: list[dict]
    last_of_paragraph: bool = False

    @property
    def text(self) -> str:
        return "".join(c["text"] for c in self.chars)

    @property
    def x0(self) -> float:
        return self.chars[0]["x0"]

    @property
    def x1(self) -> float:
        return self.chars[-1]["x1"]

    @property
    def is_heading(self) -> bool:
        return all("Sans" in c["fontname"] for c in self.chars if c["text"].strip()) \
            or max(c["size"] for c in self.chars) > self.body_size + 0.1

    body_size: float = 12


@dataclass(frozen=True)
class TypeArea:
    left: float
    right: float
    top: float
    bottom: float
    font_size: float

    @classmethod
    def of(cls, geometry, offset: float = 0) -> TypeArea:
        """The type area of ``geometry`` (paiban.model.Geometry), as pdf.py centres it.

        ``offset`` is added to every coordinate: the bleed, for a print-mode PDF whose
        page origin lies outside the trim box.
        """
        width, height = geometry.trim_width_mm * MM, geometry.trim_height_mm * MM
        side = math.floor((width - geometry.area_width_pt) / 2 * 1000) / 1000
        top = math.floor((height - geometry.area_height_pt) / 2 * 1000) / 1000
        return cls(side + offset, side + geometry.area_width_pt + offset, top + offset,
                   top + geometry.area_height_pt + offset, geometry.font_size_pt)


def page_lines(pdf_path: Path, area: TypeArea, first_page: int = 0) -> list[list[Line]]:
    """The lines of each page from ``first_page`` on, paragraph ends marked."""
    pages: list[list[Line]] = []
    with pdfplumber.open(pdf_path) as pdf:
        for index, page in enumerate(pdf.pages[first_page:], first_page):
            rows: dict[float, list[dict]] = {}
            for char in page.chars:
                if char["top"] < area.top - 2 or char["bottom"] > area.bottom + 4 or not char["text"].strip():
                    continue
                rows.setdefault(round(char["matrix"][5], 1), []).append(char)
            lines = [Line(index, sorted(chars, key=lambda c: c["x0"]), body_size=area.font_size)
                     for _, chars in sorted(rows.items(), key=lambda kv: -kv[0])]
            pages.append(lines)
    for number, lines in enumerate(pages):
        following = pages[number + 1][0] if number + 1 < len(pages) and pages[number + 1] else None
        for line, after in zip(lines, [*lines[1:], following][:len(lines)], strict=True):  # (a blank page has none)
            line.last_of_paragraph = after is None or after.is_heading or starts_paragraph(after, area)
    return pages


def starts_paragraph(line: Line, area: TypeArea) -> bool:
    """The line begins with the two-character indent (or is centred, like an opening)."""
    return line.x0 > area.left + 1.5 * area.font_size
