"""The recurrent network unrolled in time, shared by the rnn, lstm and gru sheets.

One column per time step: the input xₜ at the bottom, the cell's box in the middle, the output yₜ on top (at
every step, or at the last only); the states (h, and c for the LSTM) pass to the right along arrows into the
next step, starting from h₀ (c₀) on the left. The shared weights are named once, with a caption saying that
they are the same at every step.
"""
from __future__ import annotations

from ...worksheet.figures import Canvas
from ...worksheet.graph import tr

SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")

STATE_WORDS = {"h": {"en": "the hidden state h", "ja": "隠れ状態 h"},
               "c": {"en": "the memory cell c", "ja": "記憶セル c"}}
SHARED = {"en": "shared at every step: ", "ja": "全時刻で共通: "}


def _sub(k: int) -> str:
    return str(k).translate(SUB)


def _arrow(c: Canvas, xa, ya, xb, yb, color="#333", width=1.2):
    """An arrow from (xa, ya) to (xb, yb) in SVG points, its head at the end."""
    import math
    c.raw(f'<line x1="{xa:.1f}" y1="{ya:.1f}" x2="{xb:.1f}" y2="{yb:.1f}" stroke="{color}" '
          f'stroke-width="{width}"/>')
    angle = math.atan2(yb - ya, xb - xa)
    left = (xb - 7 * math.cos(angle) + 3.5 * math.sin(angle), yb - 7 * math.sin(angle) - 3.5 * math.cos(angle))
    right = (xb - 7 * math.cos(angle) - 3.5 * math.sin(angle), yb - 7 * math.sin(angle) + 3.5 * math.cos(angle))
    c.raw(f'<polygon points="{xb:.1f},{yb:.1f} {left[0]:.1f},{left[1]:.1f} {right[0]:.1f},{right[1]:.1f}" '
          f'fill="{color}"/>')


def _caption(steps: int, lang: str, states: tuple[str, ...], outputs: str, weights: tuple[str, ...]) -> str:
    names = [tr(STATE_WORDS.get(s, {"en": f"the state {s}", "ja": f"状態 {s}"}), lang) for s in states]
    w = ", ".join(weights)
    if lang == "ja":
        out = "出力 y は最後の時刻にだけあります" if outputs == "last" else "出力 yₜ は時刻ごとにあります"
        return (f"時間方向に展開したネットワークです。時刻 t = 1, …, {steps} が1列ずつ並び、"
                f"{'と'.join(names)} は右隣の時刻へ渡されます。{out}。重み {w} はすべての時刻で共通です。")
    out = "the output y comes at the last step only" if outputs == "last" else "each step t has its output yₜ"
    return (f"The network unrolled in time: one column per time step t = 1, …, {steps}; "
            f"{' and '.join(names)} {'are' if len(names) > 1 else 'is'} passed to the right, to the next step; "
            f"{out}. The weights {w} are the same at every step.")


def unrolled(steps: int, lang: str, cell: str, states: tuple[str, ...] = ("h",), outputs: str = "every",
             weights: tuple[str, ...] = ("Wx", "Wh")) -> dict:
    """The network unrolled over `steps` time steps as {"svg", "caption"}: `cell` is the box's label,
    `states` the arrows carried to the next step, `outputs` "every" or "last", `weights` the shared names."""
    if outputs not in ("every", "last"):
        raise ValueError(f"outputs must be 'every' or 'last', got {outputs!r}")
    left, col, box_w, box_h = 58, 104, 56, 40
    width = left + col * steps + 10
    c = Canvas(width, 236, 0, 1, 0, 1, margin=0)
    top_y, box_y, in_y = 40, 104, 192  # centres: outputs, boxes, inputs
    gap = 12  # between several state arrows
    offsets = [(k - (len(states) - 1) / 2) * gap for k in range(len(states))]
    colors = {"h": "#b00", "c": "#06c"}
    for k, s in enumerate(states):  # the initial states on the left
        y = box_y + offsets[k]
        c.text(16, y + 3, f"{s}₀", 9, color=colors.get(s, "#333"))
    for t in range(1, steps + 1):
        cx = left + col * (t - 1) + col / 2
        c.raw(f'<rect x="{cx - box_w / 2:.1f}" y="{box_y - box_h / 2:.1f}" width="{box_w}" height="{box_h}" '
              f'rx="5" fill="#fff7e6" stroke="#111" stroke-width="1.3"/>')
        c.text(cx, box_y + 4, cell, 10)
        # the input below, its arrow up into the box
        c.raw(f'<circle cx="{cx:.1f}" cy="{in_y:.1f}" r="11" fill="white" stroke="#111"/>')
        c.text(cx, in_y + 3.5, f"x{_sub(t)}", 9)
        _arrow(c, cx, in_y - 11, cx, box_y + box_h / 2)
        # the output above, at every step or the last only
        if outputs == "every" or t == steps:
            c.raw(f'<circle cx="{cx:.1f}" cy="{top_y:.1f}" r="11" fill="white" stroke="#111"/>')
            c.text(cx, top_y + 3.5, f"y{_sub(t)}" if outputs == "every" else "y", 9)
            _arrow(c, cx, box_y - box_h / 2, cx, top_y + 11)
            c.text(cx + 5, (top_y + box_y - box_h / 2) / 2 + 8, f"h{_sub(t)}", 8, "start", "#b00")
        # the states passed to the right (from the left edge for t = 1)
        xa = 28 if t == 1 else cx - col + box_w / 2
        for k, s in enumerate(states):
            y = box_y + offsets[k]
            _arrow(c, xa, y, cx - box_w / 2, y, colors.get(s, "#333"))
            if t > 1:
                c.text((xa + cx - box_w / 2) / 2, y - 3, f"{s}{_sub(t - 1)}", 8, color=colors.get(s, "#333"))
        c.text(cx, 14, f"t = {t}", 8.5, color="#555")
    c.text(width / 2, 228, tr(SHARED, lang) + ", ".join(weights), 9, "middle", "#06c")
    return {"svg": c.svg(), "caption": _caption(steps, lang, states, outputs, weights)}
