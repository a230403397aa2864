"""``paiban import`` of a Word file: the book folder it makes, checked, built and measured.

The Word file is made at test time by Pandoc's docx writer (a real Word-compatible
writer) from ``tests/books/docx/source.md``: a preface, two chapters and an appendix,
two notes (one of two paragraphs), a figure with its text alternative, a table with a
caption and one whose caption is typed above it (表1 …), emphasis on Chinese and on
Latin, bold, a quotation, verse (lines broken by hand), a hand line break in prose, a
numbered list, and the document properties title, author, date, subject, description,
keywords and language. It is imported and built once for the module. What is proved
is read from the files written, from ``check``, from EPUBCheck and from the PDF's
characters and rules (the measures of tests/test_notes.py and test_figures_tables.py).
"""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pdfplumber
import pytest
from PIL import Image

from conftest import epubcheck, run_cli
from paiban.check import check_book
from paiban.importer.pandocast import Writer
from paiban.reader import read_book
from paiban.reader.elements import CIRCLED
from paiban.reader.markdown import render
from paiban.tree import elements, text_of
from pdflines import TypeArea, page_lines
from test_figures_tables import figures
from test_notes import read_pages

SOURCE = Path(__file__).parent / "books" / "docx"
NOTES = {"云": "云南省勐海县巴达山的野生大茶树", "黑": "黑茶和普洱熟茶还要经过渥堆"}  # first character: the note


def make_docx(folder: Path) -> Path:
    import pypandoc

    target = folder / "茶的故事.docx"
    pypandoc.convert_file(str(SOURCE / "source.md"), "docx", outputfile=str(target),
                          extra_args=[f"--resource-path={SOURCE}"])
    return target


@pytest.fixture(scope="module")
def docx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_docx(tmp_path_factory.mktemp("word"))


@pytest.fixture(scope="module")
def imported(docx: Path) -> tuple[Path, str]:
    """The book folder (made empty beforehand: an empty folder is accepted) and what import printed."""
    book = docx.parent / "book"
    book.mkdir()
    done = run_cli("import", str(docx), str(book))
    assert done.returncode == 0, done.stderr
    return book, done.stdout


@pytest.fixture(scope="module")
def built(imported: tuple[Path, str]) -> Path:
    book, _ = imported
    out = book.parent / "out"
    done = run_cli("all", "--manuscript", str(book), "--out", str(out))
    assert done.returncode == 0, done.stderr
    return out


def _chapter(book: Path, title: str) -> str:
    model = read_book(book)
    chapter = next(c for c in model.chapters if c.title == title)
    return (book.parent / chapter.source).read_text("utf-8")


def test_the_summary_says_what_was_made_and_guessed(imported: tuple[Path, str]) -> None:
    book, printed = imported
    first = printed.splitlines()[0]
    assert "4 chapters" in first and "0 page markers placed" in first, first
    assert "1 uncertain" in first, printed  # the verse, made a line block
    assert re.search(rf"{re.escape(str(book))}/chapters/02-chashu\.md:\d+: I105 ", printed), printed
    assert "left empty: title_pinyin, series, cover, publisher, isbn, cip, imprint" in printed


def test_book_yaml_holds_the_documents_properties(imported: tuple[Path, str]) -> None:
    book, _ = imported
    model = read_book(book)
    assert model.title == "茶的故事"
    assert [(c.name, c.role) for c in model.contributors] == [("陆小羽", "author"), ("卢小仝", "author")]
    assert model.date == "2026-03" and model.language == "zh-CN"
    assert model.description == "一本写给普通读者的茶叶入门书。"
    assert model.subjects == ("茶叶", "茶文化", "饮茶")
    assert model.reflow  # a new book: its pages break where the text fills them
    text = (book / "book.yaml").read_text("utf-8")
    # What the Word file does not say keeps the template's commented placeholders, as `paiban new` writes them.
    for placeholder in ("# title_pinyin:", "# series:", "# cover:", "# cip:", "# imprint:", "#   editor:"):
        assert placeholder in text, placeholder
    assert model.publisher.name == "出版社名称" and model.isbn == "978-7-00-000000-1"
    for field in ("publisher:", 'isbn: "978-7-00-000000-1"'):  # a placeholder a book must have, said to be one
        assert f"# 茶的故事.docx does not give it: replace the template's placeholder.\n{field}" in text, field


