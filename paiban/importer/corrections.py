"""CORRECTIONS.md: every change an import made to the text itself, beyond removing noise.

A reprint must say where it departs from its source, so that an editor can check
each change against the printed book and a reader of the source can find it. The
importer records a :class:`Correction` as it makes the change; its line in the
written file is found once the file is written (:func:`write_corrections`), by the
corrected text, so the table names the line a user opens.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Correction:
    """One change of the text, a row of CORRECTIONS.md."""

    file: str  # relative to the book folder: book.yaml, chapters/00-xulun.md
    find: str  # text of the written file that holds the corrected text, to name its line
    before: str  # as digitized
    after: str  # as corrected
    reason: str


HEADER = """\
# Corrections to the digitized source

Source: `{source}`, imported by `paiban import`.

Line numbers refer to the corrected files. Removal of pure digitization noise (Markdown list
dashes, `**`, `▶`, line breaks inside paragraphs, cover slogans and TOC entries, blank lines at
page breaks) is not listed row by row; every change to the text itself is.

| file | line | original (as digitized) | corrected | reason |
| --- | --- | --- | --- | --- |
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def line_in(path: Path, find: str) -> int | None:
    """The first line of the written file that holds ``find``."""
    for number, line in enumerate(path.read_text("utf-8").split("\n"), 1):
        if find in line:
            return number
    return None


def write_corrections(dest: Path, source_name: str, corrections: list[Correction]) -> None:
    """CORRECTIONS.md beside the chapters, one row per change, in file and line order."""
    rows = []
    for c in corrections:
        line = line_in(dest / c.file, c.find)
        rows.append((c.file, line or 0, c))
    rows.sort(key=lambda r: (r[0] != "book.yaml", r[0], r[1]))
    text = HEADER.format(source=source_name) + "".join(
        f"| {file} | {line or ''} | {_cell(c.before)} | {_cell(c.after)} | {_cell(c.reason)} |\n"
        for file, line, c in rows)
    (dest / "CORRECTIONS.md").write_text(text, "utf-8")
