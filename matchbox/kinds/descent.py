"""`descent`: gradient descent on a bowl f(x₀, x₁) = a₀(x₀ − c₀)² + a₁(x₁ − c₁)², by hand.

At each point the learner finds the gradient twice, side by side: numerically by central difference with the
stated h, (f(x + h) − f(x − h)) / 2h, and analytically, 2a(x − c); then steps x' = x − η·∂f/∂x and evaluates f
there. On a quadratic the two gradients agree exactly, up to the learner's rounding.
"""
from __future__ import annotations

import numpy as np

from ..engine import functions as F
from ..engine import surfaces as S
from ..worksheet.figures import falling_error, run_of
from ..worksheet.graph import Column, Q, Ref, Step, Table, Worksheet
from ..worksheet.replay import Replay
from ..worksheet.slips import Slip
from ..worksheet.spec import Spec
from .parts.network import precision_note, read_precision, rounded

KIND = "descent"
TITLE = {"en": "Gradient descent, by hand", "ja": "勾配降下法を手で計算する"}
# `matchbox course`: minutes in the 3-hour and the full-day workshop (0: left out), and what to say first
COURSE = {
    "minutes": {"3h": 0, "day": 20},
    "idea": {"en": "The gradient of a bowl, numerically by a central difference and analytically by the "
                   "derivative, agree. Each step moves against the gradient, downhill.",
             "ja": "お椀形の関数の勾配を、中心差分による数値微分と、微分の式による計算の両方で求めると一致します。"
                   "1歩ごとに勾配と逆向き、つまり下り坂の方向へ進みます。"},
    "talk": [{"en": "Divide by 2h, not h: the difference spans from x − h to x + h.",
              "ja": "差は x − h から x + h までの幅なので、h ではなく 2h で割ります。"},
             {"en": "A large learning rate overshoots the bottom: ask what happens with η = 1.",
              "ja": "学習率が大きすぎると谷底を飛び越えます。η = 1 ならどうなるか問いかけます。"}],
    "formula": {"en": "∂f/∂x ≈ (f(x + h) − f(x − h)) / 2h,  x' = x − η·∂f/∂x",
                "ja": "∂f/∂x ≈ (f(x + h) − f(x − h)) / 2h、 x' = x − η·∂f/∂x"},
}
ONE_H = {"en": "divided by h instead of 2h", "ja": "2h ではなく h で割る誤り"}
MOST_STEPS = 10
HEIGHT = "f_{}"  # the quantity of f at the point after a step (0: the start): HEIGHT.format(step)


def sample(dice) -> dict:
    return {"coefficients": [dice.choice([0.5, 1]), dice.choice([1, 2])],
            "center": [0, dice.choice([0, 1])],
            "start": [dice.choice([-3, -2, 2, 3]), dice.choice([-2, -1, 2, 3])],
            "learning_rate": dice.choice([0.1, 0.2]), "steps": 3, "h": 0.1}


def settle(params: dict) -> dict | None:
    return params


def read_bowl(spec: Spec, out: dict, default_a, default_start) -> int:
    """`coefficients` a, `center` c and `start`: one or two variables."""
    out["start"] = spec.numbers("start", default_start)
    n = len(out["start"])
    if n not in (1, 2):
        raise spec.fail("start", f"expected 1 or 2 numbers, got {n}")
    out["coefficients"] = spec.numbers("coefficients", default_a[:n] if n == len(default_a) else [1] * n,
                                       length=n)
    if any(a <= 0 for a in out["coefficients"]):
        raise spec.fail("coefficients", "must be positive (a bowl with a lowest point)")
    out["center"] = spec.numbers("center", [0] * n, length=n)
    return n


def normalize(spec: Spec, dice) -> dict:
    out: dict = {}
    title = spec.string("title", None)
    if title:
        out["title"] = title
    read_bowl(spec, out, [1, 1], [-3, 4])
    out["learning_rate"] = spec.number("learning_rate", 0.1, above=0)
    out["steps"] = spec.number("steps", 3, integer=True, minimum=1, maximum=MOST_STEPS)
    out["h"] = spec.number("h", 0.1, above=0, maximum=1)
    out["decimals"] = read_precision(spec)
    spec.finish("kind")
    return out


