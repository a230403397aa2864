"""A Word file (``.docx``) becomes a book folder, through Pandoc.

Pandoc (the ``pypandoc-binary`` package ships it) reads the document into its tree
(``pandoc -t json``), in its sandbox (``--sandbox``: it reads the Word file and nothing
else, and fetches nothing), with a heap limit and a timeout, as an untrusted file
deserves. :mod:`paiban.importer.pandocast` writes the tree as paiban's Markdown; this
module cuts it into parts, one per top-level heading, places the images, and has
``book.yaml`` written as ``paiban new`` writes it (:mod:`paiban.importer.bookyaml`), with
the document's properties (title, author, subject, description, keywords, language, an
ISBN as identifier) filled in, every other field left as the template's placeholder,
and ``reflow: true``: a Word file has no original pages to keep.

The folder is written where the dispatcher (:func:`paiban.importer.import_book`) says:
a staging folder it renames into place when the import is complete.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import tempfile
import struct
import warnings
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paiban.errors import BookError
from paiban.importer import problems
from paiban.importer.bookyaml import book_yaml, filled_and_empty, front_matter
from paiban.importer.pandocast import Node, Writer, plain
from paiban.importer.report import ImportReport

# What Pandoc may use: the AST version this writer knows (pandoc-types 1.23, Pandoc 3),
# a heap limit and a time limit. A Word file is a ZIP archive; one that would unpack to
# more than MAX_UNPACKED is refused before Pandoc unpacks it (a ZIP bomb).
PANDOC_API = [1, 23]
PANDOC_HEAP = "-M2g"
PANDOC_SECONDS = 300
MAX_UNPACKED = 1024 * 1024 * 1024
# Pandoc's tree nests about a dozen levels of JSON for each list, quotation or table inside
# another, and Word nests lists at most nine deep: a real document stays far below this. The
# writer (pandocast) recurses as the tree does, so a deeper one would overflow Python's stack.
MAX_TREE_DEPTH = 200
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97–2003 (.doc)
# What the zipfile module raises, besides BadZipFile, on an archive damaged or made to break
# it: a name that is no UTF-8 (ValueError), a length past the end, a compressed stream that
# is no deflate (zlib.error), a compression method it has no decoder for, an encrypted
# member (RuntimeError: a password is required).
ZIP_DAMAGE = (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError, OverflowError, RuntimeError,
              struct.error, zlib.error)
CORE = {"dc": "http://purl.org/dc/elements/1.1/",
        "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"}
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")  # book.schema.json's pattern

# The kind of a part by its title (docs/manuscript.md, "The kinds of part").
NUMERALS = "0-9０-９一二三四五六七八九十百零〇两"
NUMBERED_TITLE = re.compile(rf"^(第[{NUMERALS}]+[章编篇部卷回讲课]|[上中下][篇编]|附录[{NUMERALS}A-Za-z]*)"
                            r"[\s\u3000:：.．、—–\-]*(.*)$")
KINDS = (
    ("preface", re.compile(r"^(?:前言|序言?|自序|代序|序[一二三四]|出版说明|编者的话|编者按|写在前面)$")),
    ("introduction", re.compile(r"^(?:绪论|引言|导论|导言)$")),
    ("part", re.compile(rf"^(?:第[{NUMERALS}]+(?:编|部分)|[上中下][篇编])$")),
    ("appendix", re.compile(r"^附录")),
    ("bibliography", re.compile(r"^(?:主要)?参考(?:文献|书目)$")),
    ("afterword", re.compile(r"^(?:后记|跋|编后记|再版后记)$")),
)


@dataclass
class Part:
    """A part of the book the Word file's top-level headings make."""

    title: str
    subtitle: str | None
    kind: str
    top: int = 1  # the level of the Word headings that make the parts
    blocks: list[Node] = field(default_factory=list)
    file: str | None = None  # chapters/01-chashu.md; None for a part-title page


