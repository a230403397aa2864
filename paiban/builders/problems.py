"""The problems a build meets that ``check`` cannot see: they need the layout (rules B).

Each is declared here once, with its code and hint; the builders report one with
:func:`paiban.log.warn` (``warn(FONT_NOT_SHARED.found(...))``), and
:mod:`paiban.check.build` puts them in the catalogue of rules, so that their codes,
hints and the means to silence them are those of every other finding.
"""

from __future__ import annotations

from paiban.errors import Declared

FONT_NOT_SHARED = Declared(
    "B001", "warning", "a font of the PDF could not be shared between its parts: its file was not found",
    "the PDF is correct but larger than it needs to be; reinstall the fonts (./setup.sh) if this persists")
LINK_WITHOUT_TARGET = Declared(
    "B002", "warning", "a link of the printed book points at an anchor no part of it holds",
    "a template or style override links to an id that does not exist; fix the link")
NOTE_MOVED = Declared(
    "B003", "warning", "a note did not fit on its call's page and was set on a later page, away from its call",
    "WeasyPrint cannot split a note across pages, and this one is longer than a page has room for: shorten it, "
    "make it two notes, or set layout.notes: endnotes in book.yaml")
BUILD_RULES = (FONT_NOT_SHARED, LINK_WITHOUT_TARGET, NOTE_MOVED)