def coordinate_names(n: int) -> list[str]:
    return ["x"] if n == 1 else ["x₀", "x₁"]


def build(params: dict) -> Worksheet:
    a, c, h, lr = params["coefficients"], params["center"], params["h"], params["learning_rate"]
    n = len(a)
    xs = coordinate_names(n)
    prec = rounded(params["decimals"])
    f_text = S.formula(a, c)
    ws = Worksheet(KIND, params.get("title", TITLE), {
        "en": f"Roll down the bowl {f_text} from the start point. At each point find the gradient twice: "
              f"numerically by central difference with h = {h:g}, (f(x + h) − f(x − h)) / 2h, and analytically "
              f"from the formula; then step x' = x − η·∂f/∂x (with the analytic gradient) and evaluate f at the "
              "new point.",
        "ja": f"関数 {f_text} の谷を、出発点から下ります。各点で勾配を2通りに求めます。h = {h:g} の中心差分 "
              "(f(x + h) − f(x − h)) / 2h による数値微分と、式から求める解析的な微分です。"
              "次に、解析的な勾配を使って x' = x − η·∂f/∂x と更新し、新しい点で f を求めます。",
    }, precision_note(params["decimals"]))

    lr_name = ws.given("lr", lr, {"en": "learning rate η", "ja": "学習率 η"})
    h_name = ws.given("h", h, {"en": "step of the difference h", "ja": "差分の幅 h"})
    point = [ws.given(f"x{i}_0", v, {"en": f"start {x}", "ja": f"出発点 {x}"})
             for i, (v, x) in enumerate(zip(params["start"], xs))]
    ws.table(Table("settings", {"en": "Given", "ja": "与えられた値"},
                   [Column("", width=24), Column({"en": "value", "ja": "値"}, width=12)],
                   [[{"en": "function", "ja": "関数"}, f_text],
                    [{"en": "learning rate η", "ja": "学習率 η"}, Q(lr_name)],
                    [{"en": "h for the central difference", "ja": "中心差分の h"}, Q(h_name)]]
                   + [[{"en": f"start {x}", "ja": f"出発点 {x}"}, Q(p)] for x, p in zip(xs, point)],
                   role="settings"))
    start_f = ws.answer(HEIGHT.format(0), Step(S.value, (tuple(point), a, c)), {"en": "f at the start", "ja": "出発点での f"},
                        f_text, prec)
    ws.table(Table("start", {"en": "At the start", "ja": "出発点"},
                   [Column("", width=24), Column({"en": "value", "ja": "値"}, f_text, width=14)],
                   [[{"en": "f at the start", "ja": "出発点での f"}, Q(start_f)]]))

    grad_rows = {i: [] for i in range(n)}
    step_rows = []
    for k in range(1, params["steps"] + 1):
        where = {"en": f"step {k}", "ja": f"ステップ{k}"}
        grads = []
        for i, x in enumerate(xs):
            def label(en, ja):
                return {"en": f"{where['en']}: {en}", "ja": f"{where['ja']}: {ja}"}
            fp = ws.answer(f"fp{i}_{k}", Step(S.value_shifted, (tuple(point), a, c, i, h)),
                           label(f"f({x} + h)", f"f({x} + h)"), f"f({x} + h)", prec)
            fm = ws.answer(f"fm{i}_{k}", Step(S.value_shifted, (tuple(point), a, c, i, -h)),
                           label(f"f({x} − h)", f"f({x} − h)"), f"f({x} − h)", prec)
            num = ws.answer(f"n{i}_{k}", Step(F.central_difference, (fp, fm, h_name), slips=(
                Slip("one-h", lambda p, m, hh: (p - m) / hh, name=ONE_H),)),
                label(f"numerical ∂f/∂{x}", f"数値微分 ∂f/∂{x}"), "(f(x + h) − f(x − h)) / 2h", prec)
            ana = ws.answer(f"g{i}_{k}", Step(S.partial, (point[i], a[i], c[i])),
                            label(f"analytic ∂f/∂{x}", f"解析的な微分 ∂f/∂{x}"),
                            f"∂f/∂{x} = {S.partial_text(a[i], c[i], x)}", prec)
            grads.append(ana)
            grad_rows[i].append([k, *map(Ref, point), Q(fp), Q(fm), Q(num), Q(ana)])
        new = [ws.answer(f"x{i}_{k}", Step(F.gradient_step, (point[i], grads[i], lr_name)),
                         {"en": f"{where['en']}: new {x}", "ja": f"{where['ja']}: 新しい {x}"},
                         f"{x}' = {x} − η·∂f/∂{x}", prec) for i, x in enumerate(xs)]
        fk = ws.answer(HEIGHT.format(k), Step(S.value, (tuple(new), a, c)),
                       {"en": f"{where['en']}: f at the new point", "ja": f"{where['ja']}: 新しい点での f"}, f_text, prec)
        step_rows.append([k, *map(Ref, point), *map(Ref, grads), *map(Q, new), Q(fk)])
        point = new

    width = max(11, params["decimals"] + 6)
    for i, x in enumerate(xs):
        ws.table(Table(f"gradient{i}", {"en": f"The gradient along {x}", "ja": f"{x} 方向の勾配"},
                       [Column({"en": "step", "ja": "ステップ"}, width=8)]
                       + [Column(z, {"en": "now", "ja": "現在"}, width=width) for z in xs]
                       + [Column(f"f({x} + h)", width=width), Column(f"f({x} − h)", width=width),
                          Column({"en": "numerical", "ja": "数値微分"}, "(f(+h) − f(−h)) / 2h", width=max(width, 16)),
                          Column({"en": "analytic", "ja": "解析的"}, S.partial_text(a[i], c[i], x),
                                 width=max(width, 14))], grad_rows[i]))
    ws.table(Table("steps", {"en": "Steps downhill", "ja": "降下のステップ"},
                   [Column({"en": "step", "ja": "ステップ"}, width=8)]
                   + [Column(z, {"en": "now", "ja": "現在"}, width=width) for z in xs]
                   + [Column(f"∂f/∂{z}", {"en": "analytic", "ja": "解析的"}, width=width) for z in xs]
                   + [Column(f"{z}'", f"{z} − η·∂f/∂{z}", width=max(width, 14)) for z in xs]
                   + [Column({"en": "f(new)", "ja": "新しい f"}, f_text, width=max(width, 16))], step_rows))
    return ws


