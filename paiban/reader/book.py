"""The manuscript reader: a book folder in, one immutable :class:`~paiban.model.Book` out.

A book folder holds ``book.yaml`` (metadata and the printed table of contents) and the
chapter files it names. Everything is read and checked here; builders never open a
file of the book again.
"""

from __future__ import annotations

import base64
import io
import os
import re
import urllib.parse
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from xml.etree.ElementTree import ParseError
from typing import Any

import defusedxml
import defusedxml.ElementTree
import lxml.etree

from paiban.reader import elements as book_elements, limits, reread
from paiban.reader import markdown as markup
from paiban.errors import BookError, Diagnostic
from paiban.reader.numbering import number_book
from paiban.reader.syntax import CROSS_REF
from paiban.reader.metadata import defaults, parse_yaml, read_metadata
from paiban.model import (
    Book,
    Chapter,
    CheckIgnore,
    CipRecord,
    Contributor,
    Geometry,
    Press,
    Heading,
    Imprint,
    PageMarker,
    Paper,
    PART_TITLE,
    Part,
    Printing,
    Publisher,
    Slogan,
    TocEntry,
)
from paiban.reader.sources import display_path, read_bytes, read_text, resolve_inside
from paiban.tree import LINE, Element, classes, elements, has_class, ids, serialize, source_line, text_of

BOOK_FILE = "book.yaml"
FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
ATX_HEADING = re.compile(r"^(#{1,6})[ \t]+\S")
FENCE = re.compile(r"^(```|~~~)")
CHAPTER_FIELDS = {"title", "subtitle", "kind"}
INLINE_CODE = re.compile(r"`[^`]*`")
# An image in Markdown (![alt](src)) or in raw HTML (<img ...>), as the tree will hold it.
IMAGE_SYNTAX = re.compile(r"!\[[^\]]*\]\(|<img\b", re.I)
NOTE_CALL = re.compile(r"\[\^[^\]\s]+\](?!:)")
TABLE_RULE = re.compile(r"\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*")


def read_book(root: Path) -> Book:
    """Read and validate the whole book folder."""
    root = root.resolve()
    if not root.is_dir():
        raise BookError("book folder not found", str(root), None, "pass the folder that holds book.yaml")
    meta_path = root / BOOK_FILE
    if not meta_path.is_file():
        raise BookError(f"no {BOOK_FILE} in the book folder", display_path(root, root), None,
                        "create book.yaml with the book's metadata (see README)")
    meta_file = display_path(meta_path, root)
    meta_text = read_text(meta_path, root)
    reread.begin(root)
    data, unknown = reread.metadata(meta_text, lambda: read_metadata(meta_text, meta_file))
    contents = _contents(data["contents"], meta_file)
    chapters = _chapters(root, contents, meta_file)
    # The book's own values over the schema's defaults, which are declared there once.
    layout = {**defaults("layout"), **(data.get("layout") or {})}
    press = {**defaults("print"), **(data.get("print") or {})}
    book = Book(
        root=root,
        title=str(data["title"]),
        title_pinyin=_opt(data, "title_pinyin"),
        series=_opt(data, "series"),
        language=str(data["language"]),
        date=str(data["date"]),
        description=_opt(data, "description"),
        subjects=tuple(str(s) for s in data.get("subjects") or ()),
        contributors=tuple(Contributor(name=str(c["name"]), role=str(c["role"])) for c in data["contributors"]),
        slogans=tuple(Slogan(text=str(s["text"]), key=str(s["key"]))
                      for s in (data.get("cover") or {}).get("slogans") or ()),
        publisher=_publisher(data["publisher"]),
        isbn=str(data["isbn"]),
        cip=_cip(data["cip"]) if data.get("cip") else None,
        imprint=_imprint(data["imprint"]) if data.get("imprint") else None,
        contents=contents,
        chapters=chapters,
        geometry=Geometry(trim_width_mm=layout["trim_width_mm"], trim_height_mm=layout["trim_height_mm"],
                          font_size_pt=layout["font_size_pt"], line_height_pt=layout["line_height_pt"],
                          chars_per_line=layout["chars_per_line"], lines_per_page=layout["lines_per_page"]),
        press=Press(bleed_mm=press["bleed_mm"], paper_caliper_mm=press["paper_caliper_mm"]),
        reflow=bool(layout["reflow"]),
        defer_figures=bool(layout["defer_figures"]),
        notes=str(layout["notes"]),
        contents_depth=int(layout["contents_depth"]),
        meta_file=meta_file,
        meta_text=meta_text,
        field_lines=tuple(_field_lines(data)),
        notices=tuple(Diagnostic("M011", "warning", meta_file, u.line, None,
                                 u.message + (f"; {u.hint}" if u.hint else "")) for u in unknown),
        files=_book_files(root),
        check_ignores=tuple(CheckIgnore(code=str(i["code"]), file=_opt(i, "file"), line=i.get("line"))
                            for i in (data.get("check") or {}).get("ignore") or ()),
    )
    _check_slogans(data, meta_file)
    return book


