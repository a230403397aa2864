"""Property-based tests: arbitrary text and metadata never crash the reader or the builders.

The only exception allowed out of paiban is its own BookError, and an EPUB built from
any text that reads must be well-formed XHTML throughout and pass EPUBCheck.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from pathlib import Path

import lxml.etree as etree
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import ROOT, epubcheck
import pytest

from paiban.builders.epub import build_epub
from paiban.compose import cover_image
from paiban.errors import BookError
from paiban.reader import read_book

MINIMAL = ROOT / "tests" / "fixtures" / "minimal"
FRONT = "---\ntitle: 第一章\nkind: chapter\n---\n"
# Text made of what manuscripts are made of: CJK, ASCII, Markdown and HTML punctuation,
# markers, newlines, and anything else Unicode has.
PIECES = st.sampled_from(["群众", "路线", "。", "，", "“", "”", "《", "》", "#", "## ", "*", "_", "`", "```", "[", "]",
                          "(", ")", "!", "<", ">", "&", "&amp;", "<b>", "</b>", "<script>", "{{page 3}}", "{{page",
                          "}}", "{#x}", "[^1]", "[^1]: 注", "|", "-", " ", "\n", "\n\n", "\t", "\\", "\r\n", "\x00",
                          "\ufeff", "\u200b", "𠀀", "😀"])
TEXT = st.lists(st.one_of(PIECES, st.text(max_size=5)), max_size=60).map("".join)
# The EPUBs built here; removed with the module's last test (the cover image is cached in it).
OUT = Path(tempfile.mkdtemp(prefix="paiban-prop-out-"))
SETTINGS = settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture(autouse=True, scope="module")
def _remove_outputs():
    yield
    shutil.rmtree(OUT, ignore_errors=True)


def book_with(body: str, meta_edit: tuple[str, str] | None = None) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="paiban-prop-")) / "book"
    shutil.copytree(MINIMAL, folder)
    (folder / "chapters" / "01.md").write_text(FRONT + body, "utf-8", errors="surrogatepass")
    if meta_edit:
        meta = folder / "book.yaml"
        meta.write_text(meta.read_text("utf-8").replace(*meta_edit), "utf-8", errors="surrogatepass")
    return folder


def reads_or_explains(folder: Path) -> None:
    """Read the book: it reads, or paiban says why in a BookError; nothing else escapes."""
    try:
        read_book(folder)
    except BookError as exc:
        assert str(exc)
    finally:
        shutil.rmtree(folder.parent)


@SETTINGS
@given(TEXT)
def test_any_chapter_text_reads_or_gives_a_book_error(body: str) -> None:
    reads_or_explains(book_with(body))


VALUES = st.one_of(st.text(max_size=30), st.integers(), st.floats(allow_nan=True), st.booleans(), st.none(),
                   st.lists(st.text(max_size=5), max_size=3))


@SETTINGS
@given(st.sampled_from(["title", "language", "date", "isbn", "contributors", "publisher", "contents", "layout"]),
       VALUES)
def test_any_metadata_value_reads_or_gives_a_book_error(field: str, value: object) -> None:
    import json

    folder = book_with("正文。\n")
    meta = folder / "book.yaml"
    meta.write_text(meta.read_text("utf-8") + f"\n{field}: {json.dumps(value, ensure_ascii=False)}\n", "utf-8")
    reads_or_explains(folder)


BUILT: list[Path] = []


@settings(deadline=None, max_examples=8, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
# Found by this test: an unclosed <b> in a footnote was reopened between list items,
# and the note's back link pointed at a reference that does not exist.
@example("[^1]: 注<b>《。{#x}")
@example("## &amp;")
def test_epub_of_any_text_that_reads_is_well_formed(body: str) -> None:
    folder = book_with(body)
    try:
        book = read_book(folder)
    except BookError:
        shutil.rmtree(folder.parent)
        return
    target = OUT / f"{len(BUILT)}.epub"
    build_epub(book, target, cover_image(book, OUT))
    with zipfile.ZipFile(target) as z:
        for name in z.namelist():
            if name.endswith((".xhtml", ".opf", ".ncx")):
                etree.fromstring(z.read(name), etree.XMLParser(resolve_entities=False, no_network=True))
    BUILT.append(target)
    shutil.rmtree(folder.parent)


def test_those_epubs_pass_epubcheck() -> None:
    assert BUILT, "the property above built no EPUB"
    for path, report in epubcheck(*BUILT[:2], *BUILT[-3:]).items():
        messages = [f"{m['ID']}: {m['message']}" for m in report["messages"] if m["severity"] in ("FATAL", "ERROR")]
        assert not messages, (path, messages)
