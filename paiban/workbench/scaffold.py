"""``paiban new DIR``: start a book from the template in ``paiban/resources/newbook``.

The template is a complete book that builds and passes ``check`` as it stands, so
the first thing an author sees is a working EPUB and PDF, and every later fault is
one they made. It has no ``{{page N}}`` markers and sets ``layout: reflow: true``:
a new book has no original pages to keep (docs/manuscript.md explains markers for
reprints).
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from paiban.errors import BookError

TEMPLATE = ("resources", "newbook")


def template_root() -> Traversable:
    root = resources.files("paiban")
    for part in TEMPLATE:
        root = root / part
    return root


def _copy(source: Traversable, target: Path) -> list[Path]:
    written = []
    for item in sorted(source.iterdir(), key=lambda t: t.name):
        if item.name == "__pycache__":
            continue
        dest = target / item.name
        if item.is_dir():
            dest.mkdir()
            written.extend(_copy(item, dest))
        else:
            dest.write_bytes(item.read_bytes())
            written.append(dest)
    return written


def new_book(target: Path) -> list[Path]:
    """Create a new book folder at ``target``; refuse a folder that already holds files."""
    if target.exists() and not target.is_dir():
        raise BookError("exists and is not a folder", target, None, "choose a new folder name for the book")
    if target.is_dir() and any(target.iterdir()):
        raise BookError("folder is not empty; a new book is only made in an empty or new folder", target, None,
                        "choose a new folder name, or empty this one first")
    target.mkdir(parents=True, exist_ok=True)
    return _copy(template_root(), target)
