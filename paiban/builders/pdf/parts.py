"""The printed book, laid out in parts, in parallel, each part cached by its content.

WeasyPrint lays a document out on one core, and a 200-page book takes it seconds.
But a chapter's layout does not depend on the pages before it: each chapter opens
on a right-hand page, so only its folios do. So the book is laid out in parts, each
its own WeasyPrint document (:func:`paiban.builders.pdf.layout.lay_out_part`):

1. what needs no folio, in worker processes (one per core): the front matter (title
   page, copyright page), every chapter and every part-title page (编: its page and
   its blank verso, which carry no running head or folio, so they have no frame);
2. then what needs the folios: the contents, which print the body's, and each
   chapter's frame: an empty page per page of the chapter, laid out with the book's
   page rules from the chapter's first folio, so it carries the running heads and
   folios, and the blank page after a chapter that ends on a right-hand page
   (``templates/print-frame.html``); and the cover.

The book's pages run: the cover, the front matter, the prefaces, the contents, the
body. A preface (kind ``preface``) is laid out as a chapter of its own, so its notes,
figures and second pass are a chapter's; it is front matter all the same: it opens
on a right-hand page after the copyright page, its frame numbers its pages in lower-case
roman from the page's place in the PDF (the cover is i, as the PDF's page labels count),
and the contents follow it on a right-hand page and do not list it (Chinese books list
a preface only when it follows the contents). The body starts at folio 1 on a
right-hand page: the introduction, or the first chapter or part-title page.

Then :mod:`paiban.builders.pdf.merge` lays each frame page over its page of text and
joins it all into one PDF, its page labels roman to the body and arabic from it. Each
part is kept in the output folder's cache under a key of its HTML (which holds the text
and the stylesheets) and of what else makes outputs (paiban's code, templates, the
book's images and fonts, the font files): a changed paragraph lays out its chapter
again, and the contents and frames only if a page count moved."""

from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from paiban import cache, workers
from paiban.builders.pdf.cover_spread import spread_html
from paiban.errors import BookError, BookErrors
from paiban.fonts import font_files
from paiban.log import LOGGER
from paiban.model import Book, Chapter
from paiban.atomic import atomic_output
from paiban.builders.pdf.pagination import Overflow
from paiban.builders.pdf.html import (chapter_body, cover_title_lines, frame_html, part_html, press_options,
                                      print_stylesheets)
from paiban.builders.pdf.pages import PageFacts, PageIndex, assemble, page_facts, page_keys, runs
from paiban.builders.pdf.reflow import Window, block_hashes, changed_blocks, eligible, stamp
from paiban.tree import Element
from paiban.builders.pdf.layout import lay_out_part, layout_html, warm_up
from paiban.builders.pdf.fontshare import subset_font
from paiban.builders.pdf.merge import LaidOutPart, PagePlan, join, write_part
from paiban.builders.templates import reading_order, stylesheet


@dataclass(frozen=True)
class BookLayout:
    """The joined PDF and where things fell in it (pages counted from 0)."""

    pdf: bytes
    pages: int
    anchors: dict[str, int]  # id: page
    overflows: tuple[Overflow, ...]


@dataclass(frozen=True)
class _Job:
    """A part to lay out: what the log calls it, its HTML, its chapter if it is one, and
    whether it is read only through the join, which makes its font programs (all but the
    cover, whose PDF the EPUB's cover image is drawn from: :mod:`paiban.builders.pdf.fontshare`)."""

    label: str
    html: str
    chapter: Chapter | None = None
    fonts_joined: bool = True
    pages: tuple[int, ...] | None = None  # only these original pages of a reprint's chapter
    window: Window | None = None  # only this window of a reflowing chapter


