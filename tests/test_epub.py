"""The EPUB: valid for EPUBCheck 5 with nothing to report, navigation, page list,
semantics and package metadata as EPUB Accessibility 1.1 asks.

Besides the sample, a test book built from a copy of it adds 第一章 with a 延伸阅读
piece and the 附录 with two documents, so that every kind of part is checked. All
EPUBs are checked in one EPUBCheck run (one JVM start).
"""

from __future__ import annotations

import datetime
import os
import re
import zipfile
from pathlib import Path

import lxml.etree as etree
import pytest

from conftest import SAMPLE, copy_sample, epubcheck

NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
      "opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/",
      "ncx": "http://www.daisy.org/z3986/2005/ncx/"}
EPUB_TYPE = f"{{{NS['epub']}}}type"
SAFE = etree.XMLParser(resolve_entities=False, no_network=True)
READING = "群众路线是企业发展的坚强保证"
DOCUMENTS = ("习近平在党的群众路线教育实践活动工作会议上强调 深入扎实开展党的群众路线教育实践活动 "
             "为实现党的十八大目标任务提供坚强保证", "关于开展第二批党的群众路线教育实践活动的指导意见")
CHAPTER_ONE = f"""---
title: 第一章
subtitle: 开展党的群众路线教育实践活动的重要性和紧迫性
kind: chapter
---
{{{{page 11}}}}

## 一、教育实践活动是坚持党要管党、从严治党的重大决策

党的十八大提出，围绕保持党的先进性和纯洁性，在全党深入开展以为民务实清廉为主要内容的党的群众路线教育实践活动。

### 1. 从严治党的必然要求

#### （1）管党治党的根本之策

这是新形势下坚持党要管党、从严治党的重大决策，是**顺应群众期盼**、加强学习型服务型创新型马克思主义执政党建设的重大部署。

{{{{page 12}}}}

## {READING} {{.reading}}

某企业党委坚持把群众路线贯穿企业发展全过程，职工群众的积极性、主动性、创造性得到充分发挥。

### 一、坚持依靠职工办企业

企业的发展离不开广大职工，**职工是企业的主人**。
"""
APPENDIX = f"""---
title: 附录
kind: appendix
---
{{{{page 13}}}}

## {DOCUMENTS[0]} {{.document}}

党的群众路线教育实践活动工作会议在北京召开。

{{{{page 14}}}}

## {DOCUMENTS[1]} {{.document}}

根据中央统一部署，第二批党的群众路线教育实践活动从 2014 年 1 月开始。
"""


def make_test_book(dest: Path) -> Path:
    """A copy of the sample with 第一章 (pages 11–12, a 延伸阅读 piece) and the 附录
    (pages 13–14, two documents); the printed TOC's pages are moved to match."""
    book = copy_sample(dest)
    (book / "chapters" / "01-diyizhang.md").write_text(CHAPTER_ONE, "utf-8")
    (book / "chapters" / "90-fulu.md").write_text(APPENDIX, "utf-8")
    meta = (book / "book.yaml").read_text("utf-8")
    for old, new in (
        ("    subtitle: 开展党的群众路线教育实践活动的重要性和紧迫性\n    kind: chapter\n",
         "    subtitle: 开展党的群众路线教育实践活动的重要性和紧迫性\n    kind: chapter\n    file: chapters/01-diyizhang.md\n"),
        ("重大决策\", page: 18}", "重大决策\", page: 11}"),
        (f"{READING}\", page: 29,", f"{READING}\", page: 12,"),
        ("  - title: 附录\n    kind: appendix\n", "  - title: 附录\n    kind: appendix\n    file: chapters/90-fulu.md\n"),
        ("提供坚强保证\", page: 167}", "提供坚强保证\", page: 13}"),
        ("指导意见\", page: 170}", "指导意见\", page: 14}"),
    ):
        assert meta.count(old) == 1, old
        meta = meta.replace(old, new)
    (book / "book.yaml").write_text(meta, "utf-8")
    return book


