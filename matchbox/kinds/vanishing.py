"""`vanishing`: why deep sigmoid networks stop learning. A chain of single-unit layers, z₀ = x,
uₗ = wₗ·zₗ₋₁ (+ bₗ), zₗ = f(uₗ), worked forward for sigmoid, tanh and ReLU side by side; then backward from
∂E/∂z_L = 1: the gradient reaching layer l is δₗ = ∂E/∂uₗ = f'(uₗ)·wₗ₊₁·δₗ₊₁, the product of the factors
behind it. The read-off δ₁ / δ_L shows sigmoid's shrink by at most 0.25 a layer (σ' ≤ ¼), tanh's milder one,
and ReLU passing the gradient through (f' = 1 where u > 0).

The sheet ends with `matchbox experiment activations --depths 2,...,L` (real networks of the sheet's depths),
`matchbox replay vanishing` (the chain continued by the engine to 30 layers: δ₁ against the depth) and
`matchbox experiment init`.
"""
from __future__ import annotations

import math

import numpy as np

from ..engine import functions as F
from ..worksheet.figures import Canvas, legend
from ..worksheet.graph import Column, Q, Ref, Step, Table, Worksheet, tr
from ..worksheet.replay import Replay
from ..worksheet.slips import Slip
from ..worksheet.spec import Spec
from .parts.network import one_decimal, precision_note, rounded

KIND = "vanishing"
TITLE = {"en": "Vanishing gradients: a deep chain by hand", "ja": "勾配消失: 深い鎖を手で計算する"}
COURSE = {
    "minutes": {"3h": 0, "day": 25},
    "idea": {"en": "Backpropagation multiplies one factor w·f'(u) per layer. The sigmoid's derivative is at most "
                   "0.25, so a few layers back the gradient has all but vanished; ReLU's derivative is 1 where "
                   "u > 0, so the gradient passes through.",
             "ja": "誤差逆伝播法では層ごとに因子 w·f'(u) を1つずつ掛けます。シグモイド関数の微分は最大でも "
                   "0.25 なので、数層さかのぼると勾配はほとんど消えてしまいます。ReLU の微分は u > 0 で 1 "
                   "なので、勾配はそのまま伝わります。"},
    "talk": [{"en": "Ask first: what is the largest value of σ(u)(1 − σ(u))? (¼, at u = 0.)",
              "ja": "はじめに、σ(u)(1 − σ(u)) の最大値はいくつかを問いかけます(u = 0 で ¼ です)。"},
             {"en": "Compare the three read-offs, then run `matchbox experiment activations` to see deep sigmoid "
                    "networks stop learning.",
              "ja": "3つの比を見比べたあと、matchbox experiment activations を実行し、深いシグモイド関数の"
                    "ネットワークが学習しなくなる様子を見せます。"}],
    "formula": {"en": "δₗ = f'(uₗ)·wₗ₊₁·δₗ₊₁,  σ'(u) ≤ 0.25,  δ₁ / δ_L = Π wₗ₊₁·f'(uₗ)",
                "ja": "δₗ = f'(uₗ)·wₗ₊₁·δₗ₊₁、 σ'(u) ≤ 0.25、 δ₁ / δ_L = Π wₗ₊₁·f'(uₗ)"},
}
FUNCTIONS = ("sigmoid", "tanh", "relu")
SHORT = {"sigmoid": "σ", "tanh": "tanh", "relu": "ReLU"}
NAMES = {"sigmoid": {"en": "sigmoid", "ja": "シグモイド関数"}, "tanh": {"en": "tanh", "ja": "tanh"},
         "relu": {"en": "ReLU", "ja": "ReLU"}}
VALUE = {"sigmoid": "1 / (1 + e^(−u))", "tanh": "(eᵘ − e⁻ᵘ) / (eᵘ + e⁻ᵘ)", "relu": "max(0, u)"}
SLOPE = {"sigmoid": "σ(u)(1 − σ(u))", "tanh": "1 − tanh(u)²",
         "relu": {"en": "1 (u > 0), 0 (u ≤ 0)", "ja": "1 (u > 0)、0 (u ≤ 0)"}}
