"""The structure of a book in print and EPUB: the kinds of part (tests/books/elements).

The new book has a preface, two part-title pages (编), three chapters, an appendix, a
bibliography and an afterword, no ``entries`` and reflows. Read back from the built
PDF (pdfplumber's characters, pypdf's page labels and outline) and EPUB (the OPF
spine, the nav, each document's ``epub:type`` and role):

- the preface is front matter before the contents, on a right-hand page, its folio
  printed in roman and the same as its page label; the contents do not list it;
- the body starts at folio 1 on a right-hand page; each part-title page is alone on a
  right-hand page with nothing else on it, and the verso after it is blank;
- running heads: the book's title on left-hand pages, the chapter's on right-hand
  pages, none on an opening, whose folio is at its foot; every printed folio is its
  page's label; the bibliography and afterword run on in the body's arabic folios;
- the printed contents list every part of the body and the level-2 headings, each
  with the folio of the page the heading is on;
- the EPUB's spine puts the preface before the nav; each document has its kind's
  type and role, and the landmarks name them.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import lxml.etree
import pdfplumber
import pypdf
import pytest

from conftest import ROOT, epubcheck, run_cli

ELEMENTS = ROOT / "tests" / "books" / "elements"
MINIMAL = ROOT / "tests" / "fixtures" / "minimal"
NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
      "o": "http://www.idpf.org/2007/opf"}
EPUB_TYPE = f"{{{NS['epub']}}}type"
ROMAN = re.compile(r"[ivxlc]+")
# What each document of the elements book is, by its id: the kind book.yaml gives it.
KINDS = {"c00-qianyan": "preface", "part-1": "part", "c01-chashu": "chapter", "c02-zhicha": "chapter",
         "part-2": "part", "c03-chaju": "chapter", "c90-fulu": "appendix", "c91-cankao": "bibliography",
         "c92-houji": "afterword"}


def squashed(text: str) -> str:
    return re.sub(r"\s", "", text)


@dataclass(frozen=True)
class Page:
    """A PDF page as read back: its label, and its text by where it stands."""

    index: int
    label: str
    text: str  # the whole page, without white space
    body: str  # inside the type area
    head: str  # above it: the running head and a left- or right-hand folio
    foot: str  # below it: an opening page's folio
    large: str  # characters of 20 pt and more: a chapter's or part's title
    headings: str  # characters of 14–16 pt: the level-2 headings


@pytest.fixture(scope="module")
def book():
    from paiban.reader import read_book

    return read_book(ELEMENTS)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("structure")
    result = run_cli("--manuscript", str(ELEMENTS), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def pdf(built: Path) -> Path:
    return next(p for p in built.glob("*.pdf") if re.fullmatch(r"\d+\.pdf", p.name))


@pytest.fixture(scope="module")
def epub(built: Path) -> Path:
    return next(built.glob("*.epub"))


@pytest.fixture(scope="module")
def pages(pdf: Path, book) -> list[Page]:
    labels = pypdf.PdfReader(pdf).page_labels
    area = book.geometry.area_height_pt
    found = []
    with pdfplumber.open(pdf) as doc:
        for i, page in enumerate(doc.pages):
            top = (float(page.height) - area) / 2
            bottom = top + area

            def text(keep) -> str:
                return squashed("".join(c["text"] for c in page.chars if keep(c)))

            found.append(Page(i, labels[i], text(lambda c: True), text(lambda c: top <= c["top"] < bottom),
                              text(lambda c: c["bottom"] <= top), text(lambda c: c["top"] >= bottom),
                              text(lambda c: c["size"] >= 20), text(lambda c: 14 <= c["size"] <= 16)))
    return found


def spaced(title: str) -> str:
    from paiban.builders.templates import spaced_title

    return squashed(spaced_title(title))


def opening(pages: list[Page], title: str) -> Page:
    """The page a chapter or part-title page opens on: its title in large type."""
    found = [p for p in pages[1:] if p.large == squashed(title)]
    assert len(found) == 1, (title, [p.index for p in found])
    return found[0]


def test_the_preface_comes_before_the_contents_with_roman_folios(pages: list[Page]) -> None:
    preface = opening(pages, "前言")
    contents = next(p for p in pages if p.body.startswith("目录"))
    assert preface.index < contents.index
    # The preface opens on a right-hand page (even index: the cover is index 0, a right-hand page).
    assert preface.index % 2 == 0 and contents.index % 2 == 0
    assert ROMAN.fullmatch(preface.label) and ROMAN.fullmatch(contents.label)
    # Its folio is printed at the foot of its opening, and reads as its page label.
    assert preface.foot == preface.label and preface.head == ""
    # A one-page preface: the blank page after it, and the contents on the next right-hand page.
    assert contents.index == preface.index + 2 and pages[preface.index + 1].text == ""
    assert "前言" not in contents.body and "前　言" not in contents.body
    # The cover is i, the title page ii, the copyright page iii, a blank page, the preface v.
    assert [p.label for p in pages[:preface.index + 1]] == ["i", "ii", "iii", "iv", "v"]


def test_the_body_starts_at_folio_1_on_a_right_hand_page(pages: list[Page], book) -> None:
    first = next(p for p in pages if p.label == "1")
    assert first.index % 2 == 0
    assert all(ROMAN.fullmatch(p.label) for p in pages[:first.index])
    assert [p.label for p in pages[first.index:]] == [str(n) for n in range(1, len(pages) - first.index + 1)]
    # The body's first page is the first part-title page.
    assert first.large == squashed(next(p.title for p in book.contents if p.kind == "part"))


def test_each_part_title_page_stands_alone_on_a_right_hand_page_before_a_blank_verso(pages: list[Page],
                                                                                       book) -> None:
    parts = [p for p in book.contents if p.kind == "part"]
    assert len(parts) == 2
    for part in parts:
        page = opening(pages, part.title)
        assert page.index % 2 == 0 and int(page.label) % 2 == 1
        # Its title and subtitle, and nothing else: no running head, no folio.
        assert page.text == squashed(part.title + (part.subtitle or ""))
        assert pages[page.index + 1].text == ""
        # The chapter after it opens on the next right-hand page.
        following = book.contents[book.contents.index(part) + 1]
        assert opening(pages, spaced(following.title)).index == page.index + 2


def test_running_heads_and_folios(pages: list[Page], book) -> None:
    openings = {opening(pages, spaced(c.title)).index: c for c in book.chapters}
    others = {p.index for p in pages if p.body.startswith("目录")} | {
        opening(pages, p.title).index for p in book.contents if p.kind == "part"}
    current = None
    checked = {"left": 0, "right": 0}
    for page in pages[1:]:
        if page.index in others:  # the contents, a part-title page: no chapter's pages
            current = None
            continue
        if page.index in openings:
            current = openings[page.index]
            # An opening has no running head; its folio is at its foot.
            assert page.head == "" and page.foot == page.label, page.index
            continue
        if current is None or not page.text:
            continue
        assert page.foot == "", page.index
        if page.index % 2 == 1:  # a left-hand page: folio outside (left), then the book's title
            assert page.head == page.label + squashed(book.title), (page.index, page.head)
            checked["left"] += 1
        else:  # a right-hand page: the current chapter's title, then the folio outside (right)
            assert page.head == spaced(current.title) + page.label, (page.index, page.head)
            checked["right"] += 1
    assert checked["left"] >= 3 and checked["right"] >= 3, checked


def test_the_back_matter_runs_on_in_the_body_folios(pages: list[Page], book) -> None:
    appendix, bibliography, afterword = (opening(pages, spaced(c.title)) for c in book.chapters
                                         if c.kind in ("appendix", "bibliography", "afterword"))
    folios = [int(p.label) for p in (appendix, bibliography, afterword)]
    assert folios == sorted(folios) and all(f % 2 == 1 for f in folios)
    assert afterword.index == len(pages) - 1  # the book ends with its afterword


def test_the_printed_contents_list_the_parts_and_level_2_headings_with_their_folios(pages: list[Page],
                                                                                      pdf: Path, book) -> None:
    from paiban.builders.templates import reading_order

    contents = next(p for p in pages if p.body.startswith("目录"))
    with pdfplumber.open(pdf) as doc:
        lines = doc.pages[contents.index].extract_text().splitlines()
    printed = [(squashed(m.group(1)), m.group(2)) for line in lines
               if (m := re.fullmatch(r"(.+?)\s*\.{3,}\s*(\d{3})", line.strip()))]
    expected = []
    for part, chapter in reading_order(book):
        if part.front:
            continue
        title = spaced(part.title) if chapter is not None else squashed(part.title)
        expected.append((title + squashed(part.subtitle or ""), f"{int(opening(pages, title).label):03d}"))
        for heading in chapter.headings if chapter is not None else ():
            if heading.level == 2:  # layout.contents_depth 1, the default
                where = [p for p in pages[contents.index + 1:] if squashed(heading.text) in p.headings]
                assert len(where) == 1, heading.text
                expected.append((squashed(heading.text), f"{int(where[0].label):03d}"))
    assert printed == expected
    assert len([t for t, _ in expected if t.startswith(("一、", "二、", "三、"))]) == 9


def test_the_outline_nests_the_chapters_under_their_parts(pdf: Path) -> None:
    reader = pypdf.PdfReader(pdf)
    tops: list[tuple[str, int]] = []

    def walk(items: list, depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            elif depth < 2:
                tops.append((squashed(item.title), depth))

    walk(reader.outline, 0)
    assert tops == [("前言", 0), ("第一编", 0), ("第一章", 1), ("第二章", 1), ("第二编", 0), ("第三章", 1),
                    ("附录", 0), ("参考文献", 0), ("后记", 0)]


def write_book(root: Path, contents: str, layout: str = "layout: {reflow: true}\n") -> Path:
    """The minimal book with a chapter of two levels of headings and the given contents."""
    shutil.copytree(MINIMAL, root)
    (root / "chapters" / "01.md").write_text(
        "---\ntitle: 第一章\nkind: chapter\n---\n正文。\n\n## 一、第一节\n\n正文。\n\n### 1. 小节\n\n正文。\n\n"
        "## 二、第二节\n\n正文。\n", "utf-8")
    (root / "chapters" / "00.md").write_text("---\ntitle: 前言\nkind: preface\n---\n前言。\n", "utf-8")
    meta = (MINIMAL / "book.yaml").read_text("utf-8").split("contents:")[0]
    (root / "book.yaml").write_text(meta + "contents:\n" + contents + layout, "utf-8")
    return root


CHAPTER = "  - {title: 第一章, kind: chapter, file: chapters/01.md}\n"


@pytest.mark.parametrize(("depth", "levels"), [(0, []), (1, [2, 2]), (2, [2, 3, 2])])
def test_contents_depth_sets_the_heading_levels_the_contents_list(tmp_path: Path, depth: int,
                                                                   levels: list[int]) -> None:
    from paiban.builders.templates import printed_contents
    from paiban.reader import read_book

    book = read_book(write_book(tmp_path / "book", CHAPTER, f"layout: {{reflow: true, contents_depth: {depth}}}\n"))
    (row,) = printed_contents(book)
    assert not row.listed and row.target == "c01"
    assert [line.level for line in row.lines] == levels


def test_a_reprint_prints_its_entries_as_given(tmp_path: Path) -> None:
    from paiban.builders.templates import printed_contents
    from paiban.reader import read_book

    book = read_book(write_book(tmp_path / "book", "  - title: 第一章\n    kind: chapter\n    file: chapters/01.md\n"
                                "    entries:\n      - {title: 二、第二节, page: 1}\n"))
    (row,) = printed_contents(book)
    assert row.listed and [line.title for line in row.lines] == ["二、第二节"]


@pytest.mark.parametrize(("contents", "message"), [
    (CHAPTER + "  - {title: 前言, kind: preface, file: chapters/00.md}\n",
     "the preface '前言' follows '第一章', a part of the body"),
    ("  - {title: 第一编, kind: part, file: chapters/00.md}\n" + CHAPTER,
     "the part-title page '第一编' has a file"),
    ("  - {title: 前言, kind: introduction, file: chapters/00.md}\n" + CHAPTER,
     "chapters/00.md says kind: preface in its front matter; book.yaml says introduction"),
    ("  - {title: 第一编, kind: part}\n  - {title: 第一章, kind: chapter, file: chapters/part-1.md}\n",
     "id 'part-1' of book/chapters/part-1.md is the part-title page 第一编's"),
])
def test_the_reader_refuses_a_structure_it_cannot_print(tmp_path: Path, contents: str, message: str) -> None:
    from paiban.errors import BookError
    from paiban.reader import read_book

    root = write_book(tmp_path / "book", contents)
    shutil.copy(root / "chapters" / "01.md", root / "chapters" / "part-1.md")
    with pytest.raises(BookError) as raised:
        read_book(root)
    assert message in raised.value.message and raised.value.file == "book/book.yaml"


def test_a_reprint_keeps_its_original_pages_after_a_preface(tmp_path: Path) -> None:
    """A reprint's 出版说明 has no page markers (its original pages were roman): check lets
    it be, and the body's PDF page N is still original page N."""
    book = tmp_path / "reprint"
    shutil.copytree(ROOT / "tests" / "books" / "reprint", book)
    (book / "chapters" / "00.md").write_text("---\ntitle: 出版说明\nkind: preface\n---\n这是出版说明。\n", "utf-8")
    meta = book / "book.yaml"
    meta.write_text(meta.read_text("utf-8").replace(
        "contents:\n", "contents:\n  - {title: 出版说明, kind: preface, file: chapters/00.md}\n"), "utf-8")
    result = run_cli("pdf", "--manuscript", str(book), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    pdf = next((tmp_path / "out").glob("*[0-9].pdf"))
    labels = pypdf.PdfReader(pdf).page_labels
    with pdfplumber.open(pdf) as doc:
        texts = [squashed(page.extract_text() or "") for page in doc.pages]
    preface = next(i for i, t in enumerate(texts) if t.startswith("出版说明"))
    contents = next(i for i, t in enumerate(texts) if t.startswith("目录"))
    assert preface < contents and labels[preface] == "v" and texts[preface].endswith("v")
    # The body's pages are the original's: each marker's page starts the PDF page of its number.
    first = labels.index("1")
    assert texts[first].startswith("第一章页码在各处")
    assert texts[labels.index("2")].startswith("2分页测试读本来，到群众中去")  # its running head, then the page


def read_xml(epub: Path, name: str) -> lxml.etree._Element:
    with zipfile.ZipFile(epub) as z:
        return lxml.etree.fromstring(z.read(name))


def test_the_spine_puts_the_preface_before_the_contents(epub: Path) -> None:
    opf = read_xml(epub, "EPUB/content.opf")
    spine = [r.get("idref") for r in opf.iterfind(".//o:spine/o:itemref", NS)]
    assert spine == ["cover", "titlepage", "copyright", "c00-qianyan", "nav", "part-1", "c01-chashu", "c02-zhicha",
                     "part-2", "c03-chaju", "c90-fulu", "c91-cankao", "c92-houji"]


def test_each_document_has_its_kinds_type_and_role(epub: Path) -> None:
    roles = {"preface": "doc-preface", "part": "doc-part", "chapter": "doc-chapter", "appendix": "doc-appendix",
             "bibliography": "doc-bibliography", "afterword": "doc-afterword"}
    for ident, kind in KINDS.items():
        doc = read_xml(epub, f"EPUB/text/{ident}.xhtml")
        (section,) = doc.findall(".//x:body/x:section", NS)
        assert (section.get("id"), section.get(EPUB_TYPE), section.get("role")) == (ident, kind, roles[kind])
        (h1,) = doc.iterfind(".//x:h1", NS)
        assert section.get("aria-labelledby") == h1.get("id")
    # A part-title page holds its title and subtitle only.
    part = read_xml(epub, "EPUB/text/part-1.xhtml").find(".//x:section", NS)
    assert squashed("".join(part.itertext())) == "第一编茶的来历"
    assert part.find("x:p", NS).get("role") == "doc-subtitle"


def test_the_landmarks_name_each_kind(epub: Path) -> None:
    nav = read_xml(epub, "EPUB/nav.xhtml")
    landmarks = nav.find(".//x:nav[@epub:type='landmarks']", NS)
    links = [(a.get(EPUB_TYPE), a.get("href")) for a in landmarks.iterfind(".//x:a", NS)]
    assert [kind for kind, _ in links] == ["cover", "titlepage", "copyright-page", "preface", "toc", "bodymatter",
                                           "appendix", "bibliography", "afterword"]
    targets = {"preface": "preface", "bodymatter": "part", "appendix": "appendix", "bibliography": "bibliography",
               "afterword": "afterword"}
    for kind, href in links:
        if kind in targets:
            file, _, ident = href.partition("#")
            found = read_xml(epub, f"EPUB/{file}").find(f".//*[@id='{ident}']", NS)
            assert found.get(EPUB_TYPE) == targets[kind], href


def test_the_nav_nests_the_chapters_under_their_parts(epub: Path) -> None:
    toc = read_xml(epub, "EPUB/nav.xhtml").find(".//x:nav[@epub:type='toc']", NS)
    tops = toc.findall("x:ol/x:li", NS)
    assert [squashed(li.find("x:a", NS).text) for li in tops] == ["前言", "第一编茶的来历", "第二编饮茶",
                                                                 "附录常用茶叶名词", "参考文献", "后记"]
    assert [squashed(a.text) for a in tops[1].findall("x:ol/x:li/x:a", NS)] == ["第一章茶树", "第二章制茶"]
    assert [squashed(a.text) for a in tops[1].findall("x:ol/x:li/x:ol/x:li/x:a", NS)][:1] == ["一、茶树的形态"]


def test_epubcheck_reports_nothing(epub: Path) -> None:
    report = epubcheck(epub)[epub]
    messages = [f"{m['severity']} {m['ID']}: {m['message']}" for m in report["messages"]]
    assert (report["checker"]["nFatal"], report["checker"]["nError"], report["checker"]["nWarning"]) == (0, 0, 0), \
        messages
