"""Whether a cover's pinyin spells the title: asked by ``check`` and by ``paiban import``.

A cover prints the title's pinyin in toneless capitals, a space where it breaks the
line (QUNZHONGLUXIAN DANGYUANGANBUDUBEN). ``check`` asks whether book.yaml's
``title_pinyin`` spells its title (M010); the importer asks it of a digitized cover,
whose scan may have added a letter (I005), to find the letter. Both ask here, so
they cannot disagree about what spells a title.

A character may have several readings (行 XING or HANG); pypinyin's phrase dictionary
would choose one for the whole title, and a correct pinyin would be refused for the
reading it did not pick. So every reading of each character is tried, and the
dictionary is not loaded at all (that also saves a third of a second on every check).
"""

from __future__ import annotations

import os
import re
from functools import cache

os.environ.setdefault("PYPINYIN_NO_PHRASES", "true")  # read when pypinyin is first imported
from pypinyin import Style, lazy_pinyin, pinyin  # noqa: E402

from paiban.check.prose import is_han  # noqa: E402


def title_characters(title: str) -> str:
    """The characters of a title that its pinyin spells: Han characters, letters and digits
    (punctuation and spaces have no pinyin)."""
    return "".join(ch for ch in title if is_han(ch) or ch.isalnum())


def capitals(text: str) -> str:
    """The letters of a pinyin line as they are compared: upper case, ü (or v) as U, nothing but
    letters and digits."""
    return re.sub(r"[^A-Z0-9]", "", text.upper().replace("Ü", "U").replace("V", "U"))


@cache
def readings(ch: str) -> tuple[str, ...]:
    """Every toneless reading of a Han character in capitals, ü written U as covers print it,
    longest first."""
    return tuple(sorted({r.upper().replace("V", "U").replace("Ü", "U")
                         for r in pinyin(ch, style=Style.NORMAL, heteronym=True)[0]}, key=len, reverse=True))


def spells(title: str, text: str) -> tuple[bool, int]:
    """Whether the pinyin ``text`` spells ``title`` exactly, trying every reading of each
    character, and how many of the title's characters (:func:`title_characters`) it spells
    from the start: the place a message can name where it goes wrong.

    The letters the first characters can take are followed as a set of positions, one
    character at a time: no recursion, so a title of any length is answered, in time
    proportional to its length."""
    chars, letters = title_characters(title), capitals(text)
    reached = {0}  # positions in letters where the characters spelled so far can end
    for i, ch in enumerate(chars):
        options = readings(ch) if is_han(ch) else (ch.upper(),)
        reached = {j + len(r) for j in reached for r in options if letters.startswith(r, j)}
        if not reached:
            return False, i
    return len(letters) in reached, len(chars)


def expected(title: str) -> str:
    """The title in capitals by pypinyin's first reading of each character: a hint, not a judgement."""
    return "".join(lazy_pinyin(title_characters(title), style=Style.NORMAL)).upper().replace("V", "U")
