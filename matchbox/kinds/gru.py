"""`gru`: one GRU unit over two (or three) time steps by hand: each gate's sum and value, the candidate, the
hidden state, the loss at the last step, backpropagation through time step by step, every weight's gradient
summed over the steps and one SGD step.

The equations are PyTorch's (engine/recurrent.py, torch.nn.GRU), gate order (r, z, n), scalar input x and one
unit: r = σ(x·Wxr + h·Whr + br), z = σ(x·Wxz + h·Whz + bz), m = h·Whn + bhn, n = tanh(x·Wxn + bn + r·m),
h' = (1 − z)·n + z·h. The loss is E = ½(h_T − t)² at the last step only. The sheet is laid out by
parts/gru_sheet.py; `matchbox replay gru` trains the same sequence with the engine's GRU layer and SGD.
"""
from __future__ import annotations

import numpy as np

from ..worksheet.replay import Replay
from ..worksheet.spec import Spec
from .parts import gru_sheet
from .parts.network import one_decimal, read_precision
from .parts.unrolled import unrolled

KIND = "gru"
TITLE = {"en": "GRU: a gated recurrent unit over two time steps", "ja": "GRU: ゲート付き再帰ユニットを2時刻分計算する"}
COURSE = {
    "minutes": {"3h": 0, "day": 45},
    "idea": {"en": "A GRU mixes its old state and a new candidate: the update gate z decides how much of the old "
                   "state h to keep, the reset gate r how much of it the candidate n may use. Backward through "
                   "time, the gradient reaches the step before straight through z, not only through the weights, "
                   "which is why a GRU forgets its gradients less than a plain RNN.",
             "ja": "GRU は古い状態と新しい候補を混ぜ合わせます。更新ゲート z は古い隠れ状態 h をどれだけ残すかを、"
                   "リセットゲート r は候補 n が h をどれだけ使うかを決めます。時間をさかのぼる逆伝播では、勾配は重みを"
                   "通るだけでなく z を通って直接1つ前の時刻へ届きます。そのため、GRU では単純な RNN より勾配が消えにくく"
                   "なります。"},
    "talk": [{"en": "Write PyTorch's h' = (1 − z)·n + z·h on the board and say that some textbooks swap z and 1 − z: "
                    "the sheet follows PyTorch.",
              "ja": "PyTorch の式 h' = (1 − z)·n + z·h を板書し、教科書によっては z と 1 − z が入れ替わっていることを"
                    "伝えます。このシートは PyTorch に合わせています。"},
             {"en": "Before the backward tables, ask: by which paths does h₁ reach the loss? (Straight through "
                    "z₂·h₁, and through the three gates' sums at t = 2.)",
              "ja": "逆伝播の表に入る前に、h₁ はどの経路で誤差に届くかを問いかけます(z₂·h₁ を通る直接の経路と、"
                    "時刻 t = 2 の3つのゲートの総和を通る経路です)。"},
             {"en": "Each weight is used at every step: its gradient is the sum of the steps' shares.",
              "ja": "各重みはすべての時刻で使われるので、その勾配は各時刻の分の和になります。"}],
    "formula": {"en": "h' = (1 − z)·n + z·h,  ∂E/∂h = z'·∂E/∂h' + δr'·Whr + δz'·Whz + ∂E/∂m'·Whn,  "
                      "∂E/∂W = Σₜ δₜ·inputₜ",
                "ja": "h' = (1 − z)·n + z·h、 ∂E/∂h = z'·∂E/∂h' + δr'·Whr + δz'·Whz + ∂E/∂m'·Whn、 "
                      "∂E/∂W = Σₜ δₜ·入力ₜ"},
}
DEFAULT = {"inputs": [-0.5, -0.4], "target": 0.1, "h0": 0.0, "Wx": [-0.3, 0.4, 0.6], "Wh": [0.7, 0.7, 0.8],
           "b": [0.3, -0.4, -0.5], "bhn": -0.5, "learning_rate": 0.5}  # a draw settle() accepts (seed 14's)
LOSS = {"en": "loss E = ½(h_T − t)²", "ja": "誤差 E = ½(h_T − t)²"}


def sample(dice) -> dict:
    """Two steps from h₀ = 0: inputs, weights and target of one decimal, η = 0.5 or 1."""
    return {"inputs": [one_decimal(dice, -1, 1, nonzero=True) for _ in range(2)],
            "target": one_decimal(dice, -0.8, 0.8), "h0": 0.0,
            "Wx": [one_decimal(dice, -1, 1, nonzero=True) for _ in range(3)],
            "Wh": [one_decimal(dice, -1, 1, nonzero=True) for _ in range(3)],
            "b": [one_decimal(dice, -0.5, 0.5) for _ in range(3)],
            "bhn": one_decimal(dice, -0.5, 0.5, nonzero=True),
            "learning_rate": dice.choice([0.5, 1])}


def weights(params: dict) -> dict:
    """The engine's GRU parameters (engine/recurrent.py's layout, D = H = 1)."""
    return {"Wx": np.array([params["Wx"]], float), "Wh": np.array([params["Wh"]], float),
            "b": np.array(params["b"], float), "bhn": np.array([params["bhn"]], float)}


