"""`logistic`: logistic regression, one sigmoid neuron learning by gradient descent on the cross-entropy.

Each step presents one sample: the sum u = Σ wᵢxᵢ + b, the output y = σ(u), the binary cross-entropy
E = −[t ln y + (1 − t) ln(1 − y)] (natural log), its delta δ = ∂E/∂u = y − t (the sigmoid's slope σ'(u) =
y(1 − y) cancels), the gradients ∂E/∂wᵢ = δ·xᵢ and the new weights wᵢ' = wᵢ − η·∂E/∂wᵢ, b' = b − η·δ.
Then the same start trained with the squared error E = ½(t − y)², whose δ = (y − t)·y(1 − y) keeps σ'(u), and
the two deltas side by side with their ratio: from a badly wrong start (t = 1, y ≈ 0.1) the squared error's δ is
tiny, the cross-entropy's is not, larger by the factor 1/σ'(u).
"""
from __future__ import annotations

import math

import numpy as np

from ..engine import functions as F
from ..worksheet.figures import Canvas, legend
from ..worksheet.graph import Column, Q, Ref, Step, Table, Worksheet, tr
from ..worksheet.replay import Replay, cycle
from ..worksheet.slips import Slip
from ..worksheet.spec import Spec
from .parts.network import (SIGN_REVERSED, delta_slips, labeller, one_decimal, precision_note, read_precision,
                            read_samples, read_steps, rounded, samples_table)
from .parts.trials import subscript

KIND = "logistic"
TITLE = {"en": "Logistic regression: the sigmoid with the cross-entropy",
         "ja": "ロジスティック回帰(シグモイド関数と交差エントロピー誤差)"}
# `matchbox course`: minutes in the 3-hour and the full-day workshop (0: left out), and what to say first
COURSE = {
    "minutes": {"3h": 0, "day": 25},
    "idea": {"en": "With the cross-entropy the sigmoid neuron's delta is simply y − t: σ'(u) cancels. "
                   "From a badly wrong start it learns fast, where the squared error's δ = (y − t)·σ'(u) hardly moves.",
             "ja": "交差エントロピー誤差を使うと、シグモイドニューロンのデルタは y − t だけになり、σ'(u) は消えます。"
                   "大きく外れた状態からでも速く学習できますが、二乗誤差の δ = (y − t)·σ'(u) ではほとんど進みません。"},
    "talk": [{"en": "The start is wrong on purpose: t = 1 but y ≈ 0.1. Where the sigmoid is flat, σ'(u) is small, "
                    "and so is the squared error's δ.",
              "ja": "わざと大きく外れた状態(t = 1 なのに y ≈ 0.1)から始めます。シグモイド関数が平らなところでは "
                    "σ'(u) が小さく、二乗誤差の δ も小さくなります。"},
             {"en": "The cross-entropy's δ = y − t has no σ': the worse the output, the larger the step. That is why "
                    "classifiers use it.",
              "ja": "交差エントロピー誤差の δ = y − t には σ' がないため、出力が外れているほど大きく更新されます。"
                    "分類の学習でこの誤差関数が使われる理由です。"},
             {"en": "ln is the natural logarithm: the log key of many calculators is base 10.",
              "ja": "ln は自然対数です。電卓の log キーは常用対数(底 10)のことが多いので注意します。"}],
    "formula": {"en": "E = −[t ln y + (1 − t) ln(1 − y)],  δ = y − t;  squared error: δ = (y − t)·y(1 − y)",
                "ja": "E = −[t ln y + (1 − t) ln(1 − y)]、 δ = y − t(二乗誤差では δ = (y − t)·y(1 − y))"},
}
MOST_STEPS = 20
CE, SE = "y{}", "sy{}"  # the output of each run at a step: CE.format(step)

# the slips of the cross-entropy's E and δ, each computed the wrong way
SIGMA_KEPT = Slip("sigma-grad-kept", lambda y, t: (y - t) * y * (1 - y),
                  name={"en": "σ'(u) = y(1 − y) kept with the cross-entropy (its δ is just y − t; the factor "
                              "belongs to the squared error)",
                        "ja": "交差エントロピー誤差の δ に σ'(u) = y(1 − y) を掛けています"
                              "(δ = y − t です。この因子が付くのは二乗誤差のときです)"})
