"""Tests for :mod:`paiban.builders.pdf.justify`: justified Chinese lines end flush with the margin.

The test book is a real Chinese text (from the sample manuscript's body) with inline
markup in it, rendered by WeasyPrint to PDF; the glyph positions are then read back
from the PDF with pdfplumber, so what is measured is what gets printed.

Run ``python tests/test_justify.py`` to print the measured figures before and after
:func:`paiban.builders.pdf.justify.install`.
"""

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from io import BytesIO

import pdfplumber
import pytest

from paiban.builders.pdf.justify import is_cjk

# 185 mm × 260 mm page, 20 mm margins: the content box's right edge, in points.
PAGE_WIDTH_MM, MARGIN_MM = 185, 20
RIGHT_EDGE = (PAGE_WIDTH_MM - MARGIN_MM) * 72 / 25.4
TOLERANCE = 0.5  # pt

NO_LINE_START = set('、，。：；！？”’）》」』】')
NO_LINE_END = set('“‘（《「『【')

# From the body of the sample manuscript (绪论, 一、1.–2.), with inline markup added:
# <strong>, <em>, a link, nested inline boxes, a Latin span, a span that must not
# wrap, an empty span and an inline page-break marker. It holds Latin words and
# numbers (160多年, 1981年6月, and).
SEED_PARAGRAPHS = (
    (
        '群众路线的形成源于马克思主义群众观与中国革命实践的结合。中国共产党作为马'
        '克思主义政党，自成立之日起，就一直坚持把马克思主义群众观与中国革命实践相'
        '结合，创造性地提出了<strong>群众路线</strong>。'
    ),
    (
        '在国际共产主义运动史上，马克思、恩格斯、列宁都十分重视党同群众的关系，重'
        '视做群众的工作，早在160多年前，马克思、恩格斯在创立共产主义者同盟时，'
        '就关注着党群关系，正是他们提出的一系列理论观点，为确立共产党与人民群众的'
        '基本关系奠定了基础。《共产党宣言》（<span class="latin">ABC</span>）宣告：“无产阶级的运动是绝大'
        '多数人的、为绝大多数人谋利益的独立的运动。”十月革命前后，列宁曾经把人民'
        '群众比作<a href="#note"><strong>大海</strong></a>，而共产党人和党的干部只是<em>沧海一粟</em>；斯大林把人民群众比作大地'
        '母亲，把布尔什维克党比作安泰（即古希腊神话中的巨人安泰俄斯，人们常用他的'
        '故事来比喻精神力量不能脱离物质基础，或一个人不能脱离他的祖国和人民），这'
        '说明密切党群关系，对于党夺取政权、巩固政权并长期执政，具有决定意义。马克'
        '思列宁主义第一次科学地解决了人民群众在社会历史中的地位和作用问题，认为人'
        '类社会的全部物质财富和精神财富，归根到底，都是人民群众创造的。历史活动是'
        '群众的事业，群众是历史的主人。但由于历史条件的限制，他们没有明确提出群众'
        '路线的科学概念。'
    ),
    (
        '群众路线作为无产阶级政党的根本路线，以毛泽东同志为核心的中国共产党第一代'
        '中央领导集体在领导中国人民的长期斗争实践中，把马克思列宁主义关于“人民群'
        '众是历史的创造者”的原理系统地运用于党的全部活动中，创造和发展了马克思主'
        '义的群众观点，提出和坚持了一切为了群众、一切相信群众、一切依靠群众，从群'
        '众中来、到群众中去，密切联系群众的群众路线。群众<span></span>路线的提出是马克思主义基'
        '本原理和中国革命具体实践相结合的产物。'
    ),
    (
        '在群众路线的理论上，毛泽东同志做了重大的贡献。从建党初期，经过井冈山时期'
        '、抗日战争时期特别是延安整风时期，毛泽东同志逐步形成了比较完备的关于党的'
        '群众路线的理论。周恩来1929年主持起草的《中共中央给红军第四军前委的指'
        '示信》，专章论述了红军与群众的关系，信中指出：“关于筹款工作，亦要经过群'
        '众路线，不要由红军单独去干。”还说没收地主豪绅财产，也“一定要经过群众路'
        '线”这一工作方式的运用。这使“<strong>群众路线</strong>”的概念有了比较明确的含义。192'
        '9年12月毛泽东起草的《红军第四军第九次党代表大会决议案》中也使用了“群'
        '众路线”的概念，指出：“一切工作在党的讨论和决议之后，再经过群众路线去执'
        '行。”此后，在毛泽东的倡导下，在党的工作中更加自觉地运用了群众路线的领导'
        '方法和工作方法，随着中国革命的发展和建设，随着我们党认识的不断深化，党的'
        '群众路线不断得到完善、丰富和发展。'
    ),
    (
        '在抗日战争时期，中国共产党认真总结了历史经验，使群众路线形成完备的科学形'
        '态和精深的理论内容。<span class="nowrap">1943年6月1日</span>，毛泽东在《关于领导方法的若干问题'
        '》一文中，首次科学地、较为系统阐述了群众路线的基本内容和实施的基本步骤。'
        '强调一切为了群众，一切依靠群众，分析了群众路线这一正确的领导方法的全过程'
        '及其各个环节，从领导、工作方法的角度界定了群众路线。此后，党的群众路线的'
        '表述日渐完善，内容也不断得到丰富和发展，作为我们党的一条根本路线得以贯彻'
        '和应用。1945年刘少奇在党的七大所作的关于修改党章的报告（《论党》）中'
        '，对群众路线的内容作了全面的说明，并把它归结为两个方面，一是群众观点，二'
        '是群众路线的领导方法。换言之，在肯定“从群众中来，到群众中去”这一领导方'
        '法的同时，增加了群众观点的表述，并将其作为领导方法的前提。在《<em><strong>论党</strong></em>》中，'
        '刘少奇对群众观点作了明确的概括：“一切为了人民群众的观点，一切向人民群众'
        '负责的观点，相信群众自己解放自己的观点，向人民群众学习的观点，这一切就是'
        '我们的群众观点，就是人民群众的先进部队对人民群众的观点。”这次会议把群众'
        '路线作为党的根本路线和优良作风明确载入了党纲党章，这标志着作为毛泽东思想'
        '重要组成部分的群众路线已经成熟，并为全党所接受。抗战胜利后，中国共产党对'
        '群众路线的表述基本定型。1956年9月，党的八大文献中，揭示了党的群众路'
        '线的含义，党必须密切联系群众和依靠群众，从群众中来到群众中去。'
    ),
    (
        '邓小平在党的八大所作的修改党章的报告中对以上两方面再次进行强调，而且明确'
        '把群众观点列入群众路线之中，把它作为党的群众路线的一个重要内容。“中国共'
        '产党坚定地信守马克思列宁主义的这一条真理：人民群众是历史的创造者。人民身'
        '上的枷锁，只有靠人民群众自己的双手来打破；人民的幸福生活，只有靠人民群众'
        '自己的双手来创造。从这个真理出发，我们的基本工作方法就是：领导和群众相结'
        '合，一切工作走群众路线，放手发动群众，有领导地展开轰轰烈烈的群众运动，把'
        '群众的智慧和意见集中起来，依靠群众的力量来贯彻执行党的方针政策。”198'
        '1年6月中央作出的《关于建国以来党的若干历史问题的决议》简明地将群众路线'
        '概括为“一切为了群众，一切依靠群众，从群众中来，到群众中去”。'
    ),
    (
        '江泽民同志总结历史经验告诫全党，在任何时候任何情况下，联系群众的立场不能'
        '变，群众路线始终是根本的工作路线。在庆祝中国共产党成立80周年大会上他指'
        '出：“80年的实践启示我们，必须始终紧紧依靠人民群众，诚心诚意为人民谋利'
        '益，从人民群众中汲取前进的不竭力量。始终保持同人民群众的血肉联系，是我们'
        '党战胜各种困难和风险、不断取得事业成功的根本保证。在任何时候任何情况下，'
        '与人民群众同呼吸共命运的立场不能变，全心全意为人民服务的宗旨不能忘。坚信'
        '群众是真正英雄的历史唯物主义观点不能丢，必须始终把体现人民群众的意志和利'
        '益作为我们一切工作的出发点和归宿，始终把依靠人民群众的智慧 and 力量'
        '作为我们推进事业的根本工作路线。”江泽民同志把干群、党群关系问题提到了党'
        '和政权兴亡的高度来认识，他指出：“我们党作为执政党，必须高度关注党与群众'
        '的关系问题、人心向背问题。人心向背，是决定一个政党、一个政权兴亡的根本性'
        '因素。政风廉洁，从来是赢得民心，实现政治清明、社会安定繁荣的重要一环。这'
        '是对兴亡规律的一个重要经验总结。”'
    ),
    (
        '邓小平说过，“群众路线和群众观点是我们的传家宝”。1956年，他指出，“'
        '中国共产党的含义或任务，如果用概括的语言来说，只有两句话：全心全意为人民'
        '服务，一切以人民利益作为每一个党员的最高准绳。这一<span class="pagebreak"></span>思想是我们党同一切剥削'
        '阶级政党的根本区别，也是我们党之所以能够战胜一切艰难险阻，不断取得胜利的'
        '力量所在。”邓小平同志分析到“我们脱离群众，干部特殊化是一个重要的原因。'
        '干部搞特殊化必然脱离群众”，阐明了“我们的同志如果对个人的、家庭的利益关'
        '心得太多了，就没有多大的心思和精力去关心群众了，顶多只能在形式上搞一些不'
        '能不办一办的事情”的深刻道理。'
    ),
)