class _Parts:
    """Parts laid out once: from the cache when their key is there, else here or by workers."""

    def __init__(self, book: Book, out: Path, press: bool) -> None:
        self.book, self.out, self.press = book, out, press
        self.salt = f"{cache.tools_key(book, font_files())}\npress={press}"

    def key(self, job: _Job) -> str:
        """The HTML (text and stylesheets), what else makes outputs (:func:`paiban.cache.tools_key`:
        code, templates, images, fonts) and, for a chapter, the source lines of its page
        markers, which the HTML does not hold (an overflowing page is reported at its marker's line)."""
        h = hashlib.sha256(f"{self.salt}\nfonts_joined={job.fonts_joined}\n{job.html}".encode())
        if job.chapter is not None:
            h.update(repr([job.chapter.source, [(m.number, m.line) for m in job.chapter.markers]]).encode())
        return h.hexdigest()

    def lay_out(self, jobs: list[_Job], advance: Callable[[int], None] = lambda n: None) -> list[LaidOutPart]:
        """The parts of ``jobs``, in order; those not cached laid out in parallel when
        there are several and more than one core (:mod:`paiban.workers`). A reprint's
        changed chapter lays out only its changed original pages where it can
        (:mod:`paiban.builders.pdf.pages`)."""
        keys = [self.key(job) for job in jobs]
        done: dict[int, LaidOutPart] = {}
        for index, key in enumerate(keys):
            if (part := self._cached(key)) is not None:
                done[index] = part
                advance(part.pages)
        todo = [i for i in range(len(jobs)) if i not in done]
        plans = {i: self._page_plan(jobs[i]) for i in todo}
        reflowing = {i: plan for i in todo if (plan := self._reflow_plan(jobs[i])) is not None}
        work = [(i, run) for i in todo if i not in reflowing
                for run in (plans[i].runs if plans[i] is not None else [None])]
        work_jobs = [jobs[i] if run is None else self._run_job(jobs[i], run) for i, run in work]
        laid = dict(zip(work, self._lay_out_all(work_jobs), strict=True))
        for i in todo:
            plan = plans[i]
            if i in reflowing:
                part = self._relaid(jobs[i], reflowing[i])
            else:
                part = laid[(i, None)] if plan is None else self._assembled(jobs[i], plan, laid, i)
            if part is None:  # the pages did not lay out as the chapter does: the whole chapter
                part = self._lay_out_all([jobs[i]])[0]
            self._keep(keys[i], part)
            if jobs[i].chapter is not None and jobs[i].pages is None and jobs[i].window is None:
                (self._reflow_index if self.book.reflow else self._index)(jobs[i], keys[i], part)
            done[i] = part
            advance(part.pages)
        return [done[i] for i in range(len(jobs))]

    def _lay_out_all(self, jobs: list[_Job]) -> list[LaidOutPart]:
        """Lay ``jobs`` out, in parallel when there are several and more than one core;
        each part kept under its key."""
        for job in jobs:
            LOGGER.info("laying out %s", job.label)
        results: dict[int, LaidOutPart] = {}
        if len(jobs) > 1 and workers.cores() > 1:
            warm_up()
            with workers.pool(min(len(jobs), workers.cores()), anywhere=True) as pool:
                running = {pool.submit(_in_worker, self.book, job, self.press): i for i, job in enumerate(jobs)}
                for future in concurrent.futures.as_completed(running):
                    part, records = future.result()
                    for record in records:
                        logging.getLogger(record.name).handle(record)
                    results[running[future]] = part
        else:
            results = {i: _lay_out(self.book, job, self.press) for i, job in enumerate(jobs)}
        return [results[i] for i in range(len(jobs))]

    def _cached(self, key: str) -> LaidOutPart | None:
        # The facts are kept last (:meth:`_keep`): a part whose facts are there is whole.
        if ((facts := cache.load(self.out, key, "facts.json")) is not None
                and (pdf := cache.load(self.out, key, "part.pdf")) is not None):
            return LaidOutPart.from_json(pdf, facts.decode())
        return None

    def _keep(self, key: str, part: LaidOutPart) -> None:
        cache.keep(self.out, key, "part.pdf", part.pdf)
        cache.keep(self.out, key, "facts.json", part.facts_json().encode())

    # A reprint's chapter, page by page (paiban.builders.pdf.pages).

    def _index_key(self, chapter: Chapter) -> str:
        return hashlib.sha256(f"{self.salt}\npage index\n{chapter.source}".encode()).hexdigest()

    def _context(self, chapter: Chapter) -> str:
        """What a chapter's pages depend on besides its body: the salt, the part's HTML around
        the body (its stylesheets) and the chapter's opening."""
        shell = part_html(self.book, "chapter", chapter, press=self.press, pages=())
        head = repr((chapter.id, chapter.title, chapter.subtitle, chapter.kind, chapter.opening_page))
        return hashlib.sha256(f"{self.salt}\n{shell}\n{head}".encode()).hexdigest()

    def _page_keys(self, job: _Job) -> list[tuple[str, int]]:
        """The key of each page group of ``job``'s chapter, and the pages it fills."""
        assert job.chapter is not None
        return page_keys(self._context(job.chapter), chapter_body(self.book, job.chapter))

    def _page_plan(self, job: _Job) -> _PagePlan | None:
        """How to make a changed reprint chapter from the pages its last layout made and runs of
        new ones; None to lay it out whole (no page of it known, or not a reprint's chapter)."""
        if job.chapter is None or self.book.reflow or job.pages is not None:
            return None
        index = cache.load(self.out, self._index_key(job.chapter), "pages.json")
        if index is None:
            return None
        keys = self._page_keys(job)
        groups = PageIndex.from_json(index).groups
        known = {g: groups[k] for g, (k, _) in enumerate(keys)
                 if k in groups and all(cache.load(self.out, f.part, "part.pdf") is not None for f in groups[k])}
        if not known:
            return None
        return _PagePlan([span for _, span in keys], known, runs([g for g in range(len(keys)) if g not in known]))

    def _run_job(self, job: _Job, groups: tuple[int, ...]) -> _Job:
        assert job.chapter is not None
        label = f"{job.label}, original page{'s' if len(groups) > 1 else ''} " + \
            (f"{groups[0] + 1}–{groups[-1] + 1}" if len(groups) > 1 else f"{groups[0] + 1}") + " of its pages"
        return replace(job, label=label, html=part_html(self.book, "chapter", job.chapter, press=self.press,
                                                        pages=groups), pages=groups)

    def _assembled(self, job: _Job, plan: _PagePlan, laid: dict[tuple[int, tuple[int, ...] | None], LaidOutPart],
                   i: int) -> LaidOutPart | None:
        """The chapter of ``plan`` joined from its known pages and its new runs; None if a run
        did not lay out one PDF page per original page."""
        groups: dict[int, list[PageFacts]] = dict(plan.known)
        pdfs: dict[str, bytes] = {}
        for run in plan.runs:
            part = laid[(i, run)]
            if part.pages != sum(plan.spans[g] for g in run) or part.overflows:
                return None
            key = self.key(self._run_job(job, run))
            self._keep(key, part)
            pdfs[key] = part.pdf
            pages = iter(page_facts(key, part))
            groups.update((g, [next(pages) for _ in range(plan.spans[g])]) for g in run)
        for facts in (f for g in groups.values() for f in g):
            if facts.part not in pdfs:
                pdfs[facts.part] = cache.load(self.out, facts.part, "part.pdf") or b""
        return assemble([f for g in range(len(plan.spans)) for f in groups[g]], pdfs)

    def _index(self, job: _Job, key: str, part: LaidOutPart) -> None:
        """Keep where each page group of a chapter's part is, by its key, if the part has the
        pages the groups fill (and none overflows)."""
        keys = self._page_keys(job)
        if sum(span for _, span in keys) == part.pages and not part.overflows:
            pages = iter(page_facts(key, part))
            index = PageIndex({k: [next(pages) for _ in range(span)] for k, span in keys})
            cache.keep(self.out, self._index_key(job.chapter), "pages.json", index.to_json())


    # A reflowing chapter, from its changed page until the breaks meet (paiban.builders.pdf.reflow).

    def _stamped_body(self, chapter: Chapter) -> Element:
        body = chapter_body(self.book, chapter)
        stamp(body)
        return body

    def _reflow_plan(self, job: _Job) -> _ReflowPlan | None:
        """What a changed reflowing chapter's last layout left that this one can use; None to lay it out whole."""
        if job.chapter is None or not self.book.reflow or job.window is not None:
            return None
        data = cache.load(self.out, self._index_key(job.chapter), "reflow.json")
        if data is None or not eligible(job.chapter, body := self._stamped_body(job.chapter)):
            return None
        old = json.loads(data)
        pages = [PageFacts(f[0], f[1], {k: tuple(v) for k, v in f[2].items()},  # type: ignore[misc]
                           tuple((t, tuple(r)) for t, r in f[3]), tuple(tuple(b) for b in f[4]))  # type: ignore[misc]
                 for f in old["pages"]]
        if any(cache.load(self.out, f.part, "part.pdf") is None for f in pages):
            return None
        first, old_end, new_end = changed_blocks(old["blocks"], block_hashes(body))
        if old["context"] != self._context(job.chapter) or first == old_end == new_end:
            return None  # its opening or the stylesheets changed, or no block did: the whole chapter
        return _ReflowPlan([tuple(st) for st in old["starts"]], pages, first, old_end, new_end)  # type: ignore[misc]

    def _relaid(self, job: _Job, plan: _ReflowPlan) -> LaidOutPart:
        """The chapter of ``plan``: the old pages before the change, then windows of the new text
        laid out one after the other until a page starts where an old page started, then the old
        pages from there (:mod:`paiban.builders.pdf.reflow`)."""
        assert job.chapter is not None
        starts, shift = plan.starts, plan.new_end - plan.old_end
        # From the page that holds the block before the first changed one (or the chapter's start).
        begin = max((p for p, st in enumerate(starts) if st <= (plan.first - 1, 0)), default=0)
        # The old pages that start in the unchanged blocks after the change, where they start now.
        after = [(m, (starts[m][0] + shift, starts[m][1])) for m in range(begin + 1, len(starts))
                 if starts[m][0] >= plan.old_end]
        pages, new_starts = list(plan.pages[:begin]), list(starts[:begin])
        cursor: tuple[int, int] | None = starts[begin] if begin > 0 else None
        reach = WINDOW_PAGES
        while True:
            ahead = [item for item in after if cursor is None or item[1] > cursor]
            end = ahead[reach][1] if reach < len(ahead) else None
            part, key = self._window(job, Window(cursor, end), len(pages) + 1)
            # A window cut short keeps its pages but the last two: their breaks may depend on the
            # text after its end (widows); and it must keep one, or it grows.
            kept = part.pages if end is None else part.pages - 2
            if kept < 1:
                reach *= 2
                continue
            meet = next(((j, m) for j in range(kept) for m, at in ahead
                         if part.starts[j] == at and (len(pages) + j) % 2 == m % 2), None)
            taken = meet[0] if meet is not None else kept
            pages += page_facts(key, part)[:taken]
            new_starts += part.starts[:taken]
            if meet is not None or end is None:
                break
            cursor, reach = part.starts[kept], min(reach * 2, 4 * WINDOW_PAGES)
        m = meet[1] if meet is not None else len(starts)
        LOGGER.info("%s: its pages %d–%d laid out again (%d pages), %s", job.chapter.source, begin + 1,
                    len(pages), len(pages) - begin, f"the page breaks met at its old page {m + 1}"
                    if meet is not None else "to the chapter's end")
        pages += plan.pages[m:]
        new_starts += [(t + shift if t >= plan.old_end else t, k) for t, k in starts[m:]]
        joined = assemble(pages, {f.part: cache.load(self.out, f.part, "part.pdf") or b"" for f in pages})
        return replace(joined, starts=tuple(new_starts))

    def _window(self, job: _Job, window: Window, page: int) -> tuple[LaidOutPart, str]:
        """A window of a reflowing chapter from its ``page`` (from 1) laid out (or from the cache), and its key."""
        assert job.chapter is not None
        label = f"{job.label}, from its page {page} until the page breaks meet"
        window_job = replace(job, label=label, window=window, html=part_html(
            self.book, "chapter", job.chapter, press=self.press, window=window))
        key = self.key(window_job)
        part = self._cached(key) or self._lay_out_all([window_job])[0]
        self._keep(key, part)
        return part, key

    def _reflow_index(self, job: _Job, key: str, part: LaidOutPart) -> None:
        """Keep a reflowing chapter's blocks, where its pages start and where they are kept."""
        assert job.chapter is not None
        body = self._stamped_body(job.chapter)
        if len(part.starts) != part.pages or not eligible(job.chapter, body):
            return
        facts = page_facts(key, part)
        cache.keep(self.out, self._index_key(job.chapter), "reflow.json", json.dumps({
            "context": self._context(job.chapter), "blocks": block_hashes(body), "starts": part.starts,
            "pages": [[f.part, f.page, f.anchors, f.links, f.bookmarks] for f in facts]}, ensure_ascii=False).encode())


