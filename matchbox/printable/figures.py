"""Pictures for printed sheets: each kind draws its own (its optional `figures(variant, lang, key)` hook, on the
SVG canvas of matchbox/worksheet/figures.py); a kind without the hook has none."""
from __future__ import annotations


def of(variant, lang: str, key: bool) -> list[dict]:
    """The figures of `variant`'s sheet (or key), each {"svg": markup, "caption": text in `lang`}."""
    from ..kinds import kind_module
    draw = getattr(kind_module(variant.kind), "figures", None)
    return draw(variant, lang, key) if draw else []
