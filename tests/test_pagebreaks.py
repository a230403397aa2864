"""PDF page N is original page N, wherever a ``{{page N}}`` marker stands.

The unit tests run the page-break transform on trees (no layout); the end-to-end
tests lay out ``tests/books/reprint``, whose original pages break inside a list item,
at a table row, right after a heading, inside a quotation and inside bold text, and
read each page's first characters back from the PDF.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pdfplumber
import pytest

from conftest import run_cli
from paiban.errors import BookError
from paiban.transforms.pagebreaks import split_at_page_breaks
from paiban.tree import parse, serialize

REPRINT = Path(__file__).parent / "books" / "reprint"
MARK = '<span class="pagebreak" id="page-{n}" aria-label="{n}" data-line="9"></span>'


def split(html: str) -> str:
    root = parse(html.replace("{{page 2}}", MARK.format(n=2)))
    split_at_page_breaks(root, "ch.md")
    return serialize(root)


def test_a_paragraph_splits_at_its_marker() -> None:
    out = split("<p>前半句{{page 2}}后半句</p>")
    assert out.startswith('<p class="page-end" data-page-end="2">前半句</p><p class="page-continued page-start">')
    assert out.endswith("后半句</p>")


def test_a_list_item_splits_and_the_numbering_goes_on() -> None:
    out = split("<ol><li>一</li><li>二前{{page 2}}二后</li><li>三</li></ol>")
    left, right = out.split("</ol>", 1)
    assert left.count("<li") == 2 and "二前" in left and "page-end" in left
    assert right.startswith('<ol start="2" class="page-start"><li class="page-continued">')
    assert "二后" in right and "三" in right


def test_an_item_that_starts_the_page_is_not_left_empty() -> None:
    out = split("<ol><li>一</li><li>{{page 2}}二</li></ol>")
    assert out.count("<li") == 2 and "page-continued" not in out and 'start="2"' in out


def test_a_split_inside_inline_markup_keeps_it_on_both_sides() -> None:
    out = split("<p>甲<strong>乙{{page 2}}丙</strong>丁</p>")
    assert "<strong>乙</strong></p>" in out and out.endswith("丙</strong>丁</p>")


def test_nested_blocks_split_up_to_the_chapter() -> None:
    out = split("<blockquote><p>前{{page 2}}后</p></blockquote><p>再</p>")
    assert out.count("<blockquote") == 2 and '<blockquote class="page-start">' in out


def test_a_marker_at_a_rows_start_starts_the_page_with_that_row() -> None:
    out = split("<table><tbody><tr><td>一</td></tr><tr><td>{{page 2}}二</td><td>三</td></tr></tbody></table>")
    assert '<tr class="page-start"><td><span' in out


def test_a_marker_inside_a_row_cannot_be_honoured() -> None:
    with pytest.raises(BookError, match=r"\{\{page 2\}\} stands inside a table row") as caught:
        split("<table><tbody><tr><td>一</td><td>二{{page 2}}三</td></tr></tbody></table>")
    assert (caught.value.file, caught.value.line) == ("ch.md", 9)


def test_a_marker_at_a_headings_end_starts_the_page_after_it() -> None:
    out = split("<h2>标题{{page 2}}</h2><p>正文</p>")
    assert out.startswith("<h2>标题</h2><div")


def test_a_marker_in_the_middle_of_a_heading_cannot_be_honoured() -> None:
    with pytest.raises(BookError, match="middle of a heading"):
        split("<h2>标{{page 2}}题</h2>")


def _page_starts(pdf: Path) -> dict[str, str]:
    """The first body characters (12 pt; running heads and folios are 9 pt) of each page, by folio."""
    import pypdf

    labels = pypdf.PdfReader(pdf).page_labels
    starts = {}
    with pdfplumber.open(pdf) as doc:
        for label, page in zip(labels, doc.pages, strict=True):
            chars = sorted((c for c in page.chars if c["size"] > 10 and c["text"].strip()),
                           key=lambda c: (round(c["top"]), c["x0"]))
            starts[label] = "".join(c["text"] for c in chars)[:12]
    return starts


@pytest.fixture(scope="module")
def reprint_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reprint")
    done = run_cli("pdf", "--manuscript", str(REPRINT), "--out", str(out))
    assert done.returncode == 0, done.stderr
    return next(out.glob("*[0-9].pdf"))


def test_every_original_page_starts_its_pdf_page(reprint_pdf: Path) -> None:
    starts = _page_starts(reprint_pdf)
    assert starts["2"].startswith("来，到群众中去")  # inside a list item
    assert starts["3"].startswith("时期要点新时期")  # at a table row, under the repeated header
    assert starts["4"].startswith("这一页从标题后")  # right after a heading
    assert starts["5"].startswith("到下一页")  # inside a quotation
    assert starts["6"].startswith("下一页才结束")  # inside bold text
    assert "7" not in starts


def test_text_after_the_last_marker_that_overflows_is_an_error(tmp_path: Path) -> None:
    book = tmp_path / "book"
    shutil.copytree(REPRINT, book)
    chapter = book / "chapters" / "01.md"
    text = chapter.read_text("utf-8")
    chapter.write_text(text + "\n" + "\n\n".join(["溢出的最后一页还有很多很多的文字。" * 6] * 12) + "\n", "utf-8")
    marker_line = next(i for i, line in enumerate(text.split("\n"), 1) if "{{page 6}}" in line)
    done = run_cli("pdf", "--manuscript", str(book), "--out", str(tmp_path / "out"))
    assert done.returncode == 1
    assert f"book/chapters/01.md:{marker_line}: original page 6 overflows the type area by" in done.stderr
    assert "Traceback" not in done.stderr
