"""Each book.yaml field is declared once, in the schema, and the rest follows from it.

docs/metadata.md's field table is what the schema generates, every field says what it
means, and the reader fills a field left out with the schema's default. These tests
read the schema and the model only (no build, no WeasyPrint).
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT
from paiban.model import Geometry, Press
from paiban.reader import read_book
from paiban.reader.fielddocs import COMMAND, fields_table, with_table
from paiban.reader.metadata import defaults, fields

MINIMAL = ROOT / "tests" / "fixtures" / "minimal"


def _names(dataclass: type) -> set[str]:
    return {f.name for f in dataclasses.fields(dataclass)}


def test_docs_metadata_md_table_is_what_the_schema_generates() -> None:
    page = (ROOT / "docs" / "metadata.md").read_text("utf-8")
    assert page == with_table(page), f"docs/metadata.md's field table is stale: {COMMAND}"


def test_the_module_prints_the_table() -> None:
    result = subprocess.run([sys.executable, "-m", "paiban.reader.fielddocs"], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout == fields_table()


def test_every_field_says_what_it_means() -> None:
    listed = list(fields())
    assert {"title", "publisher.postcode", "imprint.edition.year", "contents[].entries[].kind",
            "layout.reflow"} <= {f.path for f in listed}
    assert [f.path for f in listed if not f.description.strip()] == []


def test_the_model_has_a_field_for_each_of_the_schema() -> None:
    # A field added on one side only would be dropped without a word, or never filled.
    assert _names(Geometry) | {"reflow", "defer_figures", "contents_depth", "notes"} == set(defaults("layout"))
    assert _names(Press) == set(defaults("print"))


def test_a_book_without_layout_or_print_gets_the_schema_defaults() -> None:
    book = read_book(MINIMAL)
    layout = defaults("layout")
    assert dataclasses.asdict(book.geometry) == {name: layout[name] for name in _names(Geometry)}
    assert book.geometry == Geometry(trim_width_mm=185, trim_height_mm=260, font_size_pt=12, line_height_pt=21,
                                     chars_per_line=33, lines_per_page=28)
    assert book.reflow is layout["reflow"] is False
    assert book.defer_figures is layout["defer_figures"] is True
    assert dataclasses.asdict(book.press) == defaults("print") == {"bleed_mm": 3, "paper_caliper_mm": 0.1}
    assert {e.kind for p in book.contents for e in p.entries} == {defaults("contents.entries")["kind"]}
    assert (book.publisher.address, book.publisher.postcode) == ("", "") == \
        (defaults("publisher")["address"], defaults("publisher")["postcode"])


def test_a_book_sets_some_fields_and_keeps_the_other_defaults(tmp_path: Path) -> None:
    book_dir = tmp_path / "book"
    shutil.copytree(MINIMAL, book_dir)
    meta = book_dir / "book.yaml"
    # chars_per_lin is a misspelling, which check warns about (M011): the reader passes it by.
    meta.write_text(meta.read_text("utf-8") + "layout: {chars_per_line: 30, chars_per_lin: 31, reflow: true}\n"
                    "print: {bleed_mm: 5}\n", "utf-8")
    book = read_book(book_dir)
    assert book.geometry.chars_per_line == 30
    assert book.geometry.lines_per_page == defaults("layout")["lines_per_page"]
    assert book.reflow is True
    assert book.press == Press(bleed_mm=5, paper_caliper_mm=defaults("print")["paper_caliper_mm"])


def test_defaults_are_copies() -> None:
    defaults("layout")["chars_per_line"] = 99
    assert defaults("layout")["chars_per_line"] == 33