def import_docx(source: Path, dest: Path, advance: Callable[[int], None] = lambda n: None) -> ImportReport:
    """Write the book folder of the Word file ``source`` into the empty folder ``dest``."""
    report = ImportReport(str(source))
    properties = _core_properties(source)
    with tempfile.TemporaryDirectory(prefix="paiban-docx-") as work:
        tree = _pandoc_tree(source, Path(work))
        advance(1)
        blocks, title_heading = _without_title_heading(tree["blocks"], report, str(source))
        if title_heading and not (properties.get("title") or _meta_text(tree["meta"], "title")):
            tree["meta"]["title"] = {"t": "MetaInlines", "c": title_heading}
        parts = _parts(blocks, _meta_text(tree["meta"], "title") or properties.get("title") or source.stem,
                       report, str(source))
        (dest / "chapters").mkdir(parents=True)
        images = _Images(Path(work) / "media", dest, report, str(source))
        number = 0
        for part in parts:
            if part.kind == "part":
                continue
            number += 1
            part.file = f"chapters/{number:02d}{_slug(part.subtitle or part.title)}.md"
            _write_chapter(part, f"{number:02d}", dest, images, report)
            report.chapters += 1
            advance(1)
    data = _metadata(source, properties, tree["meta"], parts, report)
    # A new book: a Word file has no original pages to keep.
    (dest / "book.yaml").write_text(book_yaml(data, source.name, reflow=True), "utf-8")
    report.filled, report.empty = filled_and_empty(data)
    return report


# The Word file and Pandoc ------------------------------------------------------


def _open_container(source: Path) -> zipfile.ZipFile:
    """The Word file's ZIP container, refused with a reason if it is none or unpacks too large."""
    try:
        with source.open("rb") as f:
            head = f.read(8)
        archive = zipfile.ZipFile(source)
    except ZIP_DAMAGE:
        if head == OLE_SIGNATURE:
            raise BookError("is a Word 97–2003 document (.doc), not a .docx file", source, None,
                            "open it in Word or LibreOffice and save it as .docx (Word Document)") from None
        raise BookError("is not a Word file: a .docx file is a ZIP archive, and this is none (damaged, or another "
                        "format named .docx)", source, None, "open it in Word and save it again as .docx") from None
    except OSError as exc:
        raise BookError(f"cannot be read: {(exc.strerror or str(exc)).lower()}", source, None,
                        "check that the file exists and that you may read it") from None
    if "word/document.xml" not in archive.namelist():
        archive.close()
        raise BookError("is a ZIP archive but no Word document (it has no word/document.xml)", source, None,
                        "name a .docx file saved by Word, LibreOffice or Pandoc")
    if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED:
        archive.close()
        raise BookError(f"would unpack to more than {MAX_UNPACKED // 2**20} MB", source, None,
                        "a book's Word file is far smaller: reduce its images, or split it")
    return archive


def _core_properties(source: Path) -> dict[str, str]:
    """The document's properties (docProps/core.xml) that a book's metadata can use.

    Pandoc's reader takes the title and author from the document's Title and Author
    paragraphs only, so the properties are read here, from the ZIP container, without
    Pandoc; defusedxml refuses entities and DTDs.
    """
    import defusedxml.ElementTree

    with _open_container(source) as archive:
        try:
            data = archive.read("docProps/core.xml")
        except KeyError:
            return {}
        except (*ZIP_DAMAGE, OSError) as exc:  # a damaged member
            raise BookError(f"is damaged: {exc}", source, None, "open it in Word and save it again as .docx") from None
    try:
        root = defusedxml.ElementTree.fromstring(data)
    except Exception:  # noqa: BLE001  damaged properties are no reason to refuse the text: they are left out
        return {}
    found = {}
    for name, namespace in (("title", "dc"), ("creator", "dc"), ("subject", "dc"), ("description", "dc"),
                            ("language", "dc"), ("identifier", "dc"), ("keywords", "cp")):
        element = root.find(f"{{{CORE[namespace]}}}{name}")
        if element is not None and (element.text or "").strip():
            found[name] = re.sub(r"\s+", " ", element.text or "").strip()
    return found


