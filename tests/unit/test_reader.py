"""Reading a book folder into the model (paiban/reader/): one tree per chapter, with source lines."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image

from paiban.errors import BookError
from paiban.reader import read_book
from paiban.tree import elements

MINIMAL = Path(__file__).resolve().parents[1] / "fixtures" / "minimal"
FRONT = "---\ntitle: 第一章\nsubtitle: 小小的开头\nkind: chapter\n---\n"


def book_with(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "book"
    shutil.copytree(MINIMAL, folder)
    (folder / "chapters" / "01.md").write_text(FRONT + body, "utf-8")
    return folder


BODY = """{{page 1}}

## 一、第一节

同一句话。

同一句话。{{page 2}}

## 二、第二节

同一句话。<script>x()</script>

![图](../img.png)

同一句话。<script>y()</script>
"""


@pytest.fixture
def chapter(tmp_path: Path):
    folder = book_with(tmp_path, BODY)
    Image.new("RGB", (4, 3), "white").save(folder / "img.png")
    return read_book(folder).chapters[0]


def test_headings_and_markers_carry_their_own_lines(chapter) -> None:
    assert [(h.text, h.line) for h in chapter.headings] == [("一、第一节", 8), ("二、第二节", 14)]
    assert [(m.number, m.line, m.inline) for m in chapter.markers] == [(1, 6, False), (2, 12, True)]
    marker = next(el for el in elements(chapter.tree(), "span") if el.get("id") == "page-2")
    assert marker.get("data-line") == "12"  # the second of two identical paragraphs


def test_an_image_has_its_line_and_a_path_from_the_book_folder(chapter) -> None:
    img = next(elements(chapter.tree(), "img"))
    assert (img.get("src"), img.get("data-line")) == ("img.png", "18")
    assert [src for src, _ in chapter.images] == ["img.png"]


def test_removed_raw_html_is_a_diagnostic_at_each_place(chapter) -> None:
    (removal,) = [d for d in chapter.diagnostics if d.code == "R006"]
    assert (removal.line, removal.severity) == (16, "warning")
    assert "also at lines 20" in removal.message


def test_the_opening_marker_leaves_the_body(chapter) -> None:
    assert chapter.opening_page == 1
    assert chapter.tree()[0].tag == "h2"


def test_the_model_holds_the_ids_of_the_body(chapter) -> None:
    assert chapter.ids[:3] == ("c01-s1", "page-2", "c01-s2")


def test_a_marker_in_raw_html_is_refused_at_its_line(tmp_path: Path) -> None:
    with pytest.raises(BookError, match=r"page marker \{\{page 2\}\} stands inside raw HTML") as caught:
        read_book(book_with(tmp_path, "{{page 1}}\n\n正文。\n\n<div>\n{{page 2}}\n</div>\n"))
    assert caught.value.line == 11
