"""Writing one sheet in one format, for generate and pack."""
from __future__ import annotations

import click

FORMATS = ("xlsx", "html", "pdf")


def parse_formats(text: str) -> list[str]:
    formats = [f.strip().lower() for f in text.split(",") if f.strip()]
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise click.BadParameter(f"choose from {', '.join(FORMATS)} (several with commas), not {text!r}",
                                 param_hint="--format")
    return list(dict.fromkeys(formats))


def write_sheet(variant, lang, fmt, path, key=False, learner=None, pdfs=None, url=None):
    """`pdfs`, a printable PdfPool, draws the PDF (in a worker process when it has several); `url`, the
    checking page's address, goes on printed sheets with its QR code."""
    if fmt == "pdf" and pdfs is not None:
        return pdfs.write(variant, lang, path, key, learner, url)
    if fmt == "xlsx":
        from ..workbook.writer import write_workbook
        return write_workbook(variant, lang, path, key=key, learner=learner)
    from .. import printable
    return (printable.write_html if fmt == "html" else printable.write_pdf)(variant, lang, path, key, learner, url)


def file_stem(variant_id: str, learner: str | None, lang: str) -> str:
    """A sheet's file name without its suffix: variant, the learner's name made safe for every file system
    (Windows' reserved characters and names, control characters, trailing dots; Japanese kept), language."""
    import re
    import unicodedata
    if not learner:
        return f"{variant_id}-{lang}"
    name = unicodedata.normalize("NFC", learner).replace("\u3000", " ")
    name = re.sub(r'[<>:"/\\|?*\x00-\x1f\x7f]', "_", name)
    name = re.sub(r"\s+", "_", name.strip()).strip("._")[:40].rstrip("._") or "learner"
    return f"{variant_id}-{name}-{lang}"


def merge_class_pdfs(written: list[dict], out, kind: str) -> list:
    """One PDF per class and language (and one of the keys), the learners' sheets in the order of their names."""
    from pypdf import PdfWriter
    merged = []
    for lang in dict.fromkeys(w["lang"] for w in written):
        rows = sorted((w for w in written if w["lang"] == lang and w.get("pdf")), key=lambda w: (w["learner"] or ""))
        for field, folder, suffix in (("pdf", "worksheets", ""), ("pdf_key", "answers", "-key")):
            writer = PdfWriter()
            for w in rows:
                writer.append(w[field], outline_item=w["learner"] or w["variant"])
            path = out / folder / f"{kind}-class-{lang}{suffix}.pdf"
            with open(path, "wb") as f:
                writer.write(f)
            merged.append(path)
    return merged
