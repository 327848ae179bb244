"""Progress bars: tqdm when installed (extra `progress`), else a minimal bar on stderr."""

from __future__ import annotations

import sys
import time
from typing import Any, Protocol


class Progress(Protocol):
    def update(self, n: int = 1) -> Any: ...
    def set_postfix_str(self, s: str, refresh: bool = True) -> Any: ...
    def close(self) -> Any: ...


class _MinimalBar:
    """A one-line bar redrawn at most twice a second; silent when stderr is not a terminal."""

    def __init__(
        self, total: int | None, desc: str, unit: str, initial: int = 0, disable: bool = False
    ) -> None:
        self.total, self.desc, self.unit, self.n = total, desc, unit, initial
        self.postfix = ""
        self.disable = disable or not sys.stderr.isatty()
        self._start = time.monotonic()
        self._drawn = 0.0

    def update(self, n: int = 1) -> None:
        self.n += n
        self._draw()

    def set_postfix_str(self, s: str, refresh: bool = True) -> None:
        self.postfix = s
        self._draw()

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if self.disable or (not force and now - self._drawn < 0.5):
            return
        self._drawn = now
        rate = self.n / max(now - self._start, 1e-9)
        if self.total:
            filled = int(30 * min(self.n, self.total) / self.total)
            bar = f"[{'#' * filled}{'.' * (30 - filled)}] {self.n}/{self.total}"
        else:
            bar = f"{self.n}"
        sys.stderr.write(f"\r{self.desc}: {bar} {self.unit} ({rate:.1f}/s) {self.postfix}\x1b[K")
        sys.stderr.flush()

    def close(self) -> None:
        if not self.disable:
            self._draw(force=True)
            sys.stderr.write("\n")


def progress_bar(
    total: int | None, desc: str, unit: str = "it", initial: int = 0, disable: bool = False
) -> Progress:
    try:
        from tqdm import tqdm
    except ImportError:
        return _MinimalBar(total, desc, unit, initial, disable)
    return tqdm(total=total, desc=desc, unit=unit, initial=initial, disable=disable, dynamic_ncols=True)
