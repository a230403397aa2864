"""Ace by DAISY on every EPUB of the test corpus: nothing critical or serious.

Ace (installed by setup.sh into .ace/, run with Debian's Chromium) checks what EPUBCheck
does not: the languages of the package and documents, text alternatives, heading order,
ARIA roles. ``check --outputs`` reports its findings as O005 and O006; this test holds the
sample book itself to the errors' bar.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT, epubcheck, run_cli
from paiban.check.outputs import ace_findings

BOOKS = ROOT / "tests" / "books"


def _serious(epub: Path) -> str:
    faults = [f for f in ace_findings(epub) if f.impact in ("critical", "serious")]
    return "\n".join(f"{f.path}: {f.impact} {f.rule}: {f.description} ({f.element})" for f in faults)


def test_ace_finds_nothing_critical_or_serious(sample_epub: Path) -> None:
    assert not _serious(sample_epub)


@pytest.mark.parametrize("name", ["elements", "reprint"])
def test_the_corpus_books_pass_ace_and_epubcheck(name: str, tmp_path: Path) -> None:
    """The new book with every element, and the reprint with its original pages."""
    done = run_cli("epub", "--manuscript", str(BOOKS / name), "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    epub = next(tmp_path.glob("*.epub"))
    assert not _serious(epub)
    messages = epubcheck(epub)[epub]["messages"]
    assert not messages, [f"{m['ID']}: {m['message']}" for m in messages]
