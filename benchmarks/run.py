"""Benchmark paiban against the tools a user would pick instead, in one run.

Makes full-length manuscripts in paiban's format from the sample's text (50, 100,
about 190 and 400 pages at the sample's geometry; the 190-page one has 10 chapters
and about 160,000 characters, the size of the original book), then times, each as
the median of several runs with min and max and the peak memory (of the largest
process: the command or one of its workers):

- paiban: cold full build (EPUB + PDF), EPUB alone, PDF alone, ``check``, and a
  rebuild after changing one paragraph;
- Pandoc (PyPI pypandoc-binary) to EPUB 3 and Typst (PyPI typst) to PDF on the same
  text, body in Noto Serif CJK SC, justified;
- WeasyPrint alone on the same text (one document, no paiban typography), the floor
  of what paiban's PDF path can cost on one core.

It prints a table, our time over theirs as ratios measured in the same run, and how
time grows with pages. Usage: ``python benchmarks/run.py [--runs N] [--sizes 50,100,190,400]``.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "manuscript"
CHARS_PER_PAGE = 842  # measured: 160,000 characters over 190 pages of the sample's geometry
NUMERALS = "一二三四五六七八九十"

# Run one measured command in a fresh interpreter and report its peak memory.
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
# The largest of this process and its workers (paiban lays the PDF out in worker processes).
peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print("BENCH", elapsed, peak, file=sys.stderr)
"""


def sample_paragraphs() -> list[str]:
    body = (SAMPLE / "chapters" / "00-xulun.md").read_text("utf-8").split("---", 2)[2]
    paragraphs = []
    for block in body.split("\n\n"):
        block = re.sub(r"\{\{page \d+\}\}", "", block).strip()
        if block and not block.startswith("#"):
            paragraphs.append(block)
    return paragraphs


def make_book(folder: Path, pages: int, chapters: int = 10) -> int:
    """A reflowing book of about ``pages`` pages; returns its number of characters."""
    paragraphs = sample_paragraphs()
    target = pages * CHARS_PER_PAGE
    per_chapter = target // chapters
    folder.mkdir(parents=True)
    (folder / "chapters").mkdir()
    meta = (SAMPLE / "book.yaml").read_text("utf-8").split("\ncontents:")[0]
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
    layout = "layout:\n  reflow: true\n"
    meta = re.sub(r"\nlayout:.*", "", meta, flags=re.S)
    # The imprint's 印张 describes the 2013 book, not this one.
    meta = re.sub(r"\nimprint:.*?(?=\n\S)", "", meta, flags=re.S)
    (folder / "book.yaml").write_text(meta + "\ncontents:\n" + "".join(contents) + layout, "utf-8")
    return total


def book_markdown(folder: Path) -> str:
    """The same book as one plain Markdown document, for the peers."""
    parts = []
    for path in sorted((folder / "chapters").glob("*.md")):
        _, front, body = path.read_text("utf-8").split("---", 2)
        title = re.search(r"title: (.*)", front).group(1)  # type: ignore[union-attr]
        parts.append(f"# {title}\n\n{body.strip()}\n")
    return "\n".join(parts)


