"""What the EPUB and PDF builders share: templates, styles and the views they render.

Templates and styles are looked up first in the book folder's ``templates/`` and
``styles/``, then in paiban's own, so a book overrides any of them by putting a file
of the same name in its folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from paiban.errors import BookError
from paiban.model import Book, Chapter, Heading, Part, TocEntry
from paiban.reader.sources import display_path, read_text

# templates/ and styles/ sit beside paiban/ in the source tree; an installed wheel
# carries them inside the package (pyproject.toml maps them to paiban.templates, paiban.styles).
_PACKAGE = Path(__file__).resolve().parents[1]
PACKAGE_ROOT = _PACKAGE if (_PACKAGE / "templates").is_dir() else _PACKAGE.parent
EPUB_TYPES = {"introduction": "introduction", "chapter": "chapter", "appendix": "appendix"}
ARIA_ROLES = {"introduction": "doc-introduction", "chapter": "doc-chapter", "appendix": "doc-appendix"}


def resource_dirs(book: Book, kind: str) -> list[Path]:
    """Where templates or styles are looked up, the book's own folder first.

    A book's override that is a symbolic link out of the book folder is refused:
    Jinja's loader would follow it and read any file on the machine.
    """
    own = book.root / kind
    if own.is_dir():
        for path in own.rglob("*"):
            if not path.resolve().is_relative_to(book.root.resolve()):
                raise BookError(f"{kind[:-1]} override points outside the book folder (to {path.resolve()})",
                                display_path(path, book.root), None, "copy the file into the book folder instead")
    return [d for d in (own, PACKAGE_ROOT / kind) if d.is_dir()]


def spaced_title(title: str) -> str:
    """A two-character title is set with a full-width space between: 绪论 → 绪　论."""
    return "　".join(title) if len(title) == 2 else title


def sheets(value: float) -> str:
    return f"{value:g}"


def environment(book: Book) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in resource_dirs(book, "templates")]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters.update(
        spaced_title=spaced_title,
        epub_type=EPUB_TYPES.__getitem__,
        aria_role=ARIA_ROLES.__getitem__,
        sheets=sheets,
    )
    return env


def render_template(env: jinja2.Environment, name: str, **context: object) -> str:
    """Render a template; a fault in a book's own override is reported as a book error."""
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as exc:
        raise BookError(f"template syntax error: {exc.message}", exc.filename or name, exc.lineno) from None
    except jinja2.TemplateError as exc:
        raise BookError(f"template {name} failed: {exc}", name, None,
                        "check the names used in the template against the README") from None


def stylesheet(book: Book, name: str) -> str:
    """The text of a stylesheet, from the book's styles/ if it has one of that name."""
    for folder in resource_dirs(book, "styles"):
        path = folder / name
        if path.is_file():
            return read_text(path, book.root) if folder.parent == book.root else path.read_text("utf-8")
    raise BookError(f"stylesheet {name} not found", display_path(book.root, book.root))


def heading_for(chapter: Chapter, entry: TocEntry) -> Heading | None:
    """The heading of ``chapter`` that a printed TOC entry refers to (same title)."""
    return next((h for h in chapter.headings if h.text == entry.title), None)


def parts_with_text(book: Book) -> Iterator[tuple[Part, Chapter]]:
    """Each part of the printed contents whose text is in the manuscript, with its chapter.

    The reader reads the chapters in the order of the parts that name a file.
    """
    return zip((p for p in book.contents if p.file), book.chapters, strict=True)


def printed_toc(book: Book) -> list[tuple[Part, Chapter, list[tuple[TocEntry, Heading]]]]:
    """The TOC entries that can be printed: those whose text is in the manuscript."""
    rows = []
    for part, chapter in parts_with_text(book):
        entries = [(e, h) for e in part.entries if (h := heading_for(chapter, e)) is not None]
        rows.append((part, chapter, entries))
    return rows


@dataclass
class NavNode:
    title: str
    href: str
    level: int
    children: list[NavNode] = field(default_factory=list)
    nav_id: str = ""


def nav_tree(book: Book, href_of: dict[str, str]) -> list[NavNode]:
    """Chapters with their headings nested by level; ``href_of`` maps a chapter id to its file."""
    roots: list[NavNode] = []
    for chapter in book.chapters:
        file = href_of[chapter.id]
        top = NavNode(spaced_title(chapter.title) + (f"　{chapter.subtitle}" if chapter.subtitle else ""),
                      f"{file}#{chapter.id}", 1)
        stack = [top]
        for h in chapter.headings:
            node = NavNode(h.text, f"{file}#{h.id}", h.level)
            while stack[-1].level >= h.level:
                stack.pop()
            stack[-1].children.append(node)
            stack.append(node)
        roots.append(top)
    counter = 0

    def number(nodes: list[NavNode]) -> None:
        nonlocal counter
        for n in nodes:
            counter += 1
            n.nav_id = f"nav-{counter}"
            number(n.children)

    number(roots)
    return roots
