"""Verse, hard line breaks, emphasis (着重号, italics, bold) and 引文, measured in the outputs.

A copy of the minimal book gets one of each, and the facts are read back from the PDF's
character boxes (pdfplumber) and from the EPUB as headless Chromium lays it out at a
phone's width:

- verse lines stand as separate lines, four characters in, their starts aligned, not
  justified, a wrapped line hanging two characters further in;
- the line before a hard break is not spread, in a paragraph and in the paragraph that
  ends an original page (whose own last line is spread to the margin);
- 着重号: one dot under each emphasised Han character, in the Song and in the Kai: a round
  black disc a fifth of an em across, centred under it, clear of it and of the next line,
  none under punctuation or Latin, across a line break, the 21 pt pitch kept and the
  justified lines still flush; and drawn, not a character: the PDF's text (as a viewer
  copies it, pypdfium2) is the manuscript's;
- Latin runs in a true italic (Noto Serif Italic: its own advance widths, not the
  upright's), across a line break; the marks around them stay in the CJK face;
- **bold** CJK in Noto Sans CJK SC Bold; 引文 in LXGW WenKai, two characters in on both
  sides, whose 、，。 sit at the lower left of the square as the Song's do.
"""

from __future__ import annotations

import html
import json
import math
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pdfplumber
import pypdfium2
import pytest
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont

from conftest import run_cli
from paiban.fonts import fontconfig
from paiban.reader import read_book
from paiban.reader.elements import HAN
from paiban.transforms.emphasis import DOT_CLASS, dot_emphasis
from paiban.transforms.punctuation import compress_punctuation
from paiban.tree import parse, serialize
from pdflines import TypeArea

MINIMAL = Path(__file__).parent / "fixtures" / "minimal"
DOTTED = ("一切为了群众，一切依靠群众，从群众中来，到群众中去，把党的正确主张变为群众的自觉行动，"
          "这是我们党的根本工作方法")
LATIN = "the mass line, the fundamental working line of the Party in all its work among the people of the country"
QUOTE = ("一切为了群众，一切依靠群众，从群众中来，到群众中去，把党的正确主张变为群众的自觉行动。"
         "这是引文，用楷体排，左右各缩进两字，*着重*也在其中。")
CHAPTER = f"""---
title: 第一章
subtitle: 小小的开头
kind: chapter
---
{{{{page 1}}}}

## 一、第一节

群众路线是我们党的生命线和根本工作路线。*{DOTTED}*。我们要把*群众路线 mass line 的基本内容*牢记在心。\
**群众路线**是党的生命线，1943年提出，英文译作 *{LATIN}*，茶树的学名是 *Camellia sinensis*，这是常见的写法。

这一段里有一个硬换行，在这里\\
换行之后继续写，看看换行前的那一行是否被两端对齐拉开。这是正文的后半段，还要再写一些字，让它折成好几行。

这是第一页的最后一段，这里也有一个硬换行\\
之后的文字继续排下去，一直排到原书这一页的末尾，最后一行要排满，原书的这一页到此为止，这一行的字数差不多能排满一行，下面还有{{{{page 2}}}}第二页的文字。

## 二、第二节

第二页从这里开始。群众路线是我们党的生命线和根本工作路线。

| 床前明月光，
| 疑是地上霜。
| 举头望明月，
| 低头思故乡。这一行故意写得很长很长，长到一行放不下，要折到下一行去，看看悬挂缩进是否正确。

> {QUOTE}
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output folder of the book, built as a user would (EPUB and PDF)."""
    tmp = tmp_path_factory.mktemp("verse")
    book = tmp / "book"
    shutil.copytree(MINIMAL, book)
    (book / "chapters" / "01.md").write_text(CHAPTER, "utf-8")
    result = run_cli("--manuscript", str(book), "--out", str(tmp / "out"))
    assert result.returncode == 0, result.stderr
    return tmp / "out"


@pytest.fixture(scope="module")
def area() -> TypeArea:
    return TypeArea.of(read_book(MINIMAL).geometry)


def _baseline(page: pdfplumber.page.Page, char: dict) -> float:
    """The character's baseline, from the page's top (as ``top`` is)."""
    return round(page.height - char["matrix"][5], 2)


@pytest.fixture(scope="module")
def book_pdf(built: Path) -> Path:
    """The book's PDF (not its cover's)."""
    return next(p for p in built.glob("*.pdf") if p.stem.isdigit())


