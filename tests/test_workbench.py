"""The workbench commands: ``new``, completion, ``--version``, progress, [tool.paiban], packaging."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, epubcheck, run_cli


def new_book(tmp_path: Path) -> Path:
    result = run_cli("new", str(tmp_path / "book"))
    assert result.returncode == 0, result.stderr
    return tmp_path / "book"


def test_new_book_checks_and_builds_at_once(tmp_path: Path) -> None:
    book = new_book(tmp_path)
    assert (book / "templates" / "README.md").is_file() and (book / "styles" / "README.md").is_file()
    check = run_cli("check", "--manuscript", str(book), "--format", "json")
    assert check.returncode == 0, check.stdout + check.stderr
    assert [f for f in json.loads(check.stdout) if f["severity"] in ("error", "warning")] == []
    build = run_cli("--manuscript", str(book), "--out", str(tmp_path / "out"))
    assert build.returncode == 0, build.stderr
    epub, pdf = tmp_path / "out" / "9787000000001.epub", tmp_path / "out" / "9787000000001.pdf"
    assert epub.is_file() and pdf.is_file()
    report = epubcheck(epub)[epub]
    assert [m for m in report["messages"] if m["severity"] in ("FATAL", "ERROR", "WARNING")] == []
    with zipfile.ZipFile(epub) as z:
        chapter = next(n for n in z.namelist() if n.endswith("/01.xhtml") or n.endswith("01.xhtml"))
        assert "一、第一节" in z.read(chapter).decode("utf-8")


def test_new_book_comments_every_metadata_field() -> None:
    from paiban.workbench.scaffold import template_root

    text = (template_root() / "book.yaml").read_text("utf-8")
    schema = json.loads((ROOT / "paiban" / "schema" / "book.schema.json").read_text("utf-8"))

    def fields(node: dict, prefix: str = "") -> list[str]:
        found = []
        for name, sub in node.get("properties", {}).items():
            found.append(name)
            found.extend(fields(sub, name + "."))
            found.extend(fields(sub.get("items", {}), name + "."))
        return found

    lines = text.splitlines()
    for name in {f.split(".")[-1] for f in fields(schema)}:
        # Each field appears, live or commented out, and is explained: in a comment on a line
        # that names it, or in the comment just above it.
        at = [i for i, line in enumerate(lines) if re.search(rf"(^|[\s{{,#-]){name}:", line)]
        assert at, f"the template's book.yaml does not show the field {name}"
        explained = any(name in line and "#" in line for line in lines) or \
            any(lines[i - 1].lstrip().startswith("#") for i in at)
        assert explained, f"{name} has no comment"


def test_new_refuses_a_folder_with_files(tmp_path: Path) -> None:
    target = tmp_path / "book"
    target.mkdir()
    (target / "notes.txt").write_text("mine", "utf-8")
    result = run_cli("new", str(target))
    assert result.returncode == 1
    assert "folder is not empty" in result.stderr and "Traceback" not in result.stderr
    assert [p.name for p in target.iterdir()] == ["notes.txt"]


def test_version_is_the_package_version() -> None:
    import paiban

    version = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]
    result = run_cli("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"paiban {version}" == f"paiban {paiban.__version__}"


def test_bash_completion_completes_commands_and_options(tmp_path: Path) -> None:
    script = run_cli("completion", "bash")
    assert script.returncode == 0, script.stderr
    (tmp_path / "paiban.bash").write_text(script.stdout, "utf-8")
    probe = f"""
