"""The tables of the `gru` sheet (kinds/gru.py): one GRU unit over T time steps, scalar inputs, the loss at the
last step, backward through time and one SGD step. Quantity names: ur{t}, r{t}, uz{t}, z{t}, m{t}, un{t}, n{t},
h{t} forward; E and dh{T}; dz, dlz (δz), dn, dln (δn), dm, dr, dlr (δr) of each step and dh{t−1}; g_{w} and
new_{w} for every parameter w of PARAMS.
"""
from __future__ import annotations

from ...engine import functions as F
from ...engine import gru_steps as G
from ...worksheet.graph import Column, Q, Ref, Step, Table, Text, Worksheet
from ...worksheet.slips import Slip
from .network import ERROR_GRAD_SLIPS, precision_note, rounded

SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
GATES = ("r", "z", "n")
PARAMS = ("Wxr", "Whr", "br", "Wxz", "Whz", "bz", "Wxn", "Whn", "bn", "bhn")

Z_SWAPPED = {"en": "z and 1 − z swapped in h' (z·n + (1 − z)·h, some textbooks' form; this sheet, as PyTorch, "
                   "uses h' = (1 − z)·n + z·h)",
             "ja": "h' での z と 1 − z の取り違え (z·n + (1 − z)·h は一部の教科書の形です。このシートは PyTorch と"
                   "同じく h' = (1 − z)·n + z·h を使います)"}
RESET_BEFORE = {"en": "the reset gate applied to h before the product (x·Wxn + bn + (r·h)·Whn + bhn, Cho et al.'s "
                      "form) instead of to the whole m = h·Whn + bhn",
                "ja": "リセットゲートを積の前の h に掛ける誤り (x·Wxn + bn + (r·h)·Whn + bhn は Cho らの形です。"
                      "このシートでは r を m = h·Whn + bhn 全体に掛けます)"}
NOT_CARRIED = {"en": "the direct path z·∂E/∂h' left out of ∂E/∂h (only the paths through Whr, Whz and Whn added)",
               "ja": "∂E/∂h での直接の経路 z·∂E/∂h' の足し忘れ (Whr・Whz・Whn を通る項だけを足しています)"}


def sub(n) -> str:
    return str(n).translate(SUB)


def at(t: int) -> dict:
    return {"en": f"time t = {t}", "ja": f"時刻 t = {t}"}


def _row(label: Text, formula: str, name: str) -> list:
    return [label, formula, Q(name)]


def _table(ws: Worksheet, name: str, title: Text, rows: list, width: int, note: Text | None = None) -> None:
    ws.table(Table(name, title, [Column({"en": "quantity", "ja": "量"}, width=30),
                                 Column({"en": "how to compute", "ja": "計算のしかた"}, width=46),
                                 Column({"en": "value", "ja": "値"}, width=width)], rows, note=note))


def instructions(params: dict) -> Text:
    T = len(params["inputs"])
    xs = ", ".join(f"x{sub(t)}" for t in range(1, T + 1))
    xs_ja = "、".join(f"x{sub(t)}" for t in range(1, T + 1))
    h0 = f"{params['h0']:g}"
    return {
        "en": f"A GRU with one unit reads the inputs {xs} one time step at a time, from the hidden state "
              f"h₀ = {h0}. At every step the same weights give the reset gate r = σ(x·Wxr + h·Whr + br), the update "
              "gate z = σ(x·Wxz + h·Whz + bz), the candidate n = tanh(x·Wxn + bn + r·m) with m = h·Whn + bhn, and "
              "the new state h' = (1 − z)·n + z·h (h is the previous step's state). This is PyTorch's form "
              "(torch.nn.GRU): some textbooks write h' = z·n + (1 − z)·h, z's role swapped, and Cho et al. (2014) "
              f"apply r to h before the product with Whn. The loss is taken at the last step only: "
              f"E = ½(h{sub(T)} − t)². Work forward step by step, then the loss, then backward from the last step "
              "to the first (backpropagation through time): ∂E/∂h reaches the step before straight through z and "
              "through the three gates' Wh. Each weight's gradient adds its shares of every step; last, take one "
              "step of gradient descent, w' = w − η·∂E/∂w.",
        "ja": f"ユニットが1つの GRU に、入力 {xs_ja} を時刻ごとに1つずつ与えます。隠れ状態の初期値は h₀ = {h0} です。"
              "各時刻で同じ重みを使い、リセットゲート r = σ(x·Wxr + h·Whr + br)、更新ゲート z = σ(x·Wxz + h·Whz + bz)、"
              "新しい状態の候補 n = tanh(x·Wxn + bn + r·m)(m = h·Whn + bhn)、新しい隠れ状態 h' = (1 − z)·n + z·h"
              "を求めます(h は1つ前の時刻の隠れ状態です)。これは PyTorch(torch.nn.GRU)の式です。教科書によっては z の"
              "役割を入れ替えて h' = z·n + (1 − z)·h と書くものや、Cho ら(2014年)のように r を Whn との積の前の h に"
              f"掛けるものもあるので注意してください。誤差は最後の時刻だけで E = ½(h{sub(T)} − t)² とします。順伝播を"
              "時刻の順に計算して誤差を求めたら、最後の時刻から最初の時刻へ逆伝播します(通時的誤差逆伝播法)。∂E/∂h は"
              "z を通って直接、また3つのゲートの Wh を通って1つ前の時刻へ届きます。各重みの勾配は全時刻の分の和です。"
              "最後に勾配降下法で1回だけ更新します: w' = w − η·∂E/∂w。",
    }


