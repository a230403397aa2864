"""The EPUB builder: one XHTML file per chapter, our own nav and NCX, reproducible zip.

It renders the same fragment templates as the PDF builder (title page, copyright
page, chapters) into ``document.xhtml``. ebooklib writes the package; the navigation
document and the NCX are rendered from paiban's templates instead of ebooklib's,
because ebooklib's nav has no heading hierarchy and no NCX page list. The zip is then
re-packed with fixed timestamps so the same manuscript and ``SOURCE_DATE_EPOCH`` give
a byte-identical file.

Semantics (EPUB SSV ``epub:type`` beside DPUB-ARIA ``role``): the cover page is
``cover`` with the image as ``doc-cover``; the title page ``titlepage`` and the
copyright page ``copyright-page`` (DPUB-ARIA has no role for either, so they are
regions named by ``aria-label``); each part has its ``kind``'s type and role
(``preface``/``doc-preface``, ``introduction``, ``part`` for a part-title page, a
document of its own, ``chapter``, ``appendix``, ``bibliography``, ``afterword``:
:data:`paiban.builders.templates.EPUB_TYPES`); a 延伸阅读
piece is ``learning-resource`` (see ``markup.SECTION_EPUB_TYPES`` for why not
``sidebar``). Every document has one ``h1`` and no skipped heading level. The spine
is the print's order: the cover, title and copyright pages, the prefaces, the
contents (the nav), then the body; the landmarks name each of these and the first
appendix, the bibliography and the afterword.

Accessibility metadata follows EPUB Accessibility 1.1. There is no conformance claim
(``dcterms:conformsTo``): the same package metadata is written for every book paiban
builds, and WCAG 2.2 AA depends on what only a person can judge in the manuscript
(text alternatives of its images, descriptive headings, the language of foreign
passages), which no check here verifies. The summary says so.
"""

from __future__ import annotations

import datetime
import io
import os
import zipfile
from pathlib import Path
from typing import Any

from ebooklib import epub

from paiban.builders.epub.fonts import document_tree, embed, font_face_css, license_text
from paiban.log import LOGGER
from paiban.model import Book, Chapter, Part
from paiban.transforms import Transform, apply
from paiban.transforms.links import chapter_links
from paiban.transforms.media import image_folder
from paiban.transforms.notelinks import note_backlinks
from paiban.transforms.notes import keep_calls_with_text
from paiban.tree import Element, serialize
from paiban.atomic import atomic_output
from paiban.reader.book import IMAGE_TYPES
from paiban.builders.templates import environment, nav_tree, reading_order, render_template, spaced_title, stylesheet

STYLES = ("base.css", "epub.css")
MEDIA = "media"
PAGE_FEATURES = {"pageBreakMarkers", "pageNavigation", "printPageNumbers"}
# printPageNumbers is the term EPUB Accessibility 1.0 tools look for; the
# discoverability vocabulary has since split it into pageBreakMarkers and pageNavigation.
ACCESSIBILITY = [
    ("schema:accessMode", "textual"),
    ("schema:accessMode", "visual"),
    ("schema:accessModeSufficient", "textual"),
    ("schema:accessibilityFeature", "tableOfContents"),
    ("schema:accessibilityFeature", "readingOrder"),
    ("schema:accessibilityFeature", "structuralNavigation"),
    ("schema:accessibilityFeature", "pageBreakMarkers"),
    ("schema:accessibilityFeature", "pageNavigation"),
    ("schema:accessibilityFeature", "printPageNumbers"),
    ("schema:accessibilityFeature", "alternativeText"),
    ("schema:accessibilityHazard", "none"),
]


