"""How long an edit takes to reach the live preview, measured in a real browser.

Starts ``paiban watch`` on a copy of a book, opens its preview in Debian's headless
Chromium (driven over the DevTools pipe, as ``tests/test_workbench_preview.py`` does),
waits for the first build, then changes one phrase of one paragraph several times and
measures, from the moment before the file is written:

- **text**: until the changed text is in the preview's reading view (the EPUB's chapter
  XHTML in its iframe: the new document's text in the DOM);
- **page**: until the image of the PDF page that holds the phrase, drawn from the new
  build's PDF, has loaded in the page (the pages are images, so this is when the
  changed page can be seen).

Both moments are taken inside the page (``performance.timeOrigin + performance.now()``,
the same wall clock as Python's ``time.time()``), by a script that checks every 4 ms,
so the DevTools round trips do not count. Each edit replaces the phrase with another
of the same length, so a reprint's page still fits. Books: the sample manuscript (a
reprint, each original page kept) and a reflowing book of about 190 pages made by
``benchmarks/run.py``. Usage::

    python benchmarks/watch_latency.py [--edits 5] [--books sample,190]

It prints each edit's figures and their median, min and max, and the watch's own
account of each rebuild (its phases).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pypdfium2

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "benchmarks")]
from run import SAMPLE, make_book  # noqa: E402  (benchmarks/run.py)
from test_workbench_preview import Chromium, get, serving, wait_for  # noqa: E402  (the preview test's browser)

PHRASE = "在长期斗争和建设"  # in the sample's 00-xulun.md, and in the benchmark book's chapters
NUMERALS = "一二三四五六七八九十"
WAIT_S = 120
# The command line, run from the paiban that PYTHONPATH or the environment gives (not
# build.py's folder), so a copy of paiban elsewhere can be measured against this one.
WATCH = "import sys; from paiban.cli import main; sys.exit(main())"

# Runs in the preview page: records when the reading view holds NEEDLE and when the
# image of PDF page PAGE from build BUILD has loaded (ms since the epoch), in window.__latency.
PROBE = """
(() => {
  const needle = %s, page = %d, build = %d;
  const found = window.__latency = {text: null, page: null};
  const now = () => performance.timeOrigin + performance.now();
  const tick = () => {
    if (found.text === null) {
      const body = document.getElementById('reading').contentDocument?.body;
      if (body && body.textContent.includes(needle)) found.text = now();
    }
    if (found.page === null) {
      const img = document.querySelector('#pdf-' + page + ' img');
      if (img && img.complete && img.naturalWidth > 0 && img.src.endsWith('build=' + build)) found.page = now();
    }
    if (found.text === null || found.page === null) setTimeout(tick, 4);
  };
  tick();
})();
"""


@dataclass(frozen=True)
class Edit:
    """One edit's latencies, in seconds from before the write."""

    text_s: float
    page_s: float


def variant(n: int) -> str:
    """The ``n``-th replacement of :data:`PHRASE` (n from 1 to 10), of the same length: 在第一次实时改稿…"""
    text = f"在第{NUMERALS[n - 1]}次实时改稿"
    assert len(text) == len(PHRASE)
    return text


@contextmanager
def watching(book: Path, out: Path, log: Path) -> Iterator[str]:
    """``paiban watch`` on ``book`` on a free port, as a user runs it; yields the preview's URL."""
    with serving([sys.executable, "-c", WATCH, "watch", "--port", "0", "--manuscript", str(book), "--out", str(out)],
                 book.parent, log, WAIT_S) as url:
        yield url


@contextmanager
def browser() -> Iterator[Chromium]:
    with tempfile.TemporaryDirectory(prefix="paiban-chromium-", ignore_cleanup_errors=True) as profile:
        chromium = Chromium(Path(profile))
        try:
            yield chromium
        finally:
            chromium.close()


