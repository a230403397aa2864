"""Images of a chapter reach both outputs from inside the book folder."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pdfplumber
from PIL import Image

from conftest import ROOT, epubcheck, run_cli

MINIMAL = ROOT / "tests" / "fixtures" / "minimal"
ISBN = "9787515004662"


def test_chapter_image_is_packaged_and_printed(tmp_path: Path) -> None:
    book = tmp_path / "book"
    shutil.copytree(MINIMAL, book)
    (book / "images").mkdir()
    Image.new("RGB", (600, 300), (176, 28, 28)).save(book / "images" / "fig.png")
    chapter = book / "chapters" / "01.md"
    chapter.write_text(chapter.read_text("utf-8") + "\n![群众路线示意图](../images/fig.png)\n", "utf-8")
    out = tmp_path / "out"
    result = run_cli("--manuscript", str(book), "--out", str(out))
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(out / f"{ISBN}.epub") as z:
        assert z.read("EPUB/media/images/fig.png") == (book / "images" / "fig.png").read_bytes()
        xhtml = z.read("EPUB/text/c01.xhtml").decode()
        assert 'src="../media/images/fig.png"' in xhtml and 'alt="群众路线示意图"' in xhtml
        assert 'href="media/images/fig.png" id="image-1" media-type="image/png"' in z.read("EPUB/content.opf").decode()
    report = epubcheck(out / f"{ISBN}.epub")[out / f"{ISBN}.epub"]
    assert report["checker"]["nError"] == 0 and report["checker"]["nFatal"] == 0, report["messages"]
    with pdfplumber.open(out / f"{ISBN}.pdf") as pdf:
        assert any(page.images for page in pdf.pages)
