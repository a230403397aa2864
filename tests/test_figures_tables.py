"""Figures and tables in print and in the EPUB, measured from the outputs.

A reflowing test book (:func:`make_book`) holds an 800 px wide figure, a tall one, one
that the page it falls on has no room for (so the text after it fills the room and it
goes to the top of the next page), and a three-line table long enough to run over a
page, with a column of long notes beside short CJK cells and right-aligned numbers.
From the PDF's characters, images and lines (pdfplumber) the tests prove: every image
inside the type area with its caption centred below it on its page; no page ending in
more than two empty lines before a figure that starts the next (and, with
``layout.defer_figures: false``, that the same figure did leave such a gap); the three
rules, thick above and below on every page of the table and thin under its header, no
vertical rule; the header and 续表1-1 on the continuation page; no row split, no short
cell broken, the numbers flush right. A reprint's figure after a page marker stays at
its original page's top. The EPUB holds ``figure``/``figcaption`` and ``table``/``caption``
with the print numbers and links, and headless Chromium at 390 px sets the table's rules
and scrolls a table wider than the screen instead of widening the page.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pypdf
import pytest
from lxml import etree

from paiban import compose
from paiban.builders.pdf.html import chapter_text, part_html
from paiban.builders.pdf.layout import figures_and_tables, layout_html
from paiban.outputs import OutputFiles
from paiban.reader import read_book
from paiban.transforms.figures import counted, defer_figures, split_paragraph
from paiban.transforms.tables import PADDING_EM, Continuation, column_widths, print_tables
from paiban.tree import Element, has_class, parse, serialize
from pdflines import Line, TypeArea, page_lines
from test_epub_render import CHROMIUM, FLAGS

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = ROOT / "tests" / "fixtures" / "minimal"
IMAGES = ROOT / "tests" / "books" / "elements" / "images"
XHTML = {"x": "http://www.w3.org/1999/xhtml"}
SENTENCES = ["茶树是一种多年生的常绿木本植物。", "它的叶片呈椭圆形，边缘有细小的锯齿。",
             "人们采下嫩叶，经过杀青、揉捻和干燥，就得到了可以冲泡的茶叶。", "一杯好茶，离不开好水。",
             "古人说，山水上，江水中，井水下。", "茶的香气来自叶片中的芳香物质，它们在加工中不断变化。",
             "冲泡的时间太长，茶汤就会变得苦涩。", "各地的饮茶习惯并不相同。"]
REGIONS = ["云南", "贵州", "四川", "广东", "广西", "福建", "海南", "浙江", "湖南", "江西", "安徽", "河南",
           "陕西", "甘肃", "山东", "湖北", "重庆", "江苏", "西藏", "台湾"]
ROWS = 40
BOOK = """title: 测试之书
language: zh-CN
date: "2026-01"
contributors:
  - name: 测试编写组
    role: author
publisher:
  name: 测试出版社
  city: 北京
isbn: "978-7-5150-0466-2"
layout:
  reflow: true
  defer_figures: {defer}
contents:
  - title: 第一章
    subtitle: 图与表
    kind: chapter
    file: chapters/01.md
    entries:
      - {{title: 一、图, page: 1}}
      - {{title: 二、表, page: 5}}