def _field_lines(data: Any, prefix: str = "") -> list[tuple[str, int]]:
    """The line of every mapping key in book.yaml, as dotted paths."""
    lines = []
    for key in data:
        lines.append((prefix + str(key), data.lc.key(key)[0] + 1))
        if isinstance(data[key], dict) and hasattr(data[key], "lc"):
            lines.extend(_field_lines(data[key], f"{prefix}{key}."))
        elif isinstance(data[key], list) and hasattr(data[key], "lc"):
            lines.extend((f"{prefix}{key}.{i}", data[key].lc.item(i)[0] + 1) for i in range(len(data[key])))
    return lines


# What every build leaves in its output folder (paiban.cache.CACHE_DIR): the mark of an
# output folder, whose files are the build's, not the book's.
OUTPUT_MARK = ".paiban-cache"
OUTPUT_SUFFIXES = (".epub", ".pdf", ".manifest.json")  # what a build writes beside it (paiban.outputs)


def _book_files(root: Path) -> tuple[str, ...]:
    """Every file in the book folder, relative to it, in a stable order.

    Hidden files and folders are left out, and so is an output folder inside the book
    (``--out manuscript/dist``), known by the cache every build leaves in it: its EPUB
    and PDFs are the build's, not the book's (R005 would call them unused). When the
    output folder is the book folder itself, its outputs (:data:`OUTPUT_SUFFIXES`) are left out.
    """
    found = []
    for folder, subfolders, files in os.walk(root):
        here = Path(folder)
        if OUTPUT_MARK in subfolders:
            if here != root:
                subfolders.clear()
                continue
            files = [f for f in files if not f.lower().endswith(OUTPUT_SUFFIXES)]
        subfolders[:] = [s for s in subfolders if not s.startswith(".")]
        found.extend((here / f).relative_to(root).as_posix() for f in files
                     if not f.startswith(".") and (here / f).is_file())
    return tuple(sorted(found))


