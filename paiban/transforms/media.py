"""Image paths in the EPUB: its documents live in ``text/``, the book's images in ``media/``.

The model holds every image path relative to the book folder (the reader resolved
them from the chapter file); the PDF is laid out from the book folder and needs no
change, the EPUB's documents need ``../media/`` before each path.
"""

from __future__ import annotations

from collections.abc import Callable

from paiban.tree import Element, elements


def image_folder(prefix: str) -> Callable[[Element], None]:
    """The transform that puts ``prefix`` before every image path of the book."""

    def move(root: Element) -> None:
        for img in elements(root, "img"):
            src = img.get("src") or ""
            if src and ":" not in src:
                img.set("src", prefix + src)

    return move