@pytest.fixture(scope="module")
def lines(book_pdf: Path) -> list[tuple[int, float, list[dict]]]:
    """Every line of text of the PDF, as (page, baseline, chars left to right)."""
    found = []
    with pdfplumber.open(book_pdf) as pdf:
        for number, page in enumerate(pdf.pages):
            rows: dict[float, list[dict]] = {}
            for char in page.chars:
                if char["text"].strip():
                    rows.setdefault(_baseline(page, char), []).append(char)
            found += [(number, base, sorted(chars, key=lambda c: c["x0"])) for base, chars in sorted(rows.items())]
    return found


def _text(chars: list[dict]) -> str:
    return "".join(c["text"] for c in chars)


def _line(lines: list[tuple[int, float, list[dict]]], start: str) -> tuple[int, float, list[dict]]:
    return next(line for line in lines if _text(line[2]).startswith(start))


def _pitches(chars: list[dict]) -> list[float]:
    return [round(b["x0"] - a["x0"], 2) for a, b in zip(chars, chars[1:])]


def _centre(char: dict) -> float:
    return (char["x0"] + char["x1"]) / 2


def _font(family: str, style: str) -> TTFont:
    found = fontconfig.require(family, style)
    return TTFont(found.file, fontNumber=found.index, lazy=True)


# --- verse and hard breaks -------------------------------------------------------------

def test_verse_lines_stand_apart_aligned_and_unjustified(lines, area: TypeArea) -> None:
    verse = [_line(lines, s) for s in ("床前明月光", "疑是地上霜", "举头望明月", "低头思故乡")]
    wrapped = _line(lines, "下一行去")
    bases = [base for _, base, _ in [*verse, wrapped]]
    assert [round(b - a, 2) for a, b in zip(bases, bases[1:])] == [21.0] * 4
    for _, _, chars in verse:
        assert chars[0]["x0"] == pytest.approx(area.left + 4 * area.font_size, abs=0.05)  # four characters in
        assert set(_pitches(chars)) == {12.0}, _text(chars)  # no line is spread
    assert verse[-1][2][-1]["x1"] > area.right - 2 * area.font_size  # the long line filled the measure…
    assert wrapped[2][0]["x0"] == pytest.approx(area.left + 6 * area.font_size, abs=0.05)  # …and hangs
    assert set(_pitches(wrapped[2])) == {12.0}


@pytest.mark.parametrize("before, after", [("这一段里有一个硬换行", "换行之后继续写"), ("这是第一页的最后一段", "之后的文字继续")])
def test_the_line_before_a_hard_break_is_not_spread(lines, area: TypeArea, before: str, after: str) -> None:
    page, base, chars = next(line for line in lines if before in _text(line[2]))
    following = next(line for line in lines if _text(line[2]).startswith(after))
    assert following[0] == page and following[1] == pytest.approx(base + 21, abs=0.01)
    assert _text(chars).endswith(("在这里", "硬换行"))  # the line the break ends…
    assert set(_pitches(chars)) == {12.0}, _text(chars)  # …keeps its characters' own pitch
    assert chars[-1]["x1"] < area.right - area.font_size
    assert following[2][0]["x0"] == pytest.approx(area.left, abs=0.05)  # a new line, not a new paragraph


def test_the_page_ending_paragraph_still_ends_full(lines, area: TypeArea) -> None:
    """The paragraph before an inline page marker is spread to the margin on its last line
    (the original page ended full); the line before its hard break is not (above)."""
    page, _, chars = next(line for line in lines if _text(line[2]).endswith("下面还有"))
    assert chars[-1]["x1"] == pytest.approx(area.right, abs=0.5)
    assert _line(lines, "第二页的文字")[0] == page + 1


# --- 着重号 ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def dots(book_pdf: Path) -> list[tuple[int, dict]]:
    """Every curve of the PDF, as (page, pdfplumber curve): the 着重号 dots, drawn as
    filled paths (nothing else in this book draws a curve)."""
    with pdfplumber.open(book_pdf) as pdf:
        return [(number, curve) for number, page in enumerate(pdf.pages) for curve in page.curves]


def _dotted(lines: list[tuple[int, float, list[dict]]], page: int, dot: dict) -> tuple[float, dict, float | None]:
    """The baseline of the line a dot is under (the nearest above it), the character whose
    box holds the dot's centre, and the next line's baseline on the page (None if none)."""
    base = max(b for p, b, _ in lines if p == page and b < dot["top"])
    chars = next(chars for p, b, chars in lines if (p, b) == (page, base))
    char = next(c for c in chars if c["x0"] < _centre(dot) < c["x1"])
    return base, char, min((b for p, b, _ in lines if p == page and b > base), default=None)


