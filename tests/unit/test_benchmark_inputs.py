"""The benchmark's inputs hold the Chinese text they claim (benchmarks/run.py).

A benchmark that times the wrong text measures nothing: the plain-WeasyPrint baseline
once had no charset declaration, so WeasyPrint read its UTF-8 as windows-1252 and set
twice the pages of mojibake. So every input is read back here the way its tool reads
it (the book with paiban's reader, the HTML with WeasyPrint's own HTML parser from the
file's bytes) and each must hold the book's Han characters: the same count, give or
take a few per cent. No layout: small books, no WeasyPrint.
"""

from __future__ import annotations

import importlib.util
import io
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "run.py"
TOLERANCE = 0.03  # the inputs' Han counts may differ from the book's by this share


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("paiban_benchmark", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


bench = _load()


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("bench")
    reflow, reprint = folder / "reflow", folder / "reprint"
    return {"reflow": reflow, "chars": bench.make_book(reflow, 12, chapters=3),
            "reprint": reprint, "reprint_chars": bench.make_reprint_book(reprint, 12, chapters=3)}


@pytest.fixture(scope="module")
def markdown(books) -> str:
    return bench.book_markdown(books["reflow"])


def _book_han(root: Path) -> int:
    from paiban.reader import read_book

    book = read_book(root)
    return sum(bench.han(c.title) + bench.han(c.text) for c in book.chapters)


def _close(count: int, expected: int) -> bool:
    return abs(count - expected) <= TOLERANCE * expected


def test_the_book_holds_the_samples_text_as_much_as_it_says(books) -> None:
    from paiban.reader import read_book

    book = read_book(books["reflow"])
    text = "".join(c.text for c in book.chapters)
    body = sum(len(p) for c in book.chapters for p in c.text.split("\n") if p and not p.endswith("节"))
    assert book.reflow and len(book.chapters) == 3
    assert bench.sample_paragraphs()[0] in text  # the sample's own first paragraph, verbatim
    assert _close(body, books["chars"]), (body, books["chars"])
    assert bench.han(text) > 0.8 * len(text.replace("\n", ""))  # Chinese, not mojibake or markup
    assert books["chars"] >= 12 * bench.CHARS_PER_PAGE


def test_the_reprint_has_a_marker_on_every_original_page_and_the_same_text(books) -> None:
    from paiban.reader import read_book

    book = read_book(books["reprint"])
    numbers = [m.number for c in book.chapters for m in c.markers]
    assert not book.reflow and numbers == list(range(1, 13))
    text = "".join(c.text for c in book.chapters)
    assert "{{page" not in text and bench.han(text) > 0.8 * len(text.replace("\n", ""))
    # Each page is filled to FILL_LINES of the grid: about as much text per page as the reflowing book.
    per_page = books["reprint_chars"] / 12
    assert 0.6 * bench.CHARS_PER_PAGE < per_page <= bench.GRID[0] * bench.GRID[1]


def test_the_peers_markdown_holds_the_books_text(books, markdown) -> None:
    assert "{{page" not in markdown and markdown.count("\n# ") + markdown.startswith("# ") == 3
    assert _close(bench.han(markdown), _book_han(books["reflow"]))
    assert "{{page" not in bench.book_markdown(books["reprint"])


def test_the_typst_source_holds_the_text_in_the_cjk_fonts(markdown) -> None:
    source = bench.typst_source(markdown)
    assert '#set text(font: "Noto Serif CJK SC"' in source and "justify: true" in source
    assert source.count("\n= ") == 3
    assert _close(bench.han(source), bench.han(markdown))


def _parse_as_weasyprint(data: bytes) -> str:
    """The text of an HTML file as WeasyPrint reads it from its path: tinyhtml5 on the bytes,
    with no encoding given (WeasyPrint's ``HTML(filename)`` passes none), so the document's
    own declaration decides, else the parser's default (windows-1252)."""
    import tinyhtml5

    root = tinyhtml5.parse(io.BytesIO(data), namespace_html_elements=False)
    return "".join(root.find("body").itertext())


def test_the_plain_html_declares_utf8_and_weasyprint_reads_the_chinese(markdown) -> None:
    html = bench.plain_html(markdown)
    data = html.encode("utf-8")  # as run.py writes it (Path.write_text(..., "utf-8"))
    assert re.search(r'<meta charset="utf-8">', html[:1024])  # within the parser's prescan
    text = _parse_as_weasyprint(data)
    assert _close(bench.han(text), bench.han(markdown))
    assert bench.sample_paragraphs()[0][:40] in text


def test_without_the_declaration_weasyprint_would_read_mojibake(markdown) -> None:
    """The check above can fail: the same document with no charset reads as windows-1252."""
    html = bench.plain_html(markdown).replace('<meta charset="utf-8">', "")
    text = _parse_as_weasyprint(html.encode("utf-8"))
    assert bench.han(text) < 0.01 * bench.han(markdown)
    assert "æ" in text or "ä" in text


def test_the_xelatex_source_sets_the_text_with_ctex_and_noto(markdown) -> None:
    source = bench.xelatex_source(markdown)
    assert source.startswith(r"\documentclass[12pt") and "{ctexbook}" in source.splitlines()[0]
    # The faces of Noto Serif CJK SC and Noto Sans CJK SC, named so as to pick the SC face of the collection.
    assert r"\setCJKmainfont{NotoSerifCJKsc-Regular}" in source and r"\setCJKsansfont{NotoSansCJKsc-Regular}" in source
    assert "paperwidth=185mm, paperheight=260mm, hmargin=22mm, vmargin=26mm" in source
    assert source.count(r"\chapter*{") == 3 and source.rstrip().endswith(r"\end{document}")
    assert _close(bench.han(source), bench.han(markdown))


def test_tex_specials_are_escaped() -> None:
    assert bench.tex_escape(r"50% & $3 #1 a_b {x} ~ ^ \ ") == \
        r"50\% \& \$3 \#1 a\_b \{x\} \textasciitilde{} \^{} \textbackslash{} "


def test_all_inputs_hold_the_same_characters(books, markdown) -> None:
    expected = _book_han(books["reflow"])
    counts = {"markdown": bench.han(markdown), "typst": bench.han(bench.typst_source(markdown)),
              "html": bench.han(_parse_as_weasyprint(bench.plain_html(markdown).encode("utf-8"))),
              "xelatex": bench.han(bench.xelatex_source(markdown))}
    assert all(_close(n, expected) for n in counts.values()), (expected, counts)
