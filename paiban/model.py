"""The document model: everything the builders need, read once from the book folder.

All classes are frozen dataclasses. Builders receive a :class:`Book` and never
open a manuscript file themselves (read everything first, then write).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from paiban.errors import Diagnostic
from paiban.tree import Element, fragment

# MARC relator codes for the roles a contributor can have, used by the EPUB package.
RELATORS = {"author": "aut", "editor": "edt", "translator": "trl", "compiler": "com"}


@dataclass(frozen=True)
class Contributor:
    name: str
    role: str

    @property
    def relator(self) -> str:
        return RELATORS[self.role]


@dataclass(frozen=True)
class Slogan:
    """A cover slogan; ``key`` is its bold key word, a substring of ``text``."""

    text: str
    key: str

    @property
    def parts(self) -> tuple[str, str, str]:
        """The text split around the key word: (before, key, after)."""
        before, _, after = self.text.rpartition(self.key)
        return before, self.key, after


@dataclass(frozen=True)
class Publisher:
    name: str
    city: str
    address: str
    postcode: str
    phones: tuple[str, ...]
    editorial_phone: str | None = None


@dataclass(frozen=True)
class CipRecord:
    """图书在版编目(CIP)数据 as GB/T 12451 lays it out."""

    bibliographic: str
    isbn: str
    classification: tuple[str, ...]
    number: str  # year followed by serial, digits only: "2013117380"

    @property
    def number_display(self) -> str:
        """The 数据核字 number as printed: ``(2013)第 117380 号``."""
        return f"({self.number[:4]})第 {self.number[4:]} 号"

    @property
    def classification_display(self) -> str:
        numerals = ("I", "II", "III", "IV", "V", "VI")
        return " ".join(f"{numerals[i]}. {c}" for i, c in enumerate(self.classification))


@dataclass(frozen=True)
class Printing:
    """A 版次 or 印次: when and where an edition or impression was made."""

    year: int
    month: int
    place: str
    number: int


@dataclass(frozen=True)
class Paper:
    """开本: the full sheet in millimetres and how many pages it is cut into."""

    width_mm: int
    height_mm: int
    fold: int


@dataclass(frozen=True)
class Imprint:
    """The copyright page's table of publishing facts."""

    editor: str
    distributor: str
    printer: str
    edition: Printing
    impression: Printing
    paper: Paper
    sheets: float
    kilo_characters: int
    price: str


@dataclass(frozen=True)
class TocEntry:
    """One numbered line of the printed table of contents."""

    title: str
    page: int
    kind: str  # "section" or "reading" (延伸阅读)
    line: int  # line in book.yaml


# The kinds of part in ``contents`` (book.schema.json describes each). Prefaces are the
# front matter, before the printed contents; the rest is the body, in arabic folios.
FRONT_KINDS = frozenset({"preface"})
# A part-title page (第一编, 上篇): no text of its own; it groups the chapters after it.
PART_TITLE = "part"


@dataclass(frozen=True)
class Part:
    """An item of ``contents``: a preface, 绪论, a part-title page (编), a chapter, an
    appendix, the bibliography, the afterword."""

    title: str
    subtitle: str | None
    kind: str  # one of book.schema.json's contents kinds
    file: str | None
    entries: tuple[TocEntry, ...] | None  # a reprint's printed lines; None: the contents list the headings
    line: int
    id: str = ""  # a part-title page's id (part-1, part-2…): its EPUB document and PDF anchor

    @property
    def front(self) -> bool:
        """Whether it is front matter: before the printed contents, in roman folios."""
        return self.kind in FRONT_KINDS


@dataclass(frozen=True)
class Heading:
    level: int  # 2 for 一、 sections, 3 for 1., 4 for （1）
    text: str
    id: str
    line: int
    page: int | None  # original page it falls on, from the page markers
    classes: tuple[str, ...] = ()


@dataclass(frozen=True)
class PageMarker:
    """``{{page N}}`` in the manuscript: original page N starts here."""

    number: int
    line: int
    inline: bool  # True when it falls inside a paragraph


@dataclass(frozen=True)
class Numbered:
    """A figure or table with the number the reader gave it (paiban.reader.numbering)."""

    label: str | None  # fig:leaf, or None when it has none
    kind: str  # "figure" or "table"
    number: str  # 图1-1, 附表2
    element_id: str | None


