"""The printed book laid out in parts (paiban/builders/pdf) reads as one book.

A three-chapter book whose first chapter ends on a right-hand page: folios run on
across the parts, each chapter opens on a right-hand page with a blank page before
it when needed, running heads come from the frame, the contents print the folios
the headings landed on, links and bookmarks cross the parts, every face has one font
program, and a changed paragraph lays out its own chapter and nothing else.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections import Counter
from pathlib import Path

import pikepdf
import pypdf
import pytest

from conftest import ROOT, run_cli

MINIMAL = ROOT / "tests" / "fixtures" / "minimal"
ISBN = "9787515004662"
SENTENCE = "群众路线是我们党的生命线和根本工作路线，是我们党永葆青春活力和战斗力的重要传家宝。"
CHAPTERS = [("第一章", ["一、起点"], 3), ("第二章", ["一、展开", "二、深入"], 60), ("第三章", ["一、收束"], 4)]


def write_book(root: Path) -> None:
    shutil.copytree(MINIMAL, root)
    (root / "chapters" / "01.md").unlink()
    contents = []
    for number, (title, headings, sentences) in enumerate(CHAPTERS, 1):
        body = []
        for heading in headings:
            body += [f"## {heading}", "", *[SENTENCE * 4 + "\n" for _ in range(sentences // len(headings))]]
        if number == 3:
            body += ["回到[第二章的深入](02.md#c02-s2)，或[第二章](02.md)。", ""]
        (root / "chapters" / f"{number:02d}.md").write_text(
            f"---\ntitle: {title}\nkind: chapter\n---\n\n" + "\n".join(body), "utf-8")
        contents.append(f"  - title: {title}\n    kind: chapter\n    file: chapters/{number:02d}.md\n    entries:\n"
                        + "".join(f"      - {{title: {h}, page: 1}}\n" for h in headings))
    meta = (MINIMAL / "book.yaml").read_text("utf-8").split("contents:")[0]
    (root / "book.yaml").write_text(meta + "contents:\n" + "".join(contents) + "layout:\n  reflow: true\n", "utf-8")


def build(book: Path, out: Path) -> str:
    result = run_cli("pdf", "--manuscript", str(book), "--out", str(out), "-v")
    assert result.returncode == 0, result.stderr
    return result.stderr


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    root = tmp_path_factory.mktemp("parts")
    write_book(root / "book")
    log = build(root / "book", root / "out")
    return root / "book", root / "out", log


@pytest.fixture(scope="module")
def reader(built: tuple[Path, Path, str]) -> pypdf.PdfReader:
    return pypdf.PdfReader(built[1] / f"{ISBN}.pdf")


def squashed(page: pypdf.PageObject) -> str:
    return re.sub(r"\s", "", page.extract_text() or "")


def openings(reader: pypdf.PdfReader) -> list[int]:
    """The page index of each chapter's opening (its spaced title starts the page)."""
    return [next(i for i, p in enumerate(reader.pages) if squashed(p).startswith(title))
            for title, _, _ in CHAPTERS]


def test_every_chapter_opens_on_a_right_hand_page_after_a_blank_one(reader: pypdf.PdfReader) -> None:
    starts = openings(reader)
    labels = reader.page_labels
    assert labels[starts[0]] == "1" and all(i % 2 == 0 for i in starts)  # right-hand pages of the PDF
    assert [int(labels[i]) % 2 for i in starts] == [1, 1, 1]
    # The first chapter is one page long: a blank left-hand page follows it, no folio or head on it.
    assert starts[1] == starts[0] + 2
    assert squashed(reader.pages[starts[0] + 1]) == ""
    assert labels[starts[0] + 1] == "2"


def test_running_heads_and_folios_follow_the_page(reader: pypdf.PdfReader) -> None:
    starts = openings(reader)
    labels = reader.page_labels
    title = "测试之书"
    inner = [i for i in range(starts[1] + 1, starts[2]) if squashed(reader.pages[i])]
    assert len(inner) >= 2
    for i in inner:
        lines = [line.replace(" ", "") for line in reader.pages[i].extract_text().splitlines()]
        folio = labels[i]
        expected = folio + title if int(folio) % 2 == 0 else "第二章" + folio
        assert expected in lines, (i, lines)
    # A chapter opening has no running head, only its folio (at its foot).
    opening = [line.strip() for line in reader.pages[starts[2]].extract_text().splitlines()]
    assert labels[starts[2]] in opening and not any(title in line for line in opening)


def test_contents_print_the_folio_of_each_heading(reader: pypdf.PdfReader) -> None:
    contents = next(squashed(p) for p in reader.pages if squashed(p).startswith("目录"))
    labels = reader.page_labels
    for _, headings, _ in CHAPTERS:
        for heading in headings:
            page = next(i for i, p in enumerate(reader.pages) if heading in squashed(p) and i > 3)
            assert re.search(re.escape(heading) + r"\.+" + f"{int(labels[page]):03d}", contents), heading


