"""What a reader sees of the sample's outputs, as plain data, to compare two builds.

A refactoring of the pipeline must not change the book: the same text on every PDF
page (so the same page starts), the same EPUB documents in the same reading order,
the same nav and page list. :func:`fingerprint` reads those facts from a built PDF
and EPUB; ``tests/data/sample-fingerprint.json`` holds them for the sample as built
before the chapter tree, and ``tests/test_fingerprint.py`` compares every build with
it. Run this file to print the facts of a build folder:

    .venv/bin/python tests/fingerprint.py dist/ > facts.json
"""

from __future__ import annotations

import json
import re
import sys
import zipfile
from pathlib import Path

import lxml.etree
import pdfplumber

XHTML = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}
OPF = {"o": "http://www.idpf.org/2007/opf"}


def _plain(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_facts(pdf: Path) -> dict[str, object]:
    """Each page's text without white space, and the first characters each page starts with."""
    with pdfplumber.open(pdf) as doc:
        pages = [_plain(page.extract_text() or "") for page in doc.pages]
    return {"pages": len(pages), "text": pages}


def epub_facts(epub: Path) -> dict[str, object]:
    """The spine's documents (file, text), the nav's TOC (label, href) and page list."""
    with zipfile.ZipFile(epub) as z:
        opf_name = next(n for n in z.namelist() if n.endswith(".opf"))
        opf = lxml.etree.fromstring(z.read(opf_name))
        base = opf_name.rsplit("/", 1)[0] + "/"
        manifest = {i.get("id"): i.get("href") for i in opf.iterfind(".//o:manifest/o:item", OPF)}
        spine = [manifest[r.get("idref")] for r in opf.iterfind(".//o:spine/o:itemref", OPF)]
        documents = []
        for href in spine:
            root = lxml.etree.fromstring(z.read(base + href))
            body = root.find("x:body", XHTML)
            documents.append([href, _plain("".join(body.itertext()))])
        nav_href = next(i.get("href") for i in opf.iterfind(".//o:manifest/o:item", OPF)
                        if "nav" in (i.get("properties") or "").split())
        nav = lxml.etree.fromstring(z.read(base + nav_href))

        def entries(kind: str) -> list[list[str]]:
            navs = [n for n in nav.iterfind(".//x:nav", XHTML)
                    if n.get("{http://www.idpf.org/2007/ops}type") == kind]
            return [[_plain("".join(a.itertext())), a.get("href")] for n in navs for a in n.iterfind(".//x:a", XHTML)]

        return {"documents": documents, "toc": entries("toc"), "page-list": entries("page-list"),
                "landmarks": entries("landmarks")}


def fingerprint(out: Path) -> dict[str, object]:
    """The facts of the EPUB and the book PDF in a build folder."""
    pdf = next(p for p in out.glob("*.pdf") if re.fullmatch(r"\d+(-print)?\.pdf", p.name))
    return {"pdf": pdf_facts(pdf), "epub": epub_facts(next(out.glob("*.epub")))}


if __name__ == "__main__":
    json.dump(fingerprint(Path(sys.argv[1])), sys.stdout, ensure_ascii=False, indent=1)
    print()
