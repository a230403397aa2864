"""The registry of ``check`` rules: what a rule is, what it finds, and how it registers.

The family modules (metadata, structure, text, references, outputs) register their
rules here when imported; :mod:`paiban.check` runs them. A module of its own, so
that a family module and the runner never import each other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from paiban.model import Book
from paiban.outputs import OutputFiles

SEVERITIES = ("error", "warning", "info")
FAMILIES = {"M": "Metadata", "S": "Structure", "T": "Chinese text", "R": "References", "O": "Outputs"}
# Where a rule found something: file as reports name it, line, column, message.
Place = Iterator[tuple[str, int | None, int | None, str]]


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    file: str
    line: int | None
    col: int | None
    message: str
    hint: str | None = None

    def plain(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "") + (f":{self.col}" if self.line and self.col else "")
        return f"{where}: {self.code} {self.message}"


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

    @property
    def family(self) -> str:
        return FAMILIES[self.code[0]]


RULES: dict[str, Rule] = {}


def rule(code: str, severity: str, summary: str, hint: str, outputs: bool = False) -> Callable[..., object]:
    """Register a rule; it yields (file, line, col, message) for each place it finds."""
    assert severity in SEVERITIES and code not in RULES and code[0] in FAMILIES

    def register(fn: Callable[..., Place]) -> object:
        RULES[code] = Rule(code, severity, summary, hint, fn, outputs)
        return fn

    return register