def figures(variant, lang: str, key: bool) -> list[dict]:
    """In the key, the height f falling step by step."""
    figure = falling_error(run_of(variant.worksheet.answer_key(), HEIGHT, 0), lang) if key else None
    return [figure] if figure else []


def replay(variant, steps: int, typed: dict | None) -> Replay:
    from ..engine.optimizers import SGD
    p = variant.params
    return bowl_replay(p, steps, {"gradient descent": SGD(p["learning_rate"])}, p["steps"]).draw_learner(
        typed, {"gradient descent": HEIGHT.format})


def bowl_replay(p: dict, steps: int, optimizers: dict, sheet_steps: int) -> Replay:
    """The height f along the path of each of the engine's `optimizers` (name -> optimizer), all from the
    bowl's start; descent and optimizers share it."""
    out = Replay("f(x)", sheet_steps=sheet_steps, log_scale=True)
    for name, opt in optimizers.items():
        params = {"x": np.array(p["start"], float)}
        values = [S.value(params["x"], p["coefficients"], p["center"])]
        for _ in range(steps):
            opt.update(params, {"x": S.gradient(params["x"], p["coefficients"], p["center"])})
            values.append(S.value(params["x"], p["coefficients"], p["center"]))
        out.series[name] = np.array(values)
        out.summary[f"{name}: final x"] = params["x"].tolist()
    return out
