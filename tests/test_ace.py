"""Ace by DAISY on the sample EPUB: nothing critical or serious.

Ace (installed by setup.sh into .ace/, run with Debian's Chromium) checks what EPUBCheck
does not: the languages of the package and documents, text alternatives, heading order,
ARIA roles. ``check --outputs`` reports its findings as O005 and O006; this test holds the
sample book itself to the errors' bar.
"""

from __future__ import annotations

from pathlib import Path

from paiban.check.outputs import ace_findings


def test_ace_finds_nothing_critical_or_serious(sample_epub: Path) -> None:
    findings = ace_findings(sample_epub)
    faults = [f for f in findings if f.impact in ("critical", "serious")]
    assert not faults, "\n".join(f"{f.path}: {f.impact} {f.rule}: {f.description} ({f.element})" for f in faults)
