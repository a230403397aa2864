"""Rules on figures and tables (R): their labels, a figure's text alternative, a table's caption.

They read each chapter's tree (:meth:`paiban.model.Chapter.tree`), as the builders do:
the reader has made the figures and tables there, numbered them (图1-1, 表1-1) and
stamped each element with its source line (``data-line``). The labels were resolved
while reading, so unknown and duplicate ones are the reader's findings (R007, R008).
"""

from __future__ import annotations

from paiban.check.registry import Place, found_by_the_reader, rule
from paiban.model import Book
from paiban.tree import Element, elements, has_class, source_line, text_of

found_by_the_reader("R007", "error", "a cross-reference (@fig:… or @tbl:…) names a label no figure or table has",
                    "label the figure ({#fig:label} after the image) or the table (Table: caption {#tbl:label}), "
                    "or correct the reference")
found_by_the_reader("R008", "error", "two figures or tables have the same label",
                    "give each figure and table a label of its own: a cross-reference can point at only one")


def caption_text(el: Element) -> str:
    """The words of a figure's or table's caption, without the number the reader put before them."""
    caption = next((c for c in el if c.tag in ("figcaption", "caption")), None)
    if caption is None:
        return ""
    number = next((s for s in caption if s.tag == "span" and has_class(s, "number")), None)
    text = text_of(caption)
    if number is not None:
        text = text.removeprefix(text_of(number))
    return text.strip(" \u3000")


# Why a figure needs an alt text of its own: the hint of R009.
ALT_HINT = ("write after the image what it shows, {alt=\"…\"} (with its label: {#fig:leaf alt=\"…\"}). A screen "
            "reader reads the alt text instead of the image and reads the caption anyway, so a blind reader learns "
            "nothing of the picture from an alt text that repeats the caption, or from none")


@rule("R009", "warning", "a figure has no text alternative, or one that only repeats its caption", ALT_HINT)
def figure_alt(book: Book) -> Place:
    for chapter in book.chapters:
        for figure in (f for f in elements(chapter.tree(), "figure") if has_class(f, "figure")):
            img = next(elements(figure, "img"), None)
            if img is None:
                continue
            alt, caption = " ".join((img.get("alt") or "").split()), caption_text(figure)
            number = figure.get("data-number") or "a figure"
            if not alt:
                message = f"{number} has no text alternative (alt)"
            elif alt == caption:
                message = f"{number}'s text alternative only repeats its caption '{caption}'"
            else:
                continue
            yield chapter.source, source_line(img, figure), None, message


@rule("R010", "warning", "a table has no caption",
      "put a caption paragraph directly before or after the table: Table: caption {#tbl:label}. It says what "
      "the table holds (表1-1 alone says nothing), and a label lets the text refer to it (@tbl:label)")
def table_caption(book: Book) -> Place:
    for chapter in book.chapters:
        for table in elements(chapter.tree(), "table"):
            if table.get("data-number") and not caption_text(table):
                yield chapter.source, source_line(table), None, f"{table.get('data-number')} has no caption"


