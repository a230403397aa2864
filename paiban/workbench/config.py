"""Defaults from ``[tool.paiban]`` in ``pyproject.toml``, for a book kept in a Python repository.

The nearest ``pyproject.toml`` at or above the working folder is read; its
``[tool.paiban]`` table may set ``manuscript`` and ``out`` (default ``manuscript``
and ``dist``), relative to the folder holding that file. Options on the command
line win over it; without the table the defaults are ``./manuscript`` and ``./dist``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from paiban.errors import BookError

KEYS = {"manuscript", "out"}


@dataclass(frozen=True)
class Settings:
    manuscript: Path = Path("manuscript")
    out: Path = Path("dist")


def find_pyproject(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load(start: Path) -> Settings:
    """The settings for a command run in ``start``."""
    path = find_pyproject(start.resolve())
    if path is None:
        return Settings()
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BookError(f"cannot read pyproject.toml: {exc}", path) from None
    table = data.get("tool", {}).get("paiban")
    if table is None:
        return Settings()
    unknown = sorted(set(table) - KEYS)
    if unknown or not all(isinstance(table.get(k, ""), str) for k in KEYS):
        raise BookError(f"[tool.paiban] takes only the text settings {', '.join(sorted(KEYS))}"
                        + (f"; unknown: {', '.join(unknown)}" if unknown else ""), path, None,
                        'for example: manuscript = "book" and out = "build/book"')
    base = path.parent
    return Settings(base / table.get("manuscript", "manuscript"), base / table.get("out", "dist"))
