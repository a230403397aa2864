"""Benchmark paiban against the tools a user would pick instead, in one run.

Makes full-length manuscripts in paiban's format from the sample's text (50, 100,
about 190 and 400 pages at the sample's geometry; the 190-page one has 10 chapters
and about 160,000 characters, the size of the original book), in two kinds: a
reflowing book (no page markers) and a reprint (a ``{{page N}}`` marker at every
original page, ``layout.reflow: false``). Then times, each figure the median of N runs
with min and max, the runs of all rows alternating (run 1 of every row, then run 2…,
so a noisy moment of the shared machine hits every tool alike), the CPU time of the
command and all its child processes (user + system, ``getrusage``) and the peak memory
(of the largest process: the command or one of its workers):

- paiban: cold full build (EPUB + PDF), the EPUB alone once its cover image is
  cached, the PDF alone cold, ``check``, and a full build after one paragraph changed,
  for the reflowing book and for the reprint (and the reprint's PDF cold);
- Pandoc (PyPI pypandoc-binary) to EPUB 3, Typst (PyPI typst) to PDF, plain WeasyPrint
  (one HTML document, no paiban typography) and XeLaTeX with ctex (Debian's
  texlive-xetex and texlive-lang-chinese, one pass) on the same text: body in Noto
  Serif CJK SC, headings in Noto Sans CJK SC, 12 pt, justified, 2 em indent;
- on the 190-page book (or the largest size below it): the cold full build with 1, 2
  and 4 local workers (``--jobs``), books per minute for a batch of 20 small books
  (``paiban batch``), each part's layout time and an estimate for 16 machines from them.

It prints a table per size, our time over theirs as ratios measured in the same run,
and how time grows with pages. The peers are set up by ``benchmarks/setup.sh``.
Usage: ``python benchmarks/run.py [--runs N] [--runs-large N] [--sizes 50,100,190,400]
[--no-scaling | --only-scaling] [--json FILE]``.
"""

from __future__ import annotations

import argparse
import calendar
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "manuscript"
BUILD = str(ROOT / "build.py")
CHARS_PER_PAGE = 842  # measured: 160,000 characters over 190 pages of the sample's geometry
NUMERALS = "一二三四五六七八九十"
RETRIES = 3
# Han characters (the unified ideographs and extension A): what the benchmark's inputs must all hold.
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
# The sample's type area (book.yaml's layout, docs/print.md): characters per line, lines per page.
GRID = (33, 28)

# Run one measured command in a fresh interpreter: its wall time, peak memory and CPU time
# (its own and that of every child process it waited for: paiban's workers, XeLaTeX).
RUNNER = r"""
import resource, runpy, sys, time
sys.argv = {argv!r}
start = time.perf_counter()
try:
    runpy.run_path({script!r}, run_name="__main__")
except SystemExit as exc:
    if exc.code not in (0, None):
        raise
elapsed = time.perf_counter() - start
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
# The largest of this process and its workers (paiban lays the PDF out in worker processes).
peak = max(me.ru_maxrss, kids.ru_maxrss)
cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
print("BENCH", elapsed, peak, cpu, file=sys.stderr)
"""


def sample_paragraphs() -> list[str]:
    body = (SAMPLE / "chapters" / "00-xulun.md").read_text("utf-8").split("---", 2)[2]
    paragraphs = []
    for block in body.split("\n\n"):
        block = re.sub(r"\{\{page \d+\}\}", "", block).strip()
        if block and not block.startswith("#"):
            paragraphs.append(block)
    return paragraphs


def _book_yaml(folder: Path, contents: list[str], reflow: bool) -> None:
    meta = (SAMPLE / "book.yaml").read_text("utf-8").split("\ncontents:")[0]
    meta = re.sub(r"\nlayout:.*", "", meta, flags=re.S)
    # The imprint's 印张 describes the 2013 book, not this one.
    meta = re.sub(r"\nimprint:.*?(?=\n\S)", "", meta, flags=re.S)
    layout = f"layout:\n  reflow: {'true' if reflow else 'false'}\n"
    (folder / "book.yaml").write_text(meta + "\ncontents:\n" + "".join(contents) + layout, "utf-8")


