"""The command line as a user meets it: exit status, messages, no tracebacks."""

from __future__ import annotations

from pathlib import Path

from conftest import SAMPLE, copy_sample, run_cli


def test_check_passes_on_the_sample() -> None:
    result = run_cli("check", "--manuscript", str(SAMPLE))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "S004 44 of 46 TOC entries have no text yet" in result.stdout


def test_damaged_metadata_gives_file_line_and_exit_1(tmp_path: Path) -> None:
    book = copy_sample(tmp_path)
    meta = book / "book.yaml"
    lines = meta.read_text("utf-8").splitlines()
    lines[4] = 'date: "2013-06'  # unterminated quote on line 5
    meta.write_text("\n".join(lines) + "\n", "utf-8")
    for command in ("check", "pdf"):
        result = run_cli(command, "--manuscript", str(book), "--out", str(tmp_path / "out"))
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        output = result.stdout + result.stderr
        assert "book/book.yaml:8: M001 YAML syntax error" in output or "book/book.yaml:8: YAML syntax" in output, output
        assert "the quote opened on line 5 is not closed" in output
    assert not (tmp_path / "out").exists()


def test_missing_required_field_names_the_field(tmp_path: Path) -> None:
    book = copy_sample(tmp_path)
    meta = book / "book.yaml"
    meta.write_text(meta.read_text("utf-8").replace("language: zh-CN\n", ""), "utf-8")
    result = run_cli("check", "--manuscript", str(book))
    assert result.returncode == 1
    assert "book/book.yaml:1: M004 missing required field 'language'" in result.stdout


def test_wrong_isbn_check_digit(tmp_path: Path) -> None:
    book = copy_sample(tmp_path)
    meta = book / "book.yaml"
    meta.write_text(meta.read_text("utf-8").replace('isbn: "978-7-5150-0466-2"', 'isbn: "978-7-5150-0466-3"'),
                    "utf-8")
    result = run_cli("check", "--manuscript", str(book))
    assert result.returncode == 1
    assert "M002 isbn 978-7-5150-0466-3 has check digit 3, expected 2" in result.stdout


def test_page_markers_out_of_order(tmp_path: Path) -> None:
    book = copy_sample(tmp_path)
    chapter = book / "chapters" / "00-xulun.md"
    chapter.write_text(chapter.read_text("utf-8").replace("{{page 4}}", "{{page 2}}"), "utf-8")
    result = run_cli("check", "--manuscript", str(book))
    assert result.returncode == 1
    assert "00-xulun.md:26: M001 page marker {{page 2}} comes after page 3" in result.stdout


def test_usage_error_exits_2() -> None:
    result = run_cli("typeset")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_a_failed_build_keeps_the_previous_output(tmp_path: Path) -> None:
    book = copy_sample(tmp_path)
    out = tmp_path / "out"
    assert run_cli("epub", "--manuscript", str(book), "--out", str(out)).returncode == 0
    epub = next(out.glob("*.epub"))
    before = epub.read_bytes()
    (book / "book.yaml").write_text("title: [unclosed\n", "utf-8")
    assert run_cli("epub", "--manuscript", str(book), "--out", str(out)).returncode == 1
    assert epub.read_bytes() == before
    # the folder holds the previous EPUB and its manifest, no partial file (the cache keeps its own copies)
    assert sorted(p.name for p in out.iterdir()) == [".paiban-cache", epub.name, f"{epub.stem}.manifest.json"]
