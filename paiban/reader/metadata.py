"""book.yaml: parsed with line numbers, validated against a JSON Schema, made into model parts.

ruamel.yaml keeps the line of every key and item, so each schema error can name the
YAML line it is about; PyYAML's plain loader forgets them.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Sequence
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError

from paiban.errors import BookError, BookErrors


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema of book.yaml, shipped with the package."""
    return json.loads(resources.files("paiban").joinpath("schema/book.schema.json").read_text("utf-8"))


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema())


def parse_yaml(text: str, file: str, first_line: int = 1) -> Any:
    """Parse YAML text that starts at ``first_line`` of ``file``."""
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
    return data


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
            hint = "add it; see the metadata fields in the README"
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


def _known_keys(sub: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in sub:
        sub = schema()["$defs"][sub["$ref"].rsplit("/", 1)[1]]
    return sub


def unknown_fields(data: Any, file: str) -> Iterator[BookError]:
    """Keys the schema does not know, each with the closest known name (warnings, not errors)."""

    def walk(node: Any, sub: dict[str, Any], path: list[str | int]) -> Iterator[BookError]:
        sub = _known_keys(sub)
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
