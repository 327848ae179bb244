"""Headless Chromium for tests: pages as a browser renders them, with no network but localhost.

Used by the judge's offline /docs test and SynthSmith's HTML report test. Every host except
127.0.0.1 is unresolvable, so a page that needs a CDN renders blank and the test sees it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


class HeadlessChromium:
    """One browser profile under ``workdir``; each call is a fresh headless run of one page."""

    def __init__(
        self, workdir: Path, *, window: tuple[int, int] = (1280, 1400), budget_ms: int = 15000
    ) -> None:
        binary = shutil.which("chromium") or shutil.which("chromium-browser")
        if not binary:
            raise RuntimeError("headless Chromium is needed (./scripts/setup.sh --test installs it)")
        self.argv = [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--user-data-dir={workdir / 'chromium-profile'}",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            f"--virtual-time-budget={budget_ms}",
            f"--window-size={window[0]},{window[1]}",
        ]

    @staticmethod
    def _url(page: str | Path) -> str:
        return page.resolve().as_uri() if isinstance(page, Path) else page

    def dom(self, page: str | Path) -> str:
        """The DOM after scripts ran (``--dump-dom``)."""
        done = subprocess.run(
            [*self.argv, "--dump-dom", self._url(page)], capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            raise RuntimeError(f"chromium --dump-dom failed: {done.stderr[-2000:]}")
        return done.stdout

    def screenshot(self, page: str | Path, path: Path) -> bytes:
        """A PNG of the page's first window, written to ``path`` and returned."""
        done = subprocess.run(
            [*self.argv, f"--screenshot={path}", self._url(page)], capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0 or not path.exists():
            raise RuntimeError(f"chromium --screenshot failed: {done.stderr[-2000:]}")
        return path.read_bytes()
