"""Notes: 页下注 in print, 章后注 when a book asks for them, EPUB 3 notes with labelled back links.

A reflowing book is written here with notes over several pages: three notes on one
page, a note of two paragraphs, a note called twice on two pages. Each call follows a
label (标记甲 …), and each note opens with the same label (甲注 …), so a call and its
note are matched by what the PDF shows. What is proved is read from the PDF's
character boxes (pdfplumber: size, position, font) and its pixels (the rule), and from
the EPUB's XHTML; a reprint's pages are read as tests/test_pagebreaks.py reads them.
"""

from __future__ import annotations

import logging
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import lxml.etree
import pdfplumber
import pytest

from conftest import epubcheck, run_cli
from paiban import compose
from paiban.builders.pdf.html import Adjustments, part_html
from paiban.builders.pdf.layout import MEASURES, layout_html
from paiban.check.outputs import ace_findings
from paiban.errors import BookError
from paiban.reader import read_book
from paiban.reader.elements import CIRCLED
from paiban.transforms.notes import Measured, footnotes
from paiban.tree import parse, serialize

TESTS = Path(__file__).parent
MINIMAL = TESTS / "fixtures" / "minimal"
REPRINT = TESTS / "books" / "reprint"
MM = 72 / 25.4
# The default geometry (book.schema.json): 185 × 260 mm, 12/21 pt, 33 characters × 28 lines.
TOP = (260 * MM - 28 * 21) / 2
LEFT = (185 * MM - 33 * 12) / 2
AREA_WIDTH = 33 * 12
BODY, NOTE, CALL = 12, 9, 7.2  # the sizes of the body, the notes and a call: 0.8 of a note, 0.6 of the body (print.css)
TEXT = "群众路线是我们党的生命线和根本工作路线，是我们党永葆青春活力和战斗力的重要传家宝。"
LABELS = "甲乙丙丁戊己庚辛壬"


def _paragraph(k: int, calls: str = "", short: bool = False) -> str:
    """A paragraph of about four lines (three if ``short``); ``calls`` are labels whose notes it calls,
    in its second line."""
    marks = "".join(f"标记{label}[^{label}]" for label in calls)
    return f"第{k}段。{TEXT[:30]}{marks}{TEXT[30:]}{TEXT}{'' if short else TEXT}"


def write_book(folder: Path, notes: str | None = None) -> Path:
    """A reflowing book of one chapter with nine notes over three or more pages.

    Two paragraphs are a line short, so that in the first layout a paragraph starts at
    the foot of a page that has notes, and WeasyPrint moves the notes on to make room
    for it (paiban.transforms.notes)."""
    book = folder / "book"
    shutil.copytree(MINIMAL, book)
    layout = "layout:\n  reflow: true\n" + (f"  notes: {notes}\n" if notes else "")
    meta = book / "book.yaml"
    meta.write_text(meta.read_text("utf-8").replace("contents:", layout + "contents:"), "utf-8")
    calls = {0: "甲", 2: "乙", 5: "丙丁戊", 7: "己", 10: "庚", 12: "辛甲", 13: "壬"}
    body = []
    for k in range(15):
        if k == 9:
            body.append("## 二、第二节")
        body.append(_paragraph(k, calls.get(k, ""), short=k in (2, 6)))
    defs = [f"[^{label}]: {label}注：这是第{n}条注释，说明这一段话的出处，见《毛泽东选集》第三卷。"
            for n, label in enumerate(LABELS, 1) if label != "丁"]
    defs.append("[^丁]: 丁注：这条注释有两段。第一段说明一件事情，写得足够长，可以折成两行以上的文字，"
                "用来看悬挂的编号对不对。\n\n    另起一段：这是同一条注释的第二段，它接着说明另一件事情。")
    front = "---\ntitle: 第一章\nsubtitle: 小小的开头\nkind: chapter\n---\n## 一、第一节\n\n"
    (book / "chapters" / "01.md").write_text(front + "\n\n".join(body + defs) + "\n", "utf-8")
    return book


