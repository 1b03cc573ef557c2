"""The report as a person opens it: headless Chromium renders it offline, with no network request.

How "no request" is proven: Chromium is driven over the DevTools protocol (``--remote-debugging-
pipe``) and every request the *page* starts is recorded from ``Network.requestWillBeSent``, for
any scheme (the browser's own background traffic, such as update checks, is not the page's and
is not counted). A control page that references a remote image shows the recorder sees such a
request. The report is opened twice: as written (with its Content-Security-Policy) and with the
policy removed, so the result does not rely on the policy blocking fetches: the page itself
references nothing outside itself. Only ``data:`` URLs (the charts) may appear.

Chromium is Debian's ``chromium`` package (``make test`` installs it when root); without it the
test skips locally and fails under CI, so a missing browser is never mistaken for a pass.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from aibridge_analytics import connect
from aibridge_analytics.demo.generator import build_demo
from aibridge_analytics.outputs.report import build_report

CHARTS = 6  # with the recorded spend chart (the demo records spend)
TABLES = (
    "providers-table",
    "spend-table",
    "days-table",
    "models-table",
    "clients-table",
    "tools-table",
    "warnings-table",
    "verification-table",
)


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI") or os.environ.get("AIBRIDGE_REQUIRE_CHROMIUM") == "1":
        pytest.fail("chromium is not installed but required here: `make test` installs it when run as root")
    pytest.skip("chromium is not installed (apt-get install chromium)")


class Browser:
    """Headless Chromium over the DevTools pipe (fd 3: commands in, fd 4: replies and events out)."""

    def __init__(self, chromium: str, profile: Path) -> None:
        # Chromium has been seen to exit at start on a loaded machine (the first command then
        # meets a closed pipe): one more start, in a fresh profile, before the test fails.
        for attempt in (1, 2):
            try:
                self._start(chromium, profile.with_name(f"{profile.name}-{attempt}"))
                return
            except (BrokenPipeError, AssertionError) as exc:
                self.close()
                log = profile.with_name(f"{profile.name}-{attempt}.log").read_text(errors="replace")
                if attempt == 2:
                    raise AssertionError(f"chromium did not start twice: {exc}; its log ends: {log[-500:]}") from exc

    def _start(self, chromium: str, profile: Path) -> None:
        to_child, self._send = os.pipe()
        self._recv, from_child = os.pipe()

        # The child must find its pipe ends at fds 3 and 4 (kept open by pass_fds, set after preexec_fn).
        def setup() -> None:
            os.dup2(to_child, 3)
            os.dup2(from_child, 4)

        with profile.with_name(f"{profile.name}.log").open("wb") as log:
            self.proc = subprocess.Popen(
                [
                    chromium,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    "--hide-scrollbars",
                    f"--user-data-dir={profile}",
                    "--remote-debugging-pipe",
                    "about:blank",
                ],
                preexec_fn=setup,
                pass_fds=(3, 4),
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        os.close(to_child)
        os.close(from_child)
        self._buffer = b""
        self._next = 0
        self.events: list[dict[str, Any]] = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Network.enable", "Page.enable", "Runtime.enable"):
            self.call(domain, session=True)
        self.resize(1200)

    def resize(self, width: int) -> None:
        """Show pages ``width`` CSS pixels wide; below 600 as a phone does (viewport meta honoured)."""
        self.width = width
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600},
            session=True,
        )

    def _read(self, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while b"\0" not in self._buffer:
            assert time.monotonic() < deadline, "no reply from chromium"
            chunk = os.read(self._recv, 1 << 20)
            assert chunk, "chromium closed the pipe"
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, params: dict | None = None, session: bool = False) -> dict[str, Any]:
        self._next += 1
        message = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        os.write(self._send, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._next:
                assert "error" not in reply, reply
                return reply["result"]
            self.events.append(reply)

    def open(self, url: str) -> list[str]:
        """Load ``url``; return every URL the page requested until it settled."""
        self.events.clear()
        self.call("Page.navigate", {"url": url}, session=True)
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            self.events.append(self._read())
        # Late requests (lazy images, fonts) get a moment to start after the load event.
        self.call(
            "Runtime.evaluate",
            {"expression": "new Promise(r => setTimeout(r, 1000))", "awaitPromise": True},
            session=True,
        )
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def evaluate(self, expression: str) -> Any:
        return self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=True)["result"][
            "value"
        ]

    def screenshot(self, path: Path) -> None:
        height = self.evaluate("document.documentElement.scrollHeight")
        shot = self.call(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": self.width, "height": height, "scale": 1},
            },
            session=True,
        )
        path.write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=30)
        os.close(self._send)
        os.close(self._recv)


@pytest.fixture
def browser(tmp_path):
    b = Browser(_chromium(), tmp_path / "profile")
    yield b
    b.close()


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("browser")
    build_demo(base / "demo.duckdb", interceptions=3000)
    with connect(base / "demo.duckdb") as con:
        build_report(con, base / "report", include_prompts=True)
    return base / "report"


def _outside(urls: list[str], page: Path) -> list[str]:
    return [u for u in urls if not u.startswith("data:") and u != page.as_uri()]


def test_the_recorder_sees_a_remote_request(browser, tmp_path):
    page = tmp_path / "control.html"
    page.write_text('<!doctype html><img src="https://report-test.invalid/pixel.png"><p>control</p>')
    assert _outside(browser.open(page.as_uri()), page) == ["https://report-test.invalid/pixel.png"]


@pytest.mark.parametrize("policy", ["as written", "without its CSP"])
def test_report_renders_offline_with_charts_and_tables(report_dir, browser, tmp_path, policy):
    html = (report_dir / "report.html").read_text()
    # Nothing outside the page: no http(s), protocol-relative or file reference in any src/href/url().
    assert not re.search(r"""(?:src|href)\s*=\s*(?!["']?(?:data:|#))""", html, re.I)
    assert not re.search(r"url\(", html, re.I)
    assert "<script" not in html.lower() and "<link" not in html.lower()
    page = tmp_path / "report.html"
    if policy == "as written":
        page.write_text(html)
    else:
        stripped = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
        assert stripped != html
        page.write_text(stripped)
    requested = browser.open(page.as_uri())
    assert _outside(requested, page) == []
    images = browser.evaluate(
        "[...document.images].map(i => [i.currentSrc.slice(0, 30), i.alt, i.naturalWidth, i.complete])"
    )
    assert len(images) == CHARTS
    for src, alt, width, complete in images:
        assert src.startswith("data:image/svg+xml;base64,") and alt and complete and width > 300  # decoded and drawn
    for table in TABLES:
        rows = browser.evaluate(f"document.querySelectorAll('#{table} tbody tr').length")
        assert rows > 0, table
    assert browser.evaluate("document.scripts.length") == 0
    assert browser.evaluate("document.querySelector('h1').textContent") == "AI Bridge usage report"
    # The provider table is readable at a mail-client width: it fits the page without scrolling sideways.
    assert browser.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_screenshot(report_dir, browser, tmp_path):
    """A full-page screenshot, kept at AIBRIDGE_REPORT_SCREENSHOT if set, for a person to look at."""
    shot = Path(os.environ.get("AIBRIDGE_REPORT_SCREENSHOT", tmp_path / "report.png"))
    page = report_dir / "report.html"
    assert _outside(browser.open(page.as_uri()), page) == []
    browser.screenshot(shot)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000


#: The smallest size, in CSS pixels as drawn on the page, at which chart text counts as legible.
LEGIBLE_PX = 9

#: Per chart: the smallest font-size of its SVG's text times the scale the page draws the image at
#: (drawn width / natural width), i.e. the rendered size of its smallest text in CSS pixels.
SMALLEST_CHART_TEXT = """[...document.images].map(i => {
  const svg = new DOMParser().parseFromString(atob(i.src.split(',')[1]), 'image/svg+xml');
  const sizes = [...svg.querySelectorAll('text')].map(t => parseFloat(t.getAttribute('font-size')));
  return [i.alt, Math.min(...sizes) * i.getBoundingClientRect().width / i.naturalWidth];
})"""


@pytest.mark.parametrize("width", [1400, 390], ids=["desktop-1400", "phone-390"])
def test_report_reads_on_a_desktop_and_a_phone(report_dir, browser, tmp_path, width):
    """The page never scrolls sideways: a wide table or chart scrolls inside its own box; chart
    text is drawn at >= 9 CSS px (its SVG font size times the image's drawn scale)."""
    browser.resize(width)
    page = report_dir / "report.html"
    assert _outside(browser.open(page.as_uri()), page) == []
    assert browser.evaluate("window.innerWidth") == width
    assert browser.evaluate("document.documentElement.scrollWidth") <= width
    boxes = browser.evaluate(
        "[...document.querySelectorAll('.scroll, figure')].map(e => "
        "[e.querySelector('table, img').id || e.querySelector('img').alt, e.getBoundingClientRect().right, "
        "e.scrollWidth - e.clientWidth])"
    )
    assert {name for name, _, _ in boxes} >= set(TABLES) and len(boxes) >= len(TABLES) + CHARTS
    for name, right, hidden in boxes:
        assert right <= width, name
        if width >= 1400:
            assert hidden <= 0, f"{name} needs scrolling on a desktop"
    charts = browser.evaluate(SMALLEST_CHART_TEXT)
    assert len(charts) == CHARTS
    for alt, px in charts:
        assert px >= LEGIBLE_PX, f"{alt}: smallest text drawn at {px:.1f} px"
    if os.environ.get("AIBRIDGE_REPORT_SCREENSHOT"):
        browser.screenshot(Path(os.environ["AIBRIDGE_REPORT_SCREENSHOT"]).with_suffix(f".{width}.png"))