# How many old pages after the change a reflowing chapter's first window reaches.
WINDOW_PAGES = 4


@dataclass(frozen=True)
class _ReflowPlan:
    """A changed reflowing chapter: where its old pages started and are kept, and its changed
    blocks (from ``first``, to ``old_end`` in the old chapter, ``new_end`` in the new one)."""

    starts: list[tuple[int, int]]
    pages: list[PageFacts]
    first: int
    old_end: int
    new_end: int


@dataclass(frozen=True)
class _PagePlan:
    """A changed reprint chapter: the pages each of its page groups fills, the groups
    known (their pages), and the runs of groups to lay out."""

    spans: list[int]
    known: dict[int, list[PageFacts]]
    runs: list[tuple[int, ...]]


def _lay_out(book: Book, job: _Job, press: bool) -> LaidOutPart:
    return lay_out_part(book, job.html, job.chapter, press, job.fonts_joined, job.pages, job.window)


def _in_worker(book: Book, job: _Job, press: bool) -> tuple[LaidOutPart, list[logging.LogRecord]]:
    """:func:`paiban.pdf.lay_out_part` in a worker process, with the log records it made,
    for the parent to emit (so the logging policy and the tests' warning check hold)."""
    records: list[logging.LogRecord] = []
    loggers = [logging.getLogger(name) for name in ("paiban", "weasyprint")]
    saved = [(logger, logger.handlers, logger.propagate) for logger in loggers]
    for logger in loggers:
        logger.handlers, logger.propagate = [_Collect(records)], False
    try:
        return _lay_out(book, job, press), records
    finally:
        for logger, handlers, propagate in saved:
            logger.handlers, logger.propagate = handlers, propagate


