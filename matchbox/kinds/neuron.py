"""`neuron`: one sigmoid neuron learns by gradient descent on the squared error E = ½(t − y)².

Each step presents one sample: the sum u = Σ wᵢxᵢ + b, the output y = σ(u), the error E, the delta
δ = (y − t)·y(1 − y), the gradients ∂E/∂wᵢ = δ·xᵢ and ∂E/∂b = δ, and the new weights wᵢ' = wᵢ − η·∂E/∂wᵢ.
A last table runs every sample again with the final weights: has the error gone down?
"""
from __future__ import annotations

import numpy as np

from ..engine import functions as F
from ..worksheet.figures import falling_error, run_of
from ..worksheet.graph import Column, Q, Ref, Step, Table, Worksheet
from ..worksheet.replay import Replay
from ..worksheet.spec import Spec
from .parts.network import (ACTIVATIONS, ERROR, delta_slips, engine_errors, fmt, join, labeller, one_decimal,
                            precision_note, read_precision, read_samples, read_steps, rounded, samples_table)
from .parts.trials import subscript

KIND = "neuron"
TITLE = {"en": "A sigmoid neuron learns by gradient descent", "ja": "シグモイドニューロンの勾配降下法"}
# `matchbox course`: minutes in the 3-hour and the full-day workshop (0: left out), and what to say first
COURSE = {
    "minutes": {"3h": 20, "day": 35},
    "idea": {"en": "One sigmoid neuron learns by gradient descent on the squared error. "
                   "The update is the delta rule again, with the sigmoid's slope y(1 − y) in it.",
             "ja": "シグモイドニューロン1個が、二乗誤差の勾配降下法で学習します。"
                   "更新の式はデルタ則と同じ形で、シグモイド関数の傾き y(1 − y) が加わっただけです。"},
    "talk": [{"en": "Compare with the perceptron: the output is now a number between 0 and 1, not 0 or 1.",
              "ja": "パーセプトロンとの違いは、出力が 0 か 1 ではなく 0 から 1 の間の数になることです。"},
             {"en": "Work to the sheet's decimal places and round only what you write.",
              "ja": "シートに書かれた桁数で計算し、書き込む値だけを四捨五入するよう伝えます。"},
             {"en": "The last table asks whether the error went down: let the room answer.",
              "ja": "最後の表で誤差が下がったかどうかを、受講者に答えてもらいます。"}],
    "formula": {"en": "u = Σ wᵢxᵢ + b,  y = σ(u),  E = ½(t − y)²,  δ = (y − t)·y(1 − y),  wᵢ' = wᵢ − η·δ·xᵢ",
                "ja": "u = Σ wᵢxᵢ + b、 y = σ(u)、 E = ½(t − y)²、 δ = (y − t)·y(1 − y)、 wᵢ' = wᵢ − η·δ·xᵢ"},
}
MOST_STEPS = 50


def sample(dice) -> dict:
    """Two samples with inputs 0/1 and opposite teachers, one-decimal weights, η = 0.5 or 1."""
    inputs = dice.sample([[0, 1], [1, 0], [1, 1]], 2)
    first = dice.choice([0, 1])
    return {"samples": [{"inputs": inputs[0], "teacher": first}, {"inputs": inputs[1], "teacher": 1 - first}],
            "initial_weights": [one_decimal(dice, -1, 1) for _ in range(2)],
            "bias": one_decimal(dice, -0.5, 0.5),
            "learning_rate": dice.choice([0.5, 1]),
            "epochs": dice.choice([1, 2])}


def settle(params: dict) -> dict | None:
    """Accept a candidate whose every step moves the weights visibly and whose total error goes down."""
    key = build(params).key()
    steps = range(1, len(params["trials"]) + 1)
    if any(abs(key[f"d{s}"]) < 0.02 for s in steps):
        return None
    x = np.array([s["inputs"] for s in params["samples"]], dtype=float)
    t = np.array([s["teacher"] for s in params["samples"]], dtype=float)
    y = F.sigmoid(x @ np.array(params["initial_weights"], dtype=float) + params["bias"])
    before = F.squared_error(y, t)
    after = sum(key[f"Ea{n + 1}"] for n in range(len(params["samples"])))
    return params if after < before - 0.001 else None