def make_book(folder: Path, pages: int, chapters: int = 10) -> int:
    """A reflowing book of about ``pages`` pages; returns its number of characters."""
    paragraphs = sample_paragraphs()
    target = pages * CHARS_PER_PAGE
    per_chapter = target // chapters
    folder.mkdir(parents=True)
    (folder / "chapters").mkdir()
    contents, total, k = [], 0, 0
    for c in range(chapters):
        lines = ["---", f"title: 第{NUMERALS[c % 10]}章", "kind: chapter", "---", ""]
        entries, size, section = [], 0, 0
        while size < per_chapter:
            if size == 0 or size // 6000 > section - 1:
                section += 1
                title = f"{NUMERALS[(section - 1) % 10]}、第{c + 1}章第{section}节"
                lines += [f"## {title}", ""]
                entries.append(title)
            text = paragraphs[k % len(paragraphs)]
            k += 1
            lines += [text, ""]
            size += len(text)
        total += size
        (folder / "chapters" / f"{c + 1:02d}.md").write_text("\n".join(lines), "utf-8")
        contents.append(f"  - title: 第{NUMERALS[c % 10]}章\n    kind: chapter\n    file: chapters/{c + 1:02d}.md\n"
                        "    entries:\n" + "".join(f"      - {{title: \"{e}\", page: 1}}\n" for e in entries))
    _book_yaml(folder, contents, reflow=True)
    return total


# Lines of the type area a reprint's page is filled to: the grid's 28 less room for what
# the count below does not see (a quarter em beside digits, a line a break rule pushes on);
# a chapter's first page holds its opening, a page starting with a section its heading.
FILL_LINES, OPENING_LINES, HEADING_LINES = 24, 12, 3
# Characters that may not start a line (clreq): a page is not split before one.
NO_LINE_START = set("、，。：；！？”’）》」』】…—·")


def _lines(chars: int, indent: bool) -> int:
    return math.ceil((chars + (2 if indent else 0)) / GRID[0])