E_SLIPS = (Slip("base10-log", lambda y, t: -(t * math.log10(y) if t else 0.0)
                - ((1 - t) * math.log10(1 - y) if t != 1 else 0.0)),
           Slip("minus-forgotten", lambda y, t: -F.binary_cross_entropy(y, t),
                name={"en": "the minus sign in front of the bracket forgotten (E is never negative)",
                      "ja": "かっこの前のマイナスの付け忘れ (E が負になることはありません)"}))


def sample(dice) -> dict:
    """One input, a badly wrong start (t = 1 with u from −3 to −2, or t = 0 with u from 2 to 3)."""
    return {"inputs": [dice.choice([1, 2])], "teacher": dice.choice([0, 1]),
            "initial_weights": [one_decimal(dice, -1.5, 1.5)], "bias": one_decimal(dice, -1.5, 1.5),
            "learning_rate": dice.choice([0.5, 1]), "steps": 3}


def settle(params: dict) -> dict | None:
    """Accept a start that is badly wrong (|y − t| from 0.88 to 0.95, away from u = 0) where the cross-entropy
    gets the output onto the teacher's side of ½ within the steps and the squared error does not, with every δ
    visible at the sheet's decimals."""
    key = build(params).key()
    steps = range(1, len(params["trials"]) + 1)
    t = params["samples"][0]["teacher"]
    if not 0.88 <= abs(key["y1"] - t) <= 0.95 or key["w0_1"] == 0 or key["b0"] == 0:
        return None
    if abs(key["a_y"] - t) >= 0.4 or abs(key["sa_y"] - t) < 0.75:  # the final outputs, with each run's weights
        return None
    if any(abs(key[f"sd{s}"]) < 0.01 or abs(key[f"d{s}"]) < 0.05 for s in steps):
        return None
    return params


def _read_sample(s: Spec) -> dict:
    return {"inputs": s.numbers("inputs"), "teacher": s.number("teacher", minimum=0, maximum=1)}


def normalize(spec: Spec, dice) -> dict:
    out: dict = {}
    title = spec.string("title", None)
    if title:
        out["title"] = title
    samples = read_samples(spec, ("inputs", "teacher"), _read_sample)
    n = len(samples[0]["inputs"])
    for i, s in enumerate(samples):
        where = "inputs" if not spec.has("samples") else f"samples[{i}].inputs"
        if not 1 <= len(s["inputs"]) <= 4:
            raise spec.fail(where, f"expected 1 to 4 numbers, got {len(s['inputs'])}")
        if len(s["inputs"]) != n:
            raise spec.fail(where, f"expected {n} numbers like the first sample, got {len(s['inputs'])}")
    out["samples"] = samples
    out["initial_weights"] = spec.numbers("initial_weights", [0] * n, length=n)
    out["bias"] = spec.number("bias", 0)
    out["learning_rate"] = spec.number("learning_rate", 0.5, above=0)
    out.update(read_steps(spec, [s["name"] for s in samples], dice, MOST_STEPS))
    out["compare"] = spec.boolean("compare", True)
    out["decimals"] = read_precision(spec)
    _check_logs(spec, out)
    spec.finish("kind")
    return out


def _check_logs(spec: Spec, params: dict) -> None:
    """Refuse a run whose output rounds to 0 or 1 where E takes its log (ln 0 cannot be written down), or whose
    squared error's δ rounds to 0 (the ratio of the deltas would divide by 0)."""
    key, d = build({**params, "compare": False}).answer_key(), params["decimals"]
    names = [s["name"] for s in params["samples"]]
    for step, name in enumerate(params["trials"], start=1):
        t = params["samples"][names.index(name)]["teacher"]
        y = key[f"y{step}"]
        if (t != 0 and y <= 0) or (t != 1 and y >= 1):
            raise spec.fail("initial_weights", f"step {step}'s output y rounds to {y:g} at {d} decimals, and "
                                               "E takes ln of 0 there: choose smaller weights or more decimals")
    if params["compare"]:
        with np.errstate(divide="ignore", invalid="ignore"):  # the ratio of a δ of 0, refused just below
            key = build(params).answer_key()
        zero = next((s for s in range(1, len(params["trials"]) + 1) if key[f"sd{s}"] == 0), None)
        if zero:
            raise spec.fail("compare", f"the squared error's δ of step {zero} rounds to 0 at {d} decimals, so the "
                                       "ratio of the deltas cannot be taken: choose another start, more decimals, "
                                       "or compare = false")


