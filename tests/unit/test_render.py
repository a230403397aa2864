"""What each builder makes of the same tree before any layout (paiban/builders/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from paiban.builders.epub import chapter_body as epub_body
from paiban.builders.pdf.html import chapter_body as print_body, part_html
from paiban.builders.templates import nav_tree
from paiban.reader import read_book
from paiban.tree import elements, serialize

REPRINT = Path(__file__).resolve().parents[1] / "books" / "reprint"


@pytest.fixture(scope="module")
def book():
    return read_book(REPRINT)


def test_the_epub_keeps_the_markers_inline_and_the_pdf_starts_pages_at_them(book) -> None:
    chapter = book.chapters[0]
    epub, pdf = epub_body(book, chapter), print_body(book, chapter)
    assert len(list(elements(epub, "ol"))) == 1  # one list, its page break inline
    starts = [el.tag for el in elements(pdf) if "page-start" in (el.get("class") or "").split()]
    assert starts == ["ol", "tr", "blockquote", "p"]
    assert "data-line" not in serialize(epub) and "data-line" not in serialize(pdf)


def test_the_two_builders_never_share_a_tree(book) -> None:
    chapter = book.chapters[0]
    print_body(book, chapter)
    assert "page-start" not in serialize(epub_body(book, chapter))


def test_a_chapters_print_html_holds_its_transformed_body(book) -> None:
    html = part_html(book, "chapter", book.chapters[0])
    assert 'class="bodymatter paginated"' in html and "cjk-halt" in html and 'id="page-6"' in html


def test_the_nav_nests_headings_under_their_chapter(book) -> None:
    (chapter,) = nav_tree(book, {"c01": "text/c01.xhtml"})
    assert [n.title for n in chapter.children] == ["一、列表中的分页", "二、表格中的分页", "三、标题后的分页"]
