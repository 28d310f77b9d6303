"""The `rnn` sheet: forward over time, the error, BPTT from the last step to the first, the gradients summed
over time and the update, for one input and H = 1 or 2 hidden units (kinds/rnn.py reads the spec).

Weights as the engine holds them (x @ Wx): Wx[j] joins the input to unit j, Wh[i,j] joins hₜ₋₁[i] to
hₜ[j], v[j] joins hₜ[j] to the output y = Σⱼ hₜ[j]·v[j] + c. With one unit the brackets are left out.
"""
from __future__ import annotations

from ...engine import functions as F
from ...worksheet.graph import Column, Q, Ref, Step, Table, Text, Worksheet
from ...worksheet.slips import Slip
from .network import ERROR_GRAD_SLIPS, precision_note, rounded
from .trials import subscript as sub

FUTURE_FORGOTTEN = {"en": "the gradient from the future forgotten (∂E/∂hₜ without ∂E/∂aₜ₊₁·Wh: it must be added "
                          "to the output's share)",
                    "ja": "未来の時刻からの勾配の足し忘れ (∂E/∂hₜ には出力からの分に ∂E/∂aₜ₊₁·Wh を加えます)"}
NOT_SUMMED = {"en": "the gradient not summed over time (only the last step's share written as the total)",
              "ja": "勾配の時刻についての足し忘れ (最後の時刻の分だけを合計として記入しています)"}
H_FOR_H_PREV = {"en": "hₜ used where hₜ₋₁ belongs (the share of Wh is ∂E/∂aₜ·hₜ₋₁: the state the step started from)",
                "ja": "hₜ₋₁ を使うところで hₜ を使用 (Wh の分は ∂E/∂aₜ·hₜ₋₁ で、その時刻に入ってきた状態を使います)"}


class Names:
    """How the sheet writes a quantity: time as a subscript, the unit in brackets when there are two."""

    def __init__(self, H: int):
        self.H = H

    def u(self, *idx) -> str:
        return "" if self.H == 1 else "[" + ",".join(str(i) for i in idx) + "]"

    def at(self, name: str, t, j=None) -> str:
        t = sub(t) if isinstance(t, int) else t
        return f"{name}{t}" + (self.u(j) if j is not None else "")


def count(params: dict) -> int:
    """The answer cells of a sheet, without building it."""
    H, T, every = params["hidden"], len(params["inputs"]), params["outputs"] == "every"
    forward = 2 * H * T + (3 * T + 1 if every else 2)
    backward = (T if every else 1) + 3 * H * T + (H + H * H) * T
    return forward + backward + 2 * (H + H * H + H + H + 1)