class _Collect(logging.Handler):
    """Keeps a worker's records, made plain (message formatted, no exception object) to be pickled."""

    def __init__(self, records: list[logging.LogRecord]) -> None:
        super().__init__(logging.DEBUG)
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args, record.exc_info = record.getMessage(), None, None
        self.records.append(record)


def cover(book: Book, out: Path) -> bytes:
    """The cover page as printed (the EPUB's cover image is rendered from it)."""
    return _Parts(book, out, False).lay_out([_Job("the cover", part_html(book, "cover"), fonts_joined=False)])[0].pdf


def lay_out_book(book: Book, out: Path, press: bool = False,
                 advance: Callable[[int], None] = lambda n: None) -> PlannedBook:
    """Lay the book out in parts; ``advance(n)`` counts pages as parts are done.

    The first round is what needs no folio: the front matter, every chapter (prefaces
    too) and every part-title page. The second round is what needs them: the contents,
    the frames. The cover comes with it: a full build lays it out first for the EPUB's
    cover image, in the EPUB's process, so here it is usually in the cache.
    """
    parts = _Parts(book, out, press)
    order = reading_order(book)
    titles = [p for p, c in order if c is None]
    front, *laid_out = parts.lay_out(
        [_Job("the front matter", part_html(book, "front", press=press))]
        + [_Job(c.source, part_html(book, "chapter", c, press=press), c) for c in book.chapters]
        + [_Job(f"the part-title page {p.title}", part_html(book, "part-title", division=p, press=press))
           for p in titles], advance)
    laid = dict(zip([c.id for c in book.chapters] + [p.id for p in titles], laid_out, strict=True))
    # The front matter's last page is not printed (print.html): the first preface opens at
    # the page index front.pages, its folio one more (the cover is i).
    prefaces = _sequence([(laid[c.id], c) for p, c in order if p.front and c is not None], front.pages + 1, True)
    contents_at = front.pages + sum(piece.span for piece in prefaces)  # the page index the contents start at
    body = _sequence([(laid[c.id if c is not None else p.id], c) for p, c in order if not p.front], 1, False)
    framed = [(piece, piece.chapter) for piece in (*prefaces, *body) if piece.chapter is not None]
    cover_part, contents, *frames = parts.lay_out(
        [_Job("the cover", part_html(book, "cover", press=press), fonts_joined=False),
         _Job("the contents", part_html(book, "contents", folios=_folios(body), press=press,
                                        starts_left=contents_at % 2 == 1))]
        + [_Job(f"the frame of {chapter.source}",
                frame_html(book, chapter, piece.laid.pages, piece.start, piece.blank, press))
           for piece, chapter in framed])
    book_parts = [cover_part, front, contents, *(piece.laid for piece in (*prefaces, *body)), *frames]
    plan, body_start = _plan(front, contents, prefaces, body, frames)
    # The pages not counted yet: the cover, the contents but its last (unprinted) page, the
    # blank pages; the front matter's unprinted last page was counted with it.
    advance(len(plan) - sum(p.pages for p in (front, *laid_out)))
    return PlannedBook(out, book_parts, plan, body_start)