DASH_BEFORE = '群众路线的形成源于马克思主义群众观与中国革命实践的结合，中国共产党作为马克思主义政党'
DASH_AFTER = '自成立之日起就坚持把群众观与革命实践相结合。'


def shifted_marks() -> list[str]:
    """Paragraphs with a dash, an ellipsis and quoted text at every column of a line.

    The first line of a paragraph holds 32 characters after its 2 em indent. Moving
    the marks across columns 24 to 42 makes one of them straddle the line end.
    """
    return [
        DASH_BEFORE[:column] + mark + DASH_AFTER
        for mark in ('——', '……', '“群众路线”。')
        for column in range(24, 43)
    ]


def build_html() -> str:
    """Return the test book: seed paragraphs, a forced line break, a forced page break."""
    seed = list(SEED_PARAGRAPHS)
    # The third paragraph with a forced line break inside.
    seed[2] = seed[2].replace('。群众', '。<br>群众', 1)
    # The fourth paragraph broken by a forced page break: the part before it ends flush.
    before, after = seed[3].split('这使', 1)
    body = ''.join(f'<p>{paragraph}</p>' for paragraph in seed[:3])
    body += f'<p class="before-break">{before}</p><p class="after-break">这使{after}</p>'
    body += ''.join(f'<p>{paragraph}</p>' for paragraph in seed[4:] + shifted_marks())
    return f'''<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><style>
  @page {{ size: {PAGE_WIDTH_MM}mm 260mm; margin: {MARGIN_MM}mm }}
  body {{ font: 12pt/1.8 "Noto Serif CJK SC"; text-align: justify; margin: 0 }}
  p {{ text-indent: 2em; margin: 0 }}
  .latin {{ font-family: "DejaVu Serif" }}
  .nowrap {{ white-space: nowrap }}
  .before-break {{ text-align-last: justify; break-after: page }}
  .after-break {{ text-indent: 0 }}
</style></head><body>{body}</body></html>'''


