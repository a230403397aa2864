"""docs/metadata.md's table of book.yaml fields, generated from the schema.

The schema (paiban/schema/book.schema.json) declares each field once, with its type,
default and meaning; the table is made from it, so the documentation cannot drift
from what the reader accepts. A test compares the committed page with what this
module makes. ``python -m paiban.reader.fielddocs`` prints the table;
``python -m paiban.reader.fielddocs docs/metadata.md`` rewrites the page's table in place.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from paiban.reader.metadata import fields

COMMAND = "python -m paiban.reader.fielddocs docs/metadata.md"
BEGIN = f"<!-- fields: generated from paiban/schema/book.schema.json by `{COMMAND}`; do not edit by hand -->"
END = "<!-- /fields -->"


def fields_table() -> str:
    """The Markdown table: one row per field, ★ on those required whenever their parent is given."""
    rows = ["| field | type | default | meaning |", "| --- | --- | --- | --- |"]
    for f in fields():
        name = f"`{f.path}`" + (" ★" if f.required else "")
        default = f"`{f.default}`" if f.default is not None else ""
        meaning = f.description.replace("|", r"\|")  # a bare | would end the cell
        rows.append(f"| {name} | {f.type} | {default} | {meaning} |")
    return "\n".join(rows) + "\n"


def with_table(page: str) -> str:
    """``page`` with the text between its :data:`BEGIN` and :data:`END` lines replaced by the current table."""
    if BEGIN not in page or END not in page:
        raise ValueError(f"the page has no generated region: a line {BEGIN} and, after the table, {END}")
    head, rest = page.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    # Blank lines around the table: no Markdown reader can take a comment for one of its rows.
    return f"{head}{BEGIN}\n\n{fields_table()}\n{END}{tail}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m paiban.reader.fielddocs",
                                     description="print book.yaml's field table, or rewrite it in a page")
    parser.add_argument("page", nargs="?", type=Path, help="a Markdown page to update in place (docs/metadata.md)")
    args = parser.parse_args(argv)
    if args.page is None:
        sys.stdout.write(fields_table())
        return 0
    text = args.page.read_text("utf-8")
    try:
        updated = with_table(text)
    except ValueError as exc:
        parser.error(f"{args.page}: {exc}")
    if updated != text:
        args.page.write_text(updated, "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
