"""A tiny seeded random source of our own, so a seed gives the same variant on every machine and every
version of Python and NumPy (their generators promise no stable streams across releases)."""
from __future__ import annotations

from typing import Sequence, TypeVar

T = TypeVar("T")
MASK = (1 << 64) - 1


class Dice:
    def __init__(self, seed: int):
        self.state = seed & MASK

    def _next(self) -> int:  # splitmix64
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def randint(self, low: int, high: int) -> int:
        """An integer in [low, high], both ends included."""
        return low + self._next() % (high - low + 1)

    def choice(self, options: Sequence[T]) -> T:
        return options[self.randint(0, len(options) - 1)]

    def shuffled(self, items: Sequence[T]) -> list[T]:
        out = list(items)
        for i in range(len(out) - 1, 0, -1):
            j = self.randint(0, i)
            out[i], out[j] = out[j], out[i]
        return out

    def sample(self, items: Sequence[T], k: int) -> list[T]:
        return self.shuffled(items)[:k]
