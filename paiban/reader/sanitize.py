"""Raw HTML in Markdown, and what a book's own templates make, is cleaned before it can
reach the EPUB or the PDF.

Markdown passes raw HTML through, and a manuscript may come from outside: scripts,
event-handler attributes, ``javascript:`` URLs, iframes, forms and objects must never
reach a reading system or the PDF renderer. nh3 (the Ammonia sanitizer) removes
everything not on the allowlist below; :func:`clean` also says what it removed, so
the author learns why something vanished.

A book's template overrides come from the same outside, so what they make goes
through the same allowlist (:func:`clean` with ``template=True``, widened by what
paiban's own templates emit), and a whole document one makes (``print.html``,
``document.xhtml``, ``toc.ncx``) has its head and its XML cleaned too
(:func:`clean_document`, :func:`clean_ncx`). ``style`` attributes lose any
declaration that refers to a resource a build may not use (:func:`clean_style`): the
rules are those of images (:func:`url_refusal`).
"""

from __future__ import annotations

import html as html_lib
import posixpath
import re
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import lxml.etree
import lxml.html
import nh3
import tinycss2
import tinycss2.ast

from paiban.tree import Element, drop, elements, parse, serialize

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
    "a": {"href", "data-ref"},
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

# What a book's template override may emit beyond raw HTML: what paiban's own templates
# and its transforms put on elements (``data-folio``, ``data-page-end``, ``hidden`` on
# the nav's landmarks, a list's ``style``) and ARIA at large. ``file:`` is left out:
# nothing reads a template's links to refuse them later, as the reader does a chapter's.
TEMPLATE_ATTRIBUTES = {**ATTRIBUTES, "*": GENERIC | {"style", "hidden"}}
TEMPLATE_PREFIXES = {"data-", "aria-"}
TEMPLATE_URL_SCHEMES = {"http", "https", "mailto", "data"}

MAX_DATA_URL = 256 * 1024
NETWORK_SCHEMES = {"http", "https", "ftp"}
_SCHEME = re.compile(r"\s*([a-zA-Z][a-zA-Z0-9+.-]*):")
INVALID_CSS = "invalid CSS"  # what clean_style reports for a declaration it cannot read
# What XML cannot hold, so neither XHTML nor lxml's tree: control characters, lone surrogates.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


@dataclass(frozen=True)
class Removal:
    what: str  # "<script>", "onclick=", "javascript: URL" or "url(…) in a style attribute"
    count: int
    needle: str = ""  # what to look for in the source when ``what`` does not say it

    @property
    def source_text(self) -> str:
        """What the removed thing looks like in the manuscript: ``<script``, ``onclick=``, ``javascript:``."""
        if self.needle:
            return self.needle
        if self.what.startswith("<"):
            return self.what[:-1]
        return self.what.removesuffix(" URL") if self.what.endswith(": URL") else self.what


@dataclass(frozen=True)
class UrlRefusal:
    """Why a build may not use a resource: ``reason`` reads after the URL (``"…": reason``)."""

    reason: str
    hint: str
    network: bool = False


def scheme_refusal(url: str) -> UrlRefusal | None:
    """Why the resource at ``url`` may not be used for its scheme alone, or None.

    Nothing on the network (a build never fetches), no ``file:``, ``javascript:`` or
    other scheme, ``data:`` up to 256 KB. A relative path passes: where it leads is
    :func:`url_refusal`'s question.
    """
    url = url.strip()
    if scheme := _SCHEME.match(url):
        name = scheme.group(1).lower()
        if name == "data":
            return None if len(url) <= MAX_DATA_URL else UrlRefusal(
                f"a data: URL of {len(url) // 1024} KB, more than 256 KB", "put the resource in a file in the book folder")
        if name in NETWORK_SCHEMES:
            return _network(url)
        if name == "file":
            return UrlRefusal("a file: URL", "copy the file into the book folder and refer to it by a relative path")
        return UrlRefusal(f"a {name}: URL", "remove it, or refer to a file in the book folder by a relative path")
    if url.startswith("//"):
        return _network(url)
    return None