def _pandoc_tree(source: Path, work: Path) -> dict[str, Any]:
    """The Word file as Pandoc's JSON tree; its images extracted into ``work/media``."""
    import pypandoc

    try:
        pandoc = pypandoc.get_pandoc_path()
    except OSError:
        raise BookError("Pandoc, which reads Word files, is not installed", None, None,
                        "install paiban's dependencies again (./setup.sh, or pip install pypandoc-binary)") from None
    data = work / "data"  # an empty data folder: nothing of the user's Pandoc setup is read
    data.mkdir()
    command = [pandoc, "+RTS", PANDOC_HEAP, "-RTS", "--sandbox", f"--data-dir={data}", "--from=docx", "--to=json",
               f"--extract-media={work / 'media'}", str(source.resolve())]
    try:
        done = subprocess.run(command, capture_output=True, timeout=PANDOC_SECONDS, stdin=subprocess.DEVNULL,
                              cwd=work, env={"PATH": os.defpath, "HOME": str(work), "LANG": "C.UTF-8"})
    except subprocess.TimeoutExpired:
        raise BookError(f"Pandoc did not finish reading it in {PANDOC_SECONDS} s", source, None,
                        "the file may be damaged or built to hang a reader: open it in Word and save it again") \
            from None
    except OSError as exc:
        raise BookError(f"Pandoc ({pandoc}) cannot be run: {(exc.strerror or str(exc)).lower()}", None, None,
                        "install paiban's dependencies again (./setup.sh, or pip install pypandoc-binary)") from None
    if done.returncode:
        lines = [line for line in done.stderr.decode("utf-8", "replace").splitlines() if line.strip()]
        reason = lines[-1].strip() if lines else f"exit status {done.returncode}"
        raise BookError(f"Pandoc cannot read it: {reason}", source, None, "open it in Word and save it again as .docx")
    try:
        tree = json.loads(done.stdout)
        deep = _deepest(tree) > MAX_TREE_DEPTH
    except RecursionError:  # the JSON reader's own stack, at about a thousand levels
        deep = True
    if deep:
        raise BookError("nests its tables, lists or quotations inside each other deeper than a book can hold", source,
                        None, "a table inside a table inside a table…: simplify the document in Word")
    if tree.get("pandoc-api-version", [])[:2] != PANDOC_API:
        raise BookError(f"Pandoc writes its document tree in version {tree.get('pandoc-api-version')}, which paiban "
                        "does not know", None, None, "install the Pandoc paiban names: pip install 'pypandoc-binary~=1.17'")
    return tree


def _deepest(tree: Any) -> int:
    """How deep Pandoc's JSON tree nests, found without recursion (the depth is what is in doubt)."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack += [(child, depth + 1) for child in children if isinstance(child, (dict, list))]
    return deepest


def _meta_text(meta: dict[str, Any], key: str) -> str:
    """A metadata value of Pandoc's tree as plain text (a list joined with 、)."""
    value = meta.get(key)
    if value is None:
        return ""
    if value["t"] == "MetaList":
        return "、".join(t for t in (_meta_text({"v": v}, "v") for v in value["c"]) if t)
    if value["t"] in ("MetaInlines", "MetaString"):
        return plain(value["c"]) if value["t"] == "MetaInlines" else str(value["c"]).strip()
    if value["t"] == "MetaBlocks":
        return plain([i for b in value["c"] if b["t"] in ("Para", "Plain") for i in b["c"] + [{"t": "Space"}]])
    return ""


# Parts ------------------------------------------------------------------------


def _without_title_heading(blocks: list[Node], report: ImportReport, source: str) -> tuple[list[Node], list[Node]]:
    """A document whose only top-level heading stands above several of the next level uses
    it for the book's title: the blocks without it, and its text (none if there is no such)."""
    headings = [b for b in blocks if b["t"] == "Header" and plain(b["c"][2])]
    levels = sorted({h["c"][0] for h in headings})
    tops = [h for h in headings if h["c"][0] == levels[0]] if levels else []
    if len(tops) != 1 or len(levels) < 2 or sum(h["c"][0] == levels[1] for h in headings) < 2:
        return blocks, []
    report.uncertain.append(problems.STRUCTURE_GUESSED.found(
        f"the only top-level heading, '{plain(tops[0]['c'][2])}', is taken for the book's title: the parts are "
        f"the level-{levels[1]} headings", source))
    return [b for b in blocks if b is not tops[0]], tops[0]["c"][2]


def _parts(blocks: list[Node], book_title: str, report: ImportReport, source: str) -> list[Part]:
    """One part per top-level heading, titled and given a kind from its heading."""
    headings = [b for b in blocks if b["t"] == "Header" and plain(b["c"][2])]
    if not headings:
        return [Part(book_title, None, "chapter", blocks=blocks)]
    top = min(h["c"][0] for h in headings)
    parts: list[Part] = []
    prelude: list[Node] = []
    for block in blocks:
        if block["t"] == "Header" and block["c"][0] == top and plain(block["c"][2]):
            title, subtitle = _title(block["c"][2])
            parts.append(Part(title, subtitle, _kind(title), top))
        elif parts:
            parts[-1].blocks.append(block)
        else:
            prelude.append(block)
    if _has_text(prelude):
        parts.insert(0, Part("前言", None, "preface", top, prelude))
        report.uncertain.append(problems.STRUCTURE_GUESSED.found(
            "the text before the first heading is a part of its own now, titled 前言", source))
    body_started = False
    for part in parts:
        if part.kind == "part" and _has_text(part.blocks):
            part.kind = "chapter"
            report.uncertain.append(problems.STRUCTURE_GUESSED.found(
                f"'{part.title}' has the title of a part (第一编) but text of its own: it is a chapter now", source))
        if part.kind in ("preface", "introduction") and body_started:
            report.uncertain.append(problems.STRUCTURE_GUESSED.found(
                f"'{part.title}' stands after the body has begun: it is a chapter now, not the book's {part.kind}",
                source))
            part.kind = "chapter"
        body_started = body_started or part.kind != "preface"
    return parts