def make_reprint_book(folder: Path, pages: int, chapters: int = 10) -> int:
    """A reprint of about ``pages`` original pages: the text of :func:`make_book`, a
    ``{{page N}}`` marker at the start of every original page (``layout.reflow: false``),
    each page filled to :data:`FILL_LINES` lines of the grid and its last paragraph split
    by the next page's marker, as a reprint's often are (the text before the marker fills
    whole lines; where paiban's lines hold fewer characters, the page's last line holds a
    few stray ones and the chapter is laid out again with the lines above tightened).
    A chapter's last page is not split. Returns the number of characters."""
    paragraphs = sample_paragraphs()
    folder.mkdir(parents=True)
    (folder / "chapters").mkdir()
    per_chapter = max(pages // chapters, 1)
    contents, total, k, number = [], 0, 0, 1
    pending: str | None = None  # a paragraph (or the tail of one) waiting for the next page
    carry = False  # whether ``pending`` is the tail of a paragraph the page's marker splits
    for c in range(chapters):
        text = f"---\ntitle: 第{NUMERALS[c % 10]}章\nkind: chapter\n---\n"
        for p in range(per_chapter):
            room = OPENING_LINES if p == 0 else FILL_LINES
            marker = f"{{{{page {number}}}}}"
            number += 1
            if carry:
                text += marker  # inline: the paragraph runs on from the page before
            else:
                text += f"\n\n{marker}\n\n"
                if p and p % 7 == 0:
                    text += f"## {NUMERALS[(p // 7 - 1) % 10]}、第{c + 1}章第{p // 7}节\n\n"
                    room -= HEADING_LINES
            blocks: list[str] = []
            while room > 0:
                indent = not carry
                if pending is None:
                    pending, indent = paragraphs[k % len(paragraphs)], True
                    k += 1
                para, pending, carry = pending, None, False
                need = _lines(len(para), indent)
                if need <= room:
                    blocks.append(para)
                    room -= need
                    total += len(para)
                    continue
                cut = room * GRID[0] - (2 if indent else 0)
                while 0 < cut < len(para) and (para[cut] in NO_LINE_START or para[cut - 1:cut + 1].isascii()):
                    cut -= 1
                if cut < GRID[0] // 2 or (p == per_chapter - 1 and indent):
                    pending = para  # the whole paragraph on the next page
                    break
                if p == per_chapter - 1:  # a paragraph's tail does not run into the next chapter: cut short
                    blocks.append(para[:cut])
                    total += cut
                    break
                blocks.append(para[:cut])
                total += cut
                pending, carry = para[cut:], True
                break
            text += "\n\n".join(blocks)
        (folder / "chapters" / f"{c + 1:02d}.md").write_text(text.rstrip() + "\n", "utf-8")
        contents.append(f"  - title: 第{NUMERALS[c % 10]}章\n    kind: chapter\n    file: chapters/{c + 1:02d}.md\n")
    _book_yaml(folder, contents, reflow=False)
    return total


def book_markdown(folder: Path) -> str:
    """The same book as one plain Markdown document, for the peers (page markers left out)."""
    parts = []
    for path in sorted((folder / "chapters").glob("*.md")):
        _, front, body = path.read_text("utf-8").split("---", 2)
        title = re.search(r"title: (.*)", front).group(1)  # type: ignore[union-attr]
        body = re.sub(r"\{\{page \d+\}\}", "", body)
        parts.append(f"# {title}\n\n{body.strip()}\n")
    return "\n".join(parts)


def _blocks(markdown: str) -> list[tuple[int, str]]:
    """The Markdown's blocks: (heading level or 0 for a paragraph, text)."""
    found = []
    for block in markdown.split("\n\n"):
        block = block.strip()
        if block.startswith("#"):
            level = len(block) - len(block.lstrip("#"))
            found.append((level, block.lstrip("#").strip()))
        elif block:
            found.append((0, block))
    return found


def typst_source(markdown: str) -> str:
    lines = ['#set page(width: 185mm, height: 260mm, margin: (x: 22mm, y: 26mm))',
             '#set text(font: "Noto Serif CJK SC", size: 12pt, lang: "zh", region: "cn")',
             '#set par(justify: true, first-line-indent: (amount: 2em, all: true), leading: 0.75em)',
             '#show heading: set text(font: "Noto Sans CJK SC")',
             '#show heading.where(level: 1): it => { pagebreak(weak: true); it }']
    for level, text in _blocks(markdown):
        if level:
            lines.append("=" * level + " " + text)
        else:
            lines.append(text.replace("#", "\\#").replace("*", "\\*").replace("_", "\\_").replace("@", "\\@")
                         .replace("<", "\\<").replace("$", "\\$").replace("[", "\\[").replace("]", "\\]"))
    return "\n\n".join(lines) + "\n"


def plain_html(markdown_text: str) -> str:
    """The same text as one HTML document for WeasyPrint alone: Typst's page, type and
    justification, none of paiban's typography (no spacing between CJK characters, no
    punctuation compression, no running heads)."""
    import markdown

    css = ("@page { size: 185mm 260mm; margin: 26mm 22mm; } "
           "body { font-family: 'Noto Serif CJK SC'; font-size: 12pt; line-height: 1.75; text-align: justify; } "
           "p { text-indent: 2em; margin: 0; } h1, h2 { font-family: 'Noto Sans CJK SC'; } h1 { break-before: page; }")
    # Declared: without it WeasyPrint's parser (tinyhtml5) reads the file as windows-1252.
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><style>{css}</style></head>'
            f'<body>{markdown.markdown(markdown_text)}</body></html>')


_TEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
                "%": r"\%", "_": r"\_", "^": r"\^{}", "~": r"\textasciitilde{}"}
_TEX_HEADINGS = {1: "chapter", 2: "section", 3: "subsection", 4: "subsubsection"}


def tex_escape(text: str) -> str:
    return re.sub(r"[\\{}$&#%_^~]", lambda m: _TEX_SPECIAL[m.group()], text)


