"""What the `neuron` and `backprop` sheets share: activations as the sheets write them, the stated rounding,
samples, and the schedule of steps (each step presents one sample and updates the weights at once, as online
gradient descent does)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ...engine import functions as F
from ...worksheet.graph import Column, Precision, Q, Table, Text
from ...worksheet.replay import cycle
from ...worksheet.slips import Slip
from ...worksheet.spec import Spec
from .trials import read_schedule

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ERROR = "E{}"  # the quantity of the error E at a step: ERROR.format(step)


def fmt(text: Text, **names) -> Text:
    """A formula template in every language, with its placeholders filled."""
    if isinstance(text, str):
        return text.format(**names)
    return {lang: t.format(**names) for lang, t in text.items()}


def join(*parts: Text) -> Text:
    """Texts glued together in every language."""
    return {lang: "".join(p if isinstance(p, str) else p[lang] for p in parts) for lang in ("en", "ja")}


def labeller(where: dict) -> Callable[[str, str], dict]:
    """Labels that say where a quantity sits: labeller({"en": "step 1", ...})("output y", "出力 y")."""
    return lambda en, ja: {"en": f"{where['en']}: {en}", "ja": f"{where['ja']}: {ja}"}


@dataclass(frozen=True)
class Activation:
    name: Text
    fn: Callable  # y = f(u)
    slope: Callable  # f'(u), computed from the output y
    apply: str  # how the sheet writes f(u); {u} is the sum
    slope_text: Text  # how it writes f'(u) with the output; {y} is the output
    delta_text: Text  # how it writes (y − t)·f'(u) in one go; {y} the output, {t} the target


ACTIVATIONS = {
    "sigmoid": Activation({"en": "sigmoid", "ja": "シグモイド関数"}, F.sigmoid, F.GRAD_FROM_OUTPUT["sigmoid"],
                          "σ({u})", "{y}(1 − {y})", "({y} − {t})·{y}(1 − {y})"),
    "tanh": Activation({"en": "tanh", "ja": "tanh(双曲線正接)"}, F.tanh, F.GRAD_FROM_OUTPUT["tanh"],
                       "tanh({u})", "1 − {y}²", "({y} − {t})(1 − {y}²)"),
    "relu": Activation({"en": "ReLU", "ja": "ReLU(ランプ関数)"}, F.relu, F.GRAD_FROM_OUTPUT["relu"],
                       "max(0, {u})", {"en": "1 if {y} > 0, else 0", "ja": "{y} > 0 なら 1、でなければ 0"},
                       {"en": "{y} − {t} if {y} > 0, else 0", "ja": "{y} > 0 なら {y} − {t}、でなければ 0"}),
    "identity": Activation({"en": "identity", "ja": "恒等関数"}, F.identity, F.GRAD_FROM_OUTPUT["identity"],
                           "{u}", "1", "{y} − {t}"),
}


# Classic slips of the squared error's gradient and of a delta written in one cell, for `check` to name.
SIGN_REVERSED = {"en": "sign reversed (t − y instead of y − t)", "ja": "符号の取り違え (y − t ではなく t − y)"}
ERROR_GRAD_SLIPS = (Slip("sign-reversed", lambda y, t: t - y, name=SIGN_REVERSED),)


def delta_slips(activation: str) -> tuple[Slip, ...]:
    """δ = (y − t)·f'(u) in one cell: the sign reversed, the factor f'(u) forgotten, or (tanh) not squared."""
    out = [Slip("sign-reversed", lambda y, t, activation: -F.output_delta(y, t, activation), name=SIGN_REVERSED)]
    if activation in ("sigmoid", "tanh"):
        forgotten = None if activation == "sigmoid" else {"en": "f'(u) = 1 − y² forgotten",
                                                           "ja": "f'(u) = 1 − y² の掛け忘れ"}
        out.append(Slip("sigma-grad-forgotten", lambda y, t, activation: y - t, name=forgotten))
    if activation == "tanh":  # (y − t)(1 − y): tanh'(u) written as 1 − tanh, the square forgotten
        out.append(Slip("tanh-grad-not-squared", lambda y, t, activation: (y - t) * (1 - y)))
    return tuple(out)


def read_precision(spec: Spec) -> int:
    return spec.number("decimals", 4, integer=True, minimum=1, maximum=12)


def rounded(decimals: int) -> Precision:
    return Precision(decimals, exact=False)


def precision_note(decimals: int) -> Text:
    return {"en": f"Round every answer to {decimals} decimal places. Go on from your rounded numbers: "
                  "the check follows them.",
            "ja": f"答えはすべて小数第{decimals + 1}位を四捨五入して、小数第{decimals}位まで求めます。次の計算には"
                  "丸めた自分の答えを使ってかまいません(採点もそれに合わせます)。"}


def read_samples(spec: Spec, top_level: tuple[str, ...], read_one: Callable[[Spec], dict]) -> list[dict]:
    """`[[samples]]` blocks, or a single sample written at the top level (its `top_level` keys)."""
    if not spec.has("samples"):
        return [{"name": "A", **read_one(spec)}]
    for key in top_level:
        if spec.has(key):
            raise spec.fail(key, "give either [[samples]] or one sample at the top level, not both")
    samples = []
    for s in spec.tables("samples"):
        samples.append({"name": s.string("name", LETTERS[len(samples) % 26]), **read_one(s)})
        s.finish()
    if len(samples) > 10:
        raise spec.fail("samples", f"{len(samples)} samples are more than a sheet should hold (10 at most)")
    names = [s["name"] for s in samples]
    if len(set(names)) != len(names):
        raise spec.fail("samples", "two samples share a name")
    return samples


def read_steps(spec: Spec, names: list[str], dice, most: int) -> dict:
    """Which sample each step presents: `steps = N` goes through the samples in turn N times in all;
    otherwise the schedule keys every kind shares (order, epochs, shuffle, trials) apply."""
    if spec.has("steps"):
        for key in ("trials", "order", "epochs", "shuffle"):
            if spec.has(key):
                raise spec.fail(key, "give either steps or order/epochs/shuffle/trials, not both")
        steps = spec.number("steps", integer=True, minimum=1, maximum=most)
        return {"trials": [names[k % len(names)] for k in range(steps)]}
    schedule = read_schedule(spec, names, dice)
    if len(schedule["trials"]) > most:
        key = "trials" if spec.has("trials") else "epochs"
        raise spec.fail(key, f"{len(schedule['trials'])} steps are more than this sheet should hold "
                             f"({most} at most)")
    return schedule


def step_title(step: int, sample: str, params: dict) -> Text:
    """How a step is named on the sheet, or '' when the sheet has a single step of a single sample."""
    several_samples = len(params["samples"]) > 1
    if len(params["trials"]) == 1 and not several_samples:
        return ""
    if several_samples:
        return {"en": f"Step {step} (sample {sample}) — ", "ja": f"ステップ{step}(サンプル {sample}) — "}
    return {"en": f"Step {step} — ", "ja": f"ステップ{step} — "}


def one_decimal(dice, low: float, high: float, nonzero: bool = False) -> float:
    """A number with one decimal in [low, high] for a hand-friendly variant."""
    while True:
        value = dice.randint(round(low * 10), round(high * 10)) / 10
        if value or not nonzero:
            return value


def engine_errors(layers, samples, trials, steps, lr, shared) -> np.ndarray:
    """The sheet's steps continued by the engine's layers: online gradient descent on ½Σ(t − y)², returning E
    of each step's sample before its update. `shared` maps a layer index to True where one bias is shared by
    the layer (its gradient summed), False where the bias is fixed."""
    from ...engine.layers import SquaredError
    from ...engine.optimizers import SGD
    loss, opt = SquaredError(), SGD(lr)
    names = [s["name"] for s in samples]
    errors = []
    for name in cycle(trials, steps):
        s = samples[names.index(name)]
        x = np.array([s["inputs"]], float)
        t = np.array([s.get("targets", [s.get("teacher")])], float)
        for layer in layers:
            x = layer.forward(x)
        errors.append(loss.forward(x, t))
        d = loss.backward()
        for layer in reversed(layers):
            d = layer.backward(d)
        for i, layer in enumerate(layers):
            if not layer.params:
                continue
            grads = dict(layer.grads)
            if "b" in grads and i in shared:
                grads["b"] = np.full_like(grads["b"], grads["b"].sum()) if shared[i] else np.zeros_like(grads["b"])
            opt.update(layer.params, grads)
    return np.array(errors)


def samples_table(ws, samples: list[dict], sub: list[str]) -> list[Column]:
    """Each sample's inputs x and teacher signal t as givens (x{k}_{i}, t{k}), in a table of their own;
    returns the input columns, for the work tables to repeat."""
    x_cols = [Column(f"x{s}", width=7) for s in sub]
    rows = []
    for k, smp in enumerate(samples, start=1):
        xs = [ws.given(f"x{k}_{i + 1}", v, f"{smp['name']}: x{sub[i]}") for i, v in enumerate(smp["inputs"])]
        t = ws.given(f"t{k}", smp["teacher"], {"en": f"{smp['name']}: teacher t", "ja": f"{smp['name']}: 教師信号 t"})
        rows.append([smp["name"], *map(Q, xs), Q(t)])
    ws.table(Table("samples", {"en": "Samples and teacher signals", "ja": "入力と教師信号"},
                   [Column({"en": "sample", "ja": "サンプル"}, width=10), *x_cols,
                    Column({"en": "teacher t", "ja": "教師信号 t"}, width=10)], rows))
    return x_cols
