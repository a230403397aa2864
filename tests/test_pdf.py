"""The sample's PDF: trim size, embedded fonts, the manuscript's text, original pages."""

from __future__ import annotations

import re
from pathlib import Path

import pdfplumber
import pypdf
import pytest

MM = 72 / 25.4


@pytest.fixture(scope="module")
def pages_text(sample_pdf: Path) -> list[str]:
    with pdfplumber.open(sample_pdf) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


@pytest.fixture(scope="module")
def type_area_text(sample_pdf: Path, sample_book) -> list[str]:
    """Each page's text inside the type area: running heads and folios left out."""
    g = sample_book.geometry
    top = (g.trim_height_mm * MM - g.area_height_pt) / 2
    with pdfplumber.open(sample_pdf) as pdf:
        return [page.crop((0, top - 1, page.width, page.height - top + 1)).extract_text() or ""
                for page in pdf.pages]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_page_size_is_185_by_260_mm(sample_pdf: Path) -> None:
    reader = pypdf.PdfReader(sample_pdf)
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(185 * MM, abs=0.5)
        assert float(page.mediabox.height) == pytest.approx(260 * MM, abs=0.5)


def test_every_font_is_embedded(sample_pdf: Path) -> None:
    reader = pypdf.PdfReader(sample_pdf)
    fonts = {}
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            descriptor = target["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"])] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert fonts and all(fonts.values()), fonts
    assert any("Noto-Serif-CJK-SC" in name for name in fonts) and any("Noto-Sans-CJK-SC" in name for name in fonts)


def test_manuscript_text_is_in_the_pdf(type_area_text: list[str], sample_book) -> None:
    body = squash("".join(type_area_text))
    for chapter in sample_book.chapters:
        for paragraph in chapter.text.split("\n"):
            if paragraph.strip():
                assert squash(paragraph) in body, paragraph[:30]


def test_body_pages_start_as_the_original(type_area_text: list[str]) -> None:
    starts = {1: "绪", 2: "立共产党与人民群众的基本关系", 3: "的概念有了比较明确的含义", 4: "调，而且明确把群众观点列入",
              5: "色社会主义建设事业发展推向新阶段", 6: "（3）以胡锦涛同志为总书记", 7: "层、深入群众，做到知民情",
              8: "决于人心向背", 9: "伟大祖国和伟大时代的中国人民", 10: "必须保持求真务实的工作作风"}
    first_body = next(i for i, t in enumerate(type_area_text) if squash(t).startswith("绪论"))
    for number, start in starts.items():
        text = squash(type_area_text[first_body + number - 1])
        assert text.startswith(squash(start)), (number, text[:30])


def test_printed_toc_numbers_come_from_the_layout(pages_text: list[str]) -> None:
    toc = next(t for t in pages_text if "目" in t and "录" in t and "001" in t)
    assert re.search(r"一、群众路线的形成与发展[.\s]*001", toc), toc
    assert re.search(r"二、群众路线的深刻内涵[.\s]*009", toc), toc