def test_links_and_bookmarks_cross_the_parts(reader: pypdf.PdfReader) -> None:
    starts = openings(reader)
    target = next(i for i, p in enumerate(reader.pages) if "二、深入" in squashed(p) and i >= starts[1])
    contents = next(i for i, p in enumerate(reader.pages) if squashed(p).startswith("目录"))
    links = [a.get_object() for a in reader.pages[contents].get("/Annots") or []]
    destinations = reader.named_destinations
    assert "page-1" not in destinations and "c02-s2" in destinations
    assert target in {reader.get_destination_page_number(destinations[str(a["/Dest"])]) for a in links}
    # A chapter's link to another chapter's file: to its heading, and to its opening.
    links = [a.get_object() for page in reader.pages[starts[2]:] for a in page.get("/Annots") or []]
    assert {reader.get_destination_page_number(destinations[str(a["/Dest"])]) for a in links} == {target, starts[1]}
    flat = []

    def walk(items: list, depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                flat.append((depth, item.title.replace("　", ""), reader.get_destination_page_number(item)))

    walk(reader.outline, 0)
    assert [(d, t) for d, t, _ in flat] == [(0, "第一章"), (1, "一、起点"), (0, "第二章"), (1, "一、展开"),
                                             (1, "二、深入"), (0, "第三章"), (1, "一、收束")]
    assert [p for d, _, p in flat if d == 0] == starts


def test_links_between_chapters_work_in_the_epub_too(built: tuple[Path, Path, str], tmp_path: Path) -> None:
    result = run_cli("epub", "--manuscript", str(built[0]), "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(tmp_path / f"{ISBN}.epub") as z:
        third = z.read("EPUB/text/c03.xhtml").decode("utf-8")
        second = z.read("EPUB/text/c02.xhtml").decode("utf-8")
    assert 'href="c02.xhtml#c02-s2"' in third and 'href="c02.xhtml#c02"' in third
    assert 'id="c02-s2"' in second and 'id="c02"' in second


def test_every_face_has_one_font_program(built: tuple[Path, Path, str]) -> None:
    with pikepdf.open(built[1] / f"{ISBN}.pdf") as pdf:
        programs: dict[str, set[tuple[int, int]]] = {}
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == pikepdf.Name.FontDescriptor:
                programs.setdefault(str(obj.FontName), set()).add(obj.FontFile3.objgen)
    assert programs and all(len(p) == 1 for p in programs.values()), programs


def test_a_changed_paragraph_lays_out_its_chapter_only(built: tuple[Path, Path, str], tmp_path: Path) -> None:
    book, out, first = built
    laid_out = Counter(re.findall(r"laying out (?:\S*/)?(chapters/\d+\.md|the .+)", first))
    assert laid_out["chapters/02.md"] == 1 and laid_out["the front matter"] == 1
    copy, copy_out = tmp_path / "book", tmp_path / "out"
    shutil.copytree(book, copy)
    shutil.copytree(out, copy_out)
    chapter = copy / "chapters" / "02.md"
    chapter.write_text(chapter.read_text("utf-8").replace("生命线", "生活线", 1), "utf-8")
    log = build(copy, copy_out)
    assert re.findall(r"laying out (?:\S*/)?(chapters/\d+\.md|the .+)", log) == ["chapters/02.md"]
    assert "生活线" in "".join(squashed(p) for p in pypdf.PdfReader(copy_out / f"{ISBN}.pdf").pages)


def test_ctrl_c_stops_the_workers_without_a_traceback(tmp_path: Path) -> None:
    write_book(tmp_path / "book")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "pdf", "--manuscript", str(tmp_path / "book"),
                             "--out", str(out), "-v"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    assert proc.stderr is not None
    seen: list[str] = []
    while not any("laying out" in line and "chapters/03.md" in line for line in seen) and proc.poll() is None:
        seen.append(proc.stderr.readline())
    time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGINT)  # as Ctrl-C does: to the build and its workers
    proc.wait(timeout=60)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr.read()
    assert not (out / f"{ISBN}.pdf").exists() and list(out.rglob(".*.part")) == []
    time.sleep(0.5)
    with pytest.raises(ProcessLookupError):
        os.killpg(proc.pid, 0)  # no worker outlives the build


def test_same_book_same_bytes(built: tuple[Path, Path, str], tmp_path: Path) -> None:
    """Parts laid out in whatever order the workers finish are joined into the same PDF."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    outputs = []
    for run in range(2):
        out = tmp_path / f"out{run}"
        result = subprocess.run([sys.executable, str(ROOT / "build.py"), "pdf", "--manuscript", str(built[0]),
                                 "--out", str(out), "-q"], cwd=ROOT, env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        outputs.append((out / f"{ISBN}.pdf").read_bytes())
    assert outputs[0] == outputs[1]


def test_the_printers_edition_and_cover_spread_are_the_same_bytes(built: tuple[Path, Path, str],
                                                                   tmp_path: Path) -> None:
    """PDF/X-4 (``--print``) with SOURCE_DATE_EPOCH: no time of writing, no random document id."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    outputs = []
    for run in range(2):
        out = tmp_path / f"out{run}"
        result = subprocess.run([sys.executable, str(ROOT / "build.py"), "pdf", "--print", "--manuscript",
                                 str(built[0]), "--out", str(out), "-q"], cwd=ROOT, env=env, capture_output=True,
                                text=True)
        assert result.returncode == 0, result.stderr
        outputs.append([(out / name).read_bytes() for name in (f"{ISBN}-print.pdf", f"{ISBN}-cover.pdf")])
    assert outputs[0] == outputs[1]
    assert b"2023-11-14T22:13:20" in outputs[0][1]  # the XMP dates are the epoch's
