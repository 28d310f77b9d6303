"""`rnn`: a recurrent neural network worked by hand over 2 to 4 time steps, forward and backward through time.

hₜ = tanh(xₜ·Wx + hₜ₋₁·Wh + b) with one input and one or two hidden units, h₀ given (0 by default); an output
y = hₜ·v + c at the last step only (or at every step), the squared error; then BPTT from the last step to the
first: ∂E/∂hₜ = (from the output at t) + ∂E/∂aₜ₊₁·Wh (from the future), ∂E/∂aₜ = ∂E/∂hₜ·(1 − hₜ²); every
step's share of ∂E/∂Wx, ∂E/∂Wh and ∂E/∂b, summed over time; the gradients of v and c, and the SGD update.
The sheet is kinds/parts/rnn_sheet.py; the engine's RNN layer (engine/recurrent.py) replays it.
"""
from __future__ import annotations

import numpy as np

from ..worksheet.replay import Replay
from ..worksheet.spec import Spec
from .parts import rnn_sheet
from .parts.network import one_decimal, read_precision
from .parts.unrolled import unrolled

KIND = "rnn"
TITLE = {"en": "A recurrent network by hand: forward and backward through time",
         "ja": "再帰型ニューラルネットワークを手で計算する: 順伝播と通時的誤差逆伝播法"}
COURSE = {
    "minutes": {"3h": 0, "day": 35},
    "idea": {"en": "An RNN uses the same weights at every time step and passes its hidden state h to the next "
                   "step. Backpropagation through time runs the steps backwards: the gradient reaching hₜ comes "
                   "from the output at t and from the future, and each weight's gradient is the sum of every "
                   "step's share.",
             "ja": "RNN はすべての時刻で同じ重みを使い、隠れ状態 h を次の時刻へ渡します。通時的誤差逆伝播法では"
                   "時刻を逆向きにたどります。hₜ に届く勾配は時刻 t の出力からの分と未来の時刻からの分の和で、"
                   "重みの勾配は各時刻の分の合計です。"},
    "talk": [{"en": "Draw the unrolled network first: it is an ordinary deep network whose layers share weights.",
              "ja": "はじめに時間方向に展開した図を描きます。重みを共有した、普通の深いネットワークと同じです。"},
             {"en": "The gradient from the future passes through Wh·(1 − h²) once per step: ask what happens to it "
                    "over 50 steps (the vanishing gradient, and why the LSTM was invented).",
              "ja": "未来からの勾配は1時刻ごとに Wh·(1 − h²) を掛けられます。50時刻さかのぼるとどうなるかを"
                    "問いかけます(勾配消失と、LSTM が考案された理由につながります)。"},
             {"en": "Sum the shares only at the end: every step uses the weights from before the update.",
              "ja": "各時刻の分は最後にまとめて合計します。どの時刻も更新前の重みを使います。"}],
    "formula": {"en": "hₜ = tanh(xₜWx + hₜ₋₁Wh + b),  ∂E/∂hₜ = ∂E/∂yₜ·v + ∂E/∂aₜ₊₁·Wh,  "
                      "∂E/∂aₜ = ∂E/∂hₜ(1 − hₜ²),  ∂E/∂Wh = Σₜ ∂E/∂aₜ·hₜ₋₁",
                "ja": "hₜ = tanh(xₜWx + hₜ₋₁Wh + b)、 ∂E/∂hₜ = ∂E/∂yₜ·v + ∂E/∂aₜ₊₁·Wh、 "
                      "∂E/∂aₜ = ∂E/∂hₜ(1 − hₜ²)、 ∂E/∂Wh = Σₜ ∂E/∂aₜ·hₜ₋₁"},
}
MOST_ANSWERS = 80  # a sheet a person can work by hand
LIMIT = 10  # every number given on the sheet lies in [−10, 10]
DEFAULTS = {1: {"input_weights": [0.5], "recurrent_weights": [[0.8]], "output_weights": [1.0]},
            2: {"input_weights": [0.5, -0.3], "recurrent_weights": [[0.8, 0.2], [-0.1, 0.6]],
                "output_weights": [1.0, -0.5]}}
DEFAULT_INPUTS = [1.0, 0.5, -0.5]
DEFAULT_TARGET = 0.8


