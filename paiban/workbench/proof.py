"""``paiban proof``: a proof sheet to look at instead of a PDF viewer.

It lays the book out as the PDF build does and writes, into ``OUT/proof/``:

- ``contact.png``, every PDF page as a thumbnail on one sheet, labelled with its
  PDF page and original page number;
- ``index.html``, each page image beside its original page number (the
  ``{{page N}}`` markers that start on it), the printed TOC entries whose headings
  fall on it, and the ``check`` findings on it;
- ``pages/page-NNN.png``, the page images both use.

A finding is put on a page through the chapter's markers: a finding at chapter line
L falls on the page of the last marker at or before L (the chapter's opening page if
there is none). A finding in book.yaml on a TOC entry falls on that entry's page.
Pages that overflow the type area are shown as findings too, so a proof can be made
of a book whose build would stop there.
"""

from __future__ import annotations

import html
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2
from PIL import Image, ImageDraw, ImageFont

from paiban import progress
from paiban.check import Finding, check_book
from paiban.errors import BookError, BookErrors
from paiban.model import Book, Chapter
from paiban.builders.pdf.parts import BookLayout, lay_out_book
from paiban.builders.templates import printed_toc

PAGE_HEIGHT_PX = 900
THUMB_WIDTH_PX = 180
SHEET_COLUMNS = 8


@dataclass
class ProofPage:
    """What the proof shows beside one PDF page (``index`` counts from 0)."""

    index: int
    originals: list[int] = field(default_factory=list)
    continues: int | None = None  # original page this page continues, when it starts none
    toc: list[tuple[str, int | None]] = field(default_factory=list)  # (title, page printed in the TOC)
    findings: list[Finding] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.originals:
            return "original " + ", ".join(map(str, self.originals))
        return f"continues {self.continues}" if self.continues else ""


def read_for_proof(root: Path) -> tuple[Book, list[Finding]]:
    """The book and its findings; a book that cannot be read stops here with its errors."""
    book, findings = check_book(root)
    if book is None:
        raise BookErrors([BookError(f.message, f.file or None, f.line, f.hint) for f in findings])
    return book, findings


def _page_of_line(chapter: Chapter, line: int | None, anchors: dict[str, int]) -> int | None:
    marker = next((m for m in reversed(chapter.markers) if line is not None and m.line <= line), None)
    if marker is not None and f"page-{marker.number}" in anchors:
        return anchors[f"page-{marker.number}"]
    return anchors.get(f"{chapter.id}-title")


def proof_pages(book: Book, laid_out: BookLayout, findings: list[Finding]) -> tuple[list[ProofPage], list[Finding]]:
    """What falls on each PDF page, and the findings that fall on no page."""
    anchors = laid_out.anchors
    pages = [ProofPage(i) for i in range(laid_out.pages)]
    for m in book.markers:
        if f"page-{m.number}" in anchors:
            pages[anchors[f"page-{m.number}"]].originals.append(m.number)
    current = None
    for page in pages:
        current = page.originals[-1] if page.originals else current
        if not page.originals and current is not None:
            page.continues = current
    entry_pages: dict[int, int] = {}  # book.yaml line of a TOC entry -> PDF page
    for part, chapter, entries in printed_toc(book):
        # The chapter's title, not its <section>: a section's id is on every page it spans.
        if f"{chapter.id}-title" in anchors:
            title = part.title + (f"　{part.subtitle}" if part.subtitle else "")
            pages[anchors[f"{chapter.id}-title"]].toc.append((title, None))
        for entry, heading in entries:
            if heading.id in anchors:
                pages[anchors[heading.id]].toc.append((entry.title, entry.page))
                entry_pages[entry.line] = anchors[heading.id]
    chapters = {c.source: c for c in book.chapters}
    extra = [Finding("PDF", "error", o.source, o.line, None,
                     f"original page {o.page} overflows the type area by {o.extra_lines} lines",
                     "check this page marker's place, or adjust layout: in book.yaml")
             for o in laid_out.overflows]
    unplaced = []
    for f in [*findings, *extra]:
        index = None
        if f.file in chapters:
            index = _page_of_line(chapters[f.file], f.line, anchors)
        elif f.file == book.meta_file and f.line in entry_pages:
            index = entry_pages[f.line]
        if index is None:
            unplaced.append(f)
        else:
            pages[index].findings.append(f)
    return pages, unplaced


