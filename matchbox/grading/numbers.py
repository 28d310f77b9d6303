"""Reading what a learner typed as a number: real numbers, and numbers typed as text (full-width digits
and signs from a Japanese input method, a minus sign from a word processor, a decimal comma)."""
from __future__ import annotations

import datetime
import math
import re
import unicodedata

# Dashes people type for "minus" that NFKC leaves alone: minus sign, figure/en/em dash, and the katakana
# long-vowel mark an IME produces for "-" in kana mode.
MINUSES = dict.fromkeys(map(ord, "\u2212\u2012\u2013\u2014\u2015\u30fc\uff70"), "-")
THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+$")


REASONS = {
    "infinite": {"en": "not a finite number", "ja": "有限の数ではありません"},
    "date": {"en": "the spreadsheet turned this entry into a date or time",
             "ja": "表計算ソフトが日付・時刻に変換しています"},
    "error": {"en": "the spreadsheet shows an error: {detail}", "ja": "表計算ソフトのエラー表示です: {detail}"},
    "formula": {"en": "a formula with no saved value", "ja": "値が保存されていない数式です"},
    "text": {"en": "not a number: {detail}", "ja": "数値ではありません: {detail}"},
}


class NotANumber(ValueError):
    """A cell holds something that is not a number; `text(lang)` says what it is."""

    def __init__(self, reason: str, detail: str = ""):
        self.reason, self.detail = reason, detail
        super().__init__(self.text("en"))

    def text(self, lang: str) -> str:
        return REASONS[self.reason][lang].format(detail=self.detail)


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
    text = unicodedata.normalize("NFKC", value).translate(MINUSES)
    text = "".join(text.split())  # spaces anywhere, including the ones NFKC made of full-width spaces
    if not text:
        return None
    if text.startswith("#"):  # #DIV/0!, #VALUE!, #REF!...
        raise NotANumber("error", text)
    if THOUSANDS.match(text):
        text = text.replace(",", "")
    elif DECIMAL_COMMA.match(text):
        text = text.replace(",", ".")
    if text.startswith("="):
        raise NotANumber("formula")
    try:
        number = float(text)
    except ValueError:
        raise NotANumber("text", repr(value)) from None
    if not math.isfinite(number):
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
