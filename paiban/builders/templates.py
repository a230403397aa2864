"""What the EPUB and PDF builders share: templates, styles and the views they render.

Templates and styles are looked up first in the book folder's ``templates/`` and
``styles/``, then in paiban's own, so a book overrides any of them by putting a file
of the same name in its folder.

A book folder may come from outside, its overrides too, so (README, "What a build
reads and writes"):

- templates run in paiban's sandbox (:mod:`paiban.builders.sandbox`), unless the
  builder is told to trust them (``--trusted``: :attr:`paiban.model.Book.trusted`, the
  ``--trusted`` switch);
- what a book's override makes goes through the sanitizer that cleans raw HTML in
  Markdown (:mod:`paiban.reader.sanitize`), and each removal is a warning naming the
  override; paiban's own templates are trusted;
- a stylesheet is parsed as CSS, its references checked and written back from its
  tokens (:mod:`paiban.builders.css`), whichever output it goes to;
- a fault in a template is a :class:`BookError` at the template's line.
"""

from __future__ import annotations

import functools
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError

from paiban.builders import sandbox
from paiban.builders.css import clean_stylesheet
from paiban.errors import BookError, Diagnostic
from paiban.log import warn
from paiban.model import PART_TITLE, Book, Chapter, Heading, Part, TocEntry
from paiban.reader import sanitize
from paiban.reader.sources import display_path, read_text
from paiban.tree import serialize

# templates/ and styles/ sit beside paiban/ in the source tree; an installed wheel
# carries them inside the package (pyproject.toml maps them to paiban.templates, paiban.styles).
_PACKAGE = Path(__file__).resolve().parents[1]
PACKAGE_ROOT = _PACKAGE if (_PACKAGE / "templates").is_dir() else _PACKAGE.parent
# Each kind of part (book.schema.json) as EPUB 3 structural semantics and its DPUB-ARIA role.
EPUB_TYPES = {"preface": "preface", "introduction": "introduction", "part": "part", "chapter": "chapter",
              "appendix": "appendix", "bibliography": "bibliography", "afterword": "afterword"}
ARIA_ROLES = {"preface": "doc-preface", "introduction": "doc-introduction", "part": "doc-part",
              "chapter": "doc-chapter", "appendix": "doc-appendix", "bibliography": "doc-bibliography",
              "afterword": "doc-afterword"}


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


FILTERS: dict[str, Callable[..., Any]] = {
    "spaced_title": spaced_title, "epub_type": EPUB_TYPES.__getitem__, "aria_role": ARIA_ROLES.__getitem__,
    "sheets": sheets,
}
_reported: set[tuple[str, str, int]] = set()


class _BookTemplate(jinja2.Template):
    """A template that, when it is one of the book's overrides, has what it makes sanitized."""

    @classmethod
    def _from_namespace(cls, environment: jinja2.Environment, namespace: Any, globals_: Any) -> jinja2.Template:
        template = super()._from_namespace(environment, namespace, globals_)
        if isinstance(environment, _BookEnvironment) and template.filename \
                and Path(template.filename).is_relative_to(environment.root / "templates"):
            template.root_render_func = _cleaned(template.root_render_func, Path(template.filename), environment)
        return template


class _BookEnvironment:
    """What both kinds of environment know of the book: where it is, so which templates are
    its overrides and how reports name them."""

    template_class = _BookTemplate
    root: Path

    def shown(self, filename: str) -> str:
        """A template file as reports name it: ``book/templates/x.html`` or ``templates/x.html``."""
        path = Path(filename)
        if path.is_relative_to(self.root):
            return display_path(path, self.root)
        return str(path.relative_to(PACKAGE_ROOT)) if path.is_relative_to(PACKAGE_ROOT) else filename

    render: Callable[[str, dict[str, Any]], str]  # the template ``name``, within the limits of its kind


class _TrustedEnvironment(_BookEnvironment, jinja2.Environment):
    """A plain Jinja environment: for in-house templates that need more than the sandbox allows."""

    def __init__(self, root: Path, filters: dict[str, Callable[..., Any]], **options: Any) -> None:
        super().__init__(**options)
        self.root = root
        self.filters.update(filters)

    def render(self, name: str, context: dict[str, Any]) -> str:
        return self.get_template(name).render(**context)


class _SandboxedEnvironment(_BookEnvironment, sandbox.BookSandbox):
    def __init__(self, root: Path, filters: dict[str, Callable[..., Any]], **options: Any) -> None:
        super().__init__(filters, **options)
        self.root = root