DEFAULT_WEIGHTS = [1.2, 0.8, 1.1, 0.9]
SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
SUPER = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
COLORS = {"sigmoid": "#b00", "tanh": "#06c", "relu": "#080"}

SIGMA_AS_OUTPUT = {"en": "σ'(u) written as σ(u) (the factor 1 − σ(u) forgotten)",
                   "ja": "σ'(u) を σ(u) とする誤り (正しくは σ(u)(1 − σ(u))。1 − σ(u) の掛け忘れ)"}
RELU_AS_OUTPUT = {"en": "ReLU' written as the output max(0, u) instead of 1 (u > 0) or 0",
                  "ja": "ReLU の微分を出力 max(0, u) とする誤り (正しくは u > 0 なら 1、それ以外は 0)"}
WEIGHT_FORGOTTEN = {"en": "the weight forgotten in the backward product (f'(u)·δ instead of f'(u)·w·δ)",
                    "ja": "逆伝播の積での重み w の掛け忘れ (f'(u)·w·δ ではなく f'(u)·δ)"}


def sub(n) -> str:
    return str(n).translate(SUB)


def sample(dice) -> dict:
    return {"input": one_decimal(dice, 0.5, 2.0),
            "weights": [dice.choice([0.5, 0.6, 0.7, 0.8, 0.9, 1.1, 1.2, 1.3, 1.4, 1.5]) for _ in range(4)]}


def chain(params: dict, f: str) -> dict[str, list[float]]:
    """u, f(u), f'(u) and δ of each layer, unrounded, with the engine's functions (normalize and settle)."""
    fn, slope = F.ACTIVATIONS[f]
    z, us, zs, ds = params["input"], [], [], []
    biases = params["biases"] or [0.0] * len(params["weights"])
    for w, b in zip(params["weights"], biases):
        u = w * z + b
        z = fn(u)
        us.append(u), zs.append(z), ds.append(slope(u))
    gs = [ds[-1]]
    for l in range(len(us) - 2, -1, -1):
        gs.insert(0, ds[l] * params["weights"][l + 1] * gs[0])
    return {"u": us, "z": zs, "d": ds, "g": gs}


def settle(params: dict) -> dict | None:
    """ReLU passes the gradient through (every u > 0, none exactly 1, where its slope and output agree); the
    weights behind the first layer multiply to about 1, so f' makes the difference; four decimals suffice."""
    relu = chain(params, "relu")
    through = math.prod(params["weights"][1:])
    if not all(u > 0 and abs(u - 1) > 1e-9 for u in relu["u"]) or not 0.6 <= through <= 1.6:
        return None
    return params if params["decimals"] == 4 else None


def _needed_decimals(params: dict) -> int:
    """Enough decimals that every δ and every δ₁ / δ_L keeps two significant digits."""
    need = 1
    for f in params["functions"]:
        g = chain(params, f)["g"]
        for v in g + [g[0] / g[-1]]:
            if v:
                need = max(need, 1 - math.floor(math.log10(abs(v))))
    return need