def _opt(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return str(value) if value is not None else None


def _check_slogans(data: Any, file: str) -> None:
    for i, slogan in enumerate((data.get("cover") or {}).get("slogans") or ()):
        if str(slogan["key"]) not in str(slogan["text"]):
            line = data["cover"]["slogans"].lc.item(i)[0] + 1
            raise BookError(f"slogan key word {slogan['key']!r} does not occur in its text", file, line,
                            "the key is the part of the text printed in bold")


def _publisher(p: dict[str, Any]) -> Publisher:
    p = {**defaults("publisher"), **p}
    return Publisher(name=str(p["name"]), city=str(p["city"]), address=str(p["address"]),
                     postcode=str(p["postcode"]), phones=tuple(str(x) for x in p.get("phones") or ()),
                     editorial_phone=_opt(p, "editorial_phone"))


def _cip(c: dict[str, Any]) -> CipRecord:
    return CipRecord(bibliographic=str(c["bibliographic"]), isbn=str(c["isbn"]),
                     classification=tuple(str(x) for x in c["classification"]), number=str(c["number"]))


def _printing(p: dict[str, Any]) -> Printing:
    return Printing(year=int(p["year"]), month=int(p["month"]), place=str(p["place"]), number=int(p["number"]))


def _imprint(i: dict[str, Any]) -> Imprint:
    paper = i["paper"]
    return Imprint(
        editor=str(i["editor"]), distributor=str(i["distributor"]), printer=str(i["printer"]),
        edition=_printing(i["edition"]), impression=_printing(i["impression"]),
        paper=Paper(width_mm=int(paper["width_mm"]), height_mm=int(paper["height_mm"]), fold=int(paper["fold"])),
        sheets=float(i["sheets"]), kilo_characters=int(i["kilo_characters"]), price=str(i["price"]),
    )


def _contents(items: Any, meta_file: str) -> tuple[Part, ...]:
    """The parts of ``contents``, each part-title page with its id (part-1, part-2…).

    Prefaces are the front matter, printed before the contents: one after the body has
    begun would be printed far from its place, so it is refused here.
    """
    parts, titles = [], 0
    for i, item in enumerate(items):
        titles += item["kind"] == PART_TITLE
        part = _part(item, items.lc.item(i)[0] + 1, f"part-{titles}" if item["kind"] == PART_TITLE else "")
        body = next((p for p in parts if not p.front), None)
        if part.front and body is not None:
            raise BookError(f"the {part.kind} '{part.title}' follows '{body.title}', a part of the body",
                            meta_file, part.line, "list the prefaces first in contents: they are printed "
                            "before the contents, with roman page numbers")
        if part.kind == PART_TITLE and (part.file or part.entries is not None):
            raise BookError(f"the part-title page '{part.title}' has a {'file' if part.file else 'list of entries'}",
                            meta_file, part.line, "a part (kind: part) is a page with its title only; its chapters "
                            "follow it in contents, each with its own file")
        parts.append(part)
    return tuple(parts)


def _part(p: dict[str, Any], line: int, ident: str) -> Part:
    entries = None
    if "entries" in p:
        entry = defaults("contents.entries")
        entries = tuple(
            TocEntry(title=str(e["title"]), page=int(e["page"]), kind=str(e["kind"]),
                     line=p["entries"].lc.item(j)[0] + 1)
            for j, e in enumerate({**entry, **given} for given in p["entries"])
        )
    return Part(title=str(p["title"]), subtitle=_opt(p, "subtitle"), kind=str(p["kind"]), file=_opt(p, "file"),
                entries=entries, line=line, id=ident)


def _chapters(root: Path, contents: tuple[Part, ...], meta_file: str) -> tuple[Chapter, ...]:
    read: list[tuple[Chapter, Element]] = []
    seen: dict[Path, int] = {}
    for part in contents:
        if part.file is None:
            continue
        path = resolve_inside(root, part.file, Path(meta_file), part.line)
        if path in seen:
            raise BookError(f"chapter file {part.file} is listed twice (first at line {seen[path]})",
                            meta_file, part.line, "each chapter file belongs to one part")
        seen[path] = part.line
        if not path.exists():  # anything else there is for read_text to refuse (a folder, a pipe)
            raise BookError(f"chapter file {part.file} is listed but does not exist", meta_file, part.line,
                            "create the file, fix its name, or remove the file: line while the text is missing")
        chapter, tree = read_chapter(path, root, part)
        if chapter.kind != part.kind:
            raise BookError(f"{chapter.source} says kind: {chapter.kind} in its front matter; book.yaml says "
                            f"{part.kind}", meta_file, part.line, "give the part one kind: remove kind: from the "
                            "chapter's front matter, or make both the same")
        read.append((chapter, tree))
    chapters = _numbered(read)
    titles = {ident: part for part in contents if part.id for ident in (part.id, f"{part.id}-title")}
    for chapter in chapters:
        if clashes := sorted(titles.keys() & {chapter.id, f"{chapter.id}-title", *chapter.ids}):
            clash = clashes[0]
            raise BookError(f"id {clash!r} of {chapter.source} is the part-title page {titles[clash].title}'s",
                            meta_file, titles[clash].line, "rename the chapter file or the element's {#id}: "
                            "part-title pages are part-1, part-2… in both outputs")
    if not chapters:
        raise BookError("the book has no chapter text: no part of contents names a file", meta_file, None,
                        "add file: chapters/….md to a part of contents")
    _check_marker_order(chapters, root)
    _check_unique_ids(chapters)
    return tuple(chapters)


def _numbered(read: list[tuple[Chapter, Element]]) -> list[Chapter]:
    """The chapters with their figures and tables numbered for the whole book and their
    cross-references resolved (:mod:`paiban.reader.numbering`), each tree in its
    canonical form at last."""
    items, problems = number_book([(c.source, c.kind, tree) for c, tree in read])
    return [replace(chapter, html=serialize(tree, lines=True), text=tree.text_content(), ids=tuple(ids(tree)),
                    numbered=tuple(numbered),
                    diagnostics=chapter.diagnostics + tuple(p for p in problems if p.file == chapter.source))
            for (chapter, tree), numbered in zip(read, items, strict=True)]


def _check_unique_ids(chapters: list[Chapter]) -> None:
    """Every id in the book is unique: links, the nav and the PDF outline rely on it. (A
    label two figures or tables share is the numbering's finding, R008, at the second one.)"""
    seen: dict[str, str] = {}
    labels = Counter(n.label for c in chapters for n in c.numbered if n.label)
    shared_labels = {label for label, count in labels.items() if count > 1}
    for c in chapters:
        names = [c.id, f"{c.id}-title", *(i for i in c.ids if i not in shared_labels)]
        if c.opening_page:
            names.append(f"page-{c.opening_page}")
        for ident in names:
            if ident in seen:
                lines = [i for i, text in enumerate(c.body.split("\n"), c.body_line) if f"#{ident}" in text]
                line = lines[-1] if lines else None
                raise BookError(f"id {ident!r} is used twice (also in {seen[ident]})", c.source, line,
                                "give each heading or element its own {#id}, and each chapter file its own name")
            seen[ident] = c.source


def chapter_id(path: Path) -> str:
    """An XML id from a file name: ``00-xulun.md`` → ``c00-xulun``."""
    stem = re.sub(r"[^A-Za-z0-9_-]", "", path.stem) or "chapter"
    return stem if stem[0].isalpha() else f"c{stem}"


def read_chapter(path: Path, root: Path, part: Part) -> tuple[Chapter, Element]:
    """A chapter file read, and its body's tree; the tree gets its book-wide numbers
    (:func:`_numbered`) before the model keeps it. The file is read every time; what is
    made of it is taken from the last read when nothing it depends on has changed
    (:mod:`paiban.reader.reread`)."""
    text = read_text(path, root)
    return reread.chapter(path, root, part.kind, text, lambda: _parse_chapter(path, root, part.kind, text))


def _parse_chapter(path: Path, root: Path, part_kind: str, text: str) -> tuple[Chapter, Element]:
    file = display_path(path, root)
    match = FRONT_MATTER.match(text)
    if not match:
        raise BookError("chapter file does not start with front matter", file, 1,
                        "begin it with ---, title: …, kind: …, --- lines")
    front = parse_yaml(match.group(1), file, 2) or {}
    if not isinstance(front, dict):
        raise BookError("front matter must be a mapping (title: …)", file, 2)
    for key in front:
        if key not in CHAPTER_FIELDS:
            raise BookError(f"unknown front matter field '{key}'", file, front.lc.key(key)[0] + 2,
                            f"known fields: {', '.join(sorted(CHAPTER_FIELDS))}")
    if not front.get("title"):
        raise BookError("front matter has no title", file, 2, "add title: … (the chapter title without its number)")
    body_start = match.group(0).count("\n") + 1
    body = text[match.end():]
    limits.check_body(body, file, body_start)
    scan = _scan(body, file, body_start)
    markers = scan.markers
    cid = chapter_id(path)
    tree_root, removed = markup.render(body, cid)
    removals = _removals(removed, body, file, body_start)
    _stamp_lines(tree_root, scan, file)
    _confine_urls(tree_root, path, root, file, body, body_start)
    images = _images(tree_root, root, file)
    book_elements.notes(tree_root, cid)
    book_elements.emphasis(tree_root)
    rendered = list(elements(tree_root, "h1", "h2", "h3", "h4", "h5", "h6"))
    if len(rendered) != len(scan.headings):
        raise BookError("found headings that are not '#' headings (underlined with === or ---)", file, None,
                        "write every heading as ## …, ### … or #### …")
    headings = []
    for h in rendered:
        level, line = int(h.tag[1]), int(h.get("data-line"))
        if level == 1:
            raise BookError("a '#' heading in a chapter body", file, line,
                            "the chapter title goes in the front matter; sections start at ##")
        page = next((m.number for m in reversed(markers) if m.line <= line), None)
        headings.append(Heading(level, text_of(h), h.get("id", ""), line, page, tuple(classes(h))))
    opening_page = _split_opening(tree_root, markers)
    return Chapter(
        id=cid, title=str(front["title"]), subtitle=_opt(front, "subtitle"),
        kind=str(front.get("kind", part_kind)), source=file, html="",
        headings=tuple(headings), markers=tuple(markers), text="", opening_page=opening_page,
        images=images, diagnostics=removals,
        body=body, body_line=body_start,
    ), tree_root


def _split_opening(root: Element, markers: list[PageMarker]) -> int | None:
    """Take a page marker that opens the chapter out of the body: that page begins with
    the chapter opening, so the templates put the page break before the title."""
    if not markers or markers[0].inline or not len(root) or (root.text or "").strip():
        return None
    first = root[0]
    if first.tag == "div" and first.get("id") == f"page-{markers[0].number}":
        root.text = (first.tail or "").strip() or None
        first.tail = None
        root.remove(first)
        return markers[0].number
    return None


def _lines_with(body: str, needle: str, first_line: int) -> list[int]:
    """Every line of ``body`` holding ``needle`` (case-insensitive): where a removed or
    refused piece of raw HTML stands, all of its places."""
    lowered = needle.lower()
    return [first_line + i for i, line in enumerate(body.split("\n")) if lowered in line.lower()]


def _removals(removed: list[markup.sanitize.Removal], body: str, file: str,
              first_line: int) -> tuple[Diagnostic, ...]:
    """What raw HTML the sanitizer took out, and where it was (rule R006)."""
    found = []
    for r in removed:
        lines = _lines_with(body, r.source_text, first_line)
        also = f"; also at lines {', '.join(map(str, lines[1:]))}" if len(lines) > 1 else ""
        found.append(Diagnostic("R006", "warning", file, lines[0] if lines else None, None,
                                f"removed {r.what} ({r.count}×): raw HTML that may not appear in a book{also}"))
    return tuple(found)


def _stamp_lines(root: Element, scan: _Scan, file: str) -> None:
    """Give page markers, headings and images the source line they came from (``data-line``).

    Markdown's tree has no lines; the scan of the source (:func:`_scan`) has them, in
    document order, as the tree has the elements: markers by their number (unique in a
    book), headings, images, cross-references, note calls and tables by their order.
    """
    by_number = {m.number: m.line for m in scan.markers}
    stamped = set()
    for el in elements(root, "span", "div"):
        if has_class(el, "pagebreak"):
            number = int(el.get("aria-label") or 0)
            el.set("data-line", str(by_number[number]))
            stamped.add(number)
    for m in scan.markers:
        if m.number not in stamped:
            raise BookError(f"page marker {{{{page {m.number}}}}} stands inside raw HTML, where it is not read",
                            file, m.line, "put the marker in the Markdown text, outside HTML tags")
    for el, line in zip(elements(root, "h1", "h2", "h3", "h4", "h5", "h6"), scan.headings):
        el.set("data-line", str(line))
    for found, lines in ((list(elements(root, "img")), scan.images),
                         ([a for a in elements(root, "a") if has_class(a, "xref")], scan.xrefs),
                         ([s for s in elements(root, "sup") if (s.get("id") or "").startswith("fnref")], scan.calls),
                         (list(elements(root, "table")), scan.tables)):
        if len(found) == len(lines):  # else raw HTML made some: those have no line
            for el, line in zip(found, lines, strict=True):
                el.set("data-line", str(line))


def _confine_urls(root: Element, chapter: Path, book_root: Path, file: str, body: str, first_line: int) -> None:
    """Refuse images on the network or outside the book, and links to local files;
    point the remaining images at the book root.

    Image paths are written relative to the chapter file; the builders resolve them
    from the book folder, so the model holds them relative to it. First the tree is
    measured for what its layout could not survive (:func:`_check_layout_bounds`).
    """
    _check_layout_bounds(root, file, body, first_line)
    for a in elements(root, "a"):
        href = a.get("href") or ""
        if re.match(r"\s*(file|data):", href, re.I):
            lines = _lines_with(body, href[:20], first_line)
            raise BookError(f"link {href[:80]!r} points at a file outside the book", file, lines[0] if lines else None,
                            "link to a web address or a heading instead")
    for img in elements(root, "img"):
        src, line = img.get("src") or "", source_line(img)
        scheme = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", src)
        if scheme:
            raise BookError(f"image {src[:80]!r} is not a file of the book ({scheme.group(1)}: URL)", file, line,
                            "a build never fetches anything; copy the image into the book folder")
        target = resolve_inside(book_root, str((chapter.parent / src).relative_to(book_root))
                                if not src.startswith("/") else src, Path(file), line)
        img.set("src", target.relative_to(book_root.resolve()).as_posix())


# An integer as WeasyPrint reads colspan and rowspan (html.parse_integer).
SPAN = re.compile(r"\s*[+-]?([0-9]+)")
LIST_START = re.compile(r"-?[0-9]{1,%d}" % len(str(limits.MAX_LIST_START)))


def _check_layout_bounds(root: Element, file: str, body: str, first_line: int) -> None:
    """Refuse a tree WeasyPrint cannot lay out: nested deeper than
    :data:`limits.MAX_TREE_DEPTH` (its layout recurses, and overflows Python's stack), a
    table cell spanning more than :data:`limits.MAX_SPAN` columns or rows (it makes a
    grid cell for each: a MemoryError), or a numbered list whose ``start`` is a number
    past :data:`limits.MAX_LIST_START` (the print builder turns it into a CSS counter,
    and Python reads no integer of over 4,300 digits).

    :func:`limits.check_body` bounds the raw HTML as written, but the HTML parser may
    nest deeper than the source reads (it reopens formatting elements, adds a
    ``<tbody>``), so the tree is measured too. Its elements have no source line but the
    stamped ones: too deep a nesting is reported at the last stamped line before it, a
    span at the line that writes it.
    """
    depth, line = 0, first_line
    for event, el in lxml.etree.iterwalk(root, events=("start", "end")):
        if event == "end":
            depth -= 1
            continue
        depth += 1
        line = int(el.get(LINE)) if el.get(LINE) else line  # its own line, not a descendant's
        if depth > limits.MAX_TREE_DEPTH:
            raise BookError(f"raw HTML from here on nests elements more than {limits.MAX_TREE_DEPTH} deep", file,
                            line, "close each HTML element you open (<b>…</b>, <div>…</div>), or nest fewer")
        for name in ("colspan", "rowspan"):
            value = SPAN.match(el.get(name) or "")
            if value and (len(value.group(1).lstrip("0")) > len(str(limits.MAX_SPAN))
                          or int(value.group(1)) > limits.MAX_SPAN):
                written = set(_lines_with(body, value.group(1), first_line))
                at = [n for n in _lines_with(body, name, first_line) if n in written] or [line]
                raise BookError(f"a table cell with {name}={value.group(1)[:12]} (at most {limits.MAX_SPAN:,})",
                                file, at[0], "a table of a book has far fewer columns and rows; fix the number")
        start = (el.get("start") or "").strip() if el.tag == "ol" else ""
        if start.lstrip("-").isdigit() and not LIST_START.fullmatch(start):
            at = _lines_with(body, start[:20], first_line) or [line]
            raise BookError(f"a numbered list that starts at {start[:12]} (a whole number up to "
                            f"{limits.MAX_LIST_START:,})", file, at[0], "number the list from where it starts")


IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
               ".svg": "image/svg+xml", ".webp": "image/webp"}
