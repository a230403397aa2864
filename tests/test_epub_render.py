"""The EPUB's XHTML as a browser engine lays it out at a phone's width (headless
Chromium, 390 × 844 CSS px), in light and dark mode: nothing wider than the screen,
body text justified with a two-character indent and a CJK line height, headings in
the sans face, dark mode light-on-dark.

Every content document gets a probe function appended; a wrapper page holds each one
in a 390 × 844 iframe (headless Chromium's window is at least 500 px wide, an iframe
is exactly as wide as asked), calls the probes once all are loaded, and writes the
results into an attribute that ``--dump-dom`` prints. One browser run per colour scheme.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from test_epub import build, make_test_book

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (setup.sh installs it)")
DOCUMENTS = ["text/c00-xulun.xhtml", "text/c01-diyizhang.xhtml", "text/c90-fulu.xhtml", "text/titlepage.xhtml",
             "text/copyright.xhtml", "text/cover.xhtml", "nav.xhtml"]
PROBE = """<script>//<![CDATA[
window.paibanProbe = function () {
  var root = document.documentElement, out = {width: window.innerWidth, scroll: root.scrollWidth, wide: []};
  document.querySelectorAll("body *").forEach(function (el) {
    var r = el.getBoundingClientRect();
    if (r.right > window.innerWidth + 0.5 || r.left < -0.5) out.wide.push(el.tagName + "." + el.className);
  });
  function style(sel) {
    var el = document.querySelector(sel);
    if (!el) return null;
    var s = getComputedStyle(el);
    return {fontSize: parseFloat(s.fontSize), lineHeight: parseFloat(s.lineHeight),
            textIndent: parseFloat(s.textIndent), textAlign: s.textAlign, fontFamily: s.fontFamily,
            color: s.color, background: s.backgroundColor};
  }
  out.p = style("section.chapter > p");
  out.h2 = style("h2");
  out.html = style("html");
  return out;
};
//]]></script>"""
WRAPPER = """<!DOCTYPE html><html><body>{frames}
<script>window.addEventListener("load", function () {{
  var out = {{}};
  document.querySelectorAll("iframe").forEach(function (f) {{ out[f.dataset.name] = f.contentWindow.paibanProbe(); }});
  document.body.setAttribute("data-probe", JSON.stringify(out));
}});</script></body></html>"""
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         "--allow-file-access-from-files"]
DARK = ["--force-dark-mode", "--blink-settings=preferredColorScheme=0"]


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test book's EPUB unpacked, with the probe in every content document and
    the wrapper page beside content.opf."""
    tmp = tmp_path_factory.mktemp("render")
    epub = build(make_test_book(tmp), tmp / "out")
    folder = tmp / "unpacked"
    with zipfile.ZipFile(epub) as z:
        z.extractall(folder)
    for doc in folder.rglob("*.xhtml"):
        doc.write_text(doc.read_text("utf-8").replace("</body>", PROBE + "\n</body>"), "utf-8")
    frames = "".join(f'<iframe data-name="{n}" src="{n}" style="width:390px;height:844px;border:0"></iframe>'
                     for n in DOCUMENTS)
    (folder / "EPUB" / "probe.html").write_text(WRAPPER.format(frames=frames), "utf-8")
    return folder


def measure(unpacked: Path, profile: Path, dark: bool = False) -> dict[str, dict]:
    result = subprocess.run([CHROMIUM, *FLAGS, *(DARK if dark else []), f"--user-data-dir={profile}",
                             "--dump-dom", (unpacked / "EPUB" / "probe.html").as_uri()],
                            capture_output=True, text=True, timeout=180)
    found = re.search(r'data-probe="([^"]*)"', result.stdout)
    assert found, f"no probe results: {result.stderr[-1000:]}"
    return json.loads(html.unescape(found.group(1)))


@pytest.fixture(scope="module")
def light(unpacked: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    return measure(unpacked, tmp_path_factory.mktemp("light-profile"))


@pytest.fixture(scope="module")
def dark(unpacked: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    return measure(unpacked, tmp_path_factory.mktemp("dark-profile"), dark=True)


@pytest.mark.parametrize("name", DOCUMENTS)
def test_fits_a_phone_screen(name: str, light: dict[str, dict], dark: dict[str, dict]) -> None:
    for m in (light[name], dark[name]):
        assert m["width"] == 390
        assert m["scroll"] <= m["width"] and not m["wide"], m


def test_body_text_and_headings(light: dict[str, dict]) -> None:
    m = light["text/c00-xulun.xhtml"]
    p, h2 = m["p"], m["h2"]
    assert p["textAlign"] == "justify"
    assert p["textIndent"] == pytest.approx(2 * p["fontSize"])
    assert 1.6 <= p["lineHeight"] / p["fontSize"] <= 2.0
    assert p["fontFamily"].startswith('"Noto Serif CJK SC"')
    assert h2["fontFamily"].startswith('"Noto Sans CJK SC"') and h2["textIndent"] == 0
    assert m["html"]["background"] in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")
    assert m["html"]["color"] == "rgb(0, 0, 0)"


def test_dark_mode(dark: dict[str, dict]) -> None:
    for name in DOCUMENTS:
        assert dark[name]["html"]["background"] == "rgb(18, 18, 18)", name
        assert dark[name]["html"]["color"] == "rgb(230, 230, 230)", name
