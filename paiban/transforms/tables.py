"""Tables in print: the three-line table (三线表), columns that do not squeeze CJK, and 续表.

- **Three lines**: a thick rule above the table and below it, a thin one under the
  header, no vertical rules (print.css). WeasyPrint draws a table's bottom border only
  under its last fragment, so the rule below is the top border of an empty footer row
  (``tfoot.rule``, added here), which WeasyPrint repeats at the foot of every page the
  table runs over, as it repeats the header at the top.
- **Column widths**: a table whose cells all fit the type area on one line is left to
  the automatic layout, which then wraps nothing. One too wide for that would be
  squeezed by it: CJK text can break after any character, so the automatic layout
  narrows a column of short cells down to a character per line while a long one
  keeps its room. So such a table gets widths computed here (:func:`column_widths`)
  from its text, in ems (a CJK character one, a Latin letter or digit about half):
  every column whose longest cell fits its share of the measure gets that cell's
  width, the columns left share the rest in proportion to their longest cells, and
  no column is narrower than its longest unbreakable word or number. A table that
  fits with room to spare (:data:`TABLE_SLACK_EM`: the estimate is not the font's) is
  left to the automatic layout.
- **续表**: CSS cannot tell the fragment of a table on a later page from the first one,
  so the PDF builder measures a first layout
  (:func:`paiban.builders.pdf.layout.figures_and_tables`): which body rows start a new
  page, and the widths the layout gave the columns. This transform then cuts the table
  before each such row into a table of its own (``table.continued``, from a new page)
  with the header repeated and the caption 续表1-1 (续附表1 in an appendix), and gives
  every part the measured column widths (``table-layout: fixed``), so that the columns
  line up from page to page and each row is as tall as it was measured.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from dataclasses import dataclass

from paiban.tree import Element, add_class, elements, has_class, remove_class, text_of

# The type size of a table in print, in points (print.css: table[data-number] font-size).
FONT_PT = 10.5
# Each cell's padding, left and right together, in ems of the table's type (print.css).
PADDING_EM = 1.0
# The class of a table cut from another, a continuation on a new page (print.css).
CONTINUED = "continued"
# What a continuation's caption says before the table's number (续表1-1).
CONTINUED_LABEL = "续"
# The widths a continued table's columns were measured at, in points (read back by the next measure).
WIDTHS = "data-widths"
# Latin signs about as wide as a CJK character in the CJK faces.
WIDE = frozenset("%@&#WMwm")
# What a line never breaks inside: a Latin word, a number.
UNBREAKABLE = re.compile(r"[A-Za-z0-9.,%'’\-]+")
# How far the widths estimated from the text may fall short of the set ones, in ems: a
# table needs this much room to spare to be left to the automatic layout, and every
# column this much more than its longest cell.
TABLE_SLACK_EM, COLUMN_SLACK_EM = 2.0, 0.3


@dataclass(frozen=True)
class Continuation:
    """Where a table long enough to run over a page continues, as a layout measured it."""

    rows: tuple[int, ...]  # the body rows (counted from 0 over the whole table) that start a new page
    widths: tuple[float, ...]  # the columns' widths in points


def print_tables(root: Element, measure_pt: float, continuations: dict[str, Continuation]) -> None:
    """Every numbered table of ``root`` as a three-line table in the type area's ``measure_pt``,
    cut where ``continuations`` (by ``data-number``) says it continues on a new page."""
    for table in [t for t in elements(root, "table") if t.get("data-number")]:
        columns = max((_span(row) for row in elements(table, "tr")), default=1)
        footer = table.makeelement("tfoot", {"class": "rule"})
        footer.append(table.makeelement("tr", {}))
        footer[0].append(table.makeelement("td", {"colspan": str(columns)}))
        table.append(footer)
        continuation = continuations.get(table.get("data-number") or "")
        if continuation is not None and continuation.rows:
            _continue(table, continuation)
            continue
        widths = column_widths(table, measure_pt / FONT_PT)
        if widths is not None:
            _set_widths(table, [f"{100 * w / sum(widths):.2f}%" for w in widths], "100%")


def column_widths(table: Element, measure_em: float) -> list[float] | None:
    """The widths of ``table``'s columns in ems, padding included, when its cells do not all fit
    ``measure_em`` on one line (None when they do: the automatic layout then wraps nothing)."""
    longest: dict[int, float] = {}
    unbreakable: dict[int, float] = {}
    for row in elements(table, "tr"):
        column = 0
        for cell in (c for c in row if c.tag in ("td", "th")):
            if _colspan(cell) == 1:
                text = text_of(cell)
                longest[column] = max(longest.get(column, 0.0), _width(text))
                unbreakable[column] = max([unbreakable.get(column, 0.0),
                                           *(_width(w) for w in UNBREAKABLE.findall(text))])
            column += _colspan(cell)
    count = max(longest, default=-1) + 1
    if not count or sum(longest.values()) + count * PADDING_EM <= measure_em - TABLE_SLACK_EM:
        return None
    longest = {c: width + COLUMN_SLACK_EM for c, width in longest.items()}
    room = measure_em - count * PADDING_EM
    widths: dict[int, float] = {}
    left = set(range(count))
    while left:  # the columns that fit their share, narrowest first, take what they need
        share = (room - sum(widths.values())) / len(left)
        fitting = {c for c in left if longest.get(c, 0.0) <= share}
        if not fitting:
            break
        widths.update((c, longest.get(c, 0.0)) for c in fitting)
        left -= fitting
    rest = room - sum(widths.values())
    total = sum(longest.get(c, 0.0) for c in left) or 1.0
    widths.update((c, max(unbreakable.get(c, 0.0), rest * longest.get(c, 0.0) / total)) for c in left)
    return [widths[c] + PADDING_EM for c in range(count)]


def body_rows(table: Element) -> list[Element]:
    return [row for group in table if group.tag == "tbody" for row in group if row.tag == "tr"]


def _colspan(cell: Element) -> int:
    span = cell.get("colspan") or "1"
    return int(span) if span.isdigit() and int(span) > 0 else 1


def _span(row: Element) -> int:
    return sum(_colspan(c) for c in row if c.tag in ("td", "th"))


def _width(text: str) -> float:
    """The width of ``text`` in ems, rather more than less: a character East Asian fonts set
    full width (CJK, its marks, ℃ and other ambiguous-width signs) one, a wide Latin sign
    (% @ & W M) 0.9, any other 0.6."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WFA" else 0.9 if ch in WIDE else 0.6 for ch in text)


