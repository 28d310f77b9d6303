"""`optimizers`: SGD, Momentum, AdaGrad (RMSprop) and Adam race down the same bowl from the same start.

Each optimizer has its own table: per step the gradient at its own point, its state (Momentum's velocity v,
AdaGrad's sum of squares h, Adam's moments m and v and their bias-corrected m̂ and v̂) and the new point. The
update rules are the engine's (matchbox/engine/functions.py), which its optimizer classes use too.
"""
from __future__ import annotations

from ..engine import functions as F
from ..engine import surfaces as S
from ..worksheet.graph import Column, Q, Ref, Step, Table, Worksheet
from ..worksheet.replay import Replay
from ..worksheet.slips import Slip
from ..worksheet.spec import Spec
from .descent import bowl_replay, coordinate_names, read_bowl
from .parts.network import precision_note, read_precision, rounded

KIND = "optimizers"
TITLE = {"en": "Optimizers side by side: SGD, Momentum, AdaGrad, Adam",
         "ja": "最適化手法の比較: SGD・モメンタム・AdaGrad・Adam"}
# `matchbox course`: minutes in the 3-hour and the full-day workshop (0: left out), and what to say first
COURSE = {
    "minutes": {"3h": 0, "day": 25},
    "idea": {"en": "SGD, Momentum, AdaGrad and Adam take a few steps from the same start on the same bowl. "
                   "Momentum remembers its velocity, AdaGrad and Adam scale each step by the gradients seen.",
             "ja": "SGD・モメンタム・AdaGrad・Adam で、同じ関数の同じ出発点から数歩ずつ進みます。"
                   "モメンタムは速度を覚えておき、AdaGrad と Adam はこれまでの勾配の大きさで歩幅を調整します。"},
    "talk": [{"en": "Adam's t is the step number: 1 − βᵗ changes every step.",
              "ja": "Adam の t はステップ番号です。1 − βᵗ は毎ステップ変わります。"},
             {"en": "Afterwards, `matchbox experiment optimizers` runs the same race on the digits.",
              "ja": "そのあと `matchbox experiment optimizers` で、同じ比較を手書き数字で行います。"}],
    "formula": {"en": "v' = α·v − η·g,  x' = x + v';  h' = h + g²,  x' = x − η·g / √h'",
                "ja": "v' = α·v − η·g、 x' = x + v'; h' = h + g²、 x' = x − η·g / √h'"},
}
MOST_STEPS = 8
# ゼロから作るDeep Learning §6.1.7 races them on f = x²/20 + y² from (−7, 2) with these learning rates
SETTINGS = {"sgd": {"lr": 0.95}, "momentum": {"lr": 0.1, "momentum": 0.9}, "adagrad": {"lr": 1.5, "eps": 1e-7},
            "rmsprop": {"lr": 0.1, "decay": 0.9, "eps": 1e-7},
            "adam": {"lr": 0.3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}}
NAMES = {"sgd": "SGD", "momentum": "Momentum", "adagrad": "AdaGrad", "rmsprop": "RMSprop", "adam": "Adam"}
NAMES_JA = {**NAMES, "momentum": "モメンタム"}  # the workshop's word (GLOSSARY.md); the others stay as written


def sample(dice) -> dict:
    """One variable, so each optimizer's table is a few columns; friendly rates."""
    return {"coefficients": [dice.choice([0.5, 1])], "start": [dice.choice([-3, -2, 2, 3])], "steps": 3,
            "optimizers": ["sgd", "momentum", "adagrad", "adam"],
            "sgd": {"lr": dice.choice([0.1, 0.2, 0.4])}, "momentum": {"lr": 0.1, "momentum": 0.9},
            "adagrad": {"lr": dice.choice([0.5, 1])}, "adam": {"lr": dice.choice([0.1, 0.5])}}


def settle(params: dict) -> dict | None:
    return params


def normalize(spec: Spec, dice) -> dict:
    out: dict = {}
    title = spec.string("title", None)
    if title:
        out["title"] = title
    read_bowl(spec, out, [0.05, 1], [-7, 2])
    out["steps"] = spec.number("steps", 3, integer=True, minimum=1, maximum=MOST_STEPS)
    out["optimizers"] = spec.strings("optimizers", ["sgd", "momentum", "adagrad", "adam"])
    for name in out["optimizers"]:
        if name not in SETTINGS:
            raise spec.fail("optimizers", f"unknown optimizer {name!r} (choose from: {', '.join(SETTINGS)})")
    for name in SETTINGS:
        given = spec.table(name, None)
        if given is not None and name not in out["optimizers"]:
            raise spec.fail(name, f"settings for {name}, which is not in optimizers")
        if name in out["optimizers"]:
            settings = {}
            for key, default in SETTINGS[name].items():
                settings[key] = (given.number(key, default, above=0) if key in ("lr", "eps")
                                 else given.number(key, default, minimum=0, maximum=0.9999999)) \
                    if given is not None else default
            if given is not None:
                given.finish()
            out[name] = settings
    out["decimals"] = read_precision(spec)
    spec.finish("kind")
    return out


