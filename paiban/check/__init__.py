"""``build.py check``: the manuscript validator.

Every rule has a stable code whose letter names its family (M metadata, S structure,
T Chinese text, R references, O outputs), a severity and a one-line hint. Rules are
registered by the family modules that :mod:`paiban.check.rules` imports;
:func:`catalogue` lists them, and docs/rules.md is generated from it
(:mod:`paiban.check.docs`).

Rules read only the model (:class:`~paiban.model.Book`). The rules marked ``outputs``
are the exception: they read what a build left in the output folder, and run only
when asked (``check --outputs``).

A book silences a finding in book.yaml (``check: {ignore: [{code, file, line}]}``)
or with a comment on the line before it in a chapter (``<!-- paiban: ignore T003 -->``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from paiban.errors import BookError, BookErrors
from paiban.reader.metadata import SCHEMA_CODE
from paiban.model import Book
from paiban.check.registry import (FAMILIES, RULES, SEVERITIES, Finding, Outputs, Place, Rule,  # noqa: F401
                                   rule)
from paiban.reader.sources import display_path

INLINE_IGNORE = re.compile(r"<!--\s*paiban:\s*ignore\s+([A-Z0-9 ,]+?)\s*-->")


def _no_places(book: Book) -> Place:
    return iter(())


# Faults the reader itself refuses (the book cannot be read at all), split in two codes.
READ_ERROR = Rule("M001", "error", "book.yaml or a chapter file cannot be read (YAML syntax, UTF-8, a file "
                  "missing, page marker order…)", "fix the file at the line named", _no_places)
SCHEMA_ERROR = Rule(SCHEMA_CODE, "error", "book.yaml breaks the schema: a required field is missing, or a value "
                    "has the wrong type or form", "fix the field at the line named; docs/metadata.md lists the fields",
                    _no_places)


def catalogue() -> list[Rule]:
    from paiban.check import rules  # noqa: F401  (registers the rules)

    return sorted([READ_ERROR, SCHEMA_ERROR, *RULES.values()], key=lambda r: r.code)


def _findings(r: Rule, places: Iterable[tuple[str, int | None, int | None, str]]) -> list[Finding]:
    return [Finding(r.code, r.severity, file, line, col, message, r.hint) for file, line, col, message in places]


def silenced(book: Book) -> Callable[[Finding], bool]:
    """Whether the book has asked for a finding to be left out (book.yaml or an inline comment)."""
    configured = [(i.code, display_path(book.root / i.file, book.root) if i.file else None, i.line)
                  for i in book.check_ignores]
    inline: set[tuple[str, str, int]] = set()
    for chapter in book.chapters:
        for offset, text in enumerate(chapter.body.split("\n")):
            for m in INLINE_IGNORE.finditer(text):
                line = chapter.body_line + offset
                only_comment = text.strip() == m.group(0)
                for code in re.split(r"[ ,]+", m.group(1).strip()):
                    inline.add((code, chapter.source, line + 1 if only_comment else line))

    def test(f: Finding) -> bool:
        if (f.code, f.file, f.line) in inline:
            return True
        return any(code == f.code and file in (None, f.file) and line in (None, f.line)
                   for code, file, line in configured)

    return test


def _order(book: Book, findings: list[Finding]) -> list[Finding]:
    quiet = silenced(book)
    kept = [f for f in findings if not quiet(f)]
    return sorted(kept, key=lambda f: (f.file, f.line or 0, f.col or 0, f.code))


def run_rules(book: Book) -> list[Finding]:
    """Every rule that reads the model only, minus what the book silences, in file order."""
    findings = [f for r in catalogue() if not r.outputs for f in _findings(r, r.run(book))]
    return _order(book, findings)


def run_output_rules(book: Book, outputs: Outputs) -> list[Finding]:
    """The rules that read the built EPUB and PDF."""
    findings = [f for r in catalogue() if r.outputs for f in _findings(r, r.run(book, outputs))]
    return _order(book, findings)


def read_errors(error: BookError) -> list[Finding]:
    """The reader's refusal as findings: M004 for schema errors in book.yaml, M001 otherwise."""
    errors = error.errors if isinstance(error, BookErrors) else [error]
    return [Finding(e.code or READ_ERROR.code, "error", e.file or "", e.line, None, e.message, e.hint)
            for e in errors]


def check_book(root: Path) -> tuple[Book | None, list[Finding]]:
    """Read the book and run every rule; a book that cannot be read gives its read errors."""
    from paiban.reader.book import read_book

    try:
        book = read_book(root)
    except BookError as exc:
        return None, read_errors(exc)
    return book, run_rules(book)


def check_all(root: Path, out: Path | None = None, outputs: bool = False) -> tuple[Book | None, list[Finding]]:
    """What ``check`` reports: the book's rules, then with ``outputs`` those that read what
    a build left in ``out``. Only when asked: a PDF left from another version of the book
    (or another book of the same ISBN) would give false findings."""
    book, findings = check_book(root)
    if book is not None and outputs and out is not None:
        built = Outputs.of(book, out)
        if built.epub is None and not built.pdfs:
            raise BookError(f"nothing built for this book in {out}", str(out), None, "build it first: python build.py")
        findings = findings + run_output_rules(book, built)
    return book, findings


def format_plain(findings: list[Finding], hints: bool = True) -> str:
    """One ``file:line:col: CODE message`` line per finding, each followed by its hint."""
    return "".join(f.plain() + "\n" + (f"    hint: {f.hint}\n" if hints and f.hint else "") for f in findings)


def format_json(findings: list[Finding]) -> str:
    return json.dumps([asdict(f) for f in findings], ensure_ascii=False, indent=2) + "\n"
