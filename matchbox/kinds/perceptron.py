"""`perceptron`: two inputs and a learned bias (x₀ = 1), a logic gate or a labelled point set.

After the epochs the sheet asks for the decision line w₀ + w₁x₁ + w₂x₂ = 0. With XOR as the target the
errors never reach zero: one perceptron separates only what a straight line can.
"""
from __future__ import annotations

import numpy as np

from ..engine import functions as F
from ..engine.perceptron import count_errors
from ..worksheet.figures import Canvas, boundary, legend
from ..worksheet.graph import Column, Precision, Q, Step, Table, Worksheet, tr
from ..worksheet.replay import Replay
from ..worksheet.spec import Spec, outputs, rule_is_strict, teacher
from .parts.trials import (Items, add_settings, add_test, add_trials, epoch_length, read_schedule, replay_trials,
                           settle_run, threshold, weight)

KIND = "perceptron"
TITLE = {"en": "Perceptron: learning a logic gate", "ja": "パーセプトロン: 論理ゲートを学習する"}
# `matchbox course`: minutes in the 3-hour and the full-day workshop (0: left out), and what to say first
COURSE = {
    "minutes": {"3h": 20, "day": 40},
    "idea": {"en": "A perceptron with a bias learns a logic gate by the same rule, epoch after epoch. "
                   "Its weights draw a straight line, so it separates only what a line can separate.",
             "ja": "バイアスをもつパーセプトロンは、同じ規則をエポックごとに繰り返して論理ゲートを学習します。"
                   "重みは1本の直線を表すので、直線で分けられるものしか分けられません。"},
    "talk": [{"en": "x₀ = 1 turns the threshold into a weight: the bias learns like any other weight.",
              "ja": "x₀ = 1 とおくと、しきい値も重みの一つ(バイアス)として学習できます。"},
             {"en": "Count the errors of each epoch: learning has finished when an epoch has none.",
              "ja": "エポックごとに誤りの数を数えます。誤りのないエポックがあれば学習は終わりです。"},
             {"en": "End with XOR: no line separates it, which is why we need layers.",
              "ja": "最後に XOR を紹介します。直線では分けられないため、層を重ねる必要があります。"}],
    "formula": {"en": "u = w₀ + w₁x₁ + w₂x₂,  y = 1 if u ≥ 0,  wᵢ' = wᵢ + η·(t − y)·xᵢ,  x₂ = −(w₁/w₂)·x₁ − w₀/w₂",
                "ja": "u = w₀ + w₁x₁ + w₂x₂、 u ≥ 0 なら y = 1、 wᵢ' = wᵢ + η·(t − y)·xᵢ、 "
                      "x₂ = −(w₁/w₂)·x₁ − w₀/w₂"},
}
GATES = {"AND": lambda a, b: a & b, "OR": lambda a, b: a | b, "NAND": lambda a, b: 1 - (a & b),
         "XOR": lambda a, b: a ^ b}
LINE = Precision(2, exact=False)
GRID = {"en": "Draw the decision line after each epoch", "ja": "エポックごとに決定境界を描き入れてください"}
GRID_KEY = {"en": "The decision line after each epoch", "ja": "エポックごとの決定境界"}  # the legend tells bold from thin
POINT_ONE = {"en": "teacher t = 1", "ja": "教師信号 t = 1"}
POINT_ZERO = {"en": "teacher t = 0", "ja": "教師信号 t = 0"}
LINE_EPOCH = {"en": "after an epoch", "ja": "各エポックの後"}
LINE_LAST = {"en": "after the last epoch", "ja": "最後のエポックの後"}


def sample(dice) -> dict:
    lr = dice.choice([0.1, 0.5, 1])
    scale = {0.1: 0.1, 0.5: 0.5, 1: 1}[lr]  # initial weights on the same grid as the steps
    return {
        "target": dice.choice(["AND", "OR", "NAND"]),
        "learning_rate": lr,
        "initial_weights": [round(dice.randint(-4, 4) * scale, 1) for _ in range(3)],
        "rule": dice.choice([">=", ">"]),
        "epochs": 8,
        "shuffle": dice.choice([False, True]),
    }


def settle(params: dict) -> dict | None:
    p = items(params)
    out = settle_run(params, p, min_epochs=3, max_trials=20, ties=False)
    if out is None or p.run.w[-1][-1] == 0:  # the decision line must be x₂ = a·x₁ + b
        return None
    return out


