"""Where a book's templates run: Jinja's sandbox, narrowed to what a book's templates need, with limits.

A book folder may come from outside and be built on a shared server, and its
``templates/`` overrides are Jinja code. In a plain environment that code reaches
Python (``cycler.__init__.__globals__.os``) and the file system (``book.root`` is a
``Path``). Jinja's immutable sandbox closes the first (no ``_`` attributes, no
changing lists and dicts); :class:`BookSandbox` closes the rest:

- **What a template may touch**: no path object, lxml element, file or module, by
  attribute or by item; and nothing may be called but the methods of ``str``,
  ``int``, ``float``, ``list``, ``tuple`` and ``dict``, the template's own macros and
  loops, and the globals ``range`` (at most 100,000 items), ``dict``, ``namespace``,
  ``cycler`` and ``joiner``. Properties of the model (``book.cip.number_display``)
  are values and read as such; its methods (``chapter.tree()``, which hands out an
  lxml tree) are refused.
- **How much it may make**: no value built by an operator, a method, a filter, ``~``
  or a macro, and no output, larger than :data:`MAX_SIZE`, checked *before* the big
  ones are made (``'x' * 10**11`` must be an error, not an attempt to allocate
  100 GB), and no integer of more than :data:`MAX_INT_BITS` bits.
- **How long it may run**: :data:`TIME_LIMIT_S` per rendering
  (:func:`time_limit`); a macro calling itself ends in Python's RecursionError.

Each refusal is a :class:`jinja2.exceptions.SecurityError` (or the exception Python
raises), which :func:`paiban.builders.templates.render_template` reports at the
template's line.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import io
import re
import signal
import string
import sys
import threading
import time
import types
from collections.abc import Callable, Iterable, Iterator
from pathlib import PurePath
from typing import Any

import jinja2
import jinja2.compiler
import jinja2.nodes
import jinja2.runtime
import jinja2.utils
import lxml.etree
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

# Characters (or list items × 8) a value a template builds, or a rendering, may hold.
# paiban hands a template a chapter body made from up to the reader's 20 MB of
# Markdown, whose HTML is larger; values the template passes on (``body | safe``)
# and the document around it must fit.
MAX_SIZE = 64 * 1024 * 1024
MAX_INT_BITS = 4096
TIME_LIMIT_S = 5.0
# The types whose methods a template may call: nothing of theirs reaches beyond the value.
SAFE_TYPES = (str, int, float, list, tuple, dict)
# What reaches the file system, or hands out something that does (lxml's XPath reads files).
FILE_SYSTEM = (PurePath, lxml.etree._Element, lxml.etree._ElementTree, io.IOBase, types.ModuleType)
SAFE_GLOBALS = ("range", "dict", "namespace", "cycler", "joiner")


class TemplateTimeout(Exception):
    """A template ran longer than :data:`TIME_LIMIT_S`."""


def size(value: object, budget: int = MAX_SIZE) -> int:
    """An upper estimate of what ``value`` holds (characters; 8 per item of a collection),
    which is also about what it makes printed. It stops counting once past ``budget``:
    ``[s] * 10**6`` must be refused without being walked."""
    if isinstance(value, str | bytes):
        return len(value)
    if isinstance(value, int):
        return value.bit_length() // 3 + 2
    if isinstance(value, dict):
        items: Iterable[object] = (x for pair in value.items() for x in pair)
    elif isinstance(value, list | tuple | set | frozenset):
        items = value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):  # printed as its fields
        items = (getattr(value, f.name) for f in dataclasses.fields(value))
    else:
        return 64
    total = 2
    for item in items:
        total += 8 + size(item, budget - total)
        if total > budget:
            break
    return total


def _limit(estimate: int, what: str) -> None:
    if estimate > MAX_SIZE:
        raise SecurityError(f"{what} would make a value of {estimate:,} characters or more, "
                            f"more than the {MAX_SIZE // 1024 // 1024} MB a template may build")


def _number(value: object, default: int = 0) -> int:
    return value if isinstance(value, int) else default


def _replaced(s: object, old: object, new: object, count: object = -1) -> int:
    """The size of ``str(s).replace(str(old), str(new), count)``, before it is made."""
    _limit(size(s) + size(old) + size(new), "replace")
    s, old, new = str(s), str(old), str(new)
    n = s.count(old) if old else len(s) + 1
    return len(s) + min(n, count if isinstance(count, int) and count >= 0 else n) * len(new)


_PRINTF = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?[diouxXeEfFgGcrsa%]")


def _printf(template: str, values: object) -> int:
    """The size of ``template % values``, before it is made (its widths count)."""
    widths = 0
    for match in _PRINTF.finditer(template):
        for width in match.groups():
            if width == "*":
                raise SecurityError("a '*' width in a % format is not allowed in a book's template")
            widths += int(width or 0)
    return len(template) + widths + size(values)


def _format(template: str, values: list[object]) -> int:
    """The size of ``template.format(*values)``, before it is made: each field may print
    the largest value, padded to its width."""
    fields, widths = 0, 0
    for _, field, spec, _ in string.Formatter().parse(template):
        if field is None:
            continue
        if "{" in (spec or ""):
            raise SecurityError("a nested field in a format specification is not allowed in a book's template")
        fields += 1
        widths += sum(int(n) for n in re.findall(r"\d+", spec or ""))
    return len(template) + widths + fields * max((size(v) for v in values), default=0)


def _indented(s: object, width: object = 4, *_: object, **__: object) -> int:
    """The size of ``s | indent(width)``: each line gets the indent."""
    lines = s.count("\n") + 1 if isinstance(s, str) else size(s)
    return size(s) + lines * (width if isinstance(width, int) else size(width))


def _translated(s: str, table: object, *_: object, **__: object) -> int:
    """The size of ``s.translate(table)``: each character may become the longest replacement."""
    replacements = table.values() if isinstance(table, dict) else table if isinstance(table, list | tuple) else ()
    return len(s) * max([size(r) for r in replacements] or [1])


def _padded(s: str, width: object, *_: object, **__: object) -> int:
    """The size of ``s.center(width)``, ``ljust``, ``rjust``, ``zfill``."""
    return max(len(s), _number(width))


# Sizes of the results of the filters and methods that can make more than they are
# given, from their arguments (after the value they apply to).
FILTER_SIZES: dict[str, Callable[..., int]] = {
    "center": lambda value, width=80, *_, **__: max(size(value), _number(width)),
    "indent": _indented,
    "replace": lambda s, old, new, count=None, *_, **__: _replaced(s, old, new, count),
    "join": lambda value, d="", *_, **__: size(value) + size(d) * len(value),
    "format": lambda value, *args, **kwargs: _printf(str(value), args or kwargs),
    "wordwrap": lambda s, width=79, break_long_words=True, wrapstring=None, *_, **__:
    size(s) * (1 + size(wrapstring or "\n")),
    "batch": lambda value, linecount, *_, **__: size(value) + 8 * _number(linecount),
    "slice": lambda value, slices, *_, **__: size(value) + 8 * _number(slices),
    "tojson": lambda value, indent=None, *_, **__: size(value) * (6 + _number(indent)),
}
METHOD_SIZES: dict[str, Callable[..., int]] = {
    "center": _padded, "ljust": _padded, "rjust": _padded, "zfill": _padded,
    "expandtabs": lambda s, tabsize=8, *_, **__: len(s) + s.count("\t") * max(_number(tabsize, 8), 0),
    "replace": lambda s, old, new, count=-1, *_, **__: _replaced(s, old, new, count),
    "join": lambda s, items, *_, **__: size(items) + len(s) * len(items),
    "translate": _translated,
    "to_bytes": lambda n, length=1, *_, **__: _number(length),
}


def _estimate(sizes: Callable[..., int], args: tuple[Any, ...], kwargs: dict[str, Any], what: str) -> None:
    """Refuse a call whose result would be too large. A call the estimate cannot read
    (wrong arguments) is left to fail on its own, with Python's own message."""
    try:
        estimate = sizes(*args, **kwargs)
    except (TypeError, AttributeError):
        return
    _limit(estimate, what)


