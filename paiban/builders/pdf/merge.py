"""Joining separately laid-out parts of the printed book into one PDF.

Each part (the cover, the front matter, each chapter and its frame) is a PDF of its
own, written by WeasyPrint in a worker process (:mod:`paiban.printbook`). What a
single WeasyPrint document would have made across the whole book is made here from
facts each part reports about itself (:class:`LaidOutPart`): one outline of every
part's bookmarks, one tree of named destinations (``#page-12``, heading ids), links
from one part to another (the contents to the chapters, a chapter to another), page
labels that match the printed folios, the frames' running heads and folios laid over
each page of text, and one font program per face (:mod:`paiban.pdffonts`). The PDF
work is pikepdf's (QPDF): it copies pages and their resources between files without
parsing their content.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import json
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import pikepdf
from weasyprint.document import Document
from weasyprint.pdf import metadata as weasyprint_metadata

from paiban.builders.problems import LINK_WITHOUT_TARGET
from paiban.log import warn
from paiban.builders.pdf.pagination import Overflow
from paiban.builders.pdf.fontshare import share_fonts

Rect = tuple[float, float, float, float]


@dataclass(frozen=True)
class LaidOutPart:
    """A part's PDF and what the joined PDF needs to know about it (PDF points, pages from 0)."""

    pdf: bytes
    pages: int
    anchors: dict[str, tuple[int, float, float]]  # id: (page, x, y)
    links: tuple[tuple[int, str, Rect], ...]  # (page, id, rectangle) of links to ids of other parts
    bookmarks: tuple[tuple[int, str, int, float, float], ...]  # (level, label, page, x, y)
    overflows: tuple[Overflow, ...] = ()
    # Where each page of a reflowing chapter starts (paiban.builders.pdf.layout.page_starts).
    starts: tuple[tuple[int, int], ...] = ()

    def facts_json(self) -> str:
        facts = asdict(self)
        del facts["pdf"]
        return json.dumps(facts, ensure_ascii=False)

    @classmethod
    def from_json(cls, pdf: bytes, text: str) -> LaidOutPart:
        f = json.loads(text)
        return cls(pdf, f["pages"], {k: tuple(v) for k, v in f["anchors"].items()},  # type: ignore[misc]
                   tuple((p, t, tuple(r)) for p, t, r in f["links"]),  # type: ignore[misc]
                   tuple(tuple(b) for b in f["bookmarks"]),  # type: ignore[misc]
                   tuple(Overflow(**o) for o in f["overflows"]),
                   tuple(tuple(s) for s in f.get("starts", ())))  # type: ignore[misc]


def write_part(document: Document, overflows: Sequence[Overflow] = (), starts: Sequence[tuple[int, int]] = (),
               **options: object) -> LaidOutPart:
    """Write a laid-out part and gather its facts.

    Links to an id that is not in this part are taken out of WeasyPrint's pages
    before writing (it would drop them with a warning) and returned, to be made in
    the joined PDF where the id exists.
    """
    anchors: dict[str, tuple[int, float, float]] = {}
    bookmarks = []
    for index, page in enumerate(document.pages):
        to_pdf = _to_pdf(page.height)
        for name, (x, y, _, _) in page.anchors.items():
            anchors.setdefault(name, (index, *to_pdf(x, y)))
        for level, label, (x, y), _state in page.bookmarks:
            bookmarks.append((level, label, index, *to_pdf(x, y)))
    links = []
    for index, page in enumerate(document.pages):
        to_pdf = _to_pdf(page.height)
        kept = []
        for link in page.links:
            kind, target, (x1, y1, x2, y2), _box = link
            if kind == "internal" and target not in anchors:
                links.append((index, target, (*to_pdf(x1, y2), *to_pdf(x2, y1))))
            else:
                kept.append(link)
        page.links[:] = kept
    with _reproducible(document) if "pdf_variant" in options else contextlib.nullcontext():
        pdf = document.write_pdf(**options)
    return LaidOutPart(pdf, len(document.pages), anchors, tuple(links), tuple(bookmarks), tuple(overflows),
                       tuple(starts))


@contextlib.contextmanager
def _reproducible(document: Document) -> Iterator[None]:
    """A PDF/X-4 part (the printer's edition) that is the same for the same input, given
    ``SOURCE_DATE_EPOCH`` (the reproducible-builds convention the rest of a build follows).

    WeasyPrint 70.0 stamps a PDF/X-4 with the time of writing (its dates and the XMP
    ``MetadataDate``) and a random XMP ``DocumentID`` (``uuid4``). With the variable set,
    the dates are its time and the document id is derived from the document's title and
    that time; without it, WeasyPrint's own are kept.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch.isdigit():
        yield
        return
    when = datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    metadata = document.metadata
    metadata.created, metadata.modified = metadata.created or when, metadata.modified or when
    name = f"{metadata.title}\n{when}\n{len(document.pages)}"
    saved = weasyprint_metadata.uuid4
    weasyprint_metadata.uuid4 = lambda: uuid.uuid5(uuid.NAMESPACE_URL, name)
    try:
        yield
    finally:
        weasyprint_metadata.uuid4 = saved


def _to_pdf(page_height: float) -> Callable[[float, float], tuple[float, float]]:
    """CSS pixels from the page's top left to PDF points from its bottom left (as WeasyPrint writes)."""
    return lambda x, y: (round(x * 0.75, 3), round((page_height - y) * 0.75, 3))


@dataclass(frozen=True)
class PagePlan:
    """One page of the joined PDF: a part's page, and the (part, page) laid over it if any."""

    part: int
    page: int
    overlay: tuple[int, int] | None = None


