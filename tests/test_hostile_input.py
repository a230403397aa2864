"""Hostile book folders and output folders: a message at its line and exit 1, within seconds.

Each case is a copy of tests/fixtures/minimal with one fault (big inputs are made
here, never committed). It names the command, the expected message (a regular
expression over stdout + stderr, ``file:line: CODE message``), and the exit status;
none may print a traceback, take more than :data:`SECONDS` or change the outputs of
an earlier build.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import io
import os
import re
import shutil
import struct
import subprocess
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image

from conftest import ROOT, run_cli
from test_hostile import Case, append_body, chapter, edit

MINIMAL = ROOT / "tests" / "fixtures" / "minimal"
ISBN = "9787515004662"
SECONDS = 20  # each case takes one to three; the margin is for a loaded machine
FIRST = 18  # the first line append_body writes (the minimal chapter has 16 lines)


def png_bomb(width: int, height: int) -> bytes:
    """A valid one-bit PNG of ``width`` × ``height`` zeros: about 110 KB for 30000 × 30000."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = zlib.compressobj(9)
    row = b"\0" * ((width + 7) // 8 + 1)
    idat = b"".join(rows.compress(row) for _ in range(height)) + rows.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def add_image(book: Path, name: str, data: bytes) -> None:
    (book / "images").mkdir(exist_ok=True)
    (book / "images" / name).write_bytes(data)
    append_body(book, f"![图](../images/{name})")


def png() -> bytes:
    data = io.BytesIO()
    Image.new("RGB", (20, 10), (176, 28, 28)).save(data, "PNG")
    return data.getvalue()


def svg(inner: str, attributes: str = "") -> bytes:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" '
            f'height="10"{attributes}>{inner}<rect width="10" height="10"/></svg>').encode()


def hard_link_chapter(book: Path) -> None:
    outside = book.parent / "secret.md"
    shutil.copyfile(chapter(book), outside)
    chapter(book).unlink()
    os.link(outside, chapter(book))


def hard_link_image(book: Path) -> None:
    outside = book.parent / "secret.png"
    outside.write_bytes(png())
    (book / "images").mkdir()
    os.link(outside, book / "images" / "fig.png")
    append_body(book, "![图](../images/fig.png)")


def styled_with(book: Path, css: str) -> None:
    (book / "styles").mkdir()
    (book / "styles" / "print.css").write_text((ROOT / "styles" / "print.css").read_text("utf-8") + css, "utf-8")


