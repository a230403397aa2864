"""Making the outputs a command asks for, without doing work twice.

- An output whose inputs have not changed is copied from the content-addressed cache
  in the output folder (:mod:`paiban.cache`) instead of being made again.
- When both the EPUB and the PDF must be made, the EPUB is built in a forked worker
  process while this one lays the PDF out (itself in worker processes,
  :mod:`paiban.printbook`): the two share nothing but the model and the printed
  cover, which the EPUB lays out first (for its cover image) and the PDF, needing it
  last, finds in the cache.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from . import cache, fontconfig, progress, workers
from .fonts import FACES
from .model import Book


@dataclass(frozen=True)
class Options:
    embed_fonts: bool = False
    press: bool = False


def font_files() -> list[Path]:
    """The font files the outputs are made with: a font update must invalidate the cache."""
    return [fontconfig.match(f"{face.family}:style={face.style}").file for face in FACES]


def epub_path(book: Book, out: Path) -> Path:
    return out / f"{book.isbn_digits}.epub"


def pdf_paths(book: Book, out: Path, press: bool) -> list[Path]:
    """The book's PDF and the printer's cover spread made with it."""
    return [out / f"{book.isbn_digits}{'-print' if press else ''}.pdf", out / f"{book.isbn_digits}-cover.pdf"]


def make_epub(book: Book, out: Path, options: Options) -> None:
    from .epub import build_epub

    with progress.phase("building the EPUB", total=len(book.chapters), unit="chapters") as advance:
        build_epub(book, epub_path(book, out), embed_fonts=options.embed_fonts)
        advance(len(book.chapters))


def make_pdf(book: Book, out: Path, options: Options) -> None:
    from .printbook import build_pdf

    with progress.phase("building the PDF") as advance:
        build_pdf(book, pdf_paths(book, out, options.press)[0], press=options.press, advance=advance)


def _epub_in_worker(book: Book, out: Path, options: Options) -> None:
    progress.configure(-1)  # the parent's terminal shows the PDF's progress
    make_epub(book, out, options)


def build(book: Book, out: Path, what: str, options: Options) -> list[Path]:
    """Make the outputs of ``what`` (all, epub or pdf) in ``out``; return their paths."""
    fonts = font_files()
    jobs = []
    if what in ("all", "epub"):
        jobs.append(("epub", cache.key(book, "epub", {"embed_fonts": options.embed_fonts}, fonts),
                     [epub_path(book, out)]))
    if what in ("all", "pdf"):
        jobs.append(("pdf", cache.key(book, "pdf", {"press": options.press}, fonts),
                     pdf_paths(book, out, options.press)))
    todo = []
    for kind, key, targets in jobs:
        if cache.hit(out, key, targets):
            cache.restore(out, key, targets)
        else:
            todo.append((kind, key, targets))
    parallel = [kind for kind, _, _ in todo] == ["epub", "pdf"]
    if parallel:
        from . import printbook  # noqa: F401  imported once, before the EPUB's process forks: both lay out
    with workers.pool(1) if parallel else contextlib.nullcontext() as pool:
        epub_done = pool.submit(_epub_in_worker, book, out, options) if pool else None
        for kind, key, targets in todo:
            if kind == "epub" and epub_done is not None:
                continue
            (make_pdf if kind == "pdf" else make_epub)(book, out, options)
            cache.store(out, key, targets)
        if epub_done is not None:
            epub_done.result()  # re-raises the worker's BookError
            cache.store(out, *todo[0][1:])
    return [t for _, _, targets in jobs for t in targets]
