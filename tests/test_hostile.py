"""Broken and hostile manuscripts: a clear message and exit 1, nothing lost, nothing let out.

Each case of the corpus below is a copy of tests/fixtures/minimal with one fault; it
names the command, the expected exit status and the expected message (a regular
expression over stdout + stderr). No case may print a traceback.
"""

from __future__ import annotations

import hashlib
import http.server
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import ROOT, run_cli

MINIMAL = ROOT / "tests" / "fixtures" / "minimal"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), "utf-8")


def chapter(book: Path) -> Path:
    return book / "chapters" / "01.md"


def append_body(book: Path, text: str) -> None:
    with chapter(book).open("a", encoding="utf-8") as f:
        f.write("\n" + text + "\n")


@dataclass(frozen=True)
class Case:
    name: str
    mutate: Callable[[Path], None]
    message: str  # regular expression
    status: int = 1
    command: str = "check"


CORPUS = [
    Case("yaml-syntax", lambda b: (b / "book.yaml").write_text("title: [unclosed\nlanguage: zh-CN\n", "utf-8"),
         r"book/book\.yaml:\d+: [MS]\d{3} YAML syntax error"),
    Case("wrong-type", lambda b: edit(b / "book.yaml", 'isbn: "978-7-5150-0466-2"', "isbn: 9787515004662"),
         r"book/book\.yaml:10: [MS]\d{3} isbn should be of type string, not int"),
    Case("missing-required", lambda b: edit(b / "book.yaml", "language: zh-CN\n", ""),
         r"book/book\.yaml:1: [MS]\d{3} missing required field 'language'"),
    Case("unknown-field", lambda b: edit(b / "book.yaml", "language: zh-CN\n", "language: zh-CN\ntitel: 错字\n"),
         r"book/book\.yaml:3: M011 unknown field 'titel' in book; did you mean 'title'\?", status=0),
    Case("invalid-utf8", lambda b: chapter(b).write_bytes(chapter(b).read_bytes().replace(
        "这是".encode(), b"\xff\xfe", 1)), r"book/chapters/01\.md:10: [MS]\d{3} not valid UTF-8 \(byte 0xff\)"),
    Case("bom-and-crlf", lambda b: chapter(b).write_bytes(
        b"\xef\xbb\xbf" + chapter(b).read_bytes().replace(b"\n", b"\r\n")), r"^$", status=0),
    Case("empty-folder", lambda b: [p.unlink() for p in b.rglob("*") if p.is_file()],
         r"M001 no book\.yaml in the book folder"),
    Case("empty-book-yaml", lambda b: (b / "book.yaml").write_text("", "utf-8"),
         r"book/book\.yaml:1: [MS]\d{3} book\.yaml must be a mapping"),
    Case("no-chapter-text", lambda b: edit(b / "book.yaml", "    file: chapters/01.md\n", ""),
         r"M001 the book has no chapter text"),
    Case("chapter-absent", lambda b: chapter(b).unlink(),
         r"book/book\.yaml:12: [MS]\d{3} chapter file chapters/01\.md is listed but does not exist"),
    Case("duplicate-ids", lambda b: (edit(chapter(b), "## 一、第一节", "## 一、第一节 {#same}"),
                                     edit(chapter(b), "## 二、第二节", "## 二、第二节 {#same}")),
         r"book/chapters/01\.md:14: [MS]\d{3} id 'same' is used twice"),
    Case("huge-paragraph", lambda b: append_body(b, "群" * 5_000_000),
         r"book/chapters/01\.md:18: [MS]\d{3} a paragraph of more than 100,000 characters"),
    Case("ten-thousand-headings", lambda b: append_body(b, "\n\n".join(f"### {i}" for i in range(10_000))),
         r"book/chapters/01\.md:\d+: [MS]\d{3} more than 5,000 headings in one chapter"),
    Case("deep-lists", lambda b: append_body(b, "\n".join("  " * i + "- 层" for i in range(40))),
         r"book/chapters/01\.md:\d+: [MS]\d{3} lists or quotes nested 13 deep"),
    Case("deep-quotes", lambda b: append_body(b, "> " * 200 + "引文"),
         r"book/chapters/01\.md:18: [MS]\d{3} lists or quotes nested 200 deep"),
    Case("unclosed-fence", lambda b: append_body(b, "```\n代码"),
         r"book/chapters/01\.md:18: [MS]\d{3} code fence opened here is never closed"),
    Case("marker-without-number", lambda b: edit(chapter(b), "{{page 2}}", "{{page}}"),
         r"book/chapters/01\.md:12: [MS]\d{3} malformed page marker '\{\{page\}\}'"),
    Case("marker-out-of-order", lambda b: edit(chapter(b), "{{page 2}}", "{{page 1}}"),
         r"book/chapters/01\.md:12: [MS]\d{3} page marker \{\{page 1\}\} comes after page 1"),
    Case("front-matter-missing", lambda b: chapter(b).write_text("正文\n", "utf-8"),
         r"book/chapters/01\.md:1: [MS]\d{3} chapter file does not start with front matter"),
    # hostile
    Case("remote-image", lambda b: append_body(b, "![图](http://127.0.0.1:9/x.png)"),
         r"book/chapters/01\.md:18: [MS]\d{3} image 'http://127\.0\.0\.1:9/x\.png' is not a file of the book"),
    Case("file-url-image", lambda b: append_body(b, "![图](file:///etc/passwd)"),
         r"book/chapters/01\.md:18: [MS]\d{3} image 'file:///etc/passwd' is not a file of the book"),
    Case("dotdot-image", lambda b: append_body(b, "![图](../../../etc/hostname)"),
         r"book/chapters/01\.md:18: [MS]\d{3} path '.*' points outside the book folder"),
    Case("absolute-image", lambda b: append_body(b, "![图](/etc/hostname)"),
         r"book/chapters/01\.md:18: [MS]\d{3} absolute path '/etc/hostname' is not allowed"),
    Case("dotdot-chapter", lambda b: edit(b / "book.yaml", "file: chapters/01.md", "file: ../../secret.md"),
         r"book/book\.yaml:12: [MS]\d{3} path '\.\./\.\./secret\.md' points outside the book folder"),
    Case("symlinked-chapter", lambda b: (chapter(b).unlink(), chapter(b).symlink_to("/etc/hostname")),
         r"M001 path 'chapters/01\.md' points outside the book folder"),
    Case("symlinked-template", lambda b: ((b / "templates").mkdir(), (b / "templates" / "cover.html").symlink_to(
        "/etc/hostname")), r"book/templates/cover\.html: template override points outside the book folder",
         command="epub"),
    Case("billion-laughs-svg", lambda b: ((b / "laughs.svg").write_text(
        '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>', "utf-8"),
        append_body(b, "![图](../laughs.svg)")), r"book/chapters/01\.md:18: [MS]\d{3} image laughs\.svg is not a safe SVG"),
]


