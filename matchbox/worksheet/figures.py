"""Pictures for printed sheets, drawn as inline SVG by our own small code (no plotting library needed).

A kind draws its own figures (its optional `figures(variant, lang, key)` hook) on a Canvas; what several
kinds draw alike lives here: a line across a canvas (a decision boundary) and the key's error falling step by
step. A figure is a dict {"svg": the markup, "caption": the caption in the sheet's language}.
"""
from __future__ import annotations

from html import escape
from typing import Mapping

import numpy as np

from .graph import tr

ERROR_CAPTION = {"en": "How the error changes, step by step", "ja": "ステップごとの誤差の変化"}


class Canvas:
    """Data coordinates mapped onto an SVG of `w`×`h` points with a margin."""

    def __init__(self, w, h, x0, x1, y0, y1, margin=28):
        self.w, self.h, self.m = w, h, margin
        self.x0, self.x1, self.y0, self.y1 = x0, x1, y0, y1
        self.parts: list[str] = []

    def X(self, x):
        return self.m + (x - self.x0) / (self.x1 - self.x0) * (self.w - 2 * self.m)

    def Y(self, y):
        return self.h - self.m - (y - self.y0) / (self.y1 - self.y0) * (self.h - 2 * self.m)

    def line(self, xa, ya, xb, yb, width=1.0, color="#333", dash=""):
        self.parts.append(f'<line x1="{self.X(xa):.1f}" y1="{self.Y(ya):.1f}" x2="{self.X(xb):.1f}" '
                          f'y2="{self.Y(yb):.1f}" stroke="{color}" stroke-width="{width}"'
                          + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")

    def text(self, x, y, s, size=9, anchor="middle", color="#111"):
        self.parts.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
                          f'fill="{color}">{escape(str(s))}</text>')

    def raw(self, s):
        self.parts.append(s)

    def grid(self, step=1.0, labels=True, ystep=None):
        for v in np.arange(np.ceil(self.x0 / step) * step, self.x1 + 1e-9, step):
            self.line(v, self.y0, v, self.y1, 0.4, "#bbb")
            if labels:
                self.text(self.X(v), self.h - self.m + 11, f"{v:g}", 8)
        ystep = ystep or step
        for v in np.arange(np.ceil(self.y0 / ystep) * ystep, self.y1 + 1e-9, ystep):
            self.line(self.x0, v, self.x1, v, 0.4, "#bbb")
            if labels:
                self.text(self.m - 4, self.Y(v) + 3, f"{v:g}", 8, "end")

    def svg(self):
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.w}" height="{self.h}" '
                f'viewBox="0 0 {self.w} {self.h}">' + "".join(self.parts) + "</svg>")


def boundary(c: Canvas, w0, w1, w2, theta, width, color):
    """Draw the line w0 + w1·x1 + w2·x2 = θ, clipped to the canvas."""
    xs = np.linspace(c.x0, c.x1, 200)
    if abs(w2) > 1e-12:
        ys = (theta - w0 - w1 * xs) / w2
        inside = (ys >= c.y0) & (ys <= c.y1)
        if inside.sum() >= 2:
            c.line(xs[inside][0], ys[inside][0], xs[inside][-1], ys[inside][-1], width, color)
    elif abs(w1) > 1e-12:
        x = (theta - w0) / w1
        if c.x0 <= x <= c.x1:
            c.line(x, c.y0, x, c.y1, width, color)


def run_of(values: Mapping[str, float], name: str, first: int) -> list[float]:
    """The values of `name` (a pattern such as "E{}") at step first, first + 1, ... for as long as the
    worksheet has them."""
    series = []
    k = first
    while name.format(k) in values:
        series.append(values[name.format(k)])
        k += 1
    return series