def normalize(spec: Spec, dice) -> dict:
    out: dict = {}
    title = spec.string("title", None)
    if title:
        out["title"] = title
    out["activation"] = spec.string("activation", "sigmoid", choices=tuple(ACTIVATIONS))
    samples = read_samples(spec, ("inputs", "teacher"),
                           lambda s: {"inputs": s.numbers("inputs"), "teacher": s.number("teacher")})
    n = len(samples[0]["inputs"])
    for i, s in enumerate(samples):
        where = "inputs" if len(samples) == 1 and not spec.has("samples") else f"samples[{i}].inputs"
        if not 1 <= len(s["inputs"]) <= 6:
            raise spec.fail(where, f"expected 1 to 6 numbers, got {len(s['inputs'])}")
        if len(s["inputs"]) != n:
            raise spec.fail(where, f"expected {n} numbers like the first sample, got {len(s['inputs'])}")
    out["samples"] = samples
    out["initial_weights"] = spec.numbers("initial_weights", [0] * n, length=n)
    out["bias"] = spec.number("bias", 0)
    out["learn_bias"] = spec.boolean("learn_bias", True)
    out["learning_rate"] = spec.number("learning_rate", 0.5, above=0)
    out.update(read_steps(spec, [s["name"] for s in samples], dice, MOST_STEPS))
    out["decimals"] = read_precision(spec)
    spec.finish("kind")
    return out