@dataclass
class Line:
    """A printed line, read back from the PDF: its visible glyphs and their boxes.

    A glyph's text may hold several characters: the font draws "——" as one glyph.
    """
    glyphs: list[str]
    lefts: list[float]
    rights: list[float]
    last: bool = False  # Last line of a paragraph or before a forced line break.
    justify_last: bool = False  # Last line but ``text-align-last: justify``.

    @property
    def text(self) -> str:
        return ''.join(self.glyphs)

    @property
    def right(self) -> float:
        return self.rights[-1]

    def cjk_gaps(self) -> list[float]:
        """Return the white space between neighbouring CJK glyphs, in points.

        The two halves of an ellipsis are left out: they are never spaced.
        """
        return [
            self.lefts[i + 1] - self.rights[i]
            for i, (before, after) in enumerate(zip(self.glyphs, self.glyphs[1:]))
            if is_cjk(before[-1]) and is_cjk(after[0]) and before + after != '……']


def segments(html: str) -> list[tuple[str, bool]]:
    """Return the text of each run of lines ending in a paragraph end or a <br>.

    Each comes with whether its last line is justified too.
    """
    result = []
    for attributes, content in re.findall(r'<p([^>]*)>(.*?)</p>', html, re.S):
        parts = content.split('<br>')
        for number, part in enumerate(parts, 1):
            text = re.sub(r'<[^>]+>|\s', '', part)
            last_justified = 'before-break' in attributes and number == len(parts)
            result.append((text, last_justified))
    return result


