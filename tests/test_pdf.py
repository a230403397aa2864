"""The sample's PDF: trim size, embedded fonts, the manuscript's text, original pages."""

from __future__ import annotations

import re
from pathlib import Path

import pdfplumber
import pypdf
import pytest

from paiban.builders.pdf.justify import is_han, is_latin_gap

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


# --- Chinese typography, measured on the glyph positions -------------------------

NO_LINE_START = set("、，。：；！？”’）》」』】〕〉")
NO_LINE_END = set("“‘（《「『【〔〈")


@pytest.fixture(scope="module")
def body_lines(sample_pdf: Path, sample_book, pages_text: list[str]):
    """The lines of the body pages (from 绪论 on), paragraph ends marked."""
    from pdflines import TypeArea, page_lines

    first = next(i for i, t in enumerate(pages_text) if squash(t).startswith("绪论"))
    area = TypeArea.of(sample_book.geometry)
    return area, page_lines(sample_pdf, area, first)


def test_justified_lines_end_flush_with_the_type_area(body_lines) -> None:
    area, pages = body_lines
    inner = [line for lines in pages for line in lines if not line.last_of_paragraph and not line.is_heading]
    assert len(inner) > 150
    off = [(round(area.right - line.x1, 2), line.page, line.text) for line in inner if abs(area.right - line.x1) > 0.5]
    assert off == []
    # Last lines of paragraphs really are recognised: they end short, most by far.
    last = [line for lines in pages for line in lines if line.last_of_paragraph and not line.is_heading]
    assert len(last) > 20 and sum(area.right - line.x1 > 12 for line in last) > len(last) / 2


def test_no_prohibited_line_starts_or_ends(body_lines) -> None:
    _, pages = body_lines
    lines = [line for page in pages for line in page]
    assert [line.text for line in lines if line.text[0] in NO_LINE_START] == []
    assert [line.text for line in lines if line.text[-1] in NO_LINE_END] == []


def _advances(line) -> list[tuple[str, str, float]]:
    """(character, next character, distance between their left edges) along a line."""
    return [(a["text"], b["text"], b["x0"] - a["x0"]) for a, b in zip(line.chars, line.chars[1:])]


def _han_pitch(line) -> float:
    """The line's usual advance from one Han character to the next (em plus justification)."""
    han = sorted(d for a, b, d in _advances(line) if is_han(a) and is_han(b))
    return han[len(han) // 2] if han else line.body_size


def test_adjacent_punctuation_is_compressed(body_lines) -> None:
    """A stop before a closing quote takes half an em (halt); a lone stop takes a whole one."""
    _, pages = body_lines
    pairs = [(d, _han_pitch(line)) for lines in pages for line in lines
             for a, b, d in _advances(line) if a == "。" and b == "”"]
    assert len(pairs) >= 10
    for advance, pitch in pairs:
        assert advance == pytest.approx(pitch - 6, abs=0.15)
    lone = [(d, _han_pitch(line)) for lines in pages for line in lines
            for a, b, d in _advances(line) if a == "。" and is_han(b)]
    assert lone and all(d == pytest.approx(p, abs=0.15) for d, p in lone)


def test_a_quarter_em_between_chinese_and_latin(body_lines) -> None:
    """Where the line has room the gap is 3 pt (12 pt type); a tight line gives it what it has."""
    _, pages = body_lines
    roomy, tight = [], []
    for lines in pages:
        for line in lines:
            pitch = _han_pitch(line)
            for a, b in zip(line.chars, line.chars[1:]):
                if not is_latin_gap(a["text"], b["text"]):
                    continue
                # Extra space beyond the glyphs' own advances and the line's justification share.
                gap = (b["x0"] - a["x0"] - pitch) if is_han(a["text"]) else (b["x0"] - a["x1"] - (pitch - 12))
                (roomy if pitch > 12.01 or line.last_of_paragraph else tight).append(round(gap, 2))
    assert len(roomy) >= 10
    assert all(gap == pytest.approx(3, abs=0.05) for gap in roomy), roomy
    assert all(0 <= gap <= 3.05 for gap in tight), tight


def test_no_justified_line_is_spread_loose(body_lines) -> None:
    """Justification spreads a line by a little: the last line before a page break
    holds a whole line's characters (tightened when ours held fewer), never a few
    characters strewn over the measure."""
    _, pages = body_lines
    pitches = [(_han_pitch(line), line.text) for lines in pages for line in lines
               if not line.last_of_paragraph and not line.is_heading]
    assert [(p, t) for p, t in pitches if p > 12 + 1.2] == []
