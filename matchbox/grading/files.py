"""Output files of `check` (graded copies, gradebooks, Gradescope results): never over a workbook being
checked, over another existing file only when asked (--force), and never left half-written."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..errors import MatchboxError


def refuse_overwrite(out: Path, inputs: list[Path], force: bool) -> None:
    if not out.exists():
        return
    if out.is_dir():
        raise MatchboxError(f"{out}: is a folder, not a file name")
    for i in inputs:
        try:
            if i.exists() and os.path.samefile(out, i):
                raise MatchboxError(f"{out}: is a workbook being checked; write the output to a new file")
        except OSError:
            continue
    if not force:
        raise MatchboxError(f"{out}: already exists; use --force to replace it")


def write_atomic(out: Path, data: bytes) -> Path:
    """Write beside the target and rename into place, so an interrupted run leaves no half a file."""
    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".matchbox-", suffix=out.suffix, dir=out.parent)
    except OSError as e:
        raise MatchboxError(f"cannot write {out}: {e.strerror or e}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, out)
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise MatchboxError(f"cannot write {out}: {e.strerror or e}") from None
        raise
    return out


def copy_targets(args: list[Path], files: list[Path], out: Path, several: bool) -> dict[Path, Path]:
    """Where each workbook's graded copy goes. One workbook: OUT itself when it ends in .xlsx, else
    OUT/<name>-graded.xlsx. Several: OUT is a folder; a workbook found in a folder argument keeps its
    subfolder under OUT (a platform's export has a folder per learner), and names that would collide get
    -2, -3..."""
    if not several:
        if out.suffix.lower() == ".xlsx":
            return {files[0]: out} if files else {}
        return {f: out / f"{f.stem}-graded.xlsx" for f in files}
    if out.suffix.lower() == ".xlsx":
        raise MatchboxError(f"--annotate {out}: for several workbooks give a folder for the graded copies")
    folders = [a for a in args if a.is_dir()]
    if any(out.resolve() == a.resolve() for a in folders):
        raise MatchboxError(f"--annotate {out}: is a folder being checked; choose another folder for the "
                            "graded copies")
    targets: dict[Path, Path] = {}
    taken: set[Path] = set()
    for f in files:
        home = next((a for a in folders if a in f.parents), None)
        rel = f.relative_to(home).parent if home else Path()
        target = out / rel / f"{f.stem}-graded.xlsx"
        n = 2
        while target in taken:
            target, n = out / rel / f"{f.stem}-graded-{n}.xlsx", n + 1
        taken.add(target)
        targets[f] = target
    return targets
