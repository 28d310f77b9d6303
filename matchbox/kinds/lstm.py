"""`lstm`: one LSTM unit over a short sequence (two or three time steps), every quantity by hand.

The gates in PyTorch's order (i, f, g, o), each with its own weights: aₖ = wxₖ·xₜ + whₖ·hₜ₋₁ + bₖ, i, f, o =
σ(a), g = tanh(a); cₜ = f·cₜ₋₁ + i·g, hₜ = o·tanh(cₜ). The loss is ½(h_T − t)² at the last step, or summed
over every step (loss = "every"). Backward from the last step to the first: ∂E/∂hₜ (its own target's share
plus Σ δₜ₊₁·wh), ∂E/∂cₜ = ∂E/∂hₜ·oₜ(1 − tanh²cₜ) + ∂E/∂cₜ₊₁·fₜ₊₁, each gate's δ = ∂E/∂a; the gradient of
every weight summed over time, and one SGD step. The weights are the engine's LSTM layout (recurrent.py):
input_weights is Wx (D, 4), hidden_weights Wh's one row, bias b, columns i, f, g, o.
"""
from __future__ import annotations

import numpy as np

from ..worksheet.graph import Column, Q, Table, Worksheet
from ..worksheet.replay import Replay
from ..worksheet.spec import Spec
from .parts.lstm_sheet import GATES, Sheet, sub
from .parts.network import join, one_decimal, precision_note, read_precision
from .parts.unrolled import unrolled

KIND = "lstm"
TITLE = {"en": "LSTM: one unit through time, forward and backward", "ja": "LSTM: 1つのユニットの順伝播と逆伝播"}
COURSE = {
    "minutes": {"3h": 0, "day": 45},
    "idea": {"en": "An LSTM keeps a memory cell c beside its hidden state h. Gates between 0 and 1 decide what the "
                   "cell forgets (f), what it writes (i·g) and what it shows (o). Backward, the cell's gradient "
                   "goes back along c multiplied only by f, which is why it fades far less than an RNN's.",
             "ja": "LSTM は隠れ状態 h のほかに記憶セル c を持ちます。0 から 1 の値をとるゲートが、記憶セルから"
                   "何を忘れるか (f)、何を書き込むか (i·g)、何を出力するか (o) を決めます。逆伝播では、記憶セルの"
                   "勾配は c の経路を f を掛けるだけで前の時刻へ戻るので、RNN に比べて勾配が消えにくくなります。"},
    "talk": [{"en": "Draw the unrolled network first: one box per time step, h and c passed to the right.",
              "ja": "はじめに時間方向に展開した図を板書します。時刻ごとに箱を1つ描き、h と c を右へ渡します。"},
             {"en": "Point at ∂E/∂c₁ = … + ∂E/∂c₂·f₂: the memory cell's own path back in time (the constant "
                    "error carousel).",
              "ja": "∂E/∂c₁ = … + ∂E/∂c₂·f₂ の項を指し示します。これが記憶セル自身の逆伝播の経路(CEC)です。"},
             {"en": "The weights are shared by every step: their gradient is the sum of every step's share.",
              "ja": "重みは全時刻で共通なので、その勾配は各時刻の分の和になります。"}],
    "formula": {"en": "cₜ = f·cₜ₋₁ + i·g,  hₜ = o·tanh(cₜ),  ∂E/∂cₜ = ∂E/∂hₜ·o(1 − tanh²cₜ) + ∂E/∂cₜ₊₁·fₜ₊₁",
                "ja": "cₜ = f·cₜ₋₁ + i·g、 hₜ = o·tanh(cₜ)、 ∂E/∂cₜ = ∂E/∂hₜ·o(1 − tanh²cₜ) + ∂E/∂cₜ₊₁·fₜ₊₁"},
}
LOSSES = ("last", "every")


def sample(dice) -> dict:
    """One input per step, two steps, one unit; one-decimal weights (the forget gate's bias ≥ 0), h₀ = c₀ = 0."""
    weights = [[one_decimal(dice, -1, 1, nonzero=True) for _ in GATES]]
    bias = [one_decimal(dice, -0.5, 0.5), one_decimal(dice, 0, 1), one_decimal(dice, -0.5, 0.5),
            one_decimal(dice, -0.5, 0.5)]
    return {"inputs": [one_decimal(dice, -1, 1, nonzero=True) for _ in range(2)],
            "targets": [one_decimal(dice, -0.9, 0.9, nonzero=True)],
            "input_weights": weights, "hidden_weights": [one_decimal(dice, -1, 1, nonzero=True) for _ in GATES],
            "bias": bias, "learning_rate": dice.choice([0.5, 1])}


