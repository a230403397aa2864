"""Inter-character justification of CJK text for WeasyPrint 70.0.

WeasyPrint justifies a line only by widening its spaces
(``weasyprint.layout.inline.justify_line``). Chinese has no spaces, so justified
Chinese paragraphs stay ragged. Chinese typesetting justifies by spreading the free
space of a line over the gaps between characters instead.

:func:`install` replaces ``justify_line`` with :func:`_justify_line`. WeasyPrint
calls it from ``text_align`` only when a line is really to be justified: it has
already left out the last line of a paragraph (unless ``text-align-last: justify``),
lines ending in a forced line break, lines that are full, and text whose white space
is preserved. Line breaking is untouched: it happens earlier, in Pango.

The new function counts the *expandable gaps* of the whole line, across all its text
boxes (nested inline boxes, empty spans and box boundaries included), gives each
the same share of the free width, and then

* shifts every box by the space added before it, as WeasyPrint's own
  ``add_word_spacing`` does for spaces, and widens every text box and inline box by
  the space added inside it, so that backgrounds, borders and underlines follow;
* gives each text box with gaps inside a :class:`_SpacedLayout`, which adds the
  space to the advance of the glyph cluster before each gap when the box is drawn.

Why glyph advances and not Pango's letter-spacing attribute: Pango applies
letter-spacing half before and half after each character, splits the text into
separately shaped items wherever the value changes, and trims the half-spaces at the
ends of each layout. A gap next to a Latin word (``年`` | ``6``) can then only get
half its share without spacing the word's own letters. Widening the advance of one
cluster gives every gap exactly its share and leaves shaping alone.

:func:`install` also wraps ``text_align`` (:func:`_text_align`): before aligning any
line it gives the gaps between Han characters and Latin letters or digits up to a
quarter em of the line's free width (clreq 3.2.2), by the same spreading; a line
without free width keeps them tight. Negative letter-spacing at a line's end (the
tightened lines of :func:`paiban.pdf.stray_tails`) is not counted against the margin.

A line ending in a forced break (``<br/>``) is never justified (only in
:func:`_text_align`). WeasyPrint treats it as a paragraph's last line (CSS Text 3:
``text-align-last`` applies to it too), so under ``text-align-last: justify`` (print.css
sets it on the block before an original page break, to end the page full) it would be
spread to the margin, which a compositor never does to the line before a hard break: it
is set flush left.

Line breaking is Pango's (UAX #14) and stays so. Measured on Noto Serif CJK SC: no
line starts with 、，。：；！？ or a closing mark, none ends with an opening mark,
"——" is never split (UAX #14 keeps two em dashes together; the font even draws
them as one glyph) and neither is "……" (no break before U+2026). No ``nowrap`` span
is needed; a ``white-space: nowrap`` span would still be justified like any box.

Limitations:

* Justification only stretches. Nothing is pushed in or squeezed (clreq's
  punctuation compression), so a line that Pango ended early to keep a mark off a
  line start gets all its missing width as extra spacing.
* No gap is opened beside an atomic inline (image, inline-block).
* Right-to-left lines keep WeasyPrint's space-only justification. A right-to-left
  run inside a left-to-right line is not widened, so that line ends short by the
  share of the gaps inside the run.
* A gap inside a glyph cluster (a ligature across it) is counted but cannot be
  drawn; the line then ends short by one share. The only such ligature in Noto CJK,
  the dash, is never a gap.
* The curly quotation marks count as CJK: in Chinese text they are drawn
  full-width, so a Latin word in them gets gaps at its quotes.
* This depends on WeasyPrint 70.0 internals: ``text_align`` looking up
  ``justify_line`` in its module at call time, ``draw_first_line`` drawing from
  ``Layout.get_first_line`` after ``Layout.reactivate``, and the way it rounds glyph
  advances; ``text_align`` called with ``last`` for a line ending in a preserved
  break, and a ``<br/>`` being an inline box of that tag (its ``::before`` holds the
  break). :func:`install` refuses any other version.
"""

import functools
import re
import unicodedata
from collections.abc import Callable

import weasyprint
from weasyprint.formatting_structure import boxes
from weasyprint.layout import inline
from weasyprint.text.ffi import TO_UNITS, ffi
from weasyprint.text.line_break import Layout

WEASYPRINT_VERSION = '70.0'

