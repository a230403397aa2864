"""The transforms on chapter trees, without a layout engine (paiban/transforms/)."""

from __future__ import annotations

import pytest

from paiban.errors import BookError
from paiban.transforms.lists import list_starts
from paiban.transforms.media import image_folder
from paiban.transforms.pagebreaks import split_at_page_breaks
from paiban.transforms.punctuation import compress_punctuation
from paiban.transforms.tighten import tighten_tail
from paiban.tree import parse, serialize

MARK = '<span class="pagebreak" id="page-{n}" aria-label="{n}" data-line="9"></span>'


def split(html: str) -> str:
    root = parse(html.replace("{{page 2}}", MARK.format(n=2)))
    split_at_page_breaks(root, "ch.md")
    return serialize(root)


def test_a_paragraph_splits_at_its_marker() -> None:
    out = split("<p>前半句{{page 2}}后半句</p>")
    assert out.startswith('<p class="page-end" data-page-end="2">前半句</p><p class="page-continued page-start">')
    assert out.endswith("后半句</p>")


def test_a_list_item_splits_and_the_numbering_goes_on() -> None:
    out = split("<ol><li>一</li><li>二前{{page 2}}二后</li><li>三</li></ol>")
    left, right = out.split("</ol>", 1)
    assert left.count("<li") == 2 and "二前" in left and "page-end" in left
    assert right.startswith('<ol start="2" class="page-start"><li class="page-continued">')
    assert "二后" in right and "三" in right


def test_an_item_that_starts_the_page_is_not_left_empty() -> None:
    out = split("<ol><li>一</li><li>{{page 2}}二</li></ol>")
    assert out.count("<li") == 2 and "page-continued" not in out and 'start="2"' in out


def test_a_split_inside_inline_markup_keeps_it_on_both_sides() -> None:
    out = split("<p>甲<strong>乙{{page 2}}丙</strong>丁</p>")
    assert "<strong>乙</strong></p>" in out and out.endswith("丙</strong>丁</p>")


def test_nested_blocks_split_up_to_the_chapter() -> None:
    out = split("<blockquote><p>前{{page 2}}后</p></blockquote><p>再</p>")
    assert out.count("<blockquote") == 2 and '<blockquote class="page-start">' in out


def test_a_marker_at_a_rows_start_starts_the_page_with_that_row() -> None:
    out = split("<table><tbody><tr><td>一</td></tr><tr><td>{{page 2}}二</td><td>三</td></tr></tbody></table>")
    assert '<tr class="page-start"><td><span' in out


def test_a_marker_inside_a_row_cannot_be_honoured() -> None:
    with pytest.raises(BookError, match=r"\{\{page 2\}\} stands inside a table row") as caught:
        split("<table><tbody><tr><td>一</td><td>二{{page 2}}三</td></tr></tbody></table>")
    assert (caught.value.file, caught.value.line) == ("ch.md", 9)


def test_a_marker_at_a_headings_end_starts_the_page_after_it() -> None:
    out = split("<h2>标题{{page 2}}</h2><p>正文</p>")
    assert out.startswith("<h2>标题</h2><div")


def test_a_marker_in_the_middle_of_a_heading_cannot_be_honoured() -> None:
    with pytest.raises(BookError, match="middle of a heading"):
        split("<h2>标{{page 2}}题</h2>")


def test_a_list_that_starts_later_is_numbered_from_there_in_print() -> None:
    root = parse('<ol start="3"><li>三</li></ol><ol><li>一</li></ol>')
    list_starts(root)
    assert serialize(root) == '<ol start="3" style="counter-reset: list-item 2"><li>三</li></ol><ol><li>一</li></ol>'


def test_images_move_to_the_epubs_media_folder() -> None:
    root = parse('<p><img src="images/a.png" alt="甲"/><img src="data:image/png;base64,AA" alt="乙"/></p>')
    image_folder("../media/")(root)
    assert 'src="../media/images/a.png"' in serialize(root) and 'src="data:image/png;base64,AA"' in serialize(root)


def test_a_tight_tail_wraps_the_last_characters_before_the_page_end() -> None:
    root = parse('<p data-page-end="3">一二三<em>四五</em>六七</p><p>八</p>')
    tighten_tail(root, {"3": 4})
    assert serialize(root) == ('<p data-page-end="3">一二三<em><span class="tight">四五</span></em>'
                              '<span class="tight">六七</span></p><p>八</p>')


def test_adjacent_marks_are_compressed_and_the_text_kept() -> None:
    root = parse("<p>他说：“好。”然后（笑）。</p>")
    compress_punctuation(root)
    assert root.text_content() == "他说：“好。”然后（笑）。"
    assert serialize(root).count('class="cjk-halt"') == 3  # ： before “, 。 before ”, ） before 。