def build_time() -> datetime.datetime:
    """``SOURCE_DATE_EPOCH`` when set (reproducible builds), else now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc)
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


class _Document(epub.EpubHtml):
    """An XHTML document paiban rendered in full; ebooklib writes it unchanged."""

    def __init__(self, uid: str, file_name: str, title: str, content: str) -> None:
        super().__init__(uid=uid, file_name=file_name, title=title, lang=None)
        self.rendered = content.encode("utf-8")

    def get_content(self, default: Any = None) -> bytes:
        return self.rendered


class _Writer(epub.EpubWriter):
    """ebooklib's writer with paiban's nav and NCX, and the language on the package."""

    def __init__(self, name: str, book: epub.EpubBook, nav: str, ncx: str, options: dict[str, Any]) -> None:
        super().__init__(name, book, options)
        self.nav, self.ncx = nav.encode("utf-8"), ncx.encode("utf-8")

    def _get_nav(self, item: epub.EpubNav) -> bytes:
        return self.nav

    def _get_ncx(self) -> bytes:
        return self.ncx

    def _write_opf_file(self, root: Any) -> None:
        """The package with ``xml:lang``: ebooklib puts the language on every document but
        not on ``<package>``, so the text of the metadata (title, description, accessibility
        summary) has no language for a reading system; Ace by DAISY reports it (epub-lang)."""
        root.set(f"{{{epub.NAMESPACES['XML']}}}lang", self.book.language)
        super()._write_opf_file(root)


def _play_orders(documents: list[tuple[str, list[str]]], hrefs: list[str]) -> dict[str, int]:
    """NCX playOrder: the reading order of every target, by document and then by the
    order of ids in it (``documents``: each file name with its ids in document order)."""
    position: dict[str, tuple[int, int]] = {}
    for index, (name, names) in enumerate(documents):
        position[name] = (index, 0)
        for order, ident in enumerate(names, 1):
            position.setdefault(f"{name}#{ident}", (index, order))
    ordered = sorted(set(hrefs), key=lambda h: position.get(h, (len(documents), 0)))
    return {h: i + 1 for i, h in enumerate(ordered)}


def chapter_body(book: Book, chapter: Chapter) -> Element:
    """The EPUB's tree of a chapter: links into the EPUB's documents, images in ``media/``,
    each note with a labelled link back to its call, each call kept with the character before it."""
    return apply(chapter.tree(), [
        Transform("links", chapter_links(book, chapter, lambda c, place: f"{c.id}.xhtml#{place}")),
        Transform("media", image_folder(f"../{MEDIA}/")),
        Transform("note back links", note_backlinks),
        Transform("note calls", keep_calls_with_text),
    ])


def _ids_in_order(chapter: Chapter) -> list[str]:
    """The ids of a chapter's document in reading order: its section, its opening page,
    its title (templates/chapter.html), then those of its body."""
    opening = [f"page-{chapter.opening_page}"] if chapter.opening_page else []
    return [chapter.id, *opening, f"{chapter.id}-title", *chapter.ids]


# The body class of a chapter's document by its kind (the rest are bodymatter): prefaces
# are front matter, the appendices, bibliography and afterword back matter.
MATTER = {"preface": "frontmatter", "appendix": "backmatter", "bibliography": "backmatter",
          "afterword": "backmatter"}
# The kinds whose first part has a landmark of its own, after the body's.
BACK_LANDMARKS = ("appendix", "bibliography", "afterword")


def _landmarks(order: list[tuple[Part, Chapter | None]], href_of: dict[str, str]) -> list[tuple[str, str, str]]:
    """The nav's landmarks in reading order: the cover, title and copyright pages, the first
    preface, the contents, the start of the body (the introduction, the first part-title
    page or chapter), and the first appendix, the bibliography and the afterword."""
    firsts: dict[str, tuple[str, str, str]] = {}
    for part, chapter in order:
        ident, title = (chapter.id, chapter.title) if chapter is not None else (part.id, part.title)
        for kind in ("preface",) if part.front else ("bodymatter", part.kind):
            if kind in ("preface", "bodymatter", *BACK_LANDMARKS):
                firsts.setdefault(kind, (kind, f"{href_of[ident]}#{ident}", spaced_title(title)))
    return [("cover", "text/cover.xhtml", "封面"), ("titlepage", "text/titlepage.xhtml", "扉页"),
            ("copyright-page", "text/copyright.xhtml", "版权页"), *([firsts["preface"]] if "preface" in firsts else []),
            ("toc", "nav.xhtml#toc", "目录"), *(firsts[k] for k in ("bodymatter", *BACK_LANDMARKS) if k in firsts)]


def accessibility_summary(book: Book) -> str:
    """What a reader needs to know before choosing the book, in the book's language."""
    pages = f"保留印刷版（ISBN {book.isbn}）的页码，可按原书页码跳转。" if book.markers else ""
    return ("本书为可重排的文字版，提供封面图片的替代文字，以及目录、章节标题层级与地标导航；"
            f"{pages}无闪烁、声音或动态内容。未声明符合 WCAG 无障碍标准，因未经人工评估。")


