"""The manuscript reader: a book folder in, one immutable :class:`~paiban.model.Book` out.

A book folder holds ``book.yaml`` (metadata and the printed table of contents) and the
chapter files it names. Everything is read and checked here; builders never open a
file of the book again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import ParseError
from typing import Any

import defusedxml
import defusedxml.ElementTree

from paiban.reader import limits
from paiban.reader import markdown as markup
from paiban.errors import BookError
from paiban.log import LOGGER
from paiban.reader.metadata import parse_yaml, read_metadata
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
    Part,
    Printing,
    Publisher,
    Slogan,
    TocEntry,
)
from paiban.reader.sources import display_path, read_text, resolve_inside
from paiban.tree import Element, classes, elements, has_class, ids, serialize, text_of

BOOK_FILE = "book.yaml"
FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
ATX_HEADING = re.compile(r"^(#{1,6})[ \t]+\S")
FENCE = re.compile(r"^(```|~~~)")
CHAPTER_FIELDS = {"title", "subtitle", "kind"}
INLINE_CODE = re.compile(r"`[^`]*`")
# An image in Markdown (![alt](src)) or in raw HTML (<img ...>), as the tree will hold it.
IMAGE_SYNTAX = re.compile(r"!\[[^\]]*\]\(|<img\b", re.I)


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
    data, unknown = read_metadata(meta_text, meta_file)
    contents = tuple(_part(p, data["contents"].lc.item(i)[0] + 1) for i, p in enumerate(data["contents"]))
    chapters = _chapters(root, contents, meta_file)
    layout = dict(data.get("layout") or {})
    reflow = bool(layout.pop("reflow", False))
    book = Book(
        root=root,
        title=str(data["title"]),
        title_pinyin=_opt(data, "title_pinyin"),
        series=_opt(data, "series"),
        language=str(data["language"]),
        date=str(data["date"]),
        description=_opt(data, "description"),
        subjects=tuple(str(s) for s in data.get("subjects") or ()),
        contributors=tuple(Contributor(str(c["name"]), str(c["role"])) for c in data["contributors"]),
        slogans=tuple(Slogan(str(s["text"]), str(s["key"])) for s in (data.get("cover") or {}).get("slogans") or ()),
        publisher=_publisher(data["publisher"]),
        isbn=str(data["isbn"]),
        cip=_cip(data["cip"]) if data.get("cip") else None,
        imprint=_imprint(data["imprint"]) if data.get("imprint") else None,
        contents=contents,
        chapters=chapters,
        geometry=Geometry(**layout),
        press=Press(**(data.get("print") or {})),
        reflow=reflow,
        meta_file=meta_file,
        meta_text=meta_text,
        field_lines=tuple(_field_lines(data)),
        unknown_fields=tuple((u.line, u.message, u.hint) for u in unknown),
        files=_book_files(root),
        check_ignores=tuple(CheckIgnore(str(i["code"]), _opt(i, "file"), i.get("line"))
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


def _book_files(root: Path) -> tuple[str, ...]:
    """Every file in the book folder (hidden ones left out), relative to it, in a stable order."""
    return tuple(sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)))


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
    return Publisher(str(p["name"]), str(p["city"]), str(p.get("address", "")), str(p.get("postcode", "")),
                     tuple(str(x) for x in p.get("phones") or ()), _opt(p, "editorial_phone"))


def _cip(c: dict[str, Any]) -> CipRecord:
    return CipRecord(str(c["bibliographic"]), str(c["isbn"]), tuple(str(x) for x in c["classification"]),
                     str(c["number"]))


def _printing(p: dict[str, Any]) -> Printing:
    return Printing(int(p["year"]), int(p["month"]), str(p["place"]), int(p["number"]))


def _imprint(i: dict[str, Any]) -> Imprint:
    paper = i["paper"]
    return Imprint(
        editor=str(i["editor"]), distributor=str(i["distributor"]), printer=str(i["printer"]),
        edition=_printing(i["edition"]), impression=_printing(i["impression"]),
        paper=Paper(int(paper["width_mm"]), int(paper["height_mm"]), int(paper["fold"])),
        sheets=float(i["sheets"]), kilo_characters=int(i["kilo_characters"]), price=str(i["price"]),
    )


def _part(p: dict[str, Any], line: int) -> Part:
    entries = tuple(
        TocEntry(str(e["title"]), int(e["page"]), str(e.get("kind", "section")), p["entries"].lc.item(j)[0] + 1)
        for j, e in enumerate(p["entries"])
    )
    return Part(str(p["title"]), _opt(p, "subtitle"), str(p["kind"]), _opt(p, "file"), entries, line)


def _chapters(root: Path, contents: tuple[Part, ...], meta_file: str) -> tuple[Chapter, ...]:
    chapters: list[Chapter] = []
    seen: dict[Path, int] = {}
    for part in contents:
        if part.file is None:
            continue
        path = resolve_inside(root, part.file, Path(meta_file), part.line)
        if path in seen:
            raise BookError(f"chapter file {part.file} is listed twice (first at line {seen[path]})",
                            meta_file, part.line, "each chapter file belongs to one part")
        seen[path] = part.line
        if not path.is_file():
            raise BookError(f"chapter file {part.file} is listed but does not exist", meta_file, part.line,
                            "create the file, fix its name, or remove the file: line while the text is missing")
        chapters.append(read_chapter(path, root, part))
    if not chapters:
        raise BookError("the book has no chapter text: no part of contents names a file", meta_file, None,
                        "add file: chapters/….md to a part of contents")
    _check_marker_order(chapters, root)
    _check_unique_ids(chapters)
    return tuple(chapters)


def _check_unique_ids(chapters: list[Chapter]) -> None:
    """Every id in the book is unique: links, the nav and the PDF outline rely on it."""
    seen: dict[str, str] = {}
    for c in chapters:
        names = [c.id, f"{c.id}-title", *c.ids]
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


def read_chapter(path: Path, root: Path, part: Part) -> Chapter:
    file = display_path(path, root)
    text = read_text(path, root)
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
    _report_removals(removed, body, file, body_start)
    _stamp_lines(tree_root, scan, file)
    _confine_urls(tree_root, path, root, file, body, body_start)
    images = _images(tree_root, root, file)
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
    plain = tree_root.text_content()
    opening_page = _split_opening(tree_root, markers)
    return Chapter(
        id=cid, title=str(front["title"]), subtitle=_opt(front, "subtitle"),
        kind=str(front.get("kind", part.kind)), source=file, html=serialize(tree_root, lines=True),
        headings=tuple(headings), markers=tuple(markers), text=plain, opening_page=opening_page,
        images=images, ids=tuple(ids(tree_root)),
        body=body, body_line=body_start,
    )


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


def _report_removals(removed: list[markup.sanitize.Removal], body: str, file: str, first_line: int) -> None:
    """Tell the author what raw HTML the sanitizer took out, and where it was."""
    for r in removed:
        lines = _lines_with(body, r.source_text, first_line)
        where = f"{file}:{lines[0]}" if lines else file
        also = f"; also at lines {', '.join(map(str, lines[1:]))}" if len(lines) > 1 else ""
        LOGGER.warning("%s: removed %s (%d×): raw HTML that may not appear in a book%s", where, r.what, r.count, also)


def _stamp_lines(root: Element, scan: _Scan, file: str) -> None:
    """Give page markers, headings and images the source line they came from (``data-line``).

    Markdown's tree has no lines; the scan of the source (:func:`_scan`) has them, in
    document order, as the tree has the elements: markers by their number (unique in a
    book), headings and images by their order.
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
    images = list(elements(root, "img"))
    if len(images) == len(scan.images):
        for el, line in zip(images, scan.images, strict=True):
            el.set("data-line", str(line))


