"""Numbered lists that start at a number other than 1, in print.

A list written ``3. …`` in Markdown, or continued on a new original page
(:mod:`paiban.transforms.pagebreaks`), is an ``<ol start="3">``. Reading systems
honour ``start``; WeasyPrint 70 ignores it (its HTML stylesheet has no rule for the
attribute) and numbers every list from 1. The PDF builder therefore says the same
in CSS: ``counter-reset: list-item 2`` on the list.
"""

from __future__ import annotations

from paiban.tree import Element, elements


def list_starts(root: Element) -> None:
    """Give each ``ol`` with a ``start`` the counter reset that makes WeasyPrint number from it."""
    for ol in elements(root, "ol"):
        start = ol.get("start") or ""
        if start.lstrip("-").isdigit():
            style = ol.get("style")
            reset = f"counter-reset: list-item {int(start) - 1}"
            ol.set("style", f"{style.rstrip('; ')}; {reset}" if style else reset)