def build_epub(book: Book, target: Path, cover_jpeg: bytes, embed_fonts: bool = False) -> Path:
    """Write the EPUB of ``book`` to ``target``; ``cover_jpeg`` is the printed cover as an image
    (the composer makes it: the EPUB builder lays nothing out)."""
    env = environment(book)
    when = build_time()
    docs: list[tuple[str, str, str, str]] = []  # (id, file name, title, xhtml)
    styles = ("fonts.css", *STYLES) if embed_fonts else STYLES
    css_links = [f"../styles/{name}" for name in styles]

    font_sources: list[Element] = []  # what --embed-fonts subsets the faces to

    def document(uid: str, name: str, title: str, fragment: str, body_class: str, **context: Any) -> str:
        xhtml = render_template(env, "document.xhtml", book=book, title=title, fragment=fragment,
                                stylesheets=css_links, body_class=body_class, format="epub", **context)
        docs.append((uid, f"text/{name}.xhtml", title, xhtml))
        return xhtml

    for uid, title, fragment, body_class in (("cover", "封面", "cover-image.xhtml", "cover"),
                                             ("titlepage", "扉页", "titlepage.html", "frontmatter"),
                                             ("copyright", "版权页", "copyright.html", "frontmatter")):
        xhtml = document(uid, uid, title, fragment, body_class)
        if embed_fonts:
            font_sources.append(document_tree(xhtml))
    href_of: dict[str, str] = {}
    order = reading_order(book)
    for part, chapter in order:  # the documents in reading order: the prefaces first (the reader sees to it)
        if chapter is None:  # a part-title page (编), a document of its own
            xhtml = document(part.id, part.id, part.title, "part-title.html", "bodymatter", division=part)
            if embed_fonts:
                font_sources.append(document_tree(xhtml))
            href_of[part.id] = f"text/{part.id}.xhtml"
            continue
        tree = chapter_body(book, chapter)
        title = spaced_title(chapter.title)
        matter = MATTER.get(chapter.kind, "bodymatter")
        context = {"chapter": chapter, "opening_page": chapter.opening_page}
        document(chapter.id, chapter.id, title, "chapter.html", matter, body=serialize(tree), **context)
        if embed_fonts:  # the chapter's document around an empty body, and its body's own tree
            font_sources += [document_tree(render_template(
                env, "document.xhtml", book=book, title=title, fragment="chapter.html", stylesheets=css_links,
                body_class=matter, format="epub", body="", **context)), tree]
        href_of[chapter.id] = f"text/{chapter.id}.xhtml"

    toc = nav_tree(book, href_of)
    pages = [(m.number, f"{href_of[c.id]}#page-{m.number}") for c in book.chapters for m in c.markers]
    landmarks = _landmarks(order, href_of)
    nav = render_template(env, "nav.xhtml", book=book, toc=toc, landmarks=landmarks, pages=pages,
                          stylesheets=[f"styles/{name}" for name in styles])
    flat: list[Any] = []

    def walk(nodes: list[Any]) -> None:
        for n in nodes:
            flat.append(n)
            walk(n.children)

    walk(toc)
    ids_of = {f"text/{c.id}.xhtml": _ids_in_order(c) for c in book.chapters}
    ids_of.update({href_of[p.id]: [p.id, f"{p.id}-title"] for p, c in order if c is None})
    orders = _play_orders([(f, ids_of.get(f, [])) for _, f, _, _ in docs], [n.href for n in flat] + [h for _, h in pages])
    depth = max((n.level for n in flat), default=1)
    ncx = render_template(env, "toc.ncx", book=book, toc=toc, pages=pages, depth=depth,
                          max_page=max((n for n, _ in pages), default=0), play_order=orders)

    pkg = epub.EpubBook()
    del pkg.metadata[epub.NAMESPACES["OPF"]]["generator"]  # ebooklib's name and version: noise
    pkg.set_identifier(f"urn:isbn:{book.isbn_digits}")
    pkg.set_title(book.title)
    pkg.set_language(book.language)
    for i, c in enumerate(book.contributors):
        pkg.add_author(c.name, role=c.relator, uid=f"creator{i}")
    pkg.add_metadata("DC", "publisher", book.publisher.name)
    pkg.add_metadata("DC", "date", book.date)
    pkg.add_metadata("DC", "source", f"urn:isbn:{book.isbn_digits}")
    if book.description:
        pkg.add_metadata("DC", "description", book.description)
    for subject in book.subjects:
        pkg.add_metadata("DC", "subject", subject)
    paginated = bool(book.markers)
    for prop, value in ACCESSIBILITY:
        if paginated or value not in PAGE_FEATURES:
            pkg.add_metadata(None, "meta", value, {"property": prop})
    if paginated:  # the print edition whose page numbers the page list gives
        pkg.add_metadata(None, "meta", f"urn:isbn:{book.isbn_digits}", {"property": "pageBreakSource"})
    pkg.add_metadata(None, "meta", accessibility_summary(book), {"property": "schema:accessibilitySummary"})

    cover = epub.EpubImage(uid="cover-image", file_name="images/cover.jpg", media_type="image/jpeg",
                           content=cover_jpeg)
    cover.properties = ["cover-image"]
    pkg.add_item(cover)
    images = {src: data for chapter in book.chapters for src, data in chapter.images}
    for n, (src, data) in enumerate(sorted(images.items()), 1):
        pkg.add_item(epub.EpubItem(uid=f"image-{n}", file_name=f"{MEDIA}/{src}", content=data,
                                   media_type=IMAGE_TYPES[Path(src).suffix.lower()]))
    if embed_fonts:
        _add_fonts(pkg, [*font_sources, document_tree(nav)])
    for name in STYLES:
        pkg.add_item(epub.EpubItem(uid=name.replace(".", "-"), file_name=f"styles/{name}", media_type="text/css",
                                   content=stylesheet(book, name).encode("utf-8")))
    items = {uid: _Document(uid, name, title, xhtml) for uid, name, title, xhtml in docs}
    for item in items.values():
        pkg.add_item(item)
    pkg.add_item(epub.EpubNcx())
    nav_item = epub.EpubNav(title="目录")
    pkg.add_item(nav_item)
    # The prefaces come before the contents (the nav), as in print; the body after it.
    pkg.spine = [items["cover"], items["titlepage"], items["copyright"],
                 *(items[c.id] for p, c in order if p.front and c is not None), nav_item,
                 *(items[c.id if c is not None else p.id] for p, c in order if not p.front)]

    raw = io.BytesIO()
    # Level 0: _repack compresses every entry again; deflating it here too was wasted.
    _Writer(raw, pkg, nav, ncx, {"epub3_pages": False, "mtime": when, "compresslevel": 0}).write()  # type: ignore[arg-type]
    with atomic_output(target) as tmp:
        _repack(raw.getvalue(), tmp, when)
    LOGGER.info("wrote %s (%d chapters, %d page-list entries)", target, len(book.chapters), len(pages))
    return target


