"""Reference rules (R): images, links and footnotes that point at nothing, files nothing uses.

Image and link paths are relative to the chapter file (as the reader resolves them);
``#id`` links point into the same chapter, which is one document of the EPUB.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from paiban.model import Book, Chapter
from paiban.reader.book import BOOK_FILE, FENCE
from paiban.reader.sources import display_path, in_book, resolve
from paiban.check.registry import Place, found_by_the_reader, rule

_TARGET = r"\(\s*<?([^)\s>]*)>?(?:\s+[\"'][^)]*[\"'])?\s*\)"
IMAGE = re.compile(r"!\[[^\]]*\]" + _TARGET)
LINK = re.compile(r"(?<!!)\[(?!\^)[^\]]*\]" + _TARGET)
FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]+)\](?!:)")
FOOTNOTE_DEF = re.compile(r"^\[\^([^\]\s]+)\]:")
SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
# Files of a book folder that no reference needs to name.
UNREFERENCED = re.compile(r"(CORRECTIONS\.md|README[^/]*|(templates|styles)/.*)")


def source_lines(chapter: Chapter) -> Iterator[tuple[int, str]]:
    """(line number, text) of the body outside fenced code blocks, inline code blanked."""
    fenced = False
    for offset, text in enumerate(chapter.body.split("\n")):
        if FENCE.match(text):
            fenced = not fenced
        elif not fenced:
            yield chapter.body_line + offset, re.sub(r"`[^`]*`", lambda m: " " * len(m.group(0)), text)


@rule("R001", "error", "an image points at a file that is not in the book",
      "copy the image into the book folder, or fix its path (relative to the chapter file)")
def missing_images(book: Book) -> Place:
    files = set(book.files)
    for chapter in book.chapters:
        here = in_book(book, chapter.source)
        for line, text in source_lines(chapter):
            for m in IMAGE.finditer(text):
                if not SCHEME.match(m.group(1)) and resolve(here, m.group(1)) not in files:
                    yield chapter.source, line, m.start() + 1, f"image '{m.group(1)}' does not exist"


@rule("R002", "error", "a link points at nothing",
      "link to an id that exists ({#id} on a heading), or to a file of the book")
def broken_links(book: Book) -> Place:
    files = set(book.files)
    by_file = {in_book(book, c.source): c for c in book.chapters}
    for chapter in book.chapters:
        here = in_book(book, chapter.source)
        for line, text in source_lines(chapter):
            for m in LINK.finditer(text):
                target = m.group(1)
                if not target or SCHEME.match(target):
                    continue
                path, _, fragment = target.partition("#")
                file = resolve(here, path) if path else here
                if path and file not in files:
                    yield chapter.source, line, m.start() + 1, f"link to '{target}': no file {file} in the book"
                elif fragment and file in by_file and fragment not in by_file[file].ids:
                    yield (chapter.source, line, m.start() + 1,
                           f"link to '{target}': no id '{fragment}' in {by_file[file].source}")


def _footnotes(chapter: Chapter) -> tuple[dict[str, tuple[int, int]], dict[str, tuple[int, int]]]:
    """Where each footnote label is first referenced, and where it is defined."""
    refs: dict[str, tuple[int, int]] = {}
    defs: dict[str, tuple[int, int]] = {}
    for line, text in source_lines(chapter):
        if d := FOOTNOTE_DEF.match(text):
            defs.setdefault(d.group(1), (line, 1))
        for m in FOOTNOTE_REF.finditer(text):
            refs.setdefault(m.group(1), (line, m.start() + 1))
    return refs, defs


@rule("R003", "error", "a footnote reference has no footnote",
      "add the note as [^label]: text, or fix the label")
def undefined_footnotes(book: Book) -> Place:
    for chapter in book.chapters:
        refs, defs = _footnotes(chapter)
        for label, (line, col) in refs.items():
            if label not in defs:
                yield chapter.source, line, col, f"footnote [^{label}] is never defined in this chapter"


@rule("R004", "warning", "a footnote is never referenced",
      "put [^label] where the note belongs, or delete the note")
def unused_footnotes(book: Book) -> Place:
    for chapter in book.chapters:
        refs, defs = _footnotes(chapter)
        for label, (line, col) in defs.items():
            if label not in refs:
                yield chapter.source, line, col, f"footnote [^{label}] is defined but never referenced"


@rule("R005", "warning", "a file in the book folder that nothing uses",
      "name it in contents (a chapter), refer to it (an image), or move it out of the book folder")
def unused_files(book: Book) -> Place:
    used = {BOOK_FILE, *(posixpath.normpath(p.file) for p in book.contents if p.file)}
    for chapter in book.chapters:
        here = in_book(book, chapter.source)
        for _, text in source_lines(chapter):
            used.update(resolve(here, m.group(1).partition("#")[0]) for pattern in (IMAGE, LINK)
                        for m in pattern.finditer(text) if m.group(1) and not SCHEME.match(m.group(1)))
    for file in book.files:
        if file not in used and not UNREFERENCED.fullmatch(file):
            yield display_path(book.root / file, book.root), None, None, f"{file} is not used by the book"


found_by_the_reader("R006", "warning", "raw HTML that may not appear in a book was removed (scripts, event "
                    "handlers, javascript: links, iframes, forms, objects)",
                    "remove it from the manuscript: a book is read, not run")