MAX_IMAGE_BYTES = 20 * 1024 * 1024
# The raster formats a book may hold (EPUB 3's core media types), by Pillow's names.
RASTER_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
FORMAT_NAMES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WebP",
                "image/svg+xml": "SVG"}


def _images(root: Element, book_root: Path, file: str) -> tuple[tuple[str, bytes], ...]:
    """The images a chapter shows, read into the model so the builders need no file.

    A missing image is left to check (rule R001), which names it. Refused here, at the
    image's line, before any layout: a format EPUB reading systems cannot show; content
    that is not what the name says (reading systems go by the name's media type,
    :data:`IMAGE_TYPES`, WeasyPrint by the content: the outputs would differ, or
    WeasyPrint drop the image); too many pixels to decode (a decompression bomb); an SVG
    that is not inert and self-contained (:func:`safe_svg`); a file that
    :func:`~paiban.reader.sources.read_bytes` refuses (a hard link).
    """
    images: dict[str, bytes] = {}
    for img in elements(root, "img"):
        src, line = img.get("src") or "", source_line(img)
        if src in images:
            continue
        path = book_root / src
        named = IMAGE_TYPES.get(path.suffix.lower())
        if named is None:
            raise BookError(f"image {src} is not PNG, JPEG, GIF, SVG or WebP", file, line,
                            "convert it to PNG or JPEG")
        if path.is_file():
            if path.stat().st_size > MAX_IMAGE_BYTES:
                raise BookError(f"image {src} is larger than 20 MB", file, line, "reduce it to print resolution")
            try:
                data = read_bytes(path, book_root)
            except BookError as exc:
                raise BookError(f"image {src}: {exc.message}", file, line, exc.hint) from None
            if named == "image/svg+xml":
                safe_svg(data, src, file, line)
            elif (found := _raster_type(data, src, file, line)) != named:
                raise BookError(f"image {src} is a {FORMAT_NAMES[found]} file, not the {FORMAT_NAMES[named]} "
                                "its name says", file, line,
                                f"rename it to .{FORMAT_NAMES[found].lower()}, or convert it to what its name says")
            images[src] = data
    return tuple(images.items())


