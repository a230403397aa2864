"""The printer's cover spread: back cover, spine and front cover on one sheet.

A bound book's cover is printed flat, as one page: back cover on the left, the spine,
the front cover on the right, all with bleed. The spine is as thick as the text
block: one leaf (two pages) per ``print.paper_caliper_mm``. The back cover carries
the ISBN as an EAN-13 barcode (GB/T 12906 places it low on the back cover) and the
price; the front cover is the book's cover design (``cover.html``).

This module makes the spread's HTML; :mod:`paiban.pdf` lays it out and writes it.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass

import barcode
from barcode.writer import SVGWriter

from paiban.model import Book
from paiban.builders.templates import environment, render_template

# EAN-13 at 100 % magnification (ISO/IEC 15420): a 0.33 mm module, bars 22.85 mm high.
EAN_MODULE_MM = 0.33
EAN_BAR_HEIGHT_MM = 22.85
# A spine narrower than this holds no lettering (it would not stay on the spine).
MIN_LETTERED_SPINE_MM = 4


@dataclass(frozen=True)
class SpreadSize:
    trim_width_mm: float
    trim_height_mm: float
    spine_mm: float
    bleed_mm: float

    @property
    def width_mm(self) -> float:
        """The trimmed spread: back, spine, front."""
        return 2 * self.trim_width_mm + self.spine_mm


def spread_size(book: Book, pages: int) -> SpreadSize:
    """The spread's size for a book of ``pages`` pages (rounded up to whole leaves)."""
    spine = round(math.ceil(pages / 2) * book.press.paper_caliper_mm, 2)
    return SpreadSize(book.geometry.trim_width_mm, book.geometry.trim_height_mm, spine, book.press.bleed_mm)


def isbn_barcode(isbn_digits: str) -> str:
    """The ISBN as an EAN-13 barcode: an SVG ``data:`` URL (bars and the digits under them)."""
    code = barcode.get("ean13", isbn_digits[:12], writer=SVGWriter())
    if code.get_fullcode() != isbn_digits:
        raise ValueError(f"ISBN {isbn_digits} has a wrong check digit")  # check M002 stops this earlier
    svg = code.render({"module_width": EAN_MODULE_MM, "module_height": EAN_BAR_HEIGHT_MM,
                       "font_size": 9, "text_distance": 3.5, "quiet_zone": 3.63})
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def spread_css(size: SpreadSize) -> str:
    """The spread's page: the whole flat cover, no margins; the panels' widths."""
    font_pt = min(size.spine_mm * 0.6 * 72 / 25.4, 14)  # the lettering fills 60 % of the spine
    return (f"@page {{ size: {size.width_mm}mm {size.trim_height_mm}mm; margin: 0; }}\n"
            f":root {{ --spine: {size.spine_mm}mm; --spine-font: {font_pt:.2f}pt; }}\n")


def spread_html(book: Book, pages: int, stylesheets: list[str], title_lines: list[str]) -> str:
    size = spread_size(book, pages)
    return render_template(
        environment(book), "cover-spread.html", book=book, size=size, title_lines=title_lines,
        barcode=isbn_barcode(book.isbn_digits), lettered_spine=size.spine_mm >= MIN_LETTERED_SPINE_MM,
        stylesheets=[*stylesheets, spread_css(size)])