def page_holding(pdf: Path, phrase: str) -> int:
    """The PDF page (from 1) whose text holds ``phrase`` (lines may break inside it)."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        for index in range(len(document)):
            text = document[index].get_textpage().get_text_range()
            if phrase in "".join(text.split()):
                return index + 1
    finally:
        document.close()
    raise AssertionError(f"no page of {pdf} holds {phrase!r}")


def measure(book: Path, chapter: Path, edits: int, work: Path) -> tuple[list[Edit], str]:
    """Start watch on ``book``, make ``edits`` edits of :data:`PHRASE` in ``chapter``; return
    their latencies and what the watch printed."""
    out, log = work / f"{book.name}-out", work / f"{book.name}-watch.log"
    with watching(book, out, log) as url, browser() as chromium:
        chromium.navigate(url)
        wait_for("the preview to show the first build", lambda: chromium.evaluate(
            "window.paibanPreview && window.paibanPreview.built >= 1"), WAIT_S)
        state = json.loads(get(url + "state.json"))
        href = next(c["href"] for c in state["chapters"] if c["href"].endswith(f"/{_chapter_id(chapter)}.xhtml"))
        chromium.evaluate(f"chapter.value = {json.dumps(href)}; chapter.dispatchEvent(new Event('change'))")
        wait_for("the chapter in the reading view", lambda: chromium.evaluate(
            f"(document.getElementById('reading').contentDocument?.body?.textContent ?? '').includes('{PHRASE}')"),
            WAIT_S)
        page = page_holding(next(p for p in out.glob("*.pdf") if p.stem.isdigit()), PHRASE)
        chromium.evaluate(f"document.getElementById('pdf-{page}').scrollIntoView()")  # its image loads (lazy)
        original = chapter.read_text("utf-8")
        assert original.count(PHRASE) >= 1, f"{chapter} does not hold {PHRASE}"
        results = []
        try:
            for n in range(1, edits + 1):
                results.append(_one_edit(chromium, url, chapter, original, n, page))
                time.sleep(0.5)  # the preview settles: requests of the last build are done
        finally:
            chapter.write_text(original, "utf-8")
    return results, log.read_text("utf-8")


def _one_edit(chromium: Chromium, url: str, chapter: Path, original: str, n: int, page: int) -> Edit:
    new = variant(n)
    built = json.loads(get(url + "state.json"))["built"]
    chromium.evaluate(PROBE % (json.dumps(new), page, built + 1))
    start = time.time()
    chapter.write_text(original.replace(PHRASE, new, 1), "utf-8")
    found = wait_for(f"edit {n} in the preview", lambda: chromium.evaluate(
        "window.__latency.text !== null && window.__latency.page !== null && window.__latency"), WAIT_S)
    return Edit(found["text"] / 1000 - start, found["page"] / 1000 - start)  # type: ignore[index]


def _chapter_id(chapter: Path) -> str:
    from paiban.reader.book import chapter_id

    return chapter_id(chapter)


def books(names: list[str], work: Path) -> Iterator[tuple[str, Path, Path]]:
    """(what, book folder, chapter to edit) for each book asked for."""
    for name in names:
        if name == "sample":
            book = work / "sample"
            shutil.copytree(SAMPLE, book)
            yield "sample manuscript (reprint)", book, book / "chapters" / "00-xulun.md"
        else:
            book = work / f"book{name}"
            make_book(book, int(name))
            chapters = sorted((book / "chapters").glob("*.md"))
            holding = [c for c in chapters if PHRASE in c.read_text("utf-8")]
            yield f"{name}-page book (reflowing)", book, holding[len(holding) // 2]


def summary(values: list[float]) -> str:
    return f"median {statistics.median(values):6.3f} s  min {min(values):6.3f}  max {max(values):6.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--books", default="sample,190", help="sample and page counts, e.g. sample,190")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="paiban-watch-latency-"))
    try:
        for what, book, chapter in books(args.books.split(","), work):
            results, log = measure(book, chapter, args.edits, work)
            print(f"\n== {what}: {args.edits} edits of one phrase in {chapter.name} ==")
            for i, r in enumerate(results, 1):
                print(f"edit {i}: text in the reading view {r.text_s:.3f} s, changed PDF page shown {r.page_s:.3f} s")
            print(f"text in the reading view: {summary([r.text_s for r in results])}")
            print(f"changed PDF page shown:   {summary([r.page_s for r in results])}")
            print("watch's account of its builds:")
            print("".join(f"  {line}\n" for line in log.splitlines() if line.startswith("build ")), end="")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
