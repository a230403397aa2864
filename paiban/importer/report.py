"""What an import did and where it guessed: the summary printed at its end.

An importer turns a source it does not control (a Word file, a digitized printed
book) into a book folder. Some of its decisions are certain (a heading that matches
the printed contents), some are guesses (a page boundary at a paragraph's end). The
report keeps both counts and every guess as a :class:`~paiban.errors.Diagnostic`
with the place in the *source* it concerns, so a user knows where to look.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from paiban.errors import Diagnostic


@dataclass
class ImportReport:
    """Filled in by an importer as it goes; printed by ``paiban import`` at the end."""

    source: str  # the source file, as the user named it
    chapters: int = 0
    markers: int = 0  # page markers placed with certainty
    uncertain: list[Diagnostic] = field(default_factory=list)  # markers placed commented, and other guesses
    filled: list[str] = field(default_factory=list)  # metadata fields given a value, dotted (cip.isbn)
    empty: list[str] = field(default_factory=list)  # fields left as commented placeholders
    corrections: int = 0  # changes of the text itself, listed in CORRECTIONS.md

    def summary(self) -> str:
        """The lines printed at the end of an import."""
        lines = [f"imported {self.source}: {self.chapters} chapters, {self.markers} page markers placed, "
                 f"{len(self.uncertain)} uncertain, {len(self.filled)} metadata fields filled, "
                 f"{len(self.empty)} left empty, {self.corrections} corrections"]
        lines += [f"  {d.plain()}" + (f" ({d.hint})" if d.hint else "") for d in self.uncertain]
        if self.empty:
            lines.append("  left empty: " + ", ".join(self.empty))
        return "\n".join(lines)
