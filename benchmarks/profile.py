"""Where each CPU-second of a cold build goes, across every process of the build.

A build lays the PDF out in forked worker processes (and the EPUB in one more), so a
profile of the command alone misses most of the work. This script builds one of the
benchmark's books (``benchmarks/run.py``'s ``make_book``) in this process, with
cProfile running in it and in every process it forks:

- each forked child stops the profiler it inherited and starts its own
  (``os.register_at_fork``), and dumps it when it leaves (``os._exit``, which
  multiprocessing's children end with);
- within a process, the profile is kept per *context*, switched by wrappers around
  paiban's entry points (looked up by name; a missing one only merges its context into
  the enclosing one): the EPUB's process, each kind of part laid out (cover, front
  matter and contents; a chapter's first layout; a chapter laid out again after its
  measures, e.g. ``tighten_tail``; a chapter's frame) and the printer's cover spread.

Each function's own time is assigned to a *stage* by its module (a C function's to
the stage of the Python function that called it, from the profile's callers), time
spent waiting (locks, pipes, ``select``) is left out, and each process's profiled time
is scaled to the CPU time it used (``getrusage``), so the table is in CPU seconds with
the profiler's overhead taken out proportionally. A separate run of the same command
without the profiler (in a fresh interpreter) gives its true CPU and wall time.

``--plain`` profiles plain WeasyPrint on the same text instead (run.py's baseline), with
the same stages, to show what of paiban's cost WeasyPrint itself sets.

Usage: ``python benchmarks/profile.py [--pages 190] [--reprint] [--what all|pdf|epub]
[--plain] [--out FILE]``.
"""

from __future__ import annotations

import argparse
import builtins
import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# This script's own folder must not shadow the standard library's `profile`, which cProfile imports.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import cProfile  # noqa: E402
import functools
import os
import pstats
import resource
import shutil
import subprocess
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_spec = importlib.util.spec_from_file_location("paiban_benchmark", HERE / "run.py")
assert _spec is not None and _spec.loader is not None
bench = importlib.util.module_from_spec(_spec)  # the benchmark's books
sys.modules[_spec.name] = bench
_spec.loader.exec_module(bench)

ROOT = HERE.parent

# Stages, in the order printed: (name, path fragments of the modules whose functions' own time it is).
STAGES: list[tuple[str, tuple[str, ...]]] = [
    ("imports", ("<frozen importlib", "importlib/", "<frozen zipimport", "pkgutil.py")),
    # cffi parses a C type string the first time ffi.new() meets it, in each process
    # (WeasyPrint's font subsetting and embedding, after the workers fork).
    ("cffi: C type strings parsed on first use", ("/cffi/", "/pycparser/")),
    ("reading the book (reader, Markdown, YAML, schema)",
     ("paiban/reader/", "/markdown/", "/ruamel/", "/jsonschema", "/referencing/", "/rpds", "/nh3", "/yaml/")),
    ("transforms and print HTML (tree, Jinja, serialize)",
     ("paiban/transforms/", "paiban/tree.py", "paiban/builders/pdf/html.py", "paiban/builders/templates.py",
      "paiban/builders/sandbox.py", "paiban/builders/css.py", "/jinja2/", "/markupsafe/", "/pypinyin/",
      "xml/etree/", "html/parser.py", "_markupbase.py")),
    ("glyph check", ("paiban/fonts/",)),
    ("WeasyPrint: HTML parse", ("/tinyhtml5/", "/webencodings/", "weasyprint/html.py", "weasyprint/urls.py",
                                "paiban/builders/pdf/fetch.py")),
    ("WeasyPrint: CSS parse and cascade", ("/tinycss2/", "/cssselect2/", "weasyprint/css/")),
    ("WeasyPrint: box tree", ("weasyprint/formatting_structure/",)),
    ("WeasyPrint: layout (Pango line breaking, shaping)", ("weasyprint/layout/", "weasyprint/text/line_break.py",
                                                           "weasyprint/text/ffi.py", "weasyprint/text/constants.py")),
    ("justification patch (justify.py)", ("paiban/builders/pdf/justify.py",)),
    ("paiban's measures of a layout (pagination, notes, figures)",
     ("paiban/builders/pdf/layout.py", "paiban/builders/pdf/pagination.py")),
    ("WeasyPrint: fonts loaded and subset per part", ("weasyprint/text/fonts.py", "weasyprint/pdf/fonts.py",
                                                      "/fontTools/")),
    ("WeasyPrint: draw and write_pdf", ("weasyprint/draw", "weasyprint/stacking.py", "weasyprint/pdf/",
                                        "weasyprint/document.py", "weasyprint/images.py", "weasyprint/matrix.py",
                                        "/pydyf/", "weasyprint/svg/")),
    ("joining the parts (merge.py, pikepdf)", ("paiban/builders/pdf/merge.py", "/pikepdf/")),
    ("re-subsetting the faces after joining (fontshare.py, HarfBuzz)", ("paiban/builders/pdf/fontshare.py",
                                                                        "/uharfbuzz/")),
    ("EPUB (ebooklib, zip, lxml)", ("paiban/builders/epub/", "/ebooklib/", "zipfile", "/lxml/")),
    ("cover image for the EPUB (pdfium, Pillow)", ("/pypdfium2", "/PIL/")),
    ("printer's cover spread", ("paiban/builders/pdf/cover_spread.py", "/barcode/")),
    ("files, hashing, cache keys, atomic writes", ("paiban/cache.py", "paiban/atomic.py", "hashlib", "pickle", "copyreg",
                                            "shutil.py", "pathlib.py", "posixpath.py", "genericpath.py")),
    ("process pool, pickling results", ("multiprocessing/", "concurrent/", "paiban/workers.py",
                                        "paiban/builders/pdf/parts.py", "paiban/builders/pdf/partcache.py", "threading.py", "selectors.py",
                                        "queue.py", "weakref.py")),
    ("check (rules before the build)", ("paiban/check/",)),
]
OTHER = "other"
# C functions whose time is the process waiting, not computing: left out of CPU time.
WAITING = ("acquire", "select", "poll", "waitpid", "sleep", "posix.read", "posix.wait", "recv", "epoll", "_wait",
           "connection.recv", "posix.write")