"""


def paragraph(label: str, length: int, start: int = 0) -> str:
    """A paragraph of about ``length`` characters that begins with its own ``label`` (甲段…),
    so that a test can find where it was set."""
    text, k = f"{label}。", start
    while len(text) < length:
        text += SENTENCES[k % len(SENTENCES)]
        k += 1
    return text


def chapter() -> str:
    labels = iter("甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥")
    out = ["---", "title: 第一章", "subtitle: 图与表", "kind: chapter", "---", "", "## 一、图", "",
           paragraph(next(labels), 150), "", f"如@fig:leaf所示，叶片宽而平。{paragraph(next(labels), 60, 5)}", "",
           '![茶树的叶片与花](../images/leaf.png){#fig:leaf alt="一片椭圆形的深绿色叶片，右侧是一朵白色的茶花"}', ""]
    out += [paragraph(next(labels), 120 + 17 * i, 3 * i) + "\n" for i in range(4)]
    out += ['![绿茶制作的主要工序](../images/process.png){#fig:process alt="从上到下四个方框，由浅绿渐变为褐色"}', ""]
    out += [paragraph(next(labels), 100 + 23 * i, 5 * i) + "\n" for i in range(6)]
    out += ["## 二、表", "", f"@tbl:yield列出了各地的产量。{paragraph(next(labels), 80, 2)}", "",
            "Table: 各地茶叶产量 {#tbl:yield}", "", "| 地区 | 主要茶类 | 产量（吨） | 占比（%） | 备注 |",
            "| --- | --- | ---: | ---: | --- |"]
    kinds = ["红茶、绿茶", "普洱茶", "乌龙茶", "白茶", "绿茶", "黑茶、绿茶"]
    for r in range(ROWS):
        note = "多雾，昼夜温差大，适合高山茶生长，春茶品质尤佳" if r % 5 == 0 else "平原茶园"
        out.append(f"| {REGIONS[r % 20]}{r // 20 + 1}区 | {kinds[r % 6]} | {(r * 7919) % 400000 + 1000:,} "
                   f"| {(r * 37) % 300 / 10} | {note} |")
    out += ["", paragraph(next(labels), 200, 3), "", "Table: 各类茶的四季产量 {#tbl:seasons}", "",
            "| 茶类 | 春茶（吨） | 夏茶（吨） | 秋茶（吨） | 冬茶（吨） | 合计（吨） | 均价（元） |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for k, kind in enumerate(("绿茶", "红茶", "乌龙茶", "黑茶")):
        seasons = [(k + 1) * s * 10007 % 900000 + 1000 for s in (3, 5, 7, 11)]
        out.append(f"| {kind} | " + " | ".join(f"{n:,}" for n in [*seasons, sum(seasons)]) + f" | {120 + 35 * k} |")
    out += ["", f"@tbl:seasons宽于手机的屏幕。{paragraph(next(labels), 60, 1)}", ""]
    return "\n".join(out) + "\n"


def make_book(dest: Path, defer: bool = True) -> Path:
    book = dest / "book"
    shutil.copytree(MINIMAL, book)
    (book / "images").mkdir()
    for name in ("leaf.png", "process.png"):
        shutil.copy(IMAGES / name, book / "images" / name)
    (book / "book.yaml").write_text(BOOK.format(defer="true" if defer else "false"), "utf-8")
    (book / "chapters" / "01.md").write_text(chapter(), "utf-8")
    return book


def build(book: Path, what: str = "all") -> OutputFiles:
    out = book.parent / "out"
    model = read_book(book)
    compose.build(model, out, what, compose.Options())
    return OutputFiles.of(model, out)
@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_book(tmp_path_factory.mktemp("deferring"))


@pytest.fixture(scope="module")
def outputs(book: Path) -> OutputFiles:
    return build(book)


@pytest.fixture(scope="module")
def area(book: Path) -> TypeArea:
    return TypeArea.of(read_book(book).geometry)


@pytest.fixture(scope="module")
def kept(tmp_path_factory: pytest.TempPathFactory) -> OutputFiles:
    """The same book with ``layout.defer_figures: false``."""
    return build(make_book(tmp_path_factory.mktemp("keeping"), defer=False), "pdf")


@dataclass(frozen=True)
class Figure:
    page: int
    image: dict  # pdfplumber's image: x0, x1, top, bottom
    caption: Line


def figures(pdf: Path, area: TypeArea) -> dict[str, Figure]:
    """Each figure of the PDF by its number: its image, and the caption line under it."""
    found: dict[str, Figure] = {}
    lines = page_lines(pdf, area)
    with pdfplumber.open(pdf) as document:
        for index, page in enumerate(document.pages):
            for image in page.images:
                caption = next(line for line in lines[index] if min(c["top"] for c in line.chars) > image["bottom"])
                number = re.match(r"图\d+-\d+", caption.text)
                assert number, f"no caption under the image on page {index + 1}: {caption.text}"
                found[number.group(0)] = Figure(index, image, caption)
    return found


def bottom(line: Line) -> float:
    return max(c["bottom"] for c in line.chars)


def test_every_image_stays_in_the_type_area(outputs: OutputFiles, area: TypeArea) -> None:
    found = figures(outputs.pdf(), area)
    assert set(found) == {"图1-1", "图1-2"}
    for number, figure in found.items():
        image = figure.image
        assert area.left - 0.01 <= image["x0"] and image["x1"] <= area.right + 0.01, number
        assert area.top - 0.01 <= image["top"] and bottom(figure.caption) <= area.bottom + 0.01, number
    wide, tall = found["图1-1"].image, found["图1-2"].image
    # 800 px are 600 pt at 96 dpi: scaled down to the measure exactly, its shape kept (800 × 500).
    assert wide["x1"] - wide["x0"] == pytest.approx(area.right - area.left, abs=0.02)
    assert (wide["bottom"] - wide["top"]) / (wide["x1"] - wide["x0"]) == pytest.approx(500 / 800, abs=0.002)
    # 600 × 900 px: scaled down by the height (to the type area less the caption's room), not the width.
    assert tall["x1"] - tall["x0"] < area.right - area.left - 20
    assert (tall["bottom"] - tall["top"]) / (tall["x1"] - tall["x0"]) == pytest.approx(900 / 600, abs=0.002)


def test_each_caption_is_centred_under_its_image_in_smaller_type(outputs: OutputFiles, area: TypeArea) -> None:
    for number, figure in figures(outputs.pdf(), area).items():
        top = min(c["top"] for c in figure.caption.chars)
        assert 0 < top - figure.image["bottom"] < 21, number  # right under it, on its page
        middle = (figure.caption.x0 + figure.caption.x1) / 2
        assert middle == pytest.approx((area.left + area.right) / 2, abs=1.0), number
        assert {round(c["size"], 1) for c in figure.caption.chars} == {10.5}, number


def test_no_page_ends_in_more_than_two_empty_lines_before_a_figure(outputs: OutputFiles, kept: OutputFiles,
                                                                   area: TypeArea) -> None:
    """Both figures start a page; the text after each in the manuscript fills the page before."""
    line = 21
    for pdf, deferred in ((outputs.pdf(), True), (kept.pdf(), False)):
        lines = page_lines(pdf, area)
        for number, figure in figures(pdf, area).items():
            assert figure.image["top"] < area.top + line, (number, deferred)  # it starts its page
            before = lines[figure.page - 1]
            gap = area.bottom - bottom(before[-1])
            # 庚 and 丙 are the paragraphs right after 图1-2 and 图1-1 in the manuscript.
            follower = {"图1-1": "丙。", "图1-2": "庚。"}[number]
            on_page_before = any(line_.text.startswith(follower) for line_ in before)
            if deferred:
                assert gap <= 2 * line + 0.5, (number, gap)
                assert on_page_before, number
            else:
                assert gap > 2 * line + 0.5, (number, gap)
                assert not on_page_before, number


HEADER = "地区主要茶类产量（吨）占比（%）备注"


def runs(line: Line) -> list[list[dict]]:
    """The cells of a table line: its characters in runs apart by more than the widest gap
    justification opens between two characters (a quarter em)."""
    out: list[list[dict]] = []
    for char in line.chars:
        if out and char["x0"] - out[-1][-1]["x1"] < 5:
            out[-1].append(char)
        else:
            out.append([char])
    return out


def cells(line: Line) -> list[str]:
    return ["".join(c["text"] for c in run) for run in runs(line)]


def top(line: Line) -> float:
    return min(c["top"] for c in line.chars)


def table_pages(pdf: Path, area: TypeArea) -> list[tuple[int, list[Line]]]:
    """The pages the long table (表1-1) is on, each with its lines."""
    return [(index, lines) for index, lines in enumerate(page_lines(pdf, area))
            if any(line.text == HEADER for line in lines)]


def row_label(line: Line) -> str | None:
    first = cells(line)[0]
    return first if re.fullmatch(rf"(?:{'|'.join(REGIONS)})\d区", first) else None


def test_three_line_rules_on_every_page_of_a_table(outputs: OutputFiles, area: TypeArea) -> None:
    """Each table's part on a page: a 1.5 pt rule above its header, 0.75 pt under it, 1.5 pt
    under its last row, all three as wide as the table; nothing vertical, no boxes."""
    pages = table_pages(outputs.pdf(), area)
    assert len(pages) >= 2
    with pdfplumber.open(outputs.pdf()) as document:
        for index, lines in pages:
            page = document.pages[index]
            assert not page.rects and not page.curves, index
            assert all(rule["top"] == rule["bottom"] for rule in page.lines), index  # every line horizontal
            rules: dict[float, list[dict]] = {}
            for rule in page.lines:
                rules.setdefault(round(rule["top"], 2), []).append(rule)
            tops = sorted(rules)
            assert len(tops) % 3 == 0, index
            for above, under_header, below in zip(*[iter(tops)] * 3, strict=True):  # one table after another
                assert [{r["linewidth"] for r in rules[y]} for y in (above, under_header, below)] \
                    == [{1.5}, {0.75}, {1.5}], index
                spans = {(round(min(r["x0"] for r in rules[y]), 1), round(max(r["x1"] for r in rules[y]), 1))
                         for y in (above, under_header, below)}
                assert len(spans) == 1, index
                inside = [line for line in lines if above < top(line) < below]
                head = [line for line in inside if top(line) < under_header]  # a head may take two lines
                body = [line for line in inside if top(line) > under_header]
                assert head and body and max(map(bottom, head)) < under_header and max(map(bottom, body)) < below
            header = next(line for line in lines if line.text == HEADER)
            assert any(above < top(header) < under_header for above, under_header, _ in zip(*[iter(tops)] * 3))


def test_the_header_repeats_and_the_continuation_says_xubiao(outputs: OutputFiles, area: TypeArea) -> None:
    pages = table_pages(outputs.pdf(), area)
    labels: list[str] = []
    for number, (index, lines) in enumerate(pages):
        header = next(i for i, line in enumerate(lines) if line.text == HEADER)
        assert lines[header - 1].text == ("表1-1各地茶叶产量" if number == 0 else "续表1-1"), index
        if number:
            assert header == 1, index  # the continuation opens its page: 续表, then the header
        for k, line in enumerate(lines):
            if row_label(line) is None:
                continue
            labels.append(row_label(line))
            row = cells(line)
            assert len(row) == 5, row  # every cell of the row on its first line: nothing short broken
            if row[4].startswith("多雾"):  # the long note goes on under itself, on the same page
                assert len(cells(lines[k + 1])) == 1 and lines[k + 1].text.endswith("尤佳"), index
    # Every row once, in order: none split across pages, none lost or repeated.
    assert labels == [f"{REGIONS[r % 20]}{r // 20 + 1}区" for r in range(ROWS)]


def test_numbers_are_flush_right_and_text_flush_left(outputs: OutputFiles, area: TypeArea) -> None:
    columns: dict[int, list[tuple[float, float]]] = {}
    headers: set[tuple[tuple[float, float], ...]] = set()
    for _, lines in table_pages(outputs.pdf(), area):
        header = next(line for line in lines if line.text == HEADER)
        headers.add(tuple((round(r[0]["x0"], 1), round(r[-1]["x1"], 1)) for r in runs(header)))
        for line in lines:
            if row_label(line):
                for column, run in enumerate(runs(line)):
                    columns.setdefault(column, []).append((run[0]["x0"], run[-1]["x1"]))
    assert len(headers) == 1  # the same columns on every page
    (header,) = headers
    for column in (2, 3):  # 产量, 占比: flush right, their heads too
        rights = [x1 for _, x1 in columns[column]] + [header[column][1]]
        assert max(rights) - min(rights) < 0.3, column
        assert max(x0 for x0, _ in columns[column]) - min(x0 for x0, _ in columns[column]) > 5, column
    for column in (0, 1, 4):  # text: flush left
        lefts = [x0 for x0, _ in columns[column]] + [header[column][0]]
        assert max(lefts) - min(lefts) < 0.3, column


def test_cross_references_link_to_the_numbered_figure_and_table(outputs: OutputFiles, area: TypeArea) -> None:
    """In print: the text says 图1-1 and 表1-1 where the manuscript says @fig:leaf and @tbl:yield,
    and each is a link to the page its figure or table is on."""
    pdf = outputs.pdf()
    found = figures(pdf, area)
    reader = pypdf.PdfReader(pdf)
    destinations = {name: reader.get_destination_page_number(dest) for name, dest in reader.named_destinations.items()}
    assert destinations["fig:leaf"] == found["图1-1"].page and destinations["fig:process"] == found["图1-2"].page
    assert destinations["tbl:yield"] == table_pages(pdf, area)[0][0]
    text = "".join(line.text for lines in page_lines(pdf, area) for line in lines)
    assert "如图1-1所示" in text and "表1-1列出了各地的产量" in text and "表1-2宽于手机的屏幕" in text
    with pdfplumber.open(pdf) as document:
        links = {str(a["data"]["Dest"]) for page in document.pages for a in page.annots if "Dest" in a["data"]}
    assert {"b'fig:leaf'", "b'tbl:yield'", "b'tbl:seasons'"} <= links


def test_the_epub_has_figures_and_tables_with_the_print_numbers(outputs: OutputFiles, area: TypeArea) -> None:
    with zipfile.ZipFile(outputs.epub) as z:
        doc = etree.fromstring(z.read("EPUB/text/c01.xhtml"))
    figures_ = doc.findall(".//x:figure", XHTML)
    assert [f.findtext("x:figcaption/x:span[@class='number']", namespaces=XHTML) for f in figures_] \
        == sorted(figures(outputs.pdf(), area))
    for figure in figures_:
        img, caption = list(figure)
        assert etree.QName(img).localname == "img" and img.get("alt") and img.get("alt") not in caption.xpath("string()")
        assert etree.QName(caption).localname == "figcaption"
    tables = doc.findall(".//x:table", XHTML)
    assert [t.findtext("x:caption/x:span[@class='number']", namespaces=XHTML) for t in tables] == ["表1-1", "表1-2"]
    assert all(t[0].tag == f"{{{XHTML['x']}}}caption" and t.find("x:thead", XHTML) is not None for t in tables)
    assert len(tables[0].findall("x:tbody/x:tr", XHTML)) == ROWS  # one table: 续表 is print's
    links = {a.get("href"): a.text for a in doc.iterfind(".//x:a[@class='xref']", XHTML)}
    assert links == {"#fig:leaf": "图1-1", "#tbl:yield": "表1-1", "#tbl:seasons": "表1-2"}
    assert all(doc.find(f".//*[@id='{href[1:]}']") is not None for href in links)


PROBE = """<script>//<![CDATA[
window.paibanProbe = function () {
  function cell(el) {
    var s = getComputedStyle(el);
    return {top: s.borderTopWidth, bottom: s.borderBottomWidth, left: s.borderLeftWidth, right: s.borderRightWidth};
  }
  var out = {width: window.innerWidth, scroll: document.documentElement.scrollWidth, tables: [], images: []};
  document.querySelectorAll("table").forEach(function (t) {
    var caption = t.querySelector("caption").getBoundingClientRect(), head = t.querySelector("thead th");
    out.tables.push({client: t.clientWidth, scrollWidth: t.scrollWidth, right: t.getBoundingClientRect().right,
                     captionSide: getComputedStyle(t.querySelector("caption")).captionSide,
                     captionAbove: caption.bottom <= head.getBoundingClientRect().top + 0.5,
                     head: cell(head), lastRow: cell(t.querySelector("tbody tr:last-child td")),
                     cells: Array.prototype.map.call(t.querySelectorAll("td, th"), cell)});
  });
  document.querySelectorAll("figure img").forEach(function (img) {
    var r = img.getBoundingClientRect();
    out.images.push({left: r.left, right: r.right, height: r.height});
  });
  return out;
};
//]]></script>"""


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (setup.sh installs it)")
def test_on_a_phone_tables_keep_their_rules_and_scroll_instead_of_widening_the_page(
        outputs: OutputFiles, tmp_path: Path) -> None:
    """At 390 px (headless Chromium, in a 390 px iframe: its window is at least 500 px wide)."""
    with zipfile.ZipFile(outputs.epub) as z:
        z.extractall(tmp_path / "epub")
    chapter = tmp_path / "epub" / "EPUB" / "text" / "c01.xhtml"
    chapter.write_text(chapter.read_text("utf-8").replace("</body>", PROBE + "\n</body>"), "utf-8")
    (chapter.parent / "probe.html").write_text(
        '<!DOCTYPE html><html><body><iframe src="c01.xhtml" style="width:390px;height:844px;border:0"></iframe>'
        '<script>window.addEventListener("load", function () { document.body.setAttribute("data-probe", '
        'JSON.stringify(document.querySelector("iframe").contentWindow.paibanProbe())); });</script></body></html>',
        "utf-8")
    result = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
                             (chapter.parent / "probe.html").as_uri()], capture_output=True, text=True, timeout=180)
    found = re.search(r'data-probe="([^"]*)"', result.stdout)
    assert found, result.stderr[-1000:]
    m = json.loads(html.unescape(found.group(1)))
    assert m["width"] == 390 and m["scroll"] <= 390  # nothing widens the page
    assert all(image["left"] >= 0 and image["right"] <= 390 for image in m["images"]) and len(m["images"]) == 2
    for table in m["tables"]:
        assert table["right"] <= 390 and table["captionSide"] == "top" and table["captionAbove"]
        assert (table["head"]["top"], table["head"]["bottom"], table["lastRow"]["bottom"]) == ("2px", "1px", "2px")
        assert all(c["left"] == c["right"] == "0px" for c in table["cells"])  # no vertical rules
    wide = m["tables"][1]
    assert wide["scrollWidth"] > wide["client"]  # 表1-2 scrolls sideways in its own box


