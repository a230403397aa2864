"""The one error type a user sees: a fault in the book, with where it is and what to do.

Everything the user can fix is raised as :class:`BookError`; the command line prints
it as ``file:line: message`` and exits 1. Anything else is a bug in paiban and is
allowed to show a traceback.
"""

from __future__ import annotations

from pathlib import Path


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