def test_dots_sit_under_each_emphasised_han_character_only(lines, dots) -> None:
    dotted = []
    for page, dot in dots:
        base, char, following = _dotted(lines, page, dot)
        em = char["size"]
        assert HAN.match(char["text"]), f"a dot under {char['text']!r}"
        assert dot["fill"] and not dot["stroke"] and dot["non_stroking_color"] == (0, 0, 0)
        assert dot["x1"] - dot["x0"] == pytest.approx(0.18 * em, abs=0.01)  # about a fifth of the character
        assert dot["bottom"] - dot["top"] == pytest.approx(0.18 * em, abs=0.01)
        assert _centre(dot) == pytest.approx(_centre(char), abs=0.05), char["text"]  # centred under it
        em_bottom = base + 0.12 * em  # the ideographic em box: 0.88 em above the baseline, 0.12 below
        assert dot["top"] - em_bottom == pytest.approx(0.11 * em, abs=0.01 * em), char["text"]  # just below it
        if following is not None:
            assert following - 0.88 * em - dot["bottom"] > 0.4 * em  # far from the next line's box
        dotted.append((page, base, char["x0"], char["text"], char["fontname"].split("+")[-1]))
    expected = "".join(HAN.findall(DOTTED)) + "群众路线的基本内容" + "着重"  # no Latin, no punctuation
    assert "".join(t for *_, t, _ in sorted(dotted)) == expected
    assert {f for *_, f in dotted} == {"Noto-Serif-CJK-SC", "LXGW-WenKai"}  # the same place in the Kai


def _runs(flags: list[int]) -> list[tuple[int, int]]:
    """The runs of true flags, as (first, last + 1) indices."""
    runs: list[tuple[int, int]] = []
    for i, flag in enumerate(flags):
        if flag and runs and runs[-1][1] == i:
            runs[-1] = (runs[-1][0], i + 1)
        elif flag:
            runs.append((i, i + 1))
    return runs


def test_the_dots_are_drawn_round_and_clear_of_the_characters(book_pdf: Path, lines, dots) -> None:
    """What is seen: each character's column, from its baseline down to the next line's em
    box, rasterised at 1152 dpi (pypdfium2), holds the glyph's ink below the baseline (if
    any), white, the dot, and white again; the dot is round (π/4 of its square inked: a
    square would fill it, a lozenge half of it) and centred under the character."""
    assert dots
    scale = 16  # pixels per point
    pdf = pypdfium2.PdfDocument(book_pdf)
    try:
        for page, dot in dots:
            base, char, _ = _dotted(lines, page, dot)
            em = char["size"]
            width, height = pdf[page].get_size()
            bottom = base + (1.75 - 0.88) * em  # the next line's em box (21 pt pitch)
            crop = (char["x0"], height - bottom, width - char["x1"], base)
            image = pdf[page].render(scale=scale, crop=crop, grayscale=True).to_pil()
            ink = image.point(lambda v: 255 if v < 128 else 0)
            _, rows = ink.getprojection()
            runs = _runs(rows)
            assert 1 <= len(runs) <= 2, (char["text"], runs)  # the glyph's descent, the dot
            top, end = runs[-1]
            assert (top - (runs[0][1] if len(runs) == 2 else 0)) / scale > 0.1 * em, char["text"]  # white above
            assert (len(rows) - end) / scale > 0.4 * em  # and below, to the next line
            disc = ink.crop((0, top, ink.width, end))
            left, _, right, _ = disc.getbbox()
            assert (right - left) / scale == pytest.approx(0.18 * em, abs=0.1)
            assert (end - top) / scale == pytest.approx(0.18 * em, abs=0.1)
            assert (left + right) / 2 / scale == pytest.approx((char["x1"] - char["x0"]) / 2, abs=0.1)
            filled = disc.histogram()[255] / ((right - left) * (end - top))
            assert filled == pytest.approx(math.pi / 4, abs=0.04), (char["text"], filled)
    finally:
        pdf.close()


def test_the_pdf_text_is_the_manuscript_text(book_pdf: Path) -> None:
    """The dots are drawn, not set: the text a PDF viewer copies (pdfium's text layer)
    holds the emphasised passages as the manuscript has them, and no dot character."""
    pdf = pypdfium2.PdfDocument(book_pdf)
    try:
        text = "".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()
    assert "\u30fb" not in text
    running = text.replace("\r\n", "")
    paragraph = f"群众路线是我们党的生命线和根本工作路线。{DOTTED}。我们要把群众路线 mass line 的基本内容牢记在心。"
    assert paragraph in running
    assert QUOTE.replace("*", "") in running


