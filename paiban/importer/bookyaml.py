"""The YAML an import writes: book.yaml as ``paiban new`` lays it out, and a chapter's front matter.

Both importers (a Word file, a digitized book) write book.yaml here, so a book made by
either reads like one made by ``paiban new``: the new-book template
(``paiban/resources/newbook/book.yaml``, found by
:func:`paiban.workbench.scaffold.template_root`) is read, not copied, and each top-level
field keeps the template's comment that explains it. A field the import found gets its
value, in the style of the sample manuscript (flow mappings for a contents entry and a
printing, inline lists). A field it did not find is written as the template writes it:
an optional one as its commented placeholder, so the author sees what is missing and
where it goes; a required one (publisher, ISBN…) with the template's placeholder value,
so the book passes ``check`` at once, under a comment that says it is no fact of the
source. Nested fields (the publisher's address, the layout's type area) are handled the
same way one level down. Whether the book keeps its original's pages (a reprint,
``reflow: false``) or breaks its pages anew (``reflow: true``) is the importer's to say.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import yaml

from paiban.reader.metadata import schema
from paiban.workbench.scaffold import template_root

_KEY = re.compile(r"^(# )?([a-z_]+):(?: |$)")
_CHILD = re.compile(r"^(?:  (?:# )?|#   )([a-z_]+):(?: |$)")
_PLAIN_SAFE = re.compile(r"^(?:[^\x00-\x7f][^:#\[\]{},&*!|>'\"%@`\n]*|[A-Za-z][A-Za-z0-9 _./-]*)$")
# Settings a book makes for itself, not facts a source gives: never listed as left empty.
SETTINGS = ("check", "print", "layout")


@dataclass(frozen=True)
class Section:
    """One top-level field of the template."""

    name: str
    comments: tuple[str, ...]  # the description above the key
    lines: tuple[str, ...]  # the key's own lines, as the template writes them
    blank_after: bool  # the template leaves a blank line after it

    def parts(self) -> tuple[list[str], dict[str, list[str]]]:
        """A mapping field's lines under its key: those before its first field (an explanation,
        as the layout's), and each field's lines, by name, in the template's order."""
        intro: list[str] = []
        children: dict[str, list[str]] = {}
        current: list[str] = intro
        for line in self.lines[1:]:
            if child := _CHILD.match(line):
                current = children.setdefault(child.group(1), [])
            current.append(line)
        return intro, children


def template_sections() -> tuple[list[str], list[Section]]:
    """The template's preamble and its sections, one per top-level field, in its order."""
    names = set(schema()["properties"])
    text = (template_root() / "book.yaml").read_text("utf-8")
    preamble: list[str] = []
    sections: list[Section] = []
    pending: list[str] = []  # comment lines, the description of the next field
    inside = False  # the last line read is a line of sections[-1]
    for line in text.split("\n"):
        key = _KEY.match(line)
        if key and key.group(2) in names:
            sections.append(Section(key.group(2), tuple(pending), (line,), False))
            pending, inside = [], True
        elif inside and line.startswith(("  ", "#  ")):
            sections[-1] = replace(sections[-1], lines=(*sections[-1].lines, line))
        elif not line.strip():
            if inside:
                sections[-1] = replace(sections[-1], blank_after=True)
            elif not sections:
                preamble += [*pending, ""]
                pending = []
            inside = False
        else:
            pending.append(line)
            inside = False
    return preamble, sections


