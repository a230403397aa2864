"""Whether a cover's pinyin spells a title (paiban.check.pinyin): one answer for check (M010) and import (I005)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from paiban.check import check_book
from paiban.check.pinyin import capitals, spells
from paiban.workbench.scaffold import new_book


@pytest.mark.parametrize(("title", "text", "answer"), [
    ("群众路线", "QUNZHONGLUXIAN", (True, 4)),
    ("群众路线", "QUNZHONG LUXIAN", (True, 4)),  # a space where the cover breaks its line
    ("银行行长", "YINHANG HANGZHANG", (True, 4)),  # 行 read HANG, then HANG, 长 ZHANG: every reading is tried
    ("绿水", "LÜSHUI", (True, 2)),
    ("绿水", "LVSHUI", (True, 2)),
    ("群众路线", "QUNZHONGLUXIANK", (False, 4)),  # every character spelled, a letter left over
    ("实践活动", "SHIJIANKHUODONG", (False, 2)),  # the scan's K: 活 is where it goes wrong
    ("第2版", "DI2BAN", (True, 3)),
])
def test_spells(title: str, text: str, answer: tuple[bool, int]) -> None:
    assert spells(title, text) == answer


def test_a_title_of_any_length_is_answered() -> None:
    """The letters are followed character by character, not by recursion: a title of thousands
    of characters (a hostile book.yaml, or a cover block a scan ran together) is no RecursionError."""
    title = "群众路线" * 1500
    assert spells(title, "QUNZHONGLUXIAN" * 1500) == (True, 6000)
    assert spells(title, "QUNZHONGLUXIAN" * 1499 + "QUNZHONGLUXIN") == (False, 5999)


def test_capitals() -> None:
    """As the letters are compared: capitals, ü (or v, as typed) as U, no spaces or hyphens."""
    assert capitals("Lü shui") == capitals("LV-SHUI") == capitals("LU SHUI") == "LUSHUI"


def test_a_title_without_a_character_pinyin_spells(tmp_path: Path) -> None:
    """M010 names the title's character where the pinyin goes wrong; a title of marks only has
    none to name, and is still a finding at its line, not a traceback."""
    book = tmp_path / "book"
    new_book(book)
    meta = book / "book.yaml"
    meta.write_text(re.sub(r"^title: .*$", "title: “！”\ntitle_pinyin: XINSHU", meta.read_text("utf-8"), count=1,
                           flags=re.M), "utf-8")
    _, findings = check_book(book)
    assert [(f.code, f.line, f.message) for f in findings if f.code == "M010"] == [
        ("M010", 9, "title_pinyin XINSHU stands for a title without a character pinyin spells")]