def _title(inlines: list[Node]) -> tuple[str, str | None]:
    """A heading's title and subtitle: 第一章 and 茶树 in 第一章 茶树 (or 第一章：茶树, or the
    two lines of a heading broken by hand)."""
    lines = [plain(line) for line in _lines(inlines)]
    lines = [line for line in lines if line]
    if len(lines) > 1:
        return lines[0], " ".join(lines[1:])
    text = lines[0]
    match = NUMBERED_TITLE.match(text)
    if match and match.group(2).strip():
        return match.group(1), match.group(2).strip()
    return text, None


def _lines(inlines: list[Node]) -> list[list[Node]]:
    out: list[list[Node]] = [[]]
    for node in inlines:
        if node["t"] == "LineBreak":
            out.append([])
        elif node["t"] != "Note":  # a note on a chapter title has no place in the front matter
            out[-1].append(node)
    return out


def _kind(title: str) -> str:
    return next((kind for kind, pattern in KINDS if pattern.match(title)), "chapter")


def _has_text(blocks: list[Node]) -> bool:
    return any(not (b["t"] in ("Para", "Plain") and not plain(b["c"])) for b in blocks)


def _slug(title: str) -> str:
    """``-chashu`` for 茶树: the file name readable in a listing, as the sample's are."""
    from pypinyin import lazy_pinyin

    letters = re.sub(r"[^a-z0-9]", "", "".join(lazy_pinyin(title)).lower())[:24]
    return f"-{letters}" if letters else ""


def _write_chapter(part: Part, label: str, dest: Path, images: _Images, report: ImportReport) -> None:
    """The part's chapter file; the writer's findings are reported at the written lines of their
    blocks, where the user will look (the Word file has no lines)."""
    writer = Writer(label, images.placer(label))
    body = writer.chapter(part.blocks, part.top)
    front = front_matter(part.title, part.subtitle, part.kind)
    text = "\n".join(front) + "\n" + "\n\n".join(body)
    if writer.notes:
        text += "\n\n" + writer.notes_text()
    (dest / str(part.file)).write_text(text.rstrip("\n") + "\n", "utf-8")
    starts = [len(front) + 1]  # the line each written block starts on
    for block in body:
        starts.append(starts[-1] + block.count("\n") + 2)
    for found in writer.found:
        report.uncertain.append(found.rule.found(found.message, str(dest / str(part.file)), starts[found.block]))


# Images ------------------------------------------------------------------------