def printed_lines(html: str) -> list[Line]:
    """Render ``html`` and return its lines, marking each segment's last line."""
    import weasyprint

    pdf = weasyprint.HTML(string=html).write_pdf()
    lines = []
    with pdfplumber.open(BytesIO(pdf)) as document:
        for page in document.pages:
            by_baseline: dict[float, list[dict]] = {}
            for char in page.chars:
                baseline = round(page.height - char['matrix'][5], 1)
                by_baseline.setdefault(baseline, []).append(char)
            for baseline in sorted(by_baseline):
                chars = sorted(by_baseline[baseline], key=lambda char: char['x0'])
                visible = [char for char in chars if char['text'].strip()]
                lines.append(Line(
                    [char['text'] for char in visible],
                    [char['x0'] for char in visible], [char['x1'] for char in visible]))
    # Match the lines to the source text to find where each segment ends.
    remaining = iter(segments(html))
    text, justify_last = next(remaining)
    for line in lines:
        assert text.startswith(line.text), (line.text, text[:40])
        text = text[len(line.text):]
        if not text:
            line.last, line.justify_last = True, justify_last
            text, justify_last = next(remaining, ('', False))
    assert not text and next(remaining, None) is None, 'text missing from the PDF'
    return lines


def must_be_flush(line: Line) -> bool:
    """Tell whether ``line`` must end at the right edge of the type area."""
    return not line.last or line.justify_last


def measure(html: str) -> dict[str, float]:
    """Return the justification figures of ``html``'s rendering."""
    lines = printed_lines(html)
    flush = [line for line in lines if must_be_flush(line)]
    deviations = [abs(RIGHT_EDGE - line.right) for line in flush]
    return {
        'lines': len(lines),
        'justified_lines': len(flush),
        'ragged': sum(deviation > TOLERANCE for deviation in deviations),
        'max_deviation_pt': round(max(deviations), 3),
    }


@pytest.fixture(scope='module')
def lines() -> list[Line]:
    from paiban.builders.pdf import justify

    justify.install()
    return printed_lines(build_html())


def test_justified_lines_end_flush(lines: list[Line]) -> None:
    flush = [line for line in lines if must_be_flush(line)]
    assert len(flush) > 80
    ragged = [
        (line.text, round(RIGHT_EDGE - line.right, 2)) for line in flush
        if abs(RIGHT_EDGE - line.right) > TOLERANCE]
    assert ragged == []


def test_spacing_is_even_and_glyphs_do_not_overlap(lines: list[Line]) -> None:
    for line in lines:
        if must_be_flush(line):
            gaps = line.cjk_gaps() or [0]
            assert min(gaps) > -0.01, line.text  # float noise where the Latin gaps took all the free width
            assert max(gaps) - min(gaps) < 0.05, line.text


def test_last_lines_are_not_justified(lines: list[Line]) -> None:
    last = [line for line in lines if line.last and not line.justify_last]
    assert len(last) > 60
    for line in last:
        assert all(abs(gap) < 0.01 for gap in line.cjk_gaps()), line.text
    # The line before the forced line break is among them, and is short.
    forced = next(line for line in lines if line.text.endswith('的群众路线。'))
    assert forced.last and RIGHT_EDGE - forced.right > 12


def test_text_align_last_justify_is_respected(lines: list[Line]) -> None:
    (line,) = [line for line in lines if line.justify_last]
    assert len(line.text) > 2
    assert abs(RIGHT_EDGE - line.right) <= TOLERANCE


def test_line_breaking_rules_still_hold(lines: list[Line]) -> None:
    starts = [line.text for line in lines if line.text[0] in NO_LINE_START]
    ends = [line.text for line in lines if line.text[-1] in NO_LINE_END]
    assert (starts, ends) == ([], [])


def test_dashes_and_ellipses_are_not_split(lines: list[Line]) -> None:
    splits = [
        (line.text, following.text) for line, following in zip(lines, lines[1:])
        for mark in '—…' if line.text.endswith(mark) and following.text.startswith(mark)]
    assert splits == []
    # The test text does put the marks across a line end.
    assert any(line.text.endswith(('——', '……')) for line in lines)
    assert any(line.text.startswith(('——', '……')) for line in lines)


def test_without_install_lines_are_ragged() -> None:
    """The same measurement, in a fresh interpreter without the patch, fails."""
    result = subprocess.run(
        [sys.executable, __file__, '--without-install'],
        capture_output=True, text=True, check=True)
    assert json.loads(result.stdout)['ragged'] > 0


def test_install_is_idempotent_and_checks_the_version(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import weasyprint
    from weasyprint.layout import inline

    from paiban.builders.pdf import justify

    justify.install()
    patched = inline.justify_line
    justify.install()
    assert inline.justify_line is patched
    monkeypatch.setattr(weasyprint, '__version__', '71.0')
    with pytest.raises(RuntimeError, match='WeasyPrint 71.0 is installed'):
        justify.install()


if __name__ == '__main__':
    if '--without-install' not in sys.argv:
        from paiban.builders.pdf import justify

        justify.install()
    print(json.dumps(measure(build_html())))