@dataclass(frozen=True)
class _Piece:
    """A chapter (a preface too) or a part-title page in the book's run of pages, laid out."""

    laid: LaidOutPart
    chapter: Chapter | None  # None: a part-title page, which has no frame (no running head, no folio)
    start: int  # the folio of its first page: roman in the front matter (page index + 1), from 1 in the body
    blank: bool  # whether a blank page follows it (from its frame)

    @property
    def span(self) -> int:
        return self.laid.pages + self.blank


def _sequence(items: list[tuple[LaidOutPart, Chapter | None]], start: int, pad_last: bool) -> list[_Piece]:
    """Pieces laid one after the other from folio ``start`` (odd: a right-hand page), each
    opening on a right-hand page: a chapter ending on one is followed by a blank page, the
    last too when ``pad_last`` (the prefaces, which the contents follow on a right-hand
    page). A part-title page is its page and its blank verso already (print.html)."""
    pieces, folio = [], start
    for k, (laid, chapter) in enumerate(items):
        blank = laid.pages % 2 == 1 and (pad_last or k < len(items) - 1)
        pieces.append(_Piece(laid, chapter, folio, blank))
        folio += pieces[-1].span
    return pieces


def _folios(body: list[_Piece]) -> dict[str, str]:
    """The printed page number of every id in the body, as the contents print it (three digits)."""
    return {name: f"{piece.start + page:03d}" for piece in body for name, (page, _, _) in piece.laid.anchors.items()}


