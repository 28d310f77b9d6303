"""Pictures for printed sheets, drawn as inline SVG by our own small code (no plotting library needed).

Where a person would rather look than read: the counting line and its threshold, a perceptron's points on a grid
to draw each epoch's decision line on (the key draws them), a network with its weights, the kernel laid on the
image, and in keys the error falling step by step.
"""
from __future__ import annotations

from html import escape

import numpy as np

CAPTIONS = {
    "grid": {"en": "Draw the decision line after each epoch", "ja": "エポックごとに決定境界を描き入れよう"},
    "grid-key": {"en": "Decision line after each epoch (bold: the last)", "ja": "エポックごとの決定境界(太線が最後)"},
    "counting": {"en": "u = w·x and the threshold θ: where they cross is the boundary",
                 "ja": "u = w·x としきい値 θ: 交わるところが境目"},
    "network": {"en": "The network and its starting weights", "ja": "ネットワークと重みの初期値"},
    "conv": {"en": "The kernel on the image at the first output cell", "ja": "最初の出力マスでのカーネルの位置"},
    "loss": {"en": "How the error changes, step by step", "ja": "ステップごとの誤差の変化"},
}


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


def _clip_line(c: Canvas, w0, w1, w2, theta, width, color):
    """Draw w0 + w1·x1 + w2·x2 = θ inside the canvas."""
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


