"""Rebuilds lay out only what changed, and never serve a stale page.

A reprint's changed chapter lays out only its changed original pages
(:mod:`paiban.builders.pdf.pages`); a reflowing one from the page before the change
until its page breaks meet the old ones (:mod:`paiban.builders.pdf.reflow`). Each
rebuild here is compared with a cold build
of the same text into an empty folder, character by character with its place on the
page: the incremental path must give the same pages, not only the changed text.
"""

from __future__ import annotations

import logging
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pdfplumber
import pytest

from paiban import compose
from paiban.errors import BookErrors
from paiban.outputs import OutputFiles
from paiban.reader import read_book

ROOT = Path(__file__).resolve().parent.parent
REPRINT = ROOT / "tests" / "books" / "reprint"
sys.path.insert(0, str(ROOT / "benchmarks"))
from run import make_book  # noqa: E402  (the benchmark's reflowing book, smaller)


def build(book: Path, out: Path, caplog: pytest.LogCaptureFixture) -> list[str]:
    """Build the PDF of ``book`` into ``out``; the parts laid out, as the log names them."""
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="paiban"):
        compose.build(read_book(book), out, "pdf", compose.Options())
    return [r.getMessage().removeprefix("laying out ") for r in caplog.records
            if r.getMessage().startswith("laying out ")]


def characters(book: Path, out: Path) -> list[list[tuple[str, float, float]]]:
    """Every character of the PDF, page by page, with its place."""
    with pdfplumber.open(OutputFiles.of(read_book(book), out).pdf()) as pdf:
        return [[(c["text"], round(c["x0"], 2), round(c["top"], 2)) for c in page.chars] for page in pdf.pages]


def edit(chapter: Path, marker: int, old: str, new: str) -> None:
    """Replace the first ``old`` after ``{{page marker}}`` with ``new``."""
    text = chapter.read_text("utf-8")
    at = text.index(f"{{{{page {marker}}}}}")
    assert old in text[at:], (marker, old)
    chapter.write_text(text[:at] + text[at:].replace(old, new, 1), "utf-8")


def rebuilt(book: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture,
            *changes: Callable[[], object]) -> tuple[list[str], list[str]]:
    """Build ``book``, then after each change build it again into the same folder; the parts the
    last rebuild laid out, and its log. Its PDF must be a cold build's of the changed text,
    character for character."""
    out = tmp_path / "out"
    build(book, out, caplog)
    for change in changes:
        change()
        laid = build(book, out, caplog)
    log = [r.getMessage() for r in caplog.records]
    cold = tmp_path / "cold"
    build(book, cold, caplog)
    assert characters(book, out) == characters(book, cold)
    return laid, log


@pytest.fixture()
def sample(tmp_path: Path) -> Path:
    book = tmp_path / "book"
    shutil.copytree(ROOT / "manuscript", book)
    return book


@pytest.mark.parametrize("marker", [2, 6, 10])
def test_a_changed_page_alone_is_laid_out_and_matches_a_cold_build(
        sample: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, marker: int) -> None:
    chapter = sample / "chapters" / "00-xulun.md"
    laid, _ = rebuilt(sample, tmp_path, caplog, lambda: edit(chapter, marker, "的", "之"))
    page = marker  # the sample's chapter starts at original page 1: its page k is original page k
    assert laid == [f"{read_book(sample).chapters[0].source}, original page {page} of its pages"], laid


