"""book.yaml: parsed with line numbers, validated against a JSON Schema, made into model parts.

ruamel.yaml keeps the line of every key and item, so each schema error can name the
YAML line it is about; PyYAML's plain loader forgets them.

The schema declares each field once, with its type, its default and what it means:
the reader takes the defaults from it (:func:`defaults`), and docs/metadata.md's table
is generated from it (:func:`fields`, :mod:`paiban.reader.fielddocs`).
"""

from __future__ import annotations

import copy
import difflib
import json
import math
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from paiban.errors import BookError, BookErrors


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema of book.yaml, shipped with the package."""
    return json.loads(resources.files("paiban").joinpath("schema/book.schema.json").read_text("utf-8"))


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema())


# A scalar longer than this is no metadata value (a page of text is under 2,000 characters);
# a number of more digits than this is refused before Python is asked to make it an int.
MAX_SCALAR_CHARS = 20_000
MAX_DIGITS = 30


def parse_yaml(text: str, file: str, first_line: int = 1) -> Any:
    """Parse YAML text that starts at ``first_line`` of ``file``.

    The text comes from outside, so before it is loaded its tokens are scanned: no
    aliases (``*name``; a book has no use for them, and nested ones expand
    exponentially: the "billion laughs"), no huge scalars or numbers. After loading,
    every value is checked for what no field may hold: NaN or infinity (JSON
    Schema's bounds let them through), lone surrogates and control characters
    (they make non-well-formed XHTML).
    """
    _scan_tokens(text, file, first_line)
    try:
        data = YAML(typ="rt", pure=True).load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        hint = "check indentation, colons and quotes on this line and the one before"
        unclosed = _unclosed_quote(text, mark.line if mark else 0)
        if unclosed is not None:
            hint = f"the quote opened on line {unclosed + first_line} is not closed on its line"
        raise BookError(f"YAML syntax error: {problem}", file, line, hint) from None
    except Exception as exc:  # ruamel raises a few non-marked errors (e.g. duplicate keys)
        raise BookError(f"YAML error: {exc}".splitlines()[0], file, first_line) from None
    _check_values(data, file, first_line)
    return data


def _scan_tokens(text: str, file: str, first_line: int) -> None:
    from ruamel.yaml.tokens import AliasToken, ScalarToken

    try:
        for token in YAML(typ="rt", pure=True).scan(text):
            line = token.start_mark.line + first_line
            if isinstance(token, AliasToken):
                raise BookError(f"YAML alias *{token.value} is not read in a book's metadata", file, line,
                                "write the value out instead of referring to an anchor (&name)")
            if isinstance(token, ScalarToken):
                value = token.value
                if len(value) > MAX_SCALAR_CHARS:
                    raise BookError(f"a value of {len(value):,} characters", file, line,
                                    f"metadata values are short; at most {MAX_SCALAR_CHARS:,} characters")
                digits = value.lstrip("+-").replace("_", "")
                if token.plain and len(digits) > MAX_DIGITS and digits.isdigit():
                    raise BookError(f"a number of {len(digits):,} digits", file, line,
                                    "quote it if it is text (an ISBN, a phone number); no field takes such a number")
    except YAMLError:
        return  # the loader reports the syntax error with its context


def _check_values(node: Any, file: str, first_line: int, line: int | None = None) -> None:
    """Refuse NaN and infinity, lone surrogates and control characters anywhere in the data."""
    items: list[tuple[Any, int | None]] = []
    if isinstance(node, dict):
        lc = getattr(node, "lc", None)
        for key, value in node.items():
            where = lc.key(key)[0] + first_line if lc is not None and key in lc.data else line
            items += [(key, where), (value, where)]
    elif isinstance(node, list):
        lc = getattr(node, "lc", None)
        items += [(value, lc.item(i)[0] + first_line if lc is not None and i in lc.data else line)
                  for i, value in enumerate(node)]
    elif isinstance(node, float) and not math.isfinite(node):
        raise BookError(f"{node} is not a number a book can use", file, line, "write a finite number, such as 12")
    elif isinstance(node, str):
        bad = next((ch for ch in node if 0xD800 <= ord(ch) <= 0xDFFF
                    or (unicodedata.category(ch) == "Cc" and ch not in "\t\n")), None)
        if bad is not None:
            raise BookError(f"the text {node[:20]!r} holds U+{ord(bad):04X}, a control character or lone surrogate", file, line,
                            "remove it: it cannot be printed, and it breaks the EPUB's XML")
    for value, where in items:
        _check_values(value, file, first_line, where)


def _unclosed_quote(text: str, before: int) -> int | None:
    """The 0-based index of the last line before ``before`` with an odd number of '"'.

    A quote left open makes the parser fail lines later, where the next quote closes
    it; pointing at the line where it opened is what the user needs.
    """
    lines = text.split("\n")[:before]
    for index in range(len(lines) - 1, -1, -1):
        if lines[index].replace('\\"', "").count('"') % 2:
            return index
    return None


def line_of(data: Any, path: Sequence[str | int]) -> int | None:
    """The 1-based line of the deepest node along ``path`` that has a known position."""
    line: int | None = getattr(getattr(data, "lc", None), "line", None)
    line = line + 1 if line is not None else None
    node = data
    for step in path:
        lc = getattr(node, "lc", None)
        try:
            if isinstance(step, int):
                pos = lc.item(step) if lc is not None else None
            else:
                pos = lc.key(step) if lc is not None else None
            if pos is not None:
                line = pos[0] + 1
            node = node[step]
        except (KeyError, IndexError, TypeError, AttributeError):
            break
    return line


def _describe(path: Sequence[str | int]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(path)) or "book"


SCHEMA_CODE = "M004"  # check's rule for schema errors (paiban.check.SCHEMA_ERROR)


def schema_errors(data: Any, file: str) -> list[BookError]:
    """Every place where ``data`` breaks the schema, as errors naming the YAML line."""
    if not isinstance(data, dict):
        return [BookError("book.yaml must be a mapping of fields (title: …, isbn: …)", file, 1)]
    validator = _validator()
    errors = []
    for err in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        path = list(err.absolute_path)
        where = _describe(path)
        if err.validator == "required":
            missing = err.message.split("'")[1]
            message = f"missing required field '{missing}' in {where}"
            hint = "add it; docs/metadata.md lists every field"
        elif err.validator == "type":
            message = f"{where} should be of type {err.validator_value}, not {type(err.instance).__name__}"
            hint = "quote strings that YAML could read as numbers"
        elif err.validator == "enum":
            message = f"{where} is {err.instance!r}; expected one of {', '.join(map(str, err.validator_value))}"
            hint = None
        elif err.validator == "pattern":
            message = f"{where} {err.instance!r} is not in the expected form"
            hint = f"it must match {err.validator_value}"
        else:
            message = f"{where}: {err.message}"
            hint = None
        errors.append(BookError(message, file, line_of(data, path), hint, SCHEMA_CODE))
    return errors


def _resolved(sub: dict[str, Any]) -> dict[str, Any]:
    """The schema a ``$ref`` points at (the one kind the book schema uses: ``#/$defs/…``), or ``sub`` itself."""
    if "$ref" in sub:
        sub = schema()["$defs"][sub["$ref"].rsplit("/", 1)[1]]
    return sub


def _node(path: str) -> dict[str, Any]:
    """The schema of the mapping at dotted ``path`` (``"layout"``, ``"contents.entries"``):
    a list on the way stands for its items, as each item is what a model object is made of."""
    node = schema()
    for name in path.split(".") if path else ():
        node = _resolved(node)["properties"][name]
        node = node.get("items", node)
    return _resolved(node)


def defaults(path: str) -> dict[str, Any]:
    """The schema's defaults of the fields of the mapping at ``path``, by field name.

    The reader lays the book's own values over them, so a default is declared once, in
    the schema, where docs/metadata.md shows it. Each call gets copies: a caller's
    change cannot reach the cached schema.
    """
    return {name: copy.deepcopy(sub["default"]) for name, sub in _node(path).get("properties", {}).items()
            if "default" in sub}


@dataclass(frozen=True)
class Field:
    """One field of book.yaml as the schema declares it: a row of docs/metadata.md's table."""

    path: str  # "publisher.name"; "[]" stands for each item of a list: "contents[].entries[].page"
    required: bool  # required whenever its parent is given
    type: str  # "string", "integer 1–12", "list of mappings (≥ 1)", "one of section, reading"
    default: str | None  # spelt in JSON, which YAML reads alike: "3", "false", '"section"'
    description: str


# A JSON object is what YAML, and so book.yaml's author, calls a mapping.
TYPE_NAMES = {"object": "mapping"}


def _bounds(low: Any, above: Any, high: Any) -> str:
    """``1–12``, ``≥ 1`` or ``> 0, ≤ 1``: a minimum, exclusive minimum and maximum as read."""
    if low is not None and high is not None:
        return f"{low}–{high}"
    parts = [f"≥ {low}" if low is not None else "", f"> {above}" if above is not None else "",
             f"≤ {high}" if high is not None else ""]
    return ", ".join(p for p in parts if p)


def _name(sub: dict[str, Any]) -> str:
    """A field's kind without bounds: an enum by its values, as those are what the author may write."""
    sub = _resolved(sub)
    if "enum" in sub:
        return "one of " + ", ".join(map(str, sub["enum"]))
    return TYPE_NAMES.get(sub["type"], sub["type"])


def _type(sub: dict[str, Any]) -> str:
    """The type of a field in words, with the bounds the schema sets on numbers and lists."""
    sub = _resolved(sub)
    if sub.get("type") == "array":
        count = _bounds(sub.get("minItems"), None, sub.get("maxItems"))
        return f"list of {_name(sub['items'])}s" + (f" ({count})" if count else "")
    bounds = _bounds(sub.get("minimum"), sub.get("exclusiveMinimum"), sub.get("maximum"))
    return f"{_name(sub)} {bounds}" if bounds else _name(sub)


def fields() -> Iterator[Field]:
    """Every field of book.yaml, each before the fields inside it, in the schema's order."""

    def walk(node: dict[str, Any], prefix: str) -> Iterator[Field]:
        node = _resolved(node)
        required = node.get("required", ())
        for name, sub in node.get("properties", {}).items():
            default = json.dumps(sub["default"], ensure_ascii=False) if "default" in sub else None
            yield Field(prefix + name, name in required, _type(sub), default, sub.get("description", ""))
            if "items" in sub:
                yield from walk(sub["items"], f"{prefix}{name}[].")
            else:
                yield from walk(sub, f"{prefix}{name}.")

    yield from walk(schema(), "")


def unknown_fields(data: Any, file: str) -> Iterator[BookError]:
    """Keys the schema does not know, each with the closest known name (warnings, not errors)."""

    def walk(node: Any, sub: dict[str, Any], path: list[str | int]) -> Iterator[BookError]:
        sub = _resolved(sub)
        if isinstance(node, dict) and "properties" in sub:
            props = sub["properties"]
            for key, value in node.items():
                if key in props:
                    yield from walk(value, props[key], [*path, key])
                else:
                    close = difflib.get_close_matches(str(key), list(props), n=1)
                    hint = f"did you mean '{close[0]}'?" if close else f"known fields: {', '.join(props)}"
                    yield BookError(f"unknown field '{key}' in {_describe(path)}", file,
                                    line_of(data, [*path, key]), hint)
        elif isinstance(node, list) and "items" in sub:
            for i, item in enumerate(node):
                yield from walk(item, sub["items"], [*path, i])

    yield from walk(data, schema(), [])


def read_metadata(text: str, file: str) -> tuple[Any, list[BookError]]:
    """Parse and validate the text of book.yaml (``file`` as reports name it): raise on
    schema errors; return the data and the unknown fields, which ``check`` reports as
    warnings (rule M011)."""
    data = parse_yaml(text, file)
    errors = schema_errors(data, file)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise BookErrors(errors)
    return data, list(unknown_fields(data, file))
