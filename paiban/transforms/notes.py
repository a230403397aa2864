"""Notes in print: each note at the foot of the page that holds its call (页下注).

The reader leaves the notes where the EPUB wants them, in ``section.notes`` at the
chapter's end (:mod:`paiban.reader.elements`). A printed book of Chinese sets them
at the foot of the call's page, numbered ①②③ afresh on every page. WeasyPrint does
both with CSS (``float: footnote``, print.css): a floated element stands where its
number is called and is set in the page's note area. So this transform moves each
note's content to its call, as ``span.footnote`` carrying ``data-call`` (the call's
order in the chapter, by which the layout is measured), and removes the section.

- The content must survive the HTML parser that reads the print HTML: a ``<p>``
  inside a paragraph would close it, so every block of the note becomes a ``span``
  shown as a block (``note-block``). The first paragraph's content stands in the
  note itself, on the line of the note's number; the following ones are blocks.
- A note called twice is printed at the foot of each call's page (a copy without
  ids): a note belongs to the page of its call.
- WeasyPrint numbers notes through the document and cannot restart on each page
  (Kozea/WeasyPrint#2553). A first layout measures the page of every call
  (:func:`paiban.builders.pdf.layout.note_numbers`); the next marks the first call of
  each page ``page-first``, which print.css gives ``counter-set: footnote 0`` (the
  counter is set before the note counts itself, so it shows ①).
- WeasyPrint gives a page's notes to the next page, away from their calls, to make
  room for the first lines of a paragraph that starts at the page's foot (rather
  than leave it there alone, or move it on). The first layout finds such a paragraph
  (:func:`paiban.builders.pdf.layout.note_numbers`), every block carrying its order
  (``data-block``), and the next starts it on the next page: the page ends a line
  or two short, as above a figure that did not fit, and keeps its notes.
- A note longer than a page has room for cannot be set at its call's foot at all.
  WeasyPrint would move the call's line on in vain (print.css ``footnote-policy:
  line``, right for any other note), leaving pages nearly empty; marked ``long``
  after a first layout, it is set where WeasyPrint can, and the build warns (B003).
- With the original pagination (``paginated``) a page marker inside a note is an
  error: the note is printed on its call's page, so an original page cannot start
  inside it.

- A call stays with the character before it, as a closing mark does (clreq: no line
  starts with a note call). Pango allows a break between a Han character and ①, and
  WeasyPrint breaks between two inline boxes wherever the two characters at their
  boundary allow it, ruled by the ``white-space`` of the boxes' nearest common
  ancestor: :func:`keep_calls_with_text` wraps each call and the character before it
  (the whole Latin word, when the call follows one) in ``span.keep-call``, which
  print.css and epub.css set ``nowrap``. When that character ends an element
  (``*着重*[^1]``), a copy of the element holding only that character goes in the
  span, so nothing but the character and the call is kept together. Justification
  spaces the span's characters like any others (:mod:`paiban.builders.pdf.justify`
  walks every inline box). The EPUB's calls are wrapped the same way
  (:func:`paiban.builders.epub.chapter_body`): a browser breaks before ① as Pango does.

It runs after the page breaks and the punctuation (:func:`paiban.builders.pdf.html.chapter_body`):
the split at a marker meets only the call, and the compression of each note's marks
is done within the note, never across the call. Books that want their notes at the
chapter's end (``layout.notes: endnotes``) skip this transform; print.css then sets
the section as 章后注.
"""

from __future__ import annotations

import copy
import unicodedata
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

from paiban.errors import BookError
from paiban.transforms.pagebreaks import HEADINGS
from paiban.tree import BLOCKS, Element, add_class, elements, has_class

NOTE_CLASS = "footnote"
CALL_KEY = "data-call"  # the call's order in the chapter, from 1: the key of Adjustments.note_pages
FIRST_CLASS = "page-first"  # the first note of its page: the numbering starts again
LONG_CLASS = "long"  # a note longer than a page: its call's line stays where it falls
BLOCK_KEY = "data-block"  # a block's order in the body: the key of Adjustments.note_room
ROOM_STYLE = "break-before: page"  # a block that took its page's notes' room starts the next page
FIRST_NUMBER = "①"  # what the first note of every page prints (print.css's counter style)
KEEP_CLASS = "keep-call"  # a call and the character before it, never broken apart (white-space: nowrap)