def _network(url: str) -> UrlRefusal:
    # The hint says what the PDF's fetcher says when it meets such a URL, so either way
    # the same words tell the author the build refused it.
    return UrlRefusal("on the network", f"refused to fetch {url}: a build never uses the network; download the "
                      "file into the book folder and refer to it by a relative path", network=True)


def url_refusal(url: str) -> UrlRefusal | None:
    """Why a build may not use the resource at ``url`` (a font, a background), or None.

    The rules of images: :func:`scheme_refusal`'s, and no absolute path or ``..`` out
    of the book folder. Whether a path that stays inside is a symbolic link out needs
    the folder: :mod:`paiban.builders.css` and the PDF's URL fetcher ask that.
    """
    if refused := scheme_refusal(url):
        return refused
    path = urllib.parse.unquote(re.split(r"[?#]", url.strip(), maxsplit=1)[0])
    if path.startswith(("/", "\\")):
        return UrlRefusal("an absolute path", "give a path relative to the book folder")
    normal = posixpath.normpath(path) if path else ""
    if normal == ".." or normal.startswith("../"):
        return UrlRefusal("a path out of the book folder", "keep every file of the book inside its folder")
    return None


def css_references(nodes: Iterable[tinycss2.ast.Node]) -> Iterator[tuple[str, tinycss2.ast.Node]]:
    """Every URL some CSS refers to, with the token that holds it (for its line):
    ``url(…)`` quoted or not, ``src("…")``, and the string an ``@import`` names."""
    for node in nodes:
        if node.type == "url":
            yield node.value, node
        elif node.type == "function":
            arguments = [a for a in node.arguments if a.type not in ("whitespace", "comment")]
            if node.lower_name in ("url", "src") and arguments and arguments[0].type == "string":
                yield arguments[0].value, node
            yield from css_references(node.arguments)
        elif node.type in ("() block", "[] block", "{} block"):
            yield from css_references(node.content)
        elif node.type == "declaration":
            yield from css_references(node.value)
        elif node.type in ("qualified-rule", "at-rule"):
            prelude = [t for t in node.prelude if t.type not in ("whitespace", "comment")]
            if node.type == "at-rule" and node.lower_at_keyword == "import" and prelude and prelude[0].type == "string":
                yield prelude[0].value, prelude[0]
            yield from css_references(node.prelude)
            yield from css_references(node.content or ())


def clean_style(value: str) -> tuple[str, list[str]]:
    """A ``style`` attribute without the declarations that refer to a resource a build may
    not use (:func:`url_refusal`) or that CSS cannot read, and what those referred to.

    What CSS cannot read goes too: ``url(javascript:alert(1))`` is a bad URL token,
    whose text a reading system ignores but the EPUB would still carry. An attribute
    with nothing to refuse is returned as written, so a clean manuscript's outputs do
    not change.
    """
    try:
        nodes = [n for n in tinycss2.parse_blocks_contents(value) if n.type not in ("whitespace", "comment")]
        refusals = [_refused_in(n) for n in nodes]
    except RecursionError:  # blocks nested thousands deep: nothing a style needs
        return "", [INVALID_CSS]
    if not any(refusals):
        return value, []
    kept = [n for n, refused in zip(nodes, refusals, strict=True) if not refused]
    return "; ".join(n.serialize() for n in kept), [what for refused in refusals for what in refused]


def _refused_in(node: tinycss2.ast.Node) -> list[str]:
    """What a node of a style attribute holds that it may not: refused URLs, and
    :data:`INVALID_CSS` for what is not a declaration or holds a syntax error."""
    if node.type != "declaration":
        return [INVALID_CSS]
    refused = [url for url, _ in css_references([node]) if url_refusal(url)]
    stack = list(node.value)
    while stack:
        token = stack.pop()
        if token.type == "error":
            return [*refused, INVALID_CSS]
        stack.extend(getattr(token, "content", None) or getattr(token, "arguments", None) or ())
    return refused


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