def _build(book: Path, out: Path, what: str = "pdf") -> Path:
    done = run_cli(what, "--manuscript", str(book), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "WARNING" not in done.stderr, done.stderr
    return out


@pytest.fixture(scope="module")
def footnoted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output folder of the book with its notes at the page feet (the default), EPUB and PDF."""
    folder = tmp_path_factory.mktemp("footnotes")
    return _build(write_book(folder), folder / "out", "all")


@pytest.fixture(scope="module")
def endnoted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("endnotes")
    return _build(write_book(folder, "endnotes"), folder / "out")


def _pdf(out: Path) -> Path:
    return next(out.glob("*[0-9].pdf"))


@dataclass
class Page:
    """What one PDF page shows in its type area."""

    index: int
    body: list[dict]  # body characters (and headings)
    calls: list[tuple[str, str]]  # (number, label of the note) in reading order
    notes: list[tuple[str, str]]  # (number, label) of each note at the foot, top to bottom
    note_chars: list[dict]  # the notes' characters in reading order


def _in_area(c: dict, height: float) -> bool:
    return c["top"] >= TOP - 1 and c["bottom"] <= height - TOP + 1 and c["text"].strip() != ""


def _reading_order(chars: list[dict]) -> list[dict]:
    return sorted(chars, key=lambda c: (round(c["bottom"]), c["x0"]))


def _label_before(call: dict, body: list[dict]) -> str:
    """The body character just left of a call on its line: the label its note opens with
    (none if the call opens its line)."""
    left = [c for c in body if abs(c["bottom"] - call["bottom"]) < BODY and c["x1"] <= call["x0"] + 0.5]
    return max(left, key=lambda c: c["x0"])["text"] if left else ""


def read_pages(pdf: Path) -> list[Page]:
    pages = []
    with pdfplumber.open(pdf) as doc:
        for index, page in enumerate(doc.pages):
            chars = [c for c in page.chars if _in_area(c, page.height)]
            body = [c for c in chars if c["size"] > NOTE + 0.5]
            calls = [c for c in chars if abs(c["size"] - CALL) < 0.3 and c["text"] in CIRCLED]
            small = _reading_order([c for c in chars if abs(c["size"] - NOTE) < 0.3])
            notes = []
            for k, c in enumerate(small):
                if c["text"] in CIRCLED and abs(c["x0"] - LEFT) < 1 and k + 1 < len(small):
                    notes.append((c["text"], small[k + 1]["text"]))
            pages.append(Page(index, body, [(c["text"], _label_before(c, body)) for c in _reading_order(calls)],
                              notes, small))
    return pages


def _numbers(n: int) -> list[str]:
    return list(CIRCLED[:n])


def test_each_note_is_at_the_foot_of_its_calls_page(footnoted: Path) -> None:
    pages = read_pages(_pdf(footnoted))
    with_notes = [p for p in pages if p.calls]
    assert len(with_notes) >= 3, "the notes should run over three pages or more"
    for page in with_notes:
        assert [label for _, label in page.calls] == [label for _, label in page.notes], f"page {page.index + 1}"
        lowest_body = max(c["bottom"] for c in page.body)
        assert all(c["top"] > lowest_body for c in page.note_chars), "a note stands above the body's last line"
    called = sorted(label for p in with_notes for _, label in p.calls)
    assert called == sorted(LABELS + "甲"), "every note is printed once per call, 甲 twice"
    pages_of_jia = [p.index for p in with_notes if "甲" in [label for _, label in p.notes]]
    assert len(pages_of_jia) == 2, "a note called on two pages is printed on both"


def test_the_numbers_start_from_one_on_every_page(footnoted: Path) -> None:
    pages = [p for p in read_pages(_pdf(footnoted)) if p.calls]
    assert max(len(p.calls) for p in pages) >= 3, "one page should hold three notes"
    for page in pages:
        assert [n for n, _ in page.calls] == _numbers(len(page.calls)), f"calls of page {page.index + 1}"
        assert [n for n, _ in page.notes] == _numbers(len(page.notes)), f"notes of page {page.index + 1}"


def test_the_layouts_settle_the_notes(tmp_path: Path) -> None:
    """The measures of the notes ask nothing more of the last layout they made: it converged."""
    book = read_book(write_book(tmp_path))
    chapter = book.chapters[0]
    adjust = Adjustments()
    asked = []
    for _ in range(3):
        document = layout_html(book, part_html(book, "chapter", chapter, adjust=adjust))
        found = Adjustments()
        for measure in MEASURES:
            found = found.merged(measure(book, chapter, document))
        asked.append(found)
        adjust = adjust.merged(found)
    assert asked[0].note_pages and asked[0].note_room, "the first layout numbers through and moves notes on"
    assert not (asked[-1].note_pages or asked[-1].note_room or asked[-1].long_notes), asked


def _note_lines(page: Page) -> list[list[dict]]:
    lines: dict[int, list[dict]] = {}
    for c in page.note_chars:
        lines.setdefault(round(c["bottom"]), []).append(c)
    return [sorted(line, key=lambda c: c["x0"]) for _, line in sorted(lines.items())]


def test_notes_are_set_smaller_with_a_hanging_number(footnoted: Path) -> None:
    page = next(p for p in read_pages(_pdf(footnoted)) if "丁" in [label for _, label in p.notes])
    lines = _note_lines(page)
    assert {round(c["size"], 1) for line in lines for c in line} == {NOTE}
    assert {round(c["size"]) for c in page.body} >= {BODY}
    pitches = {round(b[0]["bottom"] - a[0]["bottom"], 1) for a, b in zip(lines, lines[1:])}
    assert pitches == {14.0}, "the notes keep their own line pitch"
    ding = next(k for k, line in enumerate(lines) if line[1]["text"] == "丁")
    number, text = lines[ding][0], lines[ding][1]
    assert abs(number["x0"] - LEFT) < 0.5
    assert abs(lines[ding + 1][0]["x0"] - text["x0"]) < 0.5, "a note's second line hangs under its text"
    second = next(line for line in lines if "".join(c["text"] for c in line).startswith("另起一段"))
    assert abs(second[0]["x0"] - (text["x0"] + 2 * NOTE)) < 0.5, "the second paragraph starts its own indented line"


@pytest.mark.parametrize("built", ["footnoted", "endnoted"])
def test_the_body_keeps_its_line_pitch_beside_the_calls(built: str, request: pytest.FixtureRequest) -> None:
    for page in read_pages(_pdf(request.getfixturevalue(built))):
        baselines = sorted({round(c["bottom"], 1) for c in page.body if round(c["size"]) == BODY})
        if len(baselines) < 2 or not page.calls:
            continue
        steps = {round(b - a, 1) for a, b in zip(baselines, baselines[1:])}
        assert steps <= {21.0, 63.0} and 21.0 in steps, (page.index, steps)  # a line, or a heading's two lines


def test_a_short_rule_stands_above_the_notes(footnoted: Path) -> None:
    import pypdfium2

    pdf = _pdf(footnoted)
    pages = [p for p in read_pages(pdf) if p.notes]
    document = pypdfium2.PdfDocument(pdf)
    scale = 4  # pixels per point
    for page in pages:
        image = document[page.index].render(scale=scale).to_pil().convert("L")
        top = max(c["bottom"] for c in page.body)
        bottom = min(c["top"] for c in page.note_chars)
        rows = []
        for y in range(int((top + 1) * scale), int((bottom - 2) * scale)):  # (ink may rise above a char's box)
            dark = [x for x in range(image.width) if image.getpixel((x, y)) < 128]
            if dark:
                rows.append((min(dark), max(dark)))
        assert rows, f"no rule above the notes of page {page.index + 1}"
        left, right = min(r[0] for r in rows) / scale, max(r[1] for r in rows) / scale
        assert abs(left - LEFT) < 1, "the rule starts at the type area's left edge"
        assert abs((right - left) - AREA_WIDTH / 4) < 2, f"the rule is {right - left:.1f} pt long, not a quarter"


def test_no_back_arrow_in_print_or_epub(footnoted: Path) -> None:
    with pdfplumber.open(_pdf(footnoted)) as doc:
        assert not any("↩" in (page.extract_text() or "") for page in doc.pages)
    with zipfile.ZipFile(next(footnoted.glob("*.epub"))) as z:
        assert not any("↩" in z.read(name).decode("utf-8") for name in z.namelist() if name.endswith(".xhtml"))


def test_endnotes_stand_at_the_chapters_end_numbered_through_it(endnoted: Path) -> None:
    with pdfplumber.open(_pdf(endnoted)) as doc:
        chars = [(index, c) for index, page in enumerate(doc.pages)
                 for c in _reading_order([c for c in page.chars if _in_area(c, page.height)])]
    heading = next(k for k, (_, c) in enumerate(chars)
                   if c["text"] == "注" and chars[k + 1][1]["text"] == "释" and "Sans" in c["fontname"])
    text = "".join(c["text"] for _, c in chars)
    before, after = chars[text.index("第0段"):heading], chars[heading + 2:]  # the chapter's text, its notes
    assert all(round(c["size"], 1) == NOTE for _, c in after), "only the notes follow the heading 注释"
    assert not any(round(c["size"], 1) == NOTE for _, c in before), "no note stands at a page's foot"
    calls = [c["text"] for _, c in before if c["text"] in CIRCLED]
    numbers = [c["text"] for k, (_, c) in enumerate(after)
               if c["text"] in CIRCLED and abs(c["x0"] - LEFT) < 1]
    labels = [after[k + 1][1]["text"] for k, (_, c) in enumerate(after) if c["text"] in CIRCLED and abs(c["x0"] - LEFT) < 1]
    assert numbers == _numbers(len(LABELS)), "numbered ①… through the chapter"
    assert labels == list(LABELS)
    assert calls == [*_numbers(8), "①", "⑨"], "the calls read the notes' numbers (甲's second call after 辛's)"


def test_epub_notes_are_epub3_notes_with_labelled_back_links(footnoted: Path) -> None:
    epub = next(footnoted.glob("*.epub"))
    with zipfile.ZipFile(epub) as z:
        root = lxml.etree.fromstring(z.read("EPUB/text/c01.xhtml"))
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    etype = "{http://www.idpf.org/2007/ops}type"
    by_id = {el.get("id"): el for el in root.iter() if el.get("id")}
    calls = root.findall(".//x:a[@class='noteref']", ns)
    assert len(calls) == len(LABELS) + 1
    for call in calls:
        assert (call.get(etype), call.get("role")) == ("noteref", "doc-noteref")
        note = by_id[call.get("href").removeprefix("#")]
        assert (note.tag, note.get(etype), note.get("role")) == ("{%s}aside" % ns["x"], "footnote", "doc-footnote")
    notes = root.findall(".//x:aside", ns)
    assert len(notes) == len(LABELS)
    for note in notes:
        back = note.find(".//x:a", ns)
        assert (back.get("role"), back.get("aria-label"), back.text) == ("doc-backlink", "返回正文", note.get("data-note"))
        first_call = next(c for c in calls if c.get("href") == f"#{note.get('id')}")
        assert back.get("href") == f"#{first_call.get('id')}"
        assert "".join(note.itertext()).strip().startswith(back.text), "the back link opens the note"
    jia = [c for c in calls if c.get("href") == calls[0].get("href")]
    assert len(jia) == 2 and jia[1].get("id") is None, "the second call of a note links to it without an id of its own"


def test_the_epub_with_notes_is_clean(footnoted: Path) -> None:
    epub = next(footnoted.glob("*.epub"))
    messages = epubcheck(epub)[epub]["messages"]
    assert not [m for m in messages if m["severity"] in ("FATAL", "ERROR", "WARNING")], messages
    faults = [f for f in ace_findings(epub) if f.impact in ("critical", "serious")]
    assert not faults, faults


@pytest.mark.expect_warnings
def test_a_note_longer_than_a_page_is_a_warning_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    book = Path("book")
    shutil.copytree(TESTS / "check" / "B003" / "book", book)
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logging.getLogger("paiban").addHandler(handler)
    try:
        compose.build(read_book(book), Path("out"), "pdf", compose.Options())
    finally:
        logging.getLogger("paiban").removeHandler(handler)
    found = [r.diagnostic for r in records if hasattr(r, "diagnostic") and r.diagnostic.code == "B003"]
    source = (book / "chapters" / "01.md").read_text("utf-8").split("\n")
    call_line = next(k for k, line in enumerate(source, 1) if "[^long]" in line and not line.startswith("[^"))
    assert [(d.file, d.line) for d in found] == [("book/chapters/01.md", call_line)]
    pages = read_pages(_pdf(Path("out")))
    call_page = next(p.index for p in pages if p.calls)
    assert not pages[call_page].note_chars and pages[call_page + 1].note_chars, "the note was set on the next page"
    assert len({round(c["bottom"]) for c in pages[call_page].body}) >= 4, "the call's page keeps its text"


def _reprint(tmp_path: Path, extra: str) -> Path:
    book = tmp_path / "book"
    shutil.copytree(REPRINT, book)
    chapter = book / "chapters" / "01.md"
    chapter.write_text(chapter.read_text("utf-8") + extra, "utf-8")
    return book


def test_a_reprints_notes_belong_to_the_original_page_of_their_call(tmp_path: Path) -> None:
    """A marker inside a note-bearing paragraph splits it; each half's note stays on its page."""
    book = _reprint(tmp_path, "\n这一段带着注释[^a]，原书的这一页在这一段的中间结束；下一页从这一段的后半{{page 7}}"
                              "句开始，后半句还有另一个注释[^b]。\n\n[^a]: 第一个注释，属于第六页。\n\n"
                              "[^b]: 第二个注释，属于第七页。\n")
    done = run_cli("pdf", "--manuscript", str(book), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    pages = read_pages(_pdf(tmp_path / "out"))
    six, seven = pages[-2], pages[-1]
    assert "".join(c["text"] for c in _reading_order(seven.body)).startswith("句开始")
    # page six already holds the reprint book's own note (①): this one is its second
    assert [n for n, _ in six.calls] == ["①", "②"] and [n for n, _ in seven.calls] == ["①"]
    assert "②第一个注释，属于第六页" in "".join(c["text"] for c in six.note_chars)
    assert "".join(c["text"] for c in seven.note_chars[1:]).startswith("第二个注释，属于第七页")


def test_an_original_page_whose_text_and_notes_do_not_fit_is_an_error(tmp_path: Path) -> None:
    book = _reprint(tmp_path, "\n" + "\n\n".join([TEXT * 3] * 5) + "\n\n这一段带着一条长注释[^a]。\n\n{{page 7}}\n\n第七页。\n\n"
                    "[^a]: " + "这是一条长注释，" * 60 + "\n")
    done = run_cli("pdf", "--manuscript", str(book), "--out", str(tmp_path / "out"))
    assert done.returncode == 1
    source = (book / "chapters" / "01.md").read_text("utf-8").split("\n")
    marker = next(k for k, line in enumerate(source, 1) if "{{page 6}}" in line)
    assert f"chapters/01.md:{marker}: original page 6 overflows the type area" in done.stderr, done.stderr


MARKER = '<span class="pagebreak" id="page-{n}" aria-label="{n}" data-line="{line}"></span>'
NOTES = ('<p>正文<a class="noteref" href="#fn-c-1" id="fnref-c-1">①</a>再<a class="noteref" href="#fn-c-1">①</a>。</p>'
         '<section class="notes"><aside class="note" id="fn-c-1" data-note="①"><p>第一段{tail}</p>'
         '<p>第二段</p></aside></section>')


def test_a_note_becomes_html_a_paragraph_can_hold() -> None:
    root = parse(NOTES.format(tail=""))
    footnotes(Measured(pages={"1": 0, "2": 1}), False, "ch.md")(root)
    out = serialize(root)
    assert "<section" not in out and out.count("<p") == 1, "one paragraph left, the notes moved into it"
    first, second = root.findall(".//span[@data-call]")
    assert [k.text for k in root.findall(".//span[@class='keep-call']")] == ["文", "再"], "each kept with its character"
    assert [s.getparent().get("class") for s in (first, second)] == ["keep-call"] * 2
    assert first.get("id") == "fn-c-1" and second.get("id") is None, "the second call's copy has no id"
    assert first.text == "第一段" and first[0].get("class") == "note-block note-p" and first[0].text == "第二段"
    assert "page-first" in first.get("class") and "page-first" in second.get("class"), "each is first on its page"


def test_a_page_marker_inside_a_note_is_an_error_in_a_reprint() -> None:
    root = parse(NOTES.format(tail=MARKER.format(n=3, line=12)))
    with pytest.raises(BookError, match=r"\{\{page 3\}\} stands inside a note") as caught:
        footnotes(Measured(), True, "ch.md")(root)
    assert (caught.value.file, caught.value.line) == ("ch.md", 12)


# A call stays with the character before it (clreq: no line starts with a note call).
# Each call of this book follows the character that ends a full line (the 31st of a
# paragraph's first line, after the indent, or the 64th: the end of its second), so
# without the keep Pango breaks between the two and the call opens the next line.
HAN = "群众路线是我们党的生命线和根本工作路线是我们党永葆青春活力和战斗力的重要传家宝" * 4
LINE_ENDS = [  # (characters before the one the call follows, what the call follows, the calls)
    (30, "甲", "[^甲]"), (63, "乙", "[^乙]"), (30, "丙", "[^丙][^丁]"), (29, "*戊己*", "[^戊]"),
    (30, "庚", "[^庚]"), (63, "辛", "[^辛]"), (30, "壬", "[^壬]")]
KEPT_LABELS = "甲乙丙丙己庚辛壬"  # the character each call follows, in order
KEPT_NOTES = "甲乙丙丁戊庚辛壬"  # each call's note, by the label it opens with


def write_line_end_book(folder: Path) -> Path:
    book = folder / "book"
    shutil.copytree(MINIMAL, book)
    meta = book / "book.yaml"
    meta.write_text(meta.read_text("utf-8").replace("contents:", "layout:\n  reflow: true\ncontents:"), "utf-8")
    body = []
    for k in range(16):
        if k == 12:
            body.append("## 二、第二节")
        if k % 2:
            body.append(HAN[k:k + 100])
        else:
            before, label, marks = LINE_ENDS[k // 2] if k // 2 < len(LINE_ENDS) else (0, "", "")
            body.append(f"{HAN[:before]}{label}{marks}。{HAN[before:before + 60]}" if label else HAN[:90])
    defs = [f"[^{label}]: {label}注：这是一条注释。" for label in KEPT_NOTES]
    front = "---\ntitle: 第一章\nsubtitle: 小小的开头\nkind: chapter\n---\n## 一、第一节\n\n"
    (book / "chapters" / "01.md").write_text(front + "\n\n".join(body + defs) + "\n", "utf-8")
    return book


@pytest.fixture(scope="module")
def kept(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("kept")
    return _build(write_line_end_book(folder), folder / "out", "all")


def test_no_line_starts_with_a_note_call(kept: Path) -> None:
    pages = [p for p in read_pages(_pdf(kept)) if p.calls]
    assert len(pages) >= 2 and max(len(p.calls) for p in pages) >= 2, "calls on two pages, two on one"
    assert "".join(label for p in pages for _, label in p.calls) == KEPT_LABELS, "each call follows its character"
    with pdfplumber.open(_pdf(kept)) as doc:
        for page in pages:
            calls = _reading_order([c for c in doc.pages[page.index].chars
                                    if abs(c["size"] - CALL) < 0.3 and c["text"] in CIRCLED])
            for call in calls:
                line = sorted([c for c in page.body if abs(c["bottom"] - call["bottom"]) < BODY] + [
                    c for c in calls if abs(c["bottom"] - call["bottom"]) < 1], key=lambda c: c["x0"])
                assert line[0]["text"] not in CIRCLED, f"page {page.index + 1}: a line starts with {call['text']}"
                before = line[line.index(call) - 1]
                assert before["x1"] <= call["x0"] + 0.5 and call["x0"] - before["x1"] < 1, "the call is next to it"
                if before["text"] not in CIRCLED:
                    # the character ended a full line: it went to the next line with its call
                    assert abs(before["x0"] - LEFT) < 0.5, f"page {page.index + 1}: {before['text']} starts no line"


def test_the_kept_calls_are_numbered_from_one_on_every_page(kept: Path) -> None:
    pages = [p for p in read_pages(_pdf(kept)) if p.calls]
    notes = iter(KEPT_NOTES)
    for page in pages:
        assert [n for n, _ in page.calls] == _numbers(len(page.calls)), f"calls of page {page.index + 1}"
        assert page.notes == list(zip(_numbers(len(page.calls)), [next(notes) for _ in page.calls])), page.index


def test_a_line_with_a_kept_call_is_justified_evenly(kept: Path) -> None:
    """The line the character and its call open, and the line it left, both reach the type
    area's right edge; the space the justification adds is the same between any two
    characters, inside the kept pair and beside it."""
    with pdfplumber.open(_pdf(kept)) as doc:
        page = doc.pages[next(p.index for p in read_pages(_pdf(kept)) if p.calls)]
        chars = [c for c in page.chars if _in_area(c, page.height)]
        call = _reading_order([c for c in chars if abs(c["size"] - CALL) < 0.3])[0]
        line = sorted([c for c in chars if abs(c["bottom"] - call["bottom"]) < BODY], key=lambda c: c["x0"])
        above = sorted([c for c in chars if round(c["size"]) == BODY
                        and abs(c["bottom"] - (line[0]["bottom"] - 21)) < 1], key=lambda c: c["x0"])
    assert line[0]["text"] == "甲" and line[1] is call
    for row in (line, above):
        assert abs(row[-1]["x1"] - (LEFT + AREA_WIDTH)) < 0.5, "".join(c["text"] for c in row)
        gaps = [b["x0"] - a["x1"] for a, b in zip(row, row[1:])]
        assert max(gaps) - min(gaps) < 0.05 and min(gaps) > 0, gaps
    assert len(above) == 30, "the line above holds one character less: the call's character went down with it"


EPUB_PROBE = """<script>//<![CDATA[
(function () {
  var body = document.body, out = {before: 0, kept: 0, widths: 0};
  function lastChar(call) {  // the last character before the call, in document order
    var walk = document.createTreeWalker(body, NodeFilter.SHOW_TEXT), node, last = null;
    while ((node = walk.nextNode()) && !call.contains(node)) { if (node.data.trim()) last = node; }
    var range = document.createRange(), end = last.data.replace(/\\s+$/, "").length;
    range.setStart(last, end - 1); range.setEnd(last, end);
    return range.getClientRects()[0];
  }
  var calls = document.querySelectorAll("a.noteref");
  for (var w = 200; w <= 520; w++) {
    body.style.width = w + "px";
    out.widths++;
    calls.forEach(function (call) {
      var c = lastChar(call), r = call.getClientRects()[0], p = call.closest("p").getClientRects()[0];
      if (c.bottom <= r.top) out.before++;  // the call opens a line below its character
      else if (Math.abs(c.left - p.left) < 0.5) out.kept++;  // the character opens a line, its call beside it
    });
  }
  body.setAttribute("data-probe", JSON.stringify(out));
})();
//]]></script>"""


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed (setup.sh installs it)")
def test_a_browser_breaks_no_line_before_an_epub_call(kept: Path, tmp_path: Path) -> None:
    """The EPUB's chapter laid out by Chromium at every width from 200 to 520 px: no call
    on the line after its character, and at some widths the two open a line together."""
    import html
    import json
    import re
    import subprocess

    with zipfile.ZipFile(next(kept.glob("*.epub"))) as z:
        z.extractall(tmp_path / "epub")
    doc = tmp_path / "epub" / "EPUB" / "text" / "c01.xhtml"
    doc.write_text(doc.read_text("utf-8").replace("</body>", EPUB_PROBE + "</body>"), "utf-8")
    done = subprocess.run([shutil.which("chromium") or "", "--headless", "--no-sandbox", "--disable-gpu",
                           "--no-first-run", "--disable-background-networking", "--allow-file-access-from-files",
                           f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", doc.as_uri()],
                          capture_output=True, text=True, timeout=180)
    found = re.search(r'data-probe="([^"]*)"', done.stdout)
    assert found, done.stderr[-1000:]
    probe = json.loads(html.unescape(found.group(1)))
    assert probe["widths"] == 321 and probe["before"] == 0, probe
    assert probe["kept"] > 0, "no width put a call at a line's end: the test proves nothing"


@pytest.mark.parametrize(("source", "wrapped"), [
    ("绿茶不发酵<a class='noteref'>①</a>。", "绿茶不发<k>酵<a>①</a></k>。"),
    ("酵<a class='noteref'>①</a><a class='noteref'>②</a>。", "<k>酵<a>①</a><a>②</a></k>。"),  # one span for a row
    ("见 GDP<a class='noteref'>①</a>。", "见 <k>GDP<a>①</a></k>。"),  # a Latin word whole
    ("见 GDP <a class='noteref'>①</a>。", "见 GDP <a>①</a>。"),  # a space is a break the text asks for
    ("<a class='noteref'>①</a>起。", "<a>①</a>起。"),
    ("一<em class='dots'><span class='em-dot'>着</span><span class='em-dot'>重</span></em><a class='noteref'>①</a>。",
     "一<em><span>着</span></em><k><em><span>重</span></em><a>①</a></k>。"),  # a copy of the emphasis for its end
    ("见<a class='xref'>图1-1</a><a class='noteref'>①</a>。", "见<k><a>图1-1</a><a>①</a></k>。"),  # a link whole
    ("图<img src='x.png'/><a class='noteref'>①</a>。", "图<img/><a>①</a>。"),  # an image is no character
])
def test_a_call_is_wrapped_with_the_character_before_it(source: str, wrapped: str) -> None:
    from paiban.transforms.notes import KEEP_CLASS, keep_calls_with_text

    root = parse(f"<p>{source}</p>")
    text = root.text_content()
    keep_calls_with_text(root)
    once = serialize(root)
    keep_calls_with_text(root)
    assert serialize(root) == once, "a second run changes nothing"
    assert root.text_content() == text, "the text is never changed"
    for el in root.iter():
        if el.tag == "span" and KEEP_CLASS in (el.get("class") or ""):
            el.tag = "k"
        el.attrib.clear()
    assert serialize(root) == f"<p>{wrapped}</p>"
