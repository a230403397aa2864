"""Each stylesheet parsed once per process, not once per part of the printed book.

The printed book is about two dozen WeasyPrint documents (the parts, the frames, the
cover spread), and each holds the same stylesheets. WeasyPrint parses a document's
``<style>`` elements afresh: tokenizing, validating every declaration and compiling
every selector took a fifth of a cold build's CPU (benchmarks/RESULTS.md). A parsed
sheet depends on its text, its base URL and the media type, and, through at-rules
that register something in the document (``@import``, ``@font-face``,
``@color-profile``, ``@layer``), on the document itself. So a sheet without those
at-rules is parsed once and its parsed form (its selector matcher, its page rules,
the counter styles its ``@counter-style`` rules define, which are put into each
document's) given to every document that holds the same text; a sheet with any of
them is parsed in each document, as WeasyPrint does.

WeasyPrint keeps a document's page rules in one list that every sheet of the
document shares; a shared sheet keeps its own (each rule once, in the sheets' order,
which is the order the shared list holds them in: the cascade is the same).
"""

from __future__ import annotations

import copy
import re
from typing import Any

import weasyprint
import weasyprint.css

from paiban.builders.pdf.justify import WEASYPRINT_VERSION

# At-rules whose effect reaches beyond the sheet's own matcher and page rules.
_DOCUMENT_RULES = re.compile(r"@(?:import|font-face|color-profile|layer)\b", re.IGNORECASE)
# A parsed sheet and the counter styles it defines.
_parsed: dict[tuple[str, str | None, str], tuple[weasyprint.CSS, dict[str, Any]]] = {}
_MAX_SHEETS = 64


def _css(*args: Any, string: str | None = None, base_url: str | None = None, media_type: str = "print",
         page_rules: list[Any] | None = None, layers: list[Any] | None = None, **kwargs: Any) -> weasyprint.CSS:
    """``weasyprint.CSS`` as ``find_stylesheets`` calls it for a ``<style>`` element, shared when it can be."""
    if args or string is None or kwargs.get("counter_style") is None or _DOCUMENT_RULES.search(string):
        return weasyprint.CSS(*args, string=string, base_url=base_url, media_type=media_type,
                              page_rules=page_rules, layers=layers, **kwargs)
    key = (string, base_url, media_type)
    counter_style = kwargs.pop("counter_style")
    if key not in _parsed:
        if len(_parsed) >= _MAX_SHEETS:
            _parsed.clear()
        own = copy.copy(counter_style)
        sheet = weasyprint.CSS(string=string, base_url=base_url, media_type=media_type, page_rules=[], layers=[],
                               counter_style=own, **kwargs)
        _parsed[key] = sheet, {k: v for k, v in own.items() if counter_style.get(k) != v}
    sheet, defined = _parsed[key]
    counter_style.update(defined)
    return sheet


def install() -> None:
    """Parse shared stylesheets once per process (idempotent). Refuses any WeasyPrint but
    the version :mod:`paiban.builders.pdf.justify` patches too."""
    if weasyprint.__version__ != WEASYPRINT_VERSION:
        raise RuntimeError(f"paiban.builders.pdf.stylecache patches WeasyPrint {WEASYPRINT_VERSION}'s "
                           f"find_stylesheets, but {weasyprint.__version__} is installed")
    weasyprint.css.CSS = _css
