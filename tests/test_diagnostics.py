"""Every problem is one diagnostic type: a build's own warnings obey ``check: ignore`` and ``--strict`` too."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import run_cli
from paiban.errors import BookError, Diagnostic

CASES = Path(__file__).parent / "check"


def test_a_book_error_is_a_diagnostic() -> None:
    error = BookError("bad", "book/book.yaml", 3, "fix it", code="M004")
    assert error.diagnostic == Diagnostic("M004", "error", "book/book.yaml", 3, None, "bad", "fix it")
    assert error.diagnostic.plain() == "book/book.yaml:3: M004 bad"


def test_a_build_warning_fails_strict_and_can_be_silenced(tmp_path: Path) -> None:
    book = tmp_path / "book"
    shutil.copytree(CASES / "B002" / "book", book)
    strict = run_cli("pdf", "--strict", "--manuscript", str(book), "--out", str(tmp_path / "out"))
    assert strict.returncode == 1, strict.stderr
    assert "B002 a link on PDF page 2 points at #nowhere" in strict.stderr
    (book / "book.yaml").write_text((book / "book.yaml").read_text("utf-8") + "check:\n  ignore:\n    - code: B002\n",
                                    "utf-8")
    quiet = run_cli("pdf", "--strict", "--manuscript", str(book), "--out", str(tmp_path / "out"))
    assert quiet.returncode == 0, quiet.stderr
    assert "B002" not in quiet.stderr


def test_check_reports_what_the_reader_removed_as_json(tmp_path: Path) -> None:
    import json

    book = tmp_path / "book"
    shutil.copytree(CASES / "R006" / "book", book)
    done = run_cli("check", "--format", "json", "--manuscript", str(book))
    found = json.loads(done.stdout)
    assert [(f["code"], f["line"]) for f in found if f["code"] == "R006"] == [("R006", 10)]


def test_check_outputs_reads_the_printers_pdf(tmp_path: Path) -> None:
    """A folder holding only the printer's PDF is checked: its fonts, its glyphs, its 印张."""
    from test_check_rules import unembed_font

    book = tmp_path / "book"
    shutil.copytree(Path(__file__).parent / "fixtures" / "minimal", book)
    out = tmp_path / "out"
    assert run_cli("pdf", "--print", "--manuscript", str(book), "--out", str(out)).returncode == 0
    printed = out / "9787515004662-print.pdf"
    assert printed.is_file() and not (out / "9787515004662.pdf").exists()
    unembed_font(printed, "Noto-Sans-CJK-SC-Bold")
    done = run_cli("check", "--outputs", "--manuscript", str(book), "--out", str(out))
    assert f"{printed}: O003 font Noto-Sans-CJK-SC-Bold" in done.stdout, done.stdout + done.stderr