def build(params: dict) -> Worksheet:
    prec = rounded(params["decimals"])
    samples = params["samples"]
    n = len(samples[0]["inputs"])
    sub = [subscript(i + 1) for i in range(n)] if n > 1 else [""]
    several = len(samples) > 1
    compare = params["compare"]
    weighted = " + ".join(f"w{s}x{s}" for s in sub) + " + b"
    ws = Worksheet(KIND, params.get("title", TITLE), {
        "en": ("One sigmoid neuron, y = σ(u), learns the teacher t by gradient descent on the cross-entropy error "
               "E = −[t ln y + (1 − t) ln(1 − y)], with the NATURAL log ln (not log₁₀). Its delta is simply "
               "δ = ∂E/∂u = y − t: the sigmoid's slope σ'(u) = y(1 − y) cancels. Each step: the weighted sum u, the "
               "output y, the error E, δ, the gradients ∂E/∂wᵢ = δ·xᵢ (and ∂E/∂b = δ), then the new weights "
               "wᵢ' = wᵢ − η·∂E/∂wᵢ and b' = b − η·δ, which the next step uses."
               + (" Then train the same start with the squared error E = ½(t − y)², whose delta "
                  "δ = (y − t)·y(1 − y) keeps σ'(u), and compare the two deltas step by step." if compare else "")),
        "ja": ("シグモイド関数を活性化関数とするニューロン1個(y = σ(u))を、交差エントロピー誤差 "
               "E = −[t ln y + (1 − t) ln(1 − y)] の勾配降下法で学習させます。対数は自然対数 ln です"
               "(log₁₀ ではありません)。このときデルタは δ = ∂E/∂u = y − t となり、シグモイド関数の傾き "
               "σ'(u) = y(1 − y) は打ち消されて残りません。ステップごとに総和 u、出力 y、誤差 E、デルタ δ、"
               "勾配 ∂E/∂wᵢ = δ·xᵢ(∂E/∂b = δ)を求め、新しい重み wᵢ' = wᵢ − η·∂E/∂wᵢ と b' = b − η·δ を"
               "求めます(次のステップはこの重みを使います)。"
               + ("次に、同じ初期値から二乗誤差 E = ½(t − y)² で学習させます。そのデルタ δ = (y − t)·y(1 − y) "
                  "には σ'(u) が残ります。最後に2つのデルタをステップごとに比べます。" if compare else "")),
    }, precision_note(params["decimals"]))

    lr = ws.given("lr", params["learning_rate"], {"en": "learning rate η", "ja": "学習率 η"})
    settings = [[{"en": "learning rate η", "ja": "学習率 η"}, Q(lr)]]
    start = []
    for i, s in enumerate(sub):
        label = {"en": f"initial weight w{s}", "ja": f"重み w{s} の初期値"}
        start.append(ws.given(f"w0_{i + 1}", params["initial_weights"][i], label))
        settings.append([label, Q(start[-1])])
    label = {"en": "initial bias b", "ja": "バイアス b の初期値"}
    bias0 = ws.given("b0", params["bias"], label)
    settings.append([label, Q(bias0)])
    ws.table(Table("settings", {"en": "Given", "ja": "与えられた値"},
                   [Column("", width=24), Column({"en": "value", "ja": "値"}, width=14)], settings,
                   role="settings"))

    x_cols = samples_table(ws, samples, sub)

    names = [smp["name"] for smp in samples]
    width = max(9, params["decimals"] + 4)
    before = {"en": "before", "ja": "更新前"}
    head = ([Column({"en": "step", "ja": "ステップ"}, width=8)]
            + ([Column({"en": "sample", "ja": "サンプル"}, width=9)] if several else []) + x_cols
            + [Column("t", width=6)] + [Column(f"w{s}", before, width=width) for s in sub]
            + [Column("b", before, width=width),
               Column({"en": "sum u", "ja": "総和 u"}, weighted, width=max(width, 6 * n + 4)),
               Column({"en": "output y", "ja": "出力 y"}, "σ(u)", width=width)])
    tail = ([Column(f"∂E/∂w{s}", f"δ·x{s}", width=width) for s in sub]
            + [Column(f"w{s}'", f"w{s} − η·∂E/∂w{s}", width=max(width, 14)) for s in sub]
            + [Column("b'", "b − η·δ", width=max(width, 10))])

    def run(prefix: str, where: dict, loss: bool):
        """One run over the steps from the same start: the cross-entropy's (loss=True) or the squared error's."""
        weights, bias, rows, deltas = start, bias0, [], []
        for step, name in enumerate(params["trials"], start=1):
            k = names.index(name) + 1
            xs, t = tuple(f"x{k}_{i + 1}" for i in range(n)), f"t{k}"
            label = labeller({"en": f"{where['en']}, step {step}", "ja": f"{where['ja']}、ステップ{step}"})
            u = ws.answer(f"{prefix}u{step}", Step(F.affine_sum, (xs, tuple(weights), bias)),
                          label("weighted sum u", "総和 u"), "u = " + weighted, prec)
            y = ws.answer(f"{prefix}y{step}", Step(F.sigmoid, (u,)), label("output y", "出力 y"), "y = σ(u)", prec)
            if loss:
                e = ws.answer(f"E{step}", Step(F.binary_cross_entropy, (y, t), slips=E_SLIPS),
                              label("cross-entropy E", "交差エントロピー誤差 E"),
                              "E = −[t ln y + (1 − t) ln(1 − y)]", prec)
                d = ws.answer(f"d{step}", Step(F.binary_cross_entropy_delta, (y, t), slips=(
                    Slip("sign-reversed", lambda y_, t_: t_ - y_, name=SIGN_REVERSED), SIGMA_KEPT)),
                    label("delta δ", "デルタ δ"), "δ = y − t", prec)
            else:
                d = ws.answer(f"sd{step}", Step(F.output_delta, (y, t), {"activation": "sigmoid"},
                                                delta_slips("sigmoid")),
                              label("delta δ", "デルタ δ"), "δ = (y − t)·y(1 − y)", prec)
            grads = [ws.answer(f"{prefix}g{step}_{i + 1}", Step(F.product, (d, xs[i])),
                               label(f"gradient ∂E/∂w{s}", f"勾配 ∂E/∂w{s}"), f"∂E/∂w{s} = δ·x{s}", prec)
                     for i, s in enumerate(sub)]
            new = [ws.answer(f"{prefix}w{step}_{i + 1}", Step(F.gradient_step, (weights[i], grads[i], lr)),
                             label(f"new weight w{s}'", f"新しい重み w{s}'"), f"w{s}' = w{s} − η·∂E/∂w{s}", prec)
                   for i, s in enumerate(sub)]
            new_b = ws.answer(f"{prefix}b{step}", Step(F.gradient_step, (bias, d, lr)),
                              label("new bias b'", "新しいバイアス b'"), "b' = b − η·δ", prec)
            rows.append([step] + ([name] if several else []) + [*map(Ref, xs), Ref(t), *map(Ref, weights), Ref(bias),
                                                                 Q(u), Q(y)] + ([Q(e)] if loss else [])
                        + [Q(d), *map(Q, grads), *map(Q, new), Q(new_b)])
            deltas.append((y, d))
            weights, bias = new, new_b
        finals.append((prefix, where, weights, bias))
        return rows, deltas

    finals: list = []
    where = {"en": "cross-entropy", "ja": "交差エントロピー誤差"}
    rows, ce = run("", where, True)
    ws.table(Table("steps", {"en": "Gradient descent on the cross-entropy", "ja": "交差エントロピー誤差の勾配降下法"},
                   head + [Column({"en": "error E", "ja": "誤差 E"}, "−[t ln y + (1 − t) ln(1 − y)]", width=18),
                           Column({"en": "delta δ", "ja": "デルタ δ"}, "y − t", width=width)] + tail, rows))
    if not compare:
        return _after(ws, params, finals, prec, x_cols, weighted, width)
    rows, se = run("s", {"en": "squared error", "ja": "二乗誤差"}, False)
    ws.table(Table("squared", {"en": "The same start with the squared error E = ½(t − y)²",
                               "ja": "同じ初期値から二乗誤差 E = ½(t − y)² で学習"},
                   head + [Column({"en": "delta δ", "ja": "デルタ δ"}, "(y − t)·y(1 − y)", width=16)] + tail, rows))

    rows = []
    for step, ((y, d), (sy, sd)) in enumerate(zip(ce, se), start=1):
        r = ws.answer(f"r{step}", Step(F.ratio, (d, sd)),
                      {"en": f"step {step}: ratio of the deltas δ(cross-entropy) / δ(squared error)",
                       "ja": f"ステップ{step}: デルタの比 δ(交差エントロピー誤差) / δ(二乗誤差)"},
                      "δ(CE) / δ(SE)", prec)
        rows.append([step, Ref(y), Ref(d), Ref(sy), Ref(sd), Q(r)])
    ce_word, se_word = {"en": "cross-entropy", "ja": "交差エントロピー"}, {"en": "squared error", "ja": "二乗誤差"}
    ws.table(Table("compare", {"en": "The two deltas side by side", "ja": "2つのデルタの比較"},
                   [Column({"en": "step", "ja": "ステップ"}, width=8),
                    Column({"en": "output y", "ja": "出力 y"}, ce_word, width=width),
                    Column({"en": "delta δ", "ja": "デルタ δ"}, ce_word, width=width),
                    Column({"en": "output y", "ja": "出力 y"}, se_word, width=width),
                    Column({"en": "delta δ", "ja": "デルタ δ"}, se_word, width=width),
                    Column({"en": "ratio", "ja": "比"}, "δ(CE) / δ(SE)", width=max(width, 14))], rows,
                   note={"en": "At step 1 both runs have the same y, so the ratio is 1/σ'(u) = 1/(y(1 − y)): "
                               "far from the teacher, σ'(u) is small, the squared error's δ is tiny and the "
                               "cross-entropy's is not. Which output reaches the teacher's side first?",
                         "ja": "ステップ1では2つの y が等しいので、比は 1/σ'(u) = 1/(y(1 − y)) になります。"
                               "教師信号から大きく外れているときは σ'(u) が小さく、二乗誤差の δ はごく小さくなりますが、"
                               "交差エントロピー誤差の δ は小さくなりません。どちらの出力が先に教師信号の側に"
                               "届くでしょうか。"}))
    return _after(ws, params, finals, prec, x_cols, weighted, width)


