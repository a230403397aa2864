"""Metadata rules (M): the ISBN, the CIP record and the copyright-page facts in book.yaml.

These are the facts a printer and a cataloguer read off the copyright page, so they
must agree with each other and with the book: the ISBN's check digit and its
hyphenation by the registration ranges (isbnlib ships the ISBN agency's range table,
so nothing is fetched), the CIP record's form (GB/T 12451), 开本 against the page
size, 印张 against the page count, and the cover's pinyin against the title.
"""

from __future__ import annotations

import math
import re

import isbnlib

from paiban.model import PART_TITLE, Book
from paiban.check import pinyin
from paiban.check.registry import Outputs, Place, found_by_the_reader, rule

CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"
# A class number of the Chinese Library Classification (中图法): D252, TP311.56, I247.5, K825.4=76.
CLC = re.compile(r"[A-Z]{1,2}[0-9]+(?:\.[0-9]+)*(?:[-=+:][0-9A-Z.]+)*")
CIP_ITEM = re.compile(r"[①-⑩]([^①-⑩]+)")


def isbn13_check_digit(digits12: str) -> int:
    """The ISBN-13 check digit: weights 1 and 3 alternating, modulo 10."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits12))
    return (10 - total % 10) % 10


def _isbns(book: Book) -> list[tuple[str, str]]:
    return [(label, isbn) for label, isbn in (("isbn", book.isbn), ("cip.isbn", book.cip.isbn if book.cip else None))
            if isbn is not None]


def _valid(isbn: str) -> bool:
    digits = isbn.replace("-", "")
    return len(digits) == 13 and digits.isdigit() and int(digits[12]) == isbn13_check_digit(digits[:12])


@rule("M002", "error", "ISBN-13 check digit is wrong", "recompute the last digit or copy the ISBN again")
def isbn_check_digit(book: Book) -> Place:
    for label, isbn in _isbns(book):
        digits = isbn.replace("-", "")
        if len(digits) != 13 or not digits.isdigit():
            yield book.meta_file, book.line_of(label), None, f"{label} {isbn} does not have 13 digits"
        elif not _valid(isbn):
            yield (book.meta_file, book.line_of(label), None,
                   f"{label} {isbn} has check digit {digits[12]}, expected {isbn13_check_digit(digits[:12])}")


@rule("M003", "error", "the CIP record's ISBN differs from the book's", "the two must be the same ISBN")
def cip_isbn(book: Book) -> Place:
    if book.cip and book.cip.isbn.replace("-", "") != book.isbn_digits:
        yield book.meta_file, book.line_of("cip.isbn"), None, \
            f"cip.isbn {book.cip.isbn} is not the book's ISBN {book.isbn}"


@rule("M005", "warning", "an ISBN is not hyphenated by the ISBN registration ranges",
      "write it with the hyphens the ranges give (prefix-group-publisher-title-check)")
def isbn_hyphens(book: Book) -> Place:
    for label, isbn in _isbns(book):
        if not _valid(isbn):
            continue  # M002 reports it
        expected = isbnlib.mask(isbn.replace("-", ""))
        if not expected:
            yield (book.meta_file, book.line_of(label), None,
                   f"{label} {isbn}: its registration group or publisher is in no known ISBN range")
        elif expected != isbn:
            yield book.meta_file, book.line_of(label), None, f"{label} {isbn} should be hyphenated {expected}"


@rule("M006", "error", "the CIP record is not in the form of GB/T 12451",
      "classification lines I–IV hold items ①②…, line IV Chinese Library Classification numbers; "
      "the 数据核字 number is the year of cataloguing and a serial")
def cip_form(book: Book) -> Place:
    cip = book.cip
    if cip is None:
        return
    lines = cip.classification
    if not 3 <= len(lines) <= 4:
        yield (book.meta_file, book.line_of("cip.classification"), None,
               f"cip.classification has {len(lines)} lines; a CIP record has I. title, II. author (when there is "
               f"one), III. subjects and IV. class numbers")
    for i, text in enumerate(lines):
        line = book.line_of(f"cip.classification.{i}")
        items = CIP_ITEM.findall(text.replace(" ", ""))
        circled = re.findall(r"[①-⑩]", text)
        numeral = ("I", "II", "III", "IV", "V", "VI")[i]
        if not items or re.sub(r"[①-⑩][^①-⑩]+", "", text.replace(" ", "")):
            yield (book.meta_file, line, None,
                   f"classification line {numeral} '{text}' is not a list of items ①…②…")
        elif "".join(circled) != CIRCLED[:len(circled)]:
            yield book.meta_file, line, None, f"classification line {numeral} numbers its items {''.join(circled)}"
        elif i == len(lines) - 1 and (bad := [x for x in items if not CLC.fullmatch(x)]):
            yield (book.meta_file, line, None,
                   f"classification line {numeral} (class numbers) holds '{bad[0]}', not a CLC class number")
    year = int(cip.number[:4])
    latest = book.imprint.edition.year if book.imprint else int(book.date[:4])
    if not 1990 <= year <= latest:
        yield (book.meta_file, book.line_of("cip.number"), None,
               f"数据核字 year {year} is not a year before the edition ({latest})")
    elif int(cip.number[4:]) == 0:
        yield book.meta_file, book.line_of("cip.number"), None, "数据核字 serial is 000000"


@rule("M007", "error", "the CIP bibliographic line disagrees with the book",
      "the line reads: title / statement of responsibility. —place: publisher, year")
def cip_bibliographic(book: Book) -> Place:
    if book.cip is None:
        return
    text = book.cip.bibliographic
    line = book.line_of("cip.bibliographic")
    title = re.split(r"\s*[/:：=]\s*", text, maxsplit=1)[0].strip()
    if title != book.title:
        yield book.meta_file, line, None, f"the CIP line's title '{title}' is not the book's title '{book.title}'"
    place = re.search(r"—\s*([^:：]+?)\s*[:：]\s*([^,，]+?)\s*[,，]\s*([0-9]{4})", text)
    if place is None:
        yield book.meta_file, line, None, "the CIP line has no publication statement '—place: publisher, year'"
        return
    city, publisher, year = place.group(1), place.group(2), int(place.group(3))
    if city != book.publisher.city:
        yield book.meta_file, line, None, f"the CIP line's place '{city}' is not the publisher's city " \
                                          f"'{book.publisher.city}'"
    if publisher != book.publisher.name:
        yield book.meta_file, line, None, f"the CIP line's publisher '{publisher}' is not '{book.publisher.name}'"
    if year != int(book.date[:4]):
        yield book.meta_file, line, None, f"the CIP line's year {year} is not the publication year {book.date[:4]}"


def cut_size(width_mm: int, height_mm: int, fold: int) -> tuple[float, float] | None:
    """The untrimmed page of a full sheet folded ``fold`` times over (a power of two), short side first."""
    if fold < 1 or fold & (fold - 1):
        return None
    short, long = sorted((width_mm, height_mm))
    while fold > 1:
        short, long = sorted((long / 2, short))
        fold //= 2
    return short, long


@rule("M008", "error", "the copyright-page facts disagree with each other",
      "make 开本, 印张, the layout's page size and the dates of edition and impression agree")
def imprint_facts(book: Book) -> Place:
    imprint = book.imprint
    if imprint is None:
        return
    meta = book.meta_file
    edition, impression = imprint.edition, imprint.impression
    if book.date[:7] != f"{edition.year:04d}-{edition.month:02d}"[:len(book.date[:7])]:
        yield meta, book.line_of("date"), None, \
            f"date {book.date} is not the month of the edition ({edition.year}年{edition.month}月)"
    if (impression.year, impression.month) < (edition.year, edition.month):
        yield meta, book.line_of("imprint.impression"), None, "the impression is dated before the edition"
    pages = imprint.sheets * imprint.paper.fold
    if pages != int(pages):
        yield meta, book.line_of("imprint.sheets"), None, \
            f"印张 {imprint.sheets:g} × {imprint.paper.fold} 开 is {pages:g} pages, not a whole number"
    paper = imprint.paper
    cut = cut_size(paper.width_mm, paper.height_mm, paper.fold)
    trim = sorted((book.geometry.trim_width_mm, book.geometry.trim_height_mm))
    if cut and not all(0.88 * c <= t <= c for t, c in zip(trim, cut, strict=True)):
        yield (meta, book.line_of("imprint.paper"), None,
               f"开本 {paper.width_mm}×{paper.height_mm} 1/{paper.fold} gives pages of {cut[0]:g}×{cut[1]:g} mm "
               f"before trimming, which does not fit a trimmed page of {trim[0]:g}×{trim[1]:g} mm")


@rule("M009", "error", "印张 disagrees with the page count of the built PDF",
      "印张 is the number of pages (without the cover) divided by the 开 of the paper, in half sheets",
      outputs=True)
def sheets_against_pdf(book: Book, outputs: Outputs) -> Place:
    from paiban.check.outputs import pdf_page_count, shown

    if book.imprint is None:
        return
    for pdf in outputs.pdfs:
        pages = pdf_page_count(pdf) - 1  # the cover is printed separately
        fold, sheets = book.imprint.paper.fold, book.imprint.sheets
        expected = math.ceil(pages * 2 / fold) / 2
        complete = all(p.file or p.kind == PART_TITLE for p in book.contents)  # a part-title page has no file
        where = f"{shown(pdf)} has {pages} pages without the cover"
        if pages > sheets * fold:
            yield (book.meta_file, book.line_of("imprint.sheets"), None,
                   f"印张 {sheets:g} × {fold} 开 holds {sheets * fold:g} pages; {where}")
        elif complete and sheets != expected:
            yield (book.meta_file, book.line_of("imprint.sheets"), None,
                   f"印张 should be {expected:g}, not {sheets:g}: {where}")


@rule("M010", "error", "the cover's pinyin does not spell the title",
      "title_pinyin is the title in toneless capitals; spaces only where the cover breaks the line")
def title_pinyin(book: Book) -> Place:
    if not book.title_pinyin:
        return
    exact, spelled = pinyin.spells(book.title, book.title_pinyin)
    chars = pinyin.title_characters(book.title)
    if not exact and not chars:
        yield (book.meta_file, book.line_of("title_pinyin"), None,
               f"title_pinyin {book.title_pinyin} stands for a title without a character pinyin spells")
    elif not exact:
        wrong = chars[min(spelled, len(chars) - 1)]
        yield (book.meta_file, book.line_of("title_pinyin"), None,
               f"title_pinyin {book.title_pinyin} does not spell the title from '{wrong}' on "
               f"(expected {pinyin.expected(book.title)})")
    elif book.title_pinyin != book.title_pinyin.upper():
        yield book.meta_file, book.line_of("title_pinyin"), None, \
            f"title_pinyin {book.title_pinyin} is not in capitals as covers print it"


found_by_the_reader("M011", "warning", "book.yaml has a field paiban does not know",
                    "fix its spelling (the closest known name is given) or remove it")
