"""The copyright page of a digitized book: its CIP block and its table of publishing facts.

The CIP block (图书在版编目(CIP)数据, GB/T 12451) has a fixed order: the bibliographic
line, the ISBN, the classification lines I–IV and the 数据核字 number. The table
below or above it is a column of labels and values (书名, 作者, 责任编辑, 出版发行…), where
the typesetter letter-spaced the short labels to the width of the long ones (``书 名``,
``编 辑 部``): a label is matched with any spaces between its characters. Both become
the fields of book.yaml they print (``cip``, ``publisher``, ``imprint``, ``isbn``,
``date``, ``subjects``), as plain data for :mod:`paiban.importer.bookyaml`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from paiban.errors import Diagnostic
from paiban.importer.blocks import Block, join_lines
from paiban.importer.problems import UNREAD_FRONT_MATTER

CIP_HEADER = re.compile(r"^图书在版编目\s*[（(]\s*CIP\s*[）)]\s*数据$")
_ROMAN = re.compile(r"(?:^|(?<=\s))(VI|IV|V|III|II|I|Ⅵ|Ⅳ|Ⅴ|Ⅲ|Ⅱ|Ⅰ)\s*[.．、]\s*")
_CIP_NUMBER = re.compile(r"数据核字\s*[（(]\s*(\d{4})\s*[）)]\s*第\s*(\d+)\s*号")
_ISBN = re.compile(r"ISBN[:：\s]*([0-9][0-9-]{12,16}[0-9X])")
# The labels of the copyright table, longest first so 出版发行 is not read as 出版.
LABELS = ("出版发行", "责任编辑", "责任校对", "封面设计", "邮政编码", "编辑部", "书名", "作者", "著者", "主编", "译者",
          "出版", "发行", "地址", "邮编", "电话", "传真", "网址", "经销", "印刷", "版次", "印次", "开本", "印张",
          "字数", "书号", "定价")
_LABEL = re.compile("^(" + "|".join(r"\s*".join(label) for label in LABELS) + r")\s*[:：]?\s*(.*)$")
# Labels whose facts book.yaml has no field for: kept out, and said so.
NO_FIELD = {"责任校对", "封面设计", "传真", "网址"}
# A place is a city's name: bounded, so a line of 年月 without 第 is not scanned to its end from each.
_PRINTING = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\S{0,12}?)\s*第\s*(\d+)\s*(?:版|次)")
_PAPER = re.compile(r"(\d{3,4})\s*(?:毫米|mm)\s*[×xX*]\s*(\d{3,4})\s*(?:毫米|mm)\s*1\s*/\s*(\d+)")
_POSTCODE = re.compile(r"(?<!\d)\d{6}$")
# The spaces after an area code belong to it: a regular expression that let them stand alone
# would try each run of spaces from each of its places (quadratic on a line of spaces).
_PHONE = re.compile(r"(?:([（(]\d{3,4}[）)])\s*)?(\d{7,8}(?:-\d+)?)")
_CITY = re.compile(r"—\s*([^:：\s—]+)\s*[:：]")


@dataclass
class CopyrightPage:
    """What the copyright page gave, as book.yaml's data, and the lines it did not understand."""

    fields: dict[str, Any] = field(default_factory=dict)
    title: str | None = None  # 书名, to read the cover by
    author: str | None = None  # 作者
    findings: list[Diagnostic] = field(default_factory=list)
    lines: set[int] = field(default_factory=set)  # source lines it read


def is_table_line(text: str) -> bool:
    return _LABEL.match(text) is not None


def read_cip(blocks: list[Block], page: CopyrightPage, source: str) -> None:
    """The CIP block: its header's block and the blocks that follow it, up to the table or the
    contents; its lines may be set apart by blank lines or not."""
    items: list[tuple[str, int]] = [(text, b.line + i) for b in blocks for i, text in enumerate(b.lines)
                                    if not CIP_HEADER.match(text)]
    bibliographic: list[str] = []
    classification: list[str] = []
    cip: dict[str, Any] = {}
    for text, line in items:
        if m := _CIP_NUMBER.search(text):
            cip["number"] = m.group(1) + m.group(2)
        elif (m := _ISBN.match(text)) and "isbn" not in cip:
            cip["isbn"] = m.group(1)
        elif _ROMAN.match(text) or classification and "number" not in cip and "isbn" in cip:
            classification.append(text)
        elif "isbn" not in cip:
            bibliographic.append(text)
        else:
            page.findings.append(UNREAD_FRONT_MATTER.found(f"CIP block line '{text}' is none of its parts",
                                                          source, line))
        page.lines.add(line)
    if bibliographic:
        cip["bibliographic"] = join_lines(bibliographic)
    lines = [part.strip() for part in _ROMAN.split(" ".join(classification))[2::2]]
    if lines:
        cip["classification"] = lines
        if len(lines) >= 3:
            subjects = [s for item in re.split(r"[①-⑩]", lines[2]) for s in re.split(r"[—－-]+", item.strip()) if s]
            page.fields["subjects"] = list(dict.fromkeys(subjects))
    page.fields["cip"] = {k: cip[k] for k in ("bibliographic", "isbn", "classification", "number") if k in cip}


