"""``paiban proof``: the contact sheet and the page-by-page HTML, checked against the PDF."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pypdf
import pytest
from PIL import Image, ImageStat

from conftest import SAMPLE, copy_sample, run_cli


def sections(index: Path) -> dict[int, lxml.html.HtmlElement]:
    tree = lxml.html.parse(str(index)).getroot()
    return {int(s.get("id")[4:]): s for s in tree.iter("section") if "page" in s.classes}


def by_class(element: lxml.html.HtmlElement, tag: str, name: str) -> list[lxml.html.HtmlElement]:
    return [e for e in element.iter(tag) if name in e.classes]


def items(element: lxml.html.HtmlElement, name: str) -> list[str]:
    """The texts of the list items of the ``ul.name`` lists in ``element``."""
    return [li.text_content() for ul in by_class(element, "ul", name) for li in ul.iter("li")]


@pytest.fixture(scope="module")
def sample_proof(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("proof")
    result = run_cli("proof", "--manuscript", str(SAMPLE), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(out / "proof" / "index.html"), str(out / "proof" / "contact.png")]
    return out / "proof"


def test_proof_of_the_sample_has_every_pdf_page(sample_proof: Path, sample_pdf: Path) -> None:
    pdf_pages = len(pypdf.PdfReader(sample_pdf).pages)
    images = sorted((sample_proof / "pages").glob("page-*.png"))
    assert len(images) == pdf_pages
    body = Image.open(images[-1]).convert("L")
    assert body.height == 900 and abs(body.width / body.height - 185 / 260) < 0.01
    assert ImageStat.Stat(body).stddev[0] > 20, "the last page image is blank"
    sheet = Image.open(sample_proof / "contact.png")
    rows = -(-pdf_pages // 8)
    assert sheet.width > 8 * 180 and rows * 250 < sheet.height < rows * 300
    found = sections(sample_proof / "index.html")
    assert sorted(found) == list(range(1, pdf_pages + 1))
    assert all(next(s.iter("img")).get("src") == f"pages/page-{n:03d}.png" for n, s in found.items())


def test_proof_labels_pages_and_toc_entries(sample_proof: Path, sample_book) -> None:
    found = sections(sample_proof / "index.html")
    originals = {n: by_class(s, "span", "original")[0].text_content() for n, s in found.items()}
    first = sample_book.markers[0].number
    opening = next(n for n, label in originals.items() if label == f"original {first}")
    # Every later PDF page carries the next original page: the markers keep the pagination.
    for offset, marker in enumerate(sample_book.markers):
        assert originals[opening + offset] == f"original {marker.number}"
    toc = {n: items(s, "toc") for n, s in found.items()}
    part = sample_book.contents[0]
    assert [n for n, entries in toc.items() if any(e.startswith(part.title + "　") for e in entries)] == [opening]
    entry = sample_book.contents[0].entries[1]  # 二、群众路线的深刻内涵, printed on page 9
    page_of_entry = next(n for n, entries in toc.items() if any(entry.title in e for e in entries))
    assert originals[page_of_entry] == f"original {entry.page}"


def test_findings_fall_on_the_page_of_their_line(tmp_path: Path) -> None:
    book = copy_sample(tmp_path)
    meta = book / "book.yaml"
    text = meta.read_text("utf-8")
    assert '{title: "二、群众路线的深刻内涵", page: 9}' in text
    meta.write_text(text.replace('{title: "二、群众路线的深刻内涵", page: 9}',
                                 '{title: "二、群众路线的深刻内涵", page: 10}'), "utf-8")
    result = run_cli("proof", "--manuscript", str(book), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    found = sections(tmp_path / "out" / "proof" / "index.html")
    with_findings = {n: s for n, s in found.items() if items(s, "findings")}
    assert len(with_findings) == 1
    (_, section), = with_findings.items()
    assert by_class(section, "span", "original")[0].text_content() == "original 9"
    finding, = items(section, "findings")
    assert "S003" in finding and "chapters/00-xulun.md:" in finding
    assert any("二、群众路线的深刻内涵" in e and "≠ original page" in e for e in items(section, "toc"))