def falling_error(series: list[float], lang: str) -> dict | None:
    """The key's error (or height f) per step, as a small line chart; None with fewer than two steps."""
    if len(series) < 2:
        return None
    top = max(series) * 1.1 or 1
    c = Canvas(260, 160, 0, len(series) - 1, 0, top)
    c.grid(max(1, (len(series) - 1) // 8), labels=False, ystep=top / 4)
    for i in range(len(series) - 1):
        c.line(i, series[i], i + 1, series[i + 1], 1.8, "#b00")
    for i, v in enumerate(series):
        c.raw(f'<circle cx="{c.X(i):.1f}" cy="{c.Y(v):.1f}" r="2.5" fill="#b00"/>')
    c.text(c.m, c.m - 8, f"{series[0]:.4g} → {series[-1]:.4g}", 8.5, "start")
    return {"svg": c.svg(), "caption": tr(ERROR_CAPTION, lang)}


MATCHBOX_CAPTION = {"en": "One box per input, a matchstick for each unit of its weight; the boxes of the inputs that "
                          "are 1 add up to u, which is compared with the threshold θ",
                    "ja": "入力ごとに箱が1つあり、重みの数だけマッチ棒が入っています。入力が 1 の箱の本数を足した u を"
                          "しきい値 θ と比べます"}
MATCHBOX_KEY = {"en": "The boxes after the last trial", "ja": "最後の試行のあとの箱"}


def matchboxes(names: list[str], weights: list[float], theta: float, rule: str, key: bool = False,
               caption: dict | None = None, lang: str = "en") -> dict:
    """The matchbox brain drawn: a box per input holding its weight in matchsticks (red heads; a negative
    weight in blue sticks with a minus sign), arrows into the threshold θ and the firing rule."""
    per_box = max([abs(int(round(w))) for w in weights] + [3])
    box_w = max(54, 12 + 9 * per_box)
    c = Canvas(30 + (box_w + 18) * len(weights) + 150, 118, 0, 1, 0, 1, margin=0)
    unit = (box_w + 18)
    for j, (name, w) in enumerate(zip(names, weights)):
        x = 20 + j * unit
        c.raw(f'<rect x="{x}" y="30" width="{box_w}" height="44" rx="3" fill="#f6e7c8" stroke="#7a5a2a" '
              f'stroke-width="1.2"/><rect x="{x}" y="30" width="{box_w}" height="9" fill="#c9a76a" stroke="#7a5a2a" '
              'stroke-width="0.8"/>')
        sticks, color = abs(int(round(w))), ("#b00" if w >= 0 else "#06c")
        for s in range(sticks):
            sx = x + 10 + s * 9
            c.raw(f'<line x1="{sx}" y1="46" x2="{sx}" y2="70" stroke="#d9b26f" stroke-width="3"/>'
                  f'<circle cx="{sx}" cy="46" r="2.6" fill="{color}"/>')
        c.text(x + box_w / 2, 20, name, 9)
        c.text(x + box_w / 2, 88, f"w{'₁₂₃₄₅₆₇₈₉'[j] if j < 9 else j + 1} = {w:g}", 9, color=color)
        c.raw(f'<line x1="{x + box_w / 2}" y1="94" x2="{x + box_w / 2}" y2="104" stroke="#555"/>')
    right = 20 + len(weights) * unit
    c.raw(f'<line x1="{20 + box_w / 2}" y1="104" x2="{right + 20}" y2="104" stroke="#555"/>'
          f'<polygon points="{right + 20},100 {right + 28},104 {right + 20},108" fill="#555"/>')
    c.raw(f'<circle cx="{right + 60}" cy="70" r="30" fill="white" stroke="#111" stroke-width="1.4"/>')
    c.text(right + 60, 66, "u " + rule + " θ ?", 10)
    c.text(right + 60, 82, f"θ = {theta:g}", 10, color="#06c")
    c.text(right + 60, 112, "→ y = 1 / 0", 9)
    text = (MATCHBOX_KEY if key else caption or MATCHBOX_CAPTION)
    return {"svg": c.svg(), "caption": tr(text, lang)}


LEGEND_WORDS = {"given": {"en": "given", "ja": "与えられた値"}, "key": {"en": "answer key", "ja": "模範解答"}}


def legend(items: list[tuple[str, str, dict]], lang: str, per_row: int = 2, column: int = 125) -> str:
    """A figure's legend as SVG, `per_row` entries a row: (kind, colour, label) rows, kind "line" (bold),
    "thin", "dash", "dot" (filled), "ring" (open) or "box" (a framed square, lightly filled)."""
    rows = -(-len(items) // per_row)
    c = Canvas(4 + column * min(per_row, len(items)), 16 * rows, 0, 1, 0, 1, margin=0)
    for i, (kind, color, label) in enumerate(items):
        x, y = 4 + column * (i % per_row), 8 + 16 * (i // per_row)
        if kind in ("line", "thin", "dash"):
            c.raw(f'<line x1="{x}" y1="{y}" x2="{x + 18}" y2="{y}" stroke="{color}" '
                  f'stroke-width="{0.9 if kind == "thin" else 2.2}"'
                  + (' stroke-dasharray="5,3"' if kind == "dash" else "") + "/>")
        elif kind == "box":
            c.raw(f'<rect x="{x + 3}" y="{y - 6}" width="12" height="12" fill="{color}" fill-opacity="0.15" '
                  f'stroke="{color}" stroke-width="1.5"/>')
        else:
            c.raw(f'<circle cx="{x + 9}" cy="{y}" r="4" fill="{color if kind == "dot" else "white"}" '
                  f'stroke="{color}" stroke-width="1.2"/>')
        c.text(x + 24, y + 3.5, tr(label, lang), 8.5, "start")
    return c.svg()


def edge_label(c: Canvas, a: tuple[float, float], b: tuple[float, float], text: str, t: float = 0.3,
               size: float = 7.5, color: str = "#111"):
    """`text` written on the edge a→b (data coordinates), a fraction `t` of the way from a, turned along the
    edge on a white ground: on crossing edges each label sits on its own line, never between two."""
    import math
    xa, ya, xb, yb = c.X(a[0]), c.Y(a[1]), c.X(b[0]), c.Y(b[1])
    x, y = xa + t * (xb - xa), ya + t * (yb - ya)
    angle = math.degrees(math.atan2(yb - ya, xb - xa))
    width = 0.56 * size * len(text) + 4
    c.raw(f'<g transform="translate({x:.1f},{y:.1f}) rotate({angle:.1f})">'
          f'<rect x="{-width / 2:.1f}" y="{-size * 0.7:.1f}" width="{width:.1f}" height="{size * 1.35:.1f}" '
          f'fill="white"/><text x="0" y="{size * 0.35:.1f}" font-size="{size}" text-anchor="middle" '
          f'fill="{color}">{escape(text)}</text></g>')
