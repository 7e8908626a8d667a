"""Progress for long steps: a tqdm bar on a terminal, plain log lines otherwise (CI)."""

from __future__ import annotations

import logging
import sys
import threading
import time

log = logging.getLogger("podcast")


class LogProgress:
    """Logs at 0/25/50/75/100 % instead of drawing a bar."""

    def __init__(self, desc: str, total: float):
        self.desc, self.total, self.done = desc, max(total, 1e-9), 0.0
        self._next = 0.25
        self._lock = threading.Lock()
        self._t0 = time.monotonic()

    def update(self, n: float) -> None:
        with self._lock:
            self.done += n
            while self.done / self.total >= self._next and self._next <= 1.0:
                log.info("%s: %d%%", self.desc, round(self._next * 100))
                self._next += 0.25

    def set(self, value: float) -> None:
        self.update(value - self.done)

    def close(self) -> None:
        pass

    def __enter__(self) -> LogProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Bars:
    """Makes progress bars; `enabled` is decided once by the CLI."""

    def __init__(self, enabled: bool | None = None):
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._position = 0
        self._lock = threading.Lock()

    def bar(self, desc: str, total: float, unit: str = "s"):  # -> tqdm | LogProgress
        if not self.enabled:
            return LogProgress(desc, total)
        from tqdm import tqdm

        with self._lock:
            self._position += 1
        bar = tqdm(
            total=round(total, 1), desc=desc, unit=unit, leave=False, dynamic_ncols=True,
            bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f}{unit} [{elapsed}<{remaining}]",
        )
        bar.set = lambda value: bar.update(value - bar.n)  # type: ignore[attr-defined]
        return bar


class TqdmLoggingHandler(logging.StreamHandler):
    """Routes log records through tqdm.write so they do not break bars."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            from tqdm import tqdm

            tqdm.write(self.format(record), file=sys.stderr)
        except Exception:  # noqa: BLE001 - logging must never raise
            self.handleError(record)


class CountHandler(logging.Handler):
    """Counts warnings so --strict can fail the run."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno == logging.WARNING:
            self.count += 1
