"""Each part's layout time in a cold PDF build, for the estimate of a build on many machines.

The printed book is laid out in parts (paiban/builders/pdf/parts.py, partcache.py) in rounds: the
parts that need no folio (the front matter, the chapters, the part-title pages), then
those that wait for the chapters' page counts (the contents, the frames, the cover).
On a cluster a round takes as long as its longest part (with enough workers) and
everything outside the parts (start-up, reading, ``check``, making the HTML, joining,
writing) stays on the machine that runs the build: that is the critical path.

This builds the book's PDF cold in this process with one worker (``--jobs 1``, so the
parts are laid out here, one after the other, each timed in CPU seconds without
competing for a core) and prints, as JSON, each part's label, kind, round and time, the
join's and the cover spread's (laid out while the parts are joined) and the CPU time
outside all of them. Usage: ``python benchmarks/parttimes.py BOOK OUT``.
"""

from __future__ import annotations

import functools
import json
import sys
import time
from pathlib import Path


def kind_of(label: str) -> str:
    for prefix, kind in (("the frame of", "frame"), ("the front matter", "front matter"),
                         ("the contents", "contents"), ("the cover", "cover"), ("the part-title", "part title")):
        if label.startswith(prefix):
            return kind
    return "chapter"


def main(book: Path, out: Path) -> dict[str, object]:
    start = time.process_time()
    from paiban import cli
    from paiban.builders.pdf import partcache, parts

    rounds: list[list[dict[str, object]]] = []
    labels: dict[int, str] = {}
    lay_out_round, lay_out_part = partcache.Parts.lay_out, partcache.lay_out_part

    @functools.wraps(lay_out_round)
    def timed_round(self, jobs, *args, **kwargs):
        rounds.append([])
        labels.update({id(job.html): job.label for job in jobs})
        return lay_out_round(self, jobs, *args, **kwargs)

    @functools.wraps(lay_out_part)
    def timed_part(book, html, *args, **kwargs):
        began = time.process_time()
        try:
            return lay_out_part(book, html, *args, **kwargs)
        finally:
            label = labels.get(id(html), "?")
            rounds[-1].append({"label": label, "kind": kind_of(label), "seconds": time.process_time() - began})

    partcache.Parts.lay_out, partcache.lay_out_part = timed_round, timed_part
    # The join and the printer's cover spread, which a build with workers lays out while it joins.
    overlapped: dict[str, float] = {"join": 0.0, "cover spread": 0.0}
    for owner, name, what in ((getattr(parts, "PlannedBook", None), "join", "join"),
                              (parts, "make_cover_spread", "cover spread")):
        function = getattr(owner, name, None)
        if function is None:
            continue

        def timed(*args, _function=function, _what=what, **kwargs):
            began = time.process_time()
            try:
                return _function(*args, **kwargs)
            finally:
                overlapped[_what] += time.process_time() - began

        setattr(owner, name, functools.wraps(function)(timed))
    code = cli.main(["pdf", "--jobs", "1", "--manuscript", str(book), "--out", str(out), "-q"])
    if code:
        raise SystemExit(f"the build failed (exit status {code})")
    total = time.process_time() - start
    laid = [part for r in rounds for part in r]
    kinds: dict[str, list[float]] = {}
    for part in laid:
        kinds.setdefault(str(part["kind"]), []).append(float(part["seconds"]))  # type: ignore[arg-type]
    return {"parts": laid, "kinds": kinds,
            "rounds": [[float(p["seconds"]) for p in r] for r in rounds if r],  # type: ignore[arg-type]
            "join": overlapped["join"], "spread": overlapped["cover spread"],
            "serial": total - sum(float(p["seconds"]) for p in laid) - sum(overlapped.values()),  # type: ignore[arg-type]
            "total": total}


if __name__ == "__main__":
    result = main(Path(sys.argv[1]), Path(sys.argv[2]))
    sys.stdout.flush()
    print(json.dumps(result, ensure_ascii=False))
