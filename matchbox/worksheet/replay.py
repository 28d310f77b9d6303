"""What a kind's optional `replay(variant, steps, typed)` hook returns: its hand exercise continued by the
engine, as series to plot (`matchbox replay` draws them; training/replay.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np


@dataclass
class Replay:
    ylabel: str | dict  # the y axis's words: a plain string, or {"en": ..., "ja": ...}
    series: dict[str, np.ndarray] = field(default_factory=dict)  # name -> value after each step (step 0 first)
    sheet_steps: int = 0  # how many steps the sheet itself has
    learner: dict[str, list[tuple[int, float]]] = field(default_factory=dict)  # name -> (step, value) typed
    line: tuple | None = None  # a perceptron's points and final weights, for its decision line
    summary: dict = field(default_factory=dict)
    first_step: int = 0  # the step of each series' first value (an error E is of step 1 on)
    log_scale: bool = False  # errors and heights: log scale when every value is positive
    xlabel: str | dict | None = None  # the x axis's words when its steps are not learning steps (layers...)

    def draw_learner(self, typed: Mapping[str, object] | None, quantities: Mapping[str, Callable[[int], str]]):
        """Keep the learner's own numbers of the sheet's steps: `quantities` maps a series to the name of
        its quantity at step k; `typed` are the numbers a learner wrote, by quantity."""
        typed = typed or {}
        for name, quantity in quantities.items():
            points = [(k, typed[quantity(k)]) for k in range(1, self.sheet_steps + 1)
                      if isinstance(typed.get(quantity(k)), float)]
            if points:
                self.learner[name] = points
        return self


def cycle(trials: list, steps: int) -> list:
    """The sheet's schedule repeated for `steps` steps."""
    return [trials[k % len(trials)] for k in range(steps)]
