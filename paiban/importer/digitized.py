"""A digitized printed book (``.txt`` or ``.md``) becomes a book folder.

The source is plain text in blocks (:mod:`paiban.importer.blocks`): the cover and
title page, the copyright page (CIP block and table, in either order), the printed
contents, then the body. Each part is found by its structure, not by the words of one
book: the CIP block by its header, the table by its labels, the contents by their
part headings and page numbers, the body by the first part heading printed again
after the contents. What each part gives becomes book.yaml
(:mod:`paiban.importer.bookyaml`), the body becomes one chapter file per part it
holds, with a ``{{page N}}`` marker at every original page it finds
(:mod:`paiban.importer.boundaries`), and every change of the text goes into
CORRECTIONS.md. The guesses are reported (:mod:`paiban.importer.problems`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from paiban.check.metadata import cut_size
from paiban.errors import BookError
from paiban.importer.blocks import Block, read_blocks
from paiban.importer.body import Body, render, split_body
from paiban.importer.bookyaml import book_yaml, filled_and_empty
from paiban.importer.cip import CIP_HEADER, CopyrightPage, city_of, is_table_line, read_cip, read_table
from paiban.importer.contents import PrintedPart, is_contents_header, part_heading, read_contents, without_page
from paiban.importer.corrections import Correction, write_corrections
from paiban.importer.cover import read_cover
from paiban.importer.problems import NO_BODY, UNREAD_FRONT_MATTER
from paiban.importer.report import ImportReport
from paiban.reader.metadata import schema

# Trimmed page sizes of GB/T 788 for the common sheets and folds; another paper is cut
# to its folded size less the trim (about 6 mm on each side), in whole 5 mm.
TRIM_SIZES = {(787, 1092, 16): (185, 260), (787, 1092, 32): (130, 184), (850, 1168, 16): (210, 285),
              (850, 1168, 32): (140, 203), (880, 1230, 16): (210, 297), (880, 1230, 32): (148, 210),
              (889, 1194, 16): (210, 285), (889, 1194, 32): (142, 210)}
LETTER_SPACING = "The space is display letter-spacing of the two-character heading, not a word space."


def import_digitized(source: Path, dest: Path, advance: Callable[[int], None] = lambda n: None) -> ImportReport:
    """Import ``source`` into the empty folder ``dest``; the report says what was filled and guessed."""
    name = str(source)
    report = ImportReport(name)
    blocks = read_blocks(source)
    front, copyright_blocks, cip_blocks, contents, body_blocks = _sections(blocks)
    page = CopyrightPage()
    if cip_blocks:
        read_cip(cip_blocks, page, name)
    if copyright_blocks:
        read_table(copyright_blocks, page, name)
    cip_title = page.fields.get("cip", {}).get("bibliographic", "")
    title = page.title or (re.split(r"\s*/\s*", cip_title)[0].strip() or None if cip_title else None)
    cover = read_cover(front, title, page.author, page.fields.get("publisher", {}).get("name"), name)
    parts = read_contents(contents)
    if not parts:
        raise BookError("no printed contents found: no part heading (绪论, 第一章, 附录…) after the front matter",
                        name, blocks[-1].line if blocks else None,
                        "a digitized book holds its cover, copyright page, printed contents and body, in that order")
    body = split_body(body_blocks, parts, name)
    if not body.chapters:
        last = (body_blocks or contents)[-1]
        body.findings.append(NO_BODY.found("no part heading of the contents is printed again after them: the book "
                                           "has no chapter text", name, last.line))
    advance(1)

    data = _metadata(cover.fields, page, parts, body)
    incomplete = _incomplete(data, page, name)
    corrections = cover.corrections + _spacing_corrections(parts, body) + body.corrections
    for chapter in body.chapters:
        (dest / chapter.file).parent.mkdir(parents=True, exist_ok=True)
        (dest / chapter.file).write_text(render(chapter), "utf-8")
        advance(1)
    # A reprint: its {{page N}} markers keep the printed book's pages.
    (dest / "book.yaml").write_text(book_yaml(data, source.name, reflow=False, commented=frozenset(incomplete)),
                                    "utf-8")
    write_corrections(dest, source.name, corrections)

    report.chapters = len(body.chapters)
    report.markers = len(body.chapters) + body.markers
    report.uncertain = sorted(page.findings + cover.findings + body.findings, key=lambda d: (d.line or 0, d.code))
    report.filled, report.empty = filled_and_empty({k: v for k, v in data.items() if k not in incomplete})
    report.corrections = len(corrections)
    return report


def _sections(blocks: list[Block]) -> tuple[list[Block], list[Block], list[Block], list[Block], list[Block]]:
    """The source cut into front matter, copyright table, CIP block, printed contents and body."""
    n = len(blocks)
    # The copyright page stands before the contents: its parts are looked for there only.
    front = next((i for i, b in enumerate(blocks) if is_contents_header(b.text) or part_heading(b.text)), n)
    cip_at = next((i for i in range(front) if CIP_HEADER.match(blocks[i].lines[0])), None)
    table_at = next((i for i in range(front) if sum(map(is_table_line, blocks[i].lines)) >= 3
                     or _table_run(blocks, i) >= 3), None)
    table_end = None if table_at is None else table_at + 1
    while table_end is not None and table_end < front and is_table_line(blocks[table_end].lines[0]):
        table_end += 1
    starts = [i for i in (cip_at, table_at) if i is not None]
    front_end = min(starts) if starts else None
    after = max([table_end or 0, cip_at or 0])
    # The contents begin at the first part heading after the copyright page (or the first at all).
    first = next((i for i in range(after, n) if part_heading(blocks[i].text) or is_contents_header(blocks[i].text)),
                 None)
    if first is None:
        return blocks[:front_end or 0], [], [], [], []
    if front_end is None:
        front_end = first
    cip_blocks: list[Block] = []
    if cip_at is not None:
        stop = table_at if table_at is not None and table_at > cip_at else first
        cip_blocks = blocks[cip_at:stop]
    table_blocks = blocks[table_at:table_end] if table_at is not None else []
    # The body begins where a part heading of the contents is printed a second time.
    seen: set[str] = set()
    body_at = n
    for i in range(first, n):
        heads = [h for line in blocks[i].lines if (h := part_heading(without_page(line)))]
        if len(blocks[i].lines) == 1 and heads and heads[0][0] in seen:
            body_at = i
            break
        seen.update(h[0] for h in heads)
    return blocks[:front_end], table_blocks, cip_blocks, blocks[first:body_at], blocks[body_at:]


def _table_run(blocks: list[Block], start: int) -> int:
    """Label lines in the run of blocks from ``start`` that each open with a label (a table set with
    a blank line between its rows)."""
    count = 0
    for b in blocks[start:]:
        if not is_table_line(b.lines[0]):
            break
        count += sum(map(is_table_line, b.lines))
    return count


def _metadata(cover: dict[str, Any], page: CopyrightPage, parts: list[PrintedPart], body: Body) -> dict[str, Any]:
    """book.yaml's data from what each part of the source gave."""
    data: dict[str, Any] = {**cover, "language": "zh-CN"}
    for key, value in page.fields.items():
        if key == "contributors" and "contributors" in data:
            continue  # the cover's author line names the role as the cover prints it
        data[key] = value
    publisher = data.get("publisher", {})
    city = city_of(data.get("cip", {}).get("bibliographic"), publisher.get("address"))
    if publisher and city:
        data["publisher"] = {**publisher, "city": city}
    for key in ("edition", "impression"):
        printing = data.get("imprint", {}).get(key)
        if printing and not printing["place"] and city:
            printing["place"] = city  # 2019 年 3 月第 1 版: made where the publisher is
    files = {id(c.part): c.file for c in body.chapters}  # by the part itself: two may share a title
    data["contents"] = []
    for part in parts:
        item: dict[str, Any] = {"title": part.title}
        if part.subtitle:
            item["subtitle"] = part.subtitle
        item["kind"] = part.kind
        if id(part) in files:
            item["file"] = files[id(part)]
        if part.entries:
            item["entries"] = [{"title": e.title, "page": e.page} | ({"kind": e.kind} if e.kind != "section" else {})
                               for e in part.entries]
        data["contents"].append(item)
    paper = data.get("imprint", {}).get("paper")
    if paper:
        trim = _trim(paper["width_mm"], paper["height_mm"], paper["fold"])
        if trim:
            data["layout"] = {"trim_width_mm": trim[0], "trim_height_mm": trim[1]}
    return data


