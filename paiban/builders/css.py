"""Stylesheets as both builders write them: parsed as CSS, their references checked, written from tokens.

A book's ``styles/`` overrides come from outside, as its chapters do. Two things follow.

- The print HTML holds each stylesheet in a ``<style>`` element. Spliced in as text, a
  stylesheet holding ``</style>`` would end the element and go on as HTML (links,
  scripts) in the PDF and the cover spread. So a stylesheet is parsed with tinycss2
  and written back from its tokens, with every ``<`` escaped where CSS has escapes
  (``\\3c `` in a string, a name or a URL) and a ``<`` delimiter never followed by
  ``/``: ``</style`` cannot come out, whatever went in, and CSS means what it meant.
- Every resource a stylesheet refers to (``url()``, ``@import``, ``src()``,
  ``@font-face`` sources) follows the rules of images: a file inside the book folder
  (no absolute path, no ``..`` or symbolic link out), nothing on the network, no
  ``file:`` or ``javascript:`` URL, ``data:`` up to 256 KB. A refused one is an error
  at its line in the stylesheet; WeasyPrint's fetcher, which would otherwise meet it,
  knows neither (:mod:`paiban.builders.pdf.fetch`). The EPUB's stylesheets are
  written by the same code, so none of them keeps a remote reference either.

What tinycss2 cannot read as a rule (text before a ``{`` that never comes), and a rule
whose selector holds a ``<`` (HTML pasted in: no selector can), are dropped with a
warning at their line, as a browser drops them, so that neither output keeps them.
"""

from __future__ import annotations

import functools
import re
import urllib.parse
from pathlib import Path

import tinycss2
import tinycss2.ast

from paiban.errors import BookError
from paiban.log import LOGGER
from paiban.reader.sanitize import css_references, scheme_refusal

# A ``<`` delimiter on its way through the serializer: NUL never comes out of tinycss2
# (CSS turns it into U+FFFD), so it cannot be confused with anything in the source.
_DELIMITER = "\x00"
_LT = re.compile(r"(\\*)<")
_reported: set[tuple[str, int, str]] = set()


@functools.lru_cache(maxsize=64)
def clean_stylesheet(text: str, file: str, root: Path, base: Path | None = None) -> str:
    """The CSS to write for ``text``, the stylesheet reports name ``file``.

    Relative references resolve from ``base`` (the book folder, where the print
    HTML's base URL is, unless the stylesheet was imported from a folder of its own)
    and must stay inside ``root``. Raises :class:`BookError` at the line of the first
    refused reference.

    Kept per process for the same arguments: every part of the printed book (and each
    of its layouts) asks for the same few stylesheets, and parsing them again took a
    sixth of a cold build's CPU (benchmarks/RESULTS.md). A refusal is not kept: it
    is raised again, from the parse, on the next call.
    """
    try:
        rules = tinycss2.parse_stylesheet(text)
        for rule in rules:
            importing = rule.type == "at-rule" and rule.lower_at_keyword == "import"
            for url, token in css_references([rule]):
                _check(url, token.source_line, importing, file, root, base or root)
        kept: list[tinycss2.ast.Node] = []
        for rule in rules:
            if rule.type == "error":
                _warn_once(file, rule.source_line, f"dropped what is not a CSS rule: {rule.message}")
            elif rule.type == "qualified-rule" and any(t.type == "literal" and t.value == "<" for t in rule.prelude):
                _warn_once(file, rule.source_line, "dropped a rule whose selector holds '<', which no selector "
                           "may: is it HTML pasted into the stylesheet?")
            else:
                kept.append(rule)
        for token in _tokens(kept):
            if token.type == "literal" and token.value == "<":
                token.value = _DELIMITER
        return _escape(tinycss2.serialize(kept))
    except RecursionError:
        raise BookError("stylesheet nests blocks thousands deep", file, None,
                        "this is not a stylesheet a book needs; check the file") from None


def _check(url: str, line: int, importing: bool, file: str, root: Path, base: Path) -> None:
    """Refuse a reference the rules of images refuse (see the module's docstring)."""
    verb = "imports" if importing else "refers to"
    shown = url if len(url) <= 80 else url[:77] + "…"
    if refused := scheme_refusal(url):
        where = ("from" if importing else "on") + " the network"
        message = f'stylesheet {verb} "{shown}" {where}' if refused.network else \
            f'stylesheet {verb} "{shown}": {refused.reason}'
        raise BookError(message, file, line, refused.hint)
    if url.strip().lower().startswith("data:"):
        return
    path = urllib.parse.unquote(re.split(r"[?#]", url.strip(), maxsplit=1)[0])
    if not path:
        return  # url(#id) or url(): nothing outside the document
    if path.startswith(("/", "\\")):
        raise BookError(f'stylesheet {verb} "{shown}": an absolute path', file, line,
                        "give a path relative to the book folder")
    if not (base / path).resolve().is_relative_to(root.resolve()):
        raise BookError(f'stylesheet {verb} "{shown}", which points outside the book folder', file, line,
                        "keep every file of the book inside its folder (no .., no symbolic link out)")


def _tokens(nodes: list[tinycss2.ast.Node]) -> list[tinycss2.ast.Node]:
    """Every node of a parsed stylesheet, at any depth."""
    found, stack = [], list(nodes)
    while stack:
        node = stack.pop()
        found.append(node)
        for part in ("prelude", "content", "arguments"):
            stack.extend(getattr(node, part, None) or ())
    return found


def _escape(css: str) -> str:
    """Serialized CSS with each ``<`` of a string, name, URL or comment written ``\\3c ``
    (an escaped ``\\<`` loses its backslash, a literal backslash before it stays), and
    each ``<`` delimiter put back, spaced from a ``/`` after it."""
    def escaped(match: re.Match[str]) -> str:
        slashes = match.group(1)
        return (slashes[:-1] if len(slashes) % 2 else slashes) + "\\3c "

    return _LT.sub(escaped, css).replace(_DELIMITER + "/", "< /").replace(_DELIMITER, "<")


def _warn_once(file: str, line: int, message: str) -> None:
    """Warn about a stylesheet once per process: it is read again for every part of the book."""
    if (file, line, message) not in _reported:
        _reported.add((file, line, message))
        LOGGER.warning("%s:%d: %s", file, line, message)