def givens(ws: Worksheet, params: dict) -> tuple[list[str], dict[str, str]]:
    """The inputs, target, h₀ and η (the settings), and the weights table; returns the inputs and weights."""
    T = len(params["inputs"])
    xs = [ws.given(f"x{t}", v, {"en": f"input x{sub(t)}", "ja": f"入力 x{sub(t)}"})
          for t, v in enumerate(params["inputs"], 1)]
    target = ws.given("target", params["target"], {"en": "target t", "ja": "教師信号 t"})
    h0 = ws.given("h0", params["h0"], {"en": "initial hidden state h₀", "ja": "隠れ状態の初期値 h₀"})
    lr = ws.given("lr", params["learning_rate"], {"en": "learning rate η", "ja": "学習率 η"})
    rows = [[{"en": f"input x{sub(t)} (time t = {t})", "ja": f"入力 x{sub(t)}(時刻 t = {t})"}, Q(x)]
            for t, x in enumerate(xs, 1)]
    rows += [[{"en": f"target t (for h{sub(T)})", "ja": f"教師信号 t(h{sub(T)} に対して)"}, Q(target)],
             [{"en": "initial hidden state h₀", "ja": "隠れ状態の初期値 h₀"}, Q(h0)],
             [{"en": "learning rate η", "ja": "学習率 η"}, Q(lr)]]
    ws.table(Table("settings", {"en": "Given", "ja": "与えられた値"},
                   [Column("", width=30), Column({"en": "value", "ja": "値"}, width=10)], rows, role="settings"))
    w = {}
    values = {"Wx": params["Wx"], "Wh": params["Wh"], "b": params["b"]}
    gate_words = {"r": {"en": "reset gate r", "ja": "リセットゲート r"},
                  "z": {"en": "update gate z", "ja": "更新ゲート z"},
                  "n": {"en": "candidate n", "ja": "候補 n"}}
    rows = []
    for k, g in enumerate(GATES):
        row = [gate_words[g]]
        for part in ("Wx", "Wh", "b"):
            name = f"{part}{g}" if part != "b" else f"b{g}"
            w[name] = ws.given(name, values[part][k], {"en": f"weight {name}", "ja": f"重み {name}"}
                               if part != "b" else {"en": f"bias {name}", "ja": f"バイアス {name}"})
            row.append(Q(name))
        if g == "n":
            w["bhn"] = ws.given("bhn", params["bhn"], {"en": "bias bhn", "ja": "バイアス bhn"})
            row.append(Q("bhn"))
        else:
            row.append("—")
        rows.append(row)
    ws.table(Table("weights", {"en": "Weights (the same at every time step)", "ja": "重み(全時刻で共通)"},
                   [Column({"en": "gate", "ja": "ゲート"}, width=20), Column("Wx", "Wxr, Wxz, Wxn", width=9),
                    Column("Wh", "Whr, Whz, Whn", width=9), Column("b", "br, bz, bn", width=9),
                    Column("bhn", {"en": "inside r·m", "ja": "r·m の中"}, width=9)], rows))
    return xs, {"target": target, "h0": h0, "lr": lr}


