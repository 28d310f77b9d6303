"""`backprop`: a two-layer network learns by backpropagation, every quantity of one step by hand.

Weights are stored as the engine's Affine layers hold them, x @ W: `hidden_weights[i][j]` (written wᵢⱼ) joins
input xᵢ to hidden unit hⱼ, `output_weights[j][k]` (vⱼₖ) joins hⱼ to output unit oₖ. Each step presents one
sample: the forward pass (uⱼ = Σᵢ xᵢwᵢⱼ + bⱼ, hⱼ = f(uⱼ); zₖ = Σⱼ hⱼvⱼₖ + cₖ, yₖ = g(zₖ)), the error
E = ½Σₖ(tₖ − yₖ)², the output deltas δₖ = (yₖ − tₖ)·g'(zₖ), the hidden deltas δⱼ = (Σₖ δₖvⱼₖ)·f'(uⱼ) with the
output weights from before the update, every gradient and every new weight. A forward pass with the final
weights shows the error after the update.

`autoencoder = true` makes the step an autoencoder's: the targets are the inputs themselves (t = x, so the
samples give inputs only), the outputs as many as the inputs, the hidden layer the code (a bottleneck such as
2-1-2) and the output the reconstruction y, identity by default; E = ½Σₖ(xₖ − yₖ)² is the reconstruction error.
"""
from __future__ import annotations

import numpy as np

from ..worksheet.figures import Canvas, edge_label, falling_error, run_of
from ..worksheet.graph import Column, Q, Table, Text, Worksheet, tr
from ..worksheet.replay import Replay
from ..worksheet.spec import Spec
from .parts.backprop_sheet import Names, Place, Sheet
from .parts.network import (ACTIVATIONS, ERROR, engine_errors, join, one_decimal, precision_note, read_precision,
                            read_samples, read_steps, step_title)
from .parts.trials import subscript

KIND = "backprop"
TITLE = {"en": "Backpropagation: a two-layer network learns", "ja": "誤差逆伝播法: 2層のネットワークの学習"}
# `matchbox course`: minutes in the 3-hour and the full-day workshop (0: left out), and what to say first
COURSE = {
    "minutes": {"3h": 30, "day": 50},
    "idea": {"en": "A two-layer network: the forward pass computes the output, the backward pass sends the "
                   "output's delta back through the weights to the hidden layer. Every weight then takes one "
                   "step against its gradient.",
             "ja": "2層のネットワークでは、順伝播で出力を求め、逆伝播で出力層のデルタを重みを通して中間層へ送り返します。"
                   "そのあと、すべての重みを勾配と逆向きに1歩ずつ動かします。"},
    "talk": [{"en": "Draw the network on the board and keep it there: every number has a place on it.",
              "ja": "ネットワークの図を板書し、最後まで消さずに残します。どの数値も図のどこかに対応します。"},
             {"en": "The hidden delta uses the old output weights: update only after every delta is known.",
              "ja": "中間層のデルタには更新前の出力層の重みを使います。すべてのデルタを求めてから更新します。"},
             {"en": "Work in pairs: one reads the formula, the other computes; swap each table.",
              "ja": "2人1組で、1人が式を読み上げ、もう1人が計算します。表ごとに役割を交代します。"}],
    "formula": {"en": "δₒ = (y − t)·y(1 − y),  δₕ = δₒ·w·h(1 − h),  ∂E/∂w = δ·input,  w' = w − η·∂E/∂w",
                "ja": "δₒ = (y − t)·y(1 − y)、 δₕ = δₒ·w·h(1 − h)、 ∂E/∂w = δ·入力、 w' = w − η·∂E/∂w"},
}
HIDDEN = ("sigmoid", "tanh", "relu")
OUTPUT = ("sigmoid", "identity", "tanh")
BIASES = ("per_unit", "per_layer", "none")
LIMITS = (("input", 6), ("hidden unit", 6), ("output unit", 4))  # a network a person can work by hand
MOST_STEPS = 20
CAPTION = {"en": "The network and its starting weights", "ja": "ネットワークと重みの初期値"}
AE_TITLE = {"en": "An autoencoder step: backpropagation with the input as its own target",
            "ja": "自己符号化器(オートエンコーダ)の学習: 入力そのものを教師信号とする誤差逆伝播法"}