def build(manuscript: Path, out: Path, *options: str, epoch: str = "1370044800") -> Path:
    """``build.py epub`` with a fixed ``SOURCE_DATE_EPOCH``."""
    import subprocess
    import sys

    env = {**os.environ, "SOURCE_DATE_EPOCH": epoch}
    result = subprocess.run([sys.executable, str(Path(__file__).parent.parent / "build.py"), "epub", *options,
                             "--manuscript", str(manuscript), "--out", str(out)],
                            capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr
    return next(out.glob("*.epub"))


def parse(epub: Path, name: str) -> etree._Element:
    with zipfile.ZipFile(epub) as z:
        return etree.fromstring(z.read(name), SAFE)


def xhtml_names(epub: Path) -> list[str]:
    with zipfile.ZipFile(epub) as z:
        return [n for n in z.namelist() if n.endswith(".xhtml")]


@pytest.fixture(scope="module")
def fonts_epub(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(SAMPLE, tmp_path_factory.mktemp("fonts"), "--embed-fonts")


@pytest.fixture(scope="module")
def small_book_epub(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("testbook")
    return build(make_test_book(tmp), tmp / "out")


@pytest.fixture(scope="module")
def reports(sample_epub: Path, fonts_epub: Path, small_book_epub: Path) -> dict[Path, dict]:
    return epubcheck(sample_epub, fonts_epub, small_book_epub)


@pytest.fixture(scope="module")
def nav(sample_epub: Path) -> etree._Element:
    return parse(sample_epub, "EPUB/nav.xhtml")


@pytest.mark.parametrize("which", ["sample_epub", "fonts_epub", "small_book_epub"])
def test_epubcheck_reports_nothing(which: str, reports: dict[Path, dict], request: pytest.FixtureRequest) -> None:
    report = reports[request.getfixturevalue(which)]
    messages = [f"{m['severity']} {m['ID']}: {m['message']}" for m in report["messages"]]
    assert report["checker"]["nFatal"] == 0 and report["checker"]["nError"] == 0, messages
    assert report["checker"]["nWarning"] == 0, messages
    assert report["checker"]["checkerVersion"].startswith("5."), report["checker"]


def test_nav_lists_chapters_and_sections(nav: etree._Element, sample_book) -> None:
    toc = nav.find(".//x:nav[@epub:type='toc']", NS)
    assert toc.get("role") == "doc-toc"
    top = toc.findall("x:ol/x:li", NS)
    assert len(top) == len(sample_book.chapters)
    labels = [a.text for a in toc.iterfind(".//x:a", NS)]
    for chapter in sample_book.chapters:
        for heading in chapter.headings:
            assert heading.text in labels
    # sections nest: 一、 holds 1. which holds nothing or （1）
    first = top[0].find("x:ol/x:li", NS)
    assert first.find("x:a", NS).text == "一、群众路线的形成与发展"
    assert [a.text for a in first.findall("x:ol/x:li/x:a", NS)][:2] == [
        "1. 马克思主义经典作家的群众观", "2. 以毛泽东为代表的中国共产党人创立了群众路线"]
    third = first.findall("x:ol/x:li", NS)[2]
    assert third.find("x:ol/x:li/x:a", NS).text.startswith("（1）以邓小平同志为核心")


def test_landmarks(nav: etree._Element, sample_epub: Path) -> None:
    landmarks = nav.find(".//x:nav[@epub:type='landmarks']", NS)
    links = {a.get(EPUB_TYPE): a.get("href") for a in landmarks.iterfind(".//x:a", NS)}
    assert set(links) == {"cover", "titlepage", "copyright-page", "toc", "bodymatter"}
    assert links["toc"] == "nav.xhtml#toc"
    expected = {"cover": "cover", "titlepage": "titlepage", "copyright-page": "copyright-page",
                "bodymatter": "introduction"}
    for kind, href in links.items():
        if kind == "toc":
            continue
        file, _, fragment = href.partition("#")
        doc = parse(sample_epub, f"EPUB/{file}")
        target = doc.find(f".//*[@id='{fragment}']", NS) if fragment else doc.find(".//x:body/*", NS)
        assert target is not None and target.get(EPUB_TYPE) == expected[kind], href


def test_page_list_has_the_original_pages_in_order(nav: etree._Element, sample_epub: Path, sample_book) -> None:
    page_list = nav.find(".//x:nav[@epub:type='page-list']", NS)
    assert page_list.get("role") == "doc-pagelist"
    links = page_list.findall(".//x:a", NS)
    assert [a.text for a in links] == [str(n) for n in range(1, 11)]
    chapter_file = f"text/{sample_book.chapters[0].id}.xhtml"
    for a in links:
        file, _, target = a.get("href").partition("#")
        assert file == chapter_file
        doc = parse(sample_epub, f"EPUB/{file}")
        found = doc.findall(f".//*[@id='{target}']", NS)
        assert len(found) == 1, a.get("href")
        el = found[0]
        assert el.get(EPUB_TYPE) == "pagebreak"
        assert el.get("role") == "doc-pagebreak" and el.get("aria-label") == a.text
        assert not (el.text or "").strip() and len(el) == 0  # an empty marker, not a wrapper


def test_page_breaks_sit_where_the_original_pages_start(sample_epub: Path) -> None:
    doc = parse(sample_epub, "EPUB/text/c00-xulun.xhtml")
    # page 1 opens the chapter, before its title
    first = doc.find(".//*[@id='page-1']", NS)
    assert first.getnext().tag == f"{{{NS['x']}}}h1" and first.getnext().text == "绪　论"
    starts = {2: "立共产党与人民群众的基本关系", 3: "的概念有了比较明确的含义", 4: "调，而且明确把群众观点列入",
              5: "色社会主义建设事业发展推向新阶段", 7: "层、深入群众，做到知民情", 8: "决于人心向背",
              9: "伟大祖国和伟大时代的中国人民", 10: "必须保持求真务实的工作作风"}
    for number, text in starts.items():
        el = doc.find(f".//*[@id='page-{number}']", NS)
        assert (el.tail or "").startswith(text), (number, el.tail)
    six = doc.find(".//*[@id='page-6']", NS)  # between paragraphs: page 6 opens with a heading
    assert six.tag == f"{{{NS['x']}}}div" and six.getnext().tag == f"{{{NS['x']}}}h4"
    assert six.getnext().text.startswith("（3）以胡锦涛同志为总书记的党中央")


def test_ncx_page_list_and_play_order(sample_epub: Path) -> None:
    ncx = parse(sample_epub, "EPUB/toc.ncx")
    targets = ncx.findall("ncx:pageList/ncx:pageTarget", NS)
    assert [t.get("value") for t in targets] == [str(n) for n in range(1, 11)]
    assert [t.find("ncx:content", NS).get("src").split("#")[1] for t in targets] == [
        f"page-{n}" for n in range(1, 11)]
    orders = [int(p.get("playOrder")) for p in ncx.iter(f"{{{NS['ncx']}}}navPoint", f"{{{NS['ncx']}}}pageTarget")]
    by_target: dict[str, int] = {}
    for p in ncx.iter(f"{{{NS['ncx']}}}navPoint", f"{{{NS['ncx']}}}pageTarget"):
        src = p.find("ncx:content", NS).get("src")
        assert by_target.setdefault(src, int(p.get("playOrder"))) == int(p.get("playOrder")), src
    assert sorted(set(orders)) == list(range(1, len(set(orders)) + 1))
    # the chapter's section opens with page 1's marker, which precedes page 2's
    assert by_target["text/c00-xulun.xhtml#c00-xulun"] < by_target["text/c00-xulun.xhtml#page-1"] \
        < by_target["text/c00-xulun.xhtml#page-2"]


def test_package_metadata(sample_epub: Path, sample_book) -> None:
    opf = parse(sample_epub, "EPUB/content.opf")
    meta = opf.find("opf:metadata", NS)
    assert opf.get("unique-identifier") == meta.find("dc:identifier", NS).get("id")
    assert meta.findtext("dc:identifier", namespaces=NS) == "urn:isbn:9787515004662"
    assert meta.findtext("dc:title", namespaces=NS) == sample_book.title
    assert meta.findtext("dc:language", namespaces=NS) == "zh-CN"
    assert meta.findtext("dc:publisher", namespaces=NS) == "国家行政学院出版社"
    assert meta.findtext("dc:date", namespaces=NS) == "2013-06"
    assert meta.findtext("dc:source", namespaces=NS) == "urn:isbn:9787515004662"
    assert meta.findtext("dc:description", namespaces=NS).startswith("本书是“为民务实清廉”群众路线教育推荐读物")
    assert [s.text for s in meta.findall("dc:subject", NS)] == ["中国共产党", "群众路线", "学习参考资料"]
    creator = meta.find("dc:creator", NS)
    assert creator.text == "本书编写组"
    role = meta.find(f"opf:meta[@refines='#{creator.get('id')}'][@property='role']", NS)
    assert role.get("scheme") == "marc:relators" and role.text == "aut"
    values: dict[str, list[str]] = {}
    for m in meta.findall("opf:meta[@property]", NS):
        values.setdefault(m.get("property"), []).append(m.text)
    assert len(values["dcterms:modified"]) == 1
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", values["dcterms:modified"][0])
    assert values["pageBreakSource"] == ["urn:isbn:9787515004662"]
    assert set(values["schema:accessMode"]) == {"textual", "visual"}
    assert values["schema:accessModeSufficient"] == ["textual"]
    assert {"tableOfContents", "readingOrder", "structuralNavigation", "printPageNumbers", "pageNavigation",
            "pageBreakMarkers", "alternativeText"} <= set(values["schema:accessibilityFeature"])
    assert values["schema:accessibilityHazard"] == ["none"]
    assert "ISBN 978-7-5150-0466-2" in values["schema:accessibilitySummary"][0]
    # no conformance claim (see paiban/builders/epub) and no generator noise
    assert "dcterms:conformsTo" not in values and "a11y:certifiedBy" not in values
    assert meta.find("opf:meta[@name='generator']", NS) is None


def test_spine_and_cover(sample_epub: Path) -> None:
    opf = parse(sample_epub, "EPUB/content.opf")
    items = {i.get("id"): i for i in opf.iterfind("opf:manifest/opf:item", NS)}
    spine = [items[r.get("idref")].get("href") for r in opf.iterfind("opf:spine/opf:itemref", NS)]
    assert spine == ["text/cover.xhtml", "text/titlepage.xhtml", "text/copyright.xhtml", "nav.xhtml",
                     "text/c00-xulun.xhtml"]
    cover = next(i for i in items.values() if "cover-image" in (i.get("properties") or "").split())
    assert cover.get("media-type") == "image/jpeg"
    with zipfile.ZipFile(sample_epub) as z:
        jpeg = z.read(f"EPUB/{cover.get('href')}")
    assert jpeg[:3] == b"\xff\xd8\xff"
    height, width = _jpeg_size(jpeg)
    assert height == 1600 and 0.6 < width / height < 0.8, (width, height)
    page = parse(sample_epub, "EPUB/text/cover.xhtml")
    img = page.find(".//x:img", NS)
    assert img.get("role") == "doc-cover" and img.get("alt").startswith("封面：")
    assert "群众路线教育实践活动党员干部读本" in img.get("alt")


def _jpeg_size(data: bytes) -> tuple[int, int]:
    """Height and width from the JPEG's start-of-frame segment."""
    i = 2
    while i < len(data):
        marker, length = data[i + 1], int.from_bytes(data[i + 2:i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return int.from_bytes(data[i + 5:i + 7], "big"), int.from_bytes(data[i + 7:i + 9], "big")
        i += 2 + length
    raise AssertionError("no SOF segment")


@pytest.mark.parametrize("which", ["sample_epub", "small_book_epub"])
def test_every_document_is_chinese_with_headings_in_order(which: str, request: pytest.FixtureRequest) -> None:
    epub = request.getfixturevalue(which)
    for name in xhtml_names(epub):
        root = parse(epub, name)
        assert root.get("lang") == "zh-CN" and root.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh-CN"
        levels = [int(h.tag[-1]) for h in root.iter() if re.fullmatch(r"\{[^}]+\}h[1-6]", str(h.tag))]
        if name.endswith("cover.xhtml"):
            assert levels == [], name  # an image page
            continue
        assert levels and levels[0] == 1 and levels.count(1) == 1, (name, levels)
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), (name, levels)


def test_front_matter_semantics(sample_epub: Path) -> None:
    def section(name: str) -> etree._Element:
        return parse(sample_epub, f"EPUB/text/{name}.xhtml").find("x:body/x:section", NS)

    assert section("cover").get(EPUB_TYPE) == "cover"
    title = section("titlepage")
    assert title.get(EPUB_TYPE) == "titlepage" and title.get("aria-label") == "扉页"
    assert title.findtext("x:h1", namespaces=NS) == "群众路线教育实践活动党员干部读本"
    copyright_page = section("copyright")
    assert copyright_page.get(EPUB_TYPE) == "copyright-page" and copyright_page.get("aria-label") == "版权页"
    assert copyright_page.findtext(".//x:h1", namespaces=NS) == "图书在版编目（CIP）数据"
    assert "ISBN 978-7-5150-0466-2" in "".join(copyright_page.itertext())


def test_parts_reading_pieces_and_appendix(small_book_epub: Path) -> None:
    """Each kind of part has its epub:type and role; a 延伸阅读 piece is a named
    learning-resource region, an appendix document a named region; nav and page list
    reach them."""
    expected = {"text/c00-xulun.xhtml": ("introduction", "doc-introduction"),
                "text/c01-diyizhang.xhtml": ("chapter", "doc-chapter"),
                "text/c90-fulu.xhtml": ("appendix", "doc-appendix")}
    for name, (kind, role) in expected.items():
        part = parse(small_book_epub, f"EPUB/{name}").find("x:body/x:section", NS)
        assert (part.get(EPUB_TYPE), part.get("role")) == (kind, role), name
        assert part.find(f".//*[@id='{part.get('aria-labelledby')}']", NS).tag == f"{{{NS['x']}}}h1"
    chapter = parse(small_book_epub, "EPUB/text/c01-diyizhang.xhtml")
    reading = chapter.findall(".//x:section[@class='reading']", NS)
    assert len(reading) == 1
    piece = reading[0]
    assert piece.get(EPUB_TYPE) == "learning-resource" and piece.get("role") is None
    heading = piece.find(f".//*[@id='{piece.get('aria-labelledby')}']", NS)
    assert heading.tag == f"{{{NS['x']}}}h2" and heading.text == READING
    assert piece.findtext("x:p[@class='section-label']", namespaces=NS) == "延伸阅读"
    assert piece.find("x:p[@class='section-label']", NS).get("aria-hidden") == "true"
    assert piece.find(".//x:h3", NS).text == "一、坚持依靠职工办企业"
    assert chapter.find(".//*[@id='page-12']", NS).getnext() is piece  # page 12 opens with the piece
    appendix = parse(small_book_epub, "EPUB/text/c90-fulu.xhtml")
    documents = appendix.findall(".//x:section[@class='document']", NS)
    assert [appendix.find(f".//*[@id='{d.get('aria-labelledby')}']", NS).text for d in documents] == list(DOCUMENTS)
    assert all(d.get(EPUB_TYPE) is None for d in documents)
    assert appendix.find(".//*[@id='page-14']", NS).getnext() is documents[1]  # not at the end of documents[0]
    nav = parse(small_book_epub, "EPUB/nav.xhtml")
    labels = [a.text for a in nav.find(".//x:nav[@epub:type='toc']", NS).iterfind(".//x:a", NS)]
    assert READING in labels and DOCUMENTS[1] in labels
    pages = nav.find(".//x:nav[@epub:type='page-list']", NS).findall(".//x:a", NS)
    assert [a.text for a in pages] == [str(n) for n in range(1, 15)]
    assert [a.get("href") for a in pages[10:]] == [
        "text/c01-diyizhang.xhtml#page-11", "text/c01-diyizhang.xhtml#page-12",
        "text/c90-fulu.xhtml#page-13", "text/c90-fulu.xhtml#page-14"]


def test_modified_date_follows_source_date_epoch(sample_epub: Path, fonts_epub: Path) -> None:
    opf = parse(fonts_epub, "EPUB/content.opf")
    modified = opf.findtext("opf:metadata/opf:meta[@property='dcterms:modified']", namespaces=NS)
    assert modified == datetime.datetime.fromtimestamp(1370044800, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_embedded_fonts_cover_the_text_and_are_small(fonts_epub: Path) -> None:
    """Each face holds a glyph for every character set in it, and is a few hundred KB
    cut from a CJK font of about 20 MB."""
    import io

    from fontTools.ttLib import TTFont

    opf = parse(fonts_epub, "EPUB/content.opf")
    fonts = {i.get("href"): i for i in opf.iterfind("opf:manifest/opf:item", NS) if i.get("href").startswith("fonts/")}
    assert {h for h, i in fonts.items() if i.get("media-type") == "font/otf"} == {
        "fonts/NotoSerifCJKsc-Regular.otf", "fonts/NotoSansCJKsc-Bold.otf", "fonts/NotoSansCJKsc-Regular.otf"}
    with zipfile.ZipFile(fonts_epub) as z:
        css = z.read("EPUB/styles/fonts.css").decode()
        data = {h: z.read(f"EPUB/{h}") for h in fonts}
        license_txt = z.read("EPUB/fonts/OFL.txt").decode()
    for href in data:
        if href.endswith(".otf"):
            assert f'url("../{href}") format("opentype")' in css
    assert 'font-family: "Noto Serif CJK SC"; font-weight: 400' in css
    assert 'font-family: "Noto Sans CJK SC"; font-weight: 700' in css
    body, headings = set(), set()
    for name in xhtml_names(fonts_epub):
        root = parse(fonts_epub, name)
        links = [link.get("href") for link in root.iterfind("x:head/x:link", NS)]
        assert links[0].endswith("styles/fonts.css"), (name, links)  # before base.css names the families
        body.update("".join(root.find("x:body", NS).itertext()))
        for h in root.iter(*(f"{{{NS['x']}}}{t}" for t in ("h1", "h2", "h3", "h4", "strong"))):
            headings.update("".join(h.itertext()))
    fonts_by_name = {h: TTFont(io.BytesIO(d)) for h, d in data.items() if h.endswith(".otf")}
    serif = fonts_by_name["fonts/NotoSerifCJKsc-Regular.otf"]
    sans_bold = fonts_by_name["fonts/NotoSansCJKsc-Bold.otf"]
    assert not {c for c in body if not c.isspace()} - {chr(u) for u in serif.getBestCmap()}
    assert not {c for c in headings if not c.isspace()} - {chr(u) for u in sans_bold.getBestCmap()}
    assert serif["name"].getDebugName(1) == "Noto Serif CJK SC"
    assert "Open Font License" in serif["name"].getDebugName(13)
    sizes = {h: len(d) for h, d in data.items()}
    assert sizes["fonts/NotoSerifCJKsc-Regular.otf"] < 600_000, sizes  # from a 26 MB collection
    assert sum(sizes.values()) < 700_000, sizes
    assert "SIL OPEN FONT LICENSE Version 1.1" in license_txt and "Adobe" in license_txt


def _members(epub: Path) -> list[tuple[str, int, tuple[int, ...], int]]:
    with zipfile.ZipFile(epub) as z:
        return [(i.filename, i.compress_type, i.date_time, len(i.extra)) for i in z.infolist()]


def test_builds_are_byte_identical(fonts_epub: Path, tmp_path: Path) -> None:
    """Same manuscript and SOURCE_DATE_EPOCH: the same bytes, with embedded fonts and the
    cover image, and without; the zip starts with an uncompressed mimetype."""
    again = build(SAMPLE, tmp_path / "fonts", "--embed-fonts")
    assert again.read_bytes() == fonts_epub.read_bytes()
    plain = [build(SAMPLE, tmp_path / f"plain{i}") for i in (1, 2)]
    assert plain[0].read_bytes() == plain[1].read_bytes()
    members = _members(plain[0])
    assert members[0] == ("mimetype", zipfile.ZIP_STORED, members[0][2], 0)
    stamp = datetime.datetime.fromtimestamp(1370044800, datetime.UTC).timetuple()[:6]
    assert {m[2] for m in members} == {stamp}
    other = build(SAMPLE, tmp_path / "later", epoch="1370131200")
    with zipfile.ZipFile(other) as a, zipfile.ZipFile(plain[0]) as b:
        changed = [n for n in a.namelist() if a.read(n) != b.read(n)]
    assert changed == ["EPUB/content.opf"]  # only dcterms:modified moves with the epoch
