"""Manuscripts in: a Word file or a digitized printed book becomes a book folder.

``paiban import SOURCE DIR`` dispatches on the source's suffix: ``.docx`` to
:mod:`paiban.importer.docx` (through Pandoc), ``.txt`` and ``.md`` to
:mod:`paiban.importer.digitized`. Each returns an :class:`ImportReport`.

Import never overwrites: ``DIR`` must be new or empty. The importer writes into a
hidden staging folder beside it, which is renamed to ``DIR`` only when the import is
complete, so a source that turns out unreadable halfway (or Ctrl-C) leaves no
half-written book behind, and ``DIR`` as it was. An import killed outright (SIGKILL, a
power cut) cannot remove its staging folder; the next import into the same folder's
parent does, once the process that made it is gone.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import shutil
import signal
import socket
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from paiban.errors import BookError
from paiban.importer.report import ImportReport

SOURCE_KINDS = {".docx": "a Word file", ".txt": "a digitized printed book", ".md": "a digitized printed book"}
OTHER_FORMATS = {
    ".doc": "save it in Word or LibreOffice as .docx (Word Document), then import that",
    ".odt": "save it in LibreOffice as .docx (Word Document), then import that",
    ".rtf": "save it in Word or LibreOffice as .docx (Word Document), then import that",
    ".pdf": "paiban does not read PDFs: extract the text (.txt), or import the Word file the PDF was made from",
}


def import_book(source: Path, dest: Path, advance: Callable[[int], None] = lambda n: None) -> ImportReport:
    """Import ``source`` into the new or empty folder ``dest``; the report says what was guessed."""
    _check_source(source)
    _check_dest(dest)
    with staged(dest) as stage:
        if source.suffix.lower() == ".docx":
            from paiban.importer.docx import import_docx

            report = import_docx(source, stage, advance)
        else:
            from paiban.importer.digitized import import_digitized

            report = import_digitized(source, stage, advance)
    # Places in the new book are named by its folder, not the staging folder it was written in.
    report.uncertain = [dataclasses.replace(d, file=str(dest) + d.file[len(str(stage)):])
                        if d.file.startswith(str(stage)) else d for d in report.uncertain]
    return report


def _check_source(source: Path) -> None:
    suffix = source.suffix.lower()
    if suffix not in SOURCE_KINDS:
        hint = OTHER_FORMATS.get(suffix, "import a Word file (.docx) or a digitized printed book (.txt or .md)")
        raise BookError(f"cannot import a {suffix or 'file without a suffix'}: paiban imports .docx, .txt and .md",
                        source, None, hint)
    try:
        mode = source.stat().st_mode
    except FileNotFoundError:
        raise BookError("not found", source, None, "name an existing file (check the path and its spelling)") from None
    except OSError as exc:
        raise BookError(f"cannot be read: {(exc.strerror or str(exc)).lower()}", source, None,
                        "check the path, and that you may read the file") from None
    if not stat.S_ISREG(mode):
        raise BookError("is not a regular file" + (" but a folder" if stat.S_ISDIR(mode) else ""), source, None,
                        f"name the file to import, {SOURCE_KINDS[suffix]} ({suffix})")
    if not os.access(source, os.R_OK):
        raise BookError("cannot be read: permission denied", source, None, "make the file readable (chmod u+r)")


def _check_dest(dest: Path) -> None:
    if dest.exists() and not dest.is_dir():
        raise BookError("exists and is not a folder", dest, None, "name a new folder for the book")
    if dest.is_dir() and any(dest.iterdir()):
        raise BookError("folder is not empty; import never overwrites, it makes a new book in a new or empty folder",
                        dest, None, "name a new folder, or empty this one first")


# A staging folder's name: the book's folder, the host and process that made it, tempfile's
# eight random characters: .mybook.host-1234.k2j4l5m6.import
_STAGE = re.compile(r"^\..+\.([A-Za-z0-9-]+)-(\d{1,9})\.[a-z0-9_]{8}\.import$")


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", socket.gethostname())[:40] or "host"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0 sends nothing: it only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it does, as another user's
        pass
    return True


def remove_stale_stages(parent: Path) -> list[Path]:
    """Remove the staging folders in ``parent`` that imports killed outright left behind: each
    one made on this host, by this user, by a process that is gone. One of another host (a
    shared disk) or of a live process may be an import at work, and is left alone."""
    removed = []
    try:
        entries = list(parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        m = _STAGE.match(entry.name)
        if not m or m.group(1) != _host() or int(m.group(2)) < 1 or _alive(int(m.group(2))):
            continue
        try:
            info = entry.lstat()
        except OSError:
            continue
        if stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid():
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


@contextlib.contextmanager
def staged(dest: Path) -> Iterator[Path]:
    """A hidden folder beside ``dest`` to write the book into: renamed to ``dest`` on success
    (or, when ``dest`` is an empty folder already, its files moved into it), removed on any
    failure: a fault of the source, a refused write, Ctrl-C or SIGTERM (which the command line
    turns into KeyboardInterrupt, :func:`paiban.atomic.interrupt_on_sigterm`)."""
    target = dest.resolve()  # "." and "mybook/.." name a folder too
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        remove_stale_stages(parent)
        # Ctrl-C between making the folder and arming its removal would leave it behind.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        try:
            stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.{_host()}-{os.getpid()}.", suffix=".import",
                                          dir=parent))
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
    except OSError as exc:
        raise _write_error(dest, exc) from None
    try:
        yield stage
        os.chmod(stage, 0o755)  # mkdtemp's 0700 is for the staging folder only
        _check_dest(dest)  # again: something may have been put there meanwhile
        if dest.is_dir():  # an empty folder the user made (perhaps the current one): keep it, fill it
            for entry in sorted(stage.iterdir()):
                os.rename(entry, target / entry.name)
        else:
            os.rename(stage, target)
    except OSError as exc:
        raise _write_error(dest, exc) from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _write_error(dest: Path, exc: OSError) -> BookError:
    return BookError(f"cannot write the book there: {(exc.strerror or str(exc)).lower()}", dest, None,
                     "name a folder you may write to, on a disk with room")
