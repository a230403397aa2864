"""Which font file fontconfig gives for a family: the one place paiban asks it.

Pango (and so WeasyPrint) resolves CSS font families through fontconfig; asking
``fc-match`` the same question tells the glyph check and the font embedder which
files will really be used, and whether a family is installed at all (fontconfig
silently substitutes another family for a missing one).
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .errors import BookError


@dataclass(frozen=True)
class FontMatch:
    file: Path
    index: int  # face index in a collection (.ttc)
    families: tuple[str, ...]  # the names of the family fontconfig chose


@functools.cache
def match(pattern: str) -> FontMatch:
    """fontconfig's best match for a pattern such as ``Noto Sans CJK SC:style=Bold``."""
    if shutil.which("fc-match") is None:
        raise BookError("fc-match (fontconfig) not found", None, None, "install fontconfig (setup.sh does)")
    try:
        out = subprocess.run(["fc-match", "-f", "%{family}\n%{file}\n%{index}", pattern],
                             capture_output=True, text=True, check=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise BookError(f"cannot look up fonts with fc-match: {exc}", None, None,
                        "install fontconfig (setup.sh does)") from None
    families, file, index = (out.split("\n") + ["", "", ""])[:3]
    return FontMatch(Path(file), int(index or 0), tuple(families.split(",")))


def require(family: str, style: str = "Regular") -> FontMatch:
    """The installed face of ``family``; a BookError if fontconfig would substitute another."""
    found = match(f"{family}:style={style}")
    if family not in found.families:
        raise BookError(f"font {family} {style} is not installed (fontconfig would use {found.families[0]})",
                        None, None, "install it: ./setup.sh installs fonts-noto-cjk")
    return found