AE_CAPTION = {"en": "The autoencoder (input → code → reconstruction) and its starting weights",
              "ja": "自己符号化器(入力 → 符号 → 再構成)と重みの初期値"}


def sample(dice) -> dict:
    """A 2-2-1 network on one row of XOR: inputs 0/1, one-decimal weights and biases, η = 0.5 or 1."""
    x = dice.choice([[0, 1], [1, 0], [1, 1]])
    return {"shape": [2, 2, 1],
            "hidden_weights": [[one_decimal(dice, -1, 1, nonzero=True) for _ in range(2)] for _ in range(2)],
            "output_weights": [[one_decimal(dice, -1, 1, nonzero=True)] for _ in range(2)],
            "hidden_bias": [one_decimal(dice, -0.5, 0.5) for _ in range(2)],
            "output_bias": [one_decimal(dice, -0.5, 0.5)],
            "inputs": x, "targets": [x[0] ^ x[1]],
            "learning_rate": dice.choice([0.5, 1])}


def settle(params: dict) -> dict | None:
    """Accept a candidate whose deltas show at 4 decimals and whose error visibly goes down."""
    key = build(params).key()
    _, hidden, out = params["shape"]
    if any(abs(key[f"dh1_{j + 1}"]) < 0.005 for j in range(hidden)):
        return None
    if any(abs(key[f"do1_{k + 1}"]) < 0.02 for k in range(out)):
        return None
    return params if key["Ea1"] < key["E1"] - 0.001 else None


def normalize(spec: Spec, dice) -> dict:
    out: dict = {}
    title = spec.string("title", None)
    if title:
        out["title"] = title
    out["shape"] = n, hidden, k = read_shape(spec)
    autoencoder = spec.boolean("autoencoder", False)
    if autoencoder:  # only when asked, so every other spec keeps its parameters (and its digest)
        out["autoencoder"] = True
        if k != n:
            raise spec.fail("shape" if spec.has("shape") else "output_weights",
                            f"an autoencoder (autoencoder = true) reconstructs its inputs: it needs as many "
                            f"output units as inputs ({n}), got {k}")
    out["hidden"] = spec.string("hidden", "sigmoid", choices=HIDDEN)
    out["output"] = spec.string("output", "identity" if autoencoder else "sigmoid", choices=OUTPUT)
    out["hidden_weights"] = read_matrix(spec, "hidden_weights", n, hidden, "input", "hidden unit")
    out["output_weights"] = read_matrix(spec, "output_weights", hidden, k, "hidden unit", "output unit")
    out["biases"] = mode = spec.string("biases", "per_unit", choices=BIASES)
    for key, size in (("hidden_bias", hidden), ("output_bias", k)):
        if mode == "none":
            if spec.has(key):
                raise spec.fail(key, "the network has no biases (biases = \"none\")")
        elif mode == "per_layer":
            out[key] = spec.number(key, 0)
        elif isinstance(spec.raw(key, 0), list):
            out[key] = spec.numbers(key, length=size)
        else:  # one number: every unit of the layer starts from it
            out[key] = [spec.number(key, 0)] * size
    out["learn_biases"] = spec.boolean("learn_biases", mode != "none")
    if mode == "none" and out["learn_biases"]:
        raise spec.fail("learn_biases", "the network has no biases to learn (biases = \"none\")")
    out["weight_names"] = spec.string("weight_names", "matrix", choices=("matrix", "numbered"))
    out["learning_rate"] = spec.number("learning_rate", 0.5, above=0)
    if autoencoder:
        out["samples"] = read_samples(spec, ("inputs",), lambda s: {"inputs": s.numbers("inputs", length=n),
                                                                    **_no_targets(s)})
        _no_targets(spec)
    else:
        out["samples"] = read_samples(spec, ("inputs", "targets"),
                                      lambda s: {"inputs": s.numbers("inputs", length=n),
                                                 "targets": s.numbers("targets", length=k)})
    out.update(read_steps(spec, [s["name"] for s in out["samples"]], dice, MOST_STEPS))
    out["decimals"] = read_precision(spec)
    spec.finish("kind")
    return out