def page_images(pdf: bytes, height_px: int = PAGE_HEIGHT_PX) -> Iterator[Image.Image]:
    """Every page of a PDF drawn by PDFium, ``height_px`` high."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        for page in document:
            yield page.render(scale=height_px / page.get_height()).to_pil().convert("RGB")
            page.close()
    finally:
        document.close()


def thumbnail(image: Image.Image) -> Image.Image:
    return image.resize((THUMB_WIDTH_PX, round(THUMB_WIDTH_PX * image.height / image.width)), Image.LANCZOS)


def contact_sheet(thumbs: list[Image.Image], labels: list[str]) -> Image.Image:
    """Thumbnails in rows of :data:`SHEET_COLUMNS`, each with its label below."""
    thumb_h = max(t.height for t in thumbs)
    cell_w, cell_h, pad = THUMB_WIDTH_PX + 16, thumb_h + 34, 8
    rows = -(-len(thumbs) // SHEET_COLUMNS)
    columns = min(SHEET_COLUMNS, len(thumbs))
    sheet = Image.new("RGB", (columns * cell_w + pad, rows * cell_h + pad), "#d8d8d8")
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default()
    for i, (thumb, label) in enumerate(zip(thumbs, labels, strict=True)):
        x, y = pad + (i % SHEET_COLUMNS) * cell_w, pad + (i // SHEET_COLUMNS) * cell_h
        sheet.paste(thumb, (x, y))
        draw.rectangle((x - 1, y - 1, x + THUMB_WIDTH_PX, y + thumb_h), outline="#888888")
        draw.text((x, y + thumb_h + 6), label, fill="black", font=font)
    return sheet


def _sheet_label(page: ProofPage) -> str:
    text = f"PDF {page.index + 1}"
    if page.originals:
        text += " / p. " + ",".join(map(str, page.originals))
    if page.findings:
        text += f" / {len(page.findings)} finding" + ("s" if len(page.findings) > 1 else "")
    return text


def _finding_html(f: Finding) -> str:
    where = html.escape(f.file + (f":{f.line}" if f.line else ""))
    hint = f'<div class="hint">{html.escape(f.hint)}</div>' if f.hint else ""
    return (f'<li class="{f.severity}"><code>{where}</code> <b>{f.code}</b> {html.escape(f.message)}'
            f"{hint}</li>")


def proof_html(book: Book, pages: list[ProofPage], unplaced: list[Finding]) -> str:
    rows = []
    for page in pages:
        toc = "".join(f"<li>{html.escape(title)}" + (f' <span class="printed">{printed}</span>' if printed else "")
                      + (' <b class="mismatch">≠ original page</b>'
                         if printed and page.originals and printed not in page.originals else "") + "</li>"
                      for title, printed in page.toc)
        findings = "".join(_finding_html(f) for f in page.findings)
        rows.append(
            f'<section class="page{" has-findings" if page.findings else ""}" id="pdf-{page.index + 1}">'
            f'<img src="pages/page-{page.index + 1:03d}.png" alt="PDF page {page.index + 1}" loading="lazy"/>'
            f'<div class="notes"><h2>PDF page {page.index + 1}'
            f'<span class="original">{html.escape(page.label)}</span></h2>'
            + (f'<h3>Contents</h3><ul class="toc">{toc}</ul>' if toc else "")
            + (f'<h3>Findings</h3><ul class="findings">{findings}</ul>' if findings else "")
            + "</div></section>")
    general = "".join(_finding_html(f) for f in unplaced)
    count = sum(len(p.findings) for p in pages) + len(unplaced)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"/>
<title>Proof: {html.escape(book.title)}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", sans-serif; margin: 1em 2em; background: #eee; }}
.page {{ display: flex; gap: 1.5em; margin: 1.5em 0; align-items: flex-start; }}
.page img {{ height: 600px; border: 1px solid #999; background: white; box-shadow: 2px 2px 6px #aaa; }}
.notes {{ max-width: 40em; }}
.original {{ margin-left: 1em; font-size: 70%; color: #555; font-weight: normal; }}
.has-findings img {{ outline: 3px solid #c33; }}
.error {{ color: #a00; }} .warning {{ color: #a60; }} .info {{ color: #246; }}
.hint {{ color: #555; font-size: 90%; }} .printed {{ color: #555; }} .mismatch {{ color: #a00; }}
</style></head><body>
<h1>Proof: {html.escape(book.title)}</h1>
<p>{len(pages)} PDF pages, {count} findings. <a href="contact.png">Contact sheet</a>.</p>
{f'<h2>Findings on no page</h2><ul class="findings">{general}</ul>' if general else ""}
{"".join(rows)}
</body></html>
"""


def make_proof(root: Path, out: Path) -> Path:
    """Write the proof sheet of the book at ``root`` into ``out/proof``; return its folder."""
    with progress.phase("checking the manuscript", unit="findings") as advance:
        book, findings = read_for_proof(root)
        advance(len(findings))
    with progress.phase("laying out the PDF") as advance:
        laid_out = lay_out_book(book, out, advance=advance).join()
    pdf = laid_out.pdf
    pages, unplaced = proof_pages(book, laid_out, findings)
    target = out / "proof"
    staging = out / ".proof.part"
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "pages").mkdir(parents=True)
    thumbs = []
    with progress.phase("drawing the pages", total=len(pages)) as advance:
        for i, image in enumerate(page_images(pdf)):
            image.save(staging / "pages" / f"page-{i + 1:03d}.png", optimize=True)
            thumbs.append(thumbnail(image))
            advance(1)
    contact_sheet(thumbs, [_sheet_label(p) for p in pages]).save(staging / "contact.png", optimize=True)
    (staging / "index.html").write_text(proof_html(book, pages, unplaced), "utf-8")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target
