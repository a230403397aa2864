"""Laying one part of the printed book out with WeasyPrint, and measuring what it made.

The part's HTML (:mod:`paiban.builders.pdf.html`) goes through the glyph check
(:mod:`paiban.fonts.glyphs`) first, then WeasyPrint lays it out with paiban's
justification (:mod:`paiban.builders.pdf.justify`) and a fetcher that reads nothing
outside the book folder (:mod:`paiban.builders.pdf.fetch`). A chapter with the
original pagination is measured: stray characters at the end of an original page
(laid out again, tightened) and original pages that do not fit their PDF page
(:mod:`paiban.builders.pdf.pagination`). A chapter with notes is measured for their
numbers, restarted on every page (laid out again), and for notes set away from their call.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import itertools
import logging
from collections.abc import Callable, Iterator
from dataclasses import fields
from xml.etree import ElementTree

import weasyprint
import weasyprint.layout
from weasyprint.formatting_structure import boxes

from paiban.builders.pdf import justify, stylecache
from paiban.builders.pdf.fetch import ConfinedFetcher
from paiban.builders.pdf.fontshare import programs_left_to_the_join
from paiban.builders.pdf.html import (Adjustments, chapter_body, chapter_text, part_html, press_options,
                                      print_stylesheets)
from paiban.builders.pdf.merge import LaidOutPart, write_part
from paiban.builders.pdf.pages import assemble, group_html, page_facts, runs
from paiban.builders.pdf.pagination import note_places, overflows
from paiban.builders.pdf.reflow import OFFSET, TOP, Window
from paiban.builders.problems import NOTE_MOVED
from paiban.fonts.glyphs import check_glyphs, printed_text
from paiban.errors import BookError
from paiban.log import LOGGER, warn
from paiban.model import Book, Chapter
from paiban.transforms.figures import DEFERRED, is_figure, passable
from paiban.transforms.notes import BLOCK_KEY, FIRST_NUMBER, call_lines
from paiban.transforms.pagebreaks import page_groups
from paiban.transforms.tables import CONTINUED, WIDTHS, Continuation

# The most characters an original page's last line may hold to be pulled up into the
# lines above it by tightening them (see stray_tails).
MAX_STRAY = 6


def layout_html(book: Book, html: str, text: str | None = None,
                margin_boxes: bool = True) -> weasyprint.document.Document:
    """WeasyPrint's layout of ``html``, after the glyph check of ``text`` (what it prints;
    read from ``html`` when not given), with paiban's justification and a fetcher that
    reads nothing outside the book folder. ``margin_boxes=False``: the part's stylesheets
    give its margin boxes no content (:func:`paiban.builders.pdf.html.part_css`: a
    chapter's are drawn on its frame), so WeasyPrint is spared making them
    (:func:`_margin_boxes`)."""
    check_glyphs(book, printed_text(html) if text is None else text, "\n".join(print_stylesheets(book)))
    justify.install()
    stylecache.install()
    weasyprint.layout.make_margin_boxes = _margin_boxes
    fetcher = ConfinedFetcher(book.root)
    token = _no_margin_boxes.set(not margin_boxes)
    try:
        with fetcher.guard():
            return weasyprint.HTML(string=html, base_url=str(book.root) + "/", url_fetcher=fetcher).render()
    finally:
        _no_margin_boxes.reset(token)


# Whether the part being laid out has no margin boxes (see layout_html).
_no_margin_boxes = contextvars.ContextVar("no_margin_boxes", default=False)
_weasyprint_margin_boxes = weasyprint.layout.make_margin_boxes


def _margin_boxes(context: object, page: object, state: object) -> Iterator[boxes.Box]:
    """WeasyPrint 70.0's ``make_margin_boxes``, unless the part has none: it computes the
    style of all sixteen margin boxes of every page to find their content none, a tenth of
    a chapter's layout (benchmarks/RESULTS.md). Installed by :func:`layout_html`, which
    :func:`paiban.builders.pdf.justify.install` has checked the version for."""
    if _no_margin_boxes.get():
        return iter(())
    return _weasyprint_margin_boxes(context, page, state)


# The C types WeasyPrint 70.0 asks cffi for while it lays out and writes a part whose fonts
# the join makes (fontshare.programs_left_to_the_join). cffi parses each the first time a
# process asks for it, with pycparser and every declaration of WeasyPrint's cdef: about
# 40 ms each, in every worker. Asked once in the parent before the workers fork (warm_up),
# they are parsed once per build.
C_TYPES = ("PangoFcFontMap *", "char[]", "PangoRectangle *", "PangoLogAttr[]", "unsigned int *", "hb_tag_t[100]",
           "char[4]", "hb_codepoint_t[1]", "hb_codepoint_t[11]")


@functools.cache
def warm_up() -> None:
    """Parse the C types of :data:`C_TYPES` in this process (once), for the workers it forks."""
    from weasyprint.text.ffi import ffi

    for name in C_TYPES:
        ffi.typeof(name)


# At most this many layouts of one chapter: what a second pass changes can move what the
# first measured (a deferred figure moves a page break), so the measures run again. A
# chapter whose figures move and whose table then runs over a page needs four: the figures,
# the figures a first move made stale (figures_and_tables), the table, and one to confirm.
MAX_PASSES = 5


class _Errors(logging.Handler):
    """The ERROR records WeasyPrint logs while a part is laid out and written."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def _failing_on_errors(chapter: Chapter | None) -> Iterator[None]:
    """Turn the ERRORs WeasyPrint logs while a part is laid out and written into a
    BookError naming the part's chapter.

    WeasyPrint logs an ERROR and goes on when it cannot load or draw something (an image,
    a stylesheet, an SVG): the PDF would lack it and the build succeed. The records still
    reach the log (a worker's through the parent), which names what was dropped.
    """
    handler = _Errors()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    if handler.messages:
        first = handler.messages[0] if len(handler.messages[0]) <= 200 else handler.messages[0][:200] + "…"
        more = f" (and {len(handler.messages) - 1} more)" if len(handler.messages) > 1 else ""
        what = "this chapter" if chapter is not None else "a part without chapter text (cover, front matter, frame)"
        raise BookError(f"WeasyPrint could not lay out all of {what}: {first}{more}",
                        chapter.source if chapter is not None else None, None,
                        "fix or replace what it names: an image, or a stylesheet or font of an override")


def lay_out_part(book: Book, html: str, chapter: Chapter | None = None, press: bool = False,
                 fonts_joined: bool = True, pages: tuple[int, ...] | None = None,
                 window: Window | None = None) -> LaidOutPart:
    """Lay out and write one part (the HTML of :func:`part_html` or :func:`frame_html`),
    failing on any error WeasyPrint logs (:func:`_failing_on_errors`). ``fonts_joined``:
    the part is only read through the join, which makes its font programs
    (:func:`paiban.builders.pdf.fontshare.programs_left_to_the_join`); ``pages``: the
    part is those original pages of ``chapter`` (:mod:`paiban.builders.pdf.pages`);
    ``window``: that window of a reflowing chapter (:mod:`paiban.builders.pdf.reflow`)."""
    with _failing_on_errors(chapter):
        return _lay_out_part(book, html, chapter, press, fonts_joined, pages, window)


def _lay_out_part(book: Book, html: str, chapter: Chapter | None, press: bool, fonts_joined: bool,
                  pages: tuple[int, ...] | None, window: Window | None,
                  initial: Adjustments = Adjustments()) -> LaidOutPart:
    """Lay out and write one part.

    A chapter is measured after each layout (:data:`MEASURES`); while a measure finds
    something to change, the chapter is laid out again with the changes
    (:class:`~paiban.builders.pdf.html.Adjustments`, from ``initial``), at most
    :data:`MAX_PASSES` times. A reprint's chapter lays out again only the original
    pages the changes change (:func:`_pages_again`).
    """
    text = chapter_text(book, chapter) if chapter is not None else None
    document = layout_html(book, html, text, margin_boxes=chapter is None)
    if chapter is not None:
        adjust = initial
        for _ in range(MAX_PASSES - 1):
            found = Adjustments()
            for measure in MEASURES:
                found = found.merged(measure(book, chapter, document))
            if not found or adjust.merged(found) == adjust:
                break
            adjust = adjust.merged(found)
            if (not book.reflow and pages is None
                    and (part := _pages_again(book, chapter, press, fonts_joined, document, adjust)) is not None):
                return part
            LOGGER.info("%s: laying out again (%s)", chapter.source,
                        ", ".join(f.name for f in fields(adjust) if getattr(adjust, f.name)))
            document = layout_html(book, part_html(book, "chapter", chapter, adjust=adjust, press=press,
                                                   pages=pages, window=window), text, margin_boxes=False)
    if chapter is not None and book.reflow:
        warn_moved_notes(book, chapter, document)
    found = overflows(document, chapter) if chapter is not None and not book.reflow else []
    starts = page_starts(document) if chapter is not None and book.reflow else ()
    with programs_left_to_the_join() if fonts_joined else contextlib.nullcontext():
        return write_part(document, found, starts, uncompressed_pdf=False, **(press_options(book) if press else {}))


def _pages_again(book: Book, chapter: Chapter, press: bool, fonts_joined: bool,
                 document: weasyprint.document.Document, adjust: Adjustments) -> LaidOutPart | None:
    """A reprint's chapter with ``adjust``, laid out again only where it changes the print HTML.

    An original page depends on nothing but its own text (:mod:`paiban.builders.pdf.pages`),
    so the pages whose HTML the measures leave as it was stand as ``document`` laid them out,
    and only the runs of pages they change (a tightened tail, a note numbered afresh) are laid
    out again, each with further passes of its own. None where that cannot be done: the
    chapter does not split into the pages it filled, a page overflows, every page changes.
    """
    before = page_groups(chapter_body(book, chapter))
    after = page_groups(chapter_body(book, chapter, adjust))
    spans = [span for _, span in before]
    if spans != [span for _, span in after] or sum(spans) != len(document.pages) or overflows(document, chapter):
        return None
    changed = [g for g, ((old, _), (new, _)) in enumerate(zip(before, after, strict=True))
               if group_html(old) != group_html(new)]
    if len(changed) == len(before):
        return None
    LOGGER.info("%s: laying out again (%s) %d of its %d pages", chapter.source,
                ", ".join(f.name for f in fields(adjust) if getattr(adjust, f.name)), len(changed), len(before))
    with programs_left_to_the_join() if fonts_joined else contextlib.nullcontext():
        first = write_part(document, uncompressed_pdf=False, **(press_options(book) if press else {}))
    laid = {"first": first}
    groups = {}
    facts = iter(page_facts("first", first))
    for g, span in enumerate(spans):
        groups[g] = [next(facts) for _ in range(span)]
    for k, run in enumerate(runs(changed)):
        html = part_html(book, "chapter", chapter, adjust=adjust, press=press, pages=run)
        part = _lay_out_part(book, html, chapter, press, fonts_joined, run, None, adjust)
        if part.pages != sum(spans[g] for g in run) or part.overflows:
            return None
        laid[f"run {k}"] = part
        facts = iter(page_facts(f"run {k}", part))
        groups.update((g, [next(facts) for _ in range(spans[g])]) for g in run)
    return assemble([f for g in range(len(spans)) for f in groups[g]], {k: p.pdf for k, p in laid.items()})


def stray_tails(book: Book, chapter: Chapter, document: weasyprint.document.Document) -> Adjustments:
    """The paragraph parts ending an original page whose last line holds a stray few characters.

    The text before an inline page marker filled whole lines in the original, so its
    last line must be full here too (``text-align-last: justify``). Where our lines
    held a character less than the original's, that line holds only the few
    characters left over, spread over the measure. A compositor then sets the lines
    above slightly tighter (紧排) until each takes one more character; so does this:
    it returns, for each such part (by its ``data-page-end``), how many characters at
    its end to set tight, those of as many full lines as there are stray characters
    (at most :data:`MAX_STRAY`), and the strays. See :func:`paiban.transforms.tighten.tighten_tail`.
    """
    tails: dict[str, int] = {}
    if book.reflow:
        return Adjustments()
    for page in document.pages:
        for block in _page_end_blocks(page._page_box):
            counts = [sum(len(t.text.strip()) for t in _text_boxes(line))
                      for line in block.children if isinstance(line, boxes.LineBox)]
            stray = counts[-1] if counts else 0
            if 0 < stray <= MAX_STRAY and len(counts) > stray:
                tails[block.element.get("data-page-end")] = sum(counts[-1 - stray:])
    return Adjustments(tails=tails)


def note_numbers(book: Book, chapter: Chapter, document: weasyprint.document.Document) -> Adjustments:
    """What the notes of a layout need changed: their numbers, and the room a paragraph took from them.

    WeasyPrint numbers the notes through the chapter (Kozea/WeasyPrint#2553). Where a
    page's calls do not read ①, ②, … this returns the page of every call
    (``note_pages``), for :func:`paiban.transforms.notes.footnotes` to restart the count
    at the first call of each page; all of them, so that the pages of a later layout
    replace those of an earlier one whole.

    WeasyPrint also sends a page's notes to the next page, away from their calls, to
    make room for the first lines of the paragraph that starts at the page's foot. Such
    a paragraph is returned (``note_room``, by ``data-block``), to start the next page
    instead. A note longer than a page has room for is returned too (``long_notes``),
    to be set where it falls without moving its call's line on in vain; the build
    warns of it (B003, :func:`warn_moved_notes`). A layout whose notes are right asks
    for nothing.
    """
    if book.notes != "footnotes":
        return Adjustments()
    places = sorted(note_places(document).values(), key=lambda p: int(p.key))
    by_page: dict[int, list[str]] = {}
    for place in places:
        by_page.setdefault(place.call_page, []).append(place.number)
    pages = {}
    if not all(numbers[0] == FIRST_NUMBER and FIRST_NUMBER not in numbers[1:] for numbers in by_page.values()):
        pages = {place.key: place.call_page for place in places}
    room, long = {}, {}
    # The room a page has for notes: its type area less the call's line.
    for place in places:
        if place.note_page == place.call_page:
            continue
        page = document.pages[place.call_page]._page_box
        if place.height > page.height - book.geometry.line_height_pt * PX_PER_PT:
            long[place.key] = place.lines
        elif book.reflow and (key := _block_taking_room(document, place.call_page)) is not None:
            room[key] = 1  # (with the original pagination, the original pages break where they broke)
    return Adjustments(note_pages=pages, note_room=room, long_notes=long)


def _block_taking_room(document: weasyprint.document.Document, index: int) -> str | None:
    """The ``data-block`` of the block whose lines end PDF page ``index``, if it starts on that page
    and runs on to the next: the paragraph WeasyPrint made room for with the page's notes."""
    pages = [[box for child in page._page_box.children
              if not isinstance(child, (boxes.MarginBox, boxes.FootnoteAreaBox)) for box in child.descendants()]
             for page in document.pages]
    last = None
    for box in pages[index]:
        if isinstance(box, boxes.BlockContainerBox) and any(isinstance(c, boxes.LineBox) for c in box.children):
            last = box.element
    if last is None or last.get(BLOCK_KEY) is None or index + 1 >= len(pages):
        return None
    shown = [any(box.element is last for box in page) for page in pages]
    return last.get(BLOCK_KEY) if shown[index + 1] and not (index > 0 and shown[index - 1]) else None


def warn_moved_notes(book: Book, chapter: Chapter, document: weasyprint.document.Document) -> None:
    """Warn of each note WeasyPrint set on a later page than its call's (B003).

    WeasyPrint does not split a note: one too long for the room its page has left,
    even with its call's line moved to the next page (print.css), is set whole further
    on. (With the original pagination that is an overflowing page, an error:
    :func:`paiban.builders.pdf.pagination.overflows`.)
    """
    lines = call_lines(chapter.tree())
    for place in sorted(note_places(document).values(), key=lambda p: int(p.key)):
        if place.note_page != place.call_page:
            where = "was not set" if place.note_page is None else f"was set on its page {place.note_page + 1}"
            warn(NOTE_MOVED.found(f"note {place.number} does not fit at the foot of its call's page (the chapter's "
                                  f"page {place.call_page + 1}) and {where}", chapter.source, lines.get(place.key)))


# WeasyPrint lays out in CSS pixels.
PX_PER_PT = 4 / 3
# Below this many pixels two positions are the same.
EPSILON = 0.01
# The most empty lines a page may end with before the figure that starts the next page
# is moved after the text that fills them.
MAX_GAP_LINES = 2

_Entry = tuple[int, boxes.LineBox, ElementTree.Element]  # a line of a paragraph: its page, its box, the paragraph


class _Laid:
    """A laid-out chapter, indexed for :func:`figures_and_tables`: the pages, what each shows
    (:func:`_leaves`), the elements of the laid-out HTML in document order with their
    parents, the lines of each paragraph, the page each element first shows on, and the
    boxes of each numbered table on each page."""

    def __init__(self, document: weasyprint.document.Document) -> None:
        self.pages = [page._page_box for page in document.pages]
        self.leaves = [list(_leaves(page)) for page in self.pages]
        root = next(box for box in self.pages[0].children if not isinstance(box, boxes.MarginBox))
        self.in_order = list(root.element.iter())
        self.order = {id(el): index for index, el in enumerate(self.in_order)}
        self.parents = {id(child): parent for parent in self.in_order for child in parent}
        self.lines: dict[int, list[tuple[int, boxes.LineBox]]] = {}
        self.starts: dict[int, int] = {}
        self.tables: dict[str, list[tuple[int, boxes.Box, boxes.TableBox]]] = {}
        for index, page_leaves in enumerate(self.leaves):
            for leaf, ancestors in page_leaves:
                for box in ancestors:
                    self.starts.setdefault(id(box.element), index)
                if isinstance(leaf, boxes.LineBox) and ancestors:
                    self.lines.setdefault(id(ancestors[-1].element), []).append((index, leaf))
            for wrapper, table in _tables(self.pages[index]):
                self.tables.setdefault(wrapper.element.get("data-number"), []).append((index, wrapper, table))

    def entries(self, el: ElementTree.Element) -> list[_Entry]:
        return [(page, line, el) for page, line in self.lines.get(id(el), ())]


def figures_and_tables(book: Book, chapter: Chapter, document: weasyprint.document.Document) -> Adjustments:
    """The figures a page had no room for (:func:`_figure_move`) and the tables that run over
    a page (:func:`_continuation`).

    Measured afresh on every layout, in the order they come, for a change moves what
    follows it: after a figure that moves, the figures are measured at once (what one
    measured too early the next layout puts right, :func:`_figure_move`) but the tables
    wait for the next layout; after a table whose continuations change, everything
    waits (and is left as it was). A figure moves only with ``layout.defer_figures``.
    """
    if not chapter.numbered:
        return Adjustments()
    laid = _Laid(document)
    moves: dict[str, int] = {}
    continuations: dict[str, Continuation] = {}
    moved = False
    for el in laid.in_order:
        number = el.get("data-number") or ""
        if is_figure(el) and id(el) in laid.starts and book.defer_figures:
            passed = int(el.get(DEFERRED) or 0)
            wanted = _figure_move(book, laid, el, passed)
            if wanted or passed:
                moves[number] = wanted
            moved |= wanted != passed
        elif el.tag == "table" and CONTINUED not in _classes(el) and len({p for p, _, _ in laid.tables.get(number, ())}) > 1:
            if moved:
                break
            current, continuations[number] = _continuation(laid.tables[number], laid.pages)
            if continuations[number].rows != current:
                break
    return Adjustments(figure_moves=moves, table_continuations=continuations)


def _figure_move(book: Book, laid: _Laid, figure: ElementTree.Element, passed: int) -> int:
    """How many characters of the text after ``figure`` to set before it, ``passed`` where it stands now.

    WeasyPrint has no page floats: a figure the rest of a page has no room for starts
    the next page and leaves the room empty. When that room is more than
    :data:`MAX_GAP_LINES` lines, the paragraphs after the figure fill it: as many of
    their lines as fit, whole lines, but not a paragraph's first line alone (it would
    stand alone at the page foot); :func:`paiban.transforms.figures.defer_figures` moves
    the figure after them. A page that begins at an original page marker is never
    filled from after it.

    A figure already moved that no longer starts its page (a change before it moved
    the page break) goes back to where the text it passed leaves its page, or home.
    """
    page = laid.starts[id(figure)]
    siblings = list(laid.parents[id(figure)])
    at = siblings.index(figure)
    if not any(box.element is figure for box in laid.leaves[page][0][1]):
        before: list[_Entry] = []
        left = passed
        for el in reversed(siblings[:at]):
            if left <= 0 or not passable(el):
                break
            before[:0] = laid.entries(el)
            left -= sum(_chars(line) for _, line, _ in laid.entries(el))
        return sum(_chars(line) for p, line, _ in before if p < page)
    if page == 0 or _forced(laid, page, figure):
        return passed
    previous = laid.leaves[page - 1]
    room = _content_bottom(laid.pages[page - 1]) - max(_bottom(leaf) for leaf, _ in previous)
    if room <= MAX_GAP_LINES * book.geometry.line_height_pt * PX_PER_PT + EPSILON:
        return passed
    after = [entry for el in itertools.takewhile(passable, siblings[at + 1:]) for entry in laid.entries(el)]
    fitting: list[_Entry] = []
    for entry in after:  # one under the other, on the figure's page or the next if it filled its own
        room -= entry[1].margin_height()
        if room < -EPSILON:
            break
        fitting.append(entry)
    if fitting and sum(1 for e in fitting if e[2] is fitting[-1][2]) == 1 \
            and sum(1 for e in after if e[2] is fitting[-1][2]) > 1:
        fitting.pop()
    return passed + sum(_chars(line) for _, line, _ in fitting)


def _forced(laid: _Laid, page: int, figure: ElementTree.Element) -> bool:
    """Whether ``page``, which ``figure`` starts, began at an original page marker: a
    ``div.pagebreak`` or a ``page-start`` after the previous page's last content."""
    ancestors = laid.leaves[page - 1][-1][1] if laid.leaves[page - 1] else ()
    since = laid.order[id(ancestors[-1].element)] if ancestors else -1
    return any("page-start" in _classes(el) or (el.tag == "div" and "pagebreak" in _classes(el))
               for el in laid.in_order[since + 1:laid.order[id(figure)] + 1])


def _continuation(fragments: list[tuple[int, boxes.Box, boxes.TableBox]],
                  pages: list[boxes.PageBox]) -> tuple[tuple[int, ...], Continuation]:
    """Where the table of ``fragments`` (its boxes on each page, in order) continues now, and
    where it should (:class:`paiban.transforms.tables.Continuation`).

    Each continuation is a table of its own (续表) with the header and a one-line
    caption above its rows, set in the columns measured here (so that each row keeps
    the height measured here): the rows are counted onto the pages as WeasyPrint will
    set them, from the table's first row on its first page; a row that does not fit
    above the room of the rule below the table starts a continuation at the next page's
    top, under the room of the first page's caption (less its lines after the first)
    and header. A row an original page starts at (``page-start``) starts one too. The
    last row is not left alone on its page when the page before can give it a row.
    """
    first_page, wrapper, table = fragments[0]
    rows: list[tuple[float, bool]] = []  # each body row once: its height, whether an original page starts at it
    current: list[int] = []
    seen: set[int] = set()
    for _, part_wrapper, part in fragments:
        if id(part_wrapper.element) not in seen:
            seen.add(id(part_wrapper.element))
            if rows:
                current.append(len(rows))
            starts_page = "page-start" in _classes(part_wrapper.element)
        for group in (g for g in part.children if not (g.is_header or g.is_footer)):
            for row in (r for r in group.children if id(r.element) not in seen):
                seen.add(id(row.element))
                rows.append((row.margin_height(), starts_page or "page-start" in _classes(row.element)))
                starts_page = False
    body = [row for group in table.children if not (group.is_header or group.is_footer) for row in group.children]
    widths = wrapper.element.get(WIDTHS)
    continuation = Continuation((), tuple(float(w) for w in widths.split()) if widths
                                else tuple(round(w / PX_PER_PT, 2) for w in table.column_widths))
    if not body:
        return tuple(current), continuation
    under = table.position_y + table.margin_height() - _bottom(body[-1])
    caption = next((c for c in wrapper.children if isinstance(c, boxes.TableCaptionBox)), None)
    lines = [leaf for leaf, _ in _leaves(caption) if isinstance(leaf, boxes.LineBox)] if caption is not None else []
    extra = sum(line.height for line in lines[1:])
    above = body[0].position_y - (wrapper.position_y + wrapper.margin_top) - extra
    bottom = _content_bottom(pages[first_page]) - under
    splits: list[int] = []
    y = body[0].position_y
    for index, (height, forced) in enumerate(rows):
        if index and (forced or y + height > bottom + EPSILON):
            splits.append(index)
            y = pages[first_page].content_box_y() + above
            bottom = pages[first_page].content_box_y() + pages[first_page].height - under
        y += height
    if splits and len(rows) - splits[-1] == 1 and not rows[splits[-1]][1] \
            and splits[-1] - (splits[-2] if len(splits) > 1 else 0) > 2:
        splits[-1] -= 1  # the last row alone on a page: the one before it goes with it
    return tuple(current), Continuation(tuple(splits), continuation.widths)


def _tables(box: boxes.Box) -> Iterator[tuple[boxes.Box, boxes.TableBox]]:
    """The numbered tables on a page: each one's wrapper box (caption and table) and table box."""
    for child in getattr(box, "children", ()):
        if isinstance(child, boxes.TableBox) and box.element is not None and box.element.get("data-number"):
            yield box, child
        elif not isinstance(child, (boxes.LineBox, boxes.TableBox)):
            yield from _tables(child)


def _leaves(box: boxes.Box, ancestors: tuple[boxes.Box, ...] = ()) -> Iterator[tuple[boxes.Box, tuple[boxes.Box, ...]]]:
    """What a page shows, in document order: its lines and block images, each with the boxes
    of elements it stands in (margin boxes and the note area left out)."""
    for child in getattr(box, "children", ()):
        if isinstance(child, (boxes.MarginBox, boxes.FootnoteAreaBox)):
            continue
        if isinstance(child, (boxes.LineBox, boxes.BlockReplacedBox)):
            yield child, ancestors
        else:
            yield from _leaves(child, (*ancestors, child) if child.element is not None else ancestors)


def _content_bottom(page: boxes.PageBox) -> float:
    """Where a page's body ends: its content box's foot, or the top of its notes."""
    notes = next((c for c in page.children if isinstance(c, boxes.FootnoteAreaBox) and c.children), None)
    bottom = page.content_box_y() + page.height
    return min(bottom, notes.position_y) if notes is not None else bottom


def _bottom(box: boxes.Box) -> float:
    return box.position_y + box.margin_height()


def _chars(box: boxes.Box) -> int:
    """The characters a line shows of its paragraph's own text: white space, generated content
    (``::before``, a footnote call) and note calls not counted, as
    :func:`paiban.transforms.figures.counted` does not count them in the tree."""
    if "::" in (box.element_tag or "") or (box.element is not None and box.element.tag == "a"
                                          and "noteref" in _classes(box.element)):
        return 0
    if isinstance(box, boxes.TextBox):
        return sum(not ch.isspace() for ch in box.text)
    return sum(_chars(child) for child in getattr(box, "children", ()))


def _classes(el: ElementTree.Element | None) -> list[str]:
    return (el.get("class") or "").split() if el is not None else []


def page_starts(document: weasyprint.document.Document) -> tuple[tuple[int, int], ...]:
    """Where each page of a laid-out reflowing chapter (or window of one) starts: the
    ``data-top`` of the top-level block its first line or image stands in and the
    characters of that block before it (-1 for the chapter's opening):
    :mod:`paiban.builders.pdf.reflow`."""
    seen: dict[int, int] = {}  # characters already laid out of each block
    starts: list[tuple[int, int]] = []
    for page in document.pages:
        first: tuple[int, int] | None = None
        for leaf, ancestors in _leaves(page._page_box):
            block = next((a.element for a in ancestors if a.element is not None and a.element.get(TOP) is not None),
                         None)
            if block is None:
                first = first or (-1, 0)
                continue
            top = int(block.get(TOP))
            seen.setdefault(top, int(block.get(OFFSET) or 0))
            first = first or (top, seen[top])
            seen[top] += _chars(leaf)
        starts.append(first or (-1, 0))
    return tuple(starts)


# What is measured after each layout of a chapter, in order; each returns the changes it wants.
MEASURES: list[Callable[[Book, Chapter, weasyprint.document.Document], Adjustments]] = [
    stray_tails, note_numbers, figures_and_tables]


def _page_end_blocks(box: boxes.Box) -> list[boxes.Box]:
    element = getattr(box, "element", None)
    if isinstance(box, boxes.BlockBox) and element is not None and element.get("data-page-end"):
        return [box]
    return [b for child in getattr(box, "children", ()) if not isinstance(child, boxes.LineBox)
            for b in _page_end_blocks(child)]


def _text_boxes(box: boxes.Box) -> list[boxes.TextBox]:
    if isinstance(box, boxes.TextBox):
        return [box]
    return [t for child in getattr(box, "children", ()) for t in _text_boxes(child)]