REPRINT = """---
title: 第一章
subtitle: 小小的开头
kind: chapter
---
{{page 1}}

## 一、第一节

这是一本用来测试的小书。它只有两页，每一页只有几句话。

{{page 2}}

![茶树的叶片与花](../images/leaf.png){#fig:leaf alt="一片椭圆形的深绿色叶片，右侧是一朵白色的茶花"}

第二页从这里开始。@fig:leaf画的是茶树的叶片。

## 二、第二节

群众路线是我们党的生命线和根本工作路线。
"""


def test_a_reprint_never_moves_a_figure_across_a_page_marker(tmp_path: Path) -> None:
    """The original page 2 opens with a figure; page 1 ends in many empty lines, which the
    text of page 2 must not fill: the figure stays at the top of its page, its text under it."""
    book = tmp_path / "book"
    shutil.copytree(MINIMAL, book)
    (book / "images").mkdir()
    shutil.copy(IMAGES / "leaf.png", book / "images" / "leaf.png")
    (book / "chapters" / "01.md").write_text(REPRINT, "utf-8")
    pdf = build(book, "pdf").pdf()
    area = TypeArea.of(read_book(book).geometry)
    (figure,) = figures(pdf, area).values()
    lines = page_lines(pdf, area)
    assert figure.image["top"] < area.top + 21 and all(top(line) > figure.image["bottom"] for line in lines[figure.page])
    assert any(line.text.startswith("第二页从这里开始") for line in lines[figure.page])
    assert area.bottom - bottom(lines[figure.page - 1][-1]) > 10 * 21  # the room a reflowing book would fill
    # Nor is it ever asked to move (moved, then put back, it would leave the page as it was).
    model = read_book(book)
    chapter = model.chapters[0]
    document = layout_html(model, part_html(model, "chapter", chapter), chapter_text(model, chapter))
    assert figures_and_tables(model, chapter, document).figure_moves == {}


