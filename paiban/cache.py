"""A content-addressed cache of outputs, in the output folder.

An editor rebuilds the same book many times a day; most rebuilds change nothing the
output depends on. The key of an output is a SHA-256 over everything that can change
it: the whole document model (every metadata value and every chapter's text), the
templates and styles in effect (the book's overrides and paiban's own), the book's
images and fonts, paiban's own code, the fonts fontconfig resolves, and the build
options. The parts of the printed book are kept the same way, each under a key of its
own HTML (:mod:`paiban.printbook`). A changed paragraph,
template, style or metadata value gives a new key, so a stale result is never served;
an unchanged book is copied from the cache instead of being laid out again.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import shutil
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path

from paiban.log import LOGGER
from paiban.model import Book
from paiban.atomic import atomic_output
from paiban.builders.templates import resource_dirs

CACHE_DIR = ".paiban-cache"
# The libraries whose version changes an output (an upgrade must not be served old results).
ENGINES = ("weasyprint", "pydyf", "pikepdf", "uharfbuzz", "ebooklib", "markdown", "nh3", "fonttools")
# Files of a book folder that an output may load by name (the text is in the model).
ASSET_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".css",
                            ".otf", ".ttf", ".ttc", ".woff", ".woff2"})
# Entries kept, the most recently used: a build of a book of N chapters uses about N + 8
# (its outputs, each part of the printed book, the cover image and spread).
KEEP = 200


def _files(folders: Iterable[Path]) -> Iterable[Path]:
    for folder in folders:
        yield from sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def key(book: Book, kind: str, options: dict[str, object], extra: Iterable[Path] = ()) -> str:
    """The cache key of one output of ``book``."""
    h = hashlib.sha256()
    h.update(kind.encode())
    h.update(pickle.dumps(book, protocol=5))
    h.update(repr(sorted(options.items())).encode())
    h.update(tools_key(book, extra).encode())
    return h.hexdigest()


def tools_key(book: Book, extra: Iterable[Path] = ()) -> str:
    """A digest of what makes outputs besides the model: the templates and styles in
    effect, the book's images and fonts (which templates and styles may name, not only
    chapters), paiban's own code, the versions of the libraries that lay out and write
    the outputs, ``extra`` files (fonts) and ``SOURCE_DATE_EPOCH``."""
    h = hashlib.sha256()
    h.update(os.environ.get("SOURCE_DATE_EPOCH", "").encode())
    h.update(_engine_versions().encode())
    for name in book.files:
        if Path(name).suffix.lower() in ASSET_SUFFIXES:
            h.update(name.encode() + _digest(book.root / name))
    code = Path(__file__).resolve().parent
    sources = [*resource_dirs(book, "templates"), *resource_dirs(book, "styles"), code]
    for path in _files(sources):
        h.update(str(path.relative_to(path.anchor)).encode())
        h.update(_digest(path))
    for path in extra:  # e.g. font files: identified by path, size and time, not read
        stat = path.stat()
        h.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return h.hexdigest()


@functools.cache
def _engine_versions() -> str:
    return repr([(name, metadata.version(name)) for name in ENGINES])


def _digest(path: Path) -> bytes:
    """The SHA-256 of a file's content, read once per process while the file is unchanged.

    A build keys several outputs and parts with :func:`tools_key`; the book's images would
    otherwise be read and hashed for each. A write to the file changes its ctime, which no
    tool sets back, so the stat fields are a safe name for the content already hashed.
    """
    stat = path.stat()
    return _content_digest(str(path), stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


@functools.lru_cache(maxsize=4096)
def _content_digest(path: str, size: int, mtime_ns: int, ctime_ns: int, inode: int) -> bytes:
    return hashlib.sha256(Path(path).read_bytes()).digest()


def hit(out: Path, cache_key: str, targets: list[Path]) -> bool:
    """Whether the cache holds every output of ``cache_key``."""
    return all((out / CACHE_DIR / cache_key / t.name).is_file() for t in targets)


def restore(out: Path, cache_key: str, targets: list[Path]) -> None:
    """Copy the cached outputs of ``cache_key`` into place (atomically, like a build)."""
    entry = out / CACHE_DIR / cache_key
    for t in targets:
        with atomic_output(t) as tmp:
            shutil.copyfile(entry / t.name, tmp)
    os.utime(entry)
    LOGGER.info("%s: inputs unchanged, copied from the cache", ", ".join(t.name for t in targets))


def store(out: Path, cache_key: str, targets: list[Path]) -> None:
    """Keep freshly made outputs under their key."""
    entry = out / CACHE_DIR / cache_key
    for t in targets:
        with atomic_output(entry / t.name) as tmp:
            shutil.copyfile(t, tmp)
    _prune(out / CACHE_DIR)


def memo(out: Path, cache_key: str, name: str, produce: Callable[[], bytes]) -> bytes:
    """An intermediate result (e.g. the EPUB's cover image) by content, made once."""
    data = load(out, cache_key, name)
    if data is None:
        data = produce()
        keep(out, cache_key, name, data)
    return data


def load(out: Path, cache_key: str, name: str) -> bytes | None:
    """The intermediate result ``name`` kept under ``cache_key``, if there is one."""
    path = out / CACHE_DIR / cache_key / name
    if not path.is_file():
        return None
    os.utime(path.parent)
    return path.read_bytes()


def keep(out: Path, cache_key: str, name: str, data: bytes) -> None:
    """Keep an intermediate result under ``cache_key``."""
    with atomic_output(out / CACHE_DIR / cache_key / name) as tmp:
        tmp.write_bytes(data)
    _prune(out / CACHE_DIR)


def _prune(folder: Path) -> None:
    """Keep the most recently used entries only."""
    entries = sorted((p for p in folder.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP:]:
        shutil.rmtree(old, ignore_errors=True)
