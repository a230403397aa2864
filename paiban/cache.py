"""A content-addressed cache of outputs, in the output folder.

An editor rebuilds the same book many times a day; most rebuilds change nothing the
output depends on. The key of an output is a SHA-256 over everything that can change
it: the whole document model (every metadata value and every chapter's text), the
templates and styles in effect (the book's overrides and paiban's own), paiban's own
code, the fonts fontconfig resolves, and the build options. A changed paragraph,
template, style or metadata value gives a new key, so a stale result is never served;
an unchanged book is copied from the cache instead of being laid out again.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

from .log import LOGGER
from .model import Book
from .output import atomic_output
from .render import resource_dirs

CACHE_DIR = ".paiban-cache"
KEEP = 8  # entries kept per output kind


def _files(folders: Iterable[Path]) -> Iterable[Path]:
    for folder in folders:
        yield from sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def key(book: Book, kind: str, options: dict[str, object], extra: Iterable[Path] = ()) -> str:
    """The cache key of one output of ``book``."""
    h = hashlib.sha256()
    h.update(kind.encode())
    h.update(pickle.dumps(book, protocol=5))
    h.update(repr(sorted(options.items())).encode())
    h.update(os.environ.get("SOURCE_DATE_EPOCH", "").encode())
    code = Path(__file__).resolve().parent
    sources = [*resource_dirs(book, "templates"), *resource_dirs(book, "styles"), code]
    for path in _files(sources):
        h.update(str(path.relative_to(path.anchor)).encode())
        h.update(path.read_bytes())
    for path in extra:  # e.g. font files: identified by path, size and time, not read
        stat = path.stat()
        h.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return h.hexdigest()


def cached(out: Path, cache_key: str, target: Path, produce: Callable[[Path], object]) -> bool:
    """Put the output for ``cache_key`` at ``target``: copied from the cache when there,
    else made by ``produce(target)`` and stored. Returns True on a cache hit."""
    folder = out / CACHE_DIR
    entry = folder / f"{cache_key}{target.suffix}"
    if entry.is_file():
        with atomic_output(target) as tmp:
            shutil.copyfile(entry, tmp)
        os.utime(entry)
        LOGGER.info("%s: unchanged, copied from the cache", target)
        return True
    produce(target)
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_output(entry) as tmp:
        shutil.copyfile(target, tmp)
    _prune(folder, target.suffix)
    return False


def _prune(folder: Path, suffix: str) -> None:
    entries = sorted(folder.glob(f"*{suffix}"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP:]:
        old.unlink(missing_ok=True)