def normalize(spec: Spec, dice) -> dict:
    out: dict = {}
    title = spec.string("title", None)
    if title:
        out["title"] = title
    out["input"] = spec.number("input", 1, minimum=-10, maximum=10)
    if spec.has("weights"):
        out["weights"] = spec.numbers("weights")
        if spec.has("depth") and spec.number("depth", integer=True) != len(out["weights"]):
            raise spec.fail("depth", f"the weights give {len(out['weights'])} layers; leave depth out or match it")
    else:
        depth = spec.number("depth", 4, integer=True, minimum=3, maximum=8)
        out["weights"] = [DEFAULT_WEIGHTS[k % 4] for k in range(depth)]
    if not 3 <= len(out["weights"]) <= 8:
        raise spec.fail("weights", f"expected 3 to 8 weights (one per layer), got {len(out['weights'])}")
    if any(w == 0 or abs(w) > 10 for w in out["weights"]):
        raise spec.fail("weights", "every weight must be nonzero and between −10 and 10 (0 cuts the chain)")
    out["biases"] = spec.numbers("biases", [])
    if out["biases"] and len(out["biases"]) != len(out["weights"]):
        raise spec.fail("biases", f"expected {len(out['weights'])} biases (one per layer) or [] for none, "
                                  f"got {len(out['biases'])}")
    if any(abs(b) > 10 for b in out["biases"]):
        raise spec.fail("biases", "every bias must be between −10 and 10")
    out["functions"] = spec.strings("functions", list(FUNCTIONS))
    for f in out["functions"]:
        if f not in FUNCTIONS:
            raise spec.fail("functions", f"unknown function {f!r} (choose from: {', '.join(FUNCTIONS)})")
    out["functions"] = [f for f in FUNCTIONS if f in out["functions"]]
    out["decimals"] = 4
    if "relu" in out["functions"] and chain(out, "relu")["g"][-1] == 0:
        raise spec.fail("weights", "ReLU's last layer gets u ≤ 0, so no gradient passes it and δ₁ / δ_L is "
                                   "undefined: choose a positive input and weights (or leave out relu)")
    need = _needed_decimals(out)
    if need > 12:
        raise spec.fail("weights", "a gradient is too small to write with 12 decimals: a shorter chain, please")
    decimals = spec.number("decimals", max(4, need), integer=True, minimum=1, maximum=12)
    if decimals < need:
        raise spec.fail("decimals", f"a gradient of this chain needs {need} decimals to keep two significant "
                                    f"digits, got {decimals}")
    out["decimals"] = decimals
    spec.finish("kind")
    return out


def _instructions(L: int, biases: bool, fs: list[str]) -> dict:
    names = {lang: (", " if lang == "en" else "、").join(tr(NAMES[f], lang) for f in fs) for lang in ("en", "ja")}
    b = " + bₗ" if biases else ""
    relu = "relu" in fs
    return {
        "en": f"A chain of {L} layers of one unit each: z₀ = x, uₗ = wₗ·zₗ₋₁{b}, zₗ = f(uₗ). Work forward from "
              f"layer 1 to layer {L}: u, f(u) and f'(u) for {names['en']} side by side"
              + (" (u₁ is the same for all)" if len(fs) > 1 else "") + ". Then work backward, taking "
              f"∂E/∂z{sub(L)} = 1: the gradient reaching layer l is δₗ = ∂E/∂uₗ = f'(uₗ)·wₗ₊₁·δₗ₊₁ "
              f"(δ{sub(L)} = f'(u{sub(L)})), the product of the factors behind it. Last, divide the first layer's "
              f"δ₁ by the last layer's δ{sub(L)} to see how much of the gradient is left."
              + (" Take ReLU's derivative at u = 0 as 0, as frameworks do." if relu else ""),
        "ja": f"1層に1ユニットだけの{L}層の鎖を考えます: z₀ = x、uₗ = wₗ·zₗ₋₁{b}、zₗ = f(uₗ)。まず第1層から"
              f"第{L}層へ順伝播し、{names['ja']}のそれぞれについて u、f(u)、f'(u) を求めます"
              + ("(u₁ はどれも同じです)" if len(fs) > 1 else "") + f"。次に ∂E/∂z{sub(L)} = 1 として"
              f"出力側から逆伝播し、各層に届く勾配 δₗ = ∂E/∂uₗ = f'(uₗ)·wₗ₊₁·δₗ₊₁(δ{sub(L)} = f'(u{sub(L)}))"
              f"を求めます。これはその層より後ろにある因子の積です。最後に第1層の δ₁ を第{L}層の δ{sub(L)} で割り、"
              "勾配がどれだけ残っているかを確かめます。"
              + ("ReLU の u = 0 での微分は 0 とします(フレームワークと同じ扱いです)。" if relu else ""),
    }


