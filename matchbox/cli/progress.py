"""The progress bar `train` shows on a terminal while an epoch runs."""
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