def notes_sections(root: Element) -> list[Element]:
    return [s for s in elements(root, "section") if has_class(s, "notes")]


def calls(root: Element) -> list[Element]:
    """The note calls of a chapter tree, in document order (outside the notes themselves)."""
    return [a for a in elements(root, "a") if has_class(a, "noteref")
            and not any(has_class(s, "notes") for s in a.iterancestors("section"))]


def call_lines(root: Element) -> dict[str, int | None]:
    """The source line of each call, by its key (``data-call``), for a message about its note."""
    return {str(k): int(a.get("data-line")) if a.get("data-line") else None
            for k, a in enumerate(calls(root), 1)}


@dataclass(frozen=True)
class Measured:
    """What a layout measured of the notes, for the next (all empty before the first)."""

    pages: Mapping[str, int] = field(default_factory=dict)  # the page of each call, by data-call
    room: Collection[str] = ()  # the blocks (data-block) that took their page's notes' room
    long: Collection[str] = ()  # the notes (data-call) longer than a page has room for


def footnotes(measured: Measured, paginated: bool, source: str) -> Callable[[Element], None]:
    """The transform that moves each note to its call, given what a first layout ``measured``."""

    def run(root: Element) -> None:
        sections = notes_sections(root)
        if not sections:
            return
        if paginated:
            _refuse_markers(sections, source)
        keep_calls_with_text(root)
        notes = {a.get("id"): a for s in sections for a in elements(s, "aside") if has_class(a, "note")}
        previous: int | None = None
        for key, call in enumerate(calls(root), 1):
            note = notes.get((call.get("href") or "").removeprefix("#"))
            if note is None:
                continue
            span = _footnote(note, str(key), first=call.get("id") is not None)
            page = measured.pages.get(str(key))
            if page is not None and page != previous:
                add_class(span, FIRST_CLASS)
            if str(key) in measured.long:
                add_class(span, LONG_CLASS)
            previous = page
            span.tail = call.tail
            call.getparent().replace(call, span)
        for section in sections:
            _remove(section)
        for key, block in enumerate(blocks(root), 1):
            block.set(BLOCK_KEY, str(key))
            if str(key) in measured.room:
                _start_page(block)

    return run


def keep_calls_with_text(root: Element) -> None:
    """Wrap each call of ``root`` with the character before it in ``span.keep-call``:
    no line starts with a call.

    Calls in a row (``酵[^1][^2]``) share one span. A call after a space, or with
    nothing before it in its element, is left as it is: the space is a break the
    manuscript asks for, and an element's start is no character.
    """
    for call in calls(root):
        _keep_with_text(call)


def _keep_with_text(call: Element) -> None:
    """Put ``call`` in a ``span.keep-call`` with what ends the text before it (or in the one before it)."""
    previous, parent = call.getprevious(), call.getparent()
    if has_class(parent, KEEP_CLASS):
        return  # kept already: the transform may run twice on a tree
    before = previous.tail if previous is not None else parent.text
    if not before and previous is not None and has_class(previous, KEEP_CLASS):
        _append(previous, call)
        return
    keep = call.makeelement("span", {"class": KEEP_CLASS})
    if before:
        word = _last_word(before)
        if not word:
            return
        if previous is not None:
            previous.tail = before[:-len(word)] or None
        else:
            parent.text = before[:-len(word)] or None
        keep.text = word
    else:
        end = _end_of(previous) if previous is not None else None
        if end is None:
            return
        keep.append(end)  # moved, when it is ``previous`` itself: its tail is empty (the call follows it)
    call.addprevious(keep)
    _append(keep, call)


def _append(keep: Element, call: Element) -> None:
    """Move ``call`` to the end of ``keep``, its tail after ``keep``."""
    keep.tail, call.tail = (keep.tail or "") + (call.tail or "") or None, None
    keep.append(call)