SVG = r"book/chapters/01\.md:18: M001 image images/x\.svg is not a safe SVG: it has "
POINTING_OUT = base64.b64encode(svg('<image xlink:href="file:///etc/hostname" width="10" height="10"/>')).decode()
CORPUS = [
    # too much for Markdown and the layout
    Case("20000-page-markers", lambda b: append_body(b, "".join(f"{{{{page {n}}}}}\n\n正文。\n\n"
                                                                 for n in range(3, 20_003))),
         rf"book/chapters/01\.md:{FIRST + 4 * 998}: M001 more than 1,000 page markers in one chapter"),
    # 19 MB: 2.5 million paragraphs of two characters; the chapter has six blocks before them
    Case("2.5-million-paragraphs", lambda b: append_body(b, "两字\n\n" * 2_500_000),
         rf"book/chapters/01\.md:{FIRST + 2 * 9_994}: M001 more than 10,000 paragraphs in one chapter"),
    Case("page-999999999", lambda b: edit(chapter(b), "{{page 2}}", "{{page 999999999}}"),
         r"book/chapters/01\.md:12: M001 page number 999999999 is larger than 99,999"),
    Case("30-digit-page", lambda b: edit(chapter(b), "{{page 2}}", "{{page " + "9" * 30 + "}}"),
         r"book/chapters/01\.md:12: M001 page number 999999999999… is larger than 99,999"),
    Case("page-gap-is-a-range", lambda b: edit(chapter(b), "{{page 2}}", "{{page 99999}}"),
         r"book/chapters/01\.md:12: S001 page 99999 follows page 1: no marker for 2–99998$"),
    Case("3000-nested-divs", lambda b: append_body(b, "<div>\n" * 3000 + "深\n" + "</div>\n" * 3000),
         rf"book/chapters/01\.md:{FIRST + 32}: M001 raw HTML nested more than 32 elements deep"),
    # the HTML parser reopens each <b> the </div> closed: 25 bytes a level
    Case("reopened-formatting", lambda b: append_body(b, "".join(f'<div><b title="{i}"></div>\n'
                                                                  for i in range(5_000)) + "深"),
         rf"book/chapters/01\.md:{FIRST + 31}: M001 raw HTML nested more than 32 elements deep"),
    Case("colspan-100000000", lambda b: append_body(b, '<table><tr>\n<td colspan="100000000">宽</td>\n</tr></table>'),
         rf"book/chapters/01\.md:{FIRST + 1}: M001 a table cell with colspan=100000000 \(at most 1,000\)",
         command="pdf"),
    Case("rowspan-30-digits", lambda b: append_body(b, f'<table><tr><td rowspan="{"9" * 30}">高</td></tr></table>'),
         rf"book/chapters/01\.md:{FIRST}: M001 a table cell with rowspan=999999999999 \(at most 1,000\)"),
    Case("ol-start-5000-digits", lambda b: append_body(b, f'<ol start="{"9" * 5000}"><li>项</li></ol>'),
         rf"book/chapters/01\.md:{FIRST}: M001 a numbered list that starts at 999999999999 \(a whole number up to "
         r"999,999\)", command="pdf"),
    # paths in book.yaml the operating system refuses
    Case("nul-in-file-name", lambda b: edit(b / "book.yaml", "file: chapters/01.md", r'file: "chapters/\0x.md"'),
         # the metadata's own check of control characters may come first, at the file: line
         r"book/book\.yaml:(12: M001 path 'chapters/\\x00x\.md' holds a NUL character|15: M001 the text "
         r"'chapters/\\x00x\.md' holds U\+0000)"),
    Case("300-character-file-name", lambda b: edit(b / "book.yaml", "file: chapters/01.md",
                                                   f"file: chapters/{'长' * 100}.md"),
         r"book/book\.yaml:12: M001 file name '长{40}'… is 303 bytes long, more than the 255 a file system allows"),
    Case("symlink-loop", lambda b: (chapter(b).unlink(), chapter(b).symlink_to("01.md")),
         r"book/book\.yaml:12: M001 path 'chapters/01\.md' cannot be read: a loop of symbolic links"),
    Case("fifo-chapter", lambda b: (chapter(b).unlink(), os.mkfifo(chapter(b))),
         r"book/chapters/01\.md: M001 is not a regular file \(a device, pipe or socket\)"),
    # hard links: a path check cannot tell them from a file of the book
    Case("hard-linked-chapter", hard_link_chapter,
         r"book/chapters/01\.md: M001 file has 2 hard links: it may be a file from outside the book"),
    Case("hard-linked-image", hard_link_image,
         r"book/chapters/01\.md:18: M001 image images/fig\.png: file has 2 hard links"),
    # images, checked before any layout
    Case("decompression-bomb", lambda b: add_image(b, "bomb.png", png_bomb(30_000, 30_000)),
         r"book/chapters/01\.md:18: M001 image images/bomb\.png has more than 50 million pixels", command="pdf"),
    Case("text-named-png", lambda b: add_image(b, "x.png", "这不是图片\n".encode()),
         r"book/chapters/01\.md:18: M001 image images/x\.png is no PNG, JPEG, GIF or WebP image", command="pdf"),
    Case("png-named-jpg", lambda b: add_image(b, "x.jpg", png()),
         r"book/chapters/01\.md:18: M001 image images/x\.jpg is a PNG file, not the JPEG its name says",
         command="epub"),
    Case("svg-named-png", lambda b: add_image(b, "x.png", svg("")),
         r"book/chapters/01\.md:18: M001 image images/x\.png is an SVG drawing"),
    Case("bmp", lambda b: add_image(b, "x.png", b"BM" + b"\0" * 60),
         r"book/chapters/01\.md:18: M001 image images/x\.png is no PNG, JPEG, GIF or WebP image"),
    # SVG images: inert and self-contained only
    Case("svg-script", lambda b: add_image(b, "x.svg", svg("<script>alert(1)</script>")), SVG + "a <script> element"),
    Case("svg-onload", lambda b: add_image(b, "x.svg", svg("", ' onload="alert(1)"')),
         SVG + r"an event handler \(onload=\)"),
    Case("svg-javascript-link", lambda b: add_image(b, "x.svg", svg('<a xlink:href="javascript:alert(1)">x</a>')),
         SVG + r"a javascript: URL \(href=\)"),
    Case("svg-foreign-object", lambda b: add_image(b, "x.svg", svg("<foreignObject></foreignObject>")),
         SVG + "a <foreignObject> element"),
    Case("svg-http-image", lambda b: add_image(b, "x.svg", svg('<image href="http://127.0.0.1:9/x.png"/>')),
         SVG + r"a http: URL \('http://127\.0\.0\.1:9/x\.png'\)"),
    Case("svg-file-image", lambda b: add_image(b, "x.svg", svg('<image xlink:href="file:///etc/passwd"/>')),
         SVG + r"a file: URL \('file:///etc/passwd'\)"),
    Case("svg-absolute-image", lambda b: add_image(b, "x.svg", svg('<image href="/etc/hostname"/>')),
         SVG + r"a reference to another file \('/etc/hostname'\)"),
    Case("svg-outside-image", lambda b: add_image(b, "x.svg", svg('<image href="../../../secret.png"/>')),
         SVG + r"a reference to another file \('\.\./\.\./\.\./secret\.png'\)"),
    Case("svg-css-url", lambda b: add_image(b, "x.svg", svg('<rect style="fill: url(http://127.0.0.1:9/p.svg#g)"/>')),
         SVG + r"a http: URL"),
    Case("svg-stylesheet-pi", lambda b: add_image(b, "x.svg", b'<?xml-stylesheet href="http://127.0.0.1:9/a.css"?>'
                                                  + svg("")), SVG + r"a processing instruction"),
    Case("data-svg-inside-svg-pointing-out",
         lambda b: add_image(b, "x.svg", svg(f'<image href="data:image/svg+xml;base64,{POINTING_OUT}"/>')),
         SVG + r"a data: URL \('data:image/svg\+xml;base64,"),
    Case("bomb-inside-svg", lambda b: add_image(b, "x.svg", svg(
        f'<image href="data:image/png;base64,{base64.b64encode(png_bomb(30_000, 30_000)).decode()}"/>')),
         r"book/chapters/01\.md:18: M001 image images/x\.svg \(the image embedded in it\) has more than 50 million"),
    Case("safe-svg", lambda b: add_image(b, "x.svg", svg(
        '<defs><linearGradient id="g"><stop offset="0"/></linearGradient></defs><use href="#g"/>'
        f'<image href="data:image/png;base64,{base64.b64encode(png()).decode()}"/>', ' style="fill: url(#g)"')),
         r"^0 errors", status=0),
    # what only the layout meets: every ERROR WeasyPrint logs fails the build
    Case("data-svg-in-a-stylesheet-pointing-out", lambda b: styled_with(
        b, f'\nh2 {{ background-image: url("data:image/svg+xml;base64,{POINTING_OUT}"); }}\n'),
         r"book/chapters/01\.md: WeasyPrint could not lay out all of this chapter: Failed to render SVG image",
         command="pdf"),
]


