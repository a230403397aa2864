"""``--cluster ADDRESS``: a batch and one book's parts on a Dask cluster (a LocalCluster of
two worker processes here), the same bytes as a local build, and workers whose fonts
differ refused."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from distributed import LocalCluster

from conftest import ROOT
from paiban import cluster as paiban_cluster

REPRINT = ROOT / "tests" / "books" / "reprint"
ISBN = "9787515004662"
# fontconfig as the system has it, less the Latin italic face (Noto Serif Italic): a
# machine where the package is missing, so fontconfig gives Noto Serif Regular instead.
NO_ITALIC = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <include>/etc/fonts/fonts.conf</include>
  <selectfont><rejectfont><glob>*/NotoSerif-Italic.ttf</glob></rejectfont></selectfont>
</fontconfig>
"""
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}


def local_cluster(**kwargs: object) -> LocalCluster:
    return LocalCluster(n_workers=kwargs.pop("n_workers", 2), processes=True, threads_per_worker=1,
                        dashboard_address=":0", **kwargs)  # any free port: 8787 may be taken


@pytest.fixture(scope="module")
def two_workers() -> Iterator[str]:
    with local_cluster() as running:
        yield running.scheduler_address


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=ROOT, env=ENV,
                          capture_output=True, text=True, timeout=300)


def ran_on_cluster(address: str) -> set[str]:
    """The kinds of task the scheduler has run (by the name of the function)."""
    from distributed import Client

    with Client(address, set_as_default=False) as client:
        return set(client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.task_prefixes)))


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One book at one path for every build: the PDF names its images by their URL."""
    root = tmp_path_factory.mktemp("shelf")
    shutil.copytree(REPRINT, root / "reprint")
    return root / "reprint"


def test_batch_on_cluster_is_byte_identical(two_workers: str, book: Path, tmp_path: Path) -> None:
    on_cluster = cli("batch", str(book), "--out", str(tmp_path / "cluster"), "--cluster", two_workers,
                     "--summary", str(tmp_path / "summary.json"))
    assert on_cluster.returncode == 0, on_cluster.stderr
    assert "build_in_subprocess" in ran_on_cluster(two_workers)
    local = cli("batch", str(book), "--out", str(tmp_path / "local"))
    assert local.returncode == 0, local.stderr
    for name in (f"{ISBN}.pdf", f"{ISBN}.epub"):
        made = (tmp_path / "cluster" / "reprint" / name).read_bytes()
        assert made == (tmp_path / "local" / "reprint" / name).read_bytes(), name
    # The cover spread is a PDF/X-4 file: dated by SOURCE_DATE_EPOCH, its document id derived
    # from it (paiban.builders.pdf.merge), so the same file whoever lays it out.
    spreads = [(tmp_path / where / "reprint" / f"{ISBN}-cover.pdf").read_bytes() for where in ("cluster", "local")]
    assert spreads[0] == spreads[1]


def test_parts_on_cluster_are_byte_identical(two_workers: str, tmp_path: Path) -> None:
    """The parts of one book laid out by the cluster's workers, joined here: the same PDF
    as parts laid out by local worker processes, the same parts in the cache, and what
    WeasyPrint logged on a worker (a property it ignores) logged here."""
    book = tmp_path / "book"
    shutil.copytree(REPRINT, book)
    (book / "styles").mkdir()
    (book / "styles" / "print.css").write_text((ROOT / "styles" / "print.css").read_text("utf-8")
                                               + "\np { frobnicate: 1 }\n", "utf-8")
    said = []
    for where in (["--cluster", two_workers], ["--jobs", "2"]):
        done = cli("pdf", "--manuscript", str(book), "--out", str(tmp_path / where[0]), *where)
        assert done.returncode == 0, done.stderr
        said.append([line for line in done.stderr.splitlines() if "frobnicate" in line])
    assert "in_worker" in ran_on_cluster(two_workers)  # partcache.py's _in_worker
    cluster, local = tmp_path / "--cluster", tmp_path / "--jobs"
    assert (cluster / f"{ISBN}.pdf").read_bytes() == (local / f"{ISBN}.pdf").read_bytes()
    parts = {p.relative_to(cluster): p.read_bytes() for p in (cluster / ".paiban-cache").rglob("part.pdf")}
    assert len(parts) >= 4  # front matter, chapter, contents, frame (the cover too)
    for path, data in parts.items():
        assert (local / path).read_bytes() == data, path  # same key, same bytes
    # A process warns once for a stylesheet it parses (paiban.builders.pdf.stylecache): here
    # the cover spread's worker, on the cluster each worker that laid a part out.
    assert set(said[0]) == set(said[1]) and len(said[0]) >= 2
    assert said[0][0].startswith("WARNING: Ignored `frobnicate: 1 ` at ")


@pytest.fixture
def other_fonts(tmp_path: Path) -> dict[str, str]:
    conf = tmp_path / "fonts.conf"
    conf.write_text(NO_ITALIC, "utf-8")
    return {"FONTCONFIG_FILE": str(conf)}


def test_worker_with_other_fonts_refused_at_connect(other_fonts: dict[str, str], book: Path, tmp_path: Path) -> None:
    with local_cluster(n_workers=1, env=other_fonts) as running:
        done = cli("pdf", "--manuscript", str(book), "--out", str(tmp_path / "out"), "--cluster",
                   running.scheduler_address)
        worker = next(iter(running.scheduler_info["workers"]))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f"workers differ from this machine: {worker}: fonts: Noto Serif Italic: NotoSerif-Regular.ttf" \
        in done.stderr, done.stderr
    assert "(here: Noto Serif Italic: NotoSerif-Italic.ttf" in done.stderr
    assert not (tmp_path / "out" / f"{ISBN}.pdf").exists()


@pytest.mark.expect_warnings
def test_worker_joining_with_other_fonts_refused(two_workers: str, other_fonts: dict[str, str],
                                                 caplog: pytest.LogCaptureFixture) -> None:
    """A worker that joins later is checked when it joins; nothing is sent to it."""
    connected = paiban_cluster.connect(two_workers)
    joined = None
    try:
        assert len(connected.workers()) == 2 and not connected.refused
        joined = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", two_workers,
                                   "--nthreads", "1", "--no-dashboard", "--no-nanny"],
                                  env={**os.environ, **other_fonts}, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while not connected.refused and time.monotonic() < deadline:
            time.sleep(0.2)
        (address, differs), = connected.refused.items()
        assert address in connected.client.nthreads()  # it joined the cluster…
        assert address not in connected.workers()  # …and this client will not use it
        assert len(differs) == 1 and differs[0].startswith("fonts: Noto Serif Italic: NotoSerif-Regular.ttf")
        assert "(here: Noto Serif Italic: NotoSerif-Italic.ttf" in differs[0]
        assert any(f"worker {address} refused: it differs from this machine: fonts" in r.getMessage()
                   for r in caplog.records)
    finally:
        connected.close()
        if joined is not None:
            joined.terminate()
            joined.wait(timeout=30)


def test_differences_say_what_differs() -> None:
    here = paiban_cluster.fingerprint()
    assert paiban_cluster.differences(here, here) == []
    there = {**here, "paiban": "0.0.1", "code": here["code"].replace("paiban/cli.py ", "paiban/cli.py 0")}
    assert paiban_cluster.differences(here, there) == [f"paiban 0.0.1 (here {here['paiban']})",
                                                       "paiban's files differ: paiban/cli.py"]
    assert "templates/print.html " in here["code"] and "NotoSerifCJK-Regular.ttc" in here["fonts"]
