"""`activations`: step, sigmoid, tanh, ReLU and identity, and their derivatives, at a few points; then the
softmax of a small vector with the largest value subtracted first.

The derivative columns of sigmoid and tanh are written with the output the learner just computed
(σ'(u) = σ(u)(1 − σ(u)), tanh'(u) = 1 − tanh(u)²), as backpropagation uses them.
"""
from __future__ import annotations

from ..engine import functions as F
from .graph import Column, Q, Ref, Step, Table, Worksheet
from .network import precision_note, read_precision, rounded
from .softmax import add_softmax
from .spec import Spec

KIND = "activations"
TITLE = {"en": "Activation functions and their derivatives", "ja": "活性化関数とその微分"}
FUNCTIONS = ("step", "sigmoid", "tanh", "relu", "identity")
NAMES = {"step": {"en": "step", "ja": "ステップ関数"}, "sigmoid": {"en": "sigmoid", "ja": "シグモイド関数"},
         "tanh": {"en": "tanh", "ja": "tanh"}, "relu": {"en": "ReLU", "ja": "ReLU"},
         "identity": {"en": "identity", "ja": "恒等関数"}}


def sample(dice) -> dict:
    points = sorted(dice.sample([-3, -2, -1, -0.5, 0, 0.5, 1, 2, 3], 4))
    return {"functions": ["step", "sigmoid", "tanh", "relu"], "points": points,
            "softmax": [dice.randint(-1, 3) for _ in range(3)]}


def settle(params: dict) -> dict | None:
    return params if len(set(params["softmax"])) > 1 else None


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


# name -> (value formula, derivative formula, derivative step: from the output y or from the input u)
FORMULAS = {
    "step": ("1 if u {op} 0, else 0", {"en": "0 (flat; at 0 take 0)", "ja": "0(平ら。0 でも 0 とする)"}),
    "sigmoid": ("σ(u) = 1 / (1 + e^(−u))", "σ(u)(1 − σ(u))"),
    "tanh": ("tanh(u)", "1 − tanh(u)²"),
    "relu": ("max(0, u)", {"en": "1 if u > 0, else 0", "ja": "u > 0 なら 1、でなければ 0"}),
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


def build(params: dict) -> Worksheet:
    prec = rounded(params["decimals"])
    fs, strict = params["functions"], params["step_rule"] == ">"
    op = ">" if strict else "≥"
    ws = Worksheet(KIND, params.get("title", TITLE), {
        "en": "Compute each activation function at each point u"
              + (", then its derivative (slope)" if params["derivatives"] else "")
              + (". Then the softmax of the vector below: subtract its largest value first, so no e^a overflows."
                 if params["softmax"] else "."),
        "ja": "各点 u で活性化関数の値" + ("と、その微分(傾き)" if params["derivatives"] else "") + "を求めます。"
              + ("次に下のベクトルのソフトマックスを求めます。e^a があふれないよう、先に最大値を引きます。"
                 if params["softmax"] else ""),
    }, precision_note(params["decimals"]))

    rows, given_rows = [], []
    for k, point in enumerate(params["points"], start=1):
        u = ws.given(f"u{k}", point, {"en": f"point {k}: u", "ja": f"点{k}: u"})
        given_rows.append([k, Q(u)])
        row = [Ref(u)]
        for f in fs:
            name = NAMES[f]
            y = ws.answer(f"{f}{k}", _value_step(f, u, strict),
                          {"en": f"u = {point:g}: {name['en']}", "ja": f"u = {point:g}: {name['ja']}"},
                          FORMULAS[f][0].format(op=op), prec)
            row.append(Q(y))
            if params["derivatives"]:
                d = ws.answer(f"d{f}{k}", _slope_step(f, u, y),
                              {"en": f"u = {point:g}: derivative of {name['en']}",
                               "ja": f"u = {point:g}: {name['ja']}の微分"}, FORMULAS[f][1], prec)
                row.append(Q(d))
        rows.append(row)
    ws.table(Table("points", {"en": "Points", "ja": "点"},
                   [Column({"en": "point", "ja": "点"}, width=6), Column("u", width=8)], given_rows))
    columns = [Column("u", width=8)]
    for f in fs:
        name = NAMES[f]
        value, slope = FORMULAS[f]
        columns.append(Column(name, value.format(op=op) if isinstance(value, str) else value,
                              width=max(12, params["decimals"] + 6)))
        if params["derivatives"]:
            columns.append(Column({"en": f"{name['en']}'", "ja": f"{name['ja']}の微分"}, slope,
                                  width=max(12, params["decimals"] + 6)))
    ws.table(Table("values", {"en": "Values and derivatives", "ja": "値と微分"}, columns, rows))

    if params["softmax"]:
        n = len(params["softmax"])
        ys = add_softmax(ws, "sm_", params["softmax"], lambda en, ja: {"en": f"softmax: {en}",
                                                                      "ja": f"ソフトマックス: {ja}"}, prec)
        ws.table(Table("vector", {"en": "Vector for the softmax", "ja": "ソフトマックスするベクトル"},
                       [Column("i", width=6), Column("a", width=8)], [[i, Q(f"sm_a{i + 1}")] for i in range(n)]))
        ws.table(Table("softmax", {"en": "Softmax", "ja": "ソフトマックス関数"},
                       [Column("i", width=5), Column("a", width=8), Column("e^(a − max)", width=14),
                        Column("y", "e^(a − max) / Σ", width=15)],
                       [[i, Ref(f"sm_a{i + 1}"), Q(f"sm_e{i + 1}"), Q(ys[i])] for i in range(n)]))
        ws.table(Table("softmax_totals", {"en": "Softmax: max and sum", "ja": "ソフトマックス: 最大と和"},
                       [Column("", width=24), Column({"en": "value", "ja": "値"}, width=14)],
                       [[{"en": "largest value max(a)", "ja": "最大値 max(a)"}, Q("sm_max")],
                        [{"en": "sum Σ e^(a − max)", "ja": "和 Σ e^(a − max)"}, Q("sm_sum")]]))
    return ws
