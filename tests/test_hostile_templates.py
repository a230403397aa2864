"""Hostile template and style overrides: refused at their line, or cleaned with a warning; nothing let out.

A book folder may come from outside, its ``templates/`` and ``styles/`` too. Each case
is a copy of tests/fixtures/minimal with one hostile file, built through the command
line: the expected exit status and message (a regular expression over stdout and
stderr), no traceback, and nothing escaped into the outputs (no ``javascript:``, no
script, no secret read from outside the book). The property tests at the end feed
random template and stylesheet text to the builders: only a BookError may come out.
"""

from __future__ import annotations

from dataclasses import replace

import dataclasses
import functools
import re
import shutil
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pytest
import tinycss2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, run_cli

from paiban.builders import sandbox
from paiban.builders.pdf.html import part_html
from paiban.builders.templates import environment, render_template, stylesheet
from paiban.errors import BookError
from paiban.model import Book
from paiban.reader import read_book
from paiban.reader.sanitize import clean_style

MINIMAL = ROOT / "tests" / "fixtures" / "minimal"
SECRET = "PAIBAN-SECRET-7f3a9c"
EPUB, PDF, SPREAD = "9787515004662.epub", "9787515004662.pdf", "9787515004662-cover.pdf"


def make_book(tmp_path: Path) -> Path:
    book = tmp_path / "book"
    shutil.copytree(MINIMAL, book)
    (tmp_path / "secret.txt").write_text(SECRET, "utf-8")
    return book


def override(book: Path, kind: str, name: str, text: str) -> None:
    (book / kind).mkdir(exist_ok=True)
    (book / kind / name).write_text(text, "utf-8")


def paiban_own(kind: str, name: str) -> str:
    return (ROOT / kind / name).read_text("utf-8")


def titlepage(body: str) -> Callable[[Path], None]:
    """A title page override whose second line is ``body``."""
    return lambda b: override(b, "templates", "titlepage.html", f'<section class="titlepage">\n{body}\n</section>\n')


def body_line() -> int:
    """The line of paiban's chapter template that sets the chapter's body."""
    return paiban_own("templates", "chapter.html").split("\n").index("  {{ body | safe }}") + 1


def chapter_page(extra: str) -> Callable[[Path], None]:
    """paiban's chapter template with ``extra`` before the body (from :func:`body_line` on)."""
    return lambda b: override(b, "templates", "chapter.html",
                              paiban_own("templates", "chapter.html").replace("  {{ body | safe }}",
                                                                              f"{extra}\n  {{{{ body | safe }}}}"))


def with_style(name: str, first_lines: str) -> Callable[[Path], None]:
    """paiban's stylesheet ``name`` with ``first_lines`` before it."""
    return lambda b: override(b, "styles", name, first_lines + "\n" + paiban_own("styles", name))


def imported(b: Path) -> None:
    (b / "extra").mkdir()
    (b / "extra" / "more.css").write_text("p { color: red }\n\n@font-face { font-family: x; src: url(file:///etc/passwd) }\n",
                                         "utf-8")
    with_style("print.css", '@import "extra/more.css";')(b)


def symlinked(b: Path) -> None:
    (b / "leaf.png").symlink_to(b.parent / "secret.txt")
    with_style("print.css", "p { background: url(leaf.png) }")(b)


@dataclass(frozen=True)
class Case:
    name: str
    mutate: Callable[[Path], None]
    message: str  # regular expression
    command: str = "epub"
    status: int = 1