def clean(html: str, template: bool = False) -> tuple[Element, list[Removal]]:  # noqa: A002
    """The tree of the sanitized HTML, valid XHTML content, and what was removed from it.

    This is where a chapter is parsed: once, from what nh3 returns. ``template`` cleans
    what a book's template override made: paiban's own markup passes
    (:data:`TEMPLATE_ATTRIBUTES`), and so do the links and images of the chapters it
    holds, but an image on the network does not (the reader refuses a chapter's itself,
    with its line; nothing would refuse a template's).
    """
    filtered: Counter[tuple[str, str]] = Counter()

    def attribute(tag: str, name: str, value: str) -> str | None:
        if name == "style":
            value, refused = clean_style(value)
            filtered.update(("CSS that cannot be read in a style attribute", "style=") if url == INVALID_CSS
                            else (f"url({url[:60]}) in a style attribute", url[:40]) for url in refused)
            return value or None
        if template and tag == "img" and name == "src" and (why := scheme_refusal(value)):
            filtered[(f"<{tag} src> {why.reason}", value[:40])] += 1
            return None
        return value

    cleaned = nh3.clean(html, tags=TAGS, attributes=TEMPLATE_ATTRIBUTES if template else ATTRIBUTES,
                        generic_attribute_prefixes=TEMPLATE_PREFIXES if template else None,
                        url_schemes=TEMPLATE_URL_SCHEMES if template else URL_SCHEMES, link_rel=None,
                        strip_comments=True, attribute_filter=attribute) if html.strip() else ""
    root = parse(cleaned)
    before, after = _inventory(parse(html)), _inventory(root)
    removed = [Removal(what, n - after[what]) for what, n in sorted(before.items()) if n > after[what]]
    removed += [Removal(what, n, needle) for (what, needle), n in sorted(filtered.items())]
    _repair_content_model(root)
    return root, removed


_PROLOGUE = re.compile(r"\s*(<\?xml[^>]*>)?\s*(<!DOCTYPE[^>]*>)?", re.I)
_DOCUMENT = re.compile(r"\s*(<!--.*?-->\s*)*<(\?xml|!doctype|html[\s>])", re.I | re.S)
ROOT_ATTRIBUTES = {"lang", "xml:lang", "xmlns", "xmlns:epub", "class", "dir", "id"}
META_ATTRIBUTES = {"charset", "name", "content"}  # no http-equiv: a refresh is a redirect


def is_document(html: str) -> bool:
    """Whether a template made a whole document (``<!DOCTYPE``, ``<?xml`` or ``<html>`` first)."""
    return bool(_DOCUMENT.match(html))


def clean_document(html: str, clean_css: Callable[[str], str]) -> tuple[str, list[Removal]]:
    """A whole HTML or XHTML document a book's template made, cleaned, and what was removed.

    The body is cleaned as :func:`clean` cleans a template's fragment. The head keeps
    only what paiban's own documents hold: the title, ``<meta>`` without
    ``http-equiv``, stylesheet links to files and ``<style>``, whose text
    ``clean_css`` cleans (it is CSS, which nh3 does not read); a ``<base>`` or a script
    goes. An XHTML document (``<?xml`` first) stays XHTML.
    """
    xhtml = html.lstrip().startswith("<?xml")
    doc = lxml.html.document_fromstring(_PROLOGUE.sub("", html, count=1))
    removed: Counter[str] = Counter()
    head: list[str] = []
    for el in doc.head if doc.head is not None else ():
        if not isinstance(el.tag, str):
            continue
        href = el.get("href") or ""
        if el.tag == "title":
            head.append(f"<title>{html_lib.escape(el.text_content(), quote=False)}</title>")
        elif el.tag == "meta" and set(el.attrib) <= META_ATTRIBUTES:
            head.append(f"<meta{_attributes(el, META_ATTRIBUTES)}/>")
        elif el.tag == "link" and (el.get("rel") or "").lower() == "stylesheet" and href and not scheme_refusal(href):
            head.append(f"<link{_attributes(el, {'rel', 'type', 'href'})}/>")
        elif el.tag == "style":
            css = clean_css(el.text or "")
            head.append(f"<style>{html_lib.escape(css, quote=False) if xhtml else css}</style>")
        else:
            removed[f"<{el.tag}>"] += 1
    body_attributes, inner = "", ""
    if (body := doc.find("body")) is not None:
        removed.update(f"{name}=" for name in body.attrib if name.lower().startswith("on"))
        body_attributes = _attributes(body, {"class", "id", "lang", "dir", "epub:type"})
        inner = html_lib.escape(body.text or "", quote=False) + "".join(
            lxml.html.tostring(child, encoding="unicode") for child in body)
    tree, content = clean(inner, template=True)
    prologue = '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n' if xhtml else "<!DOCTYPE html>\n"
    text = (f"{prologue}<html{_attributes(doc, ROOT_ATTRIBUTES)}>\n<head>\n" + "\n".join(head)
            + f"\n</head>\n<body{body_attributes}>\n{serialize(tree)}\n</body>\n</html>\n")
    return text, [Removal(what, n) for what, n in sorted(removed.items())] + content