def experiment_note(L: int) -> dict:
    """The sheet's last words: the same depths in real networks, and the chain continued by the engine."""
    depths = ",".join(str(d) for d in range(2, max(L, 3) + 1))
    return {
        "en": f"Real networks: matchbox experiment activations --depths {depths} trains sigmoid, tanh and ReLU "
              f"networks of 2 to {max(L, 3)} hidden layers alike; matchbox replay vanishing continues this chain "
              "to 30 layers (with weights of 1); matchbox experiment init shows how the scale of the initial "
              "weights spreads each layer's outputs.",
        "ja": f"実際のネットワークでは: matchbox experiment activations --depths {depths} で、中間層が2〜{max(L, 3)}層の"
              "シグモイド関数・tanh・ReLU のネットワークを同じ条件で学習させて比べられます。matchbox replay vanishing "
              "では、この鎖を重み 1 の層で30層まで延ばしたときの勾配をエンジンで計算します。matchbox experiment init では、"
              "重みの初期値の大きさによって各層の出力の分布がどう変わるかを確かめられます。"}


def replay(variant, steps: int, typed: dict | None) -> Replay:
    """The chain continued by the engine: the gradient δ₁ reaching the first layer of chains of 1, 2, ...
    `steps` layers, the sheet's layers first and then layers of weight 1 (no bias), so what shrinks the
    gradient past the sheet is the activation's derivative alone."""
    p = variant.params
    L = len(p["weights"])
    out = Replay({"en": "gradient at the first layer |δ₁|", "ja": "第1層に届く勾配 |δ₁|"}, sheet_steps=L,
                 first_step=1, log_scale=True, xlabel={"en": "layers in the chain", "ja": "鎖の層の数"})
    for f in p["functions"]:
        firsts = []
        for depth in range(1, max(steps, L) + 1):
            extra = max(depth - L, 0)
            longer = {**p, "weights": p["weights"][:depth] + [1.0] * extra,
                      "biases": p["biases"][:depth] + [0.0] * extra if p["biases"] else []}
            firsts.append(abs(chain(longer, f)["g"][0]))
        out.series[NAMES[f]["en"]] = np.array(firsts)
        out.summary[f"{NAMES[f]['en']}: |δ₁| at {max(steps, L)} layers"] = firsts[-1]
    return out


def _layer(l: int) -> dict:
    return {"en": f"layer {l}", "ja": f"第{l}層"}