def build(params: dict, kind: str, title: Text) -> Worksheet:
    T, prec, width = len(params["inputs"]), rounded(params["decimals"]), max(11, params["decimals"] + 6)
    ws = Worksheet(kind, title, instructions(params), precision_note(params["decimals"]))
    xs, g = givens(ws, params)
    hs = [g["h0"]]
    for t in range(1, T + 1):
        x, h, s, p = xs[t - 1], hs[-1], sub(t), sub(t - 1)

        def add(name, step, en, ja, formula):
            ws.answer(f"{name}{t}", step, {"en": f"t = {t}: {en}", "ja": f"時刻 t = {t}: {ja}"}, formula, prec)
            rows.append(_row({"en": en, "ja": ja}, formula, f"{name}{t}"))
            return f"{name}{t}"

        rows: list = []
        ur = add("ur", Step(F.affine_sum, ((x, h), ("Wxr", "Whr"), "br")), f"reset gate's sum ur{s}",
                 f"リセットゲートの総和 ur{s}", f"x{s}·Wxr + h{p}·Whr + br")
        r = add("r", Step(F.sigmoid, (ur,)), f"reset gate r{s}", f"リセットゲート r{s}", f"σ(ur{s})")
        uz = add("uz", Step(F.affine_sum, ((x, h), ("Wxz", "Whz"), "bz")), f"update gate's sum uz{s}",
                 f"更新ゲートの総和 uz{s}", f"x{s}·Wxz + h{p}·Whz + bz")
        z = add("z", Step(F.sigmoid, (uz,)), f"update gate z{s}", f"更新ゲート z{s}", f"σ(uz{s})")
        m = add("m", Step(F.affine_sum, ((h,), ("Whn",), "bhn")), f"hidden part of the candidate m{s}",
                f"候補の隠れ状態側の項 m{s}", f"h{p}·Whn + bhn")
        un = add("un", Step(F.affine_sum, ((x, r), ("Wxn", m), "bn"), slips=(
            Slip("gru-reset-before-product", lambda x_, w, b, r_, h_, wh, bh: x_ * w + b + r_ * h_ * wh + bh,
                 (x, "Wxn", "bn", r, h, "Whn", "bhn"), name=RESET_BEFORE),)),
            f"candidate's sum un{s}", f"候補の総和 un{s}", f"x{s}·Wxn + bn + r{s}·m{s}")
        n = add("n", Step(F.tanh, (un,)), f"candidate n{s}", f"新しい状態の候補 n{s}", f"tanh(un{s})")
        hs.append(add("h", Step(G.mix, (z, n, h), slips=(
            Slip("gru-z-swapped", lambda z_, n_, h_: z_ * n_ + (1 - z_) * h_, name=Z_SWAPPED),)),
            f"hidden state h{s}", f"隠れ状態 h{s}", f"(1 − z{s})·n{s} + z{s}·h{p}"))
        _table(ws, f"forward{t}", {"en": f"Forward, time t = {t}", "ja": f"順伝播: 時刻 t = {t}"}, rows, width)

    hT = hs[-1]
    E = ws.answer("E", Step(F.squared_error, (hT, g["target"])), {"en": "loss E", "ja": "誤差 E"},
                  f"½(h{sub(T)} − t)²", prec)
    dh = ws.answer(f"dh{T}", Step(F.squared_error_grad, (hT, g["target"]), slips=ERROR_GRAD_SLIPS),
                   {"en": f"∂E/∂h{sub(T)}", "ja": f"∂E/∂h{sub(T)}"}, f"h{sub(T)} − t", prec)
    _table(ws, "loss", {"en": f"Loss at the last step, t = {T}", "ja": f"誤差: 最後の時刻 t = {T}"},
           [_row({"en": "loss E", "ja": "誤差 E"}, f"½(h{sub(T)} − t)²", E),
            _row(f"∂E/∂h{sub(T)}", f"h{sub(T)} − t", dh)], width)

    deltas: dict[str, list[str]] = {"dlr": [], "dlz": [], "dln": [], "dm": []}
    for t in range(T, 0, -1):
        s, p = sub(t), sub(t - 1)
        rows = []

        def back(name, step, en, ja, formula):
            ws.answer(f"{name}{t}", step, {"en": f"t = {t}: {en}", "ja": f"時刻 t = {t}: {ja}"}, formula, prec)
            rows.append(_row(en if en == ja else {"en": en, "ja": ja}, formula, f"{name}{t}"))
            return f"{name}{t}"

        h, z, n, r, m = hs[t - 1], f"z{t}", f"n{t}", f"r{t}", f"m{t}"
        dz = back("dz", Step(G.update_gate_grad, (dh, h, n)), f"∂E/∂z{s}", f"∂E/∂z{s}", f"∂E/∂h{s}·(h{p} − n{s})")
        dlz = back("dlz", Step(G.sigmoid_back, (dz, z)), f"δz{s} = ∂E/∂uz{s}", f"δz{s} = ∂E/∂uz{s}",
                   f"∂E/∂z{s}·z{s}(1 − z{s})")
        dn = back("dn", Step(G.candidate_grad, (dh, z)), f"∂E/∂n{s}", f"∂E/∂n{s}", f"∂E/∂h{s}·(1 − z{s})")
        dln = back("dln", Step(G.tanh_back, (dn, n), slips=(Slip("tanh-grad-not-squared", lambda d, y: d * (1 - y)),)),
                   f"δn{s} = ∂E/∂un{s}", f"δn{s} = ∂E/∂un{s}", f"∂E/∂n{s}·(1 − n{s}²)")
        dm = back("dm", Step(F.product, (dln, r)), f"∂E/∂m{s}", f"∂E/∂m{s}", f"δn{s}·r{s}")
        dr = back("dr", Step(F.product, (dln, m)), f"∂E/∂r{s}", f"∂E/∂r{s}", f"δn{s}·m{s}")
        dlr = back("dlr", Step(G.sigmoid_back, (dr, r)), f"δr{s} = ∂E/∂ur{s}", f"δr{s} = ∂E/∂ur{s}",
                   f"∂E/∂r{s}·r{s}(1 − r{s})")
        for key, name in (("dlr", dlr), ("dlz", dlz), ("dln", dln), ("dm", dm)):
            deltas[key].insert(0, name)
        if t > 1:
            dh = ws.answer(f"dh{t - 1}", Step(F.affine_sum, ((z, dlr, dlz, dm), (dh, "Whr", "Whz", "Whn")), slips=(
                Slip("gru-state-gradient-not-carried", args=((dlr, dlz, dm), ("Whr", "Whz", "Whn")), name=NOT_CARRIED),)),
                {"en": f"t = {t}: ∂E/∂h{p}", "ja": f"時刻 t = {t}: ∂E/∂h{p}"},
                f"z{s}·∂E/∂h{s} + δr{s}·Whr + δz{s}·Whz + ∂E/∂m{s}·Whn", prec)
            rows.append(_row(f"∂E/∂h{p}", f"z{s}·∂E/∂h{s} + δr{s}·Whr + δz{s}·Whz + ∂E/∂m{s}·Whn", dh))
        _table(ws, f"backward{t}", {"en": f"Backward, time t = {t}", "ja": f"逆伝播: 時刻 t = {t}"}, rows, width)

    _gradients(ws, T, xs, hs, deltas, g["lr"], prec, width)
    return ws