# Characters laid out on the CJK em grid: ideographs, kana, bopomofo, CJK symbols and
# punctuation, full-width forms, and the General Punctuation marks that CJK fonts draw
# full-width in Chinese text: middle dot, quotation marks, dashes, ellipsis.
_CJK = re.compile(
    '['
    '\u2460-\u24ff'          # enclosed alphanumerics: ① ② …, set full-width in Chinese text (note calls)
    '\u2e80-\u2fdf'          # CJK and Kangxi radicals
    '\u2ff0-\u303f'          # ideographic description, CJK symbols and punctuation
    '\u3040-\u312f'          # hiragana, katakana, bopomofo
    '\u3190-\u33ff'          # kanbun to CJK compatibility
    '\u3400-\u4dbf'          # CJK unified ideographs extension A
    '\u4e00-\u9fff'          # CJK unified ideographs
    '\uf900-\ufaff'          # CJK compatibility ideographs
    '\ufe10-\ufe1f'          # vertical forms
    '\ufe30-\ufe4f'          # CJK compatibility forms
    '\uff00-\uffef'          # half-width and full-width forms
    '\U00020000-\U0003ffff'  # supplementary and tertiary ideographic planes
    '\u00b7\u2014\u2015\u2018\u2019\u201c\u201d\u2026\u2e3a\u2e3b'
    ']')

# Chinese writes the dash and the ellipsis as two characters (——, ……) that must read
# as one mark.
_UNBROKEN_PAIRS = frozenset('\u2014\u2015\u2026')

_SPACES = frozenset(' \u00a0')

# A letter or digit that is not CJK: only a line holding one can have a Latin gap
# (:func:`is_latin_gap`); most lines of a Chinese book have none.
_MAYBE_LATIN = re.compile('(?!' + _CJK.pattern + r')[^\W_]')

_original_justify_line = inline.justify_line
_original_text_align = inline.text_align

# The space between Han characters and Latin letters or digits (clreq 3.2.2), in ems.
LATIN_GAP_EM = 0.25
_HAN = re.compile('[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]')


def install() -> None:
    """Make WeasyPrint justify lines by spacing CJK characters as well as spaces.

    Idempotent. Raises :class:`RuntimeError` if the installed WeasyPrint is not the
    version whose internals this module patches.
    """
    if weasyprint.__version__ != WEASYPRINT_VERSION:
        raise RuntimeError(
            f'paiban.justify patches WeasyPrint {WEASYPRINT_VERSION} internals '
            f'(layout.inline.justify_line, text.line_break.Layout) but WeasyPrint '
            f'{weasyprint.__version__} is installed; install weasyprint=='
            f'{WEASYPRINT_VERSION} or port paiban/justify.py to the new version.')
    inline.justify_line = _justify_line
    inline.text_align = _text_align


def is_cjk(char: str) -> bool:
    """Tell whether ``char`` sits on the CJK em grid, so the gaps beside it may grow."""
    return _CJK.match(char) is not None


@functools.lru_cache(maxsize=1 << 16)
def is_expandable(before: str, after: str) -> bool:
    """Tell whether justification may widen the gap between two visible characters.

    The gap after a space grows, as in Western justification. Otherwise a gap grows
    when one of its characters is CJK, so Latin words and numbers keep their letters
    together, and the two halves of a dash or an ellipsis stay joined.
    """
    if before in _SPACES:
        return True
    if after in _SPACES:
        return False  # The space's own gap, just after it, takes the share.
    if before == after and before in _UNBROKEN_PAIRS:
        return False
    return is_cjk(before) or is_cjk(after)


def _last_text_box(box: boxes.Box) -> boxes.TextBox | None:
    """The text box that ends ``box`` (None if it ends with something else)."""
    while isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        children = [c for c in _in_flow_children(box) if not (isinstance(c, boxes.TextBox) and not c.text)]
        if not children:
            return None
        box = children[-1]
    return box if isinstance(box, boxes.TextBox) else None


def is_han(char: str) -> bool:
    """Tell whether ``char`` is a Han character or kana (not a punctuation mark)."""
    return _HAN.match(char) is not None


@functools.lru_cache(maxsize=1 << 16)
def is_latin_gap(before: str, after: str) -> bool:
    """Tell whether a gap lies between a Han character (or kana) and a Latin letter or digit.

    Punctuation on either side already brings its own blank, and a space in the
    source is the space, so neither counts.
    """
    def latin(char: str) -> bool:
        return char.isalnum() and not is_cjk(char) and unicodedata.category(char)[0] in 'LN'

    return (is_han(before) and latin(after)) or (latin(before) and is_han(after))