def read_table(blocks: list[Block], page: CopyrightPage, source: str) -> None:
    """The table of publishing facts: one label per line; a line without one continues the
    line above (the address under 出版发行)."""
    rows: list[tuple[str, str, int]] = []
    for b in blocks:
        for i, text in enumerate(b.lines):
            page.lines.add(b.line + i)
            if m := _LABEL.match(text):
                rows.append((re.sub(r"\s+", "", m.group(1)), m.group(2).strip(), b.line + i))
            elif rows:
                label, value, line = rows[-1]
                rows[-1] = (label, f"{value}\n{text}", line)
            else:
                page.findings.append(UNREAD_FRONT_MATTER.found(f"copyright line '{text}' has no label", source,
                                                              b.line + i))
    publisher: dict[str, Any] = {}
    imprint: dict[str, Any] = {}
    for label, value, line in rows:
        if not _fact(label, value, page, publisher, imprint):
            shown = value.replace("\n", " ")
            reason = "book.yaml has no field for it" if label in NO_FIELD else "its value was not understood"
            page.findings.append(UNREAD_FRONT_MATTER.found(f"copyright line '{label} {shown}': {reason}", source, line))
    if publisher:
        page.fields["publisher"] = publisher
    if imprint:
        page.fields["imprint"] = imprint


def _fact(label: str, value: str, page: CopyrightPage, publisher: dict[str, Any],
          imprint: dict[str, Any]) -> bool:
    """Put one row of the table into its fields; False when it cannot."""
    first, _, rest = value.partition("\n")
    if label == "书名":
        page.title = value.replace("\n", "")
    elif label in ("作者", "著者", "主编", "译者"):
        page.author = first
        role = {"主编": "editor", "译者": "translator"}.get(label, "author")
        page.fields["contributors"] = [{"name": first, "role": role}]
    elif label in ("出版发行", "出版"):
        publisher["name"] = first
        if rest:
            _address(rest, publisher)
    elif label in ("地址",):
        _address(value, publisher)
    elif label in ("邮编", "邮政编码") and re.fullmatch(r"\d{6}", value):
        publisher["postcode"] = value
    elif label == "电话":
        publisher["phones"] = _phones(value)
    elif label == "编辑部":
        phones = _phones(value)
        if not phones:
            return False
        publisher["editorial_phone"] = phones[0]
    elif label == "责任编辑":
        imprint["editor"] = value
    elif label in ("经销", "发行"):
        imprint["distributor"] = value
    elif label == "印刷":
        imprint["printer"] = value
    elif label in ("版次", "印次"):
        m = _PRINTING.search(value)
        if not m:
            return False
        key = "edition" if label == "版次" else "impression"
        imprint[key] = {"year": int(m.group(1)), "month": int(m.group(2)), "place": m.group(3),
                        "number": int(m.group(4))}
        if key == "edition":
            page.fields["date"] = f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
    elif label == "开本":
        m = _PAPER.search(value)
        if not m:
            return False
        imprint["paper"] = {"width_mm": int(m.group(1)), "height_mm": int(m.group(2)), "fold": int(m.group(3))}
    elif label == "印张":
        m = re.fullmatch(r"(\d+(?:\.\d+)?)", value)
        if not m:
            return False
        number = float(m.group(1))
        imprint["sheets"] = int(number) if number.is_integer() else number
    elif label == "字数":
        m = re.fullmatch(r"(\d+)\s*(千字|字)", value)
        if not m:
            return False
        imprint["kilo_characters"] = int(m.group(1)) if m.group(2) == "千字" else round(int(m.group(1)) / 1000)
    elif label == "书号":
        m = _ISBN.search(value)
        if not m:
            return False
        page.fields["isbn"] = m.group(1)
    elif label == "定价":
        m = re.search(r"(\d+(?:\.\d{1,2})?)", value)
        if not m:
            return False
        imprint["price"] = f"{float(m.group(1)):.2f}"
    else:
        return False
    return True


def _address(text: str, publisher: dict[str, Any]) -> None:
    """``(北京市海淀区长春桥路 6 号 100089)``: the address and the postcode in one line, in
    brackets or not, the postcode perhaps labelled (邮编：100089). Taken apart from its end, as
    :func:`paiban.importer.contents.split_page` takes a page number, in time linear in its length."""
    line = text.replace("\n", " ").strip()
    line = line[1:] if line[:1] in ("（", "(") else line
    line = line[:-1] if line[-1:] in ("）", ")") else line
    if postcode := _POSTCODE.search(line):
        publisher["postcode"] = postcode.group()
        line = line[:postcode.start()]
    line = line.rstrip()
    line = next((line.removesuffix(label) for label in ("邮编：", "邮编:", "邮编") if line.endswith(label)), line)
    if address := line.rstrip(" \t,，").strip():
        publisher["address"] = address


def _phones(text: str) -> list[str]:
    """The numbers of a line; one printed without its area code has the one before it
    (``(010)68920640 68929037`` is two Beijing numbers)."""
    phones, area = [], ""
    for m in _PHONE.finditer(text):
        area = (m.group(1) or area).replace("（", "(").replace("）", ")")
        phones.append(area + m.group(2))
    return phones


def city_of(cip_line: str | None, address: str | None) -> str | None:
    """The publisher's city: the place of the CIP line's publication statement (—北京: …), or
    the city the address starts with."""
    if cip_line and (m := _CITY.search(cip_line)):
        return m.group(1)
    if address and (m := re.match(r"(.+?)市", address)):
        return m.group(1)
    return None
