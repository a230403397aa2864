"""Command line: ``python build.py [epub|pdf|check] [--manuscript DIR] [--out DIR]``.

Exit status: 0 success, 1 the book has errors, 2 usage error. Faults in the book
are printed as ``file:line: message`` without a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

from paiban import __version__, progress, workbench, workers
from paiban.workbench import config
from paiban.check import check_all, check_book, format_json, format_plain, silenced
from paiban.check.docs import rules_markdown
from paiban.errors import BookError
from paiban.model import Book
from paiban.log import LOGGER, setup_console
from paiban.atomic import interrupt_on_sigterm

COMMANDS = {
    "all": "build the EPUB and the PDF (the default)",
    "epub": "build the EPUB 3 only",
    "pdf": "build the print PDF only",
    "check": "validate the manuscript and print what was found",
}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="paiban",
        description="Typeset a Chinese Markdown manuscript into an EPUB 3 and a print-ready PDF.",
        epilog="Exit status: 0 success, 1 the book has errors, 2 usage error.",
    )
    p.add_argument("--version", action="version", version=f"paiban {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        c = sub.add_parser(name, help=help_text, description=help_text)
        _common(c)
        if name == "check":
            c.add_argument("--format", choices=("plain", "json"), default="plain",
                           help="report format (plain lines are file:line:col: CODE message)")
            c.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
            c.add_argument("--outputs", action="store_true",
                           help="also check what a build left in --out: EPUBCheck, the PDF's fonts and glyphs")
        else:
            # default=SUPPRESS: a flag given before the command (build.py --reflow pdf)
            # must not be reset by the command's own default.
            c.add_argument("--reflow", action="store_true", default=argparse.SUPPRESS,
                           help="ignore the original page markers and let pages break naturally (PDF)")
            if name in ("all", "epub"):
                c.add_argument("--embed-fonts", action="store_true", default=argparse.SUPPRESS,
                               help="embed the Noto CJK fonts in the EPUB, subset to the book's characters")
            if name in ("all", "pdf"):
                c.add_argument("--print", dest="press", action="store_true", default=argparse.SUPPRESS,
                               help="the printer's PDF (<isbn>-print.pdf): bleed, crop marks, PDF/X-4")
            c.add_argument("--strict", action="store_true", default=argparse.SUPPRESS,
                           help="exit 1 if the book or the build gave a warning (the outputs are still written)")
            c.add_argument("--trusted", action="store_true", default=argparse.SUPPRESS,
                           help="render the book's templates without the sandbox (in-house templates only, "
                                "see docs/templates.md)")
            _parallel(c, "worker processes laying out the PDF's parts (default: one per core)",
                      "lay the PDF's parts out on the Dask cluster whose scheduler is at ADDRESS")
    workbench.add_commands(sub, _common)
    b = sub.add_parser("batch", help="build many books, each in its own process",
                       description="Build many books (book folders, or folders of book folders) into "
                                   "OUT/<folder name>/; one book's failure never stops the others.",
                       epilog="Exit status: 0 every book built, 1 a book failed (see --summary), 2 usage error.")
    b.add_argument("books", nargs="+", type=Path, metavar="BOOK",
                   help="a book folder (holding book.yaml), or a folder of book folders")
    b.add_argument("--out", type=Path, required=True, help="output folder: book X's outputs go to OUT/X/")
    b.add_argument("--summary", type=Path, help="write each book's outcome, outputs, findings, error and time as JSON")
    b.add_argument("--what", choices=("all", "epub", "pdf"), default="all", help="the outputs to build (default: all)")
    b.add_argument("--embed-fonts", action="store_true", help="embed the Noto CJK fonts in the EPUBs")
    b.add_argument("--print", dest="press", action="store_true", help="the printer's PDFs (<isbn>-print.pdf)")
    _parallel(b, "books built at once (default: one per core)", "build each book as a task on the Dask cluster "
              "whose scheduler is at ADDRESS")
    b.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="print errors only")
    b.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                   help="print a line per book built")
    i = sub.add_parser("import", help="make a book folder from a Word file or a digitized printed book",
                       description="Make a new book folder DIR from SOURCE: a Word file (.docx, through Pandoc) or "
                                   "a digitized printed book (.txt, .md); see docs/import.md. DIR must be new or "
                                   "empty: import never overwrites.")
    i.add_argument("source", type=Path, metavar="SOURCE", help="a .docx file, or a .txt or .md digitized book")
    i.add_argument("folder", type=Path, metavar="DIR", help="the new book's folder (must not hold files)")
    i.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="print errors only")
    i.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="print progress")
    sub.add_parser("rules", help="print the catalogue of check rules (Markdown)",
                   description="print the catalogue of check rules as Markdown (docs/rules.md)")
    _common(p)
    p.add_argument("--reflow", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--embed-fonts", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--print", dest="press", action="store_true", help=argparse.SUPPRESS)
    return p


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--manuscript", type=Path, default=argparse.SUPPRESS,
                   help="the book folder holding book.yaml (default: ./manuscript)")
    p.add_argument("--out", type=Path, default=argparse.SUPPRESS, help="output folder (default: ./dist)")
    p.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="print errors only")
    p.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="print progress")


def _parallel(p: argparse.ArgumentParser, jobs: str, cluster: str) -> None:
    p.add_argument("--jobs", type=_positive, default=argparse.SUPPRESS, metavar="N", help=jobs)
    p.add_argument("--cluster", default=argparse.SUPPRESS, metavar="ADDRESS",
                   help=cluster + " (e.g. tcp://HOST:8786); its workers must have this machine's paiban and fonts")


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number above 0")
    return int(text)


def run_import(source: Path, folder: Path, verbosity: int) -> int:
    from paiban.importer import import_book

    with progress.phase(f"importing {source.name}", unit="steps") as advance:
        report = import_book(source, folder, advance)
    if verbosity >= 0:
        print(report.summary())
        print(f"next: paiban check --manuscript {folder}", file=sys.stderr)
    return 0


def run_batch(args: argparse.Namespace, cluster: object | None) -> int:
    import time

    from paiban import batch

    start = time.monotonic()
    books = batch.find_books(args.books)
    jobs = getattr(args, "jobs", None) or workers.cores()
    outcomes = []
    for outcome in batch.run(books, args.out, batch.Job(args.what, args.embed_fonts, args.press), jobs, cluster):
        outcomes.append(outcome)
        if outcome.outcome == "built":
            LOGGER.info("built %s in %.1f s", outcome.folder, outcome.seconds)
        else:
            print(f"failed {outcome.folder} in {outcome.seconds:.1f} s: {outcome.error}", file=sys.stderr)
    seconds = time.monotonic() - start
    if args.summary is not None:
        batch.write_summary(args.summary, outcomes, seconds, jobs, getattr(args, "cluster", None))
    failed = sum(o.outcome == "failed" for o in outcomes)
    print(f"{len(outcomes) - failed} built, {failed} failed in {seconds:.1f} s", file=sys.stderr)
    return 1 if failed else 0


def run_check(root: Path, fmt: str, strict: bool, out: Path | None = None, outputs: bool = False) -> int:
    _, findings = check_all(root, out, outputs)
    sys.stdout.write(format_json(findings) if fmt == "json" else format_plain(findings))
    sys.stdout.flush()
    counts = {s: sum(f.severity == s for f in findings) for s in ("error", "warning", "info")}
    if fmt == "plain":
        print(f"{counts['error']} errors, {counts['warning']} warnings, {counts['info']} notes", file=sys.stderr)
    failed = counts["error"] or (strict and counts["warning"])
    return 1 if failed else 0


def run_build(root: Path, out: Path, what: str, reflow: bool, embed_fonts: bool = False,
              press: bool = False, strict: bool = False, trusted: bool = False) -> int:
    from dataclasses import replace

    from paiban import compose

    with progress.phase("checking the manuscript", unit="findings") as advance:
        book, findings = check_book(root)
        advance(len(findings))
    errors = [f for f in findings if f.severity == "error"]
    warnings = [f for f in findings if f.severity == "warning"]
    for warning in warnings:
        LOGGER.warning("%s", warning.plain())
    if errors or book is None:
        sys.stderr.write(format_plain(errors))
        print(f"not built: {len(errors)} errors (run check for the full report)", file=sys.stderr)
        return 1
    if reflow or trusted:
        book = replace(book, reflow=book.reflow or reflow, trusted=trusted)
    built = _BuildWarnings(book)
    LOGGER.addFilter(built)
    try:
        for path in compose.build(book, out, what, compose.Options(embed_fonts=embed_fonts, press=press)):
            print(path)
    finally:
        LOGGER.removeFilter(built)
    if strict and (warnings or built.count):
        print(f"--strict: {len(warnings) + built.count} warnings", file=sys.stderr)
        return 1
    return 0


class _BuildWarnings(logging.Filter):
    """The build's own diagnostics (:func:`paiban.log.warn`): those the book silences are
    dropped, as ``check`` drops its findings; the rest are counted for ``--strict``."""

    def __init__(self, book: Book) -> None:
        super().__init__()
        self.quiet = silenced(book)
        self.count = 0

    def filter(self, record: logging.LogRecord) -> bool:
        diagnostic = getattr(record, "diagnostic", None)
        if diagnostic is None:
            return True
        if self.quiet(diagnostic):
            return False
        self.count += 1
        return True


@contextlib.contextmanager
def _workers(args: argparse.Namespace) -> Iterator[object | None]:
    """``--jobs`` and ``--cluster`` for the build (:mod:`paiban.workers`), the cluster
    connected and its workers checked (:mod:`paiban.cluster`) for as long as it runs."""
    cluster = None
    if getattr(args, "cluster", None):
        from paiban import cluster as dask_cluster

        cluster = dask_cluster.connect(args.cluster)
    workers.configure(getattr(args, "jobs", None), cluster)
    try:
        yield cluster
    finally:
        workers.configure()
        if cluster is not None:
            cluster.close()


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    command = args.command or "all"
    verbosity = -1 if getattr(args, "quiet", False) else 1 if getattr(args, "verbose", False) else 0
    setup_console(verbosity)
    progress.configure(verbosity)
    interrupt_on_sigterm()
    try:
        settings = config.load(Path.cwd())
        root = getattr(args, "manuscript", settings.manuscript)
        out = getattr(args, "out", settings.out)
        if command in workbench.COMMANDS:
            return workbench.run(command, args, root, out, verbosity, parser)
        if command == "check":
            return run_check(root, args.format, args.strict, out, args.outputs)
        if command == "rules":
            sys.stdout.write(rules_markdown())
            return 0
        if command == "import":
            return run_import(args.source, args.folder, verbosity)
        with _workers(args) as cluster:
            if command == "batch":
                return run_batch(args, cluster)
            return run_build(root, out, command, getattr(args, "reflow", False),
                             getattr(args, "embed_fonts", False),
                             getattr(args, "press", False), getattr(args, "strict", False),
                             getattr(args, "trusted", False))
    except BookError as exc:
        print(exc, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; previous outputs left as they were", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