def build(kind: str, title: Text, params: dict) -> Worksheet:
    H, xs, every = params["hidden"], params["inputs"], params["outputs"] == "every"
    T, n, prec = len(xs), Names(params["hidden"]), rounded(params["decimals"])
    units = range(1, H + 1)
    ws = Worksheet(kind, params.get("title", title), instructions(H, T, every), precision_note(params["decimals"]))
    w = max(10, params["decimals"] + 6)

    # --- givens -------------------------------------------------------------------------------------------
    lr = ws.given("lr", params["learning_rate"], {"en": "learning rate η", "ja": "学習率 η"})
    rows = [[{"en": "learning rate η", "ja": "学習率 η"}, Q(lr)]]

    def given(name, value, en, ja, symbol):
        ws.given(name, value, {"en": f"{en} {symbol}", "ja": f"{ja} {symbol}"})
        rows.append([{"en": f"{en} {symbol}", "ja": f"{ja} {symbol}"}, Q(name)])
        return name

    h0 = {j: given(f"h0_{j}", params["initial_state"][j - 1], "initial state", "隠れ状態の初期値", n.at("h", 0, j))
          for j in units}
    Wx = {j: given(f"Wx_{j}", params["input_weights"][j - 1], "input weight", "入力の重み", "Wx" + n.u(j))
          for j in units}
    Wh = {(i, j): given(f"Wh_{i}_{j}", params["recurrent_weights"][i - 1][j - 1], "recurrent weight", "再帰の重み",
                        "Wh" + n.u(i, j)) for i in units for j in units}
    b = {j: given(f"b_{j}", params["bias"][j - 1], "bias", "バイアス", "b" + n.u(j)) for j in units}
    v = {j: given(f"v_{j}", params["output_weights"][j - 1], "output weight", "出力の重み", "v" + n.u(j))
         for j in units}
    c = given("c", params["output_bias"], "output bias", "出力のバイアス", "c")
    if not every:
        tg = {T: given("tg", params["target"], "target", "正解", "t")}
    ws.table(Table("settings", {"en": "Given", "ja": "与えられた値"},
                   [Column("", width=26), Column({"en": "value", "ja": "値"}, width=10)], rows, role="settings"))

    # --- forward over time -------------------------------------------------------------------------------
    x, h, y, E = {}, {0: h0}, {}, {}
    hv = "Σᵢ hₜ₋₁[i]·Wh[i,j]" if H > 1 else "hₜ₋₁·Wh"
    a_text = f"xₜ·Wx{n.u('j')} + {hv} + b{n.u('j')}"
    y_text = "Σⱼ hₜ[j]·v[j] + c" if H > 1 else "hₜ·v + c"
    forward = []
    for t in range(1, T + 1):
        x[t] = ws.given(f"x{t}", xs[t - 1], {"en": f"input x{sub(t)}", "ja": f"入力 x{sub(t)}"})
        where = {"en": f"time t = {t}", "ja": f"時刻 t = {t}"}
        label = lambda en, ja, s: {"en": f"{where['en']}: {en} {s}", "ja": f"{where['ja']}: {ja} {s}"}
        h[t] = {}
        row = [t, Q(x[t])] + [Ref(h[t - 1][j]) for j in units]
        a = {}
        for j in units:
            a[j] = ws.answer(f"a{t}_{j}", Step(F.affine_sum, ((x[t], *(h[t - 1][i] for i in units)),
                                                              (Wx[j], *(Wh[i, j] for i in units)), b[j])),
                             label("sum", "総和", n.at("a", t, j)), f"{n.at('a', t, j)} = {a_text}", prec)
        for j in units:
            h[t][j] = ws.answer(f"h{t}_{j}", Step(F.tanh, (a[j],)), label("hidden state", "隠れ状態", n.at("h", t, j)),
                                f"{n.at('h', t, j)} = tanh({n.at('a', t, j)})", prec)
        row += [Q(a[j]) for j in units] + [Q(h[t][j]) for j in units]
        if every:
            tg_t = ws.given(f"tg{t}", params["targets"][t - 1], {"en": f"target t{sub(t)}", "ja": f"正解 t{sub(t)}"})
            y[t] = ws.answer(f"y{t}", Step(F.affine_sum, (tuple(h[t].values()), tuple(v.values()), c)),
                             label("output", "出力", f"y{sub(t)}"), f"y{sub(t)} = {y_text}", prec)
            E[t] = ws.answer(f"E{t}", Step(F.squared_error, (y[t], tg_t)), label("error", "誤差", f"E{sub(t)}"),
                             f"E{sub(t)} = ½(y{sub(t)} − t{sub(t)})²", prec)
            row += [Q(tg_t), Q(y[t]), Q(E[t])]
        forward.append(row)
    cols = ([Column("t", width=5), Column("xₜ", width=7)]
            + [Column("hₜ₋₁" + n.u(j), width=w) for j in units]
            + [Column("aₜ" + n.u(j), a_text.replace("j", str(j)) if H > 1 else a_text, width=max(w, 16)) for j in units]
            + [Column("hₜ" + n.u(j), "tanh(aₜ" + n.u(j) + ")", width=w) for j in units])
    if every:
        E_all = ws.answer("E", Step(F.vsum, (tuple(E.values()),)), {"en": "error E", "ja": "誤差 E"},
                          "E = Σₜ Eₜ", prec)
        forward.append(["Σ", ""] + [""] * (3 * H) + ["", "", Q(E_all)])
        cols += [Column({"en": "target tₜ", "ja": "正解 tₜ"}, width=8), Column("yₜ", y_text, width=w),
                 Column("Eₜ", "½(yₜ − tₜ)²", width=w)]
    ws.table(Table("forward", {"en": "Forward over time: t = 1 to " + str(T), "ja": f"順伝播: 時刻 1 から {T} へ"},
                   cols, forward, note=None if not every else {"en": "The last row adds the errors: E = Σₜ Eₜ.",
                                                              "ja": "最後の行で誤差を合計します: E = Σₜ Eₜ。"}))

    dy = {}
    if not every:
        y[T] = ws.answer(f"y{T}", Step(F.affine_sum, (tuple(h[T].values()), tuple(v.values()), c)),
                         {"en": "output y", "ja": "出力 y"}, f"y = {y_text.replace('ₜ', sub(T))}", prec)
        E_all = ws.answer("E", Step(F.squared_error, (y[T], tg[T])), {"en": "error E", "ja": "誤差 E"},
                          "E = ½(y − t)²", prec)
        dy[T] = ws.answer(f"dy{T}", Step(F.squared_error_grad, (y[T], tg[T]), slips=ERROR_GRAD_SLIPS),
                          {"en": "gradient ∂E/∂y", "ja": "勾配 ∂E/∂y"}, "∂E/∂y = y − t", prec)
        ws.table(Table("output", {"en": f"The output at the last step t = {T} and the error",
                                  "ja": f"最後の時刻 t = {T} の出力と誤差"},
                       [Column({"en": "target t", "ja": "正解 t"}, width=9), Column("y", y_text.replace("ₜ", sub(T)), width=max(w, 14)),
                        Column("E", "½(y − t)²", width=w), Column("∂E/∂y", "y − t", width=w)],
                       [[Ref(tg[T]), Q(y[T]), Q(E_all), Q(dy[T])]]))

    # --- backward through time ---------------------------------------------------------------------------
    da: dict[int, dict[int, str]] = {}
    out_term = ("∂E/∂yₜ·v" if every else "∂E/∂y·v") + n.u("i")
    fut_term = "Σⱼ ∂E/∂aₜ₊₁[j]·Wh[i,j]" if H > 1 else "∂E/∂aₜ₊₁·Wh"
    backward = []
    for t in range(T, 0, -1):
        where = {"en": f"time t = {t}", "ja": f"時刻 t = {t}"}
        label = lambda en, ja, s: {"en": f"{where['en']}: {en} {s}", "ja": f"{where['ja']}: {ja} {s}"}
        row = [t]
        if every:
            dy[t] = ws.answer(f"dy{t}", Step(F.squared_error_grad, (y[t], f"tg{t}"), slips=ERROR_GRAD_SLIPS),
                              label("gradient", "勾配", f"∂E/∂y{sub(t)}"), f"∂E/∂y{sub(t)} = y{sub(t)} − t{sub(t)}", prec)
            row.append(Q(dy[t]))
        dh, d, da[t] = {}, {}, {}
        for i in units:
            s = lambda name, tt: n.at(name, tt, i)
            out = [(dy[t], v[i])] if t in dy else []
            fut = [(da[t + 1][j], Wh[i, j]) for j in units] if t < T else []
            terms = out + fut
            text = (f"{s('∂E/∂h', t)} = "
                    + " + ".join(([out_term.replace("ₜ", sub(t)).replace("[i]", n.u(i))] if out else [])
                                 + ([fut_term.replace("ₜ₊₁", sub(t + 1)).replace("[i,", f"[{i},")] if fut else [])))
            slips = ()
            if fut:  # the future term forgotten: the output's share alone (0 where the step has no output)
                slips = (Slip("rnn-future-forgotten", F.product, out[0], name=FUTURE_FORGOTTEN) if out
                         else Slip("rnn-future-forgotten", F.identity, (0.0,), name=FUTURE_FORGOTTEN),)
            dh[i] = ws.answer(f"dh{t}_{i}", Step(F.dot, (tuple(p for p, _ in terms), tuple(q for _, q in terms)),
                                                 slips=slips),
                              label("gradient", "勾配", s("∂E/∂h", t)), text, prec)
        for j in units:
            d[j] = ws.answer(f"d{t}_{j}", Step(F.tanh_grad_from_output, (h[t][j],)),
                             label("tanh′", "tanh の微分", f"1 − {n.at('h', t, j)}²"), f"tanh′ = 1 − {n.at('h', t, j)}²",
                             prec)
            da[t][j] = ws.answer(f"da{t}_{j}", Step(F.product, (dh[j], d[j])),
                                 label("gradient", "勾配", n.at("∂E/∂a", t, j)),
                                 f"{n.at('∂E/∂a', t, j)} = {n.at('∂E/∂h', t, j)}·(1 − {n.at('h', t, j)}²)", prec)
        row += [Q(dh[i]) for i in units] + [Q(d[j]) for j in units] + [Q(da[t][j]) for j in units]
        backward.append(row)
    dh_text = f"{out_term} + {fut_term}" if every else fut_term
    last_note = None if every else {
        "en": f"At t = {T} the gradient comes from the output only: ∂E/∂h{sub(T)} = ∂E/∂y·v; before it, from the "
              "future only: ∂E/∂hₜ = ∂E/∂aₜ₊₁·Wh.",
        "ja": f"t = {T} では勾配は出力からだけ届きます: ∂E/∂h{sub(T)} = ∂E/∂y·v。それより前の時刻では未来の時刻から"
              "だけ届きます: ∂E/∂hₜ = ∂E/∂aₜ₊₁·Wh。"}
    ws.table(Table("backward", {"en": f"Backward through time (BPTT): t = {T} back to 1",
                                "ja": f"通時的誤差逆伝播法 (BPTT): 時刻 {T} から 1 へ"},
                   [Column("t", width=5)] + ([Column("∂E/∂yₜ", "yₜ − tₜ", width=w)] if every else [])
                   + [Column("∂E/∂hₜ" + n.u(i), dh_text.replace("[i", f"[{i}").replace("v[i]", f"v[{i}]"),
                             width=max(w, 24 if every else 14)) for i in units]
                   + [Column("1 − hₜ" + n.u(j) + "²", "tanh′", width=w) for j in units]
                   + [Column("∂E/∂aₜ" + n.u(j), "∂E/∂hₜ·(1 − hₜ²)", width=max(w, 14)) for j in units], backward,
                   note=last_note))

    # --- every step's share of the gradients, summed over time -------------------------------------------
    shares, sx, sh = [], {}, {}
    for t in range(T, 0, -1):
        where = {"en": f"time t = {t}", "ja": f"時刻 t = {t}"}
        row = [t] + ([Ref(x[t]), Ref(h[t - 1][1])] if H == 1 else [])
        for j in units:
            sx[t, j] = ws.answer(f"sx{t}_{j}", Step(F.product, (da[t][j], x[t])),
                                 {"en": f"{where['en']}: share of ∂E/∂Wx{n.u(j)}",
                                  "ja": f"{where['ja']}: ∂E/∂Wx{n.u(j)} の分"},
                                 f"{n.at('∂E/∂a', t, j)}·x{sub(t)}", prec)
        for i in units:
            for j in units:
                sh[t, i, j] = ws.answer(
                    f"sh{t}_{i}_{j}", Step(F.product, (da[t][j], h[t - 1][i]),
                                           slips=(Slip("rnn-h-for-h-prev", args=(da[t][j], h[t][i]), name=H_FOR_H_PREV),)),
                    {"en": f"{where['en']}: share of ∂E/∂Wh{n.u(i, j)}", "ja": f"{where['ja']}: ∂E/∂Wh{n.u(i, j)} の分"},
                    f"{n.at('∂E/∂a', t, j)}·{n.at('h', t - 1, i)}", prec)
        row += [Q(sx[t, j]) for j in units] + [Q(sh[t, i, j]) for i in units for j in units]
        row += [Ref(da[t][j]) for j in units]
        shares.append(row)

    def total(name, parts, label, symbol):
        return ws.answer(name, Step(F.vsum, (tuple(parts),),
                                    slips=(Slip("rnn-not-summed", F.identity, (parts[0],), name=NOT_SUMMED),)),
                         {"en": f"gradient {symbol}", "ja": f"勾配 {symbol}"}, f"{symbol} = Σₜ {label}", prec)

    ts = range(T, 0, -1)  # parts[0] is the last step's share
    gWx = {j: total(f"gWx_{j}", [sx[t, j] for t in ts], f"∂E/∂aₜ{n.u(j)}·xₜ", f"∂E/∂Wx{n.u(j)}") for j in units}
    gWh = {(i, j): total(f"gWh_{i}_{j}", [sh[t, i, j] for t in ts], f"∂E/∂aₜ{n.u(j)}·hₜ₋₁{n.u(i)}",
                         f"∂E/∂Wh{n.u(i, j)}") for i in units for j in units}
    gb = {j: total(f"gb_{j}", [da[t][j] for t in ts], f"∂E/∂aₜ{n.u(j)}", f"∂E/∂b{n.u(j)}") for j in units}
    shares.append(["Σ"] + (["", ""] if H == 1 else []) + [Q(gWx[j]) for j in units]
                  + [Q(gWh[i, j]) for i in units for j in units] + [Q(gb[j]) for j in units])
    ws.table(Table("gradients", {"en": "Each step's share of the gradients, and their sum over time",
                                 "ja": "各時刻の勾配の分と、その時刻についての合計"},
                   [Column("t", width=5)] + ([Column("xₜ", width=7), Column("hₜ₋₁", width=w)] if H == 1 else [])
                   + [Column("∂E/∂Wx" + n.u(j), f"∂E/∂aₜ{n.u(j)}·xₜ", width=max(w, 13)) for j in units]
                   + [Column("∂E/∂Wh" + n.u(i, j), f"∂E/∂aₜ{n.u(j)}·hₜ₋₁{n.u(i)}", width=max(w, 15))
                      for i in units for j in units]
                   + [Column("∂E/∂b" + n.u(j), f"∂E/∂aₜ{n.u(j)}", width=max(w, 11)) for j in units], shares,
                   note={"en": "The last row adds the column: the same weights work at every step, so their gradient "
                               "is the sum of every step's share.",
                         "ja": "最後の行で各列を合計します。同じ重みがすべての時刻で使われるので、その勾配は各時刻の分の"
                               "合計になります。"}))

    # --- the output weights' gradients and the update ----------------------------------------------------
    outs = sorted(dy)
    gv = {}
    for j in units:
        hj = n.at("h", "ₜ" if every else T, j)
        if every:
            step = Step(F.dot, (tuple(dy[t] for t in outs), tuple(h[t][j] for t in outs)),
                        slips=(Slip("rnn-not-summed", F.product, (dy[T], h[T][j]), name=NOT_SUMMED),))
            text = f"∂E/∂v{n.u(j)} = Σₜ ∂E/∂yₜ·{hj}"
        else:
            step, text = Step(F.product, (dy[T], h[T][j])), f"∂E/∂v{n.u(j)} = ∂E/∂y·{hj}"
        gv[j] = ws.answer(f"gv_{j}", step, {"en": f"gradient ∂E/∂v{n.u(j)}", "ja": f"勾配 ∂E/∂v{n.u(j)}"}, text, prec)
    if every:
        gc = ws.answer("gc", Step(F.vsum, (tuple(dy[t] for t in outs),),
                                  slips=(Slip("rnn-not-summed", F.identity, (dy[T],), name=NOT_SUMMED),)),
                       {"en": "gradient ∂E/∂c", "ja": "勾配 ∂E/∂c"}, "∂E/∂c = Σₜ ∂E/∂yₜ", prec)
    else:
        gc = ws.answer("gc", Step(F.identity, (dy[T],)), {"en": "gradient ∂E/∂c", "ja": "勾配 ∂E/∂c"},
                       "∂E/∂c = ∂E/∂y", prec)
    update = []
    for key, old, grad, symbol, computed in (
            [(f"Wx_{j}", Wx[j], gWx[j], "Wx" + n.u(j), False) for j in units]
            + [(f"Wh_{i}_{j}", Wh[i, j], gWh[i, j], "Wh" + n.u(i, j), False) for i in units for j in units]
            + [(f"b_{j}", b[j], gb[j], "b" + n.u(j), False) for j in units]
            + [(f"v_{j}", v[j], gv[j], "v" + n.u(j), True) for j in units] + [("c", c, gc, "c", True)]):
        new = ws.answer(f"n{key}", Step(F.gradient_step, (old, grad, lr)),
                        {"en": f"new weight {symbol}'", "ja": f"新しい重み {symbol}'"},
                        f"{symbol}' = {symbol} − η·∂E/∂{symbol}", prec)
        update.append([symbol, Ref(old), Q(grad) if computed else Ref(grad), Q(new)])
    ws.table(Table("update", {"en": "The update: every weight one step against its gradient",
                              "ja": "更新: すべての重みを勾配と逆向きに1歩動かす"},
                   [Column({"en": "weight", "ja": "重み"}, width=10), Column("w", {"en": "before", "ja": "更新前"}, width=w),
                    Column("∂E/∂w", width=max(w, 12)), Column("w'", "w − η·∂E/∂w", width=max(w, 13))], update))
    return ws