def xelatex_source(markdown: str) -> str:
    """The same text for XeLaTeX with ctex, as a Chinese typesetter would set it: ctexbook,
    Noto Serif CJK SC body and Noto Sans CJK SC headings, Typst's 185 × 260 mm page and
    margins, 12 pt on 21 pt (14.5 pt × 1.45), justified (TeX's default) with ctex's 2 em
    indent, each chapter on a new page (``openany``, as Typst), headings unnumbered."""
    lines = [r"\documentclass[12pt, fontset=none, linespread=1.45, openany]{ctexbook}",
             r"\usepackage[paperwidth=185mm, paperheight=260mm, hmargin=22mm, vmargin=26mm]{geometry}",
             # By PostScript name: the family name picks the collection's first face (the Japanese one).
             r"\setmainfont{NotoSerifCJKsc-Regular}[BoldFont=NotoSerifCJKsc-Bold]",
             r"\setsansfont{NotoSansCJKsc-Regular}[BoldFont=NotoSansCJKsc-Bold]",
             r"\setCJKmainfont{NotoSerifCJKsc-Regular}[BoldFont=NotoSerifCJKsc-Bold]  % Noto Serif CJK SC",
             r"\setCJKsansfont{NotoSansCJKsc-Regular}[BoldFont=NotoSansCJKsc-Bold]  % Noto Sans CJK SC",
             r"\ctexset{chapter/format = \huge\sffamily\bfseries\centering, section/format = \Large\sffamily\bfseries,"
             r" subsection/format = \large\sffamily\bfseries}",
             r"\pagestyle{plain}", r"\begin{document}"]
    for level, text in _blocks(markdown):
        if level:
            lines.append(f"\\{_TEX_HEADINGS[min(level, 4)]}*{{{tex_escape(text)}}}")
        else:
            lines.append(tex_escape(text))
    lines.append(r"\end{document}")
    return "\n\n".join(lines) + "\n"


def han(text: str) -> int:
    """The number of Han characters in ``text``."""
    return len(HAN.findall(text))


# --- measuring ---------------------------------------------------------------------------


def code_state() -> tuple[tuple[str, int, int], ...]:
    """What of paiban's own files the cache keys depend on (paiban.cache.tools_key), by name,
    size and time: a cached row whose code changed between its warm-up and its run (others
    work on paiban while this runs) would time a cold build, so it is run again."""
    return tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns)
                 for folder in ("paiban", "templates", "styles") for p in sorted((ROOT / folder).rglob("*"))
                 if p.is_file() and "__pycache__" not in p.parts)


@dataclass
class Case:
    """One row: the script and ``sys.argv`` it is run with, what to do before each run, and
    whether it relies on what its ``prepare`` cached (then it is run again, up to
    :data:`RETRIES` times, when paiban's code changed meanwhile)."""

    name: str
    argv: list[str]
    prepare: Callable[[], None] | None = None
    cached: bool = False
    times: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    memory: list[float] = field(default_factory=list)
    retried: int = 0

    def run(self) -> None:
        for _ in range(RETRIES):
            before = code_state() if self.cached else ()
            if self.prepare:
                self.prepare()
            code = RUNNER.format(argv=self.argv, script=self.argv[0])
            result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
            if not self.cached or code_state() == before:
                break
            self.retried += 1
        if result.returncode:
            raise SystemExit(f"{self.name}: {' '.join(self.argv)} failed:\n{result.stderr[-3000:]}")
        line = next(ln for ln in result.stderr.splitlines() if ln.startswith("BENCH"))
        _, elapsed, rss, cpu = line.split()
        self.times.append(float(elapsed))
        self.memory.append(int(rss) / 1024)
        self.cpu.append(float(cpu))

    def figures(self) -> dict[str, float]:
        return {"median": statistics.median(self.times), "min": min(self.times), "max": max(self.times),
                "cpu": statistics.median(self.cpu), "peak_mb": max(self.memory), "runs": len(self.times),
                "retried": self.retried}


def alternate(cases: list[Case], runs: int, deadline: float | None = None,
              reserve: Callable[[float], float] = lambda last: 0.0) -> dict[str, dict[str, float]]:
    """Run every case ``runs`` times, one run of each in turn. With a ``deadline`` (a
    ``time.time()``), a run after the first is left out when another run as long as the
    last, and ``reserve(last)`` seconds for what must follow, would end after it."""
    last = 0.0
    for run in range(runs):
        if run and deadline is not None and time.time() + last + reserve(last) > deadline:
            print(f"(only {run} of {runs} runs: the next would end after the deadline)", flush=True)
            break
        began = time.time()
        for case in cases:
            case.run()
        last = time.time() - began
    return {case.name: case.figures() for case in cases}


def script(path: Path, code: str) -> str:
    path.write_text(code, "utf-8")
    return str(path)


def isbn(book: Path) -> str:
    return re.search(r'isbn: "([^"]+)"', (book / "book.yaml").read_text("utf-8")).group(1).replace("-", "")  # type: ignore[union-attr]


def pdf_pages(path: Path) -> int:
    import pypdf

    return len(pypdf.PdfReader(path).pages)