def environment(book: Book) -> jinja2.Environment:
    """The environment the templates of ``book`` render in: the sandbox, or for a book built
    with ``--trusted`` (in-house templates, :attr:`paiban.model.Book.trusted`) a plain Jinja
    environment with no limits. What a book's override makes is sanitized either way.

    One per process while the template files are the same (their names and times): an
    environment compiles each template it renders, and a build renders every part's
    (``paiban watch`` rebuilds them all for their cache keys) — compiling them again took
    a fifth of a rebuild. Jinja's loader sees a template's own change by its time; a
    template added or removed is a new set of files, so a new environment."""
    dirs = resource_dirs(book, "templates")
    files = tuple((str(path), path.stat().st_mtime_ns) for d in dirs for path in sorted(d.rglob("*"))
                  if path.is_file())
    return _environment(book.trusted, book.root, tuple(str(d) for d in dirs), files)


@functools.lru_cache(maxsize=8)
def _environment(trusted: bool, root: Path, dirs: tuple[str, ...],
                 files: tuple[tuple[str, int], ...]) -> jinja2.Environment:
    kind = _TrustedEnvironment if trusted else _SandboxedEnvironment
    return kind(root, FILTERS, loader=jinja2.FileSystemLoader(list(dirs)),
                autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def render_template(env: jinja2.Environment, name: str, **context: object) -> str:
    """Render a template; any fault in it is a book error at the template's line.

    A book's template is code from outside: whatever it raises (an undefined name, a
    refusal of the sandbox, a loop that does not end, a macro calling itself) is
    reported at the line of the innermost template running, not as paiban's traceback.
    """
    assert isinstance(env, _BookEnvironment)
    try:
        return env.render(name, context)
    except BookError:
        raise
    except jinja2.TemplateSyntaxError as exc:
        file = env.shown(exc.filename) if exc.filename else _file_of(env, exc.name or name)
        raise BookError(f"template syntax error: {exc.message}", file, exc.lineno,
                        "see https://jinja.palletsprojects.com/templates/ for the syntax") from None
    except Exception as exc:  # noqa: BLE001  a template can raise anything; only a BookError may leave
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if _in_templates(env, f.filename)]
        raise BookError(f"template failed: {_explained(exc)}",
                        env.shown(frames[-1].filename) if frames else _file_of(env, name),
                        frames[-1].lineno if frames else None, _hint(exc)) from None


def _file_of(env: _BookEnvironment, name: str) -> str:
    """The template ``name`` as reports name it, when no line of it is to blame (it could
    not be read, or what it made could not be cleaned): the book's override if it has one."""
    folders = env.loader.searchpath if isinstance(env.loader, jinja2.FileSystemLoader) else []
    return next((env.shown(str(Path(d) / name)) for d in folders if (Path(d) / name).is_file()), name)


def _in_templates(env: jinja2.Environment, filename: str) -> bool:
    """Whether a traceback's frame runs a template (not paiban's or Jinja's Python)."""
    return not filename.endswith(".py") and isinstance(env.loader, jinja2.FileSystemLoader) and any(
        Path(filename).is_relative_to(folder) for folder in env.loader.searchpath)


def _explained(exc: Exception) -> str:
    if isinstance(exc, jinja2.TemplateNotFound):
        return f"template {exc.name!r} not found"
    if isinstance(exc, RecursionError):
        return "a macro or a template calls itself without end"
    if isinstance(exc, MemoryError):
        return "the template needs more memory than there is"
    if isinstance(exc, jinja2.TemplateError | sandbox.TemplateTimeout):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _hint(exc: Exception) -> str:
    if isinstance(exc, jinja2.TemplateNotFound):
        return "a template can include the templates of the book's templates/ folder and paiban's, by name"
    if isinstance(exc, SecurityError | OverflowError | MemoryError):
        return ("a book's template runs in a sandbox: no files, no Python, values up to 64 MB, range() up to "
                "100,000 (docs/templates.md); in-house templates can be trusted with --trusted")
    if isinstance(exc, sandbox.TemplateTimeout):
        return "look for a loop that does not end"
    if isinstance(exc, RecursionError):
        return "a macro that calls itself must stop at some depth"
    return "check the names used in the template against docs/templates.md"