@functools.lru_cache(maxsize=1 << 14)
def _is_transparent(char: str) -> bool:
    """Tell whether ``char`` is invisible to gap counting: combining or format marks.

    A gap is never opened before a combining mark, and a zero-width space or joiner
    between two characters does not hide the gap between them.
    """
    return unicodedata.category(char) in ('Mn', 'Me', 'Cf')


class _LineGaps:
    """The expandable gaps of one line box, found by walking it in visual order.

    ``inside`` maps each text box (by ``id``) to the UTF-8 byte offsets, in its text,
    of the gaps within it. ``before`` holds the ids of the boxes preceded by a gap
    that falls between two boxes: the gap goes before the outermost box opened since
    the previous character, so it lies outside any inline box that does not hold
    both characters.
    """

    def __init__(self, line: boxes.LineBox,
                 select: Callable[[str, str], bool] = is_expandable) -> None:
        self.select = select
        self.inside: dict[int, list[int]] = {}
        self.before: set[int] = set()
        self.count = 0
        self._previous: str | None = None
        self._opened: list[boxes.Box] = []
        for child in _in_flow_children(line):
            self._visit(child)

    def _visit(self, box: boxes.Box) -> None:
        if isinstance(box, boxes.TextBox):
            self._opened.append(box)
            self._visit_text(box)
        elif isinstance(box, boxes.InlineBox):
            self._opened.append(box)
            for child in _in_flow_children(box):
                self._visit(child)
        else:
            # Atomic inline (image, inline-block): not a character, no gap beside it.
            self._previous = None
            self._opened = []

    def _visit_text(self, box: boxes.TextBox) -> None:
        offsets = self.inside.setdefault(id(box), [])
        first_visible = True
        offset = 0
        for char in box.text:
            if not _is_transparent(char):
                if self._previous is not None and self.select(self._previous, char):
                    self.count += 1
                    if first_visible:
                        self.before.add(id(self._opened[0]))
                    else:
                        offsets.append(offset)
                self._previous = char
                self._opened = []
                first_visible = False
            offset += len(char.encode())


def _ends_in_forced_break(box: boxes.Box) -> bool:
    """Whether the line (or inline box) ``box`` ends with a ``<br/>``."""
    while isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        if box.element_tag == "br":
            return True
        children = [c for c in _in_flow_children(box) if not (isinstance(c, boxes.TextBox) and not c.text)]
        if not children:
            return False
        box = children[-1]
    return False


def _line_text(box: boxes.Box) -> str:
    """The text of a line's text boxes (to rule out a walk of its gaps cheaply)."""
    if isinstance(box, boxes.TextBox):
        return box.text
    return "".join(_line_text(child) for child in getattr(box, "children", ()))


def _in_flow_children(box: boxes.ParentBox) -> list[boxes.Box]:
    """Return the children of ``box`` that take part in the line's layout."""
    return [child for child in box.children if child.is_in_normal_flow()]


def _text_align(context: object, line: boxes.LineBox, available_width: float,
                last: bool) -> float:
    """Replace ``weasyprint.layout.inline.text_align``: space Latin from Chinese first.

    Every line, justified or not, first gives each gap between a Han character and a
    Latin letter or digit (:func:`is_latin_gap`) up to a quarter em of the line's free
    width (clreq 3.2.2); a justified line then spreads what is left over all its gaps.
    The spacing is added after line breaking, so it never pushes a character to the
    next line: a full line keeps its Latin runs tight, as a compositor would.

    A line ending in a forced break is set as a last line whose ``text-align-last``
    is not ``justify`` (see the module's docstring).
    """
    ending = _last_text_box(line)
    if ending is not None and isinstance(ending.style['letter_spacing'], (int, float)):
        # The last character's letter-spacing (negative in a tight span) is inside the
        # line's width, but its em box still ends a whole em after it starts.
        available_width += min(ending.style['letter_spacing'], 0)
    free = available_width - line.width
    if free > 0 and line.style['direction'] != 'rtl' and _MAYBE_LATIN.search(_line_text(line)):
        gaps = _LineGaps(line, is_latin_gap)
        if gaps.count:
            _spread(line, gaps, min(LATIN_GAP_EM * line.style['font_size'], free / gaps.count), 0)
    if last and line.style['text_align_last'] == 'justify' and _ends_in_forced_break(line):
        if line.style['text_align_all'] == 'justify':
            return 0  # start, as text-align: justify sets a last line
        return _original_text_align(context, line, available_width, False)
    return _original_text_align(context, line, available_width, last)