def test_one_chapter_file_per_top_level_heading(imported: tuple[Path, str]) -> None:
    book, _ = imported
    model = read_book(book)
    assert [(c.title, c.subtitle, c.kind) for c in model.chapters] == [
        ("前言", None, "preface"), ("第一章", "茶树", "chapter"), ("第二章", "制茶", "chapter"),
        ("附录", "常用茶叶名词", "appendix")]
    assert [c.source for c in model.chapters] == [f"book/chapters/{name}.md" for name in (
        "01-qianyan", "02-chashu", "03-zhicha", "04-changyongchayemingci")]
    first = (book / "chapters" / "02-chashu.md").read_text("utf-8")
    assert first.startswith("---\ntitle: 第一章\nsubtitle: 茶树\nkind: chapter\n---\n")
    assert [h.text for h in model.chapters[1].headings] == ["一、茶树的形态", "二、茶树的分布", "三、古人笔下的茶树"]
    assert {h.level for h in model.chapters[1].headings} == {2}


def test_the_elements_are_written_in_paiban_syntax(imported: tuple[Path, str]) -> None:
    book, _ = imported
    text = _chapter(book, "第一章")
    assert "*多年生*" in text and "*Camellia sinensis*" in text and "**重要特征**" in text
    assert "野生大茶树[^1]。" in text
    assert re.search(r"^\[\^1\]: 云南省.*\n\n    这株茶树已于", text, re.M), "a note of two paragraphs"
    figure = re.search(r'^!\[茶树的叶片与花\]\(\.\./(images/[\w-]+\.png)\)\{#fig:[\w-]+ alt="一片椭圆形的深绿色叶片，'
                       r'叶脉居中，右侧是一朵白色的茶花"\}$', text, re.M)
    assert figure, text
    assert re.search(r"^Table: 中国的四大茶区 \{#tbl:[\w-]+\}\n\n\| 茶区 \| 主要省份 \| 年平均气温（℃） \| 主要茶类 \|\n"
                     r"\| --- \| --- \| ---: \| --- \|$", text, re.M), "caption, header, a number column flush right"
    assert "\n> 茶者，南方之嘉木也。" in text
    assert re.search(r"^\| 一碗喉吻润，两碗破孤闷。\n\| 三碗搜枯肠，唯有文字五千卷。\n\| 四碗发轻汗", text, re.M)
    assert "另有专门的介绍。\\\n后世讲茶树" in text, "a hand line break in prose is kept"
    with Image.open(book / figure.group(1)) as got, Image.open(SOURCE / "leaf.png") as expected:
        assert got.format == "PNG" and got.size == expected.size
        assert got.convert("RGBA").tobytes() == expected.convert("RGBA").tobytes()
    appendix = _chapter(book, "附录")
    assert re.search(r"^Table: 几类茶的发酵程度 \{#tbl:[\w-]+\}$", appendix, re.M), "the typed caption 表1 … taken"
    assert "表1" not in appendix
    assert "1. 杀青" in _chapter(book, "第二章")


def test_check_finds_no_error(imported: tuple[Path, str]) -> None:
    """Only the source's own fault is reported: the hand line break inside a paragraph."""
    book, _ = imported
    model, findings = check_book(book)
    assert model is not None
    assert [(f.severity, f.code, f.file.rsplit("/", 1)[-1]) for f in findings] == [
        ("warning", "T007", "02-chashu.md")], [f.plain() for f in findings]


def test_epubcheck_accepts_the_epub(built: Path) -> None:
    epub = next(built.glob("*.epub"))
    report = epubcheck(epub)[epub]
    messages = [f"{m['severity']} {m['ID']}: {m['message']}" for m in report["messages"]]
    assert report["checker"]["nFatal"] == 0 and report["checker"]["nError"] == 0, messages
    assert report["checker"]["nWarning"] == 0, messages
    with zipfile.ZipFile(epub) as z:
        chapter = next(z.read(n).decode("utf-8") for n in z.namelist() if "02-chashu" in n)
    assert 'epub:type="noteref"' in chapter and 'epub:type="footnote"' in chapter
    assert "<figcaption>" in chapter and "<caption>" in chapter and "<blockquote" in chapter


