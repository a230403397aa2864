"""A reprint's chapter kept page by page: a changed paragraph lays out its original page alone.

With the original pagination every ``{{page N}}`` starts a PDF page, and each original
page fills exactly one (:mod:`paiban.builders.pdf.pagination` refuses a book where one
does not). So an original page's layout depends on nothing but its own text: what
runs on from the page before is cut at the marker (:mod:`paiban.transforms.pagebreaks`),
notes are numbered afresh on each page, a figure never passes a marker. An editor's
change of one paragraph then needs its page laid out again, not its chapter.

After :func:`paiban.transforms.pagebreaks.split_at_page_breaks` the chapter body's
top-level blocks fall into original pages: a page begins at a block marker
(``div.pagebreak``) or a continuation (``.page-start``). Each page has a key of its
own (its blocks' print HTML before any second-pass adjustment, its place: the
chapter's opening or not, a left- or right-hand page, and the part's salt). A
chapter's part keeps an index of its pages' keys (:class:`PageIndex`); the next build
of a changed chapter takes every page whose key is there from the PDF it was laid out
in, lays out each run of changed pages as a document of its own
(:func:`paiban.builders.pdf.html.part_html` with ``pages``), and joins them into the
chapter's part (:func:`assemble`). A chapter whose markers stand inside other blocks
(a marker in a quotation), whose body does not split into as many pages as it laid
out, or whose page layout disagrees is laid out whole, as before.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass

import pikepdf

from paiban.builders.pdf.merge import LaidOutPart
from paiban.transforms.pagebreaks import page_groups
from paiban.tree import Element, serialize


def page_keys(salt: str, root: Element) -> list[tuple[str, int]]:
    """The key of each page group of the print chapter body ``root`` (before adjustments),
    and the PDF pages it fills (:func:`paiban.transforms.pagebreaks.page_groups`)."""
    keys, first = [], 0
    for index, (group, span) in enumerate(page_groups(root)):
        # Its place: the chapter's opening or not, a right- or left-hand page, how many pages.
        place = f"opening={index == 0} side={first % 2} pages={span}"
        keys.append((hashlib.sha256(f"{salt}\n{place}\n{group_html(group)}".encode()).hexdigest(), span))
        first += span
    return keys


def group_html(group: list[Element]) -> str:
    """The print HTML of a page group's blocks (copies: serializing changes a tree)."""
    holder = group[0].makeelement("div", {}) if group else None
    if holder is None:
        return ""
    holder.extend(copy.deepcopy(el) for el in group)
    return serialize(holder)


@dataclass(frozen=True)
class PageFacts:
    """One page of a laid-out part, as the joined PDF needs to know it (:class:`LaidOutPart`)."""

    part: str  # the cache key of the part that holds the page
    page: int  # its index there
    anchors: dict[str, tuple[float, float]]
    links: tuple[tuple[str, tuple[float, float, float, float]], ...]
    bookmarks: tuple[tuple[int, str, float, float], ...]

    def as_list(self) -> list[object]:
        """The facts as JSON holds them (:meth:`from_list` reads them back)."""
        return [self.part, self.page, self.anchors, self.links, self.bookmarks]

    @classmethod
    def from_list(cls, item: list[object]) -> PageFacts:
        part, page, anchors, links, bookmarks = item
        return cls(str(part), int(page),  # type: ignore[call-overload]
                   {k: tuple(v) for k, v in anchors.items()},  # type: ignore[attr-defined, misc]
                   tuple((t, tuple(r)) for t, r in links),  # type: ignore[attr-defined, misc]
                   tuple(tuple(b) for b in bookmarks))  # type: ignore[attr-defined, misc]


def page_facts(part_key: str, part: LaidOutPart) -> list[PageFacts]:
    return [PageFacts(part_key, i,
                      {name: (x, y) for name, (p, x, y) in part.anchors.items() if p == i},
                      tuple((t, r) for p, t, r in part.links if p == i),
                      tuple((lv, lb, x, y) for lv, lb, p, x, y in part.bookmarks if p == i))
            for i in range(part.pages)]


class PageIndex:
    """The pages a chapter's last layout made, by page group key: where each of them is kept."""

    def __init__(self, groups: dict[str, list[PageFacts]]) -> None:
        self.groups = groups

    def to_json(self) -> bytes:
        return json.dumps({k: [f.as_list() for f in pages] for k, pages in self.groups.items()},
                          ensure_ascii=False).encode()

    @classmethod
    def from_json(cls, data: bytes) -> PageIndex:
        return cls({key: [PageFacts.from_list(f) for f in pages] for key, pages in json.loads(data).items()})


def runs(missing: Sequence[int]) -> list[tuple[int, ...]]:
    """Consecutive page group indexes grouped: [2, 3, 7] → [(2, 3), (7,)]."""
    groups: list[list[int]] = []
    for page in missing:
        if groups and groups[-1][-1] == page - 1:
            groups[-1].append(page)
        else:
            groups.append([page])
    return [tuple(g) for g in groups]


def assemble(pages: Sequence[PageFacts], pdfs: dict[str, bytes]) -> LaidOutPart:
    """One part of ``pages``, in order, each taken from the PDF of the part that holds it."""
    sources = {key: pikepdf.open(io.BytesIO(data)) for key, data in pdfs.items()}
    out = pikepdf.new()
    for facts in pages:
        out.pages.append(sources[facts.part].pages[facts.page])
    data = io.BytesIO()
    out.save(data, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.preserve)
    return LaidOutPart(
        data.getvalue(), len(pages),
        {name: (i, x, y) for i, f in enumerate(pages) for name, (x, y) in f.anchors.items()},
        tuple((i, t, r) for i, f in enumerate(pages) for t, r in f.links),
        tuple((lv, lb, i, x, y) for i, f in enumerate(pages) for lv, lb, x, y in f.bookmarks))