def perceptron(variant, lang, key):
    from ..exercises.perceptron import items
    p = items(variant.params)
    pts = np.array([x[-2:] for x in p.inputs], float)
    lo = min(-0.5, float(pts.min()) - 0.5)
    hi = max(1.5, float(pts.max()) + 0.5)
    c = Canvas(250, 250, lo, hi, lo, hi)
    c.grid(0.5 if hi - lo <= 4 else 1)
    c.line(lo, 0, hi, 0, 0.8)
    c.line(0, lo, 0, hi, 0.8)
    for (x1, x2), t, name in zip(pts, p.teacher, p.names):
        cx, cy = c.X(x1), c.Y(x2)
        fill = "#111" if t == 1 else "white"
        c.raw(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="5" fill="{fill}" stroke="#111" stroke-width="1.2"/>')
        c.text(cx + 7, cy - 6, name, 7, "start", "#444")
    c.text(c.w - c.m, c.h - 4, "x₁", 9, "end")
    c.text(c.m + 2, c.m - 8, "x₂", 9, "start")
    if key and p.epoch_length:
        values = variant.worksheet.answer_key()
        n = len(p.symbols)
        epochs = len(p.order) // p.epoch_length
        for e in range(1, epochs + 1):
            k = e * p.epoch_length
            w = [values[f"w{k}_{j}"] for j in range(n)]
            theta = values[f"theta{k}"] if p.learn_threshold else p.threshold
            w0, w1, w2 = (w if len(w) == 3 else [0.0, *w])
            _clip_line(c, w0, w1, w2, theta, 2.2 if e == epochs else 0.9, "#b00" if e == epochs else "#c77")
    return {"svg": c.svg(), "caption": CAPTIONS["grid-key" if key else "grid"][lang]}


def counting(variant, lang, key):
    params = variant.params
    xs = [s["count"] for s in params["samples"]]
    values = variant.worksheet.answer_key()
    w_first = params["initial_weight"]
    w_last = values[f"w{len(params['trials'])}_0"] if params["trials"] else w_first
    x_max = max(xs) + 1
    y_max = max(params["threshold"] * 1.6, max(abs(w_first), abs(w_last)) * x_max, 1)
    c = Canvas(300, 200, 0, x_max, 0, y_max)
    ystep = next(s for s in (1, 2, 5, 10, 20, 50, 100, 1e9) if y_max / s <= 8)
    c.grid(1 if x_max <= 12 else 2, labels=False, ystep=ystep)
    for v in np.arange(0, y_max + 1e-9, ystep):
        c.text(c.m - 4, c.Y(v) + 3, f"{v:g}", 8, "end")
    for v in range(0, int(x_max) + 1):
        c.text(c.X(v), c.h - c.m + 11, v, 8)
    c.line(0, params["threshold"], x_max, params["threshold"], 1.5, "#06c", "5,3")
    c.text(c.X(x_max) - 2, c.Y(params["threshold"]) - 4, f"θ = {params['threshold']:g}", 8, "end", "#06c")
    c.line(0, 0, x_max, w_first * x_max, 1.2, "#555")
    c.text(c.X(x_max * 0.15), c.Y(w_first * x_max * 0.15) - 6, f"w = {w_first:g}", 8, "start", "#555")
    if key:
        c.line(0, 0, x_max, w_last * x_max, 2.2, "#b00")
        c.text(c.X(x_max * 0.6), c.Y(min(w_last * x_max * 0.6, y_max * 0.95)) - 6, f"w = {w_last:g}", 8, "start",
               "#b00")
    for s in params["samples"]:
        c.raw(f'<circle cx="{c.X(s["count"]):.1f}" cy="{c.Y(0):.1f}" r="4" '
              f'fill="{"#111" if s["teacher"] == 1 else "white"}" stroke="#111"/>')
    return {"svg": c.svg(), "caption": CAPTIONS["counting"][lang]}


def network(variant, lang, key):
    p = variant.params
    n, h, k = p["shape"]
    c = Canvas(330, 60 + 55 * max(n, h, k), 0, 2, 0, max(n, h, k), margin=30)
    W, V = np.array(p["hidden_weights"]), np.array(p["output_weights"])

    def pos(layer, i, count):
        return layer, max(n, h, k) * (1 - (i + 0.5) / count)

    for i in range(n):
        for j in range(h):
            (xa, ya), (xb, yb) = pos(0, i, n), pos(1, j, h)
            c.line(xa, ya, xb, yb, 0.8, "#777")
            c.text(c.X(xa + 0.3 * (xb - xa)), c.Y(ya + 0.3 * (yb - ya)) - 2, f"{W[i, j]:g}", 7.5)
    for j in range(h):
        for m in range(k):
            (xa, ya), (xb, yb) = pos(1, j, h), pos(2, m, k)
            c.line(xa, ya, xb, yb, 0.8, "#777")
            c.text(c.X(xa + 0.3 * (xb - xa)), c.Y(ya + 0.3 * (yb - ya)) - 2, f"{V[j, m]:g}", 7.5)
    for layer, count, label in ((0, n, "x"), (1, h, "h"), (2, k, "o")):
        for i in range(count):
            x, y = pos(layer, i, count)
            c.raw(f'<circle cx="{c.X(x):.1f}" cy="{c.Y(y):.1f}" r="11" fill="white" stroke="#111"/>')
            sub = "₀₁₂₃₄₅₆₇₈₉"[i + 1] if i < 9 else str(i + 1)
            c.text(c.X(x), c.Y(y) + 3, f"{label}{sub}", 8.5)
    return {"svg": c.svg(), "caption": CAPTIONS["network"][lang]}


def conv(variant, lang, key):
    p = variant.params
    image = np.array(p["image"])[0]
    kernel = np.array(p["kernels"])[0, 0]
    pad = p["pad"]
    h, w = image.shape
    H, Wd = h + 2 * pad, w + 2 * pad
    cell = 20
    c = Canvas(cell * Wd + 20, cell * H + 20, 0, 1, 0, 1, margin=0)
    for i in range(H):
        for j in range(Wd):
            inside = pad <= i < pad + h and pad <= j < pad + w
            v = image[i - pad, j - pad] if inside else 0
            c.raw(f'<rect x="{10 + j * cell}" y="{10 + i * cell}" width="{cell}" height="{cell}" '
                  f'fill="{"white" if inside else "#eee"}" stroke="#999" stroke-width="0.6"/>')
            c.text(10 + j * cell + cell / 2, 10 + i * cell + cell / 2 + 3, f"{v:g}", 8.5)
    fh, fw = kernel.shape
    c.raw(f'<rect x="10" y="10" width="{fw * cell}" height="{fh * cell}" fill="#c00" fill-opacity="0.12" '
          f'stroke="#c00" stroke-width="2"/>')
    for i in range(fh):
        for j in range(fw):
            c.text(10 + j * cell + cell - 2, 10 + i * cell + 8, f"×{kernel[i, j]:g}", 6.5, "end", "#c00")
    return {"svg": c.svg(), "caption": CAPTIONS["conv"][lang]}


def loss(variant, lang, key):
    """The key's error (or height f) per step, as a small line chart."""
    values = variant.worksheet.answer_key()
    names = {"neuron": "E{}", "backprop": "E{}", "descent": "f_{}"}[variant.kind]
    series = []
    k = 0 if variant.kind == "descent" else 1
    while names.format(k) in values:
        series.append(values[names.format(k)])
        k += 1
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
    return {"svg": c.svg(), "caption": CAPTIONS["loss"][lang]}


FIGURES = {"perceptron": [perceptron], "counting": [counting], "backprop": [network, loss],
           "neuron": [loss], "descent": [loss], "conv": [conv]}
KEY_ONLY = {loss}


def of(variant, lang: str, key: bool) -> list[dict]:
    out = []
    for draw in FIGURES.get(variant.kind, []):
        if draw in KEY_ONLY and not key:
            continue
        figure = draw(variant, lang, key)
        if figure:
            out.append(figure)
    return out