# Contexts, in the order printed (the column headings).
CONTEXTS = {
    "main": "parent",
    "worker": "worker idle",
    "epub": "EPUB proc",
    "cover/front/contents": "cover/front/toc",
    "chapter": "chapter 1st",
    "chapter again": "chapter again",
    "frame": "frames",
    "cover spread": "spread",
}


class _Recorder:
    """This process's profiles, one per context, and the context now recorded."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.profiles: dict[str, cProfile.Profile] = {}
        self.stack: list[str] = []
        self.importing = False

    def start(self, context: str) -> None:
        if self.stack:
            self.profiles[self.stack[-1]].disable()
        self.stack.append(context)
        self.profiles.setdefault(context, cProfile.Profile()).enable()

    def stop(self) -> None:
        self.profiles[self.stack.pop()].disable()
        if self.stack:
            self.profiles[self.stack[-1]].enable()

    @contextmanager
    def context(self, name: str) -> Iterator[None]:
        self.start(name)
        try:
            yield
        finally:
            self.stop()

    def restart_in_child(self) -> None:
        """In a forked child: stop the parent's profiler this process inherited, start its own."""
        if self.stack:
            self.profiles[self.stack[-1]].disable()
        self.profiles, self.stack, self.importing = {}, [], False
        self.start("worker")

    def dump(self) -> None:
        """Write each context's profile, and this process's CPU time, into the folder."""
        if self.stack:
            self.profiles[self.stack[-1]].disable()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        pid = os.getpid()
        (self.folder / f"{pid}.cpu").write_text(f"{usage.ru_utime + usage.ru_stime}\n")
        for name, profile in self.profiles.items():
            profile.dump_stats(str(self.folder / f"{pid}.{name.replace('/', '_').replace(' ', '_')}.prof"))
        self.stack = []

    def recording_imports(self) -> None:
        """Record every import of a module not yet loaded, and all it runs, as its context's imports
        (its own profile, ``CONTEXT@imports``): the time of a module's top level, cffi's parsing of
        declarations and the regular expressions it compiles are what importing it costs."""
        original = builtins.__import__

        def recorded(name, globals=None, locals=None, fromlist=(), level=0):
            if self.importing or not self.stack or (level == 0 and name in sys.modules and not fromlist):
                return original(name, globals, locals, fromlist, level)
            self.importing = True
            context = self.stack[-1]
            self.start(context.split("@")[0] + "@imports")
            try:
                return original(name, globals, locals, fromlist, level)
            finally:
                self.stop()
                self.importing = False

        builtins.__import__ = recorded