def run(params: dict, Wx=None, Wh=None, b=None):
    """The engine's LSTM layer on the sheet's sequence: (loss, hs, grads), unrounded."""
    from ..engine.recurrent import LSTM
    Wx = np.array(params["input_weights"], float) if Wx is None else Wx
    Wh = np.array([params["hidden_weights"]], float) if Wh is None else Wh
    b = np.array(params["bias"], float) if b is None else b
    layer = LSTM(Wx, Wh, b)
    x = np.array([params["inputs"]], float)
    hs = layer.forward(x, np.array([[params["h0"]]], float), np.array([[params["c0"]]], float))[0, :, 0]
    T = len(hs)
    if params["loss"] == "every":
        diff = hs - np.array(params["targets"], float)
    else:
        diff = np.zeros(T)
        diff[-1] = hs[-1] - params["targets"][0]
    layer.backward(diff.reshape(1, T, 1))
    return 0.5 * float(diff @ diff), hs, layer.grads


def settle(params: dict) -> dict | None:
    """Every δ shows at 4 decimals (but the forget gate's at step 1 when c₀ = 0), each named slip changes its
    cell, and one SGD step lowers the loss."""
    if params["decimals"] != 4:
        return None
    key = build(params).key()
    T = len(params["inputs"])
    for t in range(1, T + 1):
        for k in GATES:
            if abs(key[f"d{k}{t}"]) < 0.002 and not (k == "f" and t == 1 and params["c0"] == 0):
                return None
    if any(abs(v) < 0.002 for n, v in key.items() if n[:3] in ("gwx", "gwh", "gb_")):
        return None
    if abs((key["i1"] - key["f1"]) * (params["c0"] - key["g1"])) < 0.01:  # i and f swapped must show
        return None
    if abs(key[f"o{T}"] * (key[f"c{T}"] - key[f"tc{T}"])) < 0.002 or abs(key["dc2"] * key["f2"]) < 0.005:
        return None
    before, _, grads = run(params)
    lr = params["learning_rate"]
    after, _, _ = run(params, np.array(params["input_weights"]) - lr * grads["Wx"],
                      np.array([params["hidden_weights"]]) - lr * grads["Wh"], np.array(params["bias"]) - lr * grads["b"])
    return params if after < before - 0.001 else None


def normalize(spec: Spec, dice) -> dict:
    out: dict = {}
    title = spec.string("title", None)
    if title:
        out["title"] = title
    raw = spec.raw("inputs")
    if not isinstance(raw, list) or not 2 <= len(raw) <= 3:
        raise spec.fail("inputs", "expected 2 or 3 time steps, each one number or a list of 1 or 2 numbers, "
                                  "e.g. [0.5, -1.0] or [[1, 2], [0.5, 3]]")
    rows = [r if isinstance(r, list) else [r] for r in raw]
    D = len(rows[0])
    if not 1 <= D <= 2 or any(len(r) != D for r in rows):
        raise spec.fail("inputs", "every time step needs the same number of inputs, 1 or 2")
    out["inputs"] = [[spec._check_number(f"inputs[{t}][{d}]", v, False) for d, v in enumerate(r)]
                     for t, r in enumerate(rows)]
    T = len(rows)
    out["loss"] = spec.string("loss", "last", choices=LOSSES)
    want = T if out["loss"] == "every" else 1
    targets = spec.raw("targets")
    targets = targets if isinstance(targets, list) else [targets]
    if len(targets) != want:
        raise spec.fail("targets", f"expected {want} target{'s' if want > 1 else ''} (loss = \"{out['loss']}\": "
                                   + ("one per time step)" if want > 1 else "the last step's only)"))
    out["targets"] = [spec._check_number(f"targets[{t}]", v, False) for t, v in enumerate(targets)]
    Wx = spec.raw("input_weights")
    if not isinstance(Wx, list) or len(Wx) != D:
        raise spec.fail("input_weights", f"expected {D} row{'s' if D > 1 else ''} (one per input) of 4 weights "
                                         "(gates i, f, g, o), e.g. [[0.5, -0.3, 0.8, 0.2]]")
    for d, row in enumerate(Wx):
        if not isinstance(row, list) or len(row) != 4:
            raise spec.fail(f"input_weights[{d}]", "expected 4 weights, one per gate (i, f, g, o)")
    out["input_weights"] = [[spec._check_number(f"input_weights[{d}][{j}]", v, False) for j, v in enumerate(row)]
                            for d, row in enumerate(Wx)]
    out["hidden_weights"] = spec.numbers("hidden_weights", length=4)
    out["bias"] = spec.numbers("bias", [0, 0, 0, 0], length=4)
    for key in ("input_weights", "hidden_weights", "bias"):
        values = out[key] if key != "input_weights" else [v for r in out[key] for v in r]
        if any(abs(v) > 10 for v in values):
            raise spec.fail(key, "every weight must be between −10 and 10")
    out["h0"] = spec.number("h0", 0, minimum=-1, maximum=1)
    out["c0"] = spec.number("c0", 0, minimum=-10, maximum=10)
    out["learning_rate"] = spec.number("learning_rate", 0.5, above=0)
    out["decimals"] = read_precision(spec)
    spec.finish("kind")
    return out


