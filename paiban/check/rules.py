"""The rules of ``check``, one function each. See :mod:`paiban.check` for the contract."""

from __future__ import annotations

from collections.abc import Iterator

from ..model import Book
from ..render import chapter_of, heading_for
from . import rule

Place = Iterator[tuple[str, int | None, int | None, str]]


def isbn13_check_digit(digits12: str) -> int:
    """The ISBN-13 check digit: weights 1 and 3 alternating, modulo 10."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits12))
    return (10 - total % 10) % 10


@rule("M002", "error", "ISBN-13 check digit is wrong", "recompute the last digit or copy the ISBN again")
def isbn_check_digit(book: Book) -> Place:
    for label, isbn in (("isbn", book.isbn), ("cip.isbn", book.cip.isbn if book.cip else None)):
        if isbn is None:
            continue
        digits = isbn.replace("-", "")
        if len(digits) != 13 or not digits.isdigit():
            yield book.meta_file, book.line_of(label), None, f"{label} {isbn} does not have 13 digits"
            continue
        expected = isbn13_check_digit(digits[:12])
        if int(digits[12]) != expected:
            yield (book.meta_file, book.line_of(label), None,
                   f"{label} {isbn} has check digit {digits[12]}, expected {expected}")


@rule("M003", "error", "the CIP record's ISBN differs from the book's", "the two must be the same ISBN")
def cip_isbn(book: Book) -> Place:
    if book.cip and book.cip.isbn.replace("-", "") != book.isbn_digits:
        yield book.meta_file, book.line_of("cip.isbn"), None, \
            f"cip.isbn {book.cip.isbn} is not the book's ISBN {book.isbn}"


@rule("S001", "error", "a page marker is missing: original page numbers jump",
      "add the {{page N}} marker for every original page, at its place")
def page_gaps(book: Book) -> Place:
    previous = None
    for chapter in book.chapters:
        for m in chapter.markers:
            if previous is not None and m.number != previous + 1:
                missing = ", ".join(map(str, range(previous + 1, m.number)))
                yield chapter.source, m.line, None, f"page {m.number} follows page {previous}: no marker for {missing}"
            previous = m.number


@rule("S002", "error", "a TOC entry has no heading of the same title in its chapter",
      "make the heading and the contents entry in book.yaml read the same")
def toc_headings(book: Book) -> Place:
    for part in book.contents:
        chapter = chapter_of(book, part)
        if chapter is None:
            continue
        last_page = chapter.markers[-1].number if chapter.markers else None
        for entry in part.entries:
            if heading_for(chapter, entry) is None and (last_page is None or entry.page <= last_page):
                yield book.meta_file, entry.line, None, f"no heading '{entry.title}' in {chapter.source}"


@rule("S003", "error", "a heading starts on another original page than the printed TOC says",
      "move the page marker or correct the page in contents")
def toc_pages(book: Book) -> Place:
    for part in book.contents:
        chapter = chapter_of(book, part)
        if chapter is None:
            continue
        for entry in part.entries:
            heading = heading_for(chapter, entry)
            if heading is not None and heading.page is not None and heading.page != entry.page:
                yield (chapter.source, heading.line, None,
                       f"'{entry.title}' falls on page {heading.page}; the printed TOC says {entry.page}")


@rule("S004", "info", "parts of the printed TOC whose text is not in the manuscript yet",
      "add the text as it arrives; nothing to fix")
def missing_text(book: Book) -> Place:
    total = sum(len(p.entries) for p in book.contents)
    missing_parts = [p for p in book.contents if chapter_of(book, p) is None]
    present = {id(e) for p in book.contents if (c := chapter_of(book, p)) for e in p.entries
               if heading_for(c, e) is not None}
    missing = total - len(present)
    if missing:
        names = "、".join(p.title for p in missing_parts)
        yield (book.meta_file, None, None,
               f"{missing} of {total} TOC entries have no text yet"
               + (f"; parts without a file: {names}" if names else ""))
