"""``build.py check``: the manuscript validator.

Every rule has a stable code whose letter names its family (M metadata, S structure,
T Chinese text, R references, O outputs), a severity and a one-line hint. Rules are
registered in :mod:`paiban.check.rules`; :func:`catalogue` lists them, and the README's
rule table is generated from it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import BookError, BookErrors
from ..model import Book

SEVERITIES = ("error", "warning", "info")


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
class Rule:
    code: str
    severity: str
    summary: str
    hint: str
    run: Callable[[Book], Iterator[tuple[str, int | None, int | None, str]]]


RULES: dict[str, Rule] = {}


def rule(code: str, severity: str, summary: str, hint: str) -> Callable[..., object]:
    """Register a rule; it yields (file, line, col, message) for each place it finds."""
    assert severity in SEVERITIES and code not in RULES

    def register(fn: Callable[[Book], Iterator[tuple[str, int | None, int | None, str]]]) -> object:
        RULES[code] = Rule(code, severity, summary, hint, fn)
        return fn

    return register


# Codes for the faults the reader itself refuses (the book cannot be read at all).
READ_ERROR = Rule("M001", "error", "book.yaml or a chapter file cannot be read",
                  "fix the file at the line named", lambda book: iter(()))


def catalogue() -> list[Rule]:
    from . import rules  # noqa: F401  (registers the rules)

    return [READ_ERROR, *sorted(RULES.values(), key=lambda r: r.code)]


def run_rules(book: Book) -> list[Finding]:
    findings = []
    for r in catalogue()[1:]:
        for file, line, col, message in r.run(book):
            findings.append(Finding(r.code, r.severity, file, line, col, message, r.hint))
    return findings


def read_errors(error: BookError) -> list[Finding]:
    errors = error.errors if isinstance(error, BookErrors) else [error]
    return [Finding(READ_ERROR.code, "error", e.file or "", e.line, None, e.message, e.hint) for e in errors]


def check_book(root: Path) -> tuple[Book | None, list[Finding]]:
    """Read the book and run every rule; a book that cannot be read gives its read errors."""
    from ..reader import read_book

    try:
        book = read_book(root)
    except BookError as exc:
        return None, read_errors(exc)
    return book, run_rules(book)


def format_plain(findings: list[Finding], hints: bool = True) -> str:
    """One ``file:line:col: CODE message`` line per finding, each followed by its hint."""
    return "".join(f.plain() + "\n" + (f"    hint: {f.hint}\n" if hints and f.hint else "") for f in findings)


def format_json(findings: list[Finding]) -> str:
    return json.dumps([asdict(f) for f in findings], ensure_ascii=False, indent=2) + "\n"
