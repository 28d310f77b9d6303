"""`counting`: one input, one weight, a fixed threshold.

Bags hold x items; the brain says 1 ("heavy") when w·x reaches the threshold. Learning only tilts the line
u = w·x through the origin, moving where it crosses the threshold: the boundary x = θ / w.
"""
from __future__ import annotations

import numpy as np

from ..engine import functions as F
from ..worksheet.figures import Canvas
from ..worksheet.graph import Precision, Q, Column, Step, Table, Worksheet, tr
from ..worksheet.replay import Replay
from ..worksheet.spec import Spec, rule_is_strict
from .parts.trials import (Items, add_settings, fires_when, add_test, add_trials, epoch_length, read_schedule, replay_trials,
                           settle_run, weight)

KIND = "counting"
TITLE = {"en": "Counting: one weight, one threshold", "ja": "数えるニューロン: 重み1本としきい値"}
# `matchbox course`: minutes in the 3-hour and the full-day workshop (0: left out), and what to say first
COURSE = {
    "minutes": {"3h": 15, "day": 25},
    "idea": {"en": "A neuron multiplies what it counts by a weight and fires when the sum reaches the threshold. "
                   "A wrong answer moves the weight, and the boundary x = θ / w moves with it.",
             "ja": "ニューロンは数えた量に重みを掛け、総和がしきい値に達すると発火します。"
                   "間違えると重みが動き、境界 x = θ / w もそれにつれて動きます。"},
    "talk": [{"en": "Everyone has computed this before: price × number, compared with a budget.",
              "ja": "値段 × 個数を予算と比べる計算は、誰でもしたことがあります。"},
             {"en": "The teacher signal t says what the answer should have been; d = t − y is 0 when it was right.",
              "ja": "教師信号 t は正しい答えです。正しく答えられたときは d = t − y が 0 になり、重みは動きません。"},
             {"en": "Ask before the test table: which counts fire now, and why does the line go through 0?",
              "ja": "テストの表の前に「今はいくつから発火しますか。境界はなぜ原点を通るのでしょう」と問いかけます。"}],
    "formula": {"en": "u = w·x,  y = 1 if u ≥ θ,  d = t − y,  w' = w + η·d·x",
                "ja": "u = w·x、 u ≥ θ なら y = 1、 d = t − y、 w' = w + η·d·x"},
}
ITEM = {"en": "apples", "ja": "りんご"}
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
CAPTION = {"en": "u = w·x and the threshold θ: where they cross is the boundary",
           "ja": "u = w·x としきい値 θ(交わる点が境界です)"}


def sample(dice) -> dict:
    """A candidate variant: integer counts, an integer threshold, steps of 1 or 0.5."""
    boundary = dice.randint(3, 5)  # the teacher calls a bag heavy from this many items on
    low = dice.sample(range(1, boundary), 2)
    high = dice.sample(range(boundary, 9), 2)
    counts = dice.shuffled(low + high)
    return {
        "threshold": dice.choice([6, 8, 10, 12]),
        "rule": dice.choice([">=", ">"]),
        "learning_rate": dice.choice([1, 0.5]),
        "initial_weight": dice.choice([0, 0.5, 1, 1.5, 2, 3, 4, 5]),
        "samples": [{"name": LETTERS[i], "count": c, "teacher": int(c >= boundary)} for i, c in enumerate(counts)],
        "epochs": 6,
        "shuffle": True,
    }


def settle(params: dict) -> dict | None:
    return settle_run(params, items(params), min_epochs=2, max_trials=16, ties=True)