def test_dots_keep_the_pitch_and_the_justified_lines_flush(lines, dots, area: TypeArea) -> None:
    start = next(i for i, line in enumerate(lines) if _text(line[2]).startswith("群众路线是我们党"))
    end = next(i for i, line in enumerate(lines) if "这是常见的写法" in _text(line[2]))
    paragraph = lines[start:end + 1]
    assert len(paragraph) >= 6
    assert {round(b[1] - a[1], 2) for a, b in zip(paragraph, paragraph[1:])} == {21.0}
    for _, _, chars in paragraph[:-1]:
        assert chars[-1]["x1"] == pytest.approx(area.right, abs=0.5), _text(chars)
    dotted = {_dotted(lines, page, dot)[0] for page, dot in dots if page == paragraph[0][0]}
    assert len(dotted & {base for _, base, _ in paragraph}) >= 2  # across a break


# --- italic and bold ------------------------------------------------------------------

def test_latin_runs_are_in_a_true_italic_across_a_line_break(lines) -> None:
    italic = [(base, c) for _, base, chars in lines for c in chars if "Italic" in c["fontname"]]
    assert {c["fontname"].split("+")[-1] for _, c in italic} == {"Noto-Serif-Italic"}
    text = "".join(c["text"] for _, c in italic)
    for run in (LATIN, "mass line", "Camellia sinensis"):
        assert run.replace(" ", "") in text
    start = text.index(LATIN.replace(" ", ""))
    assert len({base for base, _ in italic[start:start + len(LATIN.replace(" ", ""))]}) >= 2  # the long run wraps
    upright, slanted = _font("Noto Serif", "Regular"), _font("Noto Serif", "Italic")
    widths = {}
    for name, font in (("upright", upright), ("italic", slanted)):
        cmap, units = font.getBestCmap(), font["head"].unitsPerEm
        widths[name] = [font["hmtx"][cmap[ord(c["text"])]][0] / units * c["size"] for _, c in italic]
    drawn = [c["x1"] - c["x0"] for _, c in italic]
    assert drawn == pytest.approx(widths["italic"], abs=0.02)  # the italic's own glyphs…
    assert sum(abs(a - b) for a, b in zip(drawn, widths["upright"])) > 10  # …not the upright's
    # The marks and digits beside the runs stay in the CJK face.
    around = [c for _, base, chars in lines if base in {b for b, _ in italic} for c in chars if c["text"] in "，1943"]
    assert len(around) >= 5 and {c["fontname"].split("+")[-1] for c in around} == {"Noto-Serif-CJK-SC"}


def test_bold_cjk_is_the_hei_bold(lines) -> None:
    first = _line(lines, "群众路线是我们党")[0]  # the body's first page (the contents set titles in the sans)
    body_bold = [c for page, _, chars in lines if page >= first for c in chars
                 if c["size"] == 12 and "Sans" in c["fontname"]]
    assert _text(body_bold) == "群众路线"  # **群众路线**, and nothing else of the body, in the sans
    assert {c["fontname"].split("+")[-1] for c in body_bold} == {"Noto-Sans-CJK-SC-Bold"}


# --- 引文 -----------------------------------------------------------------------------

def test_quotations_are_kai_indented_two_characters(lines, area: TypeArea) -> None:
    quote = [line for line in lines if any("WenKai" in c["fontname"] for c in line[2])]
    assert len(quote) >= 3
    assert "".join(_text(chars) for *_, chars in quote) == QUOTE.replace("*", "")
    for _, _, chars in quote:
        assert {c["fontname"].split("+")[-1] for c in chars} == {"LXGW-WenKai"}
    em = area.font_size
    assert quote[0][2][0]["x0"] == pytest.approx(area.left + 4 * em, abs=0.05)  # two in, and the paragraph's two
    for _, _, chars in quote[1:]:
        assert chars[0]["x0"] == pytest.approx(area.left + 2 * em, abs=0.05)
    for _, _, chars in quote[:-1]:
        assert chars[-1]["x1"] == pytest.approx(area.right - 2 * em, abs=0.5)  # justified to the right indent
    assert {round(b[1] - a[1], 2) for a, b in zip(quote, quote[1:])} == {21.0}


def test_the_kai_sets_its_stops_at_the_lower_left_like_the_song() -> None:
    """、，。 in LXGW WenKai and Noto Serif CJK SC: ink in the left half of the square and
    in its lower half (AR PL UKai centres them both ways, Taiwan practice)."""
    for family in ("LXGW WenKai", "Noto Serif CJK SC"):
        font = _font(family, "Regular")
        glyphs, cmap, units = font.getGlyphSet(), font.getBestCmap(), font["head"].unitsPerEm
        for mark in "、，。":
            pen = BoundsPen(glyphs)
            glyphs[cmap[ord(mark)]].draw(pen)
            left, bottom, right, top = (v / units for v in pen.bounds)
            assert right < 0.4 and top < 0.25, (family, mark, pen.bounds)