def paiban_supports(*words: str) -> bool:
    """Whether this paiban's command line has ``words`` (e.g. ``all --jobs``, ``batch``)."""
    command = [sys.executable, BUILD, *words[:-1], "--help"] if len(words) > 1 else [sys.executable, BUILD, "--help"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    return result.returncode == 0 and words[-1] in result.stdout


def drop_epub(out: Path) -> None:
    """Remove the EPUB and its cache entry, keep everything else of the output folder
    (the cover image among it): the next ``epub`` build makes the EPUB again, the cover cached."""
    for path in out.glob("*.epub"):
        path.unlink()
    for entry in (out / ".paiban-cache").iterdir() if (out / ".paiban-cache").is_dir() else ():
        if entry.is_dir() and any(p.suffix == ".epub" for p in entry.iterdir()):
            shutil.rmtree(entry)


def untimed(argv: list[str]) -> None:
    done = subprocess.run([sys.executable, *argv], cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr[-3000:]}")


def changing_paragraph(chapter: Path, warm: list[str]) -> tuple[Callable[[], None], str]:
    """A ``prepare`` that builds the book untimed with ``warm`` (its outputs and cache up to
    date, also with paiban's code as it is now), then changes one paragraph of ``chapter``
    (its first full stop gets a new number before it, a different one each run, so no run
    finds its output cached); and the chapter's original text."""
    original = chapter.read_text("utf-8")

    def change() -> None:
        chapter.write_text(original, "utf-8")
        untimed(warm)
        stamp = str(time.perf_counter_ns())[-6:]
        chapter.write_text(original.replace("。", f"（改{stamp}）。", 1), "utf-8")

    return change, original


def epub_with_cover_cached(argv: list[str], out: Path) -> Callable[[], None]:
    """A ``prepare`` for the EPUB alone: build it untimed (the cover image cached with paiban's
    code as it is now), then remove the EPUB and its cache entry (:func:`drop_epub`)."""
    def prepare() -> None:
        untimed(argv)
        drop_epub(out)

    return prepare


def size_cases(work: Path, pages: int) -> tuple[list[Case], dict[str, object]]:
    """The rows of one size, and what is needed after (books, output folders, peers' outputs)."""
    book, reprint = work / f"book{pages}", work / f"reprint{pages}"
    chars = make_book(book, pages)
    reprint_chars = make_reprint_book(reprint, pages)
    outs = {name: work / f"out{pages}-{name}" for name in ("cold", "epub", "pdf", "warm", "rcold", "rwarm")}

    def common(which: str, source: Path = book) -> list[str]:
        return ["--manuscript", str(source), "--out", str(outs[which]), "-q"]

    def clean(which: str) -> Callable[[], None]:
        return lambda: shutil.rmtree(outs[which], ignore_errors=True)

    epub = [BUILD, "epub", *common("epub")]
    rebuild, rrebuild = [BUILD, "all", *common("warm")], [BUILD, "all", *common("rwarm", reprint)]
    change, original = changing_paragraph(book / "chapters" / "05.md", rebuild)
    rchange, roriginal = changing_paragraph(reprint / "chapters" / "05.md", rrebuild)
    md = work / f"book{pages}.md"
    md.write_text(book_markdown(book), "utf-8")
    typ = work / f"book{pages}.typ"
    typ.write_text(typst_source(md.read_text("utf-8")), "utf-8")
    html = work / f"plain{pages}.html"
    html.write_text(plain_html(md.read_text("utf-8")), "utf-8")
    tex = work / f"xelatex{pages}.tex"
    tex.write_text(xelatex_source(md.read_text("utf-8")), "utf-8")
    peers = {"pandoc": work / f"pandoc{pages}.epub", "typst": work / f"typst{pages}.pdf",
             "plain": work / f"plain{pages}.pdf", "xelatex": work / f"xelatex{pages}.pdf"}
    cases = [
        Case("paiban full build (cold)", [BUILD, "all", *common("cold")], clean("cold")),
        Case("paiban EPUB alone (cover cached)", epub, epub_with_cover_cached(epub, outs["epub"]), cached=True),
        Case("paiban PDF alone (cold)", [BUILD, "pdf", *common("pdf")], clean("pdf")),
        Case("paiban check", [BUILD, "check", "--manuscript", str(book)]),
        Case("paiban rebuild, 1 paragraph (reflow)", rebuild, change, cached=True),
        Case("paiban reprint: PDF alone (cold)", [BUILD, "pdf", *common("rcold", reprint)], clean("rcold")),
        Case("paiban reprint: rebuild, 1 paragraph", rrebuild, rchange, cached=True),
        Case("Pandoc → EPUB", [script(work / "pandoc.py", (
            "import pypandoc, sys\n"
            "pypandoc.convert_file(sys.argv[1], 'epub3', outputfile=sys.argv[2],"
            " extra_args=['--metadata', 'title=基准', '--metadata', 'lang=zh-CN'])\n")), str(md), str(peers["pandoc"])]),
        Case("Typst → PDF", [script(work / "typst_.py", "import sys, typst\ntypst.compile(sys.argv[1], output=sys.argv[2])\n"),
                             str(typ), str(peers["typst"])]),
        Case("plain WeasyPrint → PDF", [script(work / "plain.py", (
            "import sys, weasyprint\nweasyprint.HTML(sys.argv[1]).write_pdf(sys.argv[2])\n")),
            str(html), str(peers["plain"])]),
        Case("XeLaTeX + ctex → PDF (1 pass)", [script(work / "xelatex.py", (
            "import subprocess, sys\n"
            "from pathlib import Path\n"
            "tex = Path(sys.argv[1])\n"
            "done = subprocess.run(['xelatex', '-interaction=batchmode', '-halt-on-error', tex.name],"
            " cwd=tex.parent, capture_output=True)\n"
            "sys.exit(done.returncode)\n")), str(tex)]),
    ]
    if shutil.which("xelatex") is None:
        print("XeLaTeX not found: run benchmarks/setup.sh; its row is left out", file=sys.stderr)
        cases.pop()
    info = {"book": book, "reprint": reprint, "outs": outs, "peers": peers, "chars": chars,
            "reprint_chars": reprint_chars, "restore": [(book / "chapters" / "05.md", original),
                                                         (reprint / "chapters" / "05.md", roriginal)]}
    return cases, info


PDF_ROWS = {"paiban full build (cold)": "paiban", "paiban PDF alone (cold)": "paiban",
            "paiban reprint: PDF alone (cold)": "reprint", "Typst → PDF": "typst",
            "plain WeasyPrint → PDF": "plain", "XeLaTeX + ctex → PDF (1 pass)": "xelatex"}


def print_size(pages: int, r: dict[str, dict[str, float]], facts: dict[str, float]) -> None:
    print(f"\n== {pages}-page book: {facts['characters']:,} characters ({facts['han']:,} Han); PDF pages: "
          f"paiban {facts['paiban']}, reprint {facts['reprint']}, Typst {facts['typst']}, "
          f"plain WeasyPrint {facts['plain']}, XeLaTeX {facts.get('xelatex', '–')} ==")
    print(f"{'':38} {'median s':>8} {'min':>6} {'max':>6} {'CPU s':>6} {'CPU ms/p':>8} {'peak MB':>7}")
    for name, v in r.items():
        per_page = ""
        if name in PDF_ROWS and facts.get(PDF_ROWS[name]):
            per_page = f"{1000 * v['cpu'] / facts[PDF_ROWS[name]]:8.1f}"
        retried = f"  (run again {v['retried']}× : paiban's code changed under it)" if v.get("retried") else ""
        print(f"{name:38} {v['median']:8.2f} {v['min']:6.2f} {v['max']:6.2f} {v['cpu']:6.2f} {per_page:>8} "
              f"{v['peak_mb']:7.0f}{retried}")
    for label, ours, theirs in RATIOS:
        if ours in r and theirs in r:
            print(f"ratio {label:46} {r[ours]['median'] / r[theirs]['median']:6.2f}")
    if "plain WeasyPrint → PDF" in r:
        ours = r["paiban PDF alone (cold)"]["cpu"] / facts["paiban"]
        plain = r["plain WeasyPrint → PDF"]["cpu"] / facts["plain"]
        print(f"ratio {'CPU per page: paiban PDF / plain WeasyPrint':46} {ours / plain:6.2f}")


RATIOS = [("paiban PDF / plain WeasyPrint", "paiban PDF alone (cold)", "plain WeasyPrint → PDF"),
          ("paiban PDF / XeLaTeX", "paiban PDF alone (cold)", "XeLaTeX + ctex → PDF (1 pass)"),
          ("paiban PDF / Typst", "paiban PDF alone (cold)", "Typst → PDF"),
          ("paiban EPUB alone / Pandoc", "paiban EPUB alone (cover cached)", "Pandoc → EPUB"),
          ("rebuild (reflow) / Typst cold", "paiban rebuild, 1 paragraph (reflow)", "Typst → PDF"),
          ("rebuild (reprint) / Typst cold", "paiban reprint: rebuild, 1 paragraph", "Typst → PDF")]


def scaling(work: Path, pages: int, runs: int, deadline: float | None = None) -> dict[str, dict[str, float]]:
    """The one-book cold build with 1, 2 and 4 local workers, and a batch of 20 small books."""
    results: dict[str, dict[str, float]] = {}
    book = work / f"book{pages}"
    cases = []
    if paiban_supports("all", "--jobs"):
        for jobs in (1, 2, 4):
            out = work / f"jobs{jobs}"
            cases.append(Case(f"full build (cold), --jobs {jobs}",
                              [BUILD, "all", "--jobs", str(jobs), "--manuscript", str(book), "--out", str(out), "-q"],
                              lambda out=out: shutil.rmtree(out, ignore_errors=True)))
    else:
        print("\n(no `build --jobs` in this paiban: the 1/2/4-worker rows are left out)")
    if paiban_supports("batch", "--summary"):
        shelf = work / "shelf"
        for n in range(20):
            make_book(shelf / f"book{n + 1:02d}", 20, chapters=4)
        out = work / "batch-out"
        cases.append(Case("batch of 20 books of 20 pages (cold)",
                          [BUILD, "batch", str(shelf), "--out", str(out), "--summary", str(work / "batch.json"), "-q"],
                          lambda: shutil.rmtree(out, ignore_errors=True)))
    else:
        print("\n(no `paiban batch` in this paiban: the batch row is left out)")
    if cases:
        batch_case = [c for c in cases if c.name.startswith("batch")]
        results = alternate([c for c in cases if c not in batch_case], runs, deadline)
        results.update(alternate(batch_case, max(1, runs - 1), deadline))  # the longest row: one run fewer
        print(f"\n== scaling on one machine ({os.cpu_count()} cores): the {pages}-page book, and a batch ==")
        print(f"{'':38} {'median s':>8} {'min':>6} {'max':>6} {'CPU s':>6} {'peak MB':>7}")
        for name, v in results.items():
            print(f"{name:38} {v['median']:8.2f} {v['min']:6.2f} {v['max']:6.2f} {v['cpu']:6.2f} {v['peak_mb']:7.0f}")
        batch = results.get("batch of 20 books of 20 pages (cold)")
        if batch:
            print(f"books per minute (batch of 20, {os.cpu_count()} cores): {20 * 60 / batch['median']:.1f}")
    return results


def cluster_estimate(work: Path, pages: int) -> dict[str, object] | None:
    """Each part's layout time (benchmarks/parttimes.py) and the critical path on 16 machines."""
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "parttimes.py"), str(work / f"book{pages}"),
                           str(work / "parttimes-out")], cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        print(f"\n(part times not measured: {done.stderr.strip()[-500:]})")
        return None
    data = json.loads(done.stdout.strip().splitlines()[-1])  # after the paths the build prints
    print(f"\n== the {pages}-page book's parts, laid out one after the other in one process ==")
    for kind, times in sorted(data["kinds"].items()):
        print(f"{kind:24} {len(times):3d} parts  total {sum(times):6.2f} s  longest {max(times):5.2f} s")
    print(f"join {data['join']:.2f} s, cover spread {data['spread']:.2f} s (beside the join); other work outside "
          f"the parts (start-up, reading, check, HTML, writing): {data['serial']:.2f} s")
    for machines in (1, 2, 16):
        print(f"estimate, {machines:2d} machine(s) of {os.cpu_count()} cores: {estimate(data, machines * (os.cpu_count() or 1)):.2f} s")
    return data