# The transforms on their own trees: no layout needed.


def test_a_paragraph_is_cut_between_characters_its_note_call_staying_with_the_one_before() -> None:
    root = parse('<p id="p">甲乙<em class="dots">丙丁</em>戊<a class="noteref" id="fnref-1" href="#fn-1">①</a>'
                 '己<br/>庚</p>')
    after = split_paragraph(root[0], 5)
    assert serialize(root) == ('<p id="p">甲乙<em class="dots">丙丁</em>戊<a class="noteref" id="fnref-1" '
                               'href="#fn-1">①</a></p><p>己<br/>庚</p>')
    assert after.get("id") is None and counted(after) == 2
    root = parse('<p>甲乙<em class="dots">丙丁</em>戊</p>')
    split_paragraph(root[0], 3)
    assert serialize(root) == '<p>甲乙<em class="dots">丙</em></p><p><em class="dots">丁</em>戊</p>'


def test_a_deferred_figure_passes_whole_paragraphs_then_cuts_one_and_stops_at_a_heading() -> None:
    source = ('<p>一二</p><figure class="figure" data-number="图1-1"><img src="a.png" alt="叶"/></figure>'
              '<p>三四五</p><p>六七八九</p><h2>题</h2><p>十</p>')
    root = parse(source)
    defer_figures(root, {"图1-1": 5})
    assert serialize(root) == ('<p>一二</p><p>三四五</p><p class="runs-on">六七</p><figure class="figure" '
                               'data-number="图1-1" data-deferred="5"><img src="a.png" alt="叶"/></figure>'
                               '<p class="continues">八九</p><h2>题</h2><p>十</p>')
    root = parse(source)
    defer_figures(root, {"图1-1": 40})  # more than the paragraphs before the heading hold
    assert [el.tag for el in root] == ["p", "p", "p", "figure", "h2", "p"]
    assert root[3].get("data-deferred") == "7"
    root = parse(source.replace("<p>三四五</p>", '<div class="pagebreak"></div><p>三四五</p>'))
    defer_figures(root, {"图1-1": 5})  # an original page marker: the figure stays
    assert root[1].tag == "figure" and root[1].get("data-deferred") is None