def test_the_notes_are_set_at_the_foot_of_their_pages(built: Path) -> None:
    pdf = next(built.glob("*[0-9].pdf"))
    pages = [p for p in read_pages(pdf) if p.calls]
    assert len(pages) == 2, "one note in each chapter"
    for page in pages:
        assert [n for n, _ in page.calls] == list(CIRCLED[:len(page.calls)]) == [n for n, _ in page.notes]
        lowest_body = max(c["bottom"] for c in page.body)
        assert all(c["top"] > lowest_body for c in page.note_chars), "a note stands above the body's last line"
    assert sorted(label for p in pages for _, label in p.notes) == sorted(NOTES)
    text = "".join(c["text"] for p in pages for c in p.note_chars)
    assert all(note in text for note in NOTES.values())
    assert "这株茶树已于上世纪九十年代自然死亡" in text, "the note's second paragraph"


def test_the_figure_has_its_caption_below(built: Path, imported: tuple[Path, str]) -> None:
    pdf = next(built.glob("*[0-9].pdf"))
    area = TypeArea.of(read_book(imported[0]).geometry)
    found = figures(pdf, area)
    assert set(found) == {"图1-1"}
    figure = found["图1-1"]
    assert figure.caption.text == "图1-1茶树的叶片与花"
    assert 0 < min(c["top"] for c in figure.caption.chars) - figure.image["bottom"] < 21


@pytest.mark.parametrize(("caption", "header"), [("表1-1中国的四大茶区", "茶区主要省份年平均气温（℃）主要茶类"),
                                                 ("附表1几类茶的发酵程度", "茶类发酵程度（%）")])
def test_each_table_has_its_caption_above_its_rules(built: Path, imported: tuple[Path, str], caption: str,
                                                     header: str) -> None:
    pdf = next(built.glob("*[0-9].pdf"))
    area = TypeArea.of(read_book(imported[0]).geometry)
    index, lines = next((i, lines) for i, lines in enumerate(page_lines(pdf, area))
                        if any(line.text == caption for line in lines))
    above = next(line for line in lines if line.text == caption)
    head = next(line for line in lines if line.text == header)
    with pdfplumber.open(pdf) as document:
        rules = [r for r in document.pages[index].lines if r["linewidth"] == 1.5]
    caption_bottom = max(c["bottom"] for c in above.chars)
    header_top = min(c["top"] for c in head.chars)
    assert any(caption_bottom < r["top"] < header_top for r in rules), "caption, thick rule, header, in this order"


def test_an_isbn_among_the_properties_is_the_books(tmp_path: Path, docx: Path) -> None:
    """dc:identifier holding an ISBN-13 gives isbn, hyphenated; a file without a title is titled by its name."""
    source = tmp_path / "无题.docx"
    with zipfile.ZipFile(docx) as good, zipfile.ZipFile(source, "w") as z:
        for info in good.infolist():
            data = good.read(info)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"<dc:title>.*?</dc:title>", b"<dc:identifier>urn:isbn:9787515004662</dc:identifier>",
                              data)
            elif info.filename == "word/document.xml":  # and no Title paragraph
                data = re.sub(rb'<w:p>(?:(?!</w:p>).)*?<w:pStyle w:val="Title" />.*?</w:p>', b"", data, flags=re.S)
            z.writestr(info, data)
    done = run_cli("import", str(source), str(tmp_path / "book"))
    assert done.returncode == 0, done.stderr
    assert "I107 the Word file has no title: the book is titled by the file's name" in done.stdout
    model = read_book(tmp_path / "book")
    assert model.isbn == "978-7-5150-0466-2" and model.title == "无题"
    assert model.contributors[0].name == "陆小羽"


def test_a_lone_top_level_heading_is_the_books_title(tmp_path: Path) -> None:
    import pypandoc

    source = tmp_path / "一本书.docx"
    pypandoc.convert_text("# 茶的故事\n\n## 第一章 茶树\n\n正文一。\n\n### 一、形态\n\n文字。\n\n## 第二章 制茶\n\n正文二。\n",
                          "docx", "markdown", outputfile=str(source))
    done = run_cli("import", str(source), str(tmp_path / "book"))
    assert done.returncode == 0, done.stderr
    assert "I107 the only top-level heading, '茶的故事', is taken for the book's title" in done.stdout
    model = read_book(tmp_path / "book")
    assert model.title == "茶的故事"
    assert [(c.title, c.subtitle) for c in model.chapters] == [("第一章", "茶树"), ("第二章", "制茶")]
    assert [(h.level, h.text) for h in model.chapters[0].headings] == [(2, "一、形态")]


# The command line -----------------------------------------------------------------


def _no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1, done.stderr