def typst_source(markdown: str) -> str:
    lines = ['#set page(width: 185mm, height: 260mm, margin: (x: 22mm, y: 26mm))',
             '#set text(font: "Noto Serif CJK SC", size: 12pt, lang: "zh", region: "cn")',
             '#set par(justify: true, first-line-indent: (amount: 2em, all: true), leading: 0.75em)',
             '#show heading: set text(font: "Noto Sans CJK SC")',
             '#show heading.where(level: 1): it => { pagebreak(weak: true); it }']
    for block in markdown.split("\n\n"):
        block = block.strip()
        if block.startswith("#"):
            level = len(block) - len(block.lstrip("#"))
            lines.append("=" * level + " " + block.lstrip("#").strip())
        elif block:
            lines.append(block.replace("#", "\\#").replace("*", "\\*").replace("_", "\\_").replace("@", "\\@")
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
    return f'<html lang="zh-CN"><style>{css}</style><body>{markdown.markdown(markdown_text)}</body></html>'


def measure(argv: list[str], script: str, runs: int, prepare=None) -> dict[str, float]:
    times, memory = [], []
    for _ in range(runs):
        if prepare:
            prepare()
        code = RUNNER.format(argv=argv, script=script)
        result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
        if result.returncode:
            raise SystemExit(f"{' '.join(argv)} failed:\n{result.stderr[-2000:]}")
        line = next(ln for ln in result.stderr.splitlines() if ln.startswith("BENCH"))
        _, elapsed, rss = line.split()
        times.append(float(elapsed))
        memory.append(int(rss) / 1024)
    return {"median": statistics.median(times), "min": min(times), "max": max(times), "peak_mb": max(memory)}


def timed_python(code: str, runs: int) -> dict[str, float]:
    script = Path(tempfile.mkstemp(suffix=".py")[1])
    script.write_text(code, "utf-8")
    return measure([str(script)], str(script), runs)


def isbn(book: Path) -> str:
    return re.search(r'isbn: "([^"]+)"', (book / "book.yaml").read_text("utf-8")).group(1).replace("-", "")  # type: ignore[union-attr]


def pdf_pages(path: Path) -> int:
    import pypdf

    return len(pypdf.PdfReader(path).pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="50,100,190,400")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    work = Path(tempfile.mkdtemp(prefix="paiban-bench-"))
    build = str(ROOT / "build.py")
    rows: dict[str, dict[str, dict[str, float]]] = {}
    facts: dict[str, dict[str, float]] = {}
    for pages in sizes:
        book, out = work / f"book{pages}", work / f"out{pages}"
        chars = make_book(book, pages)
        common = ["--manuscript", str(book), "--out", str(out), "-q"]

        def clean_out(out: Path = out) -> None:
            shutil.rmtree(out, ignore_errors=True)

        r: dict[str, dict[str, float]] = {}
        r["full build (cold)"] = measure([build, *common], build, args.runs, clean_out)
        r["EPUB alone"] = measure([build, "epub", *common], build, args.runs, clean_out)
        r["PDF alone"] = measure([build, "pdf", *common], build, args.runs, clean_out)
        r["check"] = measure([build, "check", *common], build, args.runs)
        chapter = book / "chapters" / "05.md"
        original = chapter.read_text("utf-8")

        def change_paragraph(chapter: Path = chapter, original: str = original) -> None:
            stamp = str(time.perf_counter_ns())
            chapter.write_text(original.replace("。", f"（改{stamp}）。", 1), "utf-8")

        measure([build, *common], build, 1)  # outputs exist: the rebuild starts warm
        r["rebuild, one paragraph changed"] = measure([build, *common], build, args.runs, change_paragraph)
        chapter.write_text(original, "utf-8")
        md = work / f"book{pages}.md"
        md.write_text(book_markdown(book), "utf-8")
        r["Pandoc → EPUB"] = timed_python(
            "import pypandoc\n"
            f"pypandoc.convert_file({str(md)!r}, 'epub3', outputfile={str(work / f'pandoc{pages}.epub')!r},"
            " extra_args=['--metadata', 'title=基准', '--metadata', 'lang=zh-CN'])\n", args.runs)
        typ = work / f"book{pages}.typ"
        typ.write_text(typst_source(md.read_text("utf-8")), "utf-8")
        r["Typst → PDF"] = timed_python(
            f"import typst\ntypst.compile({str(typ)!r}, output={str(work / f'typst{pages}.pdf')!r})\n", args.runs)
        plain = work / f"plain{pages}.html"
        plain.write_text(plain_html(md.read_text("utf-8")), "utf-8")
        r["plain WeasyPrint → PDF"] = timed_python(
            f"import weasyprint\nweasyprint.HTML({str(plain)!r}).write_pdf({str(work / f'plain{pages}.pdf')!r})\n",
            args.runs)
        rows[str(pages)] = r
        measure([build, *common], build, 1)
        ours = out / f"{isbn(book)}.pdf"
        facts[str(pages)] = {"characters": chars, "paiban_pages": pdf_pages(ours),
                             "typst_pages": pdf_pages(work / f"typst{pages}.pdf"),
                             "paiban_kb": ours.stat().st_size / 1024,
                             "typst_kb": (work / f"typst{pages}.pdf").stat().st_size / 1024}
        f = facts[str(pages)]
        print(f"\n== {pages}-page book: {chars:,} characters; paiban {f['paiban_pages']} pages "
              f"({f['paiban_kb']:,.0f} KB), Typst {f['typst_pages']} pages ({f['typst_kb']:,.0f} KB) ==")
        print(f"{'':34} {'median s':>9} {'min':>7} {'max':>7} {'peak MB':>8}")
        for name, v in r.items():
            print(f"{name:34} {v['median']:9.2f} {v['min']:7.2f} {v['max']:7.2f} {v['peak_mb']:8.0f}")
        peers = r["Pandoc → EPUB"]["median"] + r["Typst → PDF"]["median"]
        print(f"ratio EPUB alone / Pandoc EPUB:             {r['EPUB alone']['median'] / r['Pandoc → EPUB']['median']:.2f}")
        print(f"ratio full build / (Pandoc EPUB + Typst PDF): {r['full build (cold)']['median'] / peers:.2f}")
        print(f"ratio PDF alone / Typst PDF:                {r['PDF alone']['median'] / r['Typst → PDF']['median']:.2f}")
        print(f"ratio plain WeasyPrint PDF / Typst PDF:     "
              f"{r['plain WeasyPrint → PDF']['median'] / r['Typst → PDF']['median']:.2f}")
        print(f"ratio rebuild / Typst cold PDF:             "
              f"{r['rebuild, one paragraph changed']['median'] / r['Typst → PDF']['median']:.2f}")
    if "190" in rows and "400" in rows:
        print("\n== growth, 400 pages over 190 pages ==")
        for name in rows["400"]:
            print(f"{name:34} {rows['400'][name]['median'] / rows['190'][name]['median']:.2f}")
    print(f"\nmachine: {platform.platform()}, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "facts": facts}, ensure_ascii=False, indent=2), "utf-8")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
