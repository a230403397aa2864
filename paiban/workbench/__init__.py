"""The author's and editor's commands: ``new``, ``watch``, ``proof`` and ``completion``.

:mod:`paiban.cli` adds them to its parser through :func:`add_commands` and hands
them over through :func:`run`; each lives in a module of its own
(:mod:`paiban.scaffold`, :mod:`paiban.watch`, :mod:`paiban.proof`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

COMMANDS = {
    "new": "start a new book in an empty folder, from a template that builds at once",
    "watch": "rebuild on every change and serve a live preview on 127.0.0.1",
    "proof": "write a proof sheet: every page as an image with its original page, TOC entries and findings",
    "completion": "print a shell completion script (bash, zsh or tcsh)",
}
SHELLS = ("bash", "zsh", "tcsh")
DEFAULT_PORT = 8000


def add_commands(sub: argparse._SubParsersAction, common: Callable[[argparse.ArgumentParser], None]) -> None:
    for name, help_text in COMMANDS.items():
        c = sub.add_parser(name, help=help_text, description=help_text)
        if name == "new":
            c.add_argument("folder", type=Path, metavar="DIR", help="the new book's folder (must not hold files)")
        elif name == "watch":
            c.add_argument("--port", type=int, default=DEFAULT_PORT,
                           help=f"port on 127.0.0.1 (default {DEFAULT_PORT}; 0 picks a free one)")
        elif name == "completion":
            c.add_argument("shell", choices=SHELLS, help="the shell to complete for")
        common(c)


def run(command: str, args: argparse.Namespace, root: Path, out: Path, verbosity: int,
        parser: Callable[[], argparse.ArgumentParser]) -> int:
    """Run a workbench command; a :class:`~paiban.errors.BookError` goes up to the cli."""
    if command == "new":
        from paiban.workbench.scaffold import new_book

        written = new_book(args.folder)
        if verbosity >= 0:
            for path in written:
                print(path)
            print(f"new book in {args.folder}; next: paiban check --manuscript {args.folder}", file=sys.stderr)
        return 0
    if command == "watch":
        from paiban.workbench.watch import watch

        return watch(root, out, args.port, quiet=verbosity < 0)
    if command == "proof":
        from paiban.workbench.proof import make_proof

        folder = make_proof(root, out)
        print(folder / "index.html")
        print(folder / "contact.png")
        return 0
    if command == "completion":
        import shtab

        print(shtab.complete(parser(), shell=args.shell))
        return 0
    raise AssertionError(command)
