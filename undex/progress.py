"""Progress of long runs on stderr: a Rich progress bar on a terminal, plain periodic lines
otherwise (logs, CI, pipes). Short runs print nothing in plain mode."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress
from rich.text import Text


class RateColumn(ProgressColumn):
    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f} {self.unit}/s", style="progress.data.speed")


class Progress:
    """``with Progress("eval tfidf-en", total=None) as bar: bar.advance(64)``.

    On a terminal: spinner, bar (when the total is known), count, rate, elapsed and ETA.
    Elsewhere: one line every ``interval`` seconds once the run has lasted that long.
    """

    def __init__(
        self,
        description: str,
        total: int | None = None,
        unit: str = "docs",
        stream: TextIO | None = None,
        interval: float = 10.0,
        rich: bool | None = None,
    ) -> None:
        self.description = description
        self.total = total
        self.unit = unit
        self.stream = stream or sys.stderr
        self.interval = interval
        self.use_rich = self.stream.isatty() if rich is None else rich
        self.done = 0
        self._started = self._last_line = 0.0
        self._bar: RichProgress | None = None
        self._task = None

    def __enter__(self) -> Progress:
        self._started = self._last_line = time.monotonic()
        if self.use_rich:
            columns = [SpinnerColumn(), TextColumn("{task.description}")]
            if self.total:
                columns += [BarColumn(), MofNCompleteColumn()]
            else:
                columns += [TextColumn("{task.completed:,.0f} " + self.unit)]
            columns += [RateColumn(self.unit), TimeElapsedColumn()]
            if self.total:
                columns += [TimeRemainingColumn()]
            self._bar = RichProgress(*columns, console=Console(file=self.stream, force_terminal=True), transient=True)
            self._bar.start()
            self._task = self._bar.add_task(self.description, total=self.total)
        return self

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done)
            return
        now = time.monotonic()
        if now - self._last_line >= self.interval:
            self._last_line = now
            print(self._line(now), file=self.stream, flush=True)

    def _line(self, now: float) -> str:
        elapsed = now - self._started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        line = f"{self.description}: {self.done:,} {self.unit}"
        if self.total:
            line += f" of {self.total:,} ({100 * self.done / self.total:.0f}%)"
            if rate > 0:
                line += f", about {max(0.0, (self.total - self.done) / rate):,.0f} s left"
        return line + f" ({rate:,.0f} {self.unit}/s, {elapsed:,.0f} s)"

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
        elif self._last_line > self._started:  # printed progress before: close with a final line
            print(self._line(time.monotonic()), file=self.stream, flush=True)