def make_book(tmp_path: Path) -> Path:
    book = tmp_path / "book"
    shutil.copytree(MINIMAL, book)
    return book


def outputs(out: Path) -> dict[str, tuple[str, int]]:
    """The outputs of a build (not the cache), each with a digest and its mtime."""
    return {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(out.iterdir()) if p.is_file() and not p.name.startswith(".")}


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """The outputs an earlier build left (stand-ins: what matters is that a failed build
    leaves them as they are), with the cache folder every build makes."""
    out = tmp_path / "built"
    (out / ".paiban-cache").mkdir(parents=True)
    for name in (f"{ISBN}.epub", f"{ISBN}.pdf", f"{ISBN}-cover.pdf"):
        (out / name).write_bytes(f"an earlier {name}".encode())
    return out


def run_timed(*args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    start = time.monotonic()
    result = run_cli(*args)
    return result, time.monotonic() - start


@pytest.mark.parametrize("case", CORPUS, ids=[c.name for c in CORPUS])
def test_corpus(case: Case, tmp_path: Path, built: Path) -> None:
    book = make_book(tmp_path)
    case.mutate(book)
    out = tmp_path / "out"
    shutil.copytree(built, out)
    before = outputs(out)
    result, seconds = run_timed(case.command, "--manuscript", str(book), "--out", str(out))
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "MemoryError" not in output, output[-3000:]
    assert result.returncode == case.status, output[-3000:]
    assert re.search(case.message, output, re.M), output[-3000:]
    assert seconds < SECONDS, f"{case.name} took {seconds:.1f} s"
    if case.status:
        assert "hint:" in output or re.search(r"\(.+\)$", output, re.M), output  # each error has its hint
        assert outputs(out) == before
        assert not list(out.glob(".*.part"))


def test_a_gap_of_one_page_or_two_is_named_page_by_page(tmp_path: Path) -> None:
    book = make_book(tmp_path)
    edit(chapter(book), "{{page 2}}", "{{page 4}}")
    result = run_cli("check", "--manuscript", str(book))
    assert "S001 page 4 follows page 1: no marker for 2, 3\n" in result.stdout, result.stdout


@pytest.mark.parametrize(("relative", "message"), [
    ("images/\0x.png", r"path 'images/\\x00x\.png' holds a NUL character"),
    ("images/" + "x" * 256 + ".png", r"file name 'x{40}'… is 260 bytes long, more than the 255"),
    ("images/" + "x/" * 2100 + "y.png", r"path 'images/x/x/.*' cannot be read: file name too long"),
])
def test_a_path_the_system_refuses_is_an_error_at_its_line(tmp_path: Path, relative: str, message: str) -> None:
    from paiban.errors import BookError
    from paiban.reader.sources import resolve_inside

    with pytest.raises(BookError) as caught:
        resolve_inside(tmp_path, relative, Path("book/chapters/01.md"), 18)
    assert re.match(rf"book/chapters/01\.md:18: {message}", str(caught.value)), str(caught.value)


def test_the_tree_is_measured_after_the_parser(tmp_path: Path) -> None:
    """Nesting that the source check lets through is refused in the tree, at the last line known."""
    from paiban.errors import BookError
    from paiban.reader.book import _check_layout_bounds
    from paiban.tree import parse

    root = parse('<h2 data-line="7">题</h2>' + "<div>" * 90 + "深" + "</div>" * 90)
    with pytest.raises(BookError) as caught:
        _check_layout_bounds(root, "book/chapters/01.md", "", 1)
    assert str(caught.value).startswith("book/chapters/01.md:7: raw HTML from here on nests elements more than 80")


def test_out_inside_the_book_is_not_reported_as_unused_files(tmp_path: Path, built: Path) -> None:
    book = make_book(tmp_path)
    shutil.copytree(built, book / "dist")  # what `build.py --out book/dist` leaves
    result = run_cli("check", "--manuscript", str(book), "--out", str(book / "dist"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "R005" not in result.stdout, result.stdout


def test_out_is_the_book_folder_itself(tmp_path: Path, built: Path) -> None:
    book = make_book(tmp_path)
    shutil.copytree(built, book, dirs_exist_ok=True)
    (book / "notes.txt").write_text("笔记", "utf-8")
    result = run_cli("check", "--manuscript", str(book))
    unused = re.findall(r"R005 (\S+) is not used", result.stdout)
    assert unused == ["notes.txt"], result.stdout


def _fails_to_write(book: Path, out: Path, reason: str) -> None:
    before = outputs(out) if out.is_dir() else {}
    result, seconds = run_timed("--manuscript", str(book), "--out", str(out))
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output[-3000:]
    assert result.returncode == 1, output[-3000:]
    assert re.search(reason, output), output[-3000:]
    assert seconds < 60
    if out.is_dir():
        assert outputs(out) == before
        assert not list(out.rglob(".*.part"))


def test_out_naming_a_file(tmp_path: Path) -> None:
    out = tmp_path / "out.pdf"
    out.write_bytes(b"%PDF-1.7 an earlier file")
    _fails_to_write(MINIMAL, out, rf"cannot write \S+ into {re.escape(str(out))}: it is a file, not a folder "
                                  r"\(pass --out a folder")
    assert out.read_bytes() == b"%PDF-1.7 an earlier file"


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Callable[..., Path]]:
    """Mount a tmpfs of the given size (root only); unmounted after the test."""
    mounted: list[Path] = []

    def mount(size: str, *options: str) -> Path:
        if os.geteuid() != 0 or shutil.which("mount") is None:
            pytest.skip("mounting a tmpfs needs root")
        folder = tmp_path / f"fs{len(mounted)}"
        folder.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join([f"size={size}", *options]), "tmpfs",
                               str(folder)], capture_output=True, text=True)
        if done.returncode:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        mounted.append(folder)
        return folder

    yield mount
    for folder in mounted:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_out_on_a_read_only_file_system(tmpfs: Callable[..., Path], built: Path) -> None:
    fs = tmpfs("8m")
    shutil.copytree(built, fs / "out")
    subprocess.run(["mount", "-o", "remount,ro", str(fs)], check=True)
    _fails_to_write(MINIMAL, fs / "out", r"cannot write \S+: read-only file system \(that file system is mounted "
                                         r"read-only: pass --out a folder you can write to\)")