def _incomplete(data: dict[str, Any], page: CopyrightPage, source: str) -> list[str]:
    """The CIP record and the imprint when the source gives only some of their fields: book.yaml
    holds them commented out (a part of one would break the schema), and the report says so."""
    out = []
    for name in ("cip", "imprint"):
        if name in data:
            missing = [k for k in schema()["properties"][name]["required"] if k not in data[name]]
            if missing:
                out.append(name)
                page.findings.append(UNREAD_FRONT_MATTER.found(
                    f"the copyright page gives no {', '.join(f'{name}.{k}' for k in missing)}: {name} is left "
                    f"commented out in book.yaml", source, min(page.lines) if page.lines else None))
    return out


def _trim(width: int, height: int, fold: int) -> tuple[int, int] | None:
    """The trimmed page of 开本 ``width`` × ``height`` 1/``fold``."""
    if (width, height, fold) in TRIM_SIZES:
        return TRIM_SIZES[(width, height, fold)]
    cut = cut_size(width, height, fold)
    if cut is None:
        return None
    return int((cut[0] - 12) // 5 * 5), int((cut[1] - 12) // 5 * 5)


def _spacing_corrections(parts: list[PrintedPart], body: Body) -> list[Correction]:
    """A letter-spaced part heading (绪 论) made one word, in the contents and in its chapter."""
    out = []
    for part in parts:
        if part.printed.strip() != part.title and re.sub(r"\s+", "", part.printed) == part.title:
            out.append(Correction("book.yaml", f"title: {part.title}", part.printed.strip(), part.title,
                                  LETTER_SPACING))
    for chapter in body.chapters:
        if chapter.printed != chapter.part.title and re.sub(r"\s+", "", chapter.printed) == chapter.part.title:
            out.append(Correction(chapter.file, f"title: {chapter.part.title}", chapter.printed, chapter.part.title,
                                  "As above: display letter-spacing of the chapter title."))
    return out
