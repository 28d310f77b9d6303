"""`activations`: step, sigmoid, tanh, ReLU and identity, and their derivatives, at a few points; then the
softmax of a small vector with the largest value subtracted first.

The derivative columns of sigmoid and tanh are written with the output the learner just computed
(σ'(u) = σ(u)(1 − σ(u)), tanh'(u) = 1 − tanh(u)²), as backpropagation uses them.
"""
from __future__ import annotations

from ..engine import functions as F
from ..worksheet.graph import Column, Q, Ref, Step, Table, Worksheet
from .parts.network import precision_note, read_precision, rounded
from .softmax import add_softmax, class_table, softmax_rows
from ..worksheet.spec import Spec

KIND = "activations"
TITLE = {"en": "Activation functions and their derivatives", "ja": "活性化関数とその微分"}
# `matchbox course`: minutes in the 3-hour and the full-day workshop (0: left out), and what to say first
COURSE = {
    "minutes": {"3h": 0, "day": 25},
    "idea": {"en": "A smooth activation function replaces the step, so a small change of a weight makes a small "
                   "change of the output. Its derivative, y(1 − y) for the sigmoid, is what backprop multiplies by.",
             "ja": "ステップ関数をなめらかな活性化関数に替えると、重みを少し変えたときに出力も少しだけ変わります。"
                   "その微分(シグモイド関数なら y(1 − y))が、誤差逆伝播法で掛ける因子になります。"},
    "talk": [{"en": "Show the graphs first: step, sigmoid, tanh and ReLU side by side.",
              "ja": "はじめにステップ関数、シグモイド関数、tanh、ReLU のグラフを並べて見せます。"},
             {"en": "Check that every calculator has eˣ; on a phone, turn it sideways for the scientific keys.",
              "ja": "全員の電卓に eˣ のキーがあるか確認します。スマートフォンは横向きにすると関数電卓になります。"}],
    "formula": {"en": "σ(u) = 1 / (1 + e^(−u)),  σ'(u) = σ(u)(1 − σ(u)),  tanh'(u) = 1 − tanh²(u)",
                "ja": "σ(u) = 1 / (1 + e^(−u))、 σ'(u) = σ(u)(1 − σ(u))、 tanh'(u) = 1 − tanh²(u)"},
}
FUNCTIONS = ("step", "sigmoid", "tanh", "relu", "identity")
NAMES = {"step": {"en": "step", "ja": "ステップ関数"}, "sigmoid": {"en": "sigmoid", "ja": "シグモイド関数"},
         "tanh": {"en": "tanh", "ja": "tanh"}, "relu": {"en": "ReLU", "ja": "ReLU"},
         "identity": {"en": "identity", "ja": "恒等関数"}}


def sample(dice) -> dict:
    points = sorted(dice.sample([-3, -2, -1, -0.5, 0, 0.5, 1, 2, 3], 4))
    return {"functions": ["step", "sigmoid", "tanh", "relu"], "points": points,
            "softmax": [dice.randint(-1, 3) for _ in range(3)]}


def settle(params: dict) -> dict | None:
    """Points on both sides of 0, so step and ReLU show both branches; a softmax of unequal values."""
    both_sides = min(params["points"]) < 0 < max(params["points"])
    return params if both_sides and len(set(params["softmax"])) > 1 else None


def normalize(spec: Spec, dice) -> dict:
    out: dict = {}
    title = spec.string("title", None)
    if title:
        out["title"] = title
    out["functions"] = spec.strings("functions", list(FUNCTIONS[:4]))
    for f in out["functions"]:
        if f not in FUNCTIONS:
            raise spec.fail("functions", f"unknown function {f!r} (choose from: {', '.join(FUNCTIONS)})")
    out["points"] = spec.numbers("points", [-2, -0.5, 0, 1, 3])
    if not 1 <= len(out["points"]) <= 12:
        raise spec.fail("points", f"expected 1 to 12 points, got {len(out['points'])}")
    out["derivatives"] = spec.boolean("derivatives", True)
    # what step(0) is: the book's step function fires only on u > 0
    out["step_rule"] = spec.string("step_rule", ">", choices=(">", ">="))
    out["softmax"] = spec.numbers("softmax", [])
    if len(out["softmax"]) == 1 or len(out["softmax"]) > 10:
        raise spec.fail("softmax", f"expected 2 to 10 numbers (or [] for none), got {len(out['softmax'])}")
    out["decimals"] = read_precision(spec)
    spec.finish("kind")
    return out


# name -> (the value's formula, the derivative's formula), shown under the column headings
FORMULAS = {
    "step": ("1 (u {op} 0), 0 (u {not_op} 0)", {"en": "0 (at u = 0 too)", "ja": "0(u = 0 でも 0)"}),
    "sigmoid": ("σ(u) = 1 / (1 + e^(−u))", "σ'(u) = σ(u)(1 − σ(u))"),
    "tanh": ("tanh(u) = (eᵘ − e⁻ᵘ) / (eᵘ + e⁻ᵘ)", "tanh'(u) = 1 − tanh(u)²"),
    "relu": ("max(0, u)", "1 (u > 0), 0 (u ≤ 0)"),
    "identity": ("u", "1"),
}