def make_book(tmp_path: Path) -> Path:
    book = tmp_path / "book"
    shutil.copytree(MINIMAL, book)
    return book


@pytest.mark.parametrize("case", CORPUS, ids=[c.name for c in CORPUS])
def test_corpus(case: Case, tmp_path: Path) -> None:
    book = make_book(tmp_path)
    case.mutate(book)
    result = run_cli(case.command, "--manuscript", str(book), "--out", str(tmp_path / "out"))
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert result.returncode == case.status, output
    if case.message != r"^$":
        assert re.search(case.message, output, re.M), output
    if case.status:
        assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_bom_and_crlf_read_like_plain_utf8(tmp_path: Path) -> None:
    from paiban.reader import read_book

    book = make_book(tmp_path)
    plain = read_book(book).chapters[0].text
    chapter(book).write_bytes(b"\xef\xbb\xbf" + chapter(book).read_bytes().replace(b"\n", b"\r\n"))
    assert read_book(book).chapters[0].text == plain


@pytest.mark.expect_warnings
def test_raw_html_is_sanitized_and_reported(tmp_path: Path) -> None:
    book = make_book(tmp_path)
    append_body(book, '<script>alert("x")</script>\n\n<iframe src="http://127.0.0.1:9/"></iframe>\n\n'
                      '<p onclick="steal()">点<a href="javascript:alert(1)">我</a></p>\n\n'
                      '<form action="/x"><input name="q"/></form><object data="x.swf"></object>')
    out = tmp_path / "out"
    result = run_cli("--manuscript", str(book), "--out", str(out))
    assert result.returncode == 0, result.stderr
    for what in ("<script>", "<iframe>", "onclick=", "javascript: URL", "<form>", "<object>"):
        assert f"removed {what}" in result.stderr, (what, result.stderr)
    assert re.search(r"book/chapters/01\.md:18: R006 removed <script>", result.stderr)
    with zipfile.ZipFile(out / "9787515004662.epub") as z:
        xhtml = z.read("EPUB/text/c01.xhtml").decode()
    for bad in ("<script", "<iframe", "onclick", "javascript:", "<form", "<input", "<object"):
        assert bad not in xhtml.lower(), bad
    assert "点" in xhtml and "我" in xhtml
    pdf = (out / "9787515004662.pdf").read_bytes()
    assert b"/JavaScript" not in pdf and b"/JS " not in pdf and b"javascript" not in pdf.lower()


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    def log_message(self, *args: object) -> None:
        pass