def test_a_folder_that_holds_files_is_refused(tmp_path: Path, docx: Path) -> None:
    book = tmp_path / "book"
    book.mkdir()
    (book / "notes.txt").write_text("mine", "utf-8")
    done = run_cli("import", str(docx), str(book))
    _no_traceback(done)
    assert f"{book}: folder is not empty; import never overwrites" in done.stderr
    assert "(name a new folder, or empty this one first)" in done.stderr
    assert [p.name for p in book.iterdir()] == ["notes.txt"] and (book / "notes.txt").read_text("utf-8") == "mine"


def test_a_missing_source_is_refused(tmp_path: Path) -> None:
    done = run_cli("import", str(tmp_path / "无此文件.docx"), str(tmp_path / "book"))
    _no_traceback(done)
    assert f"{tmp_path / '无此文件.docx'}: not found (" in done.stderr
    assert not (tmp_path / "book").exists()


def _rewritten(docx: Path, target: Path, member: str, data: bytes) -> None:
    """A copy of ``docx`` with ``member`` replaced by ``data``."""
    with zipfile.ZipFile(docx) as good, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for info in good.infolist():
            z.writestr(info.filename, data if info.filename == member else good.read(info))


def _nested_tables(depth: int) -> bytes:
    cell = "<w:p><w:r><w:t>深</w:t></w:r></w:p>"
    for _ in range(depth):
        cell = f"<w:tbl><w:tblGrid><w:gridCol/></w:tblGrid><w:tr><w:tc>{cell}<w:p/></w:tc></w:tr></w:tbl>"
    return (f'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{cell}'
            "</w:body></w:document>").encode()


@pytest.mark.parametrize("damage", ["random bytes", "truncated", "a ZIP without a document", "a .doc file",
                                    "a broken document", "a member that is no deflate stream", "an encrypted member",
                                    "tables nested thirty deep"])
def test_a_damaged_word_file_is_a_clear_error_and_leaves_nothing(tmp_path: Path, docx: Path, damage: str) -> None:
    import random

    source = tmp_path / "坏.docx"
    if damage == "a member that is no deflate stream":  # zlib's error, not zipfile's
        _rewritten(docx, source, "docProps/core.xml", b"<cp:coreProperties/>" * 50)
        with zipfile.ZipFile(source) as z:
            info = z.getinfo("docProps/core.xml")
        data = bytearray(source.read_bytes())
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
        data[start:start + 4] = b"\xff\xff\xff\xff"  # block type 3, which deflate does not have
        source.write_bytes(data)
    elif damage == "an encrypted member":  # the central directory's flag: a password is required
        _rewritten(docx, source, "docProps/core.xml", b"<cp:coreProperties/>")
        data = bytearray(source.read_bytes())
        entry = data.rindex(b"PK\x01\x02", 0, data.rindex(b"docProps/core.xml"))
        data[entry + 8] |= 1
        source.write_bytes(data)
    elif damage == "tables nested thirty deep":  # Pandoc reads it; its tree would overflow the writer's stack
        _rewritten(docx, source, "word/document.xml", _nested_tables(30))
    elif damage == "random bytes":
        source.write_bytes(random.Random(16).randbytes(40_000))
    elif damage == "truncated":
        source.write_bytes(docx.read_bytes()[: docx.stat().st_size // 2])
    elif damage == "a ZIP without a document":
        with zipfile.ZipFile(source, "w") as z:
            z.writestr("content.xml", "<office:document/>")
    elif damage == "a .doc file":
        source.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4000))
    else:  # a sound ZIP whose document is no XML: Pandoc refuses it, after the staging folder is made
        with zipfile.ZipFile(docx) as good, zipfile.ZipFile(source, "w") as z:
            for info in good.infolist():
                z.writestr(info, b"<w:document><unclosed" if info.filename == "word/document.xml" else good.read(info))
    done = run_cli("import", str(source), str(tmp_path / "book"))
    _no_traceback(done)
    expected = {"random bytes": "is not a Word file", "truncated": "is not a Word file",
                "a ZIP without a document": "no Word document", "a .doc file": "Word 97–2003 document",
                "a broken document": "Pandoc cannot read it: couldn't parse docx file",
                "a member that is no deflate stream": "is damaged: Error -3 while decompressing data",
                "an encrypted member": "is damaged: File 'docProps/core.xml' is encrypted",
                "tables nested thirty deep": "nests its tables, lists or quotations inside each other deeper"}[damage]
    assert done.stderr.startswith(f"{source}: ") and expected in done.stderr, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["坏.docx"], "no book and no staging folder left"