def _no_targets(spec: Spec) -> dict:
    """An autoencoder's target is its input: a sample that gives targets as well is refused."""
    if spec.has("targets"):
        raise spec.fail("targets", "an autoencoder's targets are its inputs (autoencoder = true): "
                                   "give only inputs")
    return {}


def targets_of(params: dict, sample: dict) -> list:
    """A sample's targets: its own, or (an autoencoder) its inputs."""
    return sample["inputs"] if params.get("autoencoder") else sample["targets"]


def read_shape(spec: Spec) -> list[int]:
    """[inputs, hidden units, outputs]: the `shape` key, or what the weight matrices say."""
    if spec.has("shape"):
        shape = spec.numbers("shape", length=3, integer=True)
    else:
        rows, cols = _size(spec, "hidden_weights"), _size(spec, "output_weights")
        shape = [rows[0], rows[1], cols[1]]
    for i, (what, most) in enumerate(LIMITS):
        if not 1 <= shape[i] <= most:
            raise spec.fail(f"shape[{i}]" if spec.has("shape") else "hidden_weights" if i < 2 else "output_weights",
                            f"1 to {most} {what}s, got {shape[i]}")
    return shape


def _size(spec: Spec, key: str) -> tuple[int, int]:
    value = spec.raw(key)
    if not isinstance(value, list) or not value or not isinstance(value[0], list):
        raise spec.fail(key, "expected a list of rows of numbers, e.g. [[0.1, 0.2], [0.3, 0.4]]")
    return len(value), len(value[0])


def read_matrix(spec: Spec, key: str, rows: int, cols: int, row_what: str, col_what: str) -> list[list]:
    value = spec.raw(key)
    if not isinstance(value, list) or len(value) != rows:
        got = len(value) if isinstance(value, list) else repr(value)
        raise spec.fail(key, f"expected {rows} rows (one per {row_what}, each with one weight per {col_what}), "
                             f"got {got}")
    out = []
    for i, row in enumerate(value):
        if not isinstance(row, list) or len(row) != cols:
            got = len(row) if isinstance(row, list) else repr(row)
            raise spec.fail(f"{key}[{i}]", f"expected {cols} numbers (one per {col_what}), got {got}")
        out.append([spec._check_number(f"{key}[{i}][{j}]", v, False) for j, v in enumerate(row)])
    return out


def build(params: dict) -> Worksheet:
    ws = Worksheet(KIND, params.get("title", AE_TITLE if params.get("autoencoder") else TITLE), instructions(params),
                   precision_note(params["decimals"]))
    add_settings(ws, params)
    add_samples(ws, params)
    sheet = Sheet(params, ws)
    state = sheet.givens()
    names = [s["name"] for s in params["samples"]]
    several = len(names) > 1
    for step, name in enumerate(params["trials"], start=1):
        where = ({"en": f"step {step} ({name})", "ja": f"ステップ{step}({name})"} if several
                 else {"en": f"step {step}", "ja": f"ステップ{step}"})
        place = Place(str(step), step_title(step, name, params), where)
        s = names.index(name) + 1
        hs, ys = sheet.forward(place, state, s)
        do = sheet.output_backward(place, s, hs, ys)
        dh = sheet.hidden_backward(place, state, s, hs, do)
        state = sheet.update(place, state, do, dh)
    for s, name in enumerate(names, start=1):
        place = (Place(f"a{s}", {"en": f"After the update (sample {name}) — ", "ja": f"更新後(サンプル {name}) — "},
                       {"en": f"after the update ({name})", "ja": f"更新後({name})"}) if several else
                 Place(f"a{s}", {"en": "After the update — ", "ja": "更新後 — "},
                       {"en": "after the update", "ja": "更新後"}))
        sheet.forward(place, state, s)
    return ws


