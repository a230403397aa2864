"""The names of the files a build writes: worked out here and nowhere else.

Outputs are named by the book's ISBN, so that two books built into one folder never
overwrite each other and a printer can tell the files of a book from its number:

- ``<isbn>.epub``: the EPUB 3;
- ``<isbn>.pdf``: the PDF to read (or ``<isbn>-print.pdf``, the printer's PDF/X-4
  with bleed and crop marks, built with ``--print``);
- ``<isbn>-cover.pdf``: the printer's cover spread, always made with a PDF;
- ``<isbn>.manifest.json``: the outputs of the last build that finished, with their
  SHA-256, written last (:func:`paiban.compose.write_manifest`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from paiban.model import Book


@dataclass(frozen=True)
class OutputFiles:
    """Where the outputs of one book go in one output folder."""

    folder: Path
    isbn: str  # digits only

    @classmethod
    def of(cls, book: Book, folder: Path) -> OutputFiles:
        return cls(folder, book.isbn_digits)

    @property
    def epub(self) -> Path:
        return self.folder / f"{self.isbn}.epub"

    def pdf(self, press: bool = False) -> Path:
        """The book's PDF: the printer's edition when ``press``."""
        return self.folder / f"{self.isbn}{'-print' if press else ''}.pdf"

    @property
    def manifest(self) -> Path:
        return self.folder / f"{self.isbn}.manifest.json"

    @property
    def cover_spread(self) -> Path:
        return self.folder / f"{self.isbn}-cover.pdf"

    def pdfs(self, press: bool = False) -> list[Path]:
        """The files a PDF build writes: the book's PDF and the cover spread made with it."""
        return [self.pdf(press), self.cover_spread]

    def book_pdfs(self) -> list[Path]:
        """Both editions of the book's PDF, whichever builds left them (``check --outputs`` reads each)."""
        return [self.pdf(False), self.pdf(True)]
