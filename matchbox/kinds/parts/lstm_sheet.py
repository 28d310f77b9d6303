"""The tables of the `lstm` sheet (kinds/lstm.py): one LSTM unit over T time steps, forward, the loss, the
backward through h and c from the last step to the first, the gradients summed over time and the SGD update.

Quantity names: x{t}_{d} the inputs, t{t} the targets, wx_{k}_{d}, wh_{k}, b_{k} the weights of gate k
(i, f, g, o, PyTorch's order), a{t}_{k} and {k}{t} each gate's sum and value, c{t}, tc{t} (tanh cₜ), h{t};
e{t} = hₜ − tₜ, loss; dh{t}, dc{t} and d{k}{t} (∂E/∂a) going back; gwx_…, gwh_…, gb_… the gradients and
nwx_…, nwh_…, nb_… the new weights.
"""
from __future__ import annotations

from ...engine import functions as F
from ...engine import lstm_steps as L
from ...worksheet.graph import Column, Q, Ref, Step, Table, Worksheet
from ...worksheet.slips import Slip
from .network import ERROR_GRAD_SLIPS, rounded

GATES = "ifgo"  # PyTorch's order: input gate, forget gate, the new memory g, output gate
GATE = {"i": {"en": "input gate i", "ja": "入力ゲート i"},
        "f": {"en": "forget gate f", "ja": "忘却ゲート f"},
        "g": {"en": "new memory g", "ja": "新しい記憶 g"},
        "o": {"en": "output gate o", "ja": "出力ゲート o"}}
SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")

FORGET_ON_CANDIDATE = {"en": "the forget gate applied to the new memory (c = i·cₜ₋₁ + f·g instead of f·cₜ₋₁ + i·g: "
                             "the gates i and f swapped)",
                       "ja": "忘却ゲートを新しい記憶に掛ける誤り (c = f·cₜ₋₁ + i·g ではなく i·cₜ₋₁ + f·g。"
                             "ゲート i と f の取り違え)"}
TANH_FORGOTTEN = {"en": "tanh of the memory cell forgotten (h = o·c instead of o·tanh(c))",
                  "ja": "記憶セルの tanh の付け忘れ (h = o·tanh(c) ではなく o·c)"}
NOT_CARRIED = {"en": "the memory cell's gradient not carried back (∂E/∂cₜ₊₁·fₜ₊₁ left out of ∂E/∂cₜ)",
               "ja": "記憶セルの勾配の伝え忘れ (∂E/∂cₜ に ∂E/∂cₜ₊₁·fₜ₊₁ を足していません)"}
LAST_STEP_ONLY = {"en": "only the last time step's share (a shared weight's gradient is the sum over every step)",
                  "ja": "最後の時刻の分だけの勾配 (共通の重みの勾配は全時刻の和です)"}


def sub(n) -> str:
    return str(n).translate(SUB)


def gate_label(k: str, lang: str) -> str:
    return GATE[k][lang]


