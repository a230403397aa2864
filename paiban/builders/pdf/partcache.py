"""The parts of the printed book laid out once: from the cache, by workers, or from what
a changed chapter's last layout left.

:mod:`paiban.builders.pdf.parts` says which parts the book has and puts their pages in
order; this module makes each part. A part is kept in the output folder's cache under a
key of its HTML and of what else makes outputs (:meth:`Parts.key`); those not there are
laid out in parallel, in worker processes (:mod:`paiban.workers`, or a cluster's), their
log records handed back to this process. A changed chapter is not always laid out whole:

- a reprint's lays out only its changed original pages (:mod:`paiban.builders.pdf.pages`):
  each page group has a key of its own, and a chapter's part keeps an index of where each
  of its pages is;
- a reflowing one, from the page before the change until its page breaks meet the old
  ones (:mod:`paiban.builders.pdf.reflow`): a chapter's part keeps its blocks' digests
  and where each of its pages starts.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from paiban import cache, workers
from paiban.builders.pdf.html import chapter_body, part_html
from paiban.builders.pdf.layout import lay_out_part, warm_up
from paiban.builders.pdf.merge import LaidOutPart
from paiban.builders.pdf.pages import PageFacts, PageIndex, assemble, page_facts, page_keys, runs
from paiban.builders.pdf.reflow import Window, block_hashes, changed_blocks, eligible, stamp
from paiban.fonts import font_files
from paiban.log import LOGGER
from paiban.model import Book, Chapter
from paiban.tree import Element

T = TypeVar("T")


@dataclass(frozen=True)
class Job:
    """A part to lay out: what the log calls it, its HTML, its chapter if it is one, and
    whether it is read only through the join, which makes its font programs (all but the
    cover, whose PDF the EPUB's cover image is drawn from: :mod:`paiban.builders.pdf.fontshare`)."""

    label: str
    html: str
    chapter: Chapter | None = None
    fonts_joined: bool = True
    pages: tuple[int, ...] | None = None  # only these original pages of a reprint's chapter
    window: Window | None = None  # only this window of a reflowing chapter


class Parts:
    """Parts laid out once: from the cache when their key is there, else here or by workers."""

    def __init__(self, book: Book, out: Path, press: bool) -> None:
        self.book, self.out, self.press = book, out, press
        self.salt = f"{cache.tools_key(book, font_files())}\npress={press}"
        # What a chapter's page index is made of, made once a build: asked before its layout
        # (to plan it) and after (to keep the index). By chapter id and what.
        self._made: dict[tuple[str, str], object] = {}

    def key(self, job: Job) -> str:
        """The HTML (text and stylesheets), what else makes outputs (:func:`paiban.cache.tools_key`:
        code, templates, images, fonts) and, for a chapter, the source lines of its page
        markers, which the HTML does not hold (an overflowing page is reported at its marker's line)."""
        h = hashlib.sha256(f"{self.salt}\nfonts_joined={job.fonts_joined}\n{job.html}".encode())
        if job.chapter is not None:
            h.update(repr([job.chapter.source, [(m.number, m.line) for m in job.chapter.markers]]).encode())
        return h.hexdigest()

    def lay_out(self, jobs: list[Job], advance: Callable[[int], None] = lambda n: None) -> list[LaidOutPart]:
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

    def _lay_out_all(self, jobs: list[Job]) -> list[LaidOutPart]:
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

    def _once(self, chapter: Chapter, what: str, make: Callable[[], T]) -> T:
        if (chapter.id, what) not in self._made:
            self._made[(chapter.id, what)] = make()
        return self._made[(chapter.id, what)]  # type: ignore[return-value]

    def _context(self, chapter: Chapter) -> str:
        """What a chapter's pages depend on besides its body: the salt, the part's HTML around
        the body (its stylesheets) and the chapter's opening."""
        def make() -> str:
            shell = part_html(self.book, "chapter", chapter, press=self.press, pages=())
            head = repr((chapter.id, chapter.title, chapter.subtitle, chapter.kind, chapter.opening_page))
            return hashlib.sha256(f"{self.salt}\n{shell}\n{head}".encode()).hexdigest()
        return self._once(chapter, "context", make)

    def _page_keys(self, job: Job) -> list[tuple[str, int]]:
        """The key of each page group of ``job``'s chapter, and the pages it fills."""
        chapter = job.chapter
        assert chapter is not None
        return self._once(chapter, "page keys",
                          lambda: page_keys(self._context(chapter), chapter_body(self.book, chapter)))

    def _part_pdfs(self, pages: list[PageFacts]) -> dict[str, bytes]:
        """The PDF of each part that holds one of ``pages``, each read once (those the cache still has)."""
        found = {part: cache.load(self.out, part, "part.pdf") for part in dict.fromkeys(f.part for f in pages)}
        return {part: pdf for part, pdf in found.items() if pdf is not None}

    def _page_plan(self, job: Job) -> _PagePlan | None:
        """How to make a changed reprint chapter from the pages its last layout made and runs of
        new ones; None to lay it out whole (no page of it known, or not a reprint's chapter)."""
        if job.chapter is None or self.book.reflow or job.pages is not None:
            return None
        index = cache.load(self.out, self._index_key(job.chapter), "pages.json")
        if index is None:
            return None
        keys = self._page_keys(job)
        groups = PageIndex.from_json(index).groups
        pdfs = self._part_pdfs([f for k, _ in keys if k in groups for f in groups[k]])
        known = {g: groups[k] for g, (k, _) in enumerate(keys)
                 if k in groups and all(f.part in pdfs for f in groups[k])}
        if not known:
            return None
        return _PagePlan([span for _, span in keys], known, runs([g for g in range(len(keys)) if g not in known]),
                         pdfs)

    def _run_job(self, job: Job, groups: tuple[int, ...]) -> Job:
        assert job.chapter is not None
        label = f"{job.label}, original page{'s' if len(groups) > 1 else ''} " + \
            (f"{groups[0] + 1}–{groups[-1] + 1}" if len(groups) > 1 else f"{groups[0] + 1}") + " of its pages"
        return replace(job, label=label, html=part_html(self.book, "chapter", job.chapter, press=self.press,
                                                        pages=groups), pages=groups)

    def _assembled(self, job: Job, plan: _PagePlan, laid: dict[tuple[int, tuple[int, ...] | None], LaidOutPart],
                   i: int) -> LaidOutPart | None:
        """The chapter of ``plan`` joined from its known pages and its new runs; None if a run
        did not lay out one PDF page per original page."""
        groups: dict[int, list[PageFacts]] = dict(plan.known)
        pdfs = dict(plan.pdfs)
        for run in plan.runs:
            part = laid[(i, run)]
            if part.pages != sum(plan.spans[g] for g in run) or part.overflows:
                return None
            key = self.key(self._run_job(job, run))
            self._keep(key, part)
            pdfs[key] = part.pdf
            pages = iter(page_facts(key, part))
            groups.update((g, [next(pages) for _ in range(plan.spans[g])]) for g in run)
        return assemble([f for g in range(len(plan.spans)) for f in groups[g]], pdfs)

    def _index(self, job: Job, key: str, part: LaidOutPart) -> None:
        """Keep where each page group of a chapter's part is, by its key, if the part has the
        pages the groups fill (and none overflows)."""
        keys = self._page_keys(job)
        if sum(span for _, span in keys) == part.pages and not part.overflows:
            pages = iter(page_facts(key, part))
            index = PageIndex({k: [next(pages) for _ in range(span)] for k, span in keys})
            cache.keep(self.out, self._index_key(job.chapter), "pages.json", index.to_json())


    # A reflowing chapter, from its changed page until the breaks meet (paiban.builders.pdf.reflow).

    def _stamped_body(self, chapter: Chapter) -> Element:
        """The print body with its top-level blocks numbered (read, not changed, by its callers)."""
        def make() -> Element:
            body = chapter_body(self.book, chapter)
            stamp(body)
            return body
        return self._once(chapter, "stamped body", make)

    def _reflow_plan(self, job: Job) -> _ReflowPlan | None:
        """What a changed reflowing chapter's last layout left that this one can use; None to lay it out whole."""
        if job.chapter is None or not self.book.reflow or job.window is not None:
            return None
        data = cache.load(self.out, self._index_key(job.chapter), "reflow.json")
        if data is None or not eligible(job.chapter, body := self._stamped_body(job.chapter)):
            return None
        old = json.loads(data)
        pages = [PageFacts.from_list(f) for f in old["pages"]]
        if len(pdfs := self._part_pdfs(pages)) < len({f.part for f in pages}):
            return None  # the cache lost a part that holds an old page
        first, old_end, new_end = changed_blocks(old["blocks"], block_hashes(body))
        if old["context"] != self._context(job.chapter) or first == old_end == new_end:
            return None  # its opening or the stylesheets changed, or no block did: the whole chapter
        return _ReflowPlan([tuple(st) for st in old["starts"]], pages, first, old_end, new_end,  # type: ignore[misc]
                           pdfs)

    def _relaid(self, job: Job, plan: _ReflowPlan) -> LaidOutPart:
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
        pages, new_starts, pdfs = list(plan.pages[:begin]), list(starts[:begin]), dict(plan.pdfs)
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
            pdfs[key] = part.pdf
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
        joined = assemble(pages, pdfs)
        return replace(joined, starts=tuple(new_starts))

    def _window(self, job: Job, window: Window, page: int) -> tuple[LaidOutPart, str]:
        """A window of a reflowing chapter from its ``page`` (from 1) laid out (or from the cache), and its key."""
        assert job.chapter is not None
        label = f"{job.label}, from its page {page} until the page breaks meet"
        window_job = replace(job, label=label, window=window, html=part_html(
            self.book, "chapter", job.chapter, press=self.press, window=window))
        key = self.key(window_job)
        part = self._cached(key) or self._lay_out_all([window_job])[0]
        self._keep(key, part)
        return part, key

    def _reflow_index(self, job: Job, key: str, part: LaidOutPart) -> None:
        """Keep a reflowing chapter's blocks, where its pages start and where they are kept."""
        assert job.chapter is not None
        body = self._stamped_body(job.chapter)
        if len(part.starts) != part.pages or not eligible(job.chapter, body):
            return
        facts = page_facts(key, part)
        cache.keep(self.out, self._index_key(job.chapter), "reflow.json", json.dumps({
            "context": self._context(job.chapter), "blocks": block_hashes(body), "starts": part.starts,
            "pages": [f.as_list() for f in facts]}, ensure_ascii=False).encode())


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
    pdfs: dict[str, bytes]  # the PDF of each part that holds an old page


@dataclass(frozen=True)
class _PagePlan:
    """A changed reprint chapter: the pages each of its page groups fills, the groups
    known (their pages), and the runs of groups to lay out."""

    spans: list[int]
    known: dict[int, list[PageFacts]]
    runs: list[tuple[int, ...]]
    pdfs: dict[str, bytes]  # the PDF of each part that holds a known page


def _lay_out(book: Book, job: Job, press: bool) -> LaidOutPart:
    return lay_out_part(book, job.html, job.chapter, press, job.fonts_joined, job.pages, job.window)


def _in_worker(book: Book, job: Job, press: bool) -> tuple[LaidOutPart, list[logging.LogRecord]]:
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
