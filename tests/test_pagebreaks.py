"""PDF page N is original page N, wherever a ``{{page N}}`` marker stands.

The transform's own tests are in tests/unit/test_transforms.py; these lay out
``tests/books/reprint``, whose original pages break inside a list item,
at a table row, right after a heading, inside a quotation and inside bold text, and
read each page's first characters back from the PDF.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pdfplumber
import pytest

from conftest import run_cli

REPRINT = Path(__file__).parent / "books" / "reprint"


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
    assert starts["3"].startswith("续表1-1时期要点新时期")  # at a table row: 续表, the repeated header
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


def test_a_note_bearing_paragraph_split_by_a_marker_keeps_each_note_on_its_page(reprint_pdf: Path) -> None:
    """Each half of the paragraph carries its own note to the foot of its original page,
    numbered from ① on each page (notes are 9 pt, the body 12 pt)."""
    import pypdf

    labels = pypdf.PdfReader(reprint_pdf).page_labels
    with pdfplumber.open(reprint_pdf) as doc:
        notes = {label: "".join(c["text"] for c in page.chars if 8 < c["size"] < 10).replace(" ", "")
                 for label, page in zip(labels, doc.pages, strict=True)}
    assert "①这条注属于原书第五页。" in notes["5"] and "②" not in notes["5"]
    assert "①这条注属于原书第六页，编号重新从一开始。" in notes["6"] and "②" not in notes["6"]