def engine_step(params: dict, p: dict | None = None) -> tuple[float, dict, np.ndarray]:
    """E, the gradients and the hidden states by the engine's GRU layer (p: its parameters, else the sheet's)."""
    from ..engine.recurrent import GRU
    layer = GRU(**(p or weights(params)))
    x = np.array(params["inputs"], float).reshape(1, -1, 1)
    hs = layer.forward(x, h0=np.full((1, 1), float(params["h0"])))
    d = hs[0, -1, 0] - params["target"]
    dhs = np.zeros_like(hs)
    dhs[0, -1, 0] = d
    layer.backward(dhs)
    return 0.5 * d * d, layer.grads, hs[0, :, 0]


def settle(params: dict) -> dict | None:
    """Accept a draw whose every gradient shows at 4 decimals, whose named slips each change their cell, and
    whose loss falls with the update; reject the rest."""
    if params["decimals"] != 4:
        return None
    key = build(params).key()
    T = len(params["inputs"])
    if abs(key[f"dh{T}"]) < 0.1 or any(abs(key[f"g_{w}"]) < 0.002 for w in gru_sheet.PARAMS):
        return None
    hs = [params["h0"]] + [key[f"h{t}"] for t in range(1, T + 1)]
    for t in range(1, T + 1):
        r, z, n, dn = key[f"r{t}"], key[f"z{t}"], key[f"n{t}"], key[f"dn{t}"]
        if abs((1 - 2 * z) * (n - hs[t - 1])) < 0.002:  # z and 1 − z swapped
            return None
        if abs((1 - r) * params["bhn"]) < 0.002:  # r before the product: un moves by (1 − r)·bhn
            return None
        if abs(dn * n * (1 - n)) < 0.0005:  # 1 − n instead of 1 − n²
            return None
        if t > 1 and abs(z * key[f"dh{t}"]) < 0.002:  # the direct path left out
            return None
    E, grads, _ = engine_step(params)
    p = {k: v - params["learning_rate"] * grads[k] for k, v in weights(params).items()}
    return params if engine_step(params, p)[0] < E - 0.0005 else None


def _three(spec: Spec, key: str, default: list) -> list:
    values = spec.numbers(key, default, length=3)
    if any(abs(v) > 10 for v in values):
        raise spec.fail(key, "every number must be between −10 and 10")
    return values


def normalize(spec: Spec, dice) -> dict:
    out: dict = {}
    title = spec.string("title", None)
    if title:
        out["title"] = title
    out["inputs"] = spec.numbers("inputs", DEFAULT["inputs"])
    if not 2 <= len(out["inputs"]) <= 3:
        raise spec.fail("inputs", f"expected 2 or 3 numbers (one scalar input per time step), got {len(out['inputs'])}")
    if any(abs(v) > 10 for v in out["inputs"]):
        raise spec.fail("inputs", "every input must be between −10 and 10")
    out["target"] = spec.number("target", DEFAULT["target"], minimum=-1, maximum=1)
    out["h0"] = spec.number("h0", DEFAULT["h0"], minimum=-1, maximum=1)
    for key in ("Wx", "Wh", "b"):
        out[key] = _three(spec, key, DEFAULT[key])
    out["bhn"] = spec.number("bhn", DEFAULT["bhn"], minimum=-10, maximum=10)
    out["learning_rate"] = spec.number("learning_rate", DEFAULT["learning_rate"], above=0, maximum=10)
    out["decimals"] = read_precision(spec)
    spec.finish("kind")
    return out


TITLE3 = {"en": "GRU: a gated recurrent unit over three time steps", "ja": "GRU: ゲート付き再帰ユニットを3時刻分計算する"}


def build(params: dict):
    return gru_sheet.build(params, KIND, params.get("title", TITLE if len(params["inputs"]) == 2 else TITLE3))


def figures(variant, lang: str, key: bool) -> list[dict]:
    """The GRU unrolled over the sheet's steps, the loss at the last."""
    T = len(variant.params["inputs"])
    fig = unrolled(T, lang, "GRU", states=("h",), outputs="last", weights=("Wx", "Wh", "b", "bhn"))
    last = f"h{gru_sheet.sub(T)}"
    extra = {"en": f" Here the output y is {last} itself, and the loss is E = ½({last} − t)².",
             "ja": f"ここでは出力 y は {last} そのもので、誤差は E = ½({last} − t)² です。"}[lang]
    return [{"svg": fig["svg"], "caption": fig["caption"] + extra}]


def replay(variant, steps: int, typed: dict | None) -> Replay:
    """The same sequence trained on by the engine's GRU layer with SGD at the sheet's η: E before each update."""
    from ..engine.optimizers import SGD
    p = variant.params
    params, opt, errors = weights(p), SGD(p["learning_rate"]), []
    for _ in range(steps):
        E, grads, _ = engine_step(p, params)
        errors.append(E)
        opt.update(params, grads)
    out = Replay(LOSS, {"E": np.array(errors)}, sheet_steps=1, first_step=1, log_scale=True)
    out.summary.update(first_error=float(errors[0]), last_error=float(errors[-1]))
    return out.draw_learner(typed, {"E": lambda k: "E"})