def _gradients(ws, T, xs, hs, deltas, lr, prec, width) -> None:
    """Every parameter's gradient summed over the steps, and its new value."""
    prev = tuple(hs[:T])
    sources = {"Wxr": ("dlr", xs, "x"), "Whr": ("dlr", prev, "h"), "br": ("dlr", None, ""),
               "Wxz": ("dlz", xs, "x"), "Whz": ("dlz", prev, "h"), "bz": ("dlz", None, ""),
               "Wxn": ("dln", xs, "x"), "Whn": ("dm", prev, "h"), "bn": ("dln", None, ""),
               "bhn": ("dm", None, "")}
    shown = {"dlr": "δr{}", "dlz": "δz{}", "dln": "δn{}", "dm": "∂E/∂m{}"}
    rows = []
    for w in PARAMS:
        key, factors, letter = sources[w]
        ds = tuple(deltas[key])
        terms = [shown[key].format(sub(t)) + (f"·{letter}{sub(t if letter == 'x' else t - 1)}" if factors else "")
                 for t in range(1, T + 1)]
        formula = " + ".join(terms)
        step = Step(F.affine_sum, (ds, tuple(factors))) if factors else Step(F.vsum, (ds,))
        grad = ws.answer(f"g_{w}", step, {"en": f"∂E/∂{w}", "ja": f"∂E/∂{w}"}, formula, prec)
        new = ws.answer(f"new_{w}", Step(F.gradient_step, (w, grad, lr)), {"en": f"new {w}", "ja": f"更新後の {w}"},
                        f"{w} − η·∂E/∂{w}", prec)
        rows.append([w, formula, Ref(w), Q(grad), Q(new)])
    ws.table(Table("update", {"en": "Gradients summed over time, and the update",
                              "ja": "全時刻で足し合わせた勾配と更新"},
                   [Column({"en": "weight", "ja": "重み"}, width=8),
                    Column({"en": "∂E/∂w: the shares of every step", "ja": "∂E/∂w: 各時刻の分の和"}, width=34),
                    Column({"en": "now", "ja": "現在の値"}, width=9),
                    Column("∂E/∂w", width=width), Column("w'", "w − η·∂E/∂w", width=width)], rows))
