"""What a re-read of a book folder takes from the last read: ``watch`` reads the whole
book again after every change, and all but one of its files are as they were.

Kept per thread, for the book folder the thread read last (reading another folder
forgets them, so a process that reads many books holds one book's worth per thread):

- ``book.yaml`` parsed and validated, by its text;
- each chapter as :func:`~paiban.reader.book.read_chapter` made it (parsed, sanitized,
  lines stamped, images read, notes and emphasis marked), before the book-wide passes,
  by what that read depends on: the file's text, the kind its part of ``contents``
  gives it, and the images it shows (their bytes, or their absence).

The book-wide passes (figures and tables numbered across the book, cross-references
between chapters, ids unique in the book, page markers in order) run again on every
read, on a copy of each kept tree: a chapter's numbers depend on the chapters before
it, its cross-references on the others. A re-read therefore gives the same
:class:`~paiban.model.Book` as a first read (``tests/unit/test_reread.py``).
Failures are never kept: a file that cannot be read is read again, and reports again.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from paiban.errors import BookError
from paiban.model import Chapter
from paiban.reader.sources import read_bytes
from paiban.tree import Element, elements


@dataclass(frozen=True)
class _Kept:
    kind: str
    text: str
    chapter: Chapter
    tree: Element  # never handed out: callers get a copy, which the book-wide passes change


class _Book(threading.local):
    """What this thread keeps of the book folder it read last."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.root: Path | None = None
        self.metadata: tuple[str, tuple[Any, list[BookError]]] | None = None  # (text, what it gave)
        self.chapters: dict[Path, _Kept] = {}


_book = _Book()


def forget() -> None:
    """Drop everything kept (the next read is a first read)."""
    _book.clear()


def begin(root: Path) -> None:
    """Start a read of the book folder ``root``: keep what was read from it, nothing else."""
    if _book.root != root:
        forget()
        _book.root = root


def metadata(text: str, read: Callable[[], tuple[Any, list[BookError]]]) -> tuple[Any, list[BookError]]:
    """``book.yaml``'s data and unknown fields: ``read()`` unless its text is the last one read.
    The data is only read from, never changed, by the reader."""
    kept = _book.metadata
    if kept is not None and kept[0] == text:
        return kept[1]
    result = read()
    _book.metadata = (text, result)
    return result


def chapter(path: Path, root: Path, kind: str, text: str,
            read: Callable[[], tuple[Chapter, Element]]) -> tuple[Chapter, Element]:
    """The chapter file ``path`` with this ``text`` and part ``kind``, and its tree (a copy the
    caller may change): ``read()`` unless the last read had the same inputs."""
    kept = _book.chapters.get(path)
    if kept is not None and kept.kind == kind and kept.text == text and _same_images(kept, root):
        return kept.chapter, copy.deepcopy(kept.tree)
    found, tree = read()
    _book.chapters[path] = _Kept(kind, text, found, copy.deepcopy(tree))
    return found, tree


def _same_images(kept: _Kept, root: Path) -> bool:
    """Whether every image the kept chapter names is as it was read: the same bytes, or still
    no file. A file the reader would now refuse (a hard link, a path out of the book) is a
    change: the chapter is read again and the reader reports it."""
    data = dict(kept.chapter.images)
    for img in elements(kept.tree, "img"):
        src = img.get("src") or ""
        path = root / src
        try:
            if src in data:
                if read_bytes(path, root) != data[src]:
                    return False
            elif path.is_file():
                return False
        except (BookError, OSError, ValueError):
            return False
    return True