def test_column_widths_leave_a_table_that_fits_alone_and_never_squeeze_a_short_column() -> None:
    def table(*rows: str) -> Element:
        return parse("<table data-number='表1-1'><tbody>" + "".join(
            "<tr>" + "".join(f"<td>{cell}</td>" for cell in row.split("|")) + "</tr>" for row in rows)
            + "</tbody></table>")[0]

    assert column_widths(table("茶区|主要茶类", "西南茶区|红茶、绿茶"), 37.7) is None
    widths = column_widths(table("茶区|省份|1,044,728|" + "长" * 40, "西南茶区|云南|12|短"), 37.7)
    assert widths is not None and sum(widths) == pytest.approx(37.7)
    assert widths[0] >= 4 + PADDING_EM and widths[1] >= 2 + PADDING_EM  # short columns keep their longest cell
    assert widths[2] >= 9 * 0.55 + PADDING_EM  # a number is never broken
    assert widths[3] == max(widths)  # the long column takes the rest, and wraps


def test_a_continued_table_gets_its_header_the_caption_xubiao_and_its_rows_once() -> None:
    marked = ' class="page-start"'
    root = parse("<table id='tbl:t' data-number='表1-1'><caption><span class='number'>表1-1</span>　题</caption>"
                 "<thead><tr><th>甲</th><th>乙</th></tr></thead><tbody>"
                 + "".join(f"<tr{marked if r == 4 else ''}><td>{r}</td><td>行</td></tr>" for r in range(6))
                 + "</tbody></table>")
    print_tables(root, 396, {"表1-1": Continuation((2, 4), (60.0, 90.5))})
    parts = list(root)
    assert [p.get("id") for p in parts] == ["tbl:t", None, None]
    assert [p.findtext("caption/span") for p in parts] == ["表1-1", "续表1-1", "续表1-1"]
    assert [[tr.findtext("td") for tr in p.iterfind("tbody/tr")] for p in parts] == [["0", "1"], ["2", "3"], ["4", "5"]]
    assert all(p.findtext("thead/tr/th") == "甲" for p in parts)
    assert all([c.get("style") for c in p.iterfind("colgroup/col")] == ["width: 60pt", "width: 90.5pt"] for p in parts)
    assert [has_class(p, "page-start") for p in parts] == [False, False, True]  # with the row an original page starts
    assert all([g.get("class") for g in p.iterfind("tfoot")] == ["rule"] for p in parts)  # the rule below, each
