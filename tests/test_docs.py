"""The documentation is kept true: every ```console example in docs/ runs, and every link resolves.

In a ``console`` block, a line starting with ``$ `` is a command, run by bash in a
temporary folder that holds a copy of the sample book as ``manuscript/`` (so the
defaults ``manuscript`` and ``dist`` apply); ``paiban`` is this checkout's
``build.py``. The lines after a command are text its output must contain. The
commands of one page share the folder, in order. Examples that cannot end (``paiban
watch``) are written as indented code instead, and are not run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLE

DOCS = ROOT / "docs"
BLOCK = re.compile(r"^```console\n(.*?)^```", re.S | re.M)
LINK = re.compile(r"\]\(([^)#\s]+)(#[^)]*)?\)")


def steps(page: Path) -> list[tuple[str, list[str]]]:
    """(command, lines its output must contain) for every example of a page."""
    found: list[tuple[str, list[str]]] = []
    for block in BLOCK.findall(page.read_text("utf-8")):
        for line in block.splitlines():
            if line.startswith("$ "):
                found.append((line[2:], []))
            elif line.strip():
                assert found, f"{page.name}: output before any command in a console block"
                found[-1][1].append(line.strip())
    return found


PAGES = [p for p in sorted(DOCS.glob("*.md")) if steps(p)]


def test_the_topics_have_pages_with_examples() -> None:
    names = {p.name for p in PAGES}
    assert {"manuscript.md", "metadata.md", "templates.md", "print.md", "workbench.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_examples_run(page: Path, tmp_path: Path) -> None:
    shutil.copytree(SAMPLE, tmp_path / "manuscript")
    tools = tmp_path.parent / f"{tmp_path.name}-bin"
    tools.mkdir()
    shim = tools / "paiban"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{ROOT / "build.py"}" "$@"\n', "utf-8")
    shim.chmod(0o755)
    env = {**os.environ, "PATH": f"{tools}:{Path(sys.executable).parent}:{os.environ['PATH']}"}
    for command, expected in steps(page):
        result = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True,
                                timeout=600)
        output = result.stdout + result.stderr
        assert result.returncode == 0, f"{page.name}: `{command}` exited {result.returncode}:\n{output}"
        for line in expected:
            assert line in output, f"{page.name}: `{command}` did not print {line!r}:\n{output}"


def test_links_resolve() -> None:
    for page in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]:
        prose = re.sub(r"`[^`\n]*`", "", page.read_text("utf-8"))  # Markdown shown as code is no link
        for target, _ in LINK.findall(prose):
            if re.match(r"[a-z]+:", target):
                continue
            assert (page.parent / target).exists(), f"{page.name} links to {target}, which does not exist"


def test_readme_links_every_page() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    for page in sorted(DOCS.glob("*.md")):
        assert f"(docs/{page.name})" in readme, f"the README does not link docs/{page.name}"