def scalar(value: Any) -> str:
    """A YAML scalar: plain where it reads back the same, as the sample manuscript writes it, else quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    if _PLAIN_SAFE.match(text) and text == text.strip():
        try:
            if yaml.safe_load(text) == text:
                return text
        except yaml.YAMLError:  # a character YAML refuses unquoted: quoted below
            pass
    return json.dumps(text, ensure_ascii=False)


def front_matter(title: str, subtitle: str | None, kind: str) -> list[str]:
    """A chapter file's front matter, its ``---`` lines included: what book.yaml's contents say of it."""
    return ["---", f"title: {scalar(title)}", *([f"subtitle: {scalar(subtitle)}"] if subtitle else []),
            f"kind: {kind}", "---"]


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, str) and len(value) > 4 and not value.isascii():
        return json.dumps(value, ensure_ascii=False)  # a title in a flow mapping, quoted as the sample writes it
    return scalar(value)


def _quoted_list(values: list[Any]) -> str:
    return "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in values) + "]"


def _value_lines(name: str, value: Any, indent: str = "") -> list[str]:
    """One field in the manuscript's style."""
    if isinstance(value, dict) and indent and all(not isinstance(v, (dict, list)) for v in value.values()):
        return [f"{indent}{name}: {_flow(value)}"]  # a printing, a paper size: one line
    if isinstance(value, dict):
        out = [f"{indent}{name}:"]
        for k, v in value.items():
            out += _value_lines(k, v, indent + "  ")
        return out
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value) and name != "classification":
        return [f"{indent}{name}: {_quoted_list(value)}"]
    if isinstance(value, list):
        out = [f"{indent}{name}:"]
        for item in value:
            if isinstance(item, dict) and name == "entries":
                out.append(f"{indent}  - {_flow(item)}")
            elif isinstance(item, dict):
                first = True
                for k, v in item.items():
                    lines = _value_lines(k, v, indent + "    ")
                    lines[0] = (indent + "  - " if first else indent + "    ") + lines[0].lstrip()
                    out += lines
                    first = False
            else:
                out.append(f"{indent}  - {json.dumps(item, ensure_ascii=False)}")
        return out
    return [f"{indent}{name}: {scalar(value)}"]


def _under_key(line: str) -> str:
    """A line of a commented-out template field as it stands under a written key: ``#   x:``
    becomes ``  # x:``, commented at the field's own indentation."""
    return "  # " + line[4:] if line.startswith("#   ") else line


def _mapping(section: Section, value: Mapping[str, Any], placeholders: bool = True) -> list[str]:
    """A mapping field: its key, the template's explanation, then each of its fields in the
    template's order, with its value or (``placeholders``) as the template writes it."""
    intro, children = section.parts()
    out = [f"{section.name}:"]
    if placeholders:
        out += [_under_key(line) for line in intro]
    for name, lines in children.items():
        if name in value:
            out += _value_lines(name, value[name], "  ")
        elif placeholders:
            out += [_under_key(line) for line in lines]
    for name in value:
        if name not in children:
            out += _value_lines(name, value[name], "  ")
    return out


def book_yaml(data: Mapping[str, Any], source_name: str, *, reflow: bool,
              commented: frozenset[str] = frozenset()) -> str:
    """The text of book.yaml for ``data``, the fields an import of ``source_name`` filled (in
    any order). ``reflow`` is the book's ``layout.reflow``: false for a reprint, whose
    ``{{page N}}`` markers keep the original's pages. The fields in ``commented`` are written
    with what was found of them, commented out (a CIP record or an imprint the source gives
    only in part: their fields go together, and a part of one would break the schema)."""
    preamble, sections = template_sections()
    required = set(schema()["required"])
    out = [f"# Made by `paiban import` from {source_name}: what it gives is filled in; every other field",
           "# keeps the template's placeholder. Correct them before the book is printed.", "", *preamble]
    for section in sections:
        out += section.comments
        value = {**data.get("layout", {}), "reflow": reflow} if section.name == "layout" else data.get(section.name)
        if section.name in commented:
            out += ["# " + line for line in _mapping(section, value, placeholders=False)]
        elif value is None and section.name in required:
            out += [f"# {source_name} does not give it: replace the template's placeholder.", *section.lines]
        elif value is None:
            out += [line if line.startswith("#") else "# " + line for line in section.lines]
        elif isinstance(value, dict):
            out += _mapping(section, value)
        else:
            out += _value_lines(section.name, value)
        if section.blank_after:
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def filled_and_empty(data: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """The fields ``data`` gives a value and those book.yaml leaves to its placeholders, in the
    schema's order; a mapping's fields are listed too, dotted (``publisher.address``). A
    setting (the layout, the print options) is listed only where the source gave one."""
    filled, empty = [], []
    for name, spec in schema()["properties"].items():
        if name not in data:
            if name not in SETTINGS:
                empty.append(name)
            continue
        filled.append(name)
        children = spec.get("properties", {})
        if isinstance(data[name], dict) and name not in SETTINGS:
            filled += [f"{name}.{k}" for k in children if k in data[name]]
            empty += [f"{name}.{k}" for k in children if k not in data[name]]
    return filled, empty
