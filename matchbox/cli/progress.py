"""Progress bars on a terminal: over a class's workbooks (`check`, `report`) and over an epoch (`train`)."""
from __future__ import annotations

import sys

import click


class EpochBar:
    """A progress bar over one epoch's images, on stderr; the epoch's line replaces it when it is done."""

    def __init__(self, images: int, epochs: int):
        self.images, self.epochs, self.epoch, self.bar = images, epochs, 1, None

    def advance(self, n: int):
        if self.bar is None:
            self.bar = click.progressbar(length=self.images, label=f"epoch {self.epoch}/{self.epochs}",
                                         file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(n)

    def close(self):
        if self.bar is not None:
            click.echo("\r\033[K\033[?25h", nl=False, err=True)  # erase the bar, show the cursor again
            self.bar, self.epoch = None, self.epoch + 1


class Progress:
    """A one-line progress bar on stderr, drawn only on a terminal; lines printed meanwhile go above it."""

    def __init__(self, total: int, stream=None, width: int = 30):
        self.stream = stream or sys.stderr
        self.total, self.done, self.width = total, 0, width
        self.shown = self.stream.isatty()

    def advance(self, label: str = "") -> None:
        self.done += 1
        if self.shown:
            filled = self.width * self.done // max(self.total, 1)
            line = f"[{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total} {label}"
            self.stream.write("\r\033[K" + line[:100])
            self.stream.flush()

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