def _set_widths(table: Element, widths: list[str], total: str) -> None:
    """Give ``table`` fixed column widths (a ``colgroup`` after its caption) and a width."""
    for old in [c for c in table if c.tag == "colgroup"]:
        table.remove(old)
    group = table.makeelement("colgroup", {})
    for width in widths:
        group.append(table.makeelement("col", {"style": f"width: {width}"}))
    caption = next((c for c in table if c.tag == "caption"), None)
    table.insert(table.index(caption) + 1 if caption is not None else 0, group)
    table.set("style", f"table-layout: fixed; width: {total}")


def _continue(table: Element, continuation: Continuation) -> None:
    """Cut ``table`` before each row of ``continuation.rows`` into a continued table of its own."""
    _set_widths(table, [f"{w:g}pt" for w in continuation.widths], f"{sum(continuation.widths):g}pt")
    table.set(WIDTHS, " ".join(f"{w:g}" for w in continuation.widths))
    columns = next(c for c in table if c.tag == "colgroup")
    header = next((c for c in table if c.tag == "thead"), None)
    footer = next(c for c in table if c.tag == "tfoot")
    rows = body_rows(table)
    last = table
    for start, end in zip(continuation.rows, [*continuation.rows[1:], len(rows)], strict=True):
        if not 0 < start < end <= len(rows):
            continue
        part = table.makeelement("table", {k: v for k, v in table.attrib.items() if k != "id"})
        add_class(part, CONTINUED)
        caption = part.makeelement("caption", {})
        number = caption.makeelement("span", {"class": "number"})
        number.text = CONTINUED_LABEL + (table.get("data-number") or "")
        caption.append(number)
        part.append(caption)
        part.append(copy.deepcopy(columns))
        if header is not None:
            part.append(_without_ids(copy.deepcopy(header)))
        body = part.makeelement("tbody", {})
        body.extend(rows[start:end])  # moved, not copied: each row stays once, with its ids
        part.append(body)
        part.append(copy.deepcopy(footer))
        if has_class(rows[start], "page-start"):  # an original page starts here: with the continuation
            remove_class(rows[start], "page-start")
            add_class(part, "page-start")
        part.tail, last.tail = last.tail, "\n"
        last.addnext(part)
        last = part
    for group in [g for g in table if g.tag == "tbody" and not len(g)]:
        table.remove(group)


def _without_ids(el: Element) -> Element:
    for node in el.iter():
        node.attrib.pop("id", None)
    return el
