"""paiban (排版): typesets a Chinese Markdown manuscript into EPUB 3 and a print PDF.

The design is read-then-write: :mod:`paiban.reader` turns a book folder into one
immutable :class:`paiban.model.Book`; the builders in :mod:`paiban.epub` and
:mod:`paiban.pdf` only read that model.
"""

__version__ = "0.1.0"