def _materialized(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """The arguments with an iterator turned into a list, so that its size can be known
    before the call consumes it (``'-'.join(items | map('string'))``)."""
    return tuple(list(a) if isinstance(a, Iterator) else a for a in args)


class _BoundedFormat:
    """``str.format`` of the sandbox, refusing a result that would be too large."""

    def __init__(self, template: str, format_map: bool, call: Callable[..., str]) -> None:
        self.template, self.format_map, self.call = template, format_map, call

    def __call__(self, *args: Any, **kwargs: Any) -> str:
        values = list(args[0].values()) if self.format_map and args and isinstance(args[0], dict) \
            else [*args, *kwargs.values()]
        _limit(_format(self.template, values), "format")
        return self.call(*args, **kwargs)


# What a piece of output costs beyond its characters: its place in a list. A loop making
# one character at a time must be stopped before its list of pieces fills the memory.
PIECE = 8


class _Buffer(list[str]):
    """What a macro, a call block or a ``{% set %}`` block has made so far, refused as soon
    as it holds more than :data:`MAX_SIZE` (Jinja joins it only when the block ends)."""

    def __init__(self) -> None:
        super().__init__()
        self.size = 0

    def append(self, part: str) -> None:
        self._grow(len(part) + PIECE)
        super().append(part)

    def extend(self, parts: Iterable[str]) -> None:
        parts = tuple(parts)
        self._grow(sum(len(p) + PIECE for p in parts))
        super().extend(parts)

    def _grow(self, n: int) -> None:
        self.size += n
        if self.size > MAX_SIZE:
            raise SecurityError(f"the template makes more than {MAX_SIZE // 1024 // 1024} MB")


class _CodeGenerator(jinja2.compiler.CodeGenerator):
    """Jinja's code generator with what grows checked as it grows: the result of ``~`` (in
    a loop or a macro that calls itself, ``s ~ s`` doubles a string at each step) and
    the buffers macros and blocks write into (:class:`_Buffer`)."""

    def visit_Concat(self, node: jinja2.nodes.Concat, frame: jinja2.compiler.Frame) -> None:
        self.write("environment.bounded(")
        super().visit_Concat(node, frame)
        self.write(")")

    def buffer(self, frame: jinja2.compiler.Frame) -> None:
        frame.buffer = self.temporary_identifier()
        self.writeline(f"{frame.buffer} = environment.buffer()")


class BookSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, narrowed and bounded for a book's templates (see the module)."""

    intercepted_binops = frozenset({"+", "*", "**", "%"})
    code_generator_class = _CodeGenerator

    def __init__(self, filters: dict[str, Callable[..., Any]], **options: Any) -> None:
        super().__init__(**options)
        self.globals = {name: self.globals[name] for name in SAFE_GLOBALS}  # no lipsum(): text by the megabyte
        self._callable_globals = tuple(self.globals.values())
        self.filters = {name: self._bounded_filter(name, f) for name, f in {**self.filters, **filters}.items()}

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        return (super().is_safe_attribute(obj, attr, value) and not isinstance(obj, FILE_SYSTEM)
                and not isinstance(value, FILE_SYSTEM) and (not callable(value) or self.is_safe_callable(value)))

    def is_safe_callable(self, obj: Any) -> bool:
        if not super().is_safe_callable(obj):
            return False
        if isinstance(obj, types.BuiltinMethodType | types.MethodType):
            owner = obj.__self__
            return (isinstance(owner, SAFE_TYPES) and not isinstance(owner, type)) or isinstance(
                owner, jinja2.runtime.LoopContext | jinja2.utils.Cycler)
        return isinstance(obj, jinja2.runtime.Macro | jinja2.runtime.LoopContext | jinja2.runtime.BlockReference
                          | jinja2.utils.Joiner | _BoundedFormat) or any(obj is g for g in self._callable_globals)

    def unsafe_undefined(self, obj: Any, attribute: str) -> jinja2.Undefined:
        """Refuse at once, not with an undefined value: ``book.root.__class__`` must say
        that ``root`` is refused, not that an undefined value has no ``__class__``."""
        raise SecurityError(f"a book's template may not use {attribute!r} of a {type(obj).__name__}")

    def getitem(self, obj: Any, argument: Any) -> Any:
        value = super().getitem(obj, argument)
        return self.unsafe_undefined(obj, str(argument)) if isinstance(value, FILE_SYSTEM) else value

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        if not __self.is_safe_callable(__obj):
            raise SecurityError(f"{getattr(__obj, '__name__', type(__obj).__name__)}() may not be called "
                                "from a book's template")
        if isinstance(__obj, types.BuiltinMethodType | types.MethodType) and isinstance(__obj.__self__, SAFE_TYPES) \
                and (sizes := METHOD_SIZES.get(__obj.__name__)):
            args = _materialized(args)
            _estimate(sizes, (__obj.__self__, *args), kwargs, f"{__obj.__name__}()")
        return __self.bounded(__context.call(__obj, *args, **kwargs))

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for sequence, times in ((left, right), (right, left)):
                if isinstance(times, int) and not isinstance(sequence, int | float):
                    _limit(size(sequence) * max(times, 0), "*")
            if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise SecurityError(f"* would make an integer of more than {MAX_INT_BITS} bits")
        elif operator == "**":
            if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1 \
                    and right * abs(left).bit_length() > MAX_INT_BITS:
                raise SecurityError(f"** would make an integer of more than {MAX_INT_BITS} bits")
        elif operator == "%" and isinstance(left, str):
            _limit(_printf(left, right), "%")
        elif operator == "+" and not (isinstance(left, int | float) and isinstance(right, int | float)):
            _limit(size(left) + size(right), "+")
        return self.binop_table[operator](left, right)

    def wrap_str_format(self, value: Any) -> _BoundedFormat | None:
        call = super().wrap_str_format(value)
        return None if call is None else _BoundedFormat(value.__self__, value.__name__ == "format_map", call)

    def bounded(self, value: Any) -> Any:
        """``value``, if it is not too large to keep (called on what ``~`` makes too)."""
        _limit(size(value), "the template")
        return value

    def buffer(self) -> _Buffer:
        return _Buffer()

    def concat(self, parts: Iterable[str]) -> str:  # type: ignore[override]
        """Join what a rendering, a macro or a block made, refusing more than a rendering
        may produce as soon as there is more (a loop may make it a piece at a time)."""
        if isinstance(parts, _Buffer):  # counted as it was written
            return "".join(parts)
        kept = _Buffer()
        for part in parts:
            kept.append(part)
        return "".join(kept)

    def render(self, name: str, context: dict[str, Any]) -> str:
        """Render the template ``name`` within the time and output limits."""
        with time_limit(TIME_LIMIT_S):
            return self.concat(self.get_template(name).generate(**context))

    def _bounded_filter(self, name: str, f: Callable[..., Any]) -> Callable[..., Any]:
        """``f`` with the size of its result checked: before the call for the filters that can
        make more than they are given (:data:`FILTER_SIZES`), after it for every filter."""
        sizes = FILTER_SIZES.get(name)
        skip = 1 if hasattr(f, "jinja_pass_arg") else 0  # the context the filter asks for comes first

        @functools.wraps(f)
        def bounded(*args: Any, **kwargs: Any) -> Any:
            if sizes is not None:
                args = _materialized(args)
                _estimate(sizes, args[skip:], kwargs, f"the {name} filter")
            return self.bounded(f(*args, **kwargs))

        return bounded


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`TemplateTimeout` in the code within once it has run ``seconds``.

    In the main thread of a process (a build, its workers) by ``SIGALRM``, which stops
    any Python code and costs nothing until then; the alarm repeats every half second
    after, in case something swallows the first. The timer and handler found are put
    back after. In another thread (``paiban watch`` rebuilds in one) signals cannot
    reach it, so a trace function checks the clock at each line of the template's code.
    """
    message = f"the template ran for more than {seconds:g} seconds"
    if threading.current_thread() is not threading.main_thread():
        with _traced_deadline(time.monotonic() + seconds, message):
            yield
        return
    active = True

    def alarm(signum: int, frame: types.FrameType | None) -> None:
        if active:
            raise TemplateTimeout(message)

    handler = signal.signal(signal.SIGALRM, alarm)
    delay, interval = signal.setitimer(signal.ITIMER_REAL, seconds, 0.5)
    start = time.monotonic()
    try:
        yield
    finally:
        active = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, handler if handler is not None else signal.SIG_DFL)
        if delay:
            signal.setitimer(signal.ITIMER_REAL, max(delay - (time.monotonic() - start), 1e-3), interval)


@contextlib.contextmanager
def _traced_deadline(deadline: float, message: str) -> Iterator[None]:
    """Raise :class:`TemplateTimeout` at the next line of template code after ``deadline``.

    Only the frames of templates (code compiled from a template file, not a ``.py``) are
    traced line by line; Python's own frames only cost the call to :func:`calls`.
    """
    def lines(frame: types.FrameType, event: str, arg: object) -> Callable[..., object] | None:
        if time.monotonic() > deadline:
            raise TemplateTimeout(message)
        return lines

    def calls(frame: types.FrameType, event: str, arg: object) -> Callable[..., object] | None:
        return None if frame.f_code.co_filename.endswith(".py") else lines

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        yield
    finally:
        sys.settrace(previous)
