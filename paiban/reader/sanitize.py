"""Raw HTML in Markdown is cleaned before it can reach the EPUB or the PDF.

Markdown passes raw HTML through, and a manuscript may come from outside: scripts,
event-handler attributes, ``javascript:`` URLs, iframes, forms and objects must never
reach a reading system or the PDF renderer. nh3 (the Ammonia sanitizer) removes
everything not on the allowlist below; :func:`clean` also says what it removed, so
the author learns why something vanished.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import nh3

from paiban.tree import Element, elements, parse

TAGS = {
    "p", "div", "span", "section", "aside", "header", "footer", "nav", "figure", "figcaption",
    "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code", "hr", "br",
    "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
    "colgroup", "col", "a", "img", "em", "strong", "b", "i", "u", "s", "del", "ins", "mark", "small",
    "sub", "sup", "abbr", "cite", "q", "dfn", "kbd", "samp", "var", "time", "ruby", "rt", "rp", "bdi", "bdo",
}
GENERIC = {"id", "class", "title", "lang", "dir", "role", "epub:type", "aria-label", "aria-labelledby",
           "aria-describedby", "aria-hidden"}
ATTRIBUTES = {
    "*": GENERIC,
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "scope", "style"},
    "ol": {"start", "type"},
    "time": {"datetime"},
    "q": {"cite"},
    "blockquote": {"cite"},
}
# Links may point to the web (they are not followed by a build). ``file`` and ``data``
# pass here only so that the reader can refuse them with a message of its own
# (paiban.reader._confine_urls) instead of their silently vanishing.
URL_SCHEMES = {"http", "https", "mailto", "file", "data"}


@dataclass(frozen=True)
class Removal:
    what: str  # "<script>", "onclick=" or "javascript: URL"
    count: int

    @property
    def source_text(self) -> str:
        """What the removed thing looks like in the manuscript: ``<script``, ``onclick=``, ``javascript:``."""
        if self.what.startswith("<"):
            return self.what[:-1]
        return self.what.removesuffix(" URL") if self.what.endswith(": URL") else self.what


def _inventory(root: Element) -> Counter[str]:
    seen: Counter[str] = Counter()
    for el in elements(root):
        seen[f"<{el.tag}>"] += 1
        for name, value in el.attrib.items():
            if name.lower().startswith("on"):
                seen[f"{name}="] += 1
            if re.match(r"\s*(javascript|vbscript|data):", value, re.I):
                seen[f"{value.split(':', 1)[0].strip().lower()}: URL"] += 1
    return seen


def clean(html: str) -> tuple[Element, list[Removal]]:  # noqa: A002
    """The tree of the sanitized HTML, valid XHTML content, and what was removed from it.

    This is where a chapter is parsed: once, from what nh3 returns.
    """
    cleaned = nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES, link_rel=None,
                        strip_comments=True) if html.strip() else ""
    root = parse(cleaned)
    before, after = _inventory(parse(html)), _inventory(root)
    removed = [Removal(what, n - after[what]) for what, n in sorted(before.items()) if n > after[what]]
    _repair_content_model(root)
    return root, removed


# Elements that may hold only certain children, and the child to wrap strays in.
ONLY_CHILDREN = {
    "ol": ({"li"}, "li"), "ul": ({"li"}, "li"), "dl": ({"dt", "dd", "div"}, "dd"),
    "table": ({"caption", "colgroup", "thead", "tbody", "tfoot", "tr"}, "tbody"),
    "thead": ({"tr"}, "tr"), "tbody": ({"tr"}, "tr"), "tfoot": ({"tr"}, "tr"), "tr": ({"td", "th"}, "td"),
}


def _repair_content_model(root: Element) -> None:
    """Move elements out of places XHTML does not allow them.

    The HTML parser repairs unclosed inline tags in raw HTML by reopening them
    wherever the next text comes, even between the items of a list (``<ol><b>``):
    well-formed, but invalid for EPUBCheck. A stray holding only white space is
    dropped; one with content joins the allowed child before it, or gets one.
    """
    for parent in list(root.iter(*ONLY_CHILDREN)):
        allowed, wrapper = ONLY_CHILDREN[parent.tag]
        for child in list(parent):
            if not isinstance(child.tag, str) or child.tag in allowed:
                continue
            previous = child.getprevious()
            if not child.text_content().strip() and not len(child.xpath(".//img")):
                if child.tail and child.tail.strip():
                    (previous if previous is not None else parent).tail = child.tail
                parent.remove(child)
            elif previous is not None and isinstance(previous.tag, str) and previous.tag in allowed:
                previous.append(child)
            else:
                holder = parent.makeelement(wrapper, {})
                child.addprevious(holder)
                holder.append(child)
                _repair_content_model(holder)