class Sheet:
    """Writes the quantities and tables in the order a learner fills them."""

    def __init__(self, params: dict, ws: Worksheet):
        self.p, self.ws = params, ws
        self.T, self.D = len(params["inputs"]), len(params["inputs"][0])
        self.every = params["loss"] == "every"
        self.prec = rounded(params["decimals"])
        self.width = max(9, params["decimals"] + 5)
        self.xn = ["x"] if self.D == 1 else [f"x{sub(d + 1)}" for d in range(self.D)]  # the input's parts
        self.wxn = ["wx"] if self.D == 1 else [f"wx{sub(d + 1)}" for d in range(self.D)]

    def at(self, t: int, en: str, ja: str) -> dict:
        return {"en": f"time step {t}: {en}", "ja": f"時刻 {t}: {ja}"}

    # --- the givens ---------------------------------------------------------------------------------------

    def givens(self) -> None:
        ws, p, T, D = self.ws, self.p, self.T, self.D
        rows = []
        targets = dict(zip(range(1, T + 1), p["targets"])) if self.every else {T: p["targets"][0]}
        for t in range(1, T + 1):
            xs = [ws.given(f"x{t}_{d + 1}", p["inputs"][t - 1][d], self.at(t, f"input {self.xn[d]}{sub(t)}",
                                                                          f"入力 {self.xn[d]}{sub(t)}"))
                  for d in range(D)]
            tt = (Q(ws.given(f"t{t}", targets[t], self.at(t, f"target t{sub(t)}", f"教師信号 t{sub(t)}")))
                  if t in targets else "—")
            rows.append([f"t = {t}", *map(Q, xs), tt])
        ws.table(Table("inputs", {"en": "The sequence: inputs and targets", "ja": "系列: 入力と教師信号"},
                       [Column({"en": "time step", "ja": "時刻"}, width=10),
                        *(Column(f"{x}ₜ", width=8) for x in self.xn),
                        Column({"en": "target tₜ", "ja": "教師信号 tₜ"}, width=12)], rows))
        rows = []
        for j, k in enumerate(GATES):
            wx = [ws.given(f"wx_{k}_{d + 1}", p["input_weights"][d][j],
                           {"en": f"{GATE[k]['en']}: weight {self.wxn[d]}", "ja": f"{GATE[k]['ja']}: 重み {self.wxn[d]}"})
                  for d in range(D)]
            wh = ws.given(f"wh_{k}", p["hidden_weights"][j], {"en": f"{GATE[k]['en']}: weight wh",
                                                              "ja": f"{GATE[k]['ja']}: 重み wh"})
            b = ws.given(f"b_{k}", p["bias"][j], {"en": f"{GATE[k]['en']}: bias b", "ja": f"{GATE[k]['ja']}: バイアス b"})
            rows.append([GATE[k], *map(Q, wx), Q(wh), Q(b)])
        ws.table(Table("weights", {"en": "Weights (the same at every time step)", "ja": "重み(全時刻で共通)"},
                       [Column({"en": "gate", "ja": "ゲート"}, width=18), *(Column(w, width=8) for w in self.wxn),
                        Column("wh", width=8), Column("b", width=8)], rows))

    # --- forward --------------------------------------------------------------------------------------------

    def forward(self, t: int) -> None:
        ws, prec, w = self.ws, self.prec, self.width
        xs, h_prev, c_prev = [f"x{t}_{d + 1}" for d in range(self.D)], "h0" if t == 1 else f"h{t - 1}", f"c{t - 1}"
        if t == 1:
            c_prev = "c0"
        s, s1 = sub(t), sub(t - 1)
        sum_text = " + ".join(f"{wx}·{x}{s}" for wx, x in zip(self.wxn, self.xn)) + f" + wh·h{s1} + b"
        rows = []
        for k in GATES:
            a = ws.answer(f"a{t}_{k}", Step(F.affine_sum, ((*xs, h_prev), (*(f"wx_{k}_{d + 1}" for d in range(self.D)),
                                                                           f"wh_{k}"), f"b_{k}")),
                          self.at(t, f"{GATE[k]['en']}: sum a", f"{GATE[k]['ja']} の入力の総和 a"), sum_text, prec)
            fn, text = (F.tanh, "tanh(a)") if k == "g" else (F.sigmoid, "σ(a)")
            v = ws.answer(f"{k}{t}", Step(fn, (a,)), self.at(t, f"{GATE[k]['en']}: {k}{s}", f"{GATE[k]['ja']} の値 {k}{s}"),
                          f"{k}{s} = {text}", prec)
            rows.append([GATE[k], *map(Ref, xs), Ref(h_prev), *(Ref(f"wx_{k}_{d + 1}") for d in range(self.D)),
                         Ref(f"wh_{k}"), Ref(f"b_{k}"), Q(a), Q(v)])
        ws.table(Table(f"gates{t}", {"en": f"Time step {t}: the gates", "ja": f"時刻 {t}: ゲート"},
                       [Column({"en": "gate", "ja": "ゲート"}, width=18), *(Column(f"{x}{s}", width=7) for x in self.xn),
                        Column(f"h{s1}", width=w), *(Column(wx, width=6) for wx in self.wxn),
                        Column("wh", width=6), Column("b", width=6),
                        Column("a", sum_text, width=max(w, 7 * self.D + 14)),
                        Column({"en": "value", "ja": "値"}, {"en": "σ(a); g: tanh(a)", "ja": "σ(a)、g は tanh(a)"},
                               width=max(w, 12))], rows))
        i, f, g, o = (f"{k}{t}" for k in GATES)
        c = ws.answer(f"c{t}", Step(F.dot, ((f, i), (c_prev, g)),
                                    slips=(Slip("forget-on-new-memory", args=((i, f), (c_prev, g)),
                                                name=FORGET_ON_CANDIDATE),)),
                      self.at(t, f"memory cell c{s}", f"記憶セル c{s}"), f"c{s} = f{s}·c{s1} + i{s}·g{s}", prec)
        tc = ws.answer(f"tc{t}", Step(F.tanh, (c,)), self.at(t, f"tanh(c{s})", f"tanh(c{s})"), f"tanh(c{s})", prec)
        h = ws.answer(f"h{t}", Step(F.product, (o, tc), slips=(Slip("tanh-of-c-forgotten", args=(o, c),
                                                                     name=TANH_FORGOTTEN),)),
                      self.at(t, f"hidden state h{s}", f"隠れ状態 h{s}"), f"h{s} = o{s}·tanh(c{s})", prec)
        ws.table(Table(f"state{t}", {"en": f"Time step {t}: the memory cell and the hidden state",
                                     "ja": f"時刻 {t}: 記憶セルと隠れ状態"},
                       [Column(f"c{s1}", width=w), Column(f"f{s}", width=w), Column(f"i{s}", width=w),
                        Column(f"g{s}", width=w), Column(f"c{s}", f"f{s}·c{s1} + i{s}·g{s}", width=max(w, 16)),
                        Column(f"tanh(c{s})", width=w), Column(f"o{s}", width=w),
                        Column(f"h{s}", f"o{s}·tanh(c{s})", width=max(w, 12))],
                       [[Ref(c_prev), Ref(f), Ref(i), Ref(g), Q(c), Q(tc), Ref(o), Q(h)]]))

    # --- the loss -------------------------------------------------------------------------------------------

    def loss(self) -> None:
        ws, prec, T = self.ws, self.prec, self.T
        steps = range(1, T + 1) if self.every else [T]
        rows, hs, ts = [], [], []
        for t in steps:
            e = ws.answer(f"e{t}", Step(F.squared_error_grad, (f"h{t}", f"t{t}"), slips=ERROR_GRAD_SLIPS),
                          self.at(t, f"∂E/∂h{sub(t)} from its own target (h{sub(t)} − t{sub(t)})",
                                  f"自分の教師信号からの ∂E/∂h{sub(t)} (h{sub(t)} − t{sub(t)})"),
                          f"h{sub(t)} − t{sub(t)}", prec)
            hs.append(f"h{t}"), ts.append(f"t{t}")
            rows.append([f"t = {t}", Ref(f"h{t}"), Ref(f"t{t}"), Q(e)])
        text = " + ".join(f"½(h{sub(t)} − t{sub(t)})²" for t in steps)
        loss = ws.answer("loss", Step(F.squared_error, (tuple(hs), tuple(ts))), {"en": "loss E", "ja": "損失 E"},
                         f"E = {text}", prec)
        rows.append([{"en": "loss E", "ja": "損失 E"}, "", "", Q(loss)])
        ws.table(Table("loss", {"en": "The loss", "ja": "損失"},
                       [Column({"en": "time step", "ja": "時刻"}, width=12), Column("hₜ", width=self.width),
                        Column("tₜ", width=self.width),
                        Column({"en": "hₜ − tₜ; E", "ja": "hₜ − tₜ、E"}, f"E = {text}", width=max(self.width, 24))],
                       rows))

    # --- backward -------------------------------------------------------------------------------------------

    def backward(self, t: int) -> None:
        ws, prec, T, w = self.ws, self.prec, self.T, self.width
        s, s1, n = sub(t), sub(t - 1), sub(t + 1)
        rows = []
        if t == T:
            dh = f"e{T}"
            rows.append([f"∂E/∂h{s}", f"h{s} − t{s}", Ref(dh)])
        else:
            later = tuple(f"d{k}{t + 1}" for k in GATES)
            own = f"e{t}" if self.every else 0.0
            dh = ws.answer(f"dh{t}", Step(F.affine_sum, (later, tuple(f"wh_{k}" for k in GATES), own)),
                           self.at(t, f"∂E/∂h{s}", f"∂E/∂h{s}"),
                           (f"(h{s} − t{s}) + " if self.every else "") + f"Σ δ{n}·wh", prec)
            rows.append([f"∂E/∂h{s}", (f"(h{s} − t{s}) + " if self.every else "")
                         + f"δi{n}·wh(i) + δf{n}·wh(f) + δg{n}·wh(g) + δo{n}·wh(o)", Q(dh)])
        if t == T:
            step = Step(L.cell_grad, (dh, f"o{t}", f"tc{t}"),
                        slips=(Slip("tanh-grad-not-squared", lambda d, o, tc: d * o * (1 - tc)),))
            text = f"∂E/∂h{s}·o{s}·(1 − tanh²c{s})"
        else:
            step = Step(L.cell_grad, (dh, f"o{t}", f"tc{t}", f"dc{t + 1}", f"f{t + 1}"),
                        slips=(Slip("cell-gradient-not-carried", args=(dh, f"o{t}", f"tc{t}"), name=NOT_CARRIED),
                               Slip("tanh-grad-not-squared",
                                    lambda d, o, tc, dc, f: d * o * (1 - tc) + dc * f)))
            text = f"∂E/∂h{s}·o{s}·(1 − tanh²c{s}) + ∂E/∂c{n}·f{n}"
        dc = ws.answer(f"dc{t}", step, self.at(t, f"∂E/∂c{s}", f"∂E/∂c{s}"), text, prec)
        rows.append([f"∂E/∂c{s}", text, Q(dc)])
        c_prev = "c0" if t == 1 else f"c{t - 1}"
        gates = {"i": (dc, f"g{t}", f"∂E/∂c{s}·g{s}·i{s}(1 − i{s})"),
                 "f": (dc, c_prev, f"∂E/∂c{s}·c{s1}·f{s}(1 − f{s})"),
                 "g": (dc, f"i{t}", f"∂E/∂c{s}·i{s}·(1 − g{s}²)"),
                 "o": (dh, f"tc{t}", f"∂E/∂h{s}·tanh(c{s})·o{s}(1 − o{s})")}
        for k in GATES:
            up, other, text = gates[k]
            if k == "g":
                step = Step(L.tanh_gate_grad, (up, other, f"g{t}"),
                            slips=(Slip("tanh-grad-not-squared", lambda u, i, g: u * i * (1 - g)),))
            else:
                step = Step(L.sigmoid_gate_grad, (up, other, f"{k}{t}"))
            d = ws.answer(f"d{k}{t}", step, self.at(t, f"{GATE[k]['en']}: δ{k}{s} = ∂E/∂a",
                                                    f"{GATE[k]['ja']}: δ{k}{s} = ∂E/∂a"), text, prec)
            rows.append([f"δ{k}{s}", text, Q(d)])
        ws.table(Table(f"back{t}", {"en": f"Backward, time step {t}", "ja": f"逆伝播: 時刻 {t}"},
                       [Column({"en": "gradient", "ja": "勾配"}, width=10),
                        Column({"en": "how", "ja": "計算のしかた"}, width=44), Column({"en": "value", "ja": "値"}, width=w)],
                       rows, note=self._back_note(t)))

    def _back_note(self, t: int):
        if t == self.T:
            return {"en": "δ is ∂E/∂a, the gradient of the gate's sum a. Nothing comes back from a later step: "
                          f"∂E/∂h{sub(t)} is the loss's own share.",
                    "ja": "δ はゲートの入力の総和 a についての勾配 ∂E/∂a です。これより後の時刻はないので、"
                          f"∂E/∂h{sub(t)} は損失から直接届く分だけです。"}
        return {"en": f"Use the δ of time step {t + 1} and the weights from before the update; the memory cell "
                      f"passes ∂E/∂c{sub(t + 1)}·f{sub(t + 1)} back on its own path.",
                "ja": f"時刻 {t + 1} の δ と更新前の重みを使います。記憶セルは自分の経路で "
                      f"∂E/∂c{sub(t + 1)}·f{sub(t + 1)} を前の時刻へ伝えます。"}

    # --- gradients summed over time, and the update ---------------------------------------------------------

    def update(self) -> None:
        ws, prec, T, D, w = self.ws, self.prec, self.T, self.D, self.width
        rows = []
        for k in GATES:
            ds = tuple(f"d{k}{t}" for t in range(1, T + 1))
            sources = [(f"wx_{k}_{d + 1}", self.wxn[d], tuple(f"x{t}_{d + 1}" for t in range(1, T + 1)),
                        f"{self.xn[d]}ₜ") for d in range(D)]
            sources.append((f"wh_{k}", "wh", tuple(f"h{t - 1}" if t > 1 else "h0" for t in range(1, T + 1)), "hₜ₋₁"))
            sources.append((f"b_{k}", "b", None, "1"))
            for old, shown, ins, factor in sources:
                label = {"en": f"{GATE[k]['en']}: ∂E/∂{shown}", "ja": f"{GATE[k]['ja']}: ∂E/∂{shown}"}
                terms = " + ".join(f"δ{k}{sub(t)}" + (f"·{factor.replace('ₜ₋₁', sub(t - 1)).replace('ₜ', sub(t))}"
                                                     if ins else "") for t in range(1, T + 1))
                if ins is None:
                    step = Step(F.vsum, (ds,), slips=(Slip("last-step-only", F.identity, (ds[-1],), name=LAST_STEP_ONLY),))
                else:
                    slips = () if self._zero(ins[:-1]) else (
                        Slip("last-step-only", F.product, (ds[-1], ins[-1]), name=LAST_STEP_ONLY),)
                    step = Step(F.dot, (ds, ins), slips=slips)
                g = ws.answer(f"g{old}", step, label, f"∂E/∂{shown} = {terms}", prec)
                new = ws.answer(f"n{old}", Step(F.gradient_step, (old, g, "lr")),
                                {"en": f"{GATE[k]['en']}: new {shown}", "ja": f"{GATE[k]['ja']}: 新しい {shown}"},
                                f"{shown}' = {shown} − η·∂E/∂{shown}", prec)
                rows.append([GATE[k], shown, *map(Ref, ds), *(map(Ref, ins) if ins else ["1"] * T), Q(g), Ref(old), Q(new)])
        s = [sub(t) for t in range(1, T + 1)]
        ws.table(Table("update", {"en": "Gradients summed over time, and the update", "ja": "時刻で足し合わせた勾配と重みの更新"},
                       [Column({"en": "gate", "ja": "ゲート"}, width=18), Column({"en": "weight", "ja": "重み"}, width=7),
                        *(Column(f"δ{st}", width=w) for st in s),
                        *(Column({"en": f"input at {t}", "ja": f"時刻 {t} の入力"},
                                 {"en": "x, h or 1", "ja": "x、h または 1"}, width=w) for t in range(1, T + 1)),
                        Column("∂E/∂w", " + ".join(f"δ{st}·(…)" for st in s), width=max(w, 14)),
                        Column({"en": "before", "ja": "更新前"}, width=8),
                        Column({"en": "after", "ja": "更新後"}, "w − η·∂E/∂w", width=max(w, 12))], rows))

    def _zero(self, names) -> bool:
        """Whether every given among `names` is 0 (h₀ = 0: the first step adds nothing, so 'the last step only'
        is the right answer and no slip)."""
        values = {q.name: q.value for q in self.ws.givens}
        return all(n in values and values[n] == 0 for n in names)