SANDBOX = r"\(a book's template runs in a sandbox"
REFUSED = [
    # 1. template code execution, file reading, and run-away templates
    Case("globals-of-cycler", titlepage("{{ cycler.__init__.__globals__.os.popen('id').read() }}"),
         r"^book/templates/titlepage\.html:2: template failed: a book's template may not use '__init__' of a type "
         + SANDBOX),
    Case("path-of-the-book", titlepage(f"{{{{ book.root.__class__('../secret.txt').read_text() }}}}"),
         r"^book/templates/titlepage\.html:2: template failed: a book's template may not use 'root' of a Book"),
    Case("path-by-item", titlepage("{{ book['root'].joinpath('../secret.txt').read_text() }}"),
         r"^book/templates/titlepage\.html:2: template failed: a book's template may not use 'root' of a Book"),
    Case("method-of-the-model", titlepage("{{ book.chapters[0].tree().getroottree().docinfo.URL }}"),
         r"^book/templates/titlepage\.html:2: template failed: a book's template may not use 'tree' of a Chapter"),
    Case("format-reaches-attributes", titlepage("{{ '{0.root}'.format(book) }}"),
         r"^book/templates/titlepage\.html:2: template failed: a book's template may not use 'root' of a Book"),
    Case("no-lipsum", titlepage("{{ lipsum(100000) }}"),
         r"^book/templates/titlepage\.html:2: template failed: 'lipsum' is undefined"),
    Case("huge-repetition", titlepage("{{ 'x' * 10**11 }}"),
         r"^book/templates/titlepage\.html:2: template failed: \* would make a value of 100,000,000,000 characters"),
    Case("huge-power", titlepage("{{ 9 ** 999999 }}"),
         r"^book/templates/titlepage\.html:2: template failed: \*\* would make an integer of more than 4096 bits"),
    Case("doubling-concatenation", titlepage("{% macro f(s, n) %}{% if n %}{{ f(s ~ s, n - 1) }}{% endif %}"
                                             "{% endmacro %}{{ f('x', 64) }}"),
         r"^book/templates/titlepage\.html:2: template failed: the template would make a value of [\d,]+ characters"),
    Case("doubling-plus", titlepage("{% set ns = namespace(s='x') %}{% for i in range(64) %}"
                                    "{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s | length }}"),
         r"^book/templates/titlepage\.html:2: template failed: \+ would make a value of [\d,]+ characters"),
    Case("huge-width", titlepage("{{ 'x'.center(10**10) }}"),
         r"^book/templates/titlepage\.html:2: template failed: center\(\) would make a value of 10,000,000,000"),
    Case("huge-filter-width", titlepage("{{ 'x' | center(10**10) }}"),
         r"^book/templates/titlepage\.html:2: template failed: the center filter would make a value"),
    Case("huge-format-width", titlepage("{{ '{:>9999999999}'.format(1) }}"),
         r"^book/templates/titlepage\.html:2: template failed: format would make a value"),
    Case("huge-printf-width", titlepage("{{ '%9999999999s' % 'x' }}"),
         r"^book/templates/titlepage\.html:2: template failed: % would make a value"),
    Case("huge-join", titlepage("{% set s = 'x' * 30000000 %}{{ [s, s, s] | join }}"),
         r"^book/templates/titlepage\.html:2: template failed: the join filter would make a value"),
    Case("huge-range", titlepage("{% for i in range(10**12) %}{% endfor %}"),
         r"^book/templates/titlepage\.html:2: template failed: OverflowError: Range too big"),
    Case("endless-loop", titlepage("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}"
                                   "{% endfor %}"),
         r"^book/templates/titlepage\.html:2: template failed: the template ran for more than 5 seconds"),
    Case("recursive-macro", titlepage("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(1) }}"),
         r"^book/templates/titlepage\.html:2: template failed: a macro or a template calls itself without end"),
    Case("includes-itself", titlepage("{% include 'titlepage.html' %}"),
         r"^book/templates/titlepage\.html:2: template failed: a macro or a template calls itself without end"),
    Case("include-out-of-the-folder", lambda b: override(b, "templates", "chapter.html",
                                                         "<section>\n<p>x</p>\n{% include '../../x' %}\n</section>\n"),
         r"^book/templates/chapter\.html:3: template failed: template '\.\./\.\./x' not found"),
    Case("include-out-in-print", lambda b: override(b, "templates", "chapter.html",
                                                    "<section>\n<p>x</p>\n{% include '../../x' %}\n</section>\n"),
         r"^book/templates/chapter\.html:3: template failed: template '\.\./\.\./x' not found", command="pdf"),
    Case("syntax-error", titlepage("{% if %}"),
         r"^book/templates/titlepage\.html:2: template syntax error: Expected an expression"),
    # 4, 5. what a stylesheet refers to: files of the book only, at the stylesheet's line
    Case("epub-imports-the-network", with_style("epub.css", '@import url("http://127.0.0.1:9/x.css");'),
         r'^book/styles/epub\.css:1: stylesheet imports "http://127\.0\.0\.1:9/x\.css" from the network \(refused '
         r"to fetch"),
    Case("epub-refers-to-the-network", with_style("epub.css", "p { background: url(https://127.0.0.1:9/x.png) }"),
         r'^book/styles/epub\.css:1: stylesheet refers to "https://127\.0\.0\.1:9/x\.png" on the network'),
    Case("font-from-a-file-url", with_style("print.css", "@font-face { font-family: x;\n  src: url(file:///etc/passwd) }"),
         r'^book/styles/print\.css:2: stylesheet refers to "file:///etc/passwd": a file: URL', command="pdf"),
    Case("import-by-absolute-path", with_style("base.css", '@import "/etc/passwd";'),
         r'^book/styles/base\.css:1: stylesheet imports "/etc/passwd": an absolute path'),
    Case("dotdot-out", with_style("base.css", "\n\np { background: url(../secret.txt) }"),
         r'^book/styles/base\.css:3: stylesheet refers to "\.\./secret\.txt", which points outside the book folder'),
    Case("symlink-out", symlinked,
         r'^book/styles/print\.css:1: stylesheet refers to "leaf\.png", which points outside the book folder',
         command="pdf"),
    Case("javascript-url", with_style("epub.css", 'p { background: url("javascript:alert(1)") }'),
         r'^book/styles/epub\.css:1: stylesheet refers to "javascript:alert\(1\)": a javascript: URL'),
    Case("huge-data-url", with_style("base.css", "p { background: url(data:image/png;base64," + "A" * 300_000 + ") }"),
         r'^book/styles/base\.css:1: stylesheet refers to "data:image/png;base64,A+…": a data: URL of 292 KB'),
    Case("imported-stylesheet", imported,
         r'^book/extra/more\.css:3: stylesheet refers to "file:///etc/passwd": a file: URL', command="pdf"),
]