def _line(el: Element) -> int | None:
    line = el.get("data-line")
    return int(line) if line else None


def _confine_urls(root: Element, chapter: Path, book_root: Path, file: str, body: str, first_line: int) -> None:
    """Refuse images on the network or outside the book, and links to local files;
    point the remaining images at the book root.

    Image paths are written relative to the chapter file; the builders resolve them
    from the book folder, so the model holds them relative to it.
    """
    for a in elements(root, "a"):
        href = a.get("href") or ""
        if re.match(r"\s*(file|data):", href, re.I):
            lines = _lines_with(body, href[:20], first_line)
            raise BookError(f"link {href[:80]!r} points at a file outside the book", file, lines[0] if lines else None,
                            "link to a web address or a heading instead")
    for img in elements(root, "img"):
        src, line = img.get("src") or "", _line(img)
        scheme = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", src)
        if scheme:
            raise BookError(f"image {src[:80]!r} is not a file of the book ({scheme.group(1)}: URL)", file, line,
                            "a build never fetches anything; copy the image into the book folder")
        target = resolve_inside(book_root, str((chapter.parent / src).relative_to(book_root))
                                if not src.startswith("/") else src, Path(file), line)
        if target.suffix.lower() == ".svg" and target.is_file():
            safe_svg(target, file, line)
        img.set("src", target.relative_to(book_root.resolve()).as_posix())


IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
               ".svg": "image/svg+xml", ".webp": "image/webp"}
MAX_IMAGE_BYTES = 20 * 1024 * 1024


def _images(root: Element, book_root: Path, file: str) -> tuple[tuple[str, bytes], ...]:
    """The images a chapter shows, read into the model so the builders need no file.

    A missing image is left to check (rule R001), which names it; a format EPUB
    reading systems cannot show is refused here.
    """
    images = {}
    for img in elements(root, "img"):
        src, line = img.get("src") or "", _line(img)
        if src in images:
            continue
        path = book_root / src
        if path.suffix.lower() not in IMAGE_TYPES:
            raise BookError(f"image {src} is not PNG, JPEG, GIF, SVG or WebP", file, line,
                            "convert it to PNG or JPEG")
        if path.is_file():
            if path.stat().st_size > MAX_IMAGE_BYTES:
                raise BookError(f"image {src} is larger than 20 MB", file, line, "reduce it to print resolution")
            images[src] = path.read_bytes()
    return tuple(images.items())


def safe_svg(path: Path, file: str, line: int | None) -> None:
    """Refuse an SVG with a DTD, entities or external references (billion laughs, XXE)."""
    try:
        defusedxml.ElementTree.parse(path, forbid_dtd=True)
    except (defusedxml.DefusedXmlException, ParseError) as exc:
        raise BookError(f"image {path.name} is not a safe SVG: {exc}", file, line,
                        "save it without a DOCTYPE or entities (e.g. export as plain SVG)") from None


@dataclass(frozen=True)
class _Scan:
    """What the line scan of a chapter body found, each in document order with its line."""

    markers: list[PageMarker]
    headings: list[int]
    images: list[int]


def _scan(body: str, file: str, first_line: int) -> _Scan:
    """Page markers, ATX headings and images of a chapter body, with their line numbers.

    Fenced code is skipped, and inline code blanked, as Markdown does not read them.
    """
    markers: list[PageMarker] = []
    headings: list[int] = []
    images: list[int] = []
    fenced = False
    for offset, line in enumerate(body.split("\n")):
        lineno = first_line + offset
        if FENCE.match(line):
            fenced = not fenced
        if fenced:
            continue
        if ATX_HEADING.match(line):
            headings.append(lineno)
        code_free = INLINE_CODE.sub(lambda m: " " * len(m.group(0)), line)
        images.extend(lineno for _ in IMAGE_SYNTAX.finditer(code_free))
        for m in markup.MARKER_LIKE.finditer(code_free):
            good = markup.MARKER.fullmatch(m.group(0))
            if not good:
                raise BookError(f"malformed page marker {m.group(0)!r}", file, lineno,
                                "write it as {{page N}} with the original page number N")
            alone = line.strip() == m.group(0)
            markers.append(PageMarker(int(good.group(1)), lineno, not alone))
    return _Scan(markers, headings, images)


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
