"""``paiban batch``: many books, one process each; one book's failure never stops the others."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from paiban import batch, workers
from paiban.errors import BookError

REPRINT = ROOT / "tests" / "books" / "reprint"
ISBN = "9787515004662"


def shelf(root: Path) -> Path:
    """A folder of three books: one fine, one whose book.yaml does not parse, one whose
    chapter names an image that is not there (an error ``check`` finds)."""
    shutil.copytree(REPRINT, root / "good")
    (root / "broken").mkdir()
    (root / "broken" / "book.yaml").write_text("title: [unclosed\n", "utf-8")
    shutil.copytree(REPRINT, root / "missing")
    chapter = root / "missing" / "chapters" / "01.md"
    chapter.write_text(chapter.read_text("utf-8") + "\n![茶](images/none.png)\n", "utf-8")
    (root / "notes.txt").write_text("not a book", "utf-8")  # neither a book nor a folder of books: left out
    return root


def test_batch_of_three_one_broken(tmp_path: Path) -> None:
    books = shelf(tmp_path / "books")
    out, summary = tmp_path / "out", tmp_path / "summary.json"
    done = run_cli("batch", str(books), "--out", str(out), "--summary", str(summary), "--jobs", "2")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert re.search(r"^1 built, 2 failed in \d+\.\d s$", done.stderr, re.M), done.stderr

    data = json.loads(summary.read_text("utf-8"))
    assert (data["built"], data["failed"], data["jobs"], data["cluster"]) == (1, 2, 2, None)
    by_name = {Path(b["folder"]).name: b for b in data["books"]}
    assert set(by_name) == {"good", "broken", "missing"}
    for entry in data["books"]:
        assert set(entry) == {"folder", "outcome", "outputs", "findings", "error", "seconds"}
        assert entry["seconds"] > 0 or entry["outcome"] == "failed"

    good = by_name["good"]
    assert good["outcome"] == "built" and good["error"] is None
    assert sorted(Path(p).name for p in good["outputs"]) == [f"{ISBN}-cover.pdf", f"{ISBN}.epub", f"{ISBN}.pdf"]
    for path in good["outputs"]:
        assert Path(path).parent == out / "good" and Path(path).stat().st_size > 1000
    assert (out / "good" / ".paiban-cache").is_dir()  # as build --out would leave it

    broken = by_name["broken"]
    assert broken["outcome"] == "failed" and broken["outputs"] == []
    assert broken["error"].startswith("broken/book.yaml:2: M001 YAML syntax error")
    assert [f["code"] for f in broken["findings"]] == ["M001"]

    missing = by_name["missing"]
    assert missing["outcome"] == "failed" and not (out / "missing").exists()
    errors = [f for f in missing["findings"] if f["severity"] == "error"]
    assert errors and all(f["file"] == "missing/chapters/01.md" and f["line"] for f in errors)
    # The findings are check's, as check --format json gives them.
    check = run_cli("check", "--format", "json", "--manuscript", str(books / "missing"))
    assert json.loads(check.stdout) == missing["findings"]
    assert errors[0]["message"] in missing["error"]


def test_a_crash_or_a_killed_build_is_that_books_outcome(tmp_path: Path) -> None:
    """A bug that raises and a build process killed by the system fail their own books only."""
    for name in ("killed", "crashed", "fine"):
        shutil.copytree(REPRINT, tmp_path / name)

    def builder(root: Path, out: Path, job: batch.Job) -> batch.Outcome:
        if root.name == "killed":
            os.kill(os.getpid(), signal.SIGKILL)
        if root.name == "crashed":
            raise RuntimeError("a bug in the layout")
        return batch.build_book(root, out, job)

    books = batch.find_books([tmp_path])
    outcomes = {Path(o.folder).name: o for o in batch.run(books, tmp_path / "out", batch.Job("epub"), 2,
                                                          builder=builder)}
    assert outcomes["killed"].outcome == "failed"
    assert "killed by signal SIGKILL" in outcomes["killed"].error
    assert outcomes["crashed"].outcome == "failed"
    assert "RuntimeError: a bug in the layout" in outcomes["crashed"].error
    assert outcomes["fine"].outcome == "built"
    assert [Path(p).name for p in outcomes["fine"].outputs] == [f"{ISBN}.epub"]


def test_book_folders_named(tmp_path: Path) -> None:
    shutil.copytree(REPRINT, tmp_path / "a" / "same")
    shutil.copytree(REPRINT, tmp_path / "b" / "same")
    assert batch.find_books([tmp_path / "a"]) == [tmp_path / "a" / "same"]
    assert batch.find_books([tmp_path / "a" / "same"]) == [tmp_path / "a" / "same"]
    with pytest.raises(BookError, match="two books named same"):
        batch.find_books([tmp_path / "a", tmp_path / "b"])
    with pytest.raises(BookError, match="no book folder in"):
        batch.find_books([tmp_path])
    done = run_cli("batch", str(tmp_path / "nothing"), "--out", str(tmp_path / "out"))
    assert done.returncode == 1 and "is not a folder" in done.stderr and "Traceback" not in done.stderr


def test_number_of_local_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """``--jobs N`` (workers.configure) and PAIBAN_JOBS set how many workers lay out the parts."""
    monkeypatch.delenv(workers.JOBS_VARIABLE, raising=False)
    assert workers.cores() == (os.cpu_count() or 1)
    monkeypatch.setenv(workers.JOBS_VARIABLE, "3")
    assert workers.cores() == 3
    workers.configure(jobs=4)
    try:
        assert workers.cores() == 4
    finally:
        workers.configure()
    monkeypatch.setenv(workers.JOBS_VARIABLE, "zero")
    with pytest.raises(BookError, match="PAIBAN_JOBS='zero' is not a number of workers"):
        workers.cores()
    done = run_cli("pdf", "--jobs", "0")
    assert done.returncode == 2 and "is not a whole number above 0" in done.stderr
