"""Reading text files of a book folder: UTF-8 only, confined to the folder.

Every file the reader opens goes through :func:`read_text`, so the rules for what a
build may read live in one place: the path must resolve inside the book folder (no
``..``, absolute paths or symbolic links pointing out), and the bytes must be UTF-8.
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import TYPE_CHECKING

from paiban.errors import BookError

if TYPE_CHECKING:
    from paiban.model import Book

MAX_FILE_BYTES = 20 * 1024 * 1024


def resolve_inside(root: Path, relative: str, referrer: Path | None = None, line: int | None = None) -> Path:
    """The absolute path of ``relative`` in the book folder, refusing anything outside it."""
    where = referrer if referrer is not None else root
    if Path(relative).is_absolute() or relative.startswith(("file:", "/")):
        raise BookError(f"absolute path {relative!r} is not allowed", where, line,
                        "give a path relative to the book folder")
    path = (root / relative).resolve()
    if not path.is_relative_to(root.resolve()):
        raise BookError(f"path {relative!r} points outside the book folder", where, line,
                        "keep every file of the book inside its folder")
    return path


def read_text(path: Path, root: Path) -> str:
    """The text of ``path``: UTF-8, a leading BOM dropped, CRLF and CR turned into LF."""
    shown = display_path(path, root)
    if not path.resolve().is_relative_to(root.resolve()):
        raise BookError("file lies outside the book folder", shown, None,
                        "keep every file of the book inside its folder")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BookError("file not found", shown, None, "create it or fix the name that refers to it") from None
    except IsADirectoryError:
        raise BookError("is a folder, not a file", shown) from None
    if len(data) > MAX_FILE_BYTES:
        raise BookError(f"file is {len(data) // 1024 // 1024} MB, more than the 20 MB a manuscript file may have",
                        shown, None, "split it into several chapters")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BookError(f"not valid UTF-8 (byte 0x{data[exc.start]:02x})", shown, line,
                        "save the file as UTF-8") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def display_path(path: Path, root: Path) -> str:
    """How a report names a file: relative to the folder that holds the book folder."""
    try:
        return str(path.resolve().relative_to(root.resolve().parent))
    except ValueError:
        return str(path)


def in_book(book: Book, path: str) -> str:
    """A path as the book folder names it: ``manuscript/chapters/x.md`` → ``chapters/x.md``."""
    prefix = book.root.name + "/"
    return path[len(prefix):] if path.startswith(prefix) else path


def resolve(chapter_file: str, target: str) -> str:
    """A path written in a chapter, relative to the book folder."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(chapter_file), target))