def _wrap(module: object, name: str, context: Callable[..., str | None], recorder: _Recorder) -> bool:
    """Replace ``module.name`` by a wrapper that records its calls under ``context(*args)``
    (None: the enclosing context). The wrapper keeps the function's name, so a pool can
    still pickle it by reference."""
    function = getattr(module, name, None)
    if function is None:
        return False

    @functools.wraps(function)
    def recorded(*args, **kwargs):
        label = context(*args, **kwargs)
        if label is None:
            return function(*args, **kwargs)
        with recorder.context(label):
            return function(*args, **kwargs)

    setattr(module, name, recorded)
    return True


def _part_kind(book, html: str = "", chapter=None, *rest, **kw) -> str:
    if chapter is not None:
        return "chapter"
    return "frame" if 'class="print frame"' in html else "cover/front/contents"


def install(recorder: _Recorder) -> list[str]:
    """Wrap paiban's entry points so each records under its context; returns what was not found."""
    import paiban.compose as compose
    from paiban.builders.pdf import layout, partcache, parts

    missing = []
    laid_out_in_part = {"calls": 0}
    lay_out_part = getattr(partcache, "lay_out_part", None)

    def part_context(*args, **kwargs) -> str:
        laid_out_in_part["calls"] = 0
        return _part_kind(*args, **kwargs)

    def layout_context(*args, **kwargs) -> str | None:
        # A chapter's second and later layouts (tighten_tail, notes, figures) within one part.
        laid_out_in_part["calls"] += 1
        if laid_out_in_part["calls"] > 1 and recorder.stack and recorder.stack[-1] == "chapter":
            return "chapter again"
        return None

    targets = [(compose, "_epub_in_worker", lambda *a, **k: "epub"),
               (partcache, "lay_out_part", part_context),
               (layout, "layout_html", layout_context),
               (parts, "make_cover_spread", lambda *a, **k: "cover spread")]
    for module, name, context in targets:
        if not _wrap(module, name, context, recorder):
            missing.append(f"{module.__name__}.{name}")
    if lay_out_part is not None and getattr(layout, "lay_out_part", None) is lay_out_part:
        layout.lay_out_part = partcache.lay_out_part
    return missing


def profiled(run: Callable[[_Recorder], int], folder: Path) -> float:
    """Call ``run`` in this process, every process profiled into ``folder``; returns the wall time."""
    recorder = _Recorder(folder)
    real_exit = os._exit

    def exit_dumping(code: int) -> None:
        recorder.dump()
        real_exit(code)

    def in_child() -> None:
        recorder.restart_in_child()
        os._exit = exit_dumping

    os.register_at_fork(after_in_child=in_child)
    start = time.perf_counter()
    recorder.start("main")
    recorder.recording_imports()
    try:
        code = run(recorder)
    finally:
        elapsed = time.perf_counter() - start
        recorder.dump()
    if code:
        raise SystemExit(f"the build failed (exit status {code})")
    return elapsed


def paiban_build(argv: list[str], missing: list[str]) -> Callable[[_Recorder], int]:
    """``paiban`` with ``argv``, its entry points wrapped (those not found added to ``missing``)."""
    def run(recorder: _Recorder) -> int:
        from paiban import cli

        missing.extend(install(recorder))
        return cli.main(argv)

    return run


def plain_weasyprint(html: Path, pdf: Path) -> Callable[[_Recorder], int]:
    """WeasyPrint alone on one HTML file, as benchmarks/run.py's baseline runs it."""
    def run(recorder: _Recorder) -> int:
        import weasyprint

        weasyprint.HTML(str(html)).write_pdf(str(pdf))
        return 0

    return run


def _stage_of_path(path: str) -> str:
    for name, fragments in STAGES:
        if any(f in path for f in fragments):
            return name
    return OTHER


