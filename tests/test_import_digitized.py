"""Importing a digitized printed book (``paiban import`` of a .txt): the seed gives the sample.

The sample manuscript (``manuscript/``) was made by hand from the seed
(``../shared/seed/``); importing the seed must give a folder equivalent to it: the
same metadata field for field, the same contents, the same body once whitespace is
ignored (the sample's corrections included), the markers at the same places, and a
report that names the two places the importer cannot decide alone. A second book,
written for these tests with another front matter and other page boundaries, shows
that the importer reads structure, not the seed's words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path

import pytest

from paiban.check import check_book
from paiban.errors import BookError
from paiban.importer.digitized import import_digitized
from paiban.importer.report import ImportReport
from paiban.model import Book
from paiban.reader import read_book

ROOT = Path(__file__).resolve().parent.parent
SEED = Path(__file__).parent / "books" / "seed" / "000_8ffa03b3063ac9a6.txt"  # a copy of ../shared/seed/
SAMPLE = ROOT / "manuscript"
SECOND = Path(__file__).parent / "books" / "digitized" / "shanhe.txt"
# A summary a person writes: the seed prints no 内容提要, so the import leaves it a placeholder.
WRITTEN_BY_HAND = {"description"}
# Not metadata values: where the book is, what was read from which line, the chapters (compared below).
NOT_VALUES = {"root", "chapters", "contents", "field_lines", "meta_file", "meta_text", "diagnostics"}


def _import(source: Path, dest: Path) -> ImportReport:
    dest.mkdir()
    return import_digitized(source, dest)


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ImportReport]:
    dest = tmp_path_factory.mktemp("seed") / "book"
    return dest, _import(SEED, dest)


@pytest.fixture(scope="module")
def second(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ImportReport]:
    dest = tmp_path_factory.mktemp("second") / "book"
    return dest, _import(SECOND, dest)


def _parts(book: Book) -> list[tuple[object, ...]]:
    """The contents as printed: each part and its entries, without the lines they stand on."""
    return [(p.title, p.subtitle, p.kind, p.file, tuple((e.title, e.page, e.kind) for e in p.entries or ()))
            for p in book.contents]


def _text(path: Path) -> str:
    """A chapter file without whitespace and without the importer's comments."""
    return re.sub(r"\s+", "", re.sub(r"<!--.*?-->", "", path.read_text("utf-8"), flags=re.S))


def _after_markers(text: str) -> dict[int, str]:
    """What follows each marker: the first characters of its page."""
    return {int(m.group(1)): re.sub(r"^[#]+", "", text[m.end():])[:8] for m in re.finditer(r"\{\{page(\d+)\}\}", text)}


def test_seed_metadata_is_the_samples(seed: tuple[Path, ImportReport]) -> None:
    imported, sample = read_book(seed[0]), read_book(SAMPLE)
    compared = [f.name for f in fields(Book) if f.name not in NOT_VALUES | WRITTEN_BY_HAND]
    assert {"title", "title_pinyin", "series", "slogans", "publisher", "cip", "imprint", "geometry"} <= set(compared)
    for name in compared:
        assert getattr(imported, name) == getattr(sample, name), name
    assert imported.description is None
    assert _parts(imported) == _parts(sample)
    assert len(_parts(imported)) == 10 and sum(len(p[4]) for p in _parts(imported)) == 46


