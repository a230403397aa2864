"""The EPUB alone never loads the layout engine once the cover image is cached.

The EPUB's cover is the printed cover drawn to a JPEG (:func:`paiban.compose.cover_image`),
which needs WeasyPrint and PDFium the first time; it is kept in the output folder's
cache, so an EPUB rebuilt after a text change pays for none of the PDF side's imports
(WeasyPrint alone costs about half a second to import). Each build runs in a fresh
interpreter, as ``paiban epub`` does, and reports what it imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import ROOT, copy_sample

# The PDF side's libraries: none may be imported by an EPUB build whose cover is cached.
PDF_SIDE = ("weasyprint", "pydyf", "pikepdf", "pypdfium2")

# Runs the command line in this interpreter, then prints which of PDF_SIDE it imported.
PROBE = """
import json, sys
from paiban.cli import main
status = main(sys.argv[1:])
print(json.dumps({"status": status, "imported": sorted(m for m in %r if m in sys.modules)}))
""" % (PDF_SIDE,)


def epub_build(book: Path, out: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE, "epub", "-q", "--manuscript", str(book), "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_epub_with_cached_cover_imports_no_pdf_library(tmp_path: Path) -> None:
    book, out = copy_sample(tmp_path), tmp_path / "out"
    first = epub_build(book, out)
    assert first["status"] == 0
    assert "weasyprint" in first["imported"], "the first build lays the cover out: the probe sees imports"

    chapter = book / "chapters" / "00-xulun.md"
    text = chapter.read_text("utf-8")
    assert "在长期斗争和建设" in text
    chapter.write_text(text.replace("在长期斗争和建设", "在导入测试之中", 1), "utf-8")
    second = epub_build(book, out)
    assert second == {"status": 0, "imported": []}

    # The second build made a new EPUB (not a copy from the cache) and it has the cover.
    epub = next(out.glob("*.epub"))
    with zipfile.ZipFile(epub) as z:
        names = z.namelist()
        chapters = [z.read(n).decode("utf-8") for n in names if n.endswith(".xhtml")]
        covers = [n for n in names if n.endswith((".jpg", ".jpeg"))]
        assert covers and z.read(covers[0])[:3] == b"\xff\xd8\xff"
    assert any("在导入测试之中" in c for c in chapters)
