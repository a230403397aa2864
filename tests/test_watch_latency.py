"""One edit reaches the browser as ``benchmarks/watch_latency.py`` measures it.

The benchmark's own code runs here, with one edit of the sample: ``paiban watch`` on a
copy of the book, the preview in headless Chromium, a phrase of the first chapter
replaced. The test checks what the benchmark relies on, not how fast it is: the
changed text reaches the reading view, the changed PDF page's image of the new build
loads after it (the preview shows the EPUB first), and the watch reports each phase.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from conftest import ROOT, copy_sample

sys.path.insert(0, str(ROOT / "benchmarks"))
import watch_latency  # noqa: E402


def test_one_edit_reaches_the_browser(tmp_path: Path) -> None:
    book = copy_sample(tmp_path)
    chapter = book / "chapters" / "00-xulun.md"
    original = chapter.read_text("utf-8")
    edits, log = watch_latency.measure(book, chapter, 1, tmp_path)
    assert len(edits) == 1
    edit = edits[0]
    assert 0 < edit.text_s <= edit.page_s, edit  # the reading view first, then the page's image
    assert chapter.read_text("utf-8") == original, "the benchmark puts the chapter back"
    builds = [line for line in log.splitlines() if line.startswith("build ")]
    assert len(builds) >= 2, log  # the first build and the edit's (putting the text back may make a third)
    assert re.fullmatch(r"build 2: 14 pages in [0-9.]+ s \(read and check [0-9.]+ s, EPUB [0-9.]+ s, "
                        r"PDF [0-9.]+ s\)", builds[1]), builds[1]