def _raster_type(data: bytes, name: str, file: str, line: int | None) -> str:
    """The media type of a raster image by its content, refusing what is no PNG, JPEG, GIF
    or WebP image (Pillow tries no other format) and more pixels than
    :data:`limits.MAX_IMAGE_PIXELS`: a file of a few kilobytes can decode to gigabytes."""
    from PIL import Image  # Pillow only for a book that has raster images

    too_large = BookError(f"image {name} has more than {limits.MAX_IMAGE_PIXELS // 1_000_000} million pixels",
                          file, line, "reduce it to print resolution (300 dpi at its printed size)")
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb check warns first, then refuses: both mean too large here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(RASTER_FORMATS)) as image:
                if image.width * image.height > limits.MAX_IMAGE_PIXELS:
                    raise too_large
                found = RASTER_FORMATS[image.format or ""]
                image.verify()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise too_large from None
    except Image.UnidentifiedImageError:
        svg = b"<svg" in data[:4096]
        raise BookError(f"image {name} is {'an SVG drawing' if svg else 'no PNG, JPEG, GIF or WebP image'}", file,
                        line, "name it .svg" if svg else "export it again as PNG or JPEG") from None
    except BookError:
        raise
    except Exception as exc:  # what Pillow's decoder met in damaged data: OSError, SyntaxError, struct.error…
        raise BookError(f"image {name} is damaged ({exc.__class__.__name__}: {str(exc)[:80]})", file, line,
                        "export it again as PNG or JPEG") from None
    return found