def estimate(data: dict, slots: int) -> float:
    """The cold PDF build's wall time with ``slots`` workers: the serial work, the join (the
    cover spread beside it when there is a second worker), and each round of parts (round 1: front matter, chapters, part titles; round 2, which waits for round 1's
    page counts: contents, frames, cover) scheduled longest first on the slots."""
    total = data["serial"] + (max(data["join"], data["spread"]) if slots > 1 else data["join"] + data["spread"])
    for round_times in data["rounds"]:
        loads = [0.0] * max(slots, 1)
        for t in sorted(round_times, reverse=True):
            loads[loads.index(min(loads))] += t
        total += max(loads) if round_times else 0.0
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="50,100,190,400")
    parser.add_argument("--runs-large", type=int, help="runs for sizes of 400 pages and more (default: --runs)")
    parser.add_argument("--no-scaling", action="store_true", help="leave out the workers, batch and cluster rows")
    parser.add_argument("--only-scaling", action="store_true", help="only the workers, batch and cluster rows")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.add_argument("--deadline", help="HH:MM (UTC, today): fewer runs (at least one a row) so as to end by then")
    args = parser.parse_args()
    deadline = None
    if args.deadline:
        hour, minute = map(int, args.deadline.split(":"))
        now = time.gmtime()
        deadline = calendar.timegm((now.tm_year, now.tm_mon, now.tm_mday, hour, minute, 0, 0, 0, 0))
        deadline += 86400 if deadline < time.time() - 3600 else 0
    sizes = [int(s) for s in args.sizes.split(",")]
    work = Path(tempfile.mkdtemp(prefix="paiban-bench-"))
    print(f"started {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load {os.getloadavg()[0]:.2f} "
          f"{os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}, runs {args.runs}", flush=True)
    rows: dict[str, dict[str, dict[str, float]]] = {}
    facts: dict[str, dict[str, float]] = {}
    loads: dict[str, list[float]] = {}
    todo = [] if args.only_scaling else sizes
    for index, pages in enumerate(todo):
        cases, info = size_cases(work, pages)
        runs = args.runs_large if args.runs_large and pages >= 400 else args.runs
        before = os.getloadavg()[0]
        later = sum(todo[index + 1:])  # one run of each later size, in proportion to its pages

        def reserve(last: float, pages: int = pages, later: int = later) -> float:
            return last * later / pages + (0 if args.no_scaling else last * 1.5 * 190 / pages)

        r = alternate(cases, runs, deadline, reserve)
        loads[str(pages)] = [before, os.getloadavg()[0]]
        for path, text in info["restore"]:  # type: ignore[union-attr]
            path.write_text(text, "utf-8")
        outs, peers = info["outs"], info["peers"]  # type: ignore[assignment]
        book = info["book"]  # type: ignore[assignment]
        f: dict[str, float] = {"characters": info["chars"], "han": han(book_markdown(book)),  # type: ignore[dict-item]
                               "reprint_characters": info["reprint_chars"],  # type: ignore[dict-item]
                               "paiban": pdf_pages(outs["cold"] / f"{isbn(book)}.pdf"),
                               "reprint": pdf_pages(outs["rcold"] / f"{isbn(book)}.pdf")}
        for name in ("typst", "plain", "xelatex"):
            if peers[name].is_file():
                f[name] = pdf_pages(peers[name])
        rows[str(pages)], facts[str(pages)] = r, f
        print_size(pages, r, f)
        if "Pandoc → EPUB" in r and "Typst → PDF" in r:
            peers_time = r["Pandoc → EPUB"]["median"] + r["Typst → PDF"]["median"]
            print(f"ratio {'full build / (Pandoc EPUB + Typst PDF)':46} "
                  f"{r['paiban full build (cold)']['median'] / peers_time:6.2f}")
        print(f"load average before / after this size: {loads[str(pages)][0]:.2f} / {loads[str(pages)][1]:.2f}",
              flush=True)
    if "190" in rows and "400" in rows:
        print("\n== growth, 400 pages over 190 pages ==")
        for name in rows["400"]:
            print(f"{name:38} {rows['400'][name]['median'] / rows['190'][name]['median']:.2f}")
    extra: dict[str, object] = {}
    if not args.no_scaling:
        at = max([s for s in sizes if s <= 190] or sizes[:1])
        if not (work / f"book{at}").is_dir():
            make_book(work / f"book{at}", at)
        extra["scaling"] = scaling(work, at, args.runs, deadline)
        extra["parts"] = cluster_estimate(work, at)
    print(f"\nmachine: {platform.platform()}, {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; finished {time.strftime('%H:%M UTC', time.gmtime())}, "
          f"load {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "facts": facts, "loads": loads, **extra},
                                        ensure_ascii=False, indent=2, default=str), "utf-8")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