def build(params: dict) -> Worksheet:
    act_name = params["activation"]
    act = ACTIVATIONS[act_name]
    prec = rounded(params["decimals"])
    samples = params["samples"]
    n = len(samples[0]["inputs"])
    sub = [subscript(i + 1) for i in range(n)] if n > 1 else [""]
    has_bias = params["learn_bias"] or params["bias"] != 0  # a bias fixed at 0 is no bias at all
    several = len(samples) > 1
    f_u = act.apply.format(u="u")
    weighted = " + ".join(f"w{s}x{s}" for s in sub) + (" + b" if has_bias else "")
    sum_text = "u = " + weighted

    title = TITLE if act_name == "sigmoid" else {"en": "A neuron learns by gradient descent",
                                                  "ja": "ニューロン1個の勾配降下法"}
    ws = Worksheet(KIND, params.get("title", title), {
        "en": (f"One neuron with the {act.name['en']} activation, y = {f_u}, learns by gradient descent on the "
               "squared error E = ½(t − y)². Each step presents one sample: compute the weighted sum u, the "
               "output y, the error E, the delta δ = ∂E/∂u, the gradients ∂E/∂wᵢ = δ·xᵢ"
               + (" and ∂E/∂b = δ" if params["learn_bias"] else "")
               + ", then the new weights wᵢ' = wᵢ − η·∂E/∂wᵢ, which the next step uses. "
               "Finally run every sample again with the final weights."),
        "ja": (f"活性化関数が{act.name['ja']}(y = {f_u})のニューロン1個を、二乗誤差 E = ½(t − y)² の"
               "勾配降下法で学習させます。ステップごとにサンプルを1つ入力し、総和 u、出力 y、誤差 E、"
               "デルタ δ = ∂E/∂u、勾配 ∂E/∂wᵢ = δ·xᵢ"
               + (" と ∂E/∂b = δ" if params["learn_bias"] else "")
               + "、新しい重み wᵢ' = wᵢ − η·∂E/∂wᵢ を求めます(次のステップはこの重みを使います)。"
               "最後に学習後の重みで全サンプルの誤差を求めます。"),
    }, precision_note(params["decimals"]))

    lr = ws.given("lr", params["learning_rate"], {"en": "learning rate η", "ja": "学習率 η"})
    settings = [[{"en": "learning rate η", "ja": "学習率 η"}, Q(lr)],
                [{"en": "activation", "ja": "活性化関数"}, f"y = {f_u}"]]
    weights = []
    for i, s in enumerate(sub):
        label = {"en": f"initial weight w{s}", "ja": f"重み w{s} の初期値"}
        weights.append(ws.given(f"w0_{i + 1}", params["initial_weights"][i], label))
        settings.append([label, Q(weights[-1])])
    bias = None
    if has_bias:
        label = ({"en": "initial bias b", "ja": "バイアス b の初期値"} if params["learn_bias"]
                 else {"en": "bias b (fixed)", "ja": "バイアス b(固定)"})
        bias = ws.given("b0", params["bias"], label)
        settings.append([label, Q(bias)])
    ws.table(Table("settings", {"en": "Given", "ja": "与えられた値"},
                   [Column("", width=24), Column({"en": "value", "ja": "値"}, width=14)], settings,
                   role="settings"))

    x_cols = samples_table(ws, samples, sub)

    names = [smp["name"] for smp in samples]
    width = max(9, params["decimals"] + 4)
    rows = []
    for step, name in enumerate(params["trials"], start=1):
        k = names.index(name) + 1
        xs, t = tuple(f"x{k}_{i + 1}" for i in range(n)), f"t{k}"

        label = labeller({"en": f"step {step}", "ja": f"ステップ{step}"})

        u = ws.answer(f"u{step}", Step(F.affine_sum, (xs, tuple(weights), bias or 0.0)),
                      label("weighted sum u", "総和 u"), sum_text, prec)
        y = ws.answer(f"y{step}", Step(act.fn, (u,)), label("output y", "出力 y"), f"y = {f_u}", prec)
        e = ws.answer(ERROR.format(step), Step(F.squared_error, (y, t)), label("error E", "誤差 E"), "E = ½(t − y)²", prec)
        delta_text = fmt(act.delta_text, y="y", t="t")
        d = ws.answer(f"d{step}", Step(F.output_delta, (y, t), {"activation": act_name}, delta_slips(act_name)),
                      label("delta δ", "デルタ δ"), join("δ = ", delta_text), prec)
        grads = [ws.answer(f"g{step}_{i + 1}", Step(F.product, (d, xs[i])),
                           label(f"gradient ∂E/∂w{s}", f"勾配 ∂E/∂w{s}"), f"∂E/∂w{s} = δ·x{s}", prec)
                 for i, s in enumerate(sub)]
        grad_b = None
        if params["learn_bias"]:
            grad_b = ws.answer(f"gb{step}", Step(F.identity, (d,)), label("gradient ∂E/∂b", "勾配 ∂E/∂b"),
                               "∂E/∂b = δ", prec)
        new = [ws.answer(f"w{step}_{i + 1}", Step(F.gradient_step, (weights[i], grads[i], lr)),
                         label(f"new weight w{s}'", f"新しい重み w{s}'"), f"w{s}' = w{s} − η·∂E/∂w{s}", prec)
               for i, s in enumerate(sub)]
        new_b = bias
        if params["learn_bias"]:
            new_b = ws.answer(f"b{step}", Step(F.gradient_step, (bias, grad_b, lr)),
                              label("new bias b'", "新しいバイアス b'"), "b' = b − η·∂E/∂b", prec)
        rows.append([step] + ([name] if several else []) + [*map(Ref, xs), Ref(t), *map(Ref, weights)]
                    + ([Ref(bias)] if has_bias else []) + [Q(u), Q(y), Q(e), Q(d), *map(Q, grads)]
                    + ([Q(grad_b)] if grad_b else []) + [*map(Q, new)] + ([Q(new_b)] if grad_b else []))
        weights, bias = new, new_b

    before = {"en": "before", "ja": "更新前"}
    cols = ([Column({"en": "step", "ja": "ステップ"}, width=8)]
            + ([Column({"en": "sample", "ja": "サンプル"}, width=9)] if several else [])
            + x_cols + [Column("t", width=7)]
            + [Column(f"w{s}", before, width=width) for s in sub]
            + ([Column("b", before, width=width)] if has_bias else [])
            + [Column({"en": "sum u", "ja": "総和 u"}, weighted, width=max(width, 6 * n + 4)),
               Column({"en": "output y", "ja": "出力 y"}, f_u, width=width),
               Column({"en": "error E", "ja": "誤差 E"}, "½(t − y)²", width=width),
               Column({"en": "delta δ", "ja": "デルタ δ"}, delta_text, width=max(width, 16))]
            + [Column(f"∂E/∂w{s}", f"δ·x{s}", width=width) for s in sub]
            + ([Column("∂E/∂b", "δ", width=width)] if params["learn_bias"] else [])
            + [Column(f"w{s}'", f"w{s} − η·∂E/∂w{s}", width=max(width, 14)) for s in sub]
            + ([Column("b'", "b − η·∂E/∂b", width=max(width, 12))] if params["learn_bias"] else []))
    ws.table(Table("steps", {"en": "Gradient descent, one sample per step", "ja": "勾配降下法(1ステップに1サンプル)"},
                   cols, rows))

    rows = []
    for k, smp in enumerate(samples, start=1):
        xs, t = tuple(f"x{k}_{i + 1}" for i in range(n)), f"t{k}"
        label = labeller({"en": f"final weights, {smp['name']}", "ja": f"学習後の重み、{smp['name']}"})
        u = ws.answer(f"ua{k}", Step(F.affine_sum, (xs, tuple(weights), bias or 0.0)),
                      label("weighted sum u", "総和 u"), sum_text, prec)
        y = ws.answer(f"ya{k}", Step(act.fn, (u,)), label("output y", "出力 y"), f"y = {f_u}", prec)
        e = ws.answer(f"Ea{k}", Step(F.squared_error, (y, t)), label("error E", "誤差 E"), "E = ½(t − y)²", prec)
        rows.append([smp["name"], *map(Ref, xs), Ref(t), *map(Ref, weights)] + ([Ref(bias)] if has_bias else [])
                    + [Q(u), Q(y), Q(e)])
    final = {"en": "final", "ja": "学習後"}
    ws.table(Table("after", {"en": "Every sample with the final weights", "ja": "学習後の重みで全サンプル"},
                   [Column({"en": "sample", "ja": "サンプル"}, width=8), *x_cols, Column("t", width=7)]
                   + [Column(f"w{s}", final, width=width) for s in sub]
                   + ([Column("b", final, width=width)] if has_bias else [])
                   + [Column({"en": "sum u", "ja": "総和 u"}, weighted, width=max(width, 6 * n + 4)),
                      Column({"en": "output y", "ja": "出力 y"}, f_u, width=width),
                      Column({"en": "error E", "ja": "誤差 E"}, "½(t − y)²", width=width)],
                   rows, note={"en": "Did the error go down? Compare with E at each sample's first step.",
                               "ja": "誤差は減ったでしょうか。各サンプルの最初のステップの E と比べてみてください。"}))
    return ws


def figures(variant, lang: str, key: bool) -> list[dict]:
    """In the key, the error falling step by step."""
    figure = falling_error(run_of(variant.worksheet.answer_key(), ERROR, 1), lang) if key else None
    return [figure] if figure else []


def replay(variant, steps: int, typed: dict | None) -> Replay:
    """The error E of each step, the engine's Affine layer and activation going on from the sheet's start."""
    from ..engine.layers import ACTIVATIONS as LAYERS
    from ..engine.layers import Affine
    p = variant.params
    W = np.array(p["initial_weights"], float)[:, None]
    b = np.array([p["bias"]], float)
    layers = [Affine(W, b), LAYERS[p["activation"]]()]
    errors = engine_errors(layers, p["samples"], p["trials"], steps, p["learning_rate"],
                           {} if p["learn_bias"] else {0: False})
    out = Replay({"en": "error E = ½(t − y)²", "ja": "誤差 E = ½(t − y)²"}, {"E": errors}, sheet_steps=len(p["trials"]), first_step=1, log_scale=True)
    out.summary.update(final_weights=W[:, 0].tolist(), final_bias=float(b[0]), first_error=float(errors[0]),
                       last_error=float(errors[-1]))
    return out.draw_learner(typed, {"E": ERROR.format})