def normalize(spec: Spec, dice) -> dict:
    out: dict = {}
    title = spec.string("title", None)
    if title:
        out["title"] = title
    out["outputs"] = outputs(spec)
    if spec.has("points"):
        pts = []
        for pt in spec.tables("points"):
            pts.append({"name": pt.string("name", f"P{len(pts) + 1}"), "x": pt.numbers("x", length=2),
                        "teacher": teacher(pt, out["outputs"][0])})
            pt.finish()
        if spec.has("target"):
            raise spec.fail("target", "give either a target gate or points, not both")
        out["points"] = pts
    else:
        out["target"] = spec.string("target", "AND", choices=tuple(GATES))
    names = [pt["name"] for pt in points(out)]
    if len(set(names)) != len(names):
        raise spec.fail("points", "two points share a name")
    out["learning_rate"] = spec.number("learning_rate", 0.1, above=0)
    out["bias"] = spec.boolean("bias", True)
    out["threshold"] = spec.number("threshold", 0)
    out["learn_threshold"] = spec.boolean("learn_threshold", False)
    n = 3 if out["bias"] else 2
    out["initial_weights"] = spec.numbers("initial_weights", [0] * n, length=n)
    out["rule"] = ">" if rule_is_strict(spec) else ">="
    out.update(read_schedule(spec, names, dice))
    spec.finish("kind")
    return out


def points(params: dict) -> list[dict]:
    """The labelled points: the spec's own, or the four corners of the target gate's truth table."""
    target = params.get("target")
    if target is None:
        return params["points"]
    low = params["outputs"][0]
    return [{"name": f"({a}, {b})", "x": [a, b], "teacher": 1 if GATES[target](a, b) else low}
            for a in (0, 1) for b in (0, 1)]


def items(params: dict) -> Items:
    pts = points(params)
    names = [pt["name"] for pt in pts]
    bias = params["bias"]
    bias_input = [{"en": "bias input, always 1", "ja": "バイアス入力: 常に 1"}] if bias else []
    return Items(features=bias_input + ["x₁", "x₂"],
                 names=names, inputs=[([1] if bias else []) + pt["x"] for pt in pts],
                 teacher=[pt["teacher"] for pt in pts], order=[names.index(n) for n in params["trials"]],
                 weights=params["initial_weights"], threshold=params["threshold"],
                 learn_threshold=params["learn_threshold"],
                 strict=params["rule"] == ">", lr=params["learning_rate"], epoch_length=epoch_length(params),
                 symbols=(["₀"] if bias else []) + ["₁", "₂"], low=params["outputs"][0])


