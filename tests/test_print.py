"""The printer's files and the PDF's navigation: page boxes, PDF/X-4, the cover spread
with its barcode and spine, bookmarks, links, metadata, missing glyphs, reflowing."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pdfplumber
import pypdf
import pytest
from conftest import copy_sample, run_cli

MM = 72 / 25.4
BLEED = 3 * MM


@pytest.fixture(scope="module")
def press_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``pdf --print`` of the sample."""
    out = tmp_path_factory.mktemp("press")
    result = run_cli("pdf", "--print", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


def boxes(page: pypdf.PageObject) -> dict[str, list[float]]:
    return {name: [float(v) for v in getattr(page, name)] for name in ("mediabox", "bleedbox", "trimbox")}


def test_print_mode_sets_trim_bleed_and_media_boxes(press_out: Path) -> None:
    reader = pypdf.PdfReader(press_out / "9787515004662-print.pdf")
    for page in reader.pages:
        b = boxes(page)
        trim, bleed, media = b["trimbox"], b["bleedbox"], b["mediabox"]
        assert trim[2] - trim[0] == pytest.approx(185 * MM, abs=0.05)
        assert trim[3] - trim[1] == pytest.approx(260 * MM, abs=0.05)
        assert [bleed[i] - trim[i] for i in range(4)] == pytest.approx([-BLEED, -BLEED, BLEED, BLEED], abs=0.01)
        # The crop marks lie outside the bleed, so the media box is larger still.
        assert media[0] < bleed[0] - 5 and media[2] > bleed[2] + 5


def test_print_mode_is_pdf_x4_with_an_output_intent(press_out: Path) -> None:
    reader = pypdf.PdfReader(press_out / "9787515004662-print.pdf")
    root = reader.trailer["/Root"]
    intent = root["/OutputIntents"][0].get_object()
    assert intent["/S"] == "/GTS_PDFX" and "/DestOutputProfile" in intent
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert "PDF/X-4" in xmp


def test_print_mode_draws_crop_marks_outside_the_bleed(press_out: Path) -> None:
    with pdfplumber.open(press_out / "9787515004662-print.pdf") as pdf:
        page = pdf.pages[5]
        # pdfplumber's x is the PDF's: 0 at the trim box's left edge.
        assert min(c["x0"] for c in page.chars) > 0
        marks = [line for line in page.lines + page.curves if line["x1"] < -BLEED or line["x0"] > 185 * MM + BLEED]
        assert len(marks) >= 4


def test_every_page_of_the_printers_pdf_shows_its_crop_marks(press_out: Path) -> None:
    """Rendered, not only drawn: the frame laid over each body page carries the marks,
    and a clip to the trim box (QPDF's default for a page made a form) would hide them."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(press_out / "9787515004662-print.pdf")
    for index in range(len(pdf)):
        image = pdf[index].render(scale=1).to_pil().convert("L")
        width, height = image.size
        outside = [image.getpixel((x, y)) for x in range(width) for y in range(height)
                   if min(x, y, width - 1 - x, height - 1 - y) < 20]  # beyond the bleed (3 mm + 10 mm margin)
        assert sum(1 for v in outside if v < 128) > 100, f"page {index + 1} has no crop marks"


def test_running_heads_sit_where_they_do_without_bleed(press_out: Path, sample_pdf: Path) -> None:
    def head(path: Path) -> list[tuple[str, float, float]]:
        with pdfplumber.open(path) as pdf:
            page = pdf.pages[5]
            bottom = float(page.page_obj.mediabox[1])  # pdfplumber's y0 counts from the media box
            line = sorted(page.chars, key=lambda c: (round(c["top"]), c["x0"]))[:5]
            return [(c["text"], round(c["x0"], 2), round(c["y0"] + bottom, 2)) for c in line]

    assert head(press_out / "9787515004662-print.pdf") == head(sample_pdf)


def test_default_pdf_is_the_trim_size(sample_pdf: Path) -> None:
    for page in pypdf.PdfReader(sample_pdf).pages:
        b = boxes(page)
        assert b["mediabox"] == b["trimbox"] == b["bleedbox"]
        assert b["mediabox"][2] - b["mediabox"][0] == pytest.approx(185 * MM, abs=0.05)


# --- The cover spread -------------------------------------------------------------

def test_cover_spread_is_back_spine_front_with_bleed(sample_out: Path, sample_pdf: Path) -> None:
    pages = len(pypdf.PdfReader(sample_pdf).pages)
    spine = math.ceil(pages / 2) * 0.1  # print.paper_caliper_mm of the sample
    (page,) = pypdf.PdfReader(sample_out / "9787515004662-cover.pdf").pages
    b = boxes(page)
    assert b["trimbox"][2] - b["trimbox"][0] == pytest.approx((2 * 185 + spine) * MM, abs=0.05)
    assert b["bleedbox"][2] - b["bleedbox"][0] == pytest.approx((2 * 185 + spine + 2 * 3) * MM, abs=0.05)
    assert b["trimbox"][3] - b["trimbox"][1] == pytest.approx(260 * MM, abs=0.05)


def _ean13(bars: list[tuple[float, float]], module: float) -> str:
    """Decode EAN-13 from its bars' (left, right) edges, in the same unit as ``module``."""
    left, right = bars[0][0], bars[-1][1]
    modules = round((right - left) / module)
    assert modules == 95
    pattern = ["0"] * modules
    for x0, x1 in bars:
        for m in range(round((x0 - left) / module), round((x1 - left) / module)):
            pattern[m] = "1"
    bits = "".join(pattern)
    codes_l = ["0001101", "0011001", "0010011", "0111101", "0100011", "0110001", "0101111", "0111011", "0110111",
               "0001011"]
    codes_g = [c.translate(str.maketrans("01", "10"))[::-1] for c in codes_l]
    codes_r = [c.translate(str.maketrans("01", "10")) for c in codes_l]
    parities = ["LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG", "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL"]
    assert bits[:3] == "101" and bits[45:50] == "01010" and bits[-3:] == "101"
    digits, parity = "", ""
    for i in range(6):
        chunk = bits[3 + 7 * i:10 + 7 * i]
        if chunk in codes_l:
            digits, parity = digits + str(codes_l.index(chunk)), parity + "L"
        else:
            digits, parity = digits + str(codes_g.index(chunk)), parity + "G"
    for i in range(6):
        digits += str(codes_r.index(bits[50 + 7 * i:57 + 7 * i]))
    return str(parities.index(parity)) + digits


def test_back_cover_has_the_isbn_barcode_and_the_price(sample_out: Path) -> None:
    with pdfplumber.open(sample_out / "9787515004662-cover.pdf") as pdf:
        page = pdf.pages[0]
        # pdfplumber's x is the PDF's: 0 at the trim box's left edge, where the back cover starts.
        back = page.crop((page.bbox[0], page.bbox[1], 185 * MM, page.bbox[3]))
        text = back.extract_text()
        assert "ISBN 978-7-5150-0466-2" in text and "定价：28.00" in text.replace(" ", "")
        black = [r for r in back.rects if tuple(r["non_stroking_color"]) == (0, 0, 0) and r["height"] > 15 * MM]
        bars = sorted((r["x0"], r["x1"]) for r in black)
    assert _ean13(bars, 0.33 * MM) == "9787515004662"


def test_spine_is_lettered_when_it_is_wide_enough(tmp_path: Path) -> None:
    book = copy_sample(tmp_path)
    meta = book / "book.yaml"
    meta.write_text(meta.read_text("utf-8").replace("paper_caliper_mm: 0.1", "paper_caliper_mm: 1"), "utf-8")
    out = tmp_path / "out"
    result = run_cli("pdf", "--manuscript", str(book), "--out", str(out))
    assert result.returncode == 0, result.stderr
    pages = len(pypdf.PdfReader(out / "9787515004662.pdf").pages)
    spine = math.ceil(pages / 2) * 1.0
    with pdfplumber.open(out / "9787515004662-cover.pdf") as pdf:
        page = pdf.pages[0]
        left = 185 * MM  # the spine follows the back cover; x is 0 at the trim's left edge
        on_spine = [c for c in page.chars if left <= c["x0"] and c["x1"] <= left + spine * MM]
    text = "".join(c["text"] for c in sorted(on_spine, key=lambda c: (c["top"])))
    # One character under another: the title, then the publisher at the foot.
    assert text == "群众路线教育实践活动党员干部读本国家行政学院出版社"
    assert len({round(c["x0"]) for c in on_spine}) <= 2


# --- Navigation and metadata -----------------------------------------------------

def _outline(reader: pypdf.PdfReader, items: list, depth: int = 1) -> list[tuple[int, str, int]]:
    found = []
    for item in items:
        if isinstance(item, list):
            found += _outline(reader, item, depth + 1)
        else:
            found.append((depth, item.title, reader.get_destination_page_number(item)))
    return found


def test_outline_has_every_heading_at_its_level(sample_pdf: Path, sample_book) -> None:
    reader = pypdf.PdfReader(sample_pdf)
    outline = _outline(reader, reader.outline)
    expected = [(1, "绪　论")] + [(h.level, h.text) for c in sample_book.chapters for h in c.headings]
    assert [(d, t) for d, t, _ in outline] == expected
    # Each bookmark opens the page whose text holds its heading.
    for _, title, page in outline:
        assert re.sub(r"\s", "", title) in re.sub(r"\s", "", reader.pages[page].extract_text())


def test_toc_entries_are_links_to_their_pages(sample_pdf: Path) -> None:
    reader = pypdf.PdfReader(sample_pdf)
    toc = next(i for i, p in enumerate(reader.pages) if "目" in p.extract_text() and "001" in p.extract_text())
    links = [a.get_object() for a in reader.pages[toc].get("/Annots") or []]
    links = [a for a in links if a["/Subtype"] == "/Link"]
    destinations = reader.named_destinations
    targets = {reader.get_destination_page_number(destinations[str(a["/Dest"])]) for a in links}
    assert len(links) >= 3  # the part title and its two printed entries
    body = next(i for i, p in enumerate(reader.pages) if re.sub(r"\s", "", p.extract_text()).startswith("绪论"))
    assert body in targets and body + 8 in targets  # 001 and 009


def test_document_metadata(sample_pdf: Path, sample_book) -> None:
    reader = pypdf.PdfReader(sample_pdf)
    info = reader.metadata
    assert info.title == sample_book.title
    assert info.author == "本书编写组"
    assert info.subject.startswith("本书是")
    assert "群众路线" in info["/Keywords"]
    assert reader.trailer["/Root"]["/Lang"] == "zh-CN"


# --- Missing glyphs and reflowing -------------------------------------------------

@pytest.mark.parametrize("char", ["\U00017000", "\U00010000"])  # a Tangut ideograph, Linear B syllable A
def test_a_character_no_font_has_is_a_build_error(tmp_path: Path, char: str) -> None:
    book = copy_sample(tmp_path)
    chapter = book / "chapters" / "00-xulun.md"
    lines = chapter.read_text("utf-8").split("\n")
    number = next(i for i, line in enumerate(lines, 1) if line.startswith("在国际共产主义运动史上"))
    lines[number - 1] = lines[number - 1].replace("马克思、", f"马克思{char}、", 1)
    chapter.write_text("\n".join(lines), "utf-8")
    result = run_cli("pdf", "--manuscript", str(book), "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert f"book/chapters/00-xulun.md:{number}: no font has a glyph for {char} (U+{ord(char):04X}" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out" / "9787515004662.pdf").exists()


def test_a_missing_character_in_the_metadata_is_named_at_its_book_yaml_line(tmp_path: Path) -> None:
    book = copy_sample(tmp_path)
    meta = book / "book.yaml"
    lines = meta.read_text("utf-8").split("\n")
    number = next(i for i, line in enumerate(lines, 1) if "text: 必须突出" in line)  # a slogan on the cover
    lines[number - 1] = lines[number - 1].replace("必须", "必须\U00017000", 1)
    meta.write_text("\n".join(lines), "utf-8")
    result = run_cli("pdf", "--manuscript", str(book), "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert f"book/book.yaml:{number}: no font has a glyph for \U00017000" in result.stderr
    assert "Traceback" not in result.stderr


def test_reflowed_pages_have_no_widows_and_no_heading_at_a_page_foot(tmp_path: Path, sample_book) -> None:
    from pdflines import TypeArea, page_lines

    result = run_cli("pdf", "--reflow", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    pdf = tmp_path / "9787515004662.pdf"
    texts = [p.extract_text() for p in pypdf.PdfReader(pdf).pages]
    first = next(i for i, t in enumerate(texts) if re.sub(r"\s", "", t).startswith("绪论"))
    area = TypeArea.of(sample_book.geometry)
    pages = [lines for lines in page_lines(pdf, area, first) if lines]
    assert len(pages) >= 8
    for previous, lines in zip(pages, pages[1:]):
        assert not previous[-1].is_heading, previous[-1].text
        opens_paragraph = lines[0].is_heading or lines[0].x0 > area.left + 1.5 * area.font_size
        if not opens_paragraph:  # the page continues a paragraph: at least two of its lines here
            assert not lines[0].last_of_paragraph, lines[0].text