def sample(dice) -> dict:
    """One input, one hidden unit, three steps, h₀ = 0, the output at the last step: one-decimal numbers."""
    return {"inputs": [one_decimal(dice, -1, 1, nonzero=True) for _ in range(3)],
            "input_weights": dice.choice([0.3, 0.4, 0.5, 0.6, 0.7, 0.8, -0.5, -0.6]),
            "recurrent_weights": dice.choice([0.4, 0.5, 0.6, 0.7, 0.8, 0.9, -0.5, -0.7]),
            "bias": one_decimal(dice, -0.3, 0.3),
            "output_weights": dice.choice([0.5, 0.8, 1.0, 1.2, 1.5, -0.8, -1.0]),
            "output_bias": one_decimal(dice, -0.2, 0.2),
            "target": one_decimal(dice, -1, 1),
            "learning_rate": dice.choice([0.5, 1])}


def settle(params: dict) -> dict | None:
    """Accept a candidate with a clear error, no state near 0 or ±1 (1 − h and 1 − h² then agree), every
    gradient and every named slip showing at the sheet's decimals, and an error that falls after the update."""
    key = rnn_sheet.build(KIND, TITLE, params).key()
    T, H, tiny = len(params["inputs"]), params["hidden"], 0.002
    units = range(1, H + 1)
    if abs(key[f"dy{T}"]) < 0.3 if params["outputs"] == "last" else key["E"] < 0.05:
        return None
    for t in range(1, T + 1):
        for j in units:
            hj = key[f"h{t}_{j}"]
            if not 0.1 <= abs(hj) <= 0.95 or abs(key[f"da{t}_{j}"]) < 0.005:
                return None
            if abs(key[f"da{t}_{j}"] * (hj - (key[f"h{t - 1}_{j}"] if t > 1 else params["initial_state"][j - 1]))) < tiny:
                return None  # hₜ for hₜ₋₁ would not show
    for j in units:
        for name, last in ((f"gWx_{j}", f"sx{T}_{j}"), (f"gb_{j}", f"da{T}_{j}"), (f"gWh_{j}_{j}", f"sh{T}_{j}_{j}")):
            if abs(key[name] - key[last]) < tiny:
                return None  # not summed would not show
    errors = train(params, 2)
    return params if errors[1] < errors[0] - 0.001 else None


def normalize(spec: Spec, dice) -> dict:
    out: dict = {}
    title = spec.string("title", None)
    if title:
        out["title"] = title
    out["outputs"] = spec.string("outputs", "last", choices=("last", "every"))
    out["inputs"] = spec.numbers("inputs", DEFAULT_INPUTS)
    T = len(out["inputs"])
    if not 2 <= T <= 4:
        raise spec.fail("inputs", f"expected 2 to 4 numbers (one input per time step), got {T}")
    given = spec.raw("input_weights", None)
    H = spec.number("hidden", len(given) if isinstance(given, list) and given else 1, integer=True)
    if H not in (1, 2):
        raise spec.fail("hidden", f"1 or 2 hidden units, got {H}")
    out["hidden"] = H
    out["input_weights"] = _vector(spec, "input_weights", H, DEFAULTS[H]["input_weights"], broadcast=False)
    out["recurrent_weights"] = _matrix(spec, "recurrent_weights", H, DEFAULTS[H]["recurrent_weights"])
    out["bias"] = _vector(spec, "bias", H, [0.0] * H)
    out["output_weights"] = _vector(spec, "output_weights", H, DEFAULTS[H]["output_weights"], broadcast=False)
    out["output_bias"] = spec.number("output_bias", 0, minimum=-LIMIT, maximum=LIMIT)
    out["initial_state"] = _vector(spec, "initial_state", H, [0.0] * H)
    if any(abs(h) >= 1 for h in out["initial_state"]):
        raise spec.fail("initial_state", "a state of tanh lies between −1 and 1 (exclusive)")
    if out["outputs"] == "last":
        if spec.has("targets"):
            raise spec.fail("targets", 'the output is at the last step only (outputs = "last"): give one target')
        out["target"] = spec.number("target", DEFAULT_TARGET, minimum=-LIMIT, maximum=LIMIT)
    else:
        if spec.has("target"):
            raise spec.fail("target", 'there is an output at every step (outputs = "every"): give targets, '
                                      "one per step")
        out["targets"] = spec.numbers("targets", length=T)
    out["learning_rate"] = spec.number("learning_rate", 0.5, above=0, maximum=LIMIT)
    out["decimals"] = read_precision(spec)
    for key in ("inputs", "targets"):
        if any(abs(x) > LIMIT for x in out.get(key, [])):
            raise spec.fail(key, f"every number must lie between −{LIMIT} and {LIMIT}")
    cells = rnn_sheet.count(out)
    if cells > MOST_ANSWERS:
        raise spec.fail("hidden", f"{H} hidden units over {T} time steps make {cells} answers, more than a hand "
                                  f"sheet should hold ({MOST_ANSWERS} at most): fewer inputs, or one hidden unit")
    spec.finish("kind")
    return out