def test_seed_body_and_markers_are_the_samples(seed: tuple[Path, ImportReport]) -> None:
    dest, report = seed
    files = sorted(p.relative_to(dest) for p in (dest / "chapters").glob("*.md"))
    assert files == sorted(p.relative_to(SAMPLE) for p in (SAMPLE / "chapters").glob("*.md"))
    for name in files:
        assert _text(dest / name) == _text(SAMPLE / name)
    imported, sample = read_book(dest), read_book(SAMPLE)
    assert [m.number for m in imported.chapters[0].markers] == list(range(1, 11))
    after = _after_markers(_text(dest / files[0]))
    assert after == _after_markers(_text(SAMPLE / files[0]))
    assert (after[2], after[5], after[6]) == ("立共产党与人民群", "色社会主义建设事", "（3）以胡锦涛同")
    assert [(m.number, m.inline) for m in imported.chapters[0].markers] == \
        [(m.number, m.inline) for m in sample.chapters[0].markers]
    assert report.chapters == 1 and report.markers == 9  # page 6 is the guess
    # Its other candidate, after the heading, is marked for the editor.
    assert re.search(r"^#### （3）以胡锦涛.*\n\n<!-- paiban import \(I001\): page 6 may begin here instead -->\n\n"
                     r"十六大以来", (dest / files[0]).read_text("utf-8"), re.M)


def test_seed_report_names_both_candidates(seed: tuple[Path, ImportReport]) -> None:
    report = seed[1]
    by_code: dict[str, list[str]] = {}
    for d in report.uncertain:
        by_code.setdefault(d.code, []).append(d.plain())
    # Page 6: at the paragraph end before the heading (3), or after the heading.
    (page6,) = by_code["I001"]
    assert "page 6" in page6 and ":253:" in page6 and "line 253" in page6 and "line 255" in page6
    assert "重要经验总结。”" in page6
    # 色 doubled at page 5: page 5 starts with it, or page 4 ends with it.
    (doubled,) = by_code["I002"]
    assert ":245:" in doubled and "中国特{{page 5}}色社会" in doubled and "中国特色{{page 5}}社会" in doubled
    assert any("'K' removed" in d for d in by_code["I005"])
    assert report.empty == ["description"]
    # The headings fall where the contents say (二、群众路线的深刻内涵 on page 9): nothing to report.
    assert "I003" not in by_code and "I004" not in by_code


def test_seed_corrections_are_the_samples(seed: tuple[Path, ImportReport]) -> None:
    def rows(path: Path) -> list[tuple[str, str]]:
        """(file, corrected text without spaces and ellipses) of each row of the table."""
        return [(cells[1], re.sub(r"[\s…]", "", cells[4]))
                for line in path.read_text("utf-8").split("\n")
                if len(cells := [c.strip() for c in line.split("|")]) == 7 and cells[1] not in ("file", "---")]

    imported, sample = rows(seed[0] / "CORRECTIONS.md"), rows(SAMPLE / "CORRECTIONS.md")
    assert len(imported) == len(sample) == seed[1].corrections == 9
    # The same change, quoted with more or less of its context.
    for file, corrected in sample:
        assert any(f == file and (c in corrected or corrected in c) for f, c in imported), (file, corrected)


def test_seed_book_yaml_is_laid_out_as_new_writes_it(seed: tuple[Path, ImportReport]) -> None:
    text = (seed[0] / "book.yaml").read_text("utf-8")
    template = (ROOT / "paiban" / "resources" / "newbook" / "book.yaml").read_text("utf-8")
    # The template's explanation of each field, then the value; an empty field is its placeholder, commented.
    for comment in ("# ★ The title as printed on the cover and the title page.", "# Subjects, from line III",
                    "# ★ The parts of the book in reading order"):
        assert comment in text and comment in template
    assert "# description: >-\n#   本书……" in text
    assert re.search(r"^publisher:\n  name: 国家行政学院出版社\n  city: 北京$", text, re.M)
    assert "      - {title: \"一、群众路线的形成与发展\", page: 1}" in text


def test_seed_passes_check(seed: tuple[Path, ImportReport]) -> None:
    _, findings = check_book(seed[0])
    assert [f.plain() for f in findings if f.severity != "info"] == []


def test_seed_builds(seed: tuple[Path, ImportReport], tmp_path: Path) -> None:
    from paiban import compose

    book = read_book(seed[0])
    built = compose.build(book, tmp_path / "dist", "pdf", compose.Options())
    assert {p.name for p in built} == {"9787515004662.pdf", "9787515004662-cover.pdf"}


