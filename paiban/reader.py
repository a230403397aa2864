"""The manuscript reader: a book folder in, one immutable :class:`~paiban.model.Book` out.

A book folder holds ``book.yaml`` (metadata and the printed table of contents) and the
chapter files it names. Everything is read and checked here; builders never open a
file of the book again.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import lxml.html

from . import markup
from .errors import BookError
from .metadata import parse_yaml, read_metadata
from .model import (
    Book,
    Chapter,
    CipRecord,
    Contributor,
    Geometry,
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
from .sources import display_path, read_text, resolve_inside

BOOK_FILE = "book.yaml"
FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
ATX_HEADING = re.compile(r"^(#{1,6})[ \t]+\S")
FENCE = re.compile(r"^(```|~~~)")
CHAPTER_FIELDS = {"title", "subtitle", "kind"}


def read_book(root: Path) -> Book:
    """Read and validate the whole book folder."""
    root = root.resolve()
    if not root.is_dir():
        raise BookError("book folder not found", str(root), None, "pass the folder that holds book.yaml")
    meta_path = root / BOOK_FILE
    if not meta_path.is_file():
        raise BookError(f"no {BOOK_FILE} in the book folder", display_path(root, root), None,
                        "create book.yaml with the book's metadata (see README)")
    data = read_metadata(meta_path, root)
    meta_file = display_path(meta_path, root)
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
        reflow=reflow,
        meta_file=meta_file,
        field_lines=tuple(_field_lines(data)),
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
    return lines


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
    ids = [c.id for c in chapters]
    for c in chapters:
        if ids.count(c.id) > 1:
            raise BookError(f"two chapter files give the same id {c.id!r}", c.source, 1, "rename one of the files")
    return tuple(chapters)


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
    markers, headings_at = _scan(body, file, body_start)
    cid = chapter_id(path)
    html, rendered = markup.render(body, cid)
    if len(rendered) != len(headings_at):
        raise BookError("found headings that are not '#' headings (underlined with === or ---)", file, None,
                        "write every heading as ## …, ### … or #### …")
    headings = []
    for h, line in zip(rendered, headings_at, strict=True):
        if h.level == 1:
            raise BookError("a '#' heading in a chapter body", file, line,
                            "the chapter title goes in the front matter; sections start at ##")
        page = next((m.number for m in reversed(markers) if m.line <= line), None)
        headings.append(Heading(h.level, h.text, h.id, line, page, h.classes))
    plain = lxml.html.fragment_fromstring(html, create_parent="div").text_content() if html.strip() else ""
    return Chapter(
        id=cid, title=str(front["title"]), subtitle=_opt(front, "subtitle"),
        kind=str(front.get("kind", part.kind)), source=file, html=html,
        headings=tuple(headings), markers=tuple(markers), text=plain,
    )


def _scan(body: str, file: str, first_line: int) -> tuple[list[PageMarker], list[int]]:
    """Page markers and ATX heading lines of a chapter body, with their line numbers."""
    markers: list[PageMarker] = []
    headings: list[int] = []
    fenced = False
    for offset, line in enumerate(body.split("\n")):
        lineno = first_line + offset
        if FENCE.match(line):
            fenced = not fenced
        if fenced:
            continue
        if ATX_HEADING.match(line):
            headings.append(lineno)
        for m in markup.MARKER_LIKE.finditer(line):
            good = markup.MARKER.fullmatch(m.group(0))
            if not good:
                raise BookError(f"malformed page marker {m.group(0)!r}", file, lineno,
                                "write it as {{page N}} with the original page number N")
            alone = line.strip() == m.group(0)
            markers.append(PageMarker(int(good.group(1)), lineno, not alone))
    return markers, headings


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
