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