def _cleaned(render: Callable[[Any], Iterator[str]], file: Path,
             env: _BookEnvironment) -> Callable[[Any], Iterator[str]]:
    """The render function of a book's override, with what it makes sanitized.

    The book's templates come from outside as its chapters do, so what they make meets
    the same sanitizer (paiban's own templates are trusted and left alone). A document
    (``print.html``, ``document.xhtml``) keeps its head; an NCX stays XML.
    """
    shown = env.shown(str(file))

    def root(context: Any) -> Iterator[str]:
        try:
            made = env.concat(render(context))  # type: ignore[attr-defined]
        except SecurityError as exc:  # the override's whole output is too large, not a line of it
            if any(f.filename == str(file) for f in traceback.extract_tb(exc.__traceback__)):
                raise
            raise BookError(f"template failed: {exc}", shown, None, _hint(exc)) from None
        yield _sanitized(made, file, shown, env.root)

    return root


def _sanitized(made: str, file: Path, shown: str, root: Path) -> str:
    made = sanitize.NOT_XML.sub("", made)  # a template may print what no output can hold
    if file.suffix == ".ncx":
        try:
            text, removed = sanitize.clean_ncx(made)
        except ValueError as exc:
            raise BookError(str(exc), shown, None, "the template must make an NCX document") from None
    elif sanitize.is_document(made):
        text, removed = sanitize.clean_document(made, lambda css: _style_element(css, shown, root))
    else:
        tree, removed = sanitize.clean(made, template=True)
        text = serialize(tree)
    _report(removed, file, shown)
    return text


def _style_element(css: str, shown: str, root: Path) -> str:
    """A ``<style>`` an override makes, cleaned as a stylesheet is; its lines are not the template's."""
    try:
        return clean_stylesheet(css, shown, root)
    except BookError as exc:
        raise BookError(f"{exc.message} (in a <style> the template makes)", shown, None, exc.hint) from None


def _report(removed: list[sanitize.Removal], file: Path, shown: str) -> None:
    """Warn about each removal, at the override's line that holds it, once per process:
    a chapter's template is rendered for every chapter, and again for each output."""
    if not removed:
        return
    source = file.read_text("utf-8", errors="replace")
    lines = source.lower().split("\n")
    for r in removed:
        key = (shown, r.what, hash(source))
        if key in _reported:
            continue
        _reported.add(key)
        at = [n for n, text in enumerate(lines, 1) if r.source_text.lower() in text]
        also = f"; also at lines {', '.join(map(str, at[1:]))}" if len(at) > 1 else ""
        warn(Diagnostic("R006", "warning", shown, at[0] if at else None, None,
                        f"removed {r.what} ({r.count}×) from what the template makes: HTML that may not appear "
                        f"in a book{also}", "remove it from the template: a book is read, not run"))


def stylesheet(book: Book, name: str) -> str:
    """The CSS of a stylesheet, from the book's styles/ if it has one of that name, as
    :func:`paiban.builders.css.clean_stylesheet` writes it (both outputs get it so)."""
    for folder in resource_dirs(book, "styles"):
        path = folder / name
        if path.is_file():
            if folder.parent == book.root:
                return clean_stylesheet(read_text(path, book.root), display_path(path, book.root), book.root)
            return clean_stylesheet(path.read_text("utf-8"), f"styles/{name}", book.root)
    raise BookError(f"stylesheet {name} not found", display_path(book.root, book.root))


def heading_for(chapter: Chapter, entry: TocEntry) -> Heading | None:
    """The heading of ``chapter`` that a printed TOC entry refers to (same title)."""
    return next((h for h in chapter.headings if h.text == entry.title), None)


def parts_with_text(book: Book) -> Iterator[tuple[Part, Chapter]]:
    """Each part of the printed contents whose text is in the manuscript, with its chapter.

    The reader reads the chapters in the order of the parts that name a file.
    """
    return zip((p for p in book.contents if p.file), book.chapters, strict=True)


def reading_order(book: Book) -> list[tuple[Part, Chapter | None]]:
    """What both outputs hold, in order: each part whose text is in the manuscript with
    its chapter, and each part-title page (kind ``part``) with None. The prefaces come
    first (the reader refuses one after the body has begun); a part whose text is not
    written yet is left out."""
    chapters = dict((id(p), c) for p, c in parts_with_text(book))
    return [(p, chapters.get(id(p))) for p in book.contents if p.kind == PART_TITLE or id(p) in chapters]