def _vector(spec: Spec, key: str, H: int, default: list, broadcast: bool = True) -> list:
    """H numbers; one number is taken for every unit where `broadcast` (biases, states), and always when H = 1."""
    value = spec.raw(key, default)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and (H == 1 or broadcast):
        out = [spec.number(key, default, minimum=-LIMIT, maximum=LIMIT)] * H
    else:
        out = spec.numbers(key, default, length=H)
    if any(abs(v) > LIMIT for v in out):
        raise spec.fail(key, f"every number must lie between −{LIMIT} and {LIMIT}")
    return out


def _matrix(spec: Spec, key: str, H: int, default: list) -> list[list]:
    """Wh as H rows of H numbers (row i: from hₜ₋₁[i]); one number when H = 1."""
    value = spec.raw(key, default)
    if H == 1 and isinstance(value, (int, float)) and not isinstance(value, bool):
        value = [[value]]
    if H == 1 and isinstance(value, list) and len(value) == 1 and not isinstance(value[0], list):
        value = [value]
    if not isinstance(value, list) or len(value) != H:
        raise spec.fail(key, f"expected {H} rows of {H} numbers (row i: the weights from hₜ₋₁[i]), got {value!r}")
    out = []
    for i, row in enumerate(value):
        if not isinstance(row, list) or len(row) != H:
            raise spec.fail(f"{key}[{i}]", f"expected {H} numbers, got {row!r}")
        out.append([spec._check_number(f"{key}[{i}][{j}]", x, False, -LIMIT, LIMIT) for j, x in enumerate(row)])
    return out


def build(params: dict):
    return rnn_sheet.build(KIND, TITLE, params)


def figures(variant, lang: str, key: bool) -> list[dict]:
    """The network unrolled over the sheet's time steps."""
    p = variant.params
    return [unrolled(len(p["inputs"]), lang, "RNN", ("h",), p["outputs"], ("Wx", "Wh", "b", "v", "c"))]


def layers(params: dict):
    """The engine's RNN layer and its head, holding the sheet's starting weights (float64)."""
    from ..engine.layers import Affine
    from ..engine.recurrent import RNN
    from ..engine.sequence import LastStep, TimeAffine
    p = params
    rnn = RNN(np.array([p["input_weights"]], float), np.array(p["recurrent_weights"], float),
              np.array(p["bias"], float))
    V, c = np.array(p["output_weights"], float)[:, None], np.array([p["output_bias"]], float)
    head = [TimeAffine(V, c)] if p["outputs"] == "every" else [LastStep(), Affine(V, c)]
    return rnn, head


def train(params: dict, steps: int) -> np.ndarray:
    """E = ½Σ(y − t)² before each of `steps` SGD steps on the sheet's one sequence, by the engine."""
    from ..engine.optimizers import SGD
    p = params
    rnn, head = layers(p)
    x = np.array(p["inputs"], float).reshape(1, -1, 1)
    h0 = np.array([p["initial_state"]], float)
    t = np.array(p["targets"] if p["outputs"] == "every" else [p["target"]], float)
    opt, errors = SGD(p["learning_rate"]), []
    for _ in range(steps):
        y = rnn.forward(x, h0)
        for layer in head:
            y = layer.forward(y)
        d = y.reshape(-1) - t
        errors.append(0.5 * float(d @ d))
        dout = d.reshape(y.shape)
        for layer in reversed(head):
            dout = layer.backward(dout)
        rnn.backward(dout)
        for k, layer in enumerate([rnn, *head]):
            if layer.params:
                opt.update({f"{k}{n}": w for n, w in layer.params.items()},
                           {f"{k}{n}": g for n, g in layer.grads.items()})
    return np.array(errors)


def replay(variant, steps: int, typed: dict | None) -> Replay:
    """The error E of each step as the engine's RNN goes on training on the sheet's sequence with SGD at η."""
    errors = train(variant.params, max(steps, 1))
    out = Replay({"en": "error E = ½Σ(y − t)²", "ja": "誤差 E = ½Σ(y − t)²"}, {"E": errors}, sheet_steps=1,
                 first_step=1, log_scale=True)
    out.summary.update(first_error=float(errors[0]), last_error=float(errors[-1]))
    return out.draw_learner(typed, {"E": lambda k: "E"})