def instructions(params: dict) -> Text:
    names = Names(params)
    f, g = ACTIVATIONS[params["hidden"]], ACTIVATIONS[params["output"]]
    n, hidden, out = params["shape"]
    if names.numbered:
        last = names.w(n - 1, 0)
        weights = {"en": (f"The weights are numbered unit by unit: {names.w(0, 0)}…{last} lead into h₁, and so "
                          f"on; from {names.v(0, 0)} on they lead into o₁ (the weights table lists each one's "
                          "ends). "),
                   "ja": (f"重みはユニットごとに番号が付いています: {names.w(0, 0)}〜{last} が h₁ への重み、以下"
                          f"同様で、{names.v(0, 0)} からが o₁ への重みです(重みの表にどこからどこへかを示します)。")}
    else:
        weights = {"en": "Weight wᵢⱼ joins input xᵢ to hidden unit hⱼ, and vⱼₖ joins hⱼ to output unit oₖ. ",
                   "ja": "重み wᵢⱼ は入力 xᵢ から中間層のユニット hⱼ へ、vⱼₖ は hⱼ から出力層のユニット oₖ "
                         "への重みです。"}
    if params.get("autoencoder"):
        delta = ({"en": "δ = y − x", "ja": "δ = y − x"} if params["output"] == "identity"
                 else {"en": "δ = (y − x)·g'(z)", "ja": "δ = (y − x)·g'(z)"})
        return join(
            {"en": (f"An autoencoder learns to reproduce its input: {_count(n, 'input')}, a bottleneck of "
                    f"{_count(hidden, 'hidden unit')} ({f.name['en']}) that holds the code h, and "
                    f"{_count(out, 'output unit')} ({g.name['en']}) that give the reconstruction y. The target is "
                    "the input itself: t = x. "),
             "ja": (f"自己符号化器(オートエンコーダ)は、入力をそのまま再現するように学習します。入力 {n} 個を"
                    f"中間層 {hidden} ユニット({f.name['ja']})の符号(コード)h に縮め、出力層 {out} ユニット"
                    f"({g.name['ja']})で再構成 y に戻します。教師信号は入力そのもの(t = x)です。")},
            weights,
            {"en": ("For each step, fill the tables from top to bottom: the forward pass (input → code → "
                    "reconstruction), the reconstruction error E = ½Σ(x − y)², the output layer's deltas "
                    f"{delta['en']} and gradients, the hidden layer's deltas (with the output weights from before "
                    "the update) and gradients, and the new weights w' = w − η·∂E/∂w, which the next step uses. "
                    "Finally, a forward pass with the new weights gives the reconstruction error after the "
                    "update."),
             "ja": ("ステップごとに表を上から順に埋めます: 順伝播(入力 → 符号 → 再構成)、再構成誤差 "
                    f"E = ½Σ(x − y)²、出力層のデルタ {delta['ja']} と勾配、"
                    "中間層のデルタ(出力層の重みは更新前の値を使います)と勾配、新しい重み w' = w − η·∂E/∂w"
                    "(次のステップはこの重みを使います)。最後に新しい重みで順伝播し、更新後の再構成誤差を"
                    "求めます。")})
    return join(
        {"en": (f"A network with {_count(n, 'input')}, {_count(hidden, 'hidden unit')} "
                f"({f.name['en']}) and {_count(out, 'output unit')} ({g.name['en']}) learns by "
                "backpropagation. "),
         "ja": (f"入力 {n} 個、中間層 {hidden} ユニット({f.name['ja']})、出力層 {out} ユニット"
                f"({g.name['ja']})のネットワークを誤差逆伝播法で学習させます。")},
        weights,
        {"en": ("For each step, fill the tables from top to bottom: the forward pass, the error "
                "E = ½Σ(t − y)², the output layer's deltas and gradients, the hidden layer's deltas (with the "
                "output weights from before the update) and gradients, and the new weights w' = w − η·∂E/∂w, "
                "which the next step uses. Finally, a forward pass with the new weights gives the error after "
                "the update."),
         "ja": ("ステップごとに表を上から順に埋めます: 順伝播、誤差 E = ½Σ(t − y)²、出力層のデルタと勾配、"
                "中間層のデルタ(出力層の重みは更新前の値を使います)と勾配、新しい重み w' = w − η·∂E/∂w"
                "(次のステップはこの重みを使います)。最後に新しい重みで順伝播し、更新後の誤差を求めます。")})