def instructions(params: dict) -> dict:
    T, D = len(params["inputs"]), len(params["inputs"][0])
    last = sub(T)
    loss = ({"en": f"E = ½(h{last} − t{last})² at the last step only", "ja": f"最後の時刻だけの E = ½(h{last} − t{last})²"}
            if params["loss"] == "last" else
            {"en": "E = Σₜ ½(hₜ − tₜ)², a target at every step", "ja": "すべての時刻の和 E = Σₜ ½(hₜ − tₜ)²"})
    x = "xₜ" if D == 1 else "xₜ = (x₁, x₂)"
    return join(
        {"en": f"One LSTM unit reads a sequence of {T} inputs {x}, starting from h₀ and c₀ as given. Its gates, "
               "in PyTorch's order i, f, g, o, each have their own weights: a = wx·xₜ + wh·hₜ₋₁ + b, "
               "i, f, o = σ(a) and g = tanh(a); then cₜ = f·cₜ₋₁ + i·g and hₜ = o·tanh(cₜ). ",
         "ja": f"1つの LSTM ユニットが {T} 個の入力 {x} を順に読みます。h₀ と c₀ は与えられた値から始めます。"
               "ゲートは i, f, g, o の順に並べ、それぞれが自分の重みを持ちます: a = wx·xₜ + wh·hₜ₋₁ + b、"
               "i, f, o = σ(a)、g = tanh(a)。続いて cₜ = f·cₜ₋₁ + i·g、hₜ = o·tanh(cₜ) を求めます。"},
        {"en": "The loss is ", "ja": "損失は"}, loss,
        {"en": ". Fill the tables from top to bottom: the forward pass step by step, the loss, then backward from "
               "the last step to the first (δ = ∂E/∂a of each gate; the memory cell's gradient goes back "
               "through ∂E/∂cₜ₊₁·fₜ₊₁), the gradient of every weight summed over the time steps, and the new "
               "weights w' = w − η·∂E/∂w.",
         "ja": " です。表は上から順に埋めます。時刻ごとの順伝播、損失、最後の時刻から最初の時刻への逆伝播"
               "(δ は各ゲートの ∂E/∂a です。記憶セルの勾配は ∂E/∂cₜ₊₁·fₜ₊₁ を通って前の時刻へ戻ります)、"
               "時刻で足し合わせた各重みの勾配、新しい重み w' = w − η·∂E/∂w の順です。"})


def build(params: dict) -> Worksheet:
    ws = Worksheet(KIND, params.get("title", TITLE), instructions(params), precision_note(params["decimals"]))
    lr = ws.given("lr", params["learning_rate"], {"en": "learning rate η", "ja": "学習率 η"})
    h0 = ws.given("h0", params["h0"], {"en": "initial hidden state h₀", "ja": "隠れ状態の初期値 h₀"})
    c0 = ws.given("c0", params["c0"], {"en": "initial memory cell c₀", "ja": "記憶セルの初期値 c₀"})
    T = len(params["inputs"])
    last = f"½(h{sub(T)} − t{sub(T)})²"
    loss = ({"en": f"{last}, last step only", "ja": f"{last}、最後の時刻のみ"} if params["loss"] == "last"
            else {"en": "Σₜ ½(hₜ − tₜ)², every step", "ja": "Σₜ ½(hₜ − tₜ)²、全時刻"})
    ws.table(Table("settings", {"en": "Given", "ja": "与えられた値"},
                   [Column("", width=26), Column({"en": "value", "ja": "値"}, width=22)],
                   [[{"en": "learning rate η", "ja": "学習率 η"}, Q(lr)],
                    [{"en": "initial hidden state h₀", "ja": "隠れ状態の初期値 h₀"}, Q(h0)],
                    [{"en": "initial memory cell c₀", "ja": "記憶セルの初期値 c₀"}, Q(c0)],
                    [{"en": "loss E", "ja": "損失 E"}, loss]], role="settings"))
    sheet = Sheet(params, ws)
    sheet.givens()
    for t in range(1, T + 1):
        sheet.forward(t)
    sheet.loss()
    for t in range(T, 0, -1):
        sheet.backward(t)
    sheet.update()
    return ws


def figures(variant, lang: str, key: bool) -> list[dict]:
    """The unit unrolled in time, h and c passed on; the output at every step or at the last only."""
    p = variant.params
    return [unrolled(len(p["inputs"]), lang, "LSTM", states=("h", "c"), outputs=p["loss"], weights=("Wx", "Wh", "b"))]


def replay(variant, steps: int, typed: dict | None) -> Replay:
    """The loss E of each SGD step on the same sequence, by the engine's LSTM layer from the sheet's weights."""
    p = variant.params
    Wx, Wh, b = (np.array(p["input_weights"], float), np.array([p["hidden_weights"]], float),
                 np.array(p["bias"], float))
    losses = []
    for _ in range(max(steps, 1)):
        loss, _, grads = run(p, Wx, Wh, b)
        losses.append(loss)
        Wx, Wh, b = (Wx - p["learning_rate"] * grads["Wx"], Wh - p["learning_rate"] * grads["Wh"],
                     b - p["learning_rate"] * grads["b"])
    out = Replay({"en": "loss E", "ja": "損失 E"}, {"E": np.array(losses)}, sheet_steps=1, first_step=1,
                 log_scale=True)
    out.summary.update(first_loss=losses[0], last_loss=losses[-1])
    return out.draw_learner(typed, {"E": lambda k: "loss"})