def test_second_book_markers(second: tuple[Path, ImportReport]) -> None:
    dest, report = second
    first, second_chapter = (dest / "chapters" / n for n in ("01-diyizhang.md", "02-dierzhang.md"))
    # Each page as the book was written: mid-sentence cuts (4, 6, 7, 10, 11), paragraph ends found by
    # length (5, before a heading; 8, between paragraphs), chapter openings (3 from the contents, 9 next).
    assert _after_markers(_text(first)) == {3: "一、初到山村我第", 4: "响。陈支书搓着手", 5: "二、老屋与古井我",
                                            6: "天都要到井边打两", 7: "是有道理的：它比", 8: "那一夜的路，我至"}
    assert _after_markers(_text(second_chapter)) == {9: "一、渡口离开青溪", 10: "人，他们熟悉河水", 11: "返。说到这里，周"}
    assert "她天{{page6}}天都要" in _text(first)  # 天天 is a word of this text: both kept
    assert report.chapters == 2 and report.markers == 7
    codes = [(d.code, d.line) for d in report.uncertain]
    assert codes == [("I001", 71), ("I002", 79), ("I001", 97)]
    assert "line 73" in report.uncertain[0].message and "line 93" in report.uncertain[2].message


def test_second_book_metadata(second: tuple[Path, ImportReport]) -> None:
    book = read_book(second[0])
    assert (book.title, book.title_pinyin, book.series, book.date) == ("山河小记", "SHANHE XIAOJI", None, "2019-03")
    assert book.description and book.description.startswith("本书是作者在山村支教")
    assert [(c.name, c.role) for c in book.contributors] == [("李明远", "author")]
    assert book.slogans == ()
    assert (book.publisher.city, book.publisher.postcode, book.publisher.phones) == \
        ("杭州", "310012", ("(0571)85170000", "(0571)85170001"))
    assert book.imprint is not None and book.cip is not None
    assert (book.imprint.sheets, book.imprint.paper.fold, book.imprint.impression.number) == (6.5, 32, 2)
    assert book.imprint.edition.place == "杭州"  # 2019 年 3 月第 1 版: where the publisher is
    assert (book.geometry.trim_width_mm, book.geometry.trim_height_mm) == (140, 203)
    assert book.cip.number == "2019021345" and book.subjects == ("散文集", "中国", "当代")
    assert [(p.title, p.kind, p.file) for p in book.contents] == [
        ("引言", "introduction", None), ("第一章", "chapter", "chapters/01-diyizhang.md"),
        ("第二章", "chapter", "chapters/02-dierzhang.md"), ("后记", "afterword", None)]
    assert book.contents[2].entries[-1].kind == "reading"
    assert [h.classes for h in book.chapters[1].headings][-1] == ("reading",)
    _, findings = check_book(second[0])
    assert [f.code for f in findings if f.severity == "error"] == []
    assert "T004" in {f.code for f in findings}  # the 天天 kept across page 6, as the import reported


def test_import_command(tmp_path: Path) -> None:
    from conftest import run_cli

    result = run_cli("import", str(SECOND), str(tmp_path / "shanhe"))
    assert result.returncode == 0, result.stderr
    assert "2 chapters, 7 page markers placed" in result.stdout
    assert re.search(r"shanhe\.txt:71: I001 page 5 ", result.stdout)
    assert (tmp_path / "shanhe" / "CORRECTIONS.md").is_file()
    again = run_cli("import", str(SECOND), str(tmp_path / "shanhe"))
    assert again.returncode == 1 and "not empty" in again.stderr + again.stdout


def test_undecodable_source(tmp_path: Path) -> None:
    source = tmp_path / "bad.txt"
    source.write_bytes("书名\n\n目录\n".encode() + b"\xff\xfe\n")
    (tmp_path / "out").mkdir()
    with pytest.raises(BookError) as info:
        import_digitized(source, tmp_path / "out")
    assert info.value.line == 4 and "UTF-8" in info.value.message