def _classify(stats: dict) -> dict[str, float]:
    """Own time per stage; a C function's own time goes to the stages of its callers."""
    memo: dict[tuple, dict[str, float]] = {}

    def shares(func: tuple, depth: int = 0) -> dict[str, float]:
        """How ``func``'s own time splits over stages (fractions summing to 1)."""
        if func in memo:
            return memo[func]
        filename, _, name = func
        if filename != "~":
            result = {"imports" if name == "<module>" else _stage_of_path(filename): 1.0}
        elif any(w in name for w in WAITING):
            result = {"waiting": 1.0}
        elif "marshal.loads" in name or "_imp." in name:
            result = {"imports": 1.0}
        else:
            callers = stats[func][4] if func in stats else {}
            total = sum(v[2] for v in callers.values())
            result = defaultdict(float)
            if not callers or total <= 0 or depth > 4:
                result[OTHER] = 1.0
            else:
                for caller, values in callers.items():
                    for stage, part in shares(caller, depth + 1).items():
                        result[stage] += part * values[2] / total
            result = dict(result)
        memo[func] = result
        return result

    out: dict[str, float] = defaultdict(float)
    for func, (_, _, own, _, _) in stats.items():
        for stage, part in shares(func).items():
            out[stage] += own * part
    return out


def summarize(folder: Path) -> tuple[dict[str, dict[str, float]], dict[str, float], float]:
    """CPU seconds by stage and context (profiled time scaled to each process's CPU time),
    the other modules' own time, and the total CPU seconds of all processes."""
    table: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    others: dict[str, float] = defaultdict(float)
    total_cpu = 0.0
    for cpu_file in folder.glob("*.cpu"):
        pid = cpu_file.stem
        cpu = float(cpu_file.read_text())
        total_cpu += cpu
        per_context = {}
        for prof in folder.glob(f"{pid}.*.prof"):
            name = prof.name[len(pid) + 1:-len(".prof")]
            context, importing = name.split("@")[0].replace("_", " "), name.endswith("@imports")
            context = "cover/front/contents" if context == "cover front contents" else context
            stats = pstats.Stats(str(prof)).stats  # type: ignore[attr-defined]
            stages = _classify(stats)
            if importing:
                stages = {"imports": sum(v for s, v in stages.items() if s != "waiting")}
            per_context[(context, importing)] = (stages, stats)
        profiled = sum(v for stages, _ in per_context.values() for s, v in stages.items() if s != "waiting")
        scale = cpu / profiled if profiled > 0 else 0.0
        for (context, importing), (stages, stats) in per_context.items():
            for stage, seconds in stages.items():
                if stage != "waiting":
                    table[stage][context] += seconds * scale
            for (filename, _, name), (_, _, own, _, _) in stats.items():
                if not importing and filename != "~" and _stage_of_path(filename) == OTHER and name != "<module>":
                    others[filename.split("site-packages/")[-1].split("lib/python3")[-1]] += own * scale
    return table, others, total_cpu