def normalize(spec: Spec, dice) -> dict:
    out: dict = {}
    title = spec.string("title", None)
    if title:
        out["title"] = title
    item = spec.string("item", None)
    if item:
        out["item"] = item
    out["threshold"] = spec.number("threshold", 10)
    out["rule"] = ">" if rule_is_strict(spec) else ">="
    out["learning_rate"] = spec.number("learning_rate", 1, above=0)
    out["initial_weight"] = spec.number("initial_weight", 0)
    samples = []
    for s in spec.tables("samples"):
        count = s.number("count", minimum=0)
        samples.append({"name": s.string("name", LETTERS[len(samples) % 26]),
                        "count": count, "teacher": s.number("teacher", integer=True, minimum=0, maximum=1)})
        s.finish()
    names = [s["name"] for s in samples]
    if len(set(names)) != len(names):
        raise spec.fail("samples", "two samples share a name")
    out["samples"] = samples
    out.update(read_schedule(spec, names, dice))
    spec.finish("kind")
    return out


def items(params: dict) -> Items:
    samples = params["samples"]
    names = [s["name"] for s in samples]
    return Items(features=[params.get("item", ITEM)], names=names,
                 inputs=[[s["count"]] for s in samples], teacher=[s["teacher"] for s in samples],
                 order=[names.index(n) for n in params["trials"]], weights=[params["initial_weight"]],
                 threshold=params["threshold"], learn_threshold=False, strict=params["rule"] == ">",
                 lr=params["learning_rate"], epoch_length=epoch_length(params))


def build(params: dict) -> Worksheet:
    item = params.get("item", ITEM)
    item_en, item_ja = (item, item) if isinstance(item, str) else (item["en"], item["ja"])
    fires = fires_when(params["rule"] == ">")
    ws = Worksheet(KIND, params.get("title", TITLE), {
        "en": (f"Each bag holds x {item_en}. The neuron answers y = 1 (\"heavy\") when u = w·x {fires['en']} the "
               "threshold θ. Work through the trials in order: compute u, y and the difference d = t − y, "
               "then the new weight w' = w + η·d·x, which the next trial uses. Then test every bag with the "
               "final weight, and find where the line u = w·x crosses θ."),
        "ja": (f"袋には{item_ja}が x 個入っています。u = w·x がしきい値 θ {fires['ja']} y = 1(重い)と答えます。"
               "試行を順に進め、総和 u、出力 y、誤差 d = t − y、新しい重み w' = w + η·d·x を求めます"
               "(次の試行はこの重みを使います)。最後に学習後の重みで全部の袋をテストし、直線 u = w·x が θ と"
               "交わる x を求めます。"),
    }, {"en": "All numbers on this sheet are exact (integers or short decimals), except the boundary: "
              "round it to 2 decimal places.",
        "ja": "境界の x だけは小数第3位を四捨五入して小数第2位まで求めます。それ以外の計算はすべて割り切れます。"})
    p = items(params)
    add_settings(ws, p)
    weights, theta = add_trials(ws, p)
    add_test(ws, p, weights, theta)
    boundary = ws.answer("boundary", Step(F.crossing, ("theta0", weights[0])),
                         {"en": "boundary x = θ / w", "ja": "境界 x = θ / w"}, "x = θ / w",
                         precision=Precision(2, exact=False))
    ws.table(Table("boundary", {"en": "Where the line u = w·x crosses θ", "ja": "直線 u = w·x が θ と交わる点"},
                   [Column({"en": "", "ja": ""}, width=30), Column("x", "θ / w", width=12)],
                   [[{"en": "boundary x (final w)", "ja": "境界の x (学習後の w)"}, Q(boundary)]]))
    return ws


def figures(variant, lang: str, key: bool) -> list[dict]:
    """The line u = w·x from the first weight (and in the key the last) against the threshold."""
    params = variant.params
    xs = [s["count"] for s in params["samples"]]
    values = variant.worksheet.answer_key()
    w_first = params["initial_weight"]
    w_last = values[weight(len(params["trials"]), 0)] if params["trials"] else w_first
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
    return [{"svg": c.svg(), "caption": tr(CAPTION, lang)}]


def replay(variant, steps: int, typed: dict | None) -> Replay:
    return replay_trials(items(variant.params), steps, typed)