def build(params: dict) -> Worksheet:
    prec = rounded(params["decimals"])
    fs, weights, L = params["functions"], params["weights"], len(params["weights"])
    ws = Worksheet(KIND, params.get("title", TITLE), _instructions(L, bool(params["biases"]), fs),
                   precision_note(params["decimals"]))
    x = ws.given("x", params["input"], {"en": "input x", "ja": "入力 x"})
    w = [ws.given(f"w{l}", v, {"en": f"weight w{sub(l)}", "ja": f"重み w{sub(l)}"}) for l, v in enumerate(weights, 1)]
    b = [ws.given(f"b{l}", v, {"en": f"bias b{sub(l)}", "ja": f"バイアス b{sub(l)}"})
         for l, v in enumerate(params["biases"], 1)]
    top = ws.given("dz", 1, {"en": f"output gradient ∂E/∂z{sub(L)}", "ja": f"出力の勾配 ∂E/∂z{sub(L)}"})
    settings = [[{"en": "input x = z₀", "ja": "入力 x = z₀"}, Q(x)]]
    settings += [[{"en": f"weight w{sub(l)}", "ja": f"重み w{sub(l)}"}, Q(w[l - 1])] for l in range(1, L + 1)]
    settings += [[{"en": f"bias b{sub(l)}", "ja": f"バイアス b{sub(l)}"}, Q(b[l - 1])] for l in range(1, len(b) + 1)]
    settings += [[{"en": f"gradient at the output ∂E/∂z{sub(L)}", "ja": f"出力での勾配 ∂E/∂z{sub(L)}"}, Q(top)]]
    ws.table(Table("settings", {"en": "Given", "ja": "与えられた値"},
                   [Column("", width=26), Column({"en": "value", "ja": "値"}, width=10)], settings, role="settings"))

    width = max(11, params["decimals"] + 5)
    sum_text = "wₗ·zₗ₋₁" + (" + bₗ" if b else "")
    forward = [[_layer(l), Ref(w[l - 1])] for l in range(1, L + 1)]
    d, u_of = {}, {}
    for f in fs:
        fn, name = {"sigmoid": F.sigmoid, "tanh": F.tanh, "relu": F.relu}[f], NAMES[f]
        z = x
        for l in range(1, L + 1):
            label = lambda en, ja: {"en": f"{name['en']}, layer {l}: {en}", "ja": f"{name['ja']}、第{l}層: {ja}"}
            if l == 1 and f != fs[0]:
                u = u_of[1]
                forward[0].append(Ref(u))
            else:
                args = ((z,), (w[l - 1],), b[l - 1]) if b else (w[l - 1], z)
                u = ws.answer("u1" if l == 1 else f"{f}_u{l}", Step(F.affine_sum if b else F.product, args),
                              {"en": f"layer 1: u₁", "ja": "第1層: u₁"} if l == 1 else label(f"u{sub(l)}", f"u{sub(l)}"),
                              sum_text, prec)
                forward[l - 1].append(Q(u))
                u_of.setdefault(l, u)
            z = ws.answer(f"{f}_z{l}", Step(fn, (u,)), label(f"{SHORT[f]}(u{sub(l)})", f"{SHORT[f]}(u{sub(l)})"),
                          VALUE[f], prec)
            slope = {"sigmoid": Step(F.sigmoid_grad_from_output, (z,), slips=(
                         Slip("sigmoid-grad-as-output", F.identity, (z,), name=SIGMA_AS_OUTPUT),)),
                     "tanh": Step(F.tanh_grad_from_output, (z,)),
                     "relu": Step(F.relu_grad, (u,), slips=(Slip("relu-grad-as-output", F.relu, name=RELU_AS_OUTPUT),)),
                     }[f]
            d[f, l] = ws.answer(f"{f}_d{l}", slope, label(f"{SHORT[f]}'(u{sub(l)})", f"{SHORT[f]}'(u{sub(l)})"),
                                SLOPE[f], prec)
            forward[l - 1] += [Q(z), Q(d[f, l])]
    columns = [Column({"en": "layer", "ja": "層"}, width=9), Column("w", "wₗ", width=7)]
    for f in fs:
        s = SHORT[f]
        columns += [Column(f"u ({s})", sum_text, width=width), Column(f"{s}(u)", VALUE[f], width=width + 2),
                    Column(f"{s}'(u)", SLOPE[f], width=width + 2)]
    ws.table(Table("forward", {"en": "Forward: layer 1 to the output", "ja": "順伝播: 第1層から出力へ"},
                   columns, forward))

    backward, g = [], {}
    for l in range(L, 0, -1):
        row = [_layer(l), Ref(w[l]) if l < L else "—"]
        for f in fs:
            label = {"en": f"{NAMES[f]['en']}, layer {l}: δ{sub(l)}", "ja": f"{NAMES[f]['ja']}、第{l}層: δ{sub(l)}"}
            if l == L:
                step = Step(F.product, (d[f, l], top))
            else:
                step = Step(F.product, (d[f, l], w[l], g[f, l + 1]),
                            slips=(Slip("weight-forgotten", args=(d[f, l], g[f, l + 1]), name=WEIGHT_FORGOTTEN),))
            g[f, l] = ws.answer(f"{f}_g{l}", step, label, f"{SHORT[f]}'(uₗ)·wₗ₊₁·δₗ₊₁", prec)
            row.append(Q(g[f, l]))
        backward.append(row)
    ws.table(Table("backward", {"en": f"Backward: from ∂E/∂z{sub(L)} = 1 to layer 1",
                                "ja": f"逆伝播: ∂E/∂z{sub(L)} = 1 から第1層へ"},
                   [Column({"en": "layer", "ja": "層"}, width=9), Column("wₗ₊₁", width=7)]
                   + [Column(f"δ ({SHORT[f]})", f"{SHORT[f]}'(uₗ)·wₗ₊₁·δₗ₊₁", width=width + 8) for f in fs],
                   backward))

    ratios = []
    for f in fs:
        r = ws.answer(f"{f}_ratio", Step(F.ratio, (g[f, 1], g[f, L]), slips=(Slip("upside-down", args=(g[f, L], g[f, 1])),)),
                      {"en": f"{NAMES[f]['en']}: δ₁ / δ{sub(L)}", "ja": f"{NAMES[f]['ja']}: δ₁ / δ{sub(L)}"},
                      f"δ₁ / δ{sub(L)}", prec)
        ratios.append(Q(r))
    bound = f"0.25{'⁰¹²³⁴⁵⁶⁷⁸⁹'[L - 1]} = {0.25 ** (L - 1):g}"
    ws.table(Table("readoff", {"en": "How much of the gradient reaches layer 1", "ja": "第1層に届く勾配の割合"},
                   [Column("", width=22)] + [Column(SHORT[f], width=width + 2) for f in fs],
                   [[{"en": f"δ₁ / δ{sub(L)}", "ja": f"δ₁ / δ{sub(L)}"}, *ratios],
                    [{"en": "σ' ≤ 0.25 per layer", "ja": "σ' は1層あたり 0.25 以下"}, bound] + [""] * (len(fs) - 1)],
                   note=experiment_note(L)))
    return ws