def test_out_on_a_full_disk(tmpfs: Callable[..., Path], built: Path, tmp_path: Path) -> None:
    fs = tmpfs("8m")
    shutil.copytree(built, fs / "out")
    with (fs / "filler").open("wb", buffering=0) as f:  # fill what is left
        with pytest.raises(OSError) as full:
            while True:
                f.write(b"\0" * 65536)
        assert full.value.errno == errno.ENOSPC
    book = make_book(tmp_path)
    edit(chapter(book), "第二页从这里开始", "第二页从此处开始")  # a new book: nothing in the cache
    _fails_to_write(book, fs / "out", r"cannot write \S+: no space left on device \(free space on that disk")


def test_a_refused_write_is_a_book_error_and_keeps_the_previous_file(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The same without root: the disk fills up while an output is written."""
    from paiban.atomic import atomic_output
    from paiban.errors import BookError

    target = tmp_path / f"{ISBN}.pdf"
    target.write_bytes(b"previous")
    with pytest.raises(BookError) as caught, atomic_output(target) as tmp:
        tmp.write_bytes(b"half of a new")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp))
    assert str(caught.value) == (f"cannot write {target}: no space left on device "
                                 "(free space on that disk, or pass --out a folder on another one)")
    assert target.read_bytes() == b"previous" and list(tmp_path.iterdir()) == [target]

    def read_only(*args: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(os, "replace", read_only)
    with pytest.raises(BookError, match="read-only file system"), atomic_output(target) as tmp:
        tmp.write_bytes(b"new")
    assert target.read_bytes() == b"previous" and list(tmp_path.iterdir()) == [target]