RULES = {
    "sgd": {"en": "x' = x − η·g", "ja": "x' = x − η·g"},
    "momentum": {"en": "v' = α·v − η·g, x' = x + v' (v starts at 0)", "ja": "v' = α·v − η·g、x' = x + v'(v の初期値は0)"},
    "adagrad": {"en": "h' = h + g², x' = x − η·g / (√h' + ε) (h starts at 0)",
                "ja": "h' = h + g²、x' = x − η·g / (√h' + ε)(h の初期値は0)"},
    "rmsprop": {"en": "h' = ρ·h + (1 − ρ)·g², x' = x − η·g / (√h' + ε) (h starts at 0)",
                "ja": "h' = ρ·h + (1 − ρ)·g²、x' = x − η·g / (√h' + ε)(h の初期値は0)"},
    "adam": {"en": "m' = β₁m + (1 − β₁)g, v' = β₂v + (1 − β₂)g², m̂ = m'/(1 − β₁ᵗ), v̂ = v'/(1 − β₂ᵗ), "
                   "x' = x − η·m̂ / (√v̂ + ε) (m, v start at 0; t is the step number)",
             "ja": "m' = β₁m + (1 − β₁)g、v' = β₂v + (1 − β₂)g²、m̂ = m'/(1 − β₁ᵗ)、v̂ = v'/(1 − β₂ᵗ)、"
                   "x' = x − η·m̂ / (√v̂ + ε)(m, v の初期値は0、t はステップ番号)"},
}