def printed_toc(book: Book) -> list[tuple[Part, Chapter, list[tuple[TocEntry, Heading]]]]:
    """The entries of ``contents`` (a reprint's) that can be printed: those whose text is in the manuscript."""
    rows = []
    for part, chapter in parts_with_text(book):
        entries = [(e, h) for e in part.entries or () if (h := heading_for(chapter, e)) is not None]
        rows.append((part, chapter, entries))
    return rows


def part_titles(book: Book) -> dict[str, Part]:
    """The part-title page (编) each chapter of a part belongs to, by the chapter's id: the
    chapters (kind ``chapter``) that follow it, up to the next part-title page or a part
    of another kind (an appendix, the bibliography…)."""
    found: dict[str, Part] = {}
    current: Part | None = None
    for part, chapter in reading_order(book):
        if chapter is None:
            current = part
        elif part.kind != "chapter":
            current = None
        elif current is not None:
            found[chapter.id] = current
    return found


@dataclass(frozen=True)
class ContentsLine:
    """A line under a part in the printed contents: a heading, linked to and given the folio of ``target``."""

    title: str
    target: str  # the heading's id
    kind: str  # "section", or "reading" for a 延伸阅读 piece
    level: int  # the heading's level: 2 for ##


@dataclass(frozen=True)
class ContentsRow:
    """A part as the printed contents list it (templates/toc.html).

    ``listed`` is a reprint's part, whose lines are its ``entries`` as book.yaml gives
    them (the original's contents, under a title line without a folio); otherwise the
    lines are the chapter's headings to ``layout.contents_depth`` and the title line
    carries the folio of ``target``.
    """

    part: Part
    target: str  # the id the title line links to: the chapter's, or the part-title page's
    listed: bool
    lines: tuple[ContentsLine, ...]


def printed_contents(book: Book) -> list[ContentsRow]:
    """The rows of the printed contents: the body's parts in order. The prefaces are front
    matter printed before the contents, and Chinese books do not list them there."""
    rows = []
    toc = {id(part): entries for part, _, entries in printed_toc(book)}
    for part, chapter in reading_order(book):
        if part.front:
            continue
        if chapter is None:
            rows.append(ContentsRow(part, part.id, False, ()))
        elif part.entries is not None:
            rows.append(ContentsRow(part, chapter.id, True, tuple(
                ContentsLine(e.title, h.id, e.kind, h.level) for e, h in toc[id(part)])))
        else:
            rows.append(ContentsRow(part, chapter.id, False, tuple(
                ContentsLine(h.text, h.id, "reading" if "reading" in h.classes else "section", h.level)
                for h in chapter.headings if h.level <= book.contents_depth + 1)))
    return rows


@dataclass
class NavNode:
    title: str
    href: str
    level: int
    children: list[NavNode] = field(default_factory=list)
    nav_id: str = ""


def nav_tree(book: Book, href_of: dict[str, str]) -> list[NavNode]:
    """The parts in reading order, each chapter with its headings nested by level, and
    the chapters that follow a part-title page (编) nested under it; ``href_of`` maps a
    chapter's or part-title page's id to its file. ``level`` is a node's depth (1 at the top)."""
    roots: list[NavNode] = []
    grouped = part_titles(book)
    tops: dict[str, NavNode] = {}  # each part-title page's node, by its id
    for part, chapter in reading_order(book):
        if chapter is None:
            tops[part.id] = NavNode(part.title + (f"　{part.subtitle}" if part.subtitle else ""),
                                    f"{href_of[part.id]}#{part.id}", 1)
            roots.append(tops[part.id])
            continue
        division = tops[grouped[chapter.id].id] if chapter.id in grouped else None
        depth = 1 if division is None else 2
        file = href_of[chapter.id]
        top = NavNode(spaced_title(chapter.title) + (f"　{chapter.subtitle}" if chapter.subtitle else ""),
                      f"{file}#{chapter.id}", depth)
        stack = [top]
        for h in chapter.headings:
            node = NavNode(h.text, f"{file}#{h.id}", h.level + depth - 1)
            while stack[-1].level >= node.level:
                stack.pop()
            stack[-1].children.append(node)
            stack.append(node)
        (division.children if division is not None else roots).append(top)
    counter = 0

    def number(nodes: list[NavNode]) -> None:
        nonlocal counter
        for n in nodes:
            counter += 1
            n.nav_id = f"nav-{counter}"
            number(n.children)

    number(roots)
    return roots
