"""Reading what a learner typed as a number: real numbers, and numbers typed as text (full-width digits
and signs from a Japanese input method, a minus sign from a word processor, a decimal comma, a simple
fraction, a percentage), and the words a learner writes where their own numbers leave no answer."""
from __future__ import annotations

import datetime
import math
import re
import unicodedata

from ..words import word

# Dashes people type for "minus" that NFKC leaves alone: hyphen, non-breaking hyphen, minus sign,
# figure/en/em dash, and the katakana long-vowel mark an IME produces for "-" in kana mode.
MINUSES = dict.fromkeys(map(ord, "\u2010\u2011\u2212\u2012\u2013\u2014\u2015\u30fc\uff70"), "-")
# The comma. Answers on these sheets are small (no built-in sheet has one of 1000 or more), so a comma the
# number could be read either way by is a decimal comma: "0,525", "-0,016", "1,5", and "-1,024" too (-1.024,
# not -1024). A thousands separator is read as one only where it cannot be a decimal comma: two or more
# groups ("1,024,000") or a decimal point after it ("1,024.5"); a number starting "0," never has one.
THOUSANDS = re.compile(r"^[+-]?[1-9]\d{0,2}((,\d{3}){2,}(\.\d*)?|,\d{3}\.\d*)$")
DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+$")
# What float() accepts beyond what a person writes ("1_000", "nan", "inf", "infinity") is refused: a number
# is digits, one decimal point, an exponent.
PLAIN = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$", re.IGNORECASE)
# "1/2", "-2/3", "22/4": whole numbers over whole numbers (and "½", which NFKC makes 1⁄2 with a fraction slash)
FRACTION = re.compile(r"^([+-]?)(\d+)[/\u2044\u2215](\d+)$")
# "No answer exists": what learners write where their own numbers make a quantity undefined (a boundary
# x = θ/w with their w = 0). Compared after the same normalisation as numbers (NFKC, minus signs, no spaces,
# lower case).
UNDEFINED_WORDS = ("なし", "無し", "解なし", "解無し", "答えなし", "存在しない", "存在せず", "定義できない",
                   "定義されない", "不定", "none", "n/a", "no answer", "no solution", "undefined",
                   "does not exist", "∞", "+∞", "-∞")
UNDEFINED_ERRORS = ("#DIV/0!",)  # what a spreadsheet shows for the same (=θ/w with w = 0)


class NotANumber(ValueError):
    """A cell holds something that is not a number: `reason` is one of infinite, date, error, formula, text,
    undefined (matchbox/words "nan." + reason), `detail` what it holds; `text(lang)` says it."""

    def __init__(self, reason: str, detail: str = ""):
        self.reason, self.detail = reason, detail
        super().__init__(self.text("en"))

    def text(self, lang: str) -> str:
        return word(f"nan.{self.reason}", lang, detail=self.detail)

    @property
    def undefined(self) -> bool:
        """The learner says no answer exists ("なし", "none", "∞", a division by zero), in words or by the
        spreadsheet's #DIV/0!: the right answer where their own numbers make the step undefined."""
        return self.reason == "undefined" or (self.reason == "error" and self.detail.upper() in UNDEFINED_ERRORS)


def _normal(text: str) -> str:
    """Text as numbers are compared: NFKC (full-width digits and signs), one minus sign, no spaces."""
    text = unicodedata.normalize("NFKC", text).translate(MINUSES)
    return "".join(text.split())  # spaces anywhere, including the ones NFKC made of full-width spaces


UNDEFINED = frozenset(_normal(w).lower() for w in UNDEFINED_WORDS)


def parse_number(value) -> float | None:
    """The number in a cell, None for a blank cell; raises NotANumber for anything else."""
    if value is None:
        return None
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise NotANumber("infinite")
        return float(value)
    if isinstance(value, (datetime.date, datetime.time, datetime.timedelta)):
        raise NotANumber("date")
    if not isinstance(value, str):
        raise NotANumber("text", repr(value))
    text = _normal(value)
    if not text:
        return None
    if text.startswith("#"):  # #DIV/0!, #VALUE!, #REF!...
        raise NotANumber("error", text)
    if text.startswith("="):
        raise NotANumber("formula")
    if text.lower().rstrip("。.") in UNDEFINED:
        raise NotANumber("undefined", value.strip())
    fraction = FRACTION.match(text)
    if fraction:
        sign, top, bottom = fraction.groups()
        try:
            top, bottom = int(top), int(bottom)
            number = top / bottom
        except ZeroDivisionError:  # 1/0: the learner wrote the division by zero itself
            raise NotANumber("undefined", value.strip()) from None
        except (OverflowError, ValueError):  # digits beyond any float (or beyond int's 4300)
            raise NotANumber("text", repr(value)) from None
        return -number if sign == "-" else number
    percent = text.endswith("%")
    number = _plain(text[:-1] if percent else text, value)
    return number / 100 if percent else number


def _plain(text: str, value: str) -> float:
    """A decimal number written out (with a decimal comma or thousands separators, see THOUSANDS)."""
    if THOUSANDS.match(text):
        text = text.replace(",", "")
    elif DECIMAL_COMMA.match(text):
        text = text.replace(",", ".")
    if not PLAIN.match(text):
        raise NotANumber("text", repr(value))
    number = float(text)
    if not math.isfinite(number):  # 1e400
        raise NotANumber("text", repr(value))
    return number


def show(value: float | None, precision=None) -> str:
    """A number the way a person would write it: 2, 0.5, -1.25 (not 2.0 or 0.30000000000000004); with the
    `precision` of a sheet that rounds, to its decimal places (0.3272, not 0.3271718469)."""
    if value is None:
        return "—"
    if isinstance(value, float) and math.isnan(value):
        return "?"
    if precision is not None and not precision.exact:
        text = f"{value:.{precision.decimals}f}"
        return text[1:] if text.startswith("-") and float(text) == 0 else text  # no "-0.0000"
    text = f"{value:.10g}" if abs(value) < 1e15 else repr(value)
    if "e" not in text and "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