# Elements of an SVG that run, load or embed something, in any namespace.
SVG_ACTIVE = {"script", "foreignObject", "handler", "iframe", "embed", "object", "audio", "video"}
SVG_NS = "{http://www.w3.org/2000/svg}"
XHTML_NS = "{http://www.w3.org/1999/xhtml}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
# The only data: URLs an SVG may hold: raster images, checked like an image file.
DATA_RASTER = re.compile(r"data:(image/(?:png|jpeg|gif|webp))(;base64)?,", re.I)
CSS_URL = re.compile(r"url\(\s*['\"]?\s*([^'\")\s]*)", re.I)
PROCESSING_INSTRUCTION = re.compile(rb"<\?(?!xml[\s?])")


def safe_svg(data: bytes, name: str, file: str, line: int | None) -> None:
    """Refuse an SVG that is not inert and self-contained, naming what was found.

    Refused: a DTD or entities (billion laughs, XXE: defusedxml); what runs or embeds
    content (``<script>``, ``on…=`` handlers, ``javascript:`` URLs, ``<foreignObject>``
    and HTML with any content, an animation of a link); a processing instruction
    (``<?xml-stylesheet?>`` loads a stylesheet); and every reference but to the SVG's
    own ids (``#id``) and to embedded PNG, JPEG, GIF or WebP data: a reading system or
    WeasyPrint would follow a link to the network or to a file, and even a file of the
    book would be missing from the EPUB, which holds the images the chapters name.
    """
    def refuse(found: str) -> BookError:
        return BookError(f"image {name} is not a safe SVG: it has {found}", file, line,
                         "keep only drawing in it: no scripts, event handlers, HTML or links to other files "
                         "(embed a raster image as data:image/png;base64,…)")

    try:
        svg = defusedxml.ElementTree.fromstring(data, forbid_dtd=True)
    except (defusedxml.DefusedXmlException, ParseError) as exc:
        raise BookError(f"image {name} is not a safe SVG: {exc}", file, line,
                        "save it without a DOCTYPE or entities (e.g. export as plain SVG)") from None
    if svg.tag != f"{SVG_NS}svg":
        raise BookError(f"image {name} is no SVG image (its root is <{svg.tag.rpartition('}')[2]}>)", file, line,
                        "export it again as SVG, or name it by its format")
    if m := PROCESSING_INSTRUCTION.search(data):
        raise refuse(f"a processing instruction ({data[m.start():m.start() + 30].decode('utf-8', 'replace')}…)")
    for el in svg.iter():
        tag = el.tag.rpartition("}")[2]
        if tag in SVG_ACTIVE or el.tag.startswith(XHTML_NS):
            raise refuse(f"a <{tag}> element")
        if tag == "style" and el.text:
            if "@import" in el.text:
                raise refuse("a stylesheet that imports another (@import)")
            _svg_references(CSS_URL.findall(el.text), refuse, name, file, line)
        for attribute, value in el.attrib.items():
            local = attribute.rpartition("}")[2]
            if local.lower().startswith("on"):
                raise refuse(f"an event handler ({local}=)")
            if re.match(r"\s*javascript:", value, re.I):
                raise refuse(f"a javascript: URL ({local}=)")
            if tag in ("set", "animate") and local == "attributeName" and value.rpartition(":")[2] == "href":
                raise refuse(f"an animation of a link (<{tag} attributeName={value!r}>)")
            links = [value] if attribute in ("href", XLINK_HREF) else []
            _svg_references(links + CSS_URL.findall(value), refuse, name, file, line)