def _add_fonts(pkg: epub.EpubBook, roots: list[Element]) -> None:
    """The subset fonts, their ``@font-face`` stylesheet and the OFL notice."""
    fonts = embed(roots)
    for f in fonts:
        stem = f.face.file_name.rsplit(".", 1)[0]
        pkg.add_item(epub.EpubItem(uid=f"font-{stem}", file_name=f"fonts/{f.face.file_name}",
                                   media_type="font/ttf" if f.face.truetype else "font/otf", content=f.data))
        LOGGER.info("embedded %s: %d characters, %d KB (from %s)", f.face.file_name, f.characters,
                    len(f.data) // 1024, f.source.name)
    pkg.add_item(epub.EpubItem(uid="font-license", file_name="fonts/OFL.txt", media_type="text/plain",
                               content=license_text(fonts).encode("utf-8")))
    pkg.add_item(epub.EpubItem(uid="fonts-css", file_name="styles/fonts.css", media_type="text/css",
                               content=font_face_css(fonts).encode("utf-8")))


def _repack(data: bytes, target: Path, when: datetime.datetime) -> None:
    """Rewrite the zip with one fixed timestamp and ``mimetype`` first and stored."""
    stamp = max(when, datetime.datetime(1980, 1, 1, tzinfo=datetime.timezone.utc)).timetuple()[:6]
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(target, "w") as dst:
        names = ["mimetype"] + [n for n in src.namelist() if n != "mimetype"]
        for name in names:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            dst.writestr(info, src.read(name), compresslevel=9)