def _plan(front: LaidOutPart, contents: LaidOutPart, prefaces: list[_Piece], body: list[_Piece],
          frames: list[LaidOutPart]) -> tuple[list[PagePlan], int]:
    """The pages in order, from the parts [cover, front, contents, *prefaces, *body, *frames]:
    the cover, the front matter, the prefaces, the contents, the body; each chapter's
    pages under its frame's, and the frame's blank page after it if there is one; a
    part-title page as it is. And the index of the body's first page."""
    first_frame = 3 + len(prefaces) + len(body)
    next_frame = iter(range(first_frame, first_frame + len(frames)))

    def pages_of(pieces: list[_Piece], first_part: int) -> list[PagePlan]:
        plan = []
        for part, piece in enumerate(pieces, first_part):
            if piece.chapter is None:
                plan += [PagePlan(part, i) for i in range(piece.laid.pages)]
                continue
            frame = next(next_frame)
            plan += [PagePlan(part, i, (frame, i)) for i in range(piece.laid.pages)]
            plan += [PagePlan(frame, i) for i in range(piece.laid.pages, frames[frame - first_frame].pages)]
        return plan

    # The last pages of the front matter and of the contents are not printed: each is the
    # page that follows, where the next part starts (print.html).
    before = ([PagePlan(0, 0)] + [PagePlan(1, i) for i in range(front.pages - 1)] + pages_of(prefaces, 3)
              + [PagePlan(2, i) for i in range(contents.pages - 1)])
    return before + pages_of(body, 3 + len(prefaces)), len(before)