def test_changes_on_two_pages_lay_out_both_and_nothing_else(
        sample: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    chapter = sample / "chapters" / "00-xulun.md"
    laid, _ = rebuilt(sample, tmp_path, caplog, lambda: [edit(chapter, page, "的", "之") for page in (3, 4, 8)])
    assert [re.sub(r".*original ", "", label) for label in laid] == ["pages 3–4 of its pages", "page 8 of its pages"]


def test_a_reprint_with_notes_tables_and_lists_rebuilds_page_by_page(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Page markers in a list item, a table row, after a heading and in a quotation; a noted paragraph."""
    book = tmp_path / "book"
    shutil.copytree(REPRINT, book)
    chapter = book / "chapters" / "01.md"
    text = chapter.read_text("utf-8")
    markers = [int(n) for n in re.findall(r"\{\{page (\d+)\}\}", text)]
    edited = markers[len(markers) // 2]
    after = text[text.index(f"{{{{page {edited}}}}}"):]
    word = next(ch for ch in after if "\u4e00" <= ch <= "\u9fff")
    laid, _ = rebuilt(book, tmp_path, caplog, lambda: edit(chapter, edited, word, "改" if word != "改" else "变"))
    assert len(laid) == 1 and "original page" in laid[0], laid


def test_a_page_made_to_overflow_is_reported_as_by_a_cold_build(
        sample: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    out = tmp_path / "out"
    build(sample, out, caplog)
    chapter = sample / "chapters" / "00-xulun.md"
    edit(chapter, 6, "。", "。" + "这一句是为了让这一页放不下而加的。" * 12)
    with pytest.raises(BookErrors) as incremental:
        build(sample, out, caplog)
    with pytest.raises(BookErrors) as cold:
        build(sample, tmp_path / "cold", caplog)
    assert [str(e) for e in incremental.value.errors] == [str(e) for e in cold.value.errors]
    assert "original page 6 overflows" in str(incremental.value.errors[0])


@pytest.fixture()
def reflowing(tmp_path: Path) -> Path:
    """A reflowing book of two chapters of about twenty pages each."""
    book = tmp_path / "reflowing"
    make_book(book, 40, chapters=2)
    return book


def paragraphs(chapter: Path) -> list[str]:
    return chapter.read_text("utf-8").split("\n\n")


def change_paragraph(chapter: Path, index: int, change: Callable[[str], str]) -> None:
    blocks = paragraphs(chapter)
    blocks[index] = change(blocks[index])
    chapter.write_text("\n\n".join(blocks), "utf-8")


def relaid(log: list[str]) -> list[str]:
    return [message for message in log if "laid out again" in message]


def first_han(paragraph: str, replacement: str) -> str:
    """``paragraph`` with its first Han character replaced (the same width: the lines break where they did)."""
    at = next(i for i, ch in enumerate(paragraph) if "\u4e00" <= ch <= "\u9fff" and ch != replacement)
    return paragraph[:at] + replacement + paragraph[at + 1:]


def test_a_change_that_keeps_the_lines_is_laid_out_until_the_next_page(
        reflowing: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    chapter = reflowing / "chapters" / "01.md"
    laid, log = rebuilt(reflowing, tmp_path, caplog,
                   lambda: change_paragraph(chapter, len(paragraphs(chapter)) // 3, lambda p: first_han(p, "人")))
    pages_before = len(characters(reflowing, tmp_path / "out"))
    assert len(laid) == 1 and "until the page breaks meet" in laid[0], laid
    [window] = relaid(log)
    met = re.search(r"its pages (\d+)–(\d+) laid out again \((\d+) pages\), the page breaks met at its old page (\d+)",
                    window)
    assert met, window
    assert int(met.group(3)) <= 2 < pages_before, window  # the change's page, and the one before it at most


@pytest.mark.parametrize("change", [
    pytest.param(lambda p: p.replace("。", "。这一句是新加的，它让这一段长出一行多，后面的分页都要往后移。", 1), id="longer"),
    pytest.param(lambda p: p[: len(p) // 2] + "。", id="shorter"),
])
def test_a_change_that_moves_the_page_breaks_is_laid_out_from_its_page_on(
        reflowing: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, change: Callable[[str], str]) -> None:
    """The pages before the change are kept; from it, windows of the new text are laid out until
    a page starts where an old one started (in running prose the shift may last to the chapter's end)."""
    chapter = reflowing / "chapters" / "01.md"
    laid, log = rebuilt(reflowing, tmp_path, caplog,
                   lambda: change_paragraph(chapter, len(paragraphs(chapter)) // 3, change))
    laid = [label for label in laid if label.startswith("reflowing/chapters/")]  # (and frames, contents)
    assert laid and all("01.md, from its page" in label for label in laid), laid
    [window] = relaid(log)
    first = int(re.search(r"its pages (\d+)–", window).group(1))  # type: ignore[union-attr]
    assert first > 2, window  # the chapter's first pages were not laid out again


def test_a_change_near_a_chapters_end_is_laid_out_to_its_end(
        reflowing: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    chapter = reflowing / "chapters" / "01.md"
    _, log = rebuilt(reflowing, tmp_path, caplog,
                     lambda: change_paragraph(chapter, -1, lambda p: p + "这是最后一段的新结尾，" * 30 + "到此为止。"))
    assert "to the chapter's end" in " ".join(relaid(log))


def test_two_changes_in_turn_each_reach_the_output(
        reflowing: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The second rebuild starts from the first one's assembled pages, not from the cold build's."""
    chapter = reflowing / "chapters" / "02.md"
    laid, _ = rebuilt(reflowing, tmp_path, caplog,
                   lambda: change_paragraph(chapter, 8, lambda p: p.replace("。", "。第一次修改加的一句话。", 1)),
                   lambda: change_paragraph(chapter, 30, lambda p: p.replace(
                       "。", "。第二次修改又加了一句更长的话，让分页再移动一次。", 1)))
    laid = [label for label in laid if label.startswith("reflowing/chapters/")]
    assert laid and all("02.md, from its page" in label for label in laid), laid