def build(params: dict) -> Worksheet:
    target = params.get("target")
    title = params.get("title") or (
        {"en": f"Perceptron: learning {target}", "ja": f"パーセプトロン: {target} を学習する"} if target else TITLE)
    if params["bias"]:
        intro = {"en": "A perceptron with a bias: x₀ is always 1 and its weight w₀ is learned like the others. "
                       "For each trial compute u = w₀x₀ + w₁x₁ + w₂x₂, ",
                 "ja": "バイアス付きのパーセプトロンです。x₀ は常に 1 で、その重み w₀ も"
                       "ほかの重みと同じように学習します。"
                       "試行ごとに総和 u = w₀x₀ + w₁x₁ + w₂x₂、"}
        line = "w₀ + w₁x₁ + w₂x₂ = θ"
    else:
        intro = {"en": "A perceptron with two inputs and a fixed threshold θ. For each trial compute u = w₁x₁ + w₂x₂, ",
                 "ja": "入力が2つで、しきい値 θ が固定のパーセプトロンです。試行ごとに総和 u = w₁x₁ + w₂x₂、"}
        line = "w₁x₁ + w₂x₂ = θ"
    ws = Worksheet(KIND, title, {
        "en": intro["en"] + ("the output y, the difference d = t − y and the new weights wᵢ' = wᵢ + η·d·xᵢ. Count "
                             f"the errors in each epoch, test every point with the final weights, then find the "
                             f"decision line {line}."),
        "ja": intro["ja"] + ("出力 y、誤差 d = t − y、新しい重み wᵢ' = wᵢ + η·d·xᵢ を求めます。エポックごとの誤りの数を"
                             f"数え、学習後の重みで全点をテストし、決定境界 {line} を求めます。"),
    }, {"en": "All numbers are exact except the decision line: round its slope and intercept to 2 decimal places.",
        "ja": "決定境界の傾きと切片だけは小数第3位を四捨五入して小数第2位まで求めます。それ以外の計算はすべて割り切れます。"})
    p = items(params)
    add_settings(ws, p)
    weights, theta = add_trials(ws, p)

    if p.epoch_length:
        rows = []
        for e in range(len(p.order) // p.epoch_length):
            ds = tuple(f"d{k + 1}" for k in range(e * p.epoch_length, (e + 1) * p.epoch_length))
            rows.append([e + 1, Q(ws.answer(f"errors{e + 1}", Step(count_errors, (ds,)),
                                            {"en": f"epoch {e + 1}: errors", "ja": f"エポック{e + 1}: 誤りの数"},
                                            {"en": "number of trials with d ≠ 0", "ja": "d ≠ 0 の試行の数"}))])
        ws.table(Table("epochs", {"en": "Errors per epoch", "ja": "エポックごとの誤りの数"},
                       [Column({"en": "epoch", "ja": "エポック"}, width=8),
                        Column({"en": "errors", "ja": "誤りの数"}, {"en": "trials with d ≠ 0", "ja": "d ≠ 0 の数"},
                               width=12)], rows))

    add_test(ws, p, weights, theta)
    bias_weight, w1, w2 = ([weights[0]] if params["bias"] else [0.0]) + weights[-2:]
    w0_text = "w₀" if params["bias"] else "0"
    if ws.key()[w2] != 0:
        slope = ws.answer("slope", Step(F.line_slope, (w1, w2)),
                          {"en": "decision line: slope a", "ja": "決定境界: 傾き a"}, "a = −w₁ / w₂", LINE)
        icept = ws.answer("intercept", Step(F.line_intercept, (bias_weight, w2, theta)),
                          {"en": "decision line: intercept b", "ja": "決定境界: 切片 b"},
                          f"b = (θ − {w0_text}) / w₂" if params["bias"] else "b = θ / w₂", LINE)
        rows = [[{"en": "slope a", "ja": "傾き a"}, Q(slope)], [{"en": "intercept b", "ja": "切片 b"}, Q(icept)]]
        note = {"en": "Write the line as x₂ = a·x₁ + b.", "ja": "直線を x₂ = a·x₁ + b の形で表します。"}
    elif ws.key()[w1] != 0:  # a vertical line x₁ = c
        c = ws.answer("vertical", Step(F.line_intercept, (bias_weight, w1, theta)),
                      {"en": "decision line: x₁ = c", "ja": "決定境界: x₁ = c"},
                      f"c = (θ − {w0_text}) / w₁" if params["bias"] else "c = θ / w₁", LINE)
        rows = [[{"en": "x₁ = c, with c", "ja": "x₁ = c の c"}, Q(c)]]
        note = {"en": "w₂ is 0: the line is vertical, x₁ = c.", "ja": "w₂ = 0 なので、境界は縦の直線 x₁ = c になります。"}
    else:
        return ws
    ws.table(Table("line", {"en": "Decision line (final weights)", "ja": "決定境界(学習後の重み)"},
                   [Column({"en": "", "ja": ""}, width=30), Column({"en": "value", "ja": "値"}, width=12)],
                   rows, note=note))
    return ws


def figures(variant, lang: str, key: bool) -> list[dict]:
    """The points on a grid to draw each epoch's decision line on; the key draws them."""
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
            w = [values[weight(k, j)] for j in range(n)]
            theta = values[threshold(k)] if p.learn_threshold else p.threshold
            w0, w1, w2 = (w if len(w) == 3 else [0.0, *w])
            last = e == epochs
            boundary(c, w0, w1, w2, theta, 2.2 if last else 0.9, "#b00" if last else "#c77")
    marks = [("dot", "#111", POINT_ONE), ("ring", "#111", POINT_ZERO)]
    if key and p.epoch_length:
        marks += [("thin", "#c77", LINE_EPOCH), ("line", "#b00", LINE_LAST)]
    return [{"svg": c.svg() + "<br>" + legend(marks, lang), "caption": tr(GRID_KEY if key else GRID, lang)}]


def replay(variant, steps: int, typed: dict | None) -> Replay:
    """The weights (and a learned threshold), and the decision line after the last step."""
    p = items(variant.params)
    out = replay_trials(p, steps, typed)
    out.line = (np.asarray(p.inputs, float), np.asarray(p.teacher, float),
                np.asarray(out.summary["final_weights"], float), out.summary["final_threshold"],
                bool(variant.params["bias"]))
    return out
