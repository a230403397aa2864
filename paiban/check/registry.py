"""The registry of ``check`` rules: what a rule is, what it finds, and how it registers.

The family modules (metadata, structure, text, references, outputs; build and importing
for the rules found outside ``check``) register their rules here when imported;
:mod:`paiban.check` runs them. A module of its own, so that a family module and the
runner never import each other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from paiban.errors import SEVERITIES, Diagnostic
from paiban.model import Book
from paiban.outputs import OutputFiles

FAMILIES = {"M": "Metadata", "S": "Structure", "T": "Chinese text", "R": "References", "O": "Outputs",
            "B": "Build (reported by a build, not by check)",
            "I": "Import (reported by `paiban import` about its source, not by check)"}
# Who finds a rule's problems: check itself, only a build (laying the book out), or only
# an import (reading a source that the book folder no longer holds).
REPORTERS = ("check", "build", "import")
# Where a rule found something: file as reports name it, line, column, message.
Place = Iterator[tuple[str, int | None, int | None, str]]


# A finding of check is the one diagnostic type every problem is reported as.
Finding = Diagnostic


@dataclass(frozen=True)
class Outputs:
    """What a build left in the output folder, for the rules that read it: the EPUB, and
    each edition of the book's PDF that is there (the one to read, the printer's)."""

    folder: Path
    epub: Path | None
    pdfs: tuple[Path, ...]

    @classmethod
    def of(cls, book: Book, folder: Path) -> Outputs:
        files = OutputFiles.of(book, folder)
        return cls(folder, files.epub if files.epub.is_file() else None,
                   tuple(p for p in files.book_pdfs() if p.is_file()))


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    summary: str
    hint: str
    run: Callable[..., Place]
    outputs: bool = False  # reads the built outputs: run(book, outputs)
    reported_by: str = "check"  # one of REPORTERS: "build" and "import" rules never find anything in check

    @property
    def family(self) -> str:
        return FAMILIES[self.code[0]]


RULES: dict[str, Rule] = {}


def rule(code: str, severity: str, summary: str, hint: str, outputs: bool = False,
         reported_by: str = "check") -> Callable[..., object]:
    """Register a rule; it yields (file, line, col, message) for each place it finds."""
    assert severity in SEVERITIES and code not in RULES and code[0] in FAMILIES and reported_by in REPORTERS

    def register(fn: Callable[..., Place]) -> object:
        RULES[code] = Rule(code, severity, summary, hint, fn, outputs, reported_by)
        return fn

    return register


def _nothing(book: Book) -> Place:
    return iter(())


def found_by_the_reader(code: str, severity: str, summary: str, hint: str) -> None:
    """Register a rule whose findings the reader made while reading (:attr:`Book.diagnostics`):
    the rule only reports them, so they are silenced and ordered like any other."""

    def run(book: Book) -> Place:
        for d in book.diagnostics:
            if d.code == code:
                yield d.file, d.line, d.col, d.message

    rule(code, severity, summary, hint)(run)


def made_by_the_build(code: str, severity: str, summary: str, hint: str) -> None:
    """Register a rule that only a build finds (layout, joining the parts): ``check`` cannot,
    the build logs it (:func:`paiban.log.warn`); it is in the catalogue for its code and hint."""
    rule(code, severity, summary, hint, reported_by="build")(_nothing)


def found_by_the_importer(code: str, severity: str, summary: str, hint: str) -> None:
    """Register a rule that only ``paiban import`` finds, in the source it reads (a guessed page
    boundary, an image left out): ``check`` cannot, since the book folder no longer holds the
    source; the import's summary prints it (:class:`paiban.importer.report.ImportReport`), and
    it is in the catalogue for its code and hint."""
    rule(code, severity, summary, hint, reported_by="import")(_nothing)