def test_source_without_contents(tmp_path: Path) -> None:
    source = tmp_path / "plain.txt"
    source.write_text("一段文字。\n\n又一段文字。\n", "utf-8")
    (tmp_path / "out").mkdir()
    with pytest.raises(BookError, match="no printed contents"):
        import_digitized(source, tmp_path / "out")


# A hostile or damaged source: a clear error at its line, or a book, never a traceback or a hang ----------

SMALL = ("小书\n\nXIAOSHU\n\n张三 著\n\n书 名 小书\n作 者 张三\n出版发行 示例出版社\n地 址 北京市东城区示例路 1 号\n"
         "版 次 2024 年 5 月第 1 版\n书 号 ISBN 978-7-00-000000-1\n\n目 录\n\n第一章 开篇\n一、起头 / 1\n二、再说 / 2\n\n"
         "第一章 开篇\n\n一、起头\n\n第一页的文字说到页末还没有\n\n说完，第二页接着说。\n\n二、再说\n\n这一节也在第二页。\n")


def _import_text(tmp_path: Path, text: str) -> tuple[Path, ImportReport]:
    source = tmp_path / "source.txt"
    source.write_text(text, "utf-8")
    dest = tmp_path / "book"
    return dest, _import(source, dest)


@pytest.mark.parametrize("line", ["一、起头" + " " * 20_000 + "x", "一、起头" + "." * 50_000 + "x",
                                  "地 址 北京" + " " * 20_000 + "x", "张三" + " " * 20_000 + "x 著"])
def test_a_line_made_to_make_a_reader_backtrack_is_read_in_time(tmp_path: Path, line: str) -> None:
    """Runs of spaces or dots where the contents put a page and the copyright page an address:
    reading them took hours (a regular expression that backtracked over them). A subprocess,
    so that a hang fails the test (run_cli's timeout) instead of stopping the suite."""
    from conftest import run_cli

    source = tmp_path / "source.txt"
    source.write_text(SMALL.replace("二、再说 / 2\n\n", f"二、再说 / 2\n{line}\n\n", 1)
                      .replace("地 址 北京市东城区示例路 1 号", line if line.startswith("地") else "地 址 北京", 1)
                      .replace("张三 著\n", (line if line.startswith("张三") else "张三 著") + "\n", 1), "utf-8")
    done = run_cli("import", str(source), str(tmp_path / "book"))
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert (tmp_path / "book" / "chapters" / "00-diyizhang.md").is_file()


def test_control_characters_are_noise(tmp_path: Path) -> None:
    """A form feed (where a PDF's text extraction ended a page) and other control characters
    are removed: the reader refuses them, and no book holds one."""
    dest, _ = _import_text(tmp_path, SMALL.replace("第一页的文字", "\f第一页\x07的文字").replace("小书\n\nXIAO", "小\x1b书\n\nXIAO"))
    assert "第一页的文字说到页末还没有{{page 2}}说完" in (dest / "chapters" / "00-diyizhang.md").read_text("utf-8")
    _, findings = check_book(dest)
    assert [f.plain() for f in findings if f.severity == "error"] == []


@pytest.mark.parametrize(("change", "line", "message"), [
    (lambda t: t.replace("这一节也在第二页。", "字" * 100_001), 30, "a block of more than 100,000 characters"),
    (lambda t: t.replace("这一节也在第二页。", "\n\n".join(["没有说完的话" * 100] * 200)), 30,
     "a paragraph runs on over pages for more than 100,000 characters"),
    (lambda t: t.replace("这一节也在第二页。", "\n\n".join(["一句话。"] * 10_001)), 20_022,
     "第一章 holds more than 10,000 blocks"),
])
def test_a_source_too_large_for_a_book_is_refused_at_its_line(tmp_path: Path, change: Callable[[str], str],
                                                               line: int, message: str) -> None:
    with pytest.raises(BookError) as info:
        _import_text(tmp_path, change(SMALL))
    assert info.value.line == line and message in info.value.message, (info.value.line, info.value.message)