def add_settings(ws: Worksheet, params: dict) -> None:
    """η and the settings: the network's shape, its activations and its biases."""
    f, g = ACTIVATIONS[params["hidden"]], ACTIVATIONS[params["output"]]
    lr = ws.given("lr", params["learning_rate"], {"en": "learning rate η", "ja": "学習率 η"})
    bias_mode = {"per_unit": {"en": "one per unit", "ja": "ユニットごと"},
                 "per_layer": {"en": "one shared by each layer", "ja": "層ごとに1つ(共有)"},
                 "none": {"en": "none", "ja": "なし"}}[params["biases"]]
    if params["biases"] != "none":
        bias_mode = join(bias_mode, {"en": ", learned", "ja": "、学習する"} if params["learn_biases"]
                         else {"en": ", fixed", "ja": "、固定"})
    shape = "-".join(map(str, params["shape"]))
    if params.get("autoencoder"):
        network = [[{"en": "autoencoder (input-code-reconstruction)", "ja": "自己符号化器(入力-符号-再構成)"}, shape],
                   [{"en": "targets", "ja": "教師信号"},
                    {"en": "the inputs themselves: t = x", "ja": "入力そのもの: t = x"}]]
    else:
        network = [[{"en": "network (inputs-hidden-outputs)", "ja": "ネットワーク(入力-中間-出力)"}, shape]]
    ws.table(Table("settings", {"en": "Given", "ja": "与えられた値"},
                   [Column("", width=24), Column({"en": "value", "ja": "値"}, width=22)],
                   [[{"en": "learning rate η", "ja": "学習率 η"}, Q(lr)], *network,
                    [{"en": "hidden layer activation", "ja": "中間層の活性化関数"},
                     join(f.name, f" hⱼ = {f.apply.format(u='uⱼ')}")],
                    [{"en": "output layer activation", "ja": "出力層の活性化関数"},
                     join(g.name, f" yₖ = {g.apply.format(u='zₖ')}")],
                    [{"en": "biases", "ja": "バイアス"}, bias_mode]], role="settings"))


def add_samples(ws: Worksheet, params: dict) -> None:
    """Each sample's inputs and targets as givens; an autoencoder's samples have inputs only, its targets."""
    names, ae = Names(params), params.get("autoencoder", False)
    rows = []
    for s, smp in enumerate(params["samples"], start=1):
        xs = [ws.given(f"x{s}_{i + 1}", v, f"{smp['name']}: {names.x[i]}") for i, v in enumerate(smp["inputs"])]
        ts = [] if ae else [ws.given(f"t{s}_{k + 1}", v, {"en": f"{smp['name']}: target t{subscript(k + 1)}",
                                                           "ja": f"{smp['name']}: 教師信号 t{subscript(k + 1)}"})
                            for k, v in enumerate(smp["targets"])]
        rows.append([smp["name"], *map(Q, xs), *map(Q, ts)])
    if ae:
        ws.table(Table("samples", {"en": "Inputs (each is its own target: t = x)",
                                   "ja": "入力(教師信号は入力そのもの: t = x)"},
                       [Column({"en": "sample", "ja": "サンプル"}, width=10)]
                       + [Column(x, {"en": f"= t{subscript(k + 1)}, target for {o}",
                                     "ja": f"= t{subscript(k + 1)}({o} の教師信号)"}, width=12)
                          for k, (x, o) in enumerate(zip(names.x, names.o))], rows))
    else:
        ws.table(Table("samples", {"en": "Samples and targets", "ja": "入力と教師信号"},
                       [Column({"en": "sample", "ja": "サンプル"}, width=10)]
                       + [Column(x, width=7) for x in names.x]
                       + [Column(f"t{subscript(k + 1)}", {"en": f"target for {o}", "ja": f"{o} の教師信号"}, width=10)
                          for k, o in enumerate(names.o)], rows))


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("s" if n != 1 else "")