def test_remote_stylesheet_is_refused_and_never_fetched(tmp_path: Path) -> None:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        book = make_book(tmp_path)
        (book / "styles").mkdir()
        base = (ROOT / "styles" / "base.css").read_text("utf-8")
        url = f"http://127.0.0.1:{server.server_port}/evil.css"
        (book / "styles" / "base.css").write_text(f'@import url("{url}");\n' + base, "utf-8")
        result = run_cli("pdf", "--manuscript", str(book), "--out", str(tmp_path / "out"))
        assert result.returncode == 1, result.stderr
        assert f"refused to fetch {url}: a build never uses the network" in result.stderr
        assert _Recorder.hits == []
    finally:
        server.shutdown()


def _tree_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        h.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            h.update(path.read_bytes())
        h.update(str(path.stat().st_mtime_ns).encode())
    return h.hexdigest()


def test_a_build_never_writes_to_the_manuscript(tmp_path: Path) -> None:
    book = make_book(tmp_path)
    before = _tree_digest(book)
    assert run_cli("--manuscript", str(book), "--out", str(tmp_path / "out")).returncode == 0
    assert run_cli("check", "--manuscript", str(book)).returncode == 0
    assert _tree_digest(book) == before


def _start_build(book: Path, out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(ROOT / "build.py"), "pdf", "--manuscript", str(book),
                             "--out", str(out), "-v"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def _session_gone(session: int, within: float) -> bool:
    """Whether every process of the build's session (its workers too) has ended within ``within`` s."""
    deadline = time.monotonic() + within
    while True:
        alive = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == session and fields[0] != "Z":  # field 6 of stat: the session id
                alive.append(stat.parent.name)
        if not alive or time.monotonic() > deadline:
            return not alive
        time.sleep(0.1)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL], ids=lambda s: s.name)
def test_killed_build_leaves_the_previous_output(tmp_path: Path, sig: signal.Signals) -> None:
    book = make_book(tmp_path)
    out = tmp_path / "out"
    assert run_cli("pdf", "--manuscript", str(book), "--out", str(out)).returncode == 0
    pdf = out / "9787515004662.pdf"
    previous = pdf.read_bytes()
    # A longer book, so that the signal lands while its chapter is being laid out.
    append_body(book, "\n\n".join("群众路线是我们党的生命线和根本工作路线。" * 40 for _ in range(300)))
    edit(book / "book.yaml", 'title: 测试之书', 'title: 测试之书\nlayout: {reflow: true}')
    proc = _start_build(book, out)
    assert proc.stderr is not None
    seen = []
    while not any("laying out" in line and "chapters/" in line for line in seen) and proc.poll() is None:
        seen.append(proc.stderr.readline())
    assert proc.poll() is None, f"the build ended before its chapter was laid out: {seen}"
    time.sleep(0.5)
    # Ctrl-C reaches every process of the terminal's group; the others go to the build alone.
    os.killpg(proc.pid, sig) if sig == signal.SIGINT else proc.send_signal(sig)
    proc.wait(timeout=60)
    assert _session_gone(proc.pid, within=3), "a process of the killed build is still running"
    assert pdf.read_bytes() == previous
    assert "Traceback" not in proc.stderr.read()
    leftovers = list(out.rglob(".*.part"))
    if sig == signal.SIGKILL:
        # nothing can clean up after SIGKILL; the next build removes what the dead one left
        assert run_cli("pdf", "--manuscript", str(MINIMAL), "--out", str(out)).returncode == 0
        leftovers = list(out.rglob(".*.part"))
    assert leftovers == []


def test_two_builds_at_once_do_not_corrupt_each_other(tmp_path: Path) -> None:
    import pypdf

    book = make_book(tmp_path)
    out = tmp_path / "out"
    procs = [subprocess.Popen([sys.executable, str(ROOT / "build.py"), "--manuscript", str(book), "--out",
                               str(out)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    with zipfile.ZipFile(out / "9787515004662.epub") as z:
        assert z.testzip() is None
    assert len(pypdf.PdfReader(out / "9787515004662.pdf").pages) > 1
    assert list(out.glob(".*.part")) == []




def test_missing_font_is_an_error_not_a_substitute(tmp_path: Path) -> None:
    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                    f"<dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>{tmp_path / 'fc'}</cachedir>"
                    "</fontconfig>", "utf-8")
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "pdf", "--manuscript", str(MINIMAL),
                             "--out", str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "FONTCONFIG_FILE": str(conf)}, timeout=300)
    assert result.returncode == 1, result.stderr
    assert "font Noto Serif CJK SC Regular is not installed" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out" / "9787515004662.pdf").exists()