def build(params: dict) -> Worksheet:
    a, c = params["coefficients"], params["center"]
    n = len(a)
    xs = coordinate_names(n)
    prec = rounded(params["decimals"])
    f_text = S.formula(a, c)
    chosen = params["optimizers"]
    ws = Worksheet(KIND, params.get("title", TITLE), {
        "en": f"Every optimizer starts from the same point on {f_text} and takes {params['steps']} steps, each from "
              "its own point: the gradient g = ∂f/∂x there, the optimizer's state, then the new point. "
              + " ".join(f"{NAMES[o]}: {RULES[o]['en']}." for o in chosen),
        "ja": f"どの手法も {f_text} の同じ点から出発し、それぞれ自分の点から{params['steps']}ステップ進みます。"
              "各ステップで、その点での勾配 g = ∂f/∂x、手法の状態、新しい点を求めます。"
              + "".join(f"{NAMES_JA[o]}: {RULES[o]['ja']}。" for o in chosen),
    }, precision_note(params["decimals"]))

    start = [ws.given(f"x{i}_0", v, {"en": f"start {x}", "ja": f"出発点 {x}"})
             for i, (v, x) in enumerate(zip(params["start"], xs))]
    rows = [[{"en": "function", "ja": "関数"}, f_text]] + [[{"en": f"start {x}", "ja": f"出発点 {x}"}, Q(p)]
                                                        for x, p in zip(xs, start)]
    settings = {}
    for o in chosen:
        for key, value in params[o].items():
            symbol = {"lr": "η", "momentum": "α", "eps": "ε", "decay": "ρ", "beta1": "β₁", "beta2": "β₂"}[key]
            settings[o, key] = ws.given(f"{o}_{key}", value,
                                        {"en": f"{NAMES[o]}: {symbol}", "ja": f"{NAMES_JA[o]}: {symbol}"})
            rows.append([{"en": f"{NAMES[o]} {symbol}", "ja": f"{NAMES_JA[o]} {symbol}"}, Q(settings[o, key])])
    ws.table(Table("settings", {"en": "Given", "ja": "与えられた値"},
                   [Column("", width=24), Column({"en": "value", "ja": "値"}, width=12)], rows, role="settings"))

    width = max(10, params["decimals"] + 6)
    for o in chosen:
        lr = settings[o, "lr"]
        point = list(start)
        state = {}
        rows, columns = [], [Column({"en": "step", "ja": "ステップ"}, width=8)]
        for k in range(1, params["steps"] + 1):
            row = [k]
            new_point = []
            for i, x in enumerate(xs):
                def label(en, ja, i=i):
                    return {"en": f"{NAMES[o]} step {k}: {en}", "ja": f"{NAMES_JA[o]} ステップ{k}: {ja}"}
                sub = x[1:] if n > 1 else ""
                g = ws.answer(f"{o}_g{i}_{k}", Step(S.partial, (point[i], a[i], c[i])),
                              label(f"gradient g{sub}", f"勾配 g{sub}"), f"g = {S.partial_text(a[i], c[i], x)}", prec)
                cells = [Ref(point[i]), Q(g)]
                if o == "sgd":
                    new = ws.answer(f"{o}_x{i}_{k}", Step(F.gradient_step, (point[i], g, lr)),
                                    label(f"new {x}", f"新しい {x}"), "x − η·g", prec)
                elif o == "momentum":
                    v = ws.answer(f"{o}_v{i}_{k}", Step(F.momentum_velocity, (state.get(("v", i), 0.0), g, lr,
                                                                             settings[o, "momentum"])),
                                  label(f"velocity v{sub}", f"速度 v{sub}"), "α·v − η·g", prec)
                    state["v", i] = v
                    new = ws.answer(f"{o}_x{i}_{k}", Step(F.momentum_move, (point[i], v)),
                                    label(f"new {x}", f"新しい {x}"), "x + v'", prec)
                    cells.append(Q(v))
                elif o in ("adagrad", "rmsprop"):
                    acc = (Step(F.adagrad_accumulate, (state.get(("h", i), 0.0), g)) if o == "adagrad" else
                           Step(F.rmsprop_accumulate, (state.get(("h", i), 0.0), g, settings[o, "decay"])))
                    h = ws.answer(f"{o}_h{i}_{k}", acc, label(f"sum of squares h{sub}", f"二乗和 h{sub}"),
                                  "h + g²" if o == "adagrad" else "ρ·h + (1 − ρ)·g²", prec)
                    state["h", i] = h
                    new = ws.answer(f"{o}_x{i}_{k}", Step(F.adagrad_step, (point[i], g, h, lr, settings[o, "eps"])),
                                    label(f"new {x}", f"新しい {x}"), "x − η·g / (√h' + ε)", prec)
                    cells.append(Q(h))
                else:  # adam
                    m = ws.answer(f"{o}_m{i}_{k}", Step(F.moving_average, (state.get(("m", i), 0.0), g,
                                                                           settings[o, "beta1"])),
                                  label(f"first moment m{sub}", f"1次モーメント m{sub}"), "β₁m + (1 − β₁)g", prec)
                    s = ws.answer(f"{o}_s{i}_{k}", Step(F.moving_average_of_square, (state.get(("s", i), 0.0), g,
                                                                                     settings[o, "beta2"])),
                                  label(f"second moment v{sub}", f"2次モーメント v{sub}"), "β₂v + (1 − β₂)g²", prec)
                    state["m", i], state["s", i] = m, s
                    m_hat = ws.answer(f"{o}_mh{i}_{k}", Step(F.bias_correct, (m, settings[o, "beta1"], k)),
                                      label(f"m̂{sub}", f"m̂{sub}"), f"m' / (1 − β₁^{k})", prec)
                    s_hat = ws.answer(f"{o}_sh{i}_{k}", Step(F.bias_correct, (s, settings[o, "beta2"], k)),
                                      label(f"v̂{sub}", f"v̂{sub}"), f"v' / (1 − β₂^{k})", prec)
                    new = ws.answer(f"{o}_x{i}_{k}", Step(F.adam_step, (point[i], m_hat, s_hat, lr, settings[o, "eps"]),
                                                          slips=(Slip("adam-no-bias-correction",
                                                                      args=(point[i], m, s, lr, settings[o, "eps"])),)),
                                    label(f"new {x}", f"新しい {x}"), "x − η·m̂ / (√v̂ + ε)", prec)
                    cells += [Q(m), Q(s), Q(m_hat), Q(s_hat)]
                new_point.append(new)
                row += cells + [Q(new)]
            rows.append(row)
            point = new_point
        for i, x in enumerate(xs):
            sub = x[1:] if n > 1 else ""
            columns += [Column(x, {"en": "now", "ja": "現在"}, width=width),
                        Column(f"g{sub}", S.partial_text(a[i], c[i], x), width=width)]
            columns += {"sgd": [], "momentum": [Column(f"v{sub}'", "α·v − η·g", width=max(width, 12))],
                        "adagrad": [Column(f"h{sub}'", "h + g²", width=width)],
                        "rmsprop": [Column(f"h{sub}'", "ρh + (1 − ρ)g²", width=max(width, 14))],
                        "adam": [Column(f"m{sub}'", "β₁m + (1 − β₁)g", width=max(width, 15)),
                                 Column(f"v{sub}'", "β₂v + (1 − β₂)g²", width=max(width, 16)),
                                 Column(f"m̂{sub}", "m' / (1 − β₁ᵗ)", width=max(width, 13)),
                                 Column(f"v̂{sub}", "v' / (1 − β₂ᵗ)", width=max(width, 13))]}[o]
            columns.append(Column(f"{x}'", {"sgd": "x − η·g", "momentum": "x + v'", "adagrad": "x − η·g/(√h' + ε)",
                                            "rmsprop": "x − η·g/(√h' + ε)", "adam": "x − η·m̂/(√v̂ + ε)"}[o],
                                  width=max(width, 15)))
        ws.table(Table(o, {"en": f"{NAMES[o]}: {RULES[o]['en']}", "ja": f"{NAMES_JA[o]}: {RULES[o]['ja']}"},
                       columns, rows))
    return ws


def replay(variant, steps: int, typed: dict | None) -> Replay:
    """Every optimizer of the sheet on the same bowl, with the engine's optimizer classes."""
    from ..engine.optimizers import make_optimizer
    p = variant.params
    opts = {o: make_optimizer(o, p[o]["lr"], **{k: x for k, x in p[o].items() if k != "lr"})
            for o in p["optimizers"]}
    return bowl_replay(p, steps, opts, p["steps"])