def test_a_doubled_character_that_empties_a_page(tmp_path: Path) -> None:
    """A cut whose doubled character is the whole page before it (丁 / 丁 / 丁戊) leaves a page
    with no text: it measures nothing, and the pages are still numbered."""
    body = "\n\n".join(["甲乙丙", "丁", "丁戊己", "庚", "庚辛壬。"])
    dest, report = _import_text(tmp_path, SMALL.replace("这一节也在第二页。", body))
    text = (dest / "chapters" / "00-diyizhang.md").read_text("utf-8")
    assert re.search(r"甲乙丙\{\{page \d+\}\}\{\{page \d+\}\}丁戊己", text), text
    assert [d.code for d in report.uncertain].count("I002") == 2


def test_a_part_title_page_gets_no_chapter_file(tmp_path: Path) -> None:
    """第一编 printed again in the body, with nothing under it but the next heading: a part-title
    page, which has no file (the reader refuses one)."""
    dest, report = _import_text(tmp_path, SMALL.replace("目 录\n\n第一章 开篇", "目 录\n\n第一编 上古\n第一章 开篇")
                                .replace("二、再说 / 2\n\n第一章 开篇", "二、再说 / 2\n\n第一编 上古\n\n第一章 开篇"))
    book = read_book(dest)
    assert [(p.title, p.kind, p.file) for p in book.contents] == [
        ("第一编", "part", None), ("第一章", "chapter", "chapters/01-diyizhang.md")]
    assert report.chapters == 1
    _, findings = check_book(dest)
    assert [f.plain() for f in findings if f.severity == "error"] == []


def test_a_part_heading_with_text_of_its_own_is_a_chapter(tmp_path: Path) -> None:
    dest, report = _import_text(tmp_path, SMALL.replace("目 录\n\n第一章 开篇", "目 录\n\n第一编 上古\n第一章 开篇")
                                .replace("二、再说 / 2\n\n第一章 开篇", "二、再说 / 2\n\n第一编 上古\n\n这一编的引言。\n\n第一章 开篇")
                                .replace("一、起头 / 1\n二、再说 / 2", "一、起头 / 2\n二、再说 / 3"))  # after its page
    assert [(p.title, p.kind, p.file) for p in read_book(dest).contents] == [
        ("第一编", "chapter", "chapters/00-diyibian.md"), ("第一章", "chapter", "chapters/01-diyizhang.md")]
    assert [d.code for d in report.uncertain if d.code == "I009"] == ["I009"]
    _, findings = check_book(dest)
    assert [f.plain() for f in findings if f.severity == "error"] == []


def test_a_source_without_a_copyright_page(tmp_path: Path) -> None:
    """What the source does not give keeps the template's placeholder: commented out where the
    field is optional, as the template's value (under a comment that says so) where the book
    must have it, so the book passes check at once and the report names every one."""
    dest, report = _import_text(tmp_path, SMALL.replace(SMALL[SMALL.index("书 名"):SMALL.index("目 录")], ""))
    text = (dest / "book.yaml").read_text("utf-8")
    assert "# source.txt does not give it: replace the template's placeholder.\npublisher:\n  name: 出版社名称\n" in text
    assert '# source.txt does not give it: replace the template\'s placeholder.\nisbn: "978-7-00-000000-1"' in text
    assert "\n# cip:\n" in text and "\n# imprint:\n" in text
    assert re.search(r"^layout:\n(?:  #.*\n)+  reflow: false\n", text, re.M), "a reprint keeps its pages"
    assert {"publisher", "isbn", "date", "cip", "imprint"} <= set(report.empty)
    book = read_book(dest)
    assert (book.title, book.title_pinyin) == ("小书", "XIAOSHU"), "the block the pinyin spells, not the author line"
    assert [(c.name, c.role) for c in book.contributors] == [("张三", "author")]
    _, findings = check_book(dest)
    assert [f.plain() for f in findings if f.severity == "error"] == []
