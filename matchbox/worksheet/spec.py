"""Reading parameters from a spec file (TOML) with errors that name the key and what is wrong."""
from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any, Iterable

from ..errors import SpecError

MISSING = object()


def load_toml(path: str | Path) -> dict:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    path = Path(path)
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise SpecError(f"{path}: no such spec file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise SpecError(f"{path}: cannot read: {e}") from None
    except tomllib.TOMLDecodeError as e:
        raise SpecError(f"{path}: not valid TOML: {e}") from None


def _describe(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"


class Spec:
    """A view of one TOML table that remembers which keys were read, so typos can be reported."""

    def __init__(self, data: Any, where: str = ""):
        if not isinstance(data, dict):
            raise SpecError(f"{where or 'spec'}: expected a table, got {_describe(data)}")
        self.data = data
        self.where = where
        self.read: set[str] = set()

    def path(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def fail(self, key: str, message: str) -> SpecError:
        return SpecError(f"spec key '{self.path(key)}': {message}")

    def has(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str, default: Any = MISSING) -> Any:
        """The value as written, for shapes the typed readers below do not cover."""
        return self._get(key, default)

    def _get(self, key: str, default: Any) -> Any:
        self.read.add(key)
        if key in self.data:
            return self.data[key]
        if default is MISSING:
            raise self.fail(key, "is required")
        return default

    def number(self, key: str, default: Any = MISSING, *, integer: bool = False,
               minimum: float | None = None, maximum: float | None = None, above: float | None = None):
        value = self._get(key, default)
        if value is None:
            return None
        return self._check_number(key, value, integer, minimum, maximum, above)

    def _check_number(self, key, value, integer, minimum=None, maximum=None, above=None):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise self.fail(key, f"expected a number, got {_describe(value)}")
        if integer and value != int(value):
            raise self.fail(key, f"expected a whole number, got {value!r}")
        if minimum is not None and value < minimum:
            raise self.fail(key, f"must be at least {minimum}, got {value!r}")
        if maximum is not None and value > maximum:
            raise self.fail(key, f"must be at most {maximum}, got {value!r}")
        if above is not None and value <= above:
            raise self.fail(key, f"must be greater than {above}, got {value!r}")
        return int(value) if integer or (isinstance(value, float) and value.is_integer()) else value

    def numbers(self, key: str, default: Any = MISSING, *, length: int | None = None,
                integer: bool = False, choices: Iterable[float] | None = None) -> list:
        value = self._get(key, default)
        if not isinstance(value, list):
            raise self.fail(key, f"expected a list of numbers, got {_describe(value)}")
        if length is not None and len(value) != length:
            raise self.fail(key, f"expected {length} numbers, got {len(value)}")
        out = [self._check_number(f"{key}[{i}]", v, integer) for i, v in enumerate(value)]
        if choices is not None:
            allowed = set(choices)
            bad = [v for v in out if v not in allowed]
            if bad:
                raise self.fail(key, f"values must be one of {sorted(allowed)}, got {bad[0]!r}")
        return out

    def string(self, key: str, default: Any = MISSING, *, choices: Iterable[str] | None = None):
        value = self._get(key, default)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"expected a non-empty string, got {_describe(value)}")
        if choices is not None and value not in choices:
            raise self.fail(key, f"must be one of {', '.join(repr(c) for c in choices)}, got {value!r}")
        return value.strip()

    def strings(self, key: str, default: Any = MISSING, *, unique: bool = True) -> list[str]:
        value = self._get(key, default)
        if not isinstance(value, list) or not value:
            raise self.fail(key, f"expected a non-empty list of strings, got {_describe(value)}")
        out = []
        for i, v in enumerate(value):
            if not isinstance(v, str) or not v.strip():
                raise self.fail(f"{key}[{i}]", f"expected a non-empty string, got {_describe(v)}")
            out.append(v.strip())
        if unique and len(set(out)) != len(out):
            dup = next(v for v in out if out.count(v) > 1)
            raise self.fail(key, f"{dup!r} appears more than once")
        return out

    def boolean(self, key: str, default: Any = MISSING) -> bool:
        value = self._get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, got {_describe(value)}")
        return value

    def table(self, key: str, default: Any = MISSING) -> "Spec | None":
        value = self._get(key, default)
        return None if value is None else Spec(value, self.path(key))

    def tables(self, key: str, default: Any = MISSING) -> list["Spec"]:
        value = self._get(key, default)
        if not isinstance(value, list) or not value:
            raise self.fail(key, "expected one or more tables ([[" + self.path(key) + "]] blocks)")
        return [Spec(v, f"{self.path(key)}[{i}]") for i, v in enumerate(value)]

    def finish(self, *ignored: str) -> None:
        """Reject keys nobody read: a typo should not silently fall back to a default."""
        unknown = sorted(set(self.data) - self.read - set(ignored))
        if unknown:
            known = ", ".join(sorted(self.read))
            raise self.fail(unknown[0], f"unknown key (known keys here: {known})")


def outputs(spec: Spec) -> list:
    """The two outputs a neuron gives: [0, 1] (the step function) or [-1, 1] (bipolar)."""
    value = spec.numbers("outputs", [0, 1], length=2)
    if value not in ([0, 1], [-1, 1]):
        raise spec.fail("outputs", f"must be [0, 1] or [-1, 1], got {value}")
    return value


def teacher(spec: Spec, low: float, default=MISSING):
    """A teacher signal: one of the neuron's two outputs."""
    value = spec.number("teacher", default)
    if value not in (low, 1):
        raise spec.fail("teacher", f"must be {low:g} or 1 (the outputs), got {value!r}")
    return value


def rule_is_strict(spec: Spec, key: str = "rule", default: str = ">=") -> bool:
    """The firing rule a sheet states: '>=' fires on a tie, '>' does not."""
    rule = spec.string(key, default, choices=(">=", ">"))
    return rule == ">"