def _justify_line(context: object, line: boxes.LineBox, extra_width: float) -> None:
    """Spread ``extra_width`` evenly over the expandable gaps of ``line``.

    Replaces ``weasyprint.layout.inline.justify_line``, with the same signature.
    Right-to-left lines keep WeasyPrint's space-only justification.
    """
    if line.style['direction'] == 'rtl':
        _original_justify_line(context, line, extra_width)
        return
    gaps = _LineGaps(line)
    if gaps.count:
        _spread(line, gaps, extra_width / gaps.count, 0)


def _spread(box: boxes.Box, gaps: _LineGaps, spacing: float, x_advance: float) -> float:
    """Move and widen ``box`` and its descendants; return the advance after it.

    ``x_advance`` is the width added so far on the line, left of ``box``.
    """
    if id(box) in gaps.before:
        x_advance += spacing
    if isinstance(box, boxes.TextBox):
        box.position_x += x_advance
        offsets = gaps.inside.get(id(box))
        if offsets:
            # A second spreading (justification after the Latin spacing) adds to the first.
            widths = dict(box.pango_layout.gap_widths) if isinstance(box.pango_layout, _SpacedLayout) else {}
            for offset in offsets:
                widths[offset] = widths.get(offset, 0) + spacing
            box.pango_layout = _SpacedLayout(box, widths)
            box.width += spacing * len(offsets)
            x_advance += spacing * len(offsets)
    elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        box.position_x += x_advance
        start_advance = x_advance
        for child in _in_flow_children(box):
            x_advance = _spread(child, gaps, spacing, x_advance)
        box.width += x_advance - start_advance
    else:
        box.translate(x_advance, 0)
    return x_advance


class _SpacedLayout(Layout):
    """A text box's Pango layout whose drawn glyphs open the box's justification gaps.

    WeasyPrint draws a text box from its layout, rebuilt just before drawing
    (``reactivate`` calls ``setup`` and ``set_text``), by walking the glyphs of the
    layout's first line (``draw_first_line``, which reads them through
    ``get_first_line``). This layout adds ``gap_widths[offset]`` to the advance of the
    last glyph of each cluster that ends at a gap's byte ``offset``; the glyphs after
    it move right accordingly.
    """

    def __init__(self, box: boxes.TextBox, gap_widths: dict[int, float]) -> None:
        super().__init__(box.style)
        self.text = box.text
        self.gap_widths = gap_widths
        self.widened = False
        # Like every laid-out box's layout until it is drawn; ``reactivate`` sets
        # the text into Pango then.
        self.deactivate()

    def set_text(self, text: str, justify: bool = False) -> None:
        """Set the text; its glyphs will be widened on the next :meth:`get_first_line`."""
        super().set_text(text, justify)
        self.widened = False

    def get_first_line(self) -> tuple[object, int | None]:
        """Return the first Pango line, its glyph advances widened at the gaps."""
        first_line, index = super().get_first_line()
        if not self.widened:
            self._widen(first_line)
            self.widened = True
        return first_line, index

    def _widen(self, first_line: object) -> None:
        """Add the spacing to the glyphs before the gaps, without drift.

        ``draw_first_line`` writes each glyph's advance into the PDF as a whole number
        of thousandths of an em, *truncating* the difference between Pango's advance
        and the font's. Adding each gap's width as it is would lose up to
        1/1000 em per gap: 0.4 pt over a 12 pt line of 35 characters. So the space
        added up to the n-th gap is rounded to whole thousandths (the error never
        accumulates), and each gap's share is given half a thousandth more in Pango
        units, which the truncation takes off again.
        """
        quantum = self.style['font_size'] / 1000  # pt
        added = 0.0  # pt added at the gaps so far
        drawn = 0  # thousandths of an em drawn for them
        run = first_line.runs
        while run != ffi.NULL:
            glyph_item = run.data
            run = run.next
            item = glyph_item.item
            if item.analysis.level % 2:
                continue  # Right-to-left embedding: see the module's limitations.
            glyphs = glyph_item.glyphs
            clusters = glyphs.log_clusters
            number = glyphs.num_glyphs
            for i in range(number):
                # In a left-to-right run, a cluster's glyphs are consecutive and
                # its end is where the next cluster starts.
                end = item.length if i == number - 1 else clusters[i + 1]
                width = self.gap_widths.get(item.offset + end) if end != clusters[i] else None
                if width is not None:
                    added += width
                    target = round(added / quantum)
                    share, drawn = target - drawn, target
                    glyphs.glyphs[i].geometry.width += round(
                        (share + 0.5) * quantum * TO_UNITS)
