"""Which exercise a command means: a kind and seed, a spec file, or the exercise a learner's workbook was made
from (`solve`, `export`)."""
from __future__ import annotations

from pathlib import Path

from ..errors import MatchboxError, WorkbookError


def exercise(target: str | None, seed: int, spec: Path | None, lang: str | None = None,
             secret: str | None = None):
    """(variant, lang, filled): `filled` is the learner's workbook read back, or None for a kind or a spec.
    A workbook of a class drawn with a secret is opened only with that secret (a one-line error in the
    workbook's language otherwise)."""
    from ..kinds import KINDS, from_spec, sampled
    if target and target not in KINDS and not spec:
        from .reader import read_filled
        try:
            filled = read_filled(target)
        except WorkbookError as e:
            raise MatchboxError(f"{target}: {e}") from None
        variant, lang = filled.variant, lang or filled.lang
        if variant.seal is not None and not (secret and variant.sealed_by(secret)):
            from ..words import both
            said = both("secret.wrong" if secret else "secret.needed", file=target)
            raise MatchboxError(said["en"], ja=said["ja"], lang=lang)
        return variant, lang, filled
    variant = from_spec(spec, seed, target) if spec else sampled(target, seed)
    return variant, lang or "en", None