def _attributes(el: Element, allowed: set[str]) -> str:
    """The attributes of ``el`` that are in ``allowed``, written out escaped."""
    return "".join(f' {name}="{html_lib.escape(value)}"' for name, value in el.attrib.items() if name in allowed)


NCX = "http://www.daisy.org/z3986/2005/ncx/"
NCX_TAGS = {"ncx", "head", "meta", "docTitle", "docAuthor", "text", "img", "navMap", "navPoint", "navLabel",
            "content", "pageList", "pageTarget", "navList", "navTarget", "navInfo"}
NCX_ATTRIBUTES = {"version", "id", "class", "playOrder", "type", "value", "name", "content", "src", "dir",
                  "{http://www.w3.org/XML/1998/namespace}lang"}


def clean_ncx(xml: str) -> tuple[str, list[Removal]]:
    """The NCX a book's ``toc.ncx`` made, with only NCX elements and attributes left, and
    what was removed. A ``src`` must be a path in the EPUB (no scheme).

    It is XML, not HTML: nh3 would lower-case ``navPoint``. It is parsed without its
    DTD or entities (no billion laughs) and never from the network. Raises ValueError
    if it is not well-formed, with the line.
    """
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True,
                                  remove_pis=True)
    try:
        root = lxml.etree.fromstring(xml.lstrip().encode("utf-8"), parser)
    except lxml.etree.XMLSyntaxError as exc:
        raise ValueError(f"the NCX it makes is not well-formed XML: {exc.msg} (line {exc.lineno})") from None
    if root.tag != f"{{{NCX}}}ncx":
        raise ValueError("what it makes is not an NCX (its root is not <ncx>)")
    removed: Counter[str] = Counter()

    def walk(parent: lxml.etree._Element) -> None:
        _clean_ncx_attributes(parent, removed)
        for el in list(parent):
            name = lxml.etree.QName(el) if isinstance(el.tag, str) else None
            if name is None or name.namespace != NCX or name.localname not in NCX_TAGS:
                removed[f"<{name.localname}>" if name else el.text or "&entity;"] += 1  # an entity: "&a;"
                drop(el)
            else:
                walk(el)  # as deep as libxml2 lets a document nest (256)

    walk(root)
    text = '<?xml version="1.0" encoding="utf-8"?>\n' + lxml.etree.tostring(root, encoding="unicode") + "\n"
    return text, [Removal(what, n) for what, n in sorted(removed.items())]


def _clean_ncx_attributes(el: lxml.etree._Element, removed: Counter[str]) -> None:
    for attribute, value in list(el.attrib.items()):
        if attribute == "src" and scheme_refusal(value):
            removed[f"{value.split(':', 1)[0].strip().lower()}: URL"] += 1
            del el.attrib[attribute]
        elif attribute not in NCX_ATTRIBUTES:
            removed[f"{lxml.etree.QName(attribute).localname}="] += 1
            del el.attrib[attribute]


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