@pytest.mark.parametrize("case", REFUSED, ids=[c.name for c in REFUSED])
def test_refused(case: Case, tmp_path: Path) -> None:
    book = make_book(tmp_path)
    case.mutate(book)
    start = time.monotonic()
    result = run_cli(case.command, "--manuscript", str(book), "--out", str(tmp_path / "out"))
    output = result.stdout + result.stderr
    assert time.monotonic() - start < 60, "a refusal must come within seconds"
    assert "Traceback" not in output, output
    assert result.returncode == case.status, output
    assert re.search(case.message, output, re.M), output
    assert SECRET not in output and "uid=" not in output
    assert not list(tmp_path.glob("out/*.epub")) and not list(tmp_path.glob("out/*.pdf"))


def _pdf_uris(path: Path) -> list[str]:
    uris = []
    for page in pypdf.PdfReader(path).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action is not None and "/URI" in action:
                uris.append(str(action["/URI"]))
    return uris


def assert_nothing_escaped(out: Path) -> None:
    """No script, event handler, javascript: link or frame in the EPUB's documents; no
    javascript: or network link in the PDFs."""
    with zipfile.ZipFile(out / EPUB) as z:
        for name in z.namelist():
            text = z.read(name).decode("utf-8", "replace").lower()
            if name.endswith((".xhtml", ".ncx", ".opf")):
                for bad in ("<script", "onclick", "onload", "javascript:", "<iframe", "<form", "<input", "<base",
                            "http-equiv", "127.0.0.1"):
                    assert bad not in text, (name, bad)
            if name.endswith(".css"):
                assert "</style" not in text and "http://" not in text and "https://" not in text, name
    for pdf in (out / PDF, out / SPREAD):
        data = pdf.read_bytes().lower()
        assert b"javascript" not in data and b"/js " not in data, pdf
        assert not [u for u in _pdf_uris(pdf) if not u.startswith(("http", "mailto"))], pdf
        assert not [u for u in _pdf_uris(pdf) if "127.0.0.1" in u], pdf


