"""PDFs for a whole class, drawn side by side: WeasyPrint's layout is nearly all the time a sheet takes
(one document for the whole class, or one stylesheet, saves nothing measurable; one FontConfiguration kept
for every sheet a process draws saves a tenth), so `generate --roster` spreads the sheets over the machine's
cores (benchmarks/generate_class.py).

The HTML is made here, in the parent (it is quick); each worker process turns one HTML into one PDF, the same
PDF the sheet would get drawn alone. Workers are spawned, never forked (Pango and GLib are not fork-safe).
"""
from __future__ import annotations

import os
from pathlib import Path


def cores() -> int:
    """The cores this process may use (a container's or taskset's limit, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


_FONTS = []  # this process's FontConfiguration, made on first use


def fonts():
    if not _FONTS:
        from weasyprint.text.fonts import FontConfiguration
        _FONTS.append(FontConfiguration())
    return _FONTS[0]


def _draw(html: str, path: str) -> str:
    from . import pdf_from_html
    return str(pdf_from_html(html, Path(path), fonts()))


class PdfPool:
    """`pool = PdfPool(jobs).start()`, then `pool.write(variant, lang, path, key, learner)` for each sheet and
    `pool.finish()`: every PDF is written when finish returns (a worker's error is raised there). With one job
    each PDF is drawn at once, in this process."""

    def __init__(self, jobs: int):
        self.jobs, self.executor, self.futures = max(1, jobs), None, []

    def start(self) -> "PdfPool":
        from . import weasyprint_module
        weasyprint_module()  # the missing-Pango message comes before any work, from this process
        if self.jobs > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor
            self.executor = ProcessPoolExecutor(self.jobs, mp_context=multiprocessing.get_context("spawn"))
        return self

    def write(self, variant, lang: str, path: Path, key: bool = False, learner: str | None = None,
              url: str | None = None) -> Path:
        from . import pdf_from_html, render_html
        html = render_html(variant, lang, key, learner, url)
        if self.executor is None:
            return pdf_from_html(html, path, fonts())
        self.futures.append(self.executor.submit(_draw, html, str(path)))
        return path

    def finish(self) -> None:
        if self.executor is not None:
            try:
                for f in self.futures:
                    f.result()
            finally:
                self.executor.shutdown(wait=True, cancel_futures=True)
                self.executor, self.futures = None, []
