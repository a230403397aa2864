"""A re-read that takes unchanged files from the last read gives the book a first read gives.

``watch`` reads the book again after every change (:mod:`paiban.reader.reread`). Each
test reads a copy of the elements book (figures numbered across chapters, a
cross-reference from one chapter to another's figure, images, an appendix), changes one
kind of file, reads it again warm, and compares with a cold read of the same folder:
the two :class:`~paiban.model.Book` values must be equal, field by field.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from paiban.errors import BookError
from paiban.model import Book
from paiban.reader import read_book, reread

ELEMENTS = Path(__file__).resolve().parents[1] / "books" / "elements"


@pytest.fixture
def book(tmp_path: Path) -> Path:
    target = tmp_path / "elements"
    shutil.copytree(ELEMENTS, target)
    return target


def cold(root: Path) -> Book:
    reread.forget()
    return read_book(root)


def warm_after(root: Path, change: Callable[[], None]) -> tuple[Book, Book, Book]:
    """(before, warm re-read, cold read) around ``change``."""
    reread.forget()
    before = read_book(root)
    read_book(root)  # everything kept now
    change()
    warm = read_book(root)
    return before, warm, cold(root)


def edit(path: Path, old: str, new: str) -> Callable[[], None]:
    def change() -> None:
        text = path.read_text("utf-8")
        assert old in text, f"{path.name} does not hold {old!r}"
        path.write_text(text.replace(old, new, 1), "utf-8")
    return change


def chapter(book: Book, name: str):
    return next(c for c in book.chapters if c.source.endswith(name))


def test_unchanged_book(book: Path) -> None:
    before, warm, again = warm_after(book, lambda: None)
    assert warm == again == before


def test_a_changed_chapter_renumbers_the_figures_another_chapter_refers_to(book: Path) -> None:
    # A new first figure in chapter 1 makes its leaf 图1-2, and the cross-reference to it
    # in chapter 2 (an unchanged file) must say so.
    first = book / "chapters" / "01-chashu.md"
    old = "![茶树的叶片与花]"
    before, warm, again = warm_after(book, edit(first, old, "![新图](../images/cup.png){#fig:new}\n\n" + old))
    assert warm == again
    assert "图1-1" in chapter(before, "02-zhicha.md").html and "图1-2" not in chapter(before, "02-zhicha.md").html
    assert "图1-2" in chapter(warm, "02-zhicha.md").html


def test_a_changed_paragraph(book: Path) -> None:
    path = book / "chapters" / "03-chaju.md"
    before, warm, again = warm_after(book, edit(path, "玻璃杯是冲泡", "玻璃茶杯是冲泡"))
    assert warm == again != before
    assert "玻璃茶杯是冲泡" in chapter(warm, "03-chaju.md").text


def test_book_yaml_changes_a_kind_and_the_numbers_after_it(book: Path) -> None:
    # Chapter 2 becoming an introduction makes chapter 3 the book's second chapter: 图3-1 → 图2-1.
    meta = book / "book.yaml"
    text = meta.read_text("utf-8")
    assert "    kind: chapter\n    file: chapters/02-zhicha.md" in text
    # The chapter takes its kind from book.yaml alone: only book.yaml changes.
    edit(book / "chapters" / "02-zhicha.md", "kind: chapter\n", "")()
    before, warm, again = warm_after(book, edit(meta, "    kind: chapter\n    file: chapters/02-zhicha.md",
                                                "    kind: introduction\n    file: chapters/02-zhicha.md"))
    assert warm == again != before
    assert chapter(warm, "02-zhicha.md").kind == "introduction"
    assert [n.number for n in chapter(before, "03-chaju.md").numbered if n.kind == "figure"][0].startswith("图3-")
    assert [n.number for n in chapter(warm, "03-chaju.md").numbered if n.kind == "figure"][0].startswith("图2-")


def test_book_yaml_metadata(book: Path) -> None:
    meta = book / "book.yaml"
    title = read_book(book).title
    before, warm, again = warm_after(book, edit(meta, f"title: {title}", f"title: {title}新版"))
    assert warm == again != before and warm.title == f"{title}新版"


def test_a_changed_image(book: Path) -> None:
    def change() -> None:
        shutil.copyfile(book / "images" / "leaf.png", book / "images" / "cup.png")

    before, warm, again = warm_after(book, change)
    assert warm == again != before


def test_a_removed_and_restored_image(book: Path) -> None:
    image = book / "images" / "teaware.png"
    data = image.read_bytes()
    before, warm, again = warm_after(book, image.unlink)
    assert warm == again != before  # the chapter no longer holds it; check reports it (R001)
    image.write_bytes(data)
    assert read_book(book) == before


def test_a_new_stylesheet(book: Path) -> None:
    # The model holds no stylesheet's text (the cache keys hash the files), only the book's files.
    def change() -> None:
        (book / "styles").mkdir()
        (book / "styles" / "print.css").write_text("p { color: black; }\n", "utf-8")

    before, warm, again = warm_after(book, change)
    assert warm == again != before and "styles/print.css" in warm.files


def test_a_fault_is_reported_again_and_its_fix_read(book: Path) -> None:
    path = book / "chapters" / "03-chaju.md"
    good = path.read_text("utf-8")
    reread.forget()
    before = read_book(book)
    path.write_text(good.replace("\n## ", "\n# ", 1), "utf-8")
    for _ in range(2):  # not kept: each read reports it
        with pytest.raises(BookError, match="'#' heading"):
            read_book(book)
    path.write_text(good, "utf-8")
    assert read_book(book) == before


def test_a_hard_linked_image_is_refused_on_a_re_read(book: Path, tmp_path: Path) -> None:
    # An image replaced by a hard link to a file outside the book: the kept chapter may not hide it.
    outside = tmp_path / "outside.png"
    shutil.copyfile(book / "images" / "teaware.png", outside)
    reread.forget()
    read_book(book)
    (book / "images" / "teaware.png").unlink()
    (book / "images" / "teaware.png").hardlink_to(outside)
    with pytest.raises(BookError, match="hard links"):
        read_book(book)


def test_another_book_forgets_the_first(book: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(book, other)
    reread.forget()
    read_book(book)
    edit(other / "chapters" / "03-chaju.md", "玻璃杯是冲泡", "玻璃茶杯是冲泡")()
    assert read_book(other) == cold(other)
    assert read_book(book) == cold(book)
