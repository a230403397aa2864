"""Links between chapters: ``02.md#s1`` in the manuscript becomes a link into the output.

A chapter links to another chapter file (relative to itself, with an optional
``#id``; ``check`` rule R002 verifies both). The EPUB points such a link at the
chapter's XHTML document, the PDF at the id's anchor in the one joined PDF; a link
without ``#id`` goes to the chapter's opening.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from paiban.model import Book, Chapter
from paiban.reader.sources import in_book, resolve
from paiban.tree import Element, elements


def chapter_links(book: Book, chapter: Chapter, target: Callable[[Chapter, str], str]) -> Callable[[Element], None]:
    """The transform that sets each link to a chapter file to ``target(linked chapter, id)``."""
    by_file = {in_book(book, c.source): c for c in book.chapters}
    here = in_book(book, chapter.source)

    def relink(root: Element) -> None:
        for a in elements(root, "a"):
            href = a.get("href") or ""
            parts = urlsplit(href)
            if parts.scheme or parts.query or not parts.path.endswith(".md"):
                continue
            linked = by_file.get(resolve(here, parts.path))
            if linked is not None:
                a.set("href", target(linked, parts.fragment or linked.id))

    return relink