HOSTILE_HTML = ('  <script>alert(1)</script>\n'
                '  <p onclick="steal()">点<a href="javascript:alert(1)">我</a></p>\n'
                '  <iframe src="http://127.0.0.1:9/"></iframe>\n'
                '  <form action="/x"><input name="q"/></form>\n'
                '  <img src="http://127.0.0.1:9/x.png" alt="x"/>')


@pytest.mark.expect_warnings
def test_a_chapter_template_is_sanitized(tmp_path: Path) -> None:
    book = make_book(tmp_path)
    chapter_page(HOSTILE_HTML)(book)
    out = tmp_path / "out"
    result = run_cli("--manuscript", str(book), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    first = body_line()
    for line, what in ((first, "<script>"), (first + 1, "onclick="), (first + 1, "javascript: URL"),
                       (first + 2, "<iframe>"), (first + 3, "<form>"), (first + 4, r"<img src> on the network")):
        assert re.search(rf"book/templates/chapter\.html:{line}: R006 removed {re.escape(what)} \(1×\) from what "
                         "the template makes", result.stderr), (what, result.stderr)
    assert_nothing_escaped(out)
    with zipfile.ZipFile(out / EPUB) as z:
        xhtml = z.read("EPUB/text/c01.xhtml").decode()
    assert "点" in xhtml and "我" in xhtml and 'epub:type="chapter"' in xhtml and 'id="page-1"' in xhtml


@pytest.mark.expect_warnings
def test_documents_and_the_ncx_a_book_overrides_are_sanitized(tmp_path: Path) -> None:
    book = make_book(tmp_path)
    head = '<script>alert(1)</script><base href="http://127.0.0.1:9/"/><meta http-equiv="refresh" content="0"/>'
    for name in ("document.xhtml", "print.html", "nav.xhtml"):
        page = paiban_own("templates", name).replace("</head>", f"{head}\n</head>", 1)
        override(book, "templates", name, page.replace("<body class=", '<body onload="steal()" class=', 1))
    ncx = paiban_own("templates", "toc.ncx").replace('<content src="{{ node.href }}"/>',
                                                     '<content src="javascript:alert(1)"/>')
    override(book, "templates", "toc.ncx", ncx)
    out = tmp_path / "out"
    result = run_cli("--manuscript", str(book), "--out", str(out))
    assert result.returncode == 0, result.stderr
    for name in ("document.xhtml", "print.html", "nav.xhtml"):
        for what in ("<script>", "<base>", "<meta>", "onload="):
            assert re.search(rf"book/templates/{re.escape(name)}:\d+: R006 removed {what}", result.stderr), \
                (name, what, result.stderr)
    assert re.search(r"book/templates/toc\.ncx:\d+: R006 removed javascript: URL", result.stderr), result.stderr
    assert_nothing_escaped(out)
    with zipfile.ZipFile(out / EPUB) as z:
        assert '<link rel="stylesheet" type="text/css" href="../styles/base.css"/>' in z.read(
            "EPUB/text/c01.xhtml").decode()
        assert "<navPoint" in z.read("EPUB/toc.ncx").decode()


STYLE_ESCAPES = [
    # 3. a stylesheet can no longer end the print HTML's <style>
    ("closing-tag", '</style><a href="javascript:alert(1)">点我</a><style>{}', True),
    ("in-a-comment", '/* </style><a href="javascript:alert(1)">点我</a> */', False),
    ("in-a-string", '.x::before { content: "</style><a href=\'javascript:alert(1)\'>点我</a>" }', False),
    ("in-a-name", r".a\<\/style\>\<a { color: red }", False),
]


@pytest.mark.parametrize("name,css,dropped", STYLE_ESCAPES, ids=[c[0] for c in STYLE_ESCAPES])
@pytest.mark.expect_warnings
def test_a_stylesheet_cannot_end_its_style_element(name: str, css: str, dropped: bool, tmp_path: Path) -> None:
    book = make_book(tmp_path)
    with_style("base.css", css)(book)
    out = tmp_path / "out"
    result = run_cli("--manuscript", str(book), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert bool(re.search(r"book/styles/base\.css:1: dropped a rule whose selector holds '<'", result.stderr)) \
        == dropped, result.stderr
    for pdf in (out / PDF, out / SPREAD):
        assert _pdf_uris(pdf) == [], pdf
    html = part_html(read_book(book), "front")
    assert html.count("<style>") == html.count("</style>") and "</style><a" not in html


@pytest.mark.expect_warnings
def test_style_attributes_lose_what_they_may_not_refer_to(tmp_path: Path) -> None:
    book = make_book(tmp_path)
    with (book / "chapters" / "01.md").open("a", encoding="utf-8") as f:
        f.write('\n<table><tr><td style="background:url(javascript:alert(1)); color: red">甲</td>'
                '<th style="background-image: url(http://127.0.0.1:9/x.png)">乙</th>'
                '<td style="color: blue">丙</td></tr></table>\n')
    out = tmp_path / "out"
    result = run_cli("--manuscript", str(book), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert re.search(r"book/chapters/01\.md:18: R006 removed url\(http://127\.0\.0\.1:9/x\.png\) in a style "
                     "attribute", result.stderr), result.stderr
    assert re.search(r"book/chapters/01\.md:18: R006 removed CSS that cannot be read in a style attribute",
                     result.stderr), result.stderr
    assert_nothing_escaped(out)
    with zipfile.ZipFile(out / EPUB) as z:
        xhtml = z.read("EPUB/text/c01.xhtml").decode()
    assert '<td style="color: red">甲</td>' in xhtml and '<td style="color: blue">丙</td>' in xhtml


def test_the_time_limit_holds_outside_the_main_thread(tmp_path: Path) -> None:
    """``paiban watch`` renders in a thread of its own, where no signal can reach."""
    book = make_book(tmp_path)
    titlepage("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}")(book)
    model = read_book(book)
    found: list[BaseException] = []

    def render() -> None:
        try:
            render_template(environment(model), "titlepage.html", book=model)
        except BaseException as exc:  # noqa: BLE001  the test looks at whatever came out
            found.append(exc)

    thread = threading.Thread(target=render)
    start = time.monotonic()
    thread.start()
    thread.join(60)
    assert not thread.is_alive() and time.monotonic() - start < 30
    assert len(found) == 1 and isinstance(found[0], BookError), found
    assert "ran for more than 5 seconds" in str(found[0]) and found[0].line == 2


def test_the_time_limit_puts_back_the_timer_it_found(tmp_path: Path) -> None:
    import signal

    fired: list[int] = []
    previous = signal.signal(signal.SIGALRM, lambda *_: fired.append(1))
    signal.setitimer(signal.ITIMER_REAL, 30)
    try:
        with sandbox.time_limit(5):
            pass
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 20 < left <= 30 and not fired
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_trusted_templates_run_outside_the_sandbox_and_are_still_sanitized(tmp_path: Path) -> None:
    book = make_book(tmp_path)
    titlepage("<p>{{ book.root.name }}</p><script>alert(1)</script>")(book)
    model = read_book(book)
    with pytest.raises(BookError, match="may not use 'root' of a Book"):
        render_template(environment(model), "titlepage.html", book=model)
    trusted = replace(model, trusted=True)
    made = render_template(environment(trusted), "titlepage.html", book=trusted)
    assert "<p>book</p>" in made and "<script" not in made


def test_paiban_own_templates_pass_the_sandbox_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sandbox changes nothing paiban's own templates make (the sample's fingerprint
    says the same of the whole book); its stylesheets are written back meaning what they meant."""
    from paiban.builders.pdf import html as print_html

    book = read_book(ROOT / "manuscript")
    sandboxed = [part_html(book, part) for part in ("cover", "front")]
    monkeypatch.setattr(print_html, "environment", lambda b: environment(replace(b, trusted=True)))
    assert sandboxed == [part_html(book, part) for part in ("cover", "front")]
    for name in ("base.css", "print.css", "epub.css", "cover-spread.css"):  # as tinycss2 writes them: the same CSS
        assert stylesheet(book, name) == tinycss2.serialize(tinycss2.parse_stylesheet(paiban_own("styles", name)))


# Property tests: random template and stylesheet text never crash paiban.

SETTINGS = settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
TEMPLATE_PIECES = st.sampled_from([
    "{{", "}}", "{%", "%}", "{#", "#}", " for x in ", " endfor ", " if ", " endif ", " else ", " set ", " = ",
    " macro f(a) ", " endmacro ", " include 'titlepage.html' ", " include '../x' ", " extends 'cover.html' ",
    " call f(1) ", " endcall ", " raw ", " endraw ", " filter upper ", " endfilter ", "book", ".", "title", "root",
    "chapters", "[0]", "tree()", "__class__", "__init__", "__globals__", "mro()", "cycler", "joiner()",
    "namespace(a=1)", "range(", "10**12", "99999", ")", "(", ",", "*", "**", "~", "+", "%", "'x'", '"%s"', "'{}'",
    ".format(", "|", " center(", " join ", " replace('', 'xx') ", " indent(99999) ", " list ", " string ",
    " tojson ", " attr('__class__') ", " map(attribute='root') ", "loop", ".cycle(1, 2)", "f(", "caller()",
    "self", "super()", "<script>", "<a href=\"javascript:x\">", "</a>", "<p onclick=\"x\">", "</p>", "\n", " ",
    "0", "1", "-1", "[", "]", "{", "}", ":", "'", '"', "\\", "😀", "群众"])
TEMPLATE_TEXT = st.lists(st.one_of(TEMPLATE_PIECES, st.text(max_size=4)), max_size=40).map("".join)
CSS_PIECES = st.sampled_from([
    "{", "}", ";", ":", "(", ")", "[", "]", "url(", "src(", '"', "'", "\\", "/*", "*/", "<", ">", "</style>",
    "<!--", "-->", "@import ", "@font-face", "@media print", "@page", "a", "p", ".x", "#id", "color", "red",
    "content", "background", "http://127.0.0.1:9/x", "https:", "file:///etc/passwd", "javascript:alert(1)",
    "data:,x", "../", "/etc/passwd", "a.png", "!important", "\n", " ", "\t", "-", "1px", "3c", "\x00", "😀", "群"])
CSS_TEXT = st.lists(st.one_of(CSS_PIECES, st.text(max_size=4)), max_size=50).map("".join)
@functools.cache
def _minimal() -> Book:
    return read_book(MINIMAL)


def _folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="paiban-hostile-")) / "book"


@pytest.mark.expect_warnings  # what random text holds is removed with a warning
@SETTINGS
@given(TEMPLATE_TEXT)
def test_random_templates_never_crash(text: str) -> None:
    root = _folder()
    (root / "templates").mkdir(parents=True)
    (root / "templates" / "titlepage.html").write_text(text, "utf-8", errors="surrogatepass")
    book = dataclasses.replace(_minimal(), root=root)
    try:
        made = render_template(environment(book), "titlepage.html", book=book)
    except BookError as exc:
        assert exc.file and exc.file.startswith("book/templates/"), exc
        return
    finally:
        shutil.rmtree(root.parent, ignore_errors=True)
    lowered = made.lower()
    assert "<script" not in lowered and "javascript:" not in lowered and "onclick" not in lowered


@pytest.mark.expect_warnings  # what random text holds is removed with a warning
@SETTINGS
@given(CSS_TEXT)
def test_random_stylesheets_never_crash(text: str) -> None:
    root = _folder()
    (root / "styles").mkdir(parents=True)
    (root / "styles" / "base.css").write_text(text, "utf-8", errors="surrogatepass")
    book = dataclasses.replace(_minimal(), root=root)
    try:
        css = stylesheet(book, "base.css")
    except BookError as exc:
        assert exc.file == "book/styles/base.css", exc
        return
    finally:
        shutil.rmtree(root.parent, ignore_errors=True)
    assert "</" not in css and "<!--" not in css
    value, _ = clean_style(text)
    assert isinstance(value, str)


def test_the_trusted_switch_is_given_on_the_command_line_for_one_build(tmp_path: Path) -> None:
    book = make_book(tmp_path)
    titlepage("<p>{{ book.root.name }}</p>")(book)
    refused = run_cli("epub", "--manuscript", str(book), "--out", str(tmp_path / "out"))
    assert refused.returncode == 1 and "may not use 'root' of a Book" in refused.stderr
    trusted = run_cli("epub", "--trusted", "--manuscript", str(book), "--out", str(tmp_path / "out"))
    assert trusted.returncode == 0, trusted.stderr
