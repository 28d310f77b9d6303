"""The `matchbox` command: one module per subcommand in this package, each a thin parser of options that calls
the library and prints.

A subcommand's module is imported only when it runs or when `--help` lists it, and heavy modules (numpy,
openpyxl, jinja2, flask, matplotlib) are imported inside the commands, so `matchbox --help` starts fast.
"""
from __future__ import annotations

from importlib import import_module

import click

from .. import __version__
from ..errors import MatchboxError
from .options import fail

# command name -> the module of this package that holds it, as a function of the same name
COMMANDS = {"check": "check", "experiment": "experiment", "generate": "generate", "list": "list_kinds",
            "pack": "pack", "replay": "replay", "serve": "serve", "solve": "solve", "train": "train",
            "report": "report", "course": "course", "export": "export"}


class Group(click.Group):
    """Finds each command in its own module, and turns a MatchboxError anywhere in a command into one line
    and exit code 2."""

    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module = COMMANDS[name]
        return getattr(import_module(f"{__name__}.{module}"), module)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except MatchboxError as e:
            fail(e.said(e.lang) if e.lang else str(e))  # in the language of the workbook it is about
        except KeyboardInterrupt:
            fail("interrupted", 130)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="matchbox")
def main():
    """matchbox: neural networks learned by hand.

    Instructors generate exercise workbooks and answer keys; learners fill them in Excel or
    LibreOffice and check them cell by cell, with errors carried forward.

    \b
    matchbox list                                 the exercise kinds
    matchbox generate matchbox --seed 3 --lang ja  a learner workbook and its key
    matchbox generate --spec my.toml               an exercise of your own
    matchbox solve matchbox --seed 3               the whole solution, in the terminal
    matchbox check my.xlsx                         grade a filled-in workbook
    matchbox train                                 train a network on handwritten digits
    matchbox serve                                 a checking page for learners' browsers
    """