@dataclass(frozen=True)
class Chapter:
    id: str
    title: str
    subtitle: str | None
    kind: str
    source: str  # path relative to the book folder
    html: str  # the body's tree in canonical form (paiban.tree.serialize); builders work on tree()
    headings: tuple[Heading, ...]
    markers: tuple[PageMarker, ...]
    text: str  # plain text of the body, for checks and searches
    opening_page: int | None = None  # original page that begins with the chapter opening
    images: tuple[tuple[str, bytes], ...] = ()  # (path relative to the book folder, content) of each image
    ids: tuple[str, ...] = ()  # every id in the body, in document order
    diagnostics: tuple[Diagnostic, ...] = ()  # what the reader found (raw HTML it removed, unknown labels)
    numbered: tuple[Numbered, ...] = ()  # its figures and tables, with their numbers (图1-1)
    body: str = ""  # the Markdown source after the front matter, for checks that need positions
    body_line: int = 1  # line of the chapter file where ``body`` starts

    @property
    def first_page(self) -> int | None:
        return self.markers[0].number if self.markers else None

    def tree(self) -> Element:
        """The body's tree, a copy of the caller's own to transform (parsed once per process)."""
        return fragment(self.html)


@dataclass(frozen=True)
class CheckIgnore:
    """``check: {ignore: [...]}`` in book.yaml: silence a rule everywhere, in a file, or on one line."""

    code: str
    file: str | None = None  # relative to the book folder
    line: int | None = None


@dataclass(frozen=True)
class Press:
    """``print:`` in book.yaml: what the printer's files need beyond the trim size.

    No defaults here: the reader fills them from the schema, which declares them once.
    """

    bleed_mm: float  # printed past the trim on every side
    paper_caliper_mm: float  # thickness of one leaf (two pages): the spine is pages / 2 × this


@dataclass(frozen=True)
class Geometry:
    """``layout:`` in book.yaml: page size and type area (版心) as a character grid.

    No defaults here: the reader fills them from the schema, which declares them once.
    """

    trim_width_mm: float
    trim_height_mm: float
    font_size_pt: float
    line_height_pt: float
    chars_per_line: int
    lines_per_page: int

    @property
    def area_width_pt(self) -> float:
        return self.font_size_pt * self.chars_per_line

    @property
    def area_height_pt(self) -> float:
        return self.line_height_pt * self.lines_per_page


@dataclass(frozen=True)
class Book:
    root: Path
    title: str
    title_pinyin: str | None
    series: str | None
    language: str
    date: str
    description: str | None
    subjects: tuple[str, ...]
    contributors: tuple[Contributor, ...]
    slogans: tuple[Slogan, ...]
    publisher: Publisher
    isbn: str
    cip: CipRecord | None
    imprint: Imprint | None
    contents: tuple[Part, ...]
    chapters: tuple[Chapter, ...]
    geometry: Geometry
    reflow: bool  # layout.reflow: pages break where the text fills them, not at the page markers
    defer_figures: bool  # layout.defer_figures: a figure its page has no room for goes to the next, the text fills the room
    notes: str  # layout.notes: "footnotes" at the foot of the call's page in print, or "endnotes" at the chapter's end
    contents_depth: int  # layout.contents_depth: heading levels under a part the printed contents list
    press: Press
    meta_file: str = "book.yaml"  # as reports name it
    meta_text: str = ""  # book.yaml as read: a builder locating a character in metadata needs no file
    field_lines: tuple[tuple[str, int], ...] = ()  # ("cip.isbn", 37): where fields are in book.yaml
    files: tuple[str, ...] = ()  # every file of the book folder, relative to it, for the reference checks
    # In-house templates that may run without the sandbox: set by the command line's
    # --trusted for one build, never by book.yaml (a book cannot vouch for itself).
    trusted: bool = False
    check_ignores: tuple[CheckIgnore, ...] = ()  # findings of check the book has decided to silence
    notices: tuple[Diagnostic, ...] = ()  # what the reader found to warn about in book.yaml (unknown fields)

    def line_of(self, field_path: str) -> int | None:
        """The book.yaml line of a field such as ``isbn`` or ``cip.isbn``."""
        return dict(self.field_lines).get(field_path)

    @property
    def isbn_digits(self) -> str:
        return self.isbn.replace("-", "")

    @property
    def authors(self) -> tuple[Contributor, ...]:
        return tuple(c for c in self.contributors if c.role == "author") or self.contributors

    @property
    def markers(self) -> tuple[PageMarker, ...]:
        return tuple(m for c in self.chapters for m in c.markers)

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        """Every warning the reader found, in book.yaml and in the chapters; ``check`` reports them."""
        return self.notices + tuple(d for c in self.chapters for d in c.diagnostics)