def figures(variant, lang: str, key: bool) -> list[dict]:
    """The network with its starting weights; in the key also the error falling step by step."""
    out = [network_figure(variant.params, lang)]
    error = falling_error(run_of(variant.worksheet.answer_key(), ERROR, 1), lang) if key else None
    return out + [error] if error else out


def network_figure(p: dict, lang: str) -> dict:
    n, h, k = p["shape"]
    c = Canvas(380, 60 + 55 * max(n, h, k), 0, 2, 0, max(n, h, k), margin=30)
    W, V = np.array(p["hidden_weights"]), np.array(p["output_weights"])

    def pos(layer, i, count):
        return layer, max(n, h, k) * (1 - (i + 0.5) / count)

    names = Names(p)
    edges = [(pos(0, i, n), pos(1, j, h), f"{names.w(i, j)} = {W[i, j]:g}") for i in range(n) for j in range(h)]
    edges += [(pos(1, j, h), pos(2, m, k), f"{names.v(j, m)} = {V[j, m]:g}") for j in range(h) for m in range(k)]
    for a, b, _ in edges:
        c.line(*a, *b, 0.8, "#777")
    for a, b, label in edges:  # on its own edge near where it starts, so crossing edges keep their labels apart
        edge_label(c, a, b, label, 0.3)
    if p.get("biases", "none") != "none":  # each unit's bias written under it, so no edge crosses
        for layer, count, bias in ((1, h, p["hidden_bias"]), (2, k, p["output_bias"])):
            bias = np.broadcast_to(np.array(bias, float), (count,))
            for i in range(count):
                x, y = pos(layer, i, count)
                c.text(c.X(x), c.Y(y) + 22, f"b={bias[i]:g}", 7.5, color="#06c")
    for layer, count, label in ((0, n, "x"), (1, h, "h"), (2, k, "o")):
        for i in range(count):
            x, y = pos(layer, i, count)
            c.raw(f'<circle cx="{c.X(x):.1f}" cy="{c.Y(y):.1f}" r="11" fill="white" stroke="#111"/>')
            sub = "₀₁₂₃₄₅₆₇₈₉"[i + 1] if i < 9 else str(i + 1)
            c.text(c.X(x), c.Y(y) + 3, f"{label}{sub}", 8.5)
    return {"svg": c.svg(), "caption": tr(AE_CAPTION if p.get("autoencoder") else CAPTION, lang)}


def replay(variant, steps: int, typed: dict | None) -> Replay:
    """The error E of each step, the engine's Affine layers and activations going on from the sheet's start."""
    from ..engine.layers import ACTIVATIONS as LAYERS, Affine
    p = variant.params
    n, h, k = p["shape"]
    if p["biases"] == "none":
        b, c = np.zeros(h), np.zeros(k)
    else:
        b = np.broadcast_to(np.array(p["hidden_bias"], float), (h,)).copy()
        c = np.broadcast_to(np.array(p["output_bias"], float), (k,)).copy()
    layers = [Affine(np.array(p["hidden_weights"], float), b), LAYERS[p["hidden"]](),
              Affine(np.array(p["output_weights"], float), c), LAYERS[p["output"]]()]
    if p["biases"] == "none" or not p.get("learn_biases", True):
        shared = {0: False, 2: False}
    elif p["biases"] == "per_layer":
        shared = {0: True, 2: True}
    else:
        shared = {}
    samples = [{**s, "targets": targets_of(p, s)} for s in p["samples"]]
    errors = engine_errors(layers, samples, p["trials"], steps, p["learning_rate"], shared)
    label = ({"en": "reconstruction error E = ½Σ(x − y)²", "ja": "再構成誤差 E = ½Σ(x − y)²"}
             if p.get("autoencoder") else {"en": "error E = ½Σ(t − y)²", "ja": "誤差 E = ½Σ(t − y)²"})
    out = Replay(label, {"E": errors}, sheet_steps=len(p["trials"]), first_step=1, log_scale=True)
    out.summary.update(first_error=float(errors[0]), last_error=float(errors[-1]))
    return out.draw_learner(typed, {"E": ERROR.format})