def join(parts: Sequence[LaidOutPart], plan: Sequence[PagePlan], body_start: int,
         subset: Callable[[Path, int, frozenset[int]], bytes]) -> bytes:
    """One PDF of ``plan``'s pages; its metadata and output intent are those of the first part.

    Each face gets one font program for all parts, made by ``subset``
    (:func:`paiban.pdffonts.share_fonts`).

    ``body_start`` is the index of the first body page, where the page labels (the
    folios a PDF viewer shows) start at 1; the pages before it (the cover, the front
    matter, the prefaces, whose folios are printed in roman from the cover's i, and the
    contents) are labelled i, ii, …
    """
    sources = [pikepdf.open(io.BytesIO(p.pdf)) for p in parts]
    out = pikepdf.new()
    first = sources[0].Root
    for key in ("/Lang", "/OutputIntents", "/Metadata", "/MarkInfo", "/ViewerPreferences"):
        if key in first:
            out.Root[key] = out.copy_foreign(sources[0].make_indirect(first[key]))
    if "/Info" in sources[0].trailer:
        out.docinfo = out.copy_foreign(sources[0].make_indirect(sources[0].trailer.Info))
    where: dict[tuple[int, int], int] = {}
    for index, item in enumerate(plan):
        out.pages.append(sources[item.part].pages[item.page])
        where[(item.part, item.page)] = index
        if item.overlay is not None:
            _lay_over(out, out.pages[index], sources[item.overlay[0]].pages[item.overlay[1]], f"/Frame{index}")
    destinations = _destinations(out, parts, where)
    _links(out, parts, where, destinations)
    _outline(out, parts, where)
    share_fonts(out, subset)
    labels = [0, pikepdf.Dictionary(S=pikepdf.Name.r)]
    if body_start < len(plan):  # a book of prefaces alone has no body
        labels += [body_start, pikepdf.Dictionary(S=pikepdf.Name.D)]
    out.Root.PageLabels = pikepdf.Dictionary(Nums=pikepdf.Array(labels))
    data = io.BytesIO()
    out.save(data, deterministic_id=True, min_version=sources[0].pdf_version,
             object_stream_mode=pikepdf.ObjectStreamMode.preserve)
    return data.getvalue()


def _lay_over(out: pikepdf.Pdf, page: pikepdf.Page, over: pikepdf.Page, name: str) -> None:
    """Draw ``over`` (a frame page of the same size) on ``page``, the whole of it.

    QPDF's form XObject of a page is clipped to its trim box, which would cut off the
    crop marks a printer's PDF draws outside it: the form keeps the media box instead,
    drawn unscaled. Its resource ``name`` is given (pikepdf's ``add_overlay`` picks a
    random one), so the same book gives the same bytes (``SOURCE_DATE_EPOCH``); it must
    differ between pages, which share their part's resource dictionary.
    """
    form = out.copy_foreign(over.as_form_xobject())
    form.BBox = pikepdf.Array([float(v) for v in over.mediabox])
    page.add_resource(form, pikepdf.Name.XObject, pikepdf.Name(name))
    page.contents_add(out.make_stream(b"q\n"), prepend=True)
    page.contents_add(out.make_stream(f"\nQ\nq {name} Do Q\n".encode()))


def _destinations(out: pikepdf.Pdf, parts: Sequence[LaidOutPart], where: dict[tuple[int, int], int]) -> set[str]:
    """Every part's anchors as named destinations, so ``book.pdf#page-12`` and links within a part work."""
    tree = pikepdf.NameTree.new(out)
    for p, part in enumerate(parts):
        for name, (page, x, y) in part.anchors.items():
            if name not in tree:
                tree[name] = pikepdf.Array([out.pages[where[(p, page)]].obj, pikepdf.Name.XYZ, x, y, 0])
    out.Root.Names = pikepdf.Dictionary(Dests=tree.obj)
    return {name for part in parts for name in part.anchors}


def _links(out: pikepdf.Pdf, parts: Sequence[LaidOutPart], where: dict[tuple[int, int], int],
           destinations: set[str]) -> None:
    for p, part in enumerate(parts):
        for page, target, rect in part.links:
            if target not in destinations:
                warn(LINK_WITHOUT_TARGET.found(f"a link on PDF page {where[(p, page)] + 1} points at #{target}, "
                                               "which the book does not hold"))
                continue
            annotation = out.make_indirect(pikepdf.Dictionary(
                Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=pikepdf.Array(rect),
                BS=pikepdf.Dictionary(W=0), Dest=pikepdf.String(target)))
            pdf_page = out.pages[where[(p, page)]]
            if "/Annots" not in pdf_page.obj:
                pdf_page.obj.Annots = pikepdf.Array()
            pdf_page.obj.Annots.append(annotation)


def _outline(out: pikepdf.Pdf, parts: Sequence[LaidOutPart], where: dict[tuple[int, int], int]) -> None:
    """The parts' bookmarks nested by level, as WeasyPrint nests them within one document."""
    with out.open_outline() as outline:
        outline.root.clear()
        stack: list[tuple[int, list[pikepdf.OutlineItem]]] = [(0, outline.root)]
        for p, part in enumerate(parts):
            for level, label, page, x, y in part.bookmarks:
                item = pikepdf.OutlineItem(label, where[(p, page)], "XYZ", left=x, top=y)
                while stack[-1][0] >= level:
                    stack.pop()
                stack[-1][1].append(item)
                stack.append((level, item.children))
