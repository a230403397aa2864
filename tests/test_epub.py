"""The sample's EPUB: valid for EPUBCheck 5, navigation and page list as the book has them."""

from __future__ import annotations

import zipfile
from pathlib import Path

import lxml.etree as etree
import pytest

from conftest import epubcheck

NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
      "opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/",
      "ncx": "http://www.daisy.org/z3986/2005/ncx/"}
SAFE = etree.XMLParser(resolve_entities=False, no_network=True)


def parse(epub: Path, name: str) -> etree._Element:
    with zipfile.ZipFile(epub) as z:
        return etree.fromstring(z.read(name), SAFE)


@pytest.fixture(scope="module")
def nav(sample_epub: Path) -> etree._Element:
    return parse(sample_epub, "EPUB/nav.xhtml")


def test_epubcheck_reports_nothing(sample_epub: Path) -> None:
    report = epubcheck(sample_epub)[sample_epub]
    messages = [f"{m['severity']} {m['ID']}: {m['message']}" for m in report["messages"]]
    assert report["checker"]["nFatal"] == 0 and report["checker"]["nError"] == 0, messages
    assert report["checker"]["nWarning"] == 0, messages


def test_nav_lists_chapters_and_sections(nav: etree._Element, sample_book) -> None:
    toc = nav.find(".//x:nav[@epub:type='toc']", NS)
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


def test_page_list_has_the_original_pages_in_order(nav: etree._Element, sample_epub: Path) -> None:
    page_list = nav.find(".//x:nav[@epub:type='page-list']", NS)
    links = page_list.findall(".//x:a", NS)
    assert [a.text for a in links] == [str(n) for n in range(1, 11)]
    for a in links:
        file, _, target = a.get("href").partition("#")
        doc = parse(sample_epub, f"EPUB/{file}")
        el = doc.find(f".//*[@id='{target}']", NS)
        assert el is not None, a.get("href")
        assert el.get(f"{{{NS['epub']}}}type") == "pagebreak"
        assert el.get("role") == "doc-pagebreak" and el.get("aria-label") == a.text


def test_page_breaks_sit_where_the_original_pages_start(sample_epub: Path) -> None:
    doc = parse(sample_epub, "EPUB/text/c00-xulun.xhtml")
    starts = {2: "立共产党与人民群众的基本关系", 3: "的概念有了比较明确的含义", 4: "调，而且明确把群众观点列入",
              5: "色社会主义建设事业发展推向新阶段", 7: "层、深入群众，做到知民情", 8: "决于人心向背",
              9: "伟大祖国和伟大时代的中国人民", 10: "必须保持求真务实的工作作风"}
    for number, text in starts.items():
        el = doc.find(f".//*[@id='page-{number}']", NS)
        assert (el.tail or "").startswith(text), (number, el.tail)


def test_package_metadata(sample_epub: Path) -> None:
    opf = parse(sample_epub, "EPUB/content.opf")
    meta = opf.find("opf:metadata", NS)
    assert meta.findtext("dc:identifier", namespaces=NS) == "urn:isbn:9787515004662"
    assert meta.findtext("dc:language", namespaces=NS) == "zh-CN"
    props = [m.get("property") for m in meta.findall("opf:meta", NS)]
    for prop in ("schema:accessMode", "schema:accessModeSufficient", "schema:accessibilityFeature",
                 "schema:accessibilityHazard", "schema:accessibilitySummary", "pageBreakSource"):
        assert prop in props


def test_every_document_declares_chinese(sample_epub: Path) -> None:
    with zipfile.ZipFile(sample_epub) as z:
        names = [n for n in z.namelist() if n.endswith(".xhtml")]
    for name in names:
        root = parse(sample_epub, name)
        assert root.get("lang") == "zh-CN", name
