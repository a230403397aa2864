"""Command line: ``python build.py [epub|pdf|check] [--manuscript DIR] [--out DIR]``.

Exit status: 0 success, 1 the book has errors, 2 usage error. Faults in the book
are printed as ``file:line: message`` without a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from paiban import __version__, progress, workbench
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
    workbench.add_commands(sub, _common)
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
        return run_build(root, out, command, getattr(args, "reflow", False), getattr(args, "embed_fonts", False),
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