def unprofiled(argv: list[str], script: Path = ROOT / "build.py") -> tuple[float, float]:
    """Wall and CPU seconds (the command and all its children) of ``script`` with ``argv``
    in a fresh interpreter."""
    code = ("import resource, runpy, sys, time\n"
            f"sys.argv = {[str(script), *argv]!r}\n"
            "start = time.perf_counter()\n"
            "try:\n"
            f"    runpy.run_path({str(script)!r}, run_name='__main__')\n"
            "except SystemExit as exc:\n"
            "    assert exc.code in (0, None), exc.code\n"
            "wall = time.perf_counter() - start\n"
            "cpu = sum(getattr(resource.getrusage(w), f) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)"
            " for f in ('ru_utime', 'ru_stime'))\n"
            "print('BENCH', wall, cpu, file=sys.stderr)\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(result.stderr[-2000:])
    _, wall, cpu = next(ln for ln in result.stderr.splitlines() if ln.startswith("BENCH")).split()
    return float(wall), float(cpu)


def report(table: dict[str, dict[str, float]], others: dict[str, float], profiled_cpu: float, cpu: float,
           pages: int, header: list[str]) -> str:
    """The table in the CPU seconds of the build without the profiler: the profiled seconds
    scaled by ``cpu / profiled_cpu`` (the profiler's overhead taken out in proportion)."""
    factor = cpu / profiled_cpu
    table = {s: {c: v * factor for c, v in row.items()} for s, row in table.items()}
    others = {name: v * factor for name, v in others.items()}
    total_cpu = cpu
    contexts = [c for c in CONTEXTS if any(table[s].get(c) for s in table)]
    names = [name for name, _ in STAGES] + [OTHER]
    width = 58
    lines = [*header, "",
             f"{'stage (CPU seconds, all processes)':{width}} {'total':>6} {'%':>5} {'ms/page':>7} "
             + " ".join(f"{CONTEXTS[c]:>13}" for c in contexts)]
    for name in names:
        row = table.get(name, {})
        total = sum(row.values())
        if total < 0.005:
            continue
        lines.append(f"{name[:width]:{width}} {total:6.2f} {100 * total / total_cpu:5.1f} {1000 * total / pages:7.1f} "
                     + " ".join(f"{row.get(c, 0):13.2f}" for c in contexts))
    col = {c: sum(table[s].get(c, 0) for s in table) for c in contexts}
    lines.append(f"{'total':{width}} {total_cpu:6.2f} {100.0:5.1f} {1000 * total_cpu / pages:7.1f} "
                 + " ".join(f"{col[c]:13.2f}" for c in contexts))
    top = sorted(others.items(), key=lambda kv: -kv[1])[:8]
    if top:
        lines += ["", "largest modules in 'other': " + "; ".join(f"{name} {sec:.2f} s" for name, sec in top)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=190)
    parser.add_argument("--reprint", action="store_true", help="the book with {{page N}} markers, not reflowing")
    parser.add_argument("--what", choices=("all", "pdf", "epub"), default="all")
    parser.add_argument("--plain", action="store_true",
                        help="profile plain WeasyPrint on the same text instead (run.py's baseline)")
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="paiban-profile-"))
    book = work / "book"
    made = bench.make_reprint_book if args.reprint else bench.make_book
    chars = made(book, args.pages)
    folder = work / "prof"
    folder.mkdir()
    missing: list[str] = []
    if args.plain:
        html, pdf = work / "plain.html", work / "plain.pdf"
        html.write_text(bench.plain_html(bench.book_markdown(book)), "utf-8")
        script = work / "plain.py"
        script.write_text("import sys, weasyprint\nweasyprint.HTML(sys.argv[1]).write_pdf(sys.argv[2])\n", "utf-8")
        wall, cpu = unprofiled([str(html), str(pdf)], script)
        profiled_wall = profiled(plain_weasyprint(html, pdf), folder)
        pages, what = bench.pdf_pages(pdf), "plain WeasyPrint 70.0 (one document, one process) on the text of"
    else:
        argv = [args.what, "--manuscript", str(book), "--out", str(work / "out"), "-q"]
        wall, cpu = unprofiled(argv)
        shutil.rmtree(work / "out")
        profiled_wall = profiled(paiban_build(argv, missing), folder)
        pdfs = sorted((work / "out").glob("*[0-9].pdf"))
        pages, what = (bench.pdf_pages(pdfs[0]) if pdfs else args.pages), f"a cold `{args.what}` build of"
    table, others, total_cpu = summarize(folder)
    kind = "reprint ({{page N}} markers)" if args.reprint else "reflowing"
    header = [
        f"Profile of {what} the {args.pages}-page {kind} book of benchmarks/run.py "
        f"({chars:,} characters, {pages} PDF pages), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"without the profiler: {wall:.2f} s wall, {cpu:.2f} s CPU (command and workers), "
        f"{1000 * cpu / pages:.1f} ms CPU per page",
        f"with cProfile in every process: {profiled_wall:.2f} s wall, {total_cpu:.2f} s CPU; each process's "
        "profile scaled to its own CPU time (waiting left out), then all to the CPU time without the profiler",
        "columns: the process or part kind the time was spent in (parent: the command's own process; "
        "chapter again: a chapter's second and later layouts, after its measures)",
        f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (1, 5, 15 min), "
        f"{os.cpu_count()} cores",
    ]
    if missing:
        header.append("entry points not found (their contexts merged into the enclosing one): " + ", ".join(missing))
    text = report(table, others, total_cpu, cpu, pages, header)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", "utf-8")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
