"""Errors a user can act on: the CLI prints their message as one line and exits 2."""


class MatchboxError(Exception):
    """Anything that stops matchbox from doing what was asked, in words the user can act on."""


class SpecError(MatchboxError):
    """A spec file (or parameter set) that names a bad key or value."""


class WorkbookError(MatchboxError):
    """A file that cannot be graded: missing, not a workbook, damaged, unsafe or not from matchbox."""
