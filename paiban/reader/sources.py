"""Reading text files of a book folder: UTF-8 only, confined to the folder.

Every file the reader opens goes through :func:`read_bytes` (text through
:func:`read_text`), so the rules for what a build may read live in one place: the path
must resolve inside the book folder (no ``..``, absolute paths or symbolic links
pointing out), the file must be a regular file with one link (a hard link to a file
outside the book passes every path check), and text must be UTF-8.
"""

from __future__ import annotations

import os
import posixpath
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from paiban.errors import BookError

if TYPE_CHECKING:
    from paiban.model import Book

MAX_FILE_BYTES = 20 * 1024 * 1024
# The longest file name (one path component, in bytes) Linux file systems allow.
NAME_MAX = 255


def resolve_inside(root: Path, relative: str, referrer: Path | None = None, line: int | None = None) -> Path:
    """The absolute path of ``relative`` in the book folder, refusing anything outside it,
    and any path the operating system would refuse with an exception (a NUL character, a
    name too long, a loop of symbolic links), at the line that names it."""
    where = referrer if referrer is not None else root
    if Path(relative).is_absolute() or relative.startswith(("file:", "/")):
        raise BookError(f"absolute path {relative!r} is not allowed", where, line,
                        "give a path relative to the book folder")
    if "\0" in relative:
        raise BookError(f"path {relative!r} holds a NUL character", where, line,
                        "retype the path: no file name can hold one")
    for name in relative.split("/"):
        if (size := len(name.encode("utf-8", "surrogatepass"))) > NAME_MAX:
            raise BookError(f"file name {name[:40]!r}… is {size} bytes long, more than the {NAME_MAX} a file "
                            "system allows", where, line, "shorten the name of the file and of its mention here")
    try:
        path = (root / relative).resolve()
    except (OSError, ValueError, RuntimeError) as exc:  # RuntimeError: a loop of symbolic links
        raise BookError(f"path {relative!r} cannot be read: {_reason(exc)}", where, line,
                        "fix the path, or the symbolic link it names") from None
    if not path.is_relative_to(root.resolve()):
        raise BookError(f"path {relative!r} points outside the book folder", where, line,
                        "keep every file of the book inside its folder")
    try:
        path.stat()
    except (FileNotFoundError, NotADirectoryError):
        pass  # a missing file is reported by what needs it (a chapter listed, an image: R001)
    except OSError as exc:
        raise BookError(f"path {relative!r} cannot be read: {_reason(exc)}", where, line,
                        "fix the path, or the file it names") from None
    return path


def _reason(exc: BaseException) -> str:
    """What the operating system said, without the path the report names already."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return "a loop of symbolic links" if isinstance(exc, RuntimeError) else str(exc)


def read_bytes(path: Path, root: Path) -> bytes:
    """The content of ``path``, a regular file of the book folder with a single link.

    A FIFO or a device would block the build or never end, so only regular files are
    read; the file is opened without blocking and checked on its descriptor, so a file
    swapped after the check is not read either. A hard link to a file outside the book
    (``ln /etc/shadow chapters/01.md``) is indistinguishable by its path from a file of
    the book; its link count is the one sign of it, so a file with more than one link is
    refused.
    """
    shown = display_path(path, root)
    try:
        inside = path.resolve().is_relative_to(root.resolve())
    except (OSError, ValueError, RuntimeError) as exc:
        raise BookError(f"file cannot be read: {_reason(exc)}", shown, None, "fix its name or its place") from None
    if not inside:
        raise BookError("file lies outside the book folder", shown, None,
                        "keep every file of the book inside its folder")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise BookError("file not found", shown, None, "create it or fix the name that refers to it") from None
    except OSError as exc:
        raise BookError(f"file cannot be read: {_reason(exc)}", shown, None,
                        "make it readable, or fix the name that refers to it") from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if stat.S_ISDIR(info.st_mode):
            raise BookError("is a folder, not a file", shown)
        if not stat.S_ISREG(info.st_mode):
            raise BookError("is not a regular file (a device, pipe or socket)", shown, None,
                            "a book folder holds ordinary files only")
        if info.st_nlink > 1:
            raise BookError(f"file has {info.st_nlink} hard links: it may be a file from outside the book", shown,
                            None, "replace the link by a copy (cp, not ln); a build reads no hard-linked file")
        data = f.read(MAX_FILE_BYTES + 1) if info.st_size <= MAX_FILE_BYTES else b""
    if len(data) > MAX_FILE_BYTES or info.st_size > MAX_FILE_BYTES:
        raise BookError(f"file is {max(info.st_size, len(data)) // 1024 // 1024} MB, more than the 20 MB a "
                        "manuscript file may have", shown, None, "split it into several chapters")
    return data


def read_text(path: Path, root: Path) -> str:
    """The text of ``path`` (:func:`read_bytes`): UTF-8, a leading BOM dropped, CRLF and CR
    turned into LF."""
    shown = display_path(path, root)
    data = read_bytes(path, root)
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
    except (ValueError, OSError, RuntimeError):  # outside the folder, or a path no file can have
        return str(path)


def in_book(book: Book, path: str) -> str:
    """A path as the book folder names it: ``manuscript/chapters/x.md`` → ``chapters/x.md``."""
    prefix = book.root.name + "/"
    return path[len(prefix):] if path.startswith(prefix) else path


def resolve(chapter_file: str, target: str) -> str:
    """A path written in a chapter, relative to the book folder."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(chapter_file), target))
