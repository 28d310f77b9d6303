"""Which members of an .xlsx archive an XML parser would read, whatever their names, and their text as UTF-8.

openpyxl follows the workbook's relationships, not the members' names: a sheet renamed `sheet2.dat`, or saved
as UTF-16, is read as any other. So the reader's limits (part size, items, entities) look at every member
whose first bytes could begin an XML document, and count its items in UTF-8.
"""
from __future__ import annotations

import codecs
import zipfile
import zlib

from ..errors import WorkbookError

NAMED = (".xml", ".rels", ".vml")  # parsed whatever their first bytes say
# Byte order marks, then "<" in UTF-32 or UTF-16 without one (how XML's appendix F tells an encoding)
STARTS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
          (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"), (b"<\0\0\0", "utf-32-le"),
          (b"\0\0\0<", "utf-32-be"), (b"<\0", "utf-16-le"), (b"\0<", "utf-16-be"))
HEAD = 65536  # bytes looked at: blanks before the first "<" are allowed, and could be many
UNPACK_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError, NotImplementedError)


def damaged(info: zipfile.ZipInfo) -> WorkbookError:
    return WorkbookError(f"the workbook is damaged ({info.filename} cannot be unpacked)",
                         ja=f"ワークブックが壊れています({info.filename} を展開できません)")


def encoding(head: bytes) -> str | None:
    """The encoding of a member that begins with `head` if it may be XML; None for an image or other binary."""
    for start, name in STARTS:
        if head.startswith(start):
            return name
    rest = head.lstrip(b" \t\r\n")
    return "utf-8" if rest[:1] == b"<" or (not rest and head) else None


def xml_parts(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> list[tuple[zipfile.ZipInfo, str]]:
    """Every member to check as XML, with its encoding: by its name, or by its first bytes."""
    parts = []
    for info in infos:
        if info.is_dir():
            continue
        try:
            with archive.open(info) as member:
                head = member.read(HEAD)
        except UNPACK_ERRORS:
            raise damaged(info) from None
        found = encoding(head)
        if found is None and info.filename.endswith(NAMED):
            found = "utf-8"
        if found is not None:
            parts.append((info, found))
    return parts


def as_utf8(content: bytes, encoding: str) -> bytes:
    """The member's text in UTF-8, for the byte patterns that count its items."""
    if encoding == "utf-8":
        return content
    return content.decode(encoding, errors="replace").encode("utf-8")