def test_a_failure_while_writing_leaves_no_half_written_book(tmp_path: Path) -> None:
    from paiban.errors import BookError
    from paiban.importer import staged

    with pytest.raises(BookError), staged(tmp_path / "book") as stage:
        (stage / "chapters").mkdir()
        (stage / "chapters" / "01.md").write_text("---\ntitle: 第一章\n---\n", "utf-8")
        raise BookError("the source ends in the middle of a chapter")
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "book").mkdir()  # an empty folder is kept, and filled
    with staged(tmp_path / "book") as stage:
        (stage / "book.yaml").write_text("title: 书\n", "utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["book"]
    assert [p.name for p in (tmp_path / "book").iterdir()] == ["book.yaml"]


KILLED = """
import os, signal
from pathlib import Path
from paiban.importer import staged
with staged(Path({dest!r})) as stage:
    (stage / "book.yaml").write_text("title: 书\\n", "utf-8")
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_the_staging_folder_of_a_killed_import_is_removed_by_the_next(tmp_path: Path) -> None:
    """SIGKILL leaves no time to remove the staging folder; the next import into the same parent
    removes it, since its process is gone, and leaves a live import's, and another host's."""
    import signal
    import sys

    from paiban.importer import staged

    killed = subprocess.run([sys.executable, "-c", KILLED.format(dest=str(tmp_path / "killed"))], timeout=120)
    assert killed.returncode == -signal.SIGKILL
    (left,) = tmp_path.iterdir()
    host = re.fullmatch(r"\.killed\.(.+)-\d+\.\w{8}\.import", left.name)
    assert host and (left / "book.yaml").is_file(), left.name
    remote = tmp_path / left.name.replace(f".{host.group(1)}-", ".another-host-", 1)
    remote.mkdir()
    with staged(tmp_path / "live") as live:
        with staged(tmp_path / "new") as stage:
            (stage / "book.yaml").write_text("title: 书\n", "utf-8")
        assert not left.exists() and live.is_dir() and remote.is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["live", "new", remote.name])


def test_an_unknown_kind_of_source_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "书.odt"
    source.write_bytes(b"PK")
    done = run_cli("import", str(source), str(tmp_path / "book"))
    _no_traceback(done)
    assert "cannot import a .odt" in done.stderr and "save it in LibreOffice as .docx" in done.stderr


def test_images_a_book_cannot_hold_are_converted_or_left_out(tmp_path: Path) -> None:
    """A BMP becomes a PNG (I102); a WMF drawing is left out and named at its place (I101)."""
    import struct

    import pypandoc

    Image.new("RGB", (40, 30), (200, 30, 30)).save(tmp_path / "red.bmp")
    header = struct.pack("<IHhhhhHI", 0x9AC6CDD7, 0, 0, 0, 400, 300, 1440, 0)  # a placeable WMF
    checksum = 0
    for word in struct.unpack("<10H", header):
        checksum ^= word
    (tmp_path / "draw.wmf").write_bytes(header + struct.pack("<H", checksum) +
                                        struct.pack("<HHHIHIH", 1, 9, 0x300, 12, 0, 3, 0) + struct.pack("<IH", 3, 0))
    source = tmp_path / "images.docx"
    pypandoc.convert_text('# 第一章 图\n\n![红色的方块](red.bmp){alt="一个红色的方块"}\n\n![一张矢量图](draw.wmf)\n',
                          "docx", "markdown", outputfile=str(source), extra_args=[f"--resource-path={tmp_path}"])
    done = run_cli("import", str(source), str(tmp_path / "book"))
    assert done.returncode == 0, done.stderr
    assert re.search(r"I102 image \S+\.bmp \(BMP\) is images/01-1\.png now", done.stdout), done.stdout
    assert re.search(r"book/chapters/01-tu\.md:8: I101 figure '一张矢量图' left out: it is a Windows drawing \(WMF\)",
                     done.stdout), done.stdout
    with Image.open(tmp_path / "book" / "images" / "01-1.png") as png:
        assert png.format == "PNG" and png.size == (40, 30) and png.convert("RGB").getpixel((5, 5)) == (200, 30, 30)
    assert sorted(p.name for p in (tmp_path / "book" / "images").iterdir()) == ["01-1.png"]
    model, findings = check_book(tmp_path / "book")
    assert model is not None and not findings, [f.plain() for f in findings]


# The writer -------------------------------------------------------------------------


def _str(text: str) -> list[dict]:
    """Pandoc's inlines for a text: words and spaces."""
    out: list[dict] = []
    for k, word in enumerate(text.split(" ")):
        if k:
            out.append({"t": "Space"})
        if word:
            out.append({"t": "Str", "c": word})
    return out


MARKUP_LIKE = ["# 不是标题", "1. 不是列表", "- 不是列表", "> 不是引文", "| 不是诗", "Table: 不是表题", "---",
               "~~~ 不是代码", "``` 也不是", "*不是强调* 与 _也不是_ 和 `不是代码`", "[不是链接](x.md) 与 ![不是图](y.png)",
               "[^1] 不是注", "{{page 3}} 不是页码", "<b>不是</b> HTML &amp; 实体", "见@fig:leaf 不是引用",
               "a\\b 反斜线 {#id}", "| 甲 | 乙 |", "| --- | --- |"]


@pytest.mark.parametrize("text", MARKUP_LIKE)
def test_text_that_looks_like_markup_stays_text(text: str) -> None:
    """A Word paragraph is read back by paiban's reader as the same text, whatever it holds."""
    writer = Writer("01", lambda src: (None, "no images here"))
    body = "\n\n".join(writer.chapter([{"t": "Para", "c": _str(text)}], 1))
    root, removed = render(body, "c01")
    paragraphs = list(elements(root, "p"))
    assert not removed and len(paragraphs) == 1, body
    assert text_of(paragraphs[0]) == text, body
    assert not list(elements(root, "em", "code", "a", "img", "b", "h1", "h2", "li", "blockquote", "table"))


def test_text_that_looks_like_markup_passes_check(tmp_path: Path) -> None:
    """paiban's line scan (page markers, fences, note calls, images, tables) reads the escaped
    text as text too: a chapter of such paragraphs is a book with nothing to report."""
    from paiban.workbench.scaffold import new_book

    book = tmp_path / "book"
    new_book(book)
    (book / "images" / "example.png").unlink()
    writer = Writer("02", lambda src: (None, ""))
    body = "\n\n".join(writer.chapter([{"t": "Para", "c": [{"t": "Str", "c": text}]} for text in MARKUP_LIKE], 1))
    (book / "chapters" / "01.md").write_text("---\ntitle: 第一章\nsubtitle: 章的副标题\nkind: chapter\n---\n" + body
                                             + "\n", "utf-8")
    model, findings = check_book(book)
    assert model is not None and not findings, [f.plain() for f in findings]
    assert [text_of(p) for p in elements(read_book(book).chapters[1].tree(), "p")] == MARKUP_LIKE


def test_a_heading_that_skips_a_level_moves_up() -> None:
    writer = Writer("01", lambda src: (None, ""))
    blocks = [{"t": "Header", "c": [2, ["", [], []], _str("一、节")]},
              {"t": "Header", "c": [4, ["", [], []], _str("1. 小节")]}]
    assert writer.chapter(blocks, 1) == ["## 一、节", "### 1. 小节"]
    assert [f.rule.code for f in writer.found] == ["I104"]


def test_a_merged_cell_is_split_and_reported() -> None:
    def cell(text: str, colspan: int = 1) -> list:
        return [["", [], []], {"t": "AlignDefault"}, 1, colspan, [{"t": "Plain", "c": _str(text)}]]

    row = lambda *cells: [["", [], []], list(cells)]  # noqa: E731
    spec = [{"t": "AlignDefault"}, {"t": "ColWidthDefault"}]
    table = {"t": "Table", "c": [["", [], []], [None, [{"t": "Plain", "c": _str("产量")}]], [spec, spec],
                                 [["", [], []], [row(cell("地区"), cell("吨"))]],
                                 [[["", [], []], 0, [], [row(cell("合计", 2)), row(cell("云南"), cell("12"))]]],
                                 [["", [], []], []]]}
    writer = Writer("03", lambda src: (None, ""))
    assert writer.chapter([table], 1) == [
        "Table: 产量 {#tbl:03-1}\n\n| 地区 | 吨 |\n| --- | ---: |\n| 合计 |   |\n| 云南 | 12 |"]
    assert [f.rule.code for f in writer.found] == ["I103"]
