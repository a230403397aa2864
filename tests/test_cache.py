"""The output cache never serves a stale result: every kind of input change reaches the output."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pdfplumber
import pytest

from conftest import ROOT, run_cli

MINIMAL = ROOT / "tests" / "fixtures" / "minimal"
ISBN = "9787515004662"


@pytest.fixture()
def book(tmp_path: Path) -> Path:
    target = tmp_path / "book"
    shutil.copytree(MINIMAL, target)
    return target


def build(book: Path, out: Path) -> str:
    result = run_cli("--manuscript", str(book), "--out", str(out), "-v")
    assert result.returncode == 0, result.stderr
    return result.stderr


def epub_text(out: Path, name: str) -> str:
    with zipfile.ZipFile(out / f"{ISBN}.epub") as z:
        return z.read(name).decode("utf-8")


def pdf_text(out: Path) -> str:
    with pdfplumber.open(out / f"{ISBN}.pdf") as pdf:
        return "".join((p.extract_text() or "") for p in pdf.pages).replace("\n", "").replace(" ", "")


def test_unchanged_book_is_served_from_the_cache(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = build(book, out)
    assert "copied from the cache" not in first
    epub, pdf = (out / f"{ISBN}.epub").read_bytes(), (out / f"{ISBN}.pdf").read_bytes()
    (out / f"{ISBN}.pdf").unlink()
    second = build(book, out)
    assert "copied from the cache" in second
    assert (out / f"{ISBN}.epub").read_bytes() == epub and (out / f"{ISBN}.pdf").read_bytes() == pdf


def test_changed_paragraph_reaches_both_outputs(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(book, out)
    chapter = book / "chapters" / "01.md"
    chapter.write_text(chapter.read_text("utf-8").replace("第二页从这里开始", "第二页从此处开始"), "utf-8")
    log = build(book, out)
    assert "copied from the cache" not in log
    assert "第二页从此处开始" in epub_text(out, "EPUB/text/c01.xhtml")
    assert "第二页从此处开始" in pdf_text(out)


def test_changed_metadata_reaches_both_outputs(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(book, out)
    meta = book / "book.yaml"
    meta.write_text(meta.read_text("utf-8").replace("name: 测试编写组", "name: 新的编写组"), "utf-8")
    build(book, out)
    assert "新的编写组" in epub_text(out, "EPUB/content.opf")
    assert "新的编写组" in pdf_text(out)


def test_changed_template_override_reaches_the_outputs(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(book, out)
    (book / "templates").mkdir()
    page = (ROOT / "templates" / "titlepage.html").read_text("utf-8")
    (book / "templates" / "titlepage.html").write_text(page.replace("</section>", "<p>覆盖模板</p></section>"),
                                                       "utf-8")
    build(book, out)
    assert "覆盖模板" in epub_text(out, "EPUB/text/titlepage.xhtml")
    assert "覆盖模板" in pdf_text(out)


def test_changed_style_reaches_the_outputs(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(book, out)
    before = (out / f"{ISBN}.pdf").read_bytes()
    (book / "styles").mkdir()
    css = (ROOT / "styles" / "epub.css").read_text("utf-8") + "\n/* house style */ h2 { color: #123456; }\n"
    (book / "styles" / "epub.css").write_text(css, "utf-8")
    build(book, out)
    assert "#123456" in epub_text(out, "EPUB/styles/epub.css")
    base = (ROOT / "styles" / "print.css").read_text("utf-8") + "\nh2 { color: #654321; }\n"
    (book / "styles" / "print.css").write_text(base, "utf-8")
    build(book, out)
    assert (out / f"{ISBN}.pdf").read_bytes() != before