def _svg_references(targets: list[str], refuse: Callable[[str], BookError], name: str, file: str,
                    line: int | None) -> None:
    """Refuse each reference of an SVG but ``#id`` and embedded raster data, which is
    checked like an image file (its format, its pixels)."""
    for target in (t.strip() for t in targets):
        if not target or target.startswith("#"):
            continue
        raster = DATA_RASTER.match(target)
        if raster is None:
            scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", target)
            what = f"a {scheme.group(1).lower()}: URL" if scheme else "a reference to another file"
            raise refuse(f"{what} ({target[:60]!r})")
        payload = target[raster.end():]
        try:
            embedded = (base64.b64decode(payload) if raster.group(2)
                        else urllib.parse.unquote_to_bytes(payload))
        except ValueError as exc:  # binascii.Error
            raise refuse(f"a data: URL that does not decode ({exc})") from None
        found = _raster_type(embedded, f"{name} (the image embedded in it)", file, line)
        if found != raster.group(1).lower():
            raise refuse(f"a data: URL of type {raster.group(1)} that holds a {FORMAT_NAMES[found]} image")


@dataclass(frozen=True)
class _Scan:
    """What the line scan of a chapter body found, each in document order with its line."""

    markers: list[PageMarker]
    headings: list[int]
    images: list[int]
    xrefs: list[int]  # @fig:… and @tbl:…
    calls: list[int]  # [^note] (not its definition)
    tables: list[int]  # the first row of each pipe table