def _after(ws: Worksheet, params: dict, finals: list, prec, x_cols: list, weighted: str, width: int) -> Worksheet:
    """Every sample with each run's final weights: has the output reached the teacher's side of ½?"""
    samples, rows = params["samples"], []
    n = len(samples[0]["inputs"])
    for prefix, where, weights, bias in finals:
        for k, smp in enumerate(samples, start=1):
            xs, t = tuple(f"x{k}_{i + 1}" for i in range(n)), f"t{k}"
            tag = f"{prefix}a{k}" if len(samples) > 1 else f"{prefix}a"
            label = labeller({"en": f"{where['en']}, final weights, sample {smp['name']}",
                              "ja": f"{where['ja']}、学習後の重み、サンプル {smp['name']}"})
            u = ws.answer(f"{tag}_u", Step(F.affine_sum, (xs, tuple(weights), bias)),
                          label("weighted sum u", "総和 u"), "u = " + weighted, prec)
            y = ws.answer(f"{tag}_y", Step(F.sigmoid, (u,)), label("output y", "出力 y"), "y = σ(u)", prec)
            rows.append([where, smp["name"], *map(Ref, xs), Ref(t), Q(u), Q(y)])
    ws.table(Table("after", {"en": "Every sample with the final weights", "ja": "学習後の重みで全サンプル"},
                   [Column({"en": "error function", "ja": "誤差関数"}, width=16),
                    Column({"en": "sample", "ja": "サンプル"}, width=9), *x_cols, Column("t", width=6),
                    Column({"en": "sum u", "ja": "総和 u"}, weighted, width=max(width, 6 * n + 4)),
                    Column({"en": "output y", "ja": "出力 y"}, "σ(u)", width=width)], rows,
                   note={"en": "Which run's output is now on the teacher's side of ½?",
                         "ja": "教師信号の側(½ を境にした側)に出力が届いたのは、どちらの学習でしょうか。"}))
    return ws


