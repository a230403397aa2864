"""book.yaml from outside: what YAML allows but no book may hold is refused at its line, quickly."""

from __future__ import annotations

import time

import pytest

from paiban.errors import BookError
from paiban.reader.metadata import parse_yaml

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(9)) + "unknown: *j\n"


@pytest.mark.parametrize(("text", "line", "message"), [
    (BOMB, 2, r"YAML alias \*a is not read"),
    ("title: 书\nlayout:\n  font_size_pt: .nan\n", 3, r"nan is not a number"),
    ("title: 书\nlayout:\n  trim_width_mm: .inf\n", 3, r"inf is not a number"),
    ('title: "书\\ud800名"\n', 1, r"U\+D800, a control character or lone surrogate"),
    ('title: 书\ndescription: "响\\a铃"\n', 2, r"U\+0007"),
    ("title: 书\ndate: 2026\nprice: " + "9" * 5000 + "\n", 3, r"a number of 5,000 digits"),
])
def test_refused_at_its_line(text: str, line: int, message: str) -> None:
    start = time.monotonic()
    with pytest.raises(BookError, match=message) as caught:
        parse_yaml(text, "book/book.yaml")
    assert caught.value.line == line
    assert time.monotonic() - start < 2


def test_ordinary_metadata_still_reads() -> None:
    assert parse_yaml("title: 书\nlayout:\n  font_size_pt: 10.5\ncontributors:\n  - {name: 某, role: author}\n",
                      "book.yaml")["layout"]["font_size_pt"] == 10.5
