"""The composition root: which outputs a command makes, and making them without doing work twice.

The builders know nothing of each other; this module wires them:

- the output files' names come from :mod:`paiban.outputs`;
- an output whose inputs have not changed is copied from the content-addressed cache
  in the output folder (:mod:`paiban.cache`) instead of being made again;
- the EPUB's cover image is the printed cover (laid out by the PDF builder) rendered
  to a JPEG, made here and passed to the EPUB builder;
- when both the EPUB and the PDF must be made, the EPUB is built in a forked worker
  process while this one lays the PDF out (itself in worker processes,
  :mod:`paiban.builders.pdf`): the two share nothing but the model and the printed
  cover, which the EPUB's process lays out first and the PDF, needing it last, finds
  in the cache.

The command line and ``watch`` both build through :func:`build`.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
from dataclasses import dataclass, replace
from pathlib import Path

from paiban import cache, progress, workers
from paiban.atomic import atomic_output
from paiban.fonts import font_files
from paiban.model import Book
from paiban.outputs import OutputFiles

WHAT = ("all", "epub", "pdf")


@dataclass(frozen=True)
class Options:
    embed_fonts: bool = False
    press: bool = False


def cover_image(book: Book, out: Path) -> bytes:
    """The printed cover rendered to a JPEG, 1600 pixels high, for the EPUB.

    Laying the cover out needs WeasyPrint; the image is kept in the output folder's
    cache under a key of everything but the chapters, so an EPUB rebuilt after a text
    change neither imports nor runs the layout engine.
    """
    key = cache.key(replace(book, chapters=(), contents=(), files=()), "cover-image", {}, font_files())
    return cache.memo(out, key, "cover.jpg", lambda: _render_cover(book, out))


def _render_cover(book: Book, out: Path) -> bytes:
    import pypdfium2

    from paiban.builders.pdf.parts import cover

    pdf = pypdfium2.PdfDocument(cover(book, out))
    page = pdf[0]
    image = page.render(scale=1600 / page.get_height()).to_pil().convert("RGB")
    data = io.BytesIO()
    image.save(data, "JPEG", quality=88, optimize=True)
    return data.getvalue()


def make_epub(book: Book, out: Path, options: Options) -> None:
    from paiban.builders.epub import build_epub

    with progress.phase("building the EPUB", total=len(book.chapters), unit="chapters") as advance:
        build_epub(book, OutputFiles.of(book, out).epub, cover_image(book, out), embed_fonts=options.embed_fonts)
        advance(len(book.chapters))


def make_pdf(book: Book, out: Path, options: Options) -> None:
    from paiban.builders.pdf.parts import build_pdf

    files = OutputFiles.of(book, out)
    with progress.phase("building the PDF") as advance:
        build_pdf(book, files.pdf(options.press), files.cover_spread, press=options.press, advance=advance)


def _epub_in_worker(book: Book, out: Path, options: Options) -> None:
    progress.configure(-1)  # the parent's terminal shows the PDF's progress
    make_epub(book, out, options)


def build(book: Book, out: Path, what: str, options: Options) -> list[Path]:
    """Make the outputs of ``what`` (all, epub or pdf) in ``out``; return their paths."""
    assert what in WHAT, what
    fonts = font_files()
    files = OutputFiles.of(book, out)
    jobs = []
    if what in ("all", "epub"):
        jobs.append(("epub", cache.key(book, "epub", {"embed_fonts": options.embed_fonts}, fonts), [files.epub]))
    if what in ("all", "pdf"):
        jobs.append(("pdf", cache.key(book, "pdf", {"press": options.press}, fonts), files.pdfs(options.press)))
    todo = []
    for kind, key, targets in jobs:
        if cache.hit(out, key, targets):
            cache.restore(out, key, targets)
        else:
            todo.append((kind, key, targets))
    parallel = [kind for kind, _, _ in todo] == ["epub", "pdf"]
    if parallel:
        from paiban.builders.pdf import parts  # noqa: F401  imported once, before the EPUB's process forks: both lay out
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
    made = [t for _, _, targets in jobs for t in targets]
    write_manifest(files, made)
    return made


def write_manifest(files: OutputFiles, made: list[Path]) -> None:
    """Say which outputs belong together: ``<isbn>.manifest.json`` lists each output this
    build made or kept, with its SHA-256, and is written last (atomically).

    Outputs are replaced one by one, so a build interrupted between two of them leaves
    a folder holding one new and one old file; the manifest still names the set of the
    last build that finished, and a file whose digest differs from it is from another.
    """
    entries = dict(_manifest(files))
    for path in made:
        entries[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    with atomic_output(files.manifest) as tmp:
        tmp.write_text(json.dumps({"isbn": files.isbn, "outputs": dict(sorted(entries.items()))},
                                  indent=1) + "\n", "utf-8")


def _manifest(files: OutputFiles) -> dict[str, str]:
    """The outputs the last finished build listed, kept where they still match (an EPUB-only
    build keeps the PDF's entry while the PDF is the one that build left)."""
    try:
        listed = json.loads(files.manifest.read_text("utf-8")).get("outputs", {})
    except (OSError, ValueError, AttributeError):
        return {}
    return {name: digest for name, digest in listed.items() if isinstance(digest, str)
            and (files.folder / name).is_file()
            and hashlib.sha256((files.folder / name).read_bytes()).hexdigest() == digest}