def instructions(H: int, T: int, every: bool) -> Text:
    units = {"en": "one hidden unit" if H == 1 else f"{H} hidden units", "ja": f"隠れ状態のユニットが {H} 個"}
    out = ({"en": "an output yₜ = hₜ·v + c at every step and the error E = Σₜ ½(yₜ − tₜ)²",
            "ja": "各時刻の出力 yₜ = hₜ·v + c と誤差 E = Σₜ ½(yₜ − tₜ)²"} if every else
           {"en": f"one output y = h{sub(T)}·v + c at the last step and the error E = ½(y − t)²",
            "ja": f"最後の時刻だけの出力 y = h{sub(T)}·v + c と誤差 E = ½(y − t)²"})
    return {
        "en": (f"A recurrent neural network (RNN) with {units['en']} reads a sequence of {T} inputs: "
               "hₜ = tanh(aₜ), aₜ = xₜ·Wx + hₜ₋₁·Wh + b, the same weights at every step, with "
               f"{out['en']}. Work forward from t = 1 to {T}, then backpropagate through time (BPTT) from t = {T} "
               "back to 1: ∂E/∂hₜ collects the gradient from the output at t and from the future, ∂E/∂aₜ₊₁·Wh; "
               "∂E/∂aₜ = ∂E/∂hₜ·(1 − hₜ²). Each step adds its share to the gradients of Wx, Wh and b; sum "
               "the shares over time, then update every weight: w' = w − η·∂E/∂w."),
        "ja": (f"{units['ja']}の再帰型ニューラルネットワーク (RNN) に、長さ {T} の入力の系列を与えます: "
               "hₜ = tanh(aₜ)、aₜ = xₜ·Wx + hₜ₋₁·Wh + b で、重みはすべての時刻で共通です。出力は"
               f"{out['ja']}です。時刻 1 から {T} へ順伝播したあと、時刻 {T} から 1 へ通時的誤差逆伝播法 (BPTT) "
               "で勾配を求めます。∂E/∂hₜ には、時刻 t の出力からの勾配と、未来の時刻からの勾配 ∂E/∂aₜ₊₁·Wh を"
               "足し合わせます。∂E/∂aₜ = ∂E/∂hₜ·(1 − hₜ²) です。各時刻は Wx、Wh、b の勾配に自分の分を"
               "加えるので、時刻について合計してから、すべての重みを w' = w − η·∂E/∂w で更新します。"),
    }