def _scan(body: str, file: str, first_line: int) -> _Scan:
    """Page markers, ATX headings and images of a chapter body, with their line numbers.

    Fenced code is skipped, and inline code blanked, as Markdown does not read them.
    """
    markers: list[PageMarker] = []
    headings: list[int] = []
    images: list[int] = []
    xrefs: list[int] = []
    calls: list[int] = []
    tables: list[int] = []
    fenced = False
    lines = body.split("\n")
    for offset, line in enumerate(lines):
        lineno = first_line + offset
        if FENCE.match(line):
            fenced = not fenced
        if fenced:
            continue
        if ATX_HEADING.match(line):
            headings.append(lineno)
        code_free = INLINE_CODE.sub(lambda m: " " * len(m.group(0)), line)
        images.extend(lineno for _ in IMAGE_SYNTAX.finditer(code_free))
        xrefs.extend(lineno for _ in CROSS_REF.finditer(code_free))
        calls.extend(lineno for _ in NOTE_CALL.finditer(code_free))
        if offset + 1 < len(lines) and TABLE_RULE.fullmatch(lines[offset + 1]) and "|" in line:
            tables.append(lineno)
        for m in markup.MARKER_LIKE.finditer(code_free):
            good = markup.MARKER.fullmatch(m.group(0))
            if not good:
                raise BookError(f"malformed page marker {m.group(0)!r}", file, lineno,
                                "write it as {{page N}} with the original page number N")
            alone = line.strip() == m.group(0)
            markers.append(PageMarker(_page_number(good.group(1), file, lineno), lineno, not alone))
    return _Scan(markers, headings, images, xrefs, calls, tables)


def _page_number(digits: str, file: str, line: int) -> int:
    """The number of a page marker, refused past :data:`limits.MAX_PAGE`: page numbers are
    counted through (S001 lists the missing ones) and reach the page list and the NCX."""
    significant = digits.lstrip("0")
    if len(significant) > len(str(limits.MAX_PAGE)) or int(significant or 0) > limits.MAX_PAGE:
        shown = digits if len(digits) <= 12 else f"{digits[:12]}…"
        raise BookError(f"page number {shown} is larger than {limits.MAX_PAGE:,}", file, line,
                        "write the page number of the print edition")
    return int(digits)


def _check_marker_order(chapters: list[Chapter], root: Path) -> None:
    previous: tuple[int, str, int] | None = None
    for chapter in chapters:
        for m in chapter.markers:
            if previous and m.number <= previous[0]:
                raise BookError(
                    f"page marker {{{{page {m.number}}}}} comes after page {previous[0]} "
                    f"({previous[1]}:{previous[2]})", chapter.source, m.line,
                    "page markers must increase through the book; fix the number or its place")
            previous = (m.number, chapter.source, m.line)