def _value_step(f: str, u: str, strict: bool) -> Step:
    if f == "step":
        return Step(F.step, (u,), {"threshold": 0.0, "strict": strict})
    return Step({"sigmoid": F.sigmoid, "tanh": F.tanh, "relu": F.relu, "identity": F.identity}[f], (u,))


def _slope_step(f: str, u: str, y: str) -> Step:
    return {"step": Step(F.step_grad, (u,)), "sigmoid": Step(F.sigmoid_grad_from_output, (y,)),
            "tanh": Step(F.tanh_grad_from_output, (y,)), "relu": Step(F.relu_grad, (u,)),
            "identity": Step(F.identity_grad, (u,))}[f]


def _rules(fs: list[str], strict: bool, derivatives: bool) -> dict:
    """What the sheet takes at u = 0, where step and ReLU have a corner."""
    en, ja = "", ""
    if "step" in fs:
        en += (" The step function gives 1 only when u > 0, so step(0) = 0." if strict else
               " The step function gives 1 when u ≥ 0, so step(0) = 1.")
        ja += ("ステップ関数は u > 0 のときだけ 1 です(step(0) = 0)。" if strict else
               "ステップ関数は u ≥ 0 のときに 1 です(step(0) = 1)。")
    corners = [NAMES[f] for f in ("step", "relu") if f in fs]
    if derivatives and corners:
        en += (f" At u = 0 take the derivative of {' and '.join(c['en'] for c in corners)} as 0, as frameworks "
               "do.")
        ja += f"u = 0 での{'と'.join(c['ja'] for c in corners)}の微分は 0 とします(フレームワークと同じ扱いです)。"
    return {"en": en, "ja": ja}


def build(params: dict) -> Worksheet:
    prec = rounded(params["decimals"])
    fs, strict, derivatives = params["functions"], params["step_rule"] == ">", params["derivatives"]
    ops = {"op": ">", "not_op": "≤"} if strict else {"op": "≥", "not_op": "<"}
    rules = _rules(fs, strict, derivatives)
    ws = Worksheet(KIND, params.get("title", TITLE), {
        "en": "Compute each activation function at each point u"
              + (", then its derivative (slope)" if derivatives else "") + "." + rules["en"]
              + (" Then the softmax of the vector a: subtract its largest value first, so no e^a overflows."
                 if params["softmax"] else ""),
        "ja": "各点 u で活性化関数の値" + ("と、その微分(傾き)" if derivatives else "") + "を求めます。" + rules["ja"]
              + ("次にベクトル a のソフトマックスを求めます。e^a が大きくなりすぎない(オーバーフローしない)よう、先に最大値を引きます。"
                 if params["softmax"] else ""),
    }, precision_note(params["decimals"]))

    width = max(12, params["decimals"] + 6)
    columns = [Column("u", width=8)]
    for f in fs:
        name, (value, slope) = NAMES[f], FORMULAS[f]
        columns.append(Column(name, value.format(**ops), width=width))
        if derivatives:
            columns.append(Column({"en": f"{name['en']}'", "ja": f"{name['ja']}の微分"}, slope, width=width))
    rows, given_rows = [], []
    for k, point in enumerate(params["points"], start=1):
        u = ws.given(f"u{k}", point, {"en": f"point {k}: u", "ja": f"点{k}: u"})
        given_rows.append([k, Q(u)])
        row = [Ref(u)]
        for f in fs:
            name = NAMES[f]
            y = ws.answer(f"{f}{k}", _value_step(f, u, strict),
                          {"en": f"u = {point:g}: {name['en']}", "ja": f"u = {point:g}: {name['ja']}"},
                          FORMULAS[f][0].format(**ops), prec)
            row.append(Q(y))
            if derivatives:
                d = ws.answer(f"d{f}{k}", _slope_step(f, u, y),
                              {"en": f"u = {point:g}: derivative of {name['en']}",
                               "ja": f"u = {point:g}: {name['ja']}の微分"}, FORMULAS[f][1], prec)
                row.append(Q(d))
        rows.append(row)
    ws.table(Table("points", {"en": "Points", "ja": "点"},
                   [Column({"en": "point", "ja": "点"}, width=8), Column("u", width=10)], given_rows))
    ws.table(Table("values", {"en": "Values and derivatives", "ja": "値と微分"}, columns, rows))

    if params["softmax"]:
        n = len(params["softmax"])
        sm = add_softmax(ws, "sm_", params["softmax"], lambda en, ja: {"en": f"softmax: {en}",
                                                                      "ja": f"ソフトマックス: {ja}"}, prec)
        ws.table(Table("vector", {"en": "Vector a", "ja": "ベクトル a"},
                       [Column("i", width=8), Column("a", width=10)], [[i, Q(name)] for i, name in enumerate(sm.a)]))
        ws.table(class_table("softmax", {"en": "Softmax", "ja": "ソフトマックス関数"}, n, softmax_rows(sm),
                             params["decimals"]))
    return ws