@dataclass(frozen=True)
class PlannedBook:
    """The laid-out parts and the order of their pages: the page count is known, the PDF
    is made by :meth:`join`."""

    out: Path
    parts: list[LaidOutPart]
    plan: list[PagePlan]
    body_start: int  # the index of the body's first page, folio 1

    @property
    def pages(self) -> int:
        return len(self.plan)

    def join(self) -> BookLayout:
        pdf = join(self.parts, self.plan, self.body_start,
                   lambda file, index, glyphs: _subset(self.out, file, index, glyphs))
        at = {(p.part, p.page): i for i, p in enumerate(self.plan)}
        anchors = {name: at[(k, page)] for k, part in enumerate(self.parts)
                   for name, (page, _, _) in part.anchors.items()}
        return BookLayout(pdf, len(self.plan), anchors, tuple(o for part in self.parts for o in part.overflows))


def _subset(out: Path, file: Path, index: int, glyphs: frozenset[int]) -> bytes:
    """A font program shared by the parts (:mod:`paiban.pdffonts`), kept in the cache."""
    stat = file.stat()
    key = hashlib.sha256(repr((str(file), stat.st_size, stat.st_mtime_ns, index, sorted(glyphs))).encode())
    return cache.memo(out, key.hexdigest(), "font.otf", lambda: subset_font(file, index, glyphs))


def check_pagination(book: Book, found: tuple[Overflow, ...]) -> None:
    """Fail when an original page does not fill exactly one PDF page (unless the book reflows)."""
    if found:
        raise BookErrors([_pagination_error(book, o) for o in found])


def _pagination_error(book: Book, o: Overflow) -> BookError:
    g = book.geometry
    grid = f"({g.chars_per_line} characters × {g.lines_per_page} lines)"
    if o.kind == "shared":
        return BookError(f"page marker {{{{page {o.page}}}}} did not start a new PDF page: original page {o.page} "
                         f"would share a page with page {o.page - 1}", o.source, o.line,
                         "move the marker out of the element that holds it, or report this as a bug")
    what = (f"the text before the first page marker (original page {o.page})" if o.kind == "opening"
            else f"original page {o.page}")
    return BookError(f"{what} overflows the type area by {o.extra_lines} lines {grid}", o.source, o.line,
                     "check this page marker's place, or adjust layout: in book.yaml, or build with --reflow")


def _cover_spread(book: Book, out: Path, pages: int) -> tuple[str, bytes | None]:
    """The cache key of the printer's cover spread (:mod:`paiban.cover_spread`) for a
    book of ``pages`` pages, and the spread if the cache has it.

    The spread depends on the metadata and the page count, not on the text, so a
    rebuild after a text change that keeps the page count does not lay it out again.
    """
    key = cache.key(replace(book, chapters=(), contents=(), files=()), "cover-spread", {"pages": pages},
                    font_files())
    return key, cache.load(out, key, "cover.pdf")


def make_cover_spread(book: Book, pages: int) -> bytes:
    sheets = [*print_stylesheets(book, press=True), stylesheet(book, "cover-spread.css")]
    return write_part(layout_html(book, spread_html(book, pages, sheets, cover_title_lines(book))),
                      **press_options(book)).pdf


def build_pdf(book: Book, target: Path, spread_target: Path, press: bool = False,
              advance: Callable[[int], None] = lambda n: None) -> Path:
    """Write the book's PDF to ``target`` and the printer's cover spread to ``spread_target``.

    ``press`` makes the printer's edition: bleed, crop marks, PDF/X-4. The cover
    spread (``<isbn>-cover.pdf``) always is one; its spine is as thick as this PDF's
    page count makes the book. It is laid out in a worker while the parts are joined.
    """
    planned = lay_out_book(book, target.parent, press, advance)
    key, spread = _cover_spread(book, target.parent, planned.pages)
    with workers.pool(1) if spread is None and workers.cores() > 1 else contextlib.nullcontext() as pool:
        making = pool.submit(make_cover_spread, book, planned.pages) if pool is not None else None
        laid_out = planned.join()
        check_pagination(book, laid_out.overflows)
        if spread is None:
            spread = making.result() if making is not None else make_cover_spread(book, planned.pages)
            cache.keep(target.parent, key, "cover.pdf", spread)
    with atomic_output(target) as tmp:
        tmp.write_bytes(laid_out.pdf)
    LOGGER.info("wrote %s (%d pages)", target, laid_out.pages)
    with atomic_output(spread_target) as tmp:
        tmp.write_bytes(spread)
    LOGGER.info("wrote %s", spread_target)
    return target
