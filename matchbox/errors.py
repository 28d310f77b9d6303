"""Errors a user can act on: the CLI prints their message as one line and exits 2."""


class MatchboxError(Exception):
    """Anything that stops matchbox from doing what was asked, in words the user can act on.

    str(error) is the English line; `ja` the same line in Japanese where a Japanese view shows it (the
    checking page in Japanese, `check` of a Japanese workbook); `lang` the language of the workbook the error
    is about, once the workbook said it."""

    def __init__(self, message: str = "", ja: str | None = None, lang: str | None = None):
        super().__init__(message)
        self.ja = ja
        self.lang = lang

    def said(self, lang: str) -> str:
        """The message in `lang` (English where no Japanese line was given)."""
        return self.ja if lang == "ja" and self.ja else str(self)


class SpecError(MatchboxError):
    """A spec file (or parameter set) that names a bad key or value."""


class WorkbookError(MatchboxError):
    """A file that cannot be graded: missing, not a workbook, damaged, unsafe or not from matchbox."""


class Said(str):
    """A line reported and gone on from (a page of a scan that could not be read): English as a str, the same
    line in Japanese as `ja`, so a Japanese run of `check` says it in Japanese."""

    def __new__(cls, message: str, ja: str | None = None):
        line = super().__new__(cls, message)
        line.ja = ja
        return line

    def said(self, lang: str) -> str:
        return self.ja if lang == "ja" and self.ja else str(self)


def said(line, lang: str) -> str:
    """A reported line (a Said, a MatchboxError or plain text) in `lang` where it knows that language."""
    return line.said(lang) if hasattr(line, "said") else str(line)
