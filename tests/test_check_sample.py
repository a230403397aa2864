"""``check`` on the sample book: clean as it is, and catching one fault of each family
injected into a copy, at the right code, file and line. Also how a book silences a
finding, ``--strict``, JSON, and the generated catalogue of rules."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import ROOT, SAMPLE, copy_sample, run_cli
from test_check_rules import CASES, unembed_font

from paiban.check import check_all, check_book
from paiban.check.docs import rules_markdown


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), "utf-8")


def test_sample_has_no_error_and_no_warning() -> None:
    _, findings = check_book(SAMPLE)
    assert [(f.code, f.severity) for f in findings] == [("S004", "info")]
    assert "parts without a file: 第一章" in findings[0].message


def test_one_fault_of_each_family_is_found_where_it_is(tmp_path: Path, sample_pdf: Path) -> None:
    book = copy_sample(tmp_path)
    chapter = book / "chapters" / "00-xulun.md"
    # The digitization faults the sample had (manuscript/CORRECTIONS.md), put back, and a few more.
    _replace(book / "book.yaml", "QUNZHONGLUXIANJIAOYUSHIJIANHUODONG", "QUNZHONGLUXIANJIAOYUSHIJIANKHUODONG")  # line 2
    _replace(chapter, "中国特{{page 5}}色社会主义", "中国特色{{page 5}}色社会主义")  # line 34
    _replace(chapter, "群众的智慧和力量作为", "群众的智慧 and 力量作为")  # line 40
    _replace(chapter, "### 2. 以毛泽东为代表", "### 3. 以毛泽东为代表")  # line 18
    _replace(chapter, "奠定了基础。《共产党宣言》", "奠定了基础。[^7]《共产党宣言》")  # line 16
    out = tmp_path / "dist"
    out.mkdir()
    shutil.copy(sample_pdf, out / sample_pdf.name)
    unembed_font(out / sample_pdf.name, "Noto-Sans-CJK-SC-Bold")
    _, findings = check_all(book, out, outputs=True)
    found = {(f.code, f.file, f.line) for f in findings}
    expected = {
        ("M010", "book/book.yaml", 2),
        ("S006", "book/chapters/00-xulun.md", 18),
        ("T004", "book/chapters/00-xulun.md", 34),
        ("T003", "book/chapters/00-xulun.md", 40),
        ("R003", "book/chapters/00-xulun.md", 16),
        ("O003", str(out / sample_pdf.name), None),
        ("O004", "book/chapters/00-xulun.md", 40),  # the PDF was made before "and" came in
    }
    assert expected <= found, found
    assert {f.code for f in findings} - {c for c, _, _ in expected} == {"S004"}


def _t003_book(tmp_path: Path) -> Path:
    book = tmp_path / "book"
    shutil.copytree(CASES / "T003" / "book", book)
    return book


def test_a_comment_silences_the_next_line(tmp_path: Path) -> None:
    book = _t003_book(tmp_path)
    _replace(book / "chapters" / "01.md", "马克思、恩格斯", "<!-- paiban: ignore T003 -->\n马克思、恩格斯")
    _, findings = check_book(book)
    assert [(f.code, f.line) for f in findings] == [("T003", 25)]  # line 14 (now 15) is silenced


def test_book_yaml_silences_a_line_of_a_file(tmp_path: Path) -> None:
    book = _t003_book(tmp_path)
    with (book / "book.yaml").open("a", encoding="utf-8") as f:
        f.write("check:\n  ignore:\n    - {code: T003, file: chapters/01.md, line: 24}\n    - {code: T001}\n")
    _, findings = check_book(book)
    assert [(f.code, f.line) for f in findings] == [("T003", 14)]


def test_strict_fails_on_warnings_and_json_carries_the_place(tmp_path: Path) -> None:
    book = _t003_book(tmp_path)
    assert run_cli("check", "--manuscript", str(book)).returncode == 0
    strict = run_cli("check", "--strict", "--format", "json", "--manuscript", str(book))
    assert strict.returncode == 1
    report = json.loads(strict.stdout)
    assert report[0] == {"code": "T003", "severity": "warning", "file": "book/chapters/01.md", "line": 14,
                         "col": 17, "message": "Latin word 'and' inside Chinese text",
                         "hint": report[0]["hint"]} and report[0]["hint"]


def test_outputs_without_a_build_is_a_clear_error(tmp_path: Path) -> None:
    result = run_cli("check", "--outputs", "--manuscript", str(SAMPLE), "--out", str(tmp_path / "none"))
    assert result.returncode == 1 and "nothing built for this book" in result.stderr
    assert "Traceback" not in result.stderr


def test_docs_rules_md_is_what_the_code_generates() -> None:
    assert (ROOT / "docs" / "rules.md").read_text("utf-8") == rules_markdown(), \
        "docs/rules.md is stale: python build.py rules > docs/rules.md"
    assert run_cli("rules").stdout == rules_markdown()
    assert "docs/rules.md" in (ROOT / "README.md").read_text("utf-8")


def test_a_chapter_without_page_markers_is_an_error(tmp_path: Path) -> None:
    book = tmp_path / "book"
    shutil.copytree(CASES / "clean" / "book", book)
    chapter = book / "chapters" / "01.md"
    chapter.write_text(chapter.read_text("utf-8").replace("{{page 1}}", "").replace("{{page 2}}", ""), "utf-8")
    _, findings = check_book(book)
    assert [(f.code, f.file, f.line, f.message) for f in findings] == [
        ("S001", "book/chapters/01.md", 6, "the chapter has no page marker at all")]