class _Images:
    """The images Pandoc extracted, copied into the book's ``images/`` as paiban can read them."""

    def __init__(self, media: Path, dest: Path, report: ImportReport, source: str) -> None:
        self.media = media.resolve()
        self.dest = dest
        self.report = report
        self.source = source
        self.placed: dict[str, tuple[str | None, str]] = {}

    def placer(self, label: str) -> Callable[[str], tuple[str | None, str]]:
        """What the chapter ``label`` places its images by: each image once, named ``label-1``,
        ``label-2``… in the order the chapter shows them; one shown again keeps its first place."""
        numbers = itertools.count(1)

        def place(src: str) -> tuple[str | None, str]:
            if src not in self.placed:
                self.placed[src] = self._place(src, f"{label}-{next(numbers)}")
            return self.placed[src]

        return place

    def _place(self, src: str, stem: str) -> tuple[str | None, str]:
        from PIL import Image

        from paiban.reader import limits
        from paiban.reader.book import IMAGE_TYPES, MAX_IMAGE_BYTES, RASTER_FORMATS, safe_svg

        outside = f"it is linked from outside the Word file ({src[:60]}), and a book fetches nothing"
        try:
            path = (self.media / src).resolve()  # an absolute src stays itself
            if not path.is_relative_to(self.media) or not path.is_file():
                return None, outside
        except (OSError, ValueError):  # a name no file can have: too long, a NUL in it
            return None, outside
        if path.stat().st_size > MAX_IMAGE_BYTES:
            return None, f"it is larger than {MAX_IMAGE_BYTES // 2**20} MB"
        data = path.read_bytes()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(path) as image:
                    if image.width * image.height > limits.MAX_IMAGE_PIXELS:
                        return None, f"it has more than {limits.MAX_IMAGE_PIXELS // 1_000_000} million pixels"
                    kind = image.format or ""
                    if kind in ("WMF", "EMF"):
                        return None, f"it is a Windows drawing ({kind}), which a book cannot hold"
                    image.load()
                    if kind in RASTER_FORMATS:
                        suffix = next(s for s, t in IMAGE_TYPES.items() if t == RASTER_FORMATS[kind])
                        return self._write(f"{stem}{suffix}", data), ""
                    converted = image.convert("RGBA" if "A" in image.getbands() else "RGB")
                    name = f"images/{stem}.png"
                    (self.dest / "images").mkdir(exist_ok=True)
                    converted.save(self.dest / name, format="PNG")
                    self.report.uncertain.append(problems.IMAGE_CONVERTED.found(
                        f"image {path.name} ({kind}) is {name} now", self.source))
                    return name, ""
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            return None, f"it has more than {limits.MAX_IMAGE_PIXELS // 1_000_000} million pixels"
        except Image.UnidentifiedImageError:
            pass
        except Exception as exc:  # noqa: BLE001  what Pillow's decoders meet in damaged data
            return None, f"it is damaged ({exc.__class__.__name__})"
        if b"<svg" not in data[:4096]:
            return None, f"{path.name} is in no format a book can hold"
        try:
            safe_svg(data, path.name, self.source, None)
        except BookError as exc:
            return None, exc.message
        return self._write(f"{stem}.svg", data), ""

    def _write(self, name: str, data: bytes) -> str:
        (self.dest / "images").mkdir(exist_ok=True)
        (self.dest / "images" / name).write_bytes(data)
        return f"images/{name}"


# book.yaml ---------------------------------------------------------------------


def _metadata(source: Path, properties: dict[str, str], meta: dict[str, Any], parts: list[Part],
              report: ImportReport) -> dict[str, Any]:
    """book.yaml's data from what the Word file says of itself: its properties (docProps/core.xml)
    first, then the metadata Pandoc read from its Title, Author and Date paragraphs."""
    title = properties.get("title") or _meta_text(meta, "title")
    if not title:
        title = source.stem
        report.uncertain.append(problems.STRUCTURE_GUESSED.found(
            "the Word file has no title: the book is titled by the file's name", str(source)))
    language = properties.get("language") or _meta_text(meta, "lang")
    data: dict[str, Any] = {"title": title, "language": language if LANGUAGE.match(language) else "zh-CN"}
    if date := _date(_meta_text(meta, "date")):
        data["date"] = date
    if description := properties.get("description") or _meta_text(meta, "abstract") or _meta_text(meta, "description"):
        data["description"] = description
    if subjects := list(dict.fromkeys(_split(properties.get("subject", "")) + _split(properties.get("keywords", "")))):
        data["subjects"] = subjects
    if authors := _split(properties.get("creator", "")) or _split(_meta_text(meta, "author")):
        data["contributors"] = [{"name": a, "role": "author"} for a in authors]
    if isbn := _isbn(properties.get("identifier", "")):
        data["isbn"] = isbn
    data["contents"] = [{"title": part.title, **({"subtitle": part.subtitle} if part.subtitle else {}),
                         "kind": part.kind, **({"file": part.file} if part.file else {})} for part in parts]
    return data


def _split(value: str) -> list[str]:
    """A property that lists several (authors, keywords): Word users separate them by ; , or 、."""
    return [v.strip() for v in re.split(r"[;,；，、]", value) if v.strip()]


def _date(value: str) -> str | None:
    """YYYY, YYYY-MM or YYYY-MM-DD from a date as Word or an author wrote it."""
    match = re.match(r"^(\d{4})(?:[-/.年](\d{1,2})(?:[-/.月](\d{1,2}))?)?", value.strip())
    if not match:
        return None
    return "-".join([match.group(1)] + [f"{int(g):02d}" for g in match.groups()[1:] if g])


def _isbn(value: str) -> str | None:
    """The document's identifier hyphenated, if it is an ISBN-13."""
    import isbnlib

    digits = re.sub(r"[^0-9Xx]", "", value.removeprefix("urn:isbn:").removeprefix("ISBN"))
    if len(digits) != 13 or not isbnlib.is_isbn13(digits):
        return None
    return isbnlib.mask(digits) or digits
