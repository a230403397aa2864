"""The live preview in a real browser: Debian's headless Chromium, driven over the DevTools protocol.

Chromium is started with ``--remote-debugging-pipe`` (DevTools messages on file
descriptors 3 and 4, NUL-separated JSON), so the test needs no WebDriver and opens
no debugging port. ``paiban watch`` runs as a user would run it, on a free port.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import ROOT, copy_sample

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--remote-debugging-pipe"]
WAIT_S = 90


class Chromium:
    """A headless Chromium and one page in it, spoken to over the DevTools pipe."""

    def __init__(self, profile: Path) -> None:
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def pipes_on_3_and_4() -> None:
            a, b = os.dup(to_chrome_r), os.dup(from_chrome_w)  # dup first: dup2 onto itself keeps CLOEXEC
            os.dup2(a, 3)
            os.dup2(b, 4)

        binary = shutil.which("chromium")
        assert binary, "Debian's chromium package is needed (setup.sh installs it)"
        self.process = subprocess.Popen([binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
                                        preexec_fn=pipes_on_3_and_4, close_fds=False,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._next_id = 0
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]

    def call(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + 30
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                reply = json.loads(raw)
                if reply.get("id") == self._next_id:
                    assert "error" not in reply, reply
                    return reply["result"]
            ready, _, _ = select.select([self._from_chrome], [], [], max(0.0, deadline - time.monotonic()))
            assert ready, f"Chromium did not answer {method} in 30 s"
            chunk = os.read(self._from_chrome, 1 << 16)
            assert chunk, "Chromium closed the DevTools pipe"
            self._buffer += chunk

    def evaluate(self, expression: str) -> object:
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                           self.session)
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    def navigate(self, url: str) -> None:
        self.call("Page.navigate", {"url": url}, self.session)

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        os.close(self._to_chrome)
        os.close(self._from_chrome)


def wait_for(what: str, condition: Callable[[], object], timeout: float = WAIT_S) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (loopback only)
        return response.read()


@contextlib.contextmanager
def serving(command: list[str], cwd: Path, errors: Path, first_build_s: float = WAIT_S) -> Iterator[str]:
    """``paiban watch`` started by ``command`` (its stderr into ``errors``); yields the preview's
    URL once the first build is there, and stops it after (the benchmark of its latency uses it too)."""
    with open(errors, "w") as err:
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=err, text=True)
    try:
        ready, _, _ = select.select([process.stdout], [], [], 60)
        assert ready, "watch printed no URL in 60 s"
        line = process.stdout.readline()  # type: ignore[union-attr]
        assert line.startswith("preview at http://127.0.0.1:"), line
        url = line.split()[2]
        try:
            wait_for("the first build", lambda: json.loads(get(url + "state.json"))["built"] >= 1, first_build_s)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; watch said:\n{errors.read_text('utf-8')[-3000:]}") from None
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            raise


@pytest.fixture
def watched(tmp_path: Path):
    """``paiban watch`` on a copy of the sample, on a free port; yields (book folder, URL, stderr file)."""
    book = copy_sample(tmp_path)
    errors = tmp_path / "watch.err"
    with serving([sys.executable, str(ROOT / "build.py"), "watch", "--port", "0", "--manuscript", str(book),
                  "--out", str(tmp_path / "out")], tmp_path, errors) as url:
        yield book, url, errors


@pytest.fixture
def browser():
    # Chromium's helper processes may still write to the profile as it closes: a profile
    # that cannot be removed at once is no failure of the preview.
    with tempfile.TemporaryDirectory(prefix="paiban-chromium-", ignore_cleanup_errors=True) as profile:
        chromium = Chromium(Path(profile))
        try:
            yield chromium
        finally:
            chromium.close()


def test_edit_shows_in_browser_without_reload(watched, browser: Chromium) -> None:
    book, url, errors = watched
    browser.navigate(url)
    wait_for("the preview to show build 1", lambda: browser.evaluate(
        "window.paibanPreview && window.paibanPreview.built === 1 && "
        "(document.getElementById('reading').contentDocument?.body?.textContent ?? '').length > 1000"))
    pages = browser.evaluate("document.querySelectorAll('#pages img').length")
    assert pages == json.loads(get(url + "state.json"))["pages"] >= 10
    # Kept only as long as the page is not reloaded.
    browser.evaluate("window.sameDocument = 'kept'")
    before = get(url + "page/5.png")  # PDF page 5 is original page 1, where the edit falls

    chapter = book / "chapters" / "00-xulun.md"
    text = chapter.read_text("utf-8")
    assert "在长期斗争和建设" in text
    chapter.write_text(text.replace("在长期斗争和建设", "在实时预览测试中"), "utf-8")

    wait_for("the edit in the reading view", lambda: browser.evaluate(
        "(document.getElementById('reading').contentDocument?.body?.textContent ?? '').includes('在实时预览测试中')"))
    state = browser.evaluate(
        "({kept: window.sameDocument, built: window.paibanPreview.built, applied: window.paibanPreview.applied,"
        " src: document.querySelector('#pdf-5 img').src})")
    assert state["kept"] == "kept", "the page was reloaded"
    assert state["built"] == 2 and state["applied"] == 2
    assert state["src"].endswith("/page/5.png?build=2")
    wait_for("page 1's new image to load", lambda: browser.evaluate(
        "(() => { const i = document.querySelector('#pdf-1 img'); "
        "return i.complete && i.naturalWidth > 0 && i.src.endsWith('build=2'); })()"))
    after = get(url + "page/5.png")
    assert after != before, "the PDF page with the edit did not change"
    assert get(url + "page/6.png")[:8] == b"\x89PNG\r\n\x1a\n"

    # A fault: the error shows in the page and in the terminal; the last good build stays.
    meta = book / "book.yaml"
    good = meta.read_text("utf-8")
    meta.write_text(good.replace('isbn: "978-7-5150-0466-2"', 'isbn: "978-7-5150-0466-3"'), "utf-8")
    shown = wait_for("the error in the page", lambda: browser.evaluate(
        "!document.getElementById('error').hidden && document.getElementById('error').textContent"))
    assert "M002" in shown and "book.yaml" in shown
    state = browser.evaluate(
        "({kept: window.sameDocument, built: window.paibanPreview.built,"
        " pages: document.querySelectorAll('#pages img').length,"
        " text: document.getElementById('reading').contentDocument?.body?.textContent})")
    assert state["kept"] == "kept" and state["built"] == 2 and state["pages"] == pages
    assert "在实时预览测试中" in state["text"]
    assert get(url + "page/5.png") == after
    wait_for("the error in the terminal", lambda: "M002" in errors.read_text("utf-8"))

    meta.write_text(good, "utf-8")
    wait_for("the error to clear", lambda: browser.evaluate(
        "document.getElementById('error').hidden && window.paibanPreview.built === 3"))
    assert browser.evaluate("window.sameDocument") == "kept"


def test_preview_listens_on_loopback_only() -> None:
    from paiban.workbench.preview import PreviewServer, PreviewState

    server = PreviewServer(PreviewState(), 0)
    try:
        assert server.server_address[0] == "127.0.0.1"
        assert server.url.startswith("http://127.0.0.1:")
    finally:
        server.server_close()
