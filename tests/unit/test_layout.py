"""The README's layout section matches ``ls paiban/``: a newcomer reads the pipeline from it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "paiban"
# Stages whose every module the layout names (check/ and workbench/ are named by what they hold).
LISTED = ("reader", "transforms", "builders")


def _layout() -> str:
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("## Layout of this repository", 1)[1].split("\n## ", 1)[0]
    return re.search(r"```\n(.*?)```", section, re.S).group(1)


def _entries() -> list[str]:
    return sorted(p.name + ("/" if p.is_dir() else "") for p in PACKAGE.iterdir()
                  if p.name not in ("__init__.py", "__pycache__"))


def test_every_entry_of_the_package_is_in_the_layout() -> None:
    layout = _layout()
    missing = [name for name in _entries() if not re.search(rf"(?<![\w/]){re.escape(name)}", layout)]
    assert not missing, f"README's layout section does not name {missing}"


def test_every_module_of_the_pipeline_stages_is_named() -> None:
    layout = _layout()
    missing = [str(p.relative_to(PACKAGE)) for stage in LISTED for p in (PACKAGE / stage).rglob("*.py")
               if p.name != "__init__.py" and p.name not in layout]
    assert not missing, f"README's layout section does not name {missing}"


def test_the_layout_names_nothing_that_is_gone() -> None:
    layout = _layout()
    named = set(re.findall(r"(?<![\w/.])(\w+(?:\.py|/))(?![\w.])", layout))
    present = {p.name + ("/" if p.is_dir() else "") for p in PACKAGE.rglob("*") if "__pycache__" not in p.parts}
    present.add("paiban/")
    assert not named - present, f"README's layout names {sorted(named - present)}, which do not exist"
