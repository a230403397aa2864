"""The chapter tree: parsed once, a copy per caller, one serializer (paiban/tree.py)."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

from paiban.tree import fragment, parse, serialize

ROOT = Path(__file__).resolve().parents[2]


def test_serializing_a_parsed_fragment_gives_it_back() -> None:
    xhtml = '<p>甲<span class="pagebreak" epub:type="pagebreak" id="page-2"></span>乙<br/>丙</p><ol start="2"><li>一</li></ol>'
    assert serialize(parse(xhtml)) == xhtml


def test_empty_elements_are_closed_for_html_parsers() -> None:
    assert serialize(parse("<p>甲<span/>乙</p>")) == "<p>甲<span></span>乙</p>"


def test_source_lines_stay_in_the_model_only() -> None:
    root = parse('<h2 data-line="12">标题</h2>')
    assert serialize(root, lines=True) == '<h2 data-line="12">标题</h2>'
    assert serialize(root) == "<h2>标题</h2>"


def test_each_caller_gets_its_own_copy() -> None:
    text = "<p>原文</p>"
    mine = fragment(text)
    mine[0].text = "改过"
    assert fragment(text)[0].text == "原文"


def test_the_model_pickles(sample_book) -> None:
    assert pickle.loads(pickle.dumps(sample_book)).chapters[0].tree()[0].tag == "p"


def test_reading_and_the_print_html_need_no_layout_engine() -> None:
    """The unit layer runs without WeasyPrint: importing these stages must not load it."""
    code = ("import sys, paiban.reader, paiban.tree, paiban.transforms.pagebreaks, paiban.transforms.punctuation, "
            "paiban.builders.epub, paiban.builders.pdf.html, paiban.check, paiban.check.rules; "
            "print('weasyprint' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.stdout.strip() == "False", done.stderr
