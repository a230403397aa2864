"""Notes in the EPUB: a labelled link from each note back to its call.

The reader makes EPUB 3 notes already (:mod:`paiban.reader.elements`): each call is
``<a epub:type="noteref" role="doc-noteref">`` pointing at an ``<aside
epub:type="footnote" role="doc-footnote">`` in the chapter's ``section.notes``, so
reading systems show a note as a pop-up. A reader who follows the call into the
notes instead (a reading system without pop-ups, a screen reader) needs the way back:
this transform starts each note with a link to its (first) call, shown as the note's
number and named for what it does (``aria-label``), not the screen's bare arrow ↩,
which no book font may have. Print has no back links (:mod:`paiban.transforms.notes`).
"""

from __future__ import annotations

from paiban.tree import Element, elements, has_class

BACK_LABEL = "返回正文"  # "back to the text": what the back link is called, for a screen reader
BACKLINK_CLASS = "note-backlink"


def note_backlinks(root: Element) -> None:
    """Start each note with a link back to its first call, labelled, with the note's number as its text."""
    calls = {a.get("href"): a.get("id") for a in elements(root, "a")
             if has_class(a, "noteref") and a.get("id") and a.get("href", "").startswith("#")}
    for note in [a for a in elements(root, "aside") if has_class(a, "note")]:
        call = calls.get(f"#{note.get('id')}")
        if call is None:
            continue
        link = note.makeelement("a", {"class": BACKLINK_CLASS, "href": f"#{call}", "role": "doc-backlink",
                                      "aria-label": BACK_LABEL})
        link.text = note.get("data-note") or ""
        first = next((child for child in note if isinstance(child.tag, str)), None)
        holder = first if first is not None and first.tag == "p" else note
        link.tail, holder.text = holder.text, None
        holder.insert(0, link)
