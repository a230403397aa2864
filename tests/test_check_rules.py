"""Golden tests of ``check``: one folder per rule under tests/check/.

Each folder holds a small book (``book/``) that triggers its rule and ``expected.txt``,
the plain report ``check`` must print for it, exactly; for an import rule (I…), a small
source (``source.txt``, ``source.docx``) and the findings its import reports, plain.
``clean/`` triggers nothing.
The output rules (O…, and M009) first build the book, and some damage the build as a
broken template or a careless post-processing step would. ``PAIBAN_UPDATE_GOLDEN=1``
rewrites the expected reports (read the diff before committing it).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pypdf
import pytest

from paiban.check import catalogue, check_all, format_plain
from paiban import compose
from paiban.builders.pdf import fontshare
from paiban.reader import read_book

CASES = Path(__file__).parent / "check"
# What each output rule's case builds first.
BUILDS = {"M009": "pdf", "O001": "epub", "O002": "epub", "O003": "pdf", "O004": "pdf", "O005": "epub",
          "O006": "epub"}
# O004: the PDF lacks a character of the manuscript, as when WeasyPrint drops one no font
# has (issue #1810). paiban's own build refuses such a book (paiban/fonts/glyphs.py), so the
# PDF is made from the text without it.
BUILD_FROM: dict[str, Callable[[str], str]] = {"O004": lambda text: text.replace("\U00013000", "")}


def rewrite_epub(path: Path, name: str, change: Callable[[str], str]) -> None:
    """Change one file inside an EPUB, keeping the order and storage of its entries."""
    with zipfile.ZipFile(path) as z:
        entries = [(info, z.read(info.filename)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w") as z:
        for info, data in entries:
            z.writestr(info, change(data.decode("utf-8")).encode("utf-8") if info.filename == name else data)


def unembed_font(path: Path, name: str) -> None:
    """Strip the font program from the font ``name`` of the PDF's first page, as a careless
    optimizer would. Named, not the first one found: the order of a page's fonts is no fact
    of the book."""
    reader = pypdf.PdfReader(path)
    writer = pypdf.PdfWriter(clone_from=reader)
    font = next(f.get_object() for f in writer.pages[0]["/Resources"]["/Font"].values()
                if str(f.get_object()["/BaseFont"]).split("+")[-1] == name)
    descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
    for key in ("/FontFile", "/FontFile2", "/FontFile3"):
        if key in descriptor:
            del descriptor[key]
    writer.write(path)


DAMAGE: dict[str, Callable[[Path], None]] = {
    # An element XHTML does not have, as a book's own template might put in.
    "O001": lambda out: rewrite_epub(next(out.glob("*.epub")), "EPUB/text/c01.xhtml",
                                     lambda s: s.replace("<h2", "<blink>x</blink><h2", 1)),
    # A date EPUBCheck warns about.
    "O002": lambda out: rewrite_epub(next(out.glob("*.epub")), "EPUB/content.opf",
                                     lambda s: re.sub(r"<dc:date>[^<]*</dc:date>", "<dc:date>June 2013</dc:date>", s)),
    "O003": lambda out: unembed_font(next(p for p in out.glob("*.pdf") if p.stem.isdigit()), "Noto-Sans-CJK-SC-Bold"),
    # A document of no language, as a book's own template without lang would make (serious for Ace).
    "O005": lambda out: rewrite_epub(next(out.glob("*.epub")), "EPUB/text/c01.xhtml",
                                     lambda s: re.sub(r' (xml:)?lang="zh-CN"', "", s, count=2)),
    # A skipped heading level, h1 then h4 (moderate for Ace).
    "O006": lambda out: rewrite_epub(next(out.glob("*.epub")), "EPUB/text/c01.xhtml",
                                     lambda s: s.replace("<h2", "<h4", 1).replace("</h2>", "</h4>", 1)),
}


def build_report(case: Path, work: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """What a build of the case's book warns with its own rule codes (build rules, B)."""
    shutil.copytree(case / "book", work / "book")
    os.chdir(work)
    if case.name == "B001":  # fontconfig knows no face of the PostScript names the PDF's fonts carry
        monkeypatch.setattr(fontshare, "_installed", lambda postscript: None)
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logging.getLogger("paiban").addHandler(handler)
    try:
        compose.build(read_book(Path("book")), Path("dist"), "pdf", compose.Options())
    finally:
        logging.getLogger("paiban").removeHandler(handler)
    diagnostics = [r.diagnostic for r in records if hasattr(r, "diagnostic")]
    return format_plain(list(dict.fromkeys(diagnostics)))


def import_report(case: Path, work: Path) -> str:
    """What ``paiban import`` reports for the case's source (import rules, I): the findings, plain."""
    from paiban.importer import import_book

    (source,) = case.glob("source.*")
    shutil.copy(source, work / source.name)
    os.chdir(work)
    return format_plain(import_book(Path(source.name), Path("book")).uncertain)


def report(case: Path, work: Path) -> str:
    """The plain report of ``check`` on a copy of the case's book, named as the user would."""
    shutil.copytree(case / "book", work / "book")
    os.chdir(work)
    outputs = case.name in BUILDS
    if outputs:
        shutil.copytree(case / "book", work / "built")
        if case.name in BUILD_FROM:
            for chapter in (work / "built" / "chapters").glob("*.md"):
                chapter.write_text(BUILD_FROM[case.name](chapter.read_text("utf-8")), "utf-8")
        book = read_book(Path("built"))
        compose.build(book, Path("dist"), BUILDS[case.name], compose.Options())
        if case.name in DAMAGE:
            DAMAGE[case.name](Path("dist"))
    _, findings = check_all(Path("book"), Path("dist") if outputs else None, outputs)
    return format_plain(findings)


def _is_case(path: Path) -> bool:
    return (path / "book").is_dir() or any(path.glob("source.*"))  # a book, or a source to import


@pytest.mark.parametrize("case", sorted(p for p in CASES.iterdir() if _is_case(p)), ids=lambda p: p.name)
def test_golden_report(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                       request: pytest.FixtureRequest) -> None:
    monkeypatch.chdir(tmp_path)
    if case.name.startswith("I"):
        got = import_report(case, tmp_path)
    elif case.name.startswith("B"):
        request.applymarker(pytest.mark.expect_warnings)
        got = build_report(case, tmp_path, monkeypatch)
    else:
        got = report(case, tmp_path)
    expected = case / "expected.txt"
    if os.environ.get("PAIBAN_UPDATE_GOLDEN") == "1":
        expected.write_text(got, "utf-8")
    assert got == expected.read_text("utf-8")
    codes = set(re.findall(r"^(?:\S+: )?([MSTROBI]\d{3}) ", got, re.M))
    if case.name == "clean":
        assert got == ""
    else:
        assert case.name in codes, f"{case.name}'s book does not trigger {case.name}"


def test_every_rule_has_a_golden_case() -> None:
    cases = {p.name for p in CASES.iterdir() if _is_case(p)}
    assert {r.code for r in catalogue()} <= cases