# --- the EPUB -------------------------------------------------------------------------

PROBE = """<script>//<![CDATA[
window.paibanProbe = function () {
  function style(sel) {
    var el = document.querySelector(sel), s = el && getComputedStyle(el);
    return s && {emphasis: s.textEmphasisStyle || s.webkitTextEmphasisStyle,
                 position: s.textEmphasisPosition || s.webkitTextEmphasisPosition, fontStyle: s.fontStyle,
                 fontFamily: s.fontFamily, fontSize: parseFloat(s.fontSize), marginLeft: parseFloat(s.marginLeft),
                 marginRight: parseFloat(s.marginRight), textAlign: s.textAlign, textIndent: parseFloat(s.textIndent),
                 paddingLeft: parseFloat(s.paddingLeft)};
  }
  return {width: window.innerWidth, dots: style("em.dots"), dotsLatin: style("em.dots span.latin"),
          latin: style("em.latin"), quote: style("blockquote"), line: style("div.line-block > div.line")};
};
//]]></script>"""


def test_epub_draws_the_emphasis_and_sets_verse_and_quotations(built: Path, tmp_path: Path) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("chromium is not installed (setup.sh installs it)")
    from test_epub_render import FLAGS, WRAPPER

    with zipfile.ZipFile(next(built.glob("*.epub"))) as z:
        z.extractall(tmp_path / "epub")
    chapter = tmp_path / "epub" / "EPUB" / "text" / "c01.xhtml"
    chapter.write_text(chapter.read_text("utf-8").replace("</body>", PROBE + "\n</body>"), "utf-8")
    frame = '<iframe data-name="c01" src="text/c01.xhtml" style="width:390px;height:844px;border:0"></iframe>'
    (tmp_path / "epub" / "EPUB" / "probe.html").write_text(WRAPPER.format(frames=frame), "utf-8")
    result = subprocess.run([chromium, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
                             (tmp_path / "epub" / "EPUB" / "probe.html").as_uri()],
                            capture_output=True, text=True, timeout=180)
    found = re.search(r'data-probe="([^"]*)"', result.stdout)
    assert found, result.stderr[-1000:]
    m = json.loads(html.unescape(found.group(1)))["c01"]
    assert m["width"] == 390
    # "under right" computes to "under" (right is the default side).
    assert "dot" in m["dots"]["emphasis"] and m["dots"]["position"].split()[0] == "under"
    assert m["dots"]["fontStyle"] == "normal"
    assert m["dotsLatin"]["emphasis"] == "none" and m["dotsLatin"]["fontStyle"] == "italic"
    assert m["latin"]["fontStyle"] == "italic" and m["latin"]["fontFamily"].startswith('"Noto Serif"')
    quote, line = m["quote"], m["line"]
    assert quote["fontFamily"].startswith('"LXGW WenKai"')
    assert quote["marginLeft"] == quote["marginRight"] == pytest.approx(2 * quote["fontSize"])
    assert line["textAlign"] == "left"
    assert line["paddingLeft"] == pytest.approx(6 * line["fontSize"]) and line["textIndent"] == pytest.approx(
        -2 * line["fontSize"])


# --- the print transform --------------------------------------------------------------

def test_each_han_character_of_an_emphasis_gets_a_span_and_nothing_else_does() -> None:
    root = parse('<p>路线，<em class="dots">一切，为<span class="latin">mass line</span>了<strong>群众</strong>'
                 '“路”<code>码</code></em>，这<em class="latin">abc</em></p>')
    dot_emphasis(root)
    spans = [s for s in root.iter("span") if s.get("class") == DOT_CLASS]
    assert [s.text for s in spans] == list("一切为了群众路")
    assert all(len(s) == 0 for s in spans)
    assert root.text_content() == "路线，一切，为mass line了群众“路”码，这abc"  # the text is unchanged


def test_the_punctuation_before_an_emphasis_sees_its_first_character() -> None:
    """Before the spans, an ``em`` had text of its own; with them its first character sits in
    a child, and a mark before it must still see a character, not the mark after the ``em``."""
    root = parse('<p>路线，<em class="dots">一切</em>，这。<em><strong>甲</strong></em>“乙”</p>')
    dot_emphasis(root)
    compress_punctuation(root)
    out = serialize(root)
    assert out.startswith("<p>路线，<em") and "这。<em>" in out  # neither is beside another mark