CAPTION = {"en": "The output y at each step (the last point: with the final weights)",
           "ja": "各ステップの出力 y(最後の点は学習後の重みでの出力)"}


def figures(variant, lang: str, key: bool) -> list[dict]:
    """In the key, the output y of both runs step by step, with the teacher's line."""
    p = variant.params
    if not key or not p["compare"] or len(p["trials"]) < 2 or len(p["samples"]) > 1:
        return []
    values = variant.worksheet.answer_key()
    steps = len(p["trials"])
    t = p["samples"][0]["teacher"]
    c = Canvas(260, 170, 1, steps + 1, -0.05, 1.05)
    c.grid(1, labels=False, ystep=0.5)
    for v in (0, 0.5, 1):
        c.text(c.m - 4, c.Y(v) + 3, f"{v:g}", 8, "end")
    for s in range(1, steps + 2):
        c.text(c.X(s), c.h - c.m + 11, str(s), 8)
    c.line(1, t, steps + 1, t, 1.2, "#888", "4,3")
    for pattern, final, color, dash in ((CE, "a_y", "#b00", ""), (SE, "sa_y", "#06c", "5,3")):
        ys = [values[pattern.format(s)] for s in range(1, steps + 1)] + [values[final]]
        for s in range(steps):
            c.line(s + 1, ys[s], s + 2, ys[s + 1], 1.8, color, dash)
        for s, y in enumerate(ys, start=1):
            c.raw(f'<circle cx="{c.X(s):.1f}" cy="{c.Y(y):.1f}" r="2.5" fill="{color}"/>')
    marks = [("line", "#b00", {"en": "cross-entropy", "ja": "交差エントロピー誤差"}),
             ("dash", "#06c", {"en": "squared error", "ja": "二乗誤差"}),
             ("dash", "#888", {"en": f"teacher t = {t:g}", "ja": f"教師信号 t = {t:g}"})]
    return [{"svg": c.svg() + "<br>" + legend(marks, lang, per_row=1, column=c.w - 4), "caption": tr(CAPTION, lang)}]


def replay(variant, steps: int, typed: dict | None) -> Replay:
    """The output y of both runs, the engine's sigmoid neuron going on from the sheet's start."""
    p = variant.params
    names = [s["name"] for s in p["samples"]]
    series = {}
    for label, delta in (("y (CE)", F.binary_cross_entropy_delta), ("y (SE)", F.output_delta)):
        w, b, ys = np.array(p["initial_weights"], float), float(p["bias"]), []
        for name in cycle(p["trials"], steps):
            s = p["samples"][names.index(name)]
            x = np.array(s["inputs"], float)
            y = F.sigmoid(F.affine_sum(x, w, b))
            ys.append(y)
            d = float(delta(y, s["teacher"]))
            w, b = F.gradient_step(w, d * x, p["learning_rate"]), float(F.gradient_step(b, d, p["learning_rate"]))
        series[label] = np.array(ys)
    out = Replay({"en": "output y", "ja": "出力 y"}, series, sheet_steps=len(p["trials"]), first_step=1)
    out.summary.update(last_output={k: float(v[-1]) for k, v in series.items()})
    return out.draw_learner(typed, {"y (CE)": CE.format, "y (SE)": SE.format})