CAPTION = {"en": "|δ| per layer (log scale); dashed: sigmoid's bound, 0.25 per layer times |w|",
           "ja": "層ごとの |δ|(対数目盛)。破線はシグモイド関数の上限(1層あたり 0.25 × |w|)"}
SHEET_CAPTION = {"en": "Sigmoid's bound per layer (0.25 × |w|), log scale: plot your |δ| on it",
                 "ja": "シグモイド関数の上限(1層あたり 0.25 × |w|、対数目盛)。自分の |δ| を書き込みましょう"}


def figures(variant, lang: str, key: bool) -> list[dict]:
    """|δₗ| per layer on a log scale, sigmoid's bound dashed; on the learner's sheet the bound alone."""
    p = variant.params
    weights, L = p["weights"], len(p["weights"])
    bound = [0.25 ** (L - l + 1) * math.prod(abs(w) for w in weights[l:]) for l in range(1, L + 1)]
    values = variant.worksheet.answer_key()
    lines = {f: [abs(values[f"{f}_g{l}"]) for l in range(1, L + 1)] for f in p["functions"]} if key else {}
    seen = [v for v in bound + [v for s in lines.values() for v in s] if v > 0]
    lo, hi = math.floor(math.log10(min(seen))), math.ceil(math.log10(max(seen)))
    hi = max(hi, 1)  # room above 1: ReLU's δ may exceed it
    c = Canvas(400, 230, 0.6, L + 0.4, lo, hi, margin=40)
    for e in range(lo, hi + 1):
        c.line(0.6, e, L + 0.4, e, 0.4, "#bbb")
        c.text(c.m - 4, c.Y(e) + 3, f"10{str(e).translate(SUPER)}" if e else "1", 8, "end")
    for l in range(1, L + 1):
        c.line(l, lo, l, hi, 0.4, "#ddd")
        c.text(c.X(l), c.h - c.m + 12, tr(_layer(l), lang), 8)

    def draw(series, color, dash=""):
        pts = [(l, math.log10(v)) for l, v in enumerate(series, 1) if v > 0]
        for (xa, ya), (xb, yb) in zip(pts, pts[1:]):
            c.line(xa, ya, xb, yb, 1.8, color, dash)
        for xa, ya in pts:
            c.raw(f'<circle cx="{c.X(xa):.1f}" cy="{c.Y(ya):.1f}" r="2.5" fill="{color}"/>')

    draw(bound, "#777", "5,3")
    for f, series in lines.items():
        draw(series, COLORS[f])
    items = [("dash", "#777", {"en": "0.25 × |w| per layer", "ja": "1層あたり 0.25 × |w|"})]
    items += [("line", COLORS[f], NAMES[f]) for f in lines]
    c.raw(f'<g transform="translate({c.m},2)">{legend(items, lang, 2, 160)}</g>')
    return [{"svg": c.svg(), "caption": tr(CAPTION if key else SHEET_CAPTION, lang)}]
