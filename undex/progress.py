"""Progress of long batch work on stderr: a Rich bar with documents/second and ETA on a
terminal, a plain line every few seconds otherwise (logs, CI, pipes)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class RateColumn(ProgressColumn):
    """Documents per second."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("-- docs/s" if speed is None else f"{speed:,.1f} docs/s", style="progress.data.speed")


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class DocProgress:
    """Counts finished documents out of ``total``; use as a context manager."""

    def __init__(
        self, total: int, description: str, stream: TextIO | None = None, interval: float = 5.0, quiet: bool = False
    ) -> None:
        self.total = total
        self.description = description
        self.stream = stream or sys.stderr
        self.interval = interval
        self.quiet = quiet
        self.done = 0
        self.started = time.perf_counter()
        self._last_line = self.started
        self._rich: Progress | None = None
        self._task = None

    def __enter__(self) -> DocProgress:
        self.started = self._last_line = time.perf_counter()
        if not self.quiet and self.stream.isatty():
            self._rich = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                RateColumn(),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=Console(file=self.stream),
            )
            self._rich.start()
            self._task = self._rich.add_task(self.description, total=self.total)
        return self

    def advance(self, documents: int) -> None:
        self.done += documents
        if self._rich is not None:
            self._rich.update(self._task, completed=self.done)
        elif not self.quiet and time.perf_counter() - self._last_line >= self.interval:
            self._line()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds > 0 else 0.0

    def _line(self, final: bool = False) -> None:
        self._last_line = time.perf_counter()
        if final:
            eta = f" in {_clock(self.seconds)}"
        elif self.rate and self.total >= self.done:
            eta = f", ETA {_clock((self.total - self.done) / self.rate)}"
        else:
            eta = ""
        print(
            f"{self.description}: {self.done}/{self.total} documents, {self.rate:.1f} docs/s{eta}",
            file=self.stream,
            flush=True,
        )

    def __exit__(self, *exc: object) -> None:
        if self._rich is not None:
            self._rich.stop()
        elif not self.quiet and self.done:
            self._line(final=True)