def _last_word(text: str) -> str:
    """The end of ``text`` a call keeps with: its last character, or its last Latin word
    (a word's letters are never broken apart anyway, and splitting it would lose its
    kerning); nothing after a space."""
    if not text or text[-1].isspace():
        return ""
    start = len(text) - 1
    while start > 0 and _in_word(text[start]) and _in_word(text[start - 1]):
        start -= 1
    return text[start:]


def _in_word(char: str) -> bool:
    """A letter or digit of a Latin (or Greek, Cyrillic…) word: not a CJK character, which stands alone."""
    return char.isalnum() and unicodedata.east_asian_width(char) not in ("W", "F")


def _end_of(el: Element) -> Element | None:
    """What ends ``el``'s content, for a call to keep with: ``el`` itself when that is all
    it holds (or when it is a link or a call kept with its text, never split), else a copy of ``el`` without
    its id holding only that end, taken out of ``el``. None when ``el`` ends in a space,
    in no character (an image, a page marker) or in a comment."""
    content = el.text_content()
    word = _last_word(content)
    if not word:
        return None
    if word == content or el.tag == "a" or has_class(el, KEEP_CLASS):
        return el
    last = el[-1] if len(el) else None
    if last is not None and not isinstance(last.tag, str):
        return None
    end = el.makeelement(el.tag, {k: v for k, v in el.attrib.items() if k != "id"})
    text = last.tail if last is not None else el.text
    if text:
        word = _last_word(text)
        if last is not None:
            last.tail = text[:-len(word)] or None
        else:
            el.text = text[:-len(word)] or None
        end.text = word
        return end
    inner = _end_of(last)
    if inner is None:
        return None
    end.append(inner)
    return end


def _start_page(block: Element) -> None:
    """Start a new page with ``block``, or with the headings right before it (a heading keeps with its text)."""
    while (previous := block.getprevious()) is not None and previous.tag in HEADINGS:
        block = previous
    style = block.get("style")
    block.set("style", f"{style.rstrip('; ')}; {ROOM_STYLE}" if style else ROOM_STYLE)


def blocks(root: Element) -> list[Element]:
    """The blocks of the chapter body in document order (the notes' own, now spans, are not)."""
    return [el for el in elements(root) if el.tag in BLOCKS and el is not root]


def _footnote(note: Element, key: str, first: bool) -> Element:
    """``span.footnote`` holding a copy of ``note``'s content; the note's id on the first call's copy."""
    span = note.makeelement("span", {"class": NOTE_CLASS, CALL_KEY: key})
    if first and note.get("id"):
        span.set("id", note.get("id"))
    content = [copy.deepcopy(child) for child in note if isinstance(child.tag, str)]
    for child in content:
        for el in child.iter():
            if isinstance(el.tag, str):
                el.attrib.pop("id", None)
                if el.tag in BLOCKS:
                    add_class(el, "note-block", f"note-{el.tag}")
                    el.tag = "span"
    if content and has_class(content[0], "note-p"):
        lead = content.pop(0)  # the first paragraph runs on from the number
        span.text = lead.text
        span.extend(list(lead))
    for child in content:
        child.tail = None
        span.append(child)
    if len(span):
        span[-1].tail = (span[-1].tail or "").rstrip() or None
    else:
        span.text = (span.text or "").rstrip()
    return span


def _refuse_markers(sections: list[Element], source: str) -> None:
    for section in sections:
        marker = next((el for el in elements(section) if has_class(el, "pagebreak")), None)
        if marker is not None:
            line = marker.get("data-line")
            raise BookError(f"page marker {{{{page {marker.get('aria-label')}}}}} stands inside a note", source or None,
                            int(line) if line else None,
                            "a note is printed at the foot of its call's page: put the marker in the text, "
                            "or set layout.notes: endnotes in book.yaml")


def _remove(el: Element) -> None:
    """Remove ``el``, keeping its tail's text in place."""
    parent, previous = el.getparent(), el.getprevious()
    if el.tail and el.tail.strip():
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)
