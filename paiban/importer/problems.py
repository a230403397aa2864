"""What an import finds that a user must look at (rules I): its guesses and the source's faults.

An importer reads a source it does not control, so some of its decisions are guesses:
a page boundary where a page happened to end with a paragraph, a character a scan
doubled across a page break, a letter added to the cover's pinyin. Each kind is
declared here once, with its code and hint (a :class:`~paiban.errors.Declared`
rule, as the build's are); the importers put what they find in the
:class:`~paiban.importer.report.ImportReport`, at the *source's* line (or the written
chapter's, for the Word importer's findings), and :mod:`paiban.check.importing` puts the
rules in the catalogue.
"""

from __future__ import annotations

from paiban.errors import Declared

PARAGRAPH_END_BOUNDARY = Declared(
    "I001", "warning", "an original page boundary was placed at a paragraph's end, where the text gives no sign of it",
    "the pages around it are too long for one page; the marker stands at the likelier place and a comment marks "
    "the other: compare with the printed book and move the {{page N}} marker if needed")
DOUBLED_ACROSS_BOUNDARY = Declared(
    "I002", "warning", "a character ends one page and starts the next: a scan doubles it across the page break",
    "one copy was removed (listed in CORRECTIONS.md) unless the text repeats it elsewhere; check which page "
    "holds it in the printed book and move the {{page N}} marker if needed")
PAGE_DISAGREES = Declared(
    "I003", "warning", "a heading falls on another original page than the printed contents give it",
    "a page boundary was missed or found where there is none: compare with the printed book and move the "
    "{{page N}} markers, or correct the page in contents")
HEADING_NOT_FOUND = Declared(
    "I004", "warning", "an entry of the printed contents has no heading in the body, within the pages the body holds",
    "the heading is misspelt in the source or in the contents: make them read the same in the chapter and in "
    "book.yaml")
PINYIN_CORRECTED = Declared(
    "I005", "warning", "the cover's pinyin does not spell the title",
    "a letter the scan added was removed where that makes it spell the title (listed in CORRECTIONS.md); "
    "otherwise correct title_pinyin in book.yaml from the printed cover")
LATIN_WORD = Declared(
    "I006", "warning", "a Latin word stands inside Chinese text",
    "an extraction error: a common word (and → 和) was replaced and listed in CORRECTIONS.md; correct any "
    "other from the printed book")
UNREAD_FRONT_MATTER = Declared(
    "I007", "warning", "a line of the front matter or of the copyright page was not understood",
    "its facts are not in book.yaml: add them by hand if the book needs them")
NO_BODY = Declared(
    "I008", "warning", "the source holds no body text after its printed contents",
    "the body starts where a part heading of the contents (绪论, 第一章…) is printed again: check that the "
    "body's first heading reads as in the contents, or add the text")
PART_WITH_TEXT = Declared(
    "I009", "warning", "a part heading (第一编) of the body has text of its own: it was made a chapter",
    "a part-title page holds its title only; if the text is the part's introduction, keep it as a chapter, else "
    "move it into the chapter it belongs to and set kind: part again in book.yaml and the front matter")
IMPORT_RULES = (PARAGRAPH_END_BOUNDARY, DOUBLED_ACROSS_BOUNDARY, PAGE_DISAGREES, HEADING_NOT_FOUND,
                PINYIN_CORRECTED, LATIN_WORD, UNREAD_FRONT_MATTER, NO_BODY, PART_WITH_TEXT)

# What the Word importer (paiban/importer/docx.py, pandocast.py) finds: where paiban's
# syntax has no form for what the document holds, or where it guessed the structure.
IMAGE_LEFT_OUT = Declared(
    "I101", "warning", "an image of the Word file cannot be used in a book and was left out",
    "it is in a format a book cannot hold (EMF, WMF), damaged, too large or linked from outside the file: "
    "export it from Word as PNG or SVG, copy it into images/ and put it back where the report says")
IMAGE_CONVERTED = Declared(
    "I102", "info", "an image in a format a book cannot hold (BMP, TIFF) was converted to PNG",
    "nothing to fix; look at the figure in the proof sheet (paiban proof) to see that it came out right")
TABLE_RESHAPED = Declared(
    "I103", "warning", "a table was reshaped to fit a pipe table: merged cells split, paragraphs of a cell "
    "joined, a header row made",
    "compare the table with the Word file; merge cells by rewriting the rows, or give the table a header row")
HEADING_LEVEL_MOVED = Declared(
    "I104", "warning", "a heading of the Word file skipped a level and was moved up to follow the one above it",
    "a book's headings go down one level at a time (S005): check that the heading belongs where it is now")
LINES_AS_VERSE = Declared(
    "I105", "info", "a paragraph of short lines broken by hand became a line block (verse)",
    "right for a poem, an address or a signature; if it is prose, join its lines into one paragraph")
NO_EQUIVALENT = Declared(
    "I106", "warning", "the Word file holds something paiban's syntax has no form for: kept as text or left out",
    "a formula is kept as its TeX code, a raw field or a link to a file of the author's computer is left out "
    "or kept as text: rewrite it as text, or as an image")
STRUCTURE_GUESSED = Declared(
    "I107", "warning", "the book's parts were guessed from the Word file's headings",
    "text before the first heading, a part heading (第一编) with text of its own, a preface after a chapter, or "
    "a document whose one top-level heading is taken for the book's title, was placed by guess: correct kind "
    "and title in book.yaml and in the chapters' front matter")
IMPORT_RULES += (IMAGE_LEFT_OUT, IMAGE_CONVERTED, TABLE_RESHAPED, HEADING_LEVEL_MOVED, LINES_AS_VERSE,
                 NO_EQUIVALENT, STRUCTURE_GUESSED)