source {tmp_path / 'paiban.bash'}
complete -p paiban
COMP_WORDS=(paiban pr); COMP_CWORD=1; COMP_LINE="paiban pr"; COMP_POINT=${{#COMP_LINE}}
_shtab_paiban; echo "commands: ${{COMPREPLY[*]}}"
COMP_WORDS=(paiban watch --po); COMP_CWORD=2; COMP_LINE="paiban watch --po"; COMP_POINT=${{#COMP_LINE}}
_shtab_paiban; echo "options: ${{COMPREPLY[*]}}"
"""
    result = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "commands: proof" in result.stdout
    assert "options: --port" in result.stdout
    assert "#compdef paiban" in run_cli("completion", "zsh").stdout


def test_progress_lines_follow_quiet_and_verbose(tmp_path: Path) -> None:
    book = new_book(tmp_path)
    quiet = run_cli("pdf", "-q", "--manuscript", str(book), "--out", str(tmp_path / "q"))
    assert quiet.returncode == 0 and quiet.stderr == ""
    verbose = run_cli("pdf", "-v", "--manuscript", str(book), "--out", str(tmp_path / "v"))
    assert verbose.returncode == 0, verbose.stderr
    assert re.search(r"^INFO: checking the manuscript: done in [0-9.]+ s", verbose.stderr, re.M)
    laid_out = int(re.search(r"^INFO: building the PDF: done in [0-9.]+ s, pages: (\d+)$", verbose.stderr,
                             re.M).group(1))
    assert laid_out == int(re.search(r"wrote .*\((\d+) pages\)", verbose.stderr).group(1))
    proof = run_cli("proof", "-v", "--manuscript", str(book), "--out", str(tmp_path / "p"))
    assert "drawing the pages: done in" in proof.stderr and f"pages: {laid_out}" in proof.stderr


def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    """On a terminal the bar is drawn (rich), and no INFO lines appear at the default verbosity."""
    book = new_book(tmp_path)
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "pdf", "--manuscript", str(book),
                                "--out", str(tmp_path / "out")], stdout=follower, stderr=follower,
                               env={**os.environ, "COLUMNS": "100", "TERM": "xterm"})
    os.close(follower)
    output = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 120)
        assert ready, "no output from the build for 120 s"
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closes when the build ends
            break
        if not chunk:
            break
        output += chunk
    assert process.wait(timeout=60) == 0
    text = output.decode("utf-8", "replace")
    assert "building the PDF" in text and "━" in text
    assert "INFO:" not in text


def test_tool_paiban_in_pyproject_sets_the_folders(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.paiban]\n'
                                             'manuscript = "docs/book"\nout = "build/book"\n', "utf-8")
    work = tmp_path / "src"
    work.mkdir()
    assert run_cli("new", str(tmp_path / "docs" / "book")).returncode == 0
    result = run_cli("epub", cwd=work)  # found by walking up from a subfolder
    assert result.returncode == 0, result.stderr
    made = sorted(p.name for p in (tmp_path / "build" / "book").iterdir() if p.name != ".paiban-cache")
    assert [name.rsplit(".", 1)[1] for name in made] == ["epub", "json"]  # the EPUB and the manifest
    (tmp_path / "pyproject.toml").write_text('[tool.paiban]\nmanuscrpt = "book"\n', "utf-8")
    bad = run_cli("check", cwd=work)
    assert bad.returncode == 1 and "unknown: manuscrpt" in bad.stderr and "pyproject.toml" in bad.stderr


@pytest.mark.slow
def test_wheel_installs_and_builds_outside_the_repository(tmp_path: Path) -> None:
    """The wheel carries templates/, styles/ and the new-book template; its ``paiban`` command builds."""
    wheels, source = tmp_path / "wheels", tmp_path / "source"
    # Built from a copy: setuptools writes its build/ folder into the source tree.
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", ".venv", "dist", "build", "*.egg-info",
                                                                 "__pycache__", ".pytest_cache", "benchmarks"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(source)],
                   check=True, capture_output=True, timeout=300, cwd=tmp_path)
    wheel, = wheels.glob("paiban-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
    assert {"paiban/templates/print.html", "paiban/styles/print.css", "paiban/check/__init__.py",
            "paiban/resources/newbook/book.yaml", "paiban/resources/preview.html",
            "paiban/schema/book.schema.json"} <= names
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q",
                    "--no-deps", str(wheel)], check=True, capture_output=True, timeout=300)
    # The dependencies come from this environment; paiban itself only from the wheel.
    site = next((venv / "lib").glob("python3*/site-packages"))
    deps = [p for p in map(Path, sys.path) if p.name == "site-packages" and p.is_dir()]
    (site / "deps.pth").write_text("\n".join(map(str, deps)) + "\n", "utf-8")
    paiban = venv / "bin" / "paiban"
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import paiban.builders.templates as r; print(r.PACKAGE_ROOT)"],
                           capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert where.stdout.strip() == str(site / "paiban"), where.stderr
    assert subprocess.run([str(paiban), "new", "book"], cwd=tmp_path, timeout=60).returncode == 0
    build = subprocess.run([str(paiban), "--manuscript", "book", "--out", "out"], cwd=tmp_path,
                           capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr
    assert (tmp_path / "out" / "9787000000001.epub").is_file() and (tmp_path / "out" / "9787000000001.pdf").is_file()
