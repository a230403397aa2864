"""What paiban tells a user about the book: one diagnostic type, and the error that stops a build.

Every problem a user can meet is a :class:`Diagnostic`: a rule code from the
catalogue of ``check`` (``python build.py rules``), a severity, where it is
(``file:line:col``), what is wrong and a hint. ``check`` reports them; the reader
leaves the warnings it finds in the model (:attr:`paiban.model.Book.diagnostics`);
a build logs its own through :func:`paiban.log.warn`. So ``check: ignore``,
``--strict`` and ``--format json`` apply to each of them alike.

A fault that stops reading or building is raised as :class:`BookError`, whose
:attr:`~BookError.diagnostic` is the same record; the command line prints it as
``file:line: message`` and exits 1. Anything else is a bug in paiban and is allowed
to show a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Diagnostic:
    """A problem found in a book, at a place, under a rule code."""

    code: str
    severity: str  # one of SEVERITIES
    file: str  # as reports name it: relative to the folder that holds the book folder
    line: int | None
    col: int | None
    message: str
    hint: str | None = None

    def plain(self) -> str:
        """``file:line:col: CODE message``, as ``check`` prints it."""
        where = self.file + (f":{self.line}" if self.line else "") + (f":{self.col}" if self.line and self.col else "")
        return f"{where}: {self.code} {self.message}" if where else f"{self.code} {self.message}"


@dataclass(frozen=True)
class Declared:
    """A rule whose problems are found outside ``check``, declared once beside the code that
    finds them (:mod:`paiban.builders.problems`, :mod:`paiban.importer.problems`): that code
    makes its diagnostics with :meth:`found`, so their code and hint cannot drift from the
    catalogue's entry, which :func:`paiban.check.registry.made_by_the_build` or
    :func:`paiban.check.registry.found_by_the_importer` makes."""

    code: str
    severity: str
    summary: str
    hint: str

    def found(self, message: str, file: str = "", line: int | None = None) -> Diagnostic:
        return Diagnostic(self.code, self.severity, file, line, None, message, self.hint)


class BookError(Exception):
    """A fault in the manuscript, its metadata or its build settings."""

    def __init__(
        self,
        message: str,
        file: Path | str | None = None,
        line: int | None = None,
        hint: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.hint = hint
        self.code = code  # the check rule it falls under, where it is not the generic M001

    def __reduce__(self) -> tuple[object, ...]:
        # Keep file, line and hint when the error crosses a process boundary (paiban.builder).
        return (type(self), (self.message, self.file, self.line, self.hint, self.code))

    @property
    def diagnostic(self) -> Diagnostic:
        """The error as a diagnostic: its code (M001, the reader's refusal, unless it has its own)."""
        return Diagnostic(self.code or "M001", "error", self.file or "", self.line, None, self.message, self.hint)

    def location(self) -> str:
        """``file:line`` (or just ``file``, or nothing) for the start of a report line."""
        if self.file is None:
            return ""
        return f"{self.file}:{self.line}" if self.line else self.file

    def __str__(self) -> str:
        where = self.location()
        text = f"{where}: {self.message}" if where else self.message
        return f"{text} ({self.hint})" if self.hint else text


class BookErrors(BookError):
    """Several faults found in one pass, so the user can fix them all at once."""

    def __init__(self, errors: list[BookError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.errors,))

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)
