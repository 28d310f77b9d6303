"""`batchnorm`: batch normalisation of a mini-batch by hand, forward and backward.

Feature by feature (each column of the mini-batch on its own): the mean μ, the deviations x − μ, the biased
variance σ² = (1/N)Σ(x − μ)² that frameworks use in training, the denominator √(σ² + ε), x̂ = (x − μ)/√(σ² + ε)
and y = γx̂ + β. Then the backward pass from a given upstream gradient ∂L/∂y: ∂L/∂β, ∂L/∂γ, ∂L/∂x̂ = ∂L/∂y·γ,
the two means m₁ = mean(∂L/∂x̂) and m₂ = mean(∂L/∂x̂·x̂), and ∂L/∂x by the three-term formula.

Each feature has a forward table and a backward table, a row per step and a column per sample, with the
batch-wide numbers (μ, σ², √(σ² + ε), ∂L/∂β, ∂L/∂γ, m₁, m₂) at the end of their rows. The steps are the
engine's (matchbox/engine/normalization.py), which are the formulas of layers.BatchNormalization.

ε defaults to 0.01, not the frameworks' 1e-5: at 4 decimals 1e-5 changes nothing, so the sheet could not tell
"ε forgotten" from right; 0.01 shows in √(σ² + ε) on every hand-sized batch.
"""
from __future__ import annotations

from ..engine import normalization as N
from ..worksheet.graph import Column, Q, Ref, Step, Table, Worksheet
from ..worksheet.slips import Slip
from ..worksheet.spec import Spec
from .parts.network import precision_note, read_precision, rounded

KIND = "batchnorm"
TITLE = {"en": "Batch normalisation, forward and backward", "ja": "バッチ正規化の順伝播と逆伝播"}
# `matchbox course`: minutes in the 3-hour and the full-day workshop (0: left out), and what to say first
COURSE = {
    "minutes": {"3h": 0, "day": 30},
    "idea": {"en": "Each feature is centred and scaled over the mini-batch, then γ and β give it back a scale "
                   "and a shift the network can learn. Backward, every sample's gradient depends on the whole "
                   "batch through μ and σ²: that is what the two mean terms are.",
             "ja": "各特徴量をミニバッチ全体で平均 0・分散 1 にそろえ、そのあと学習できる γ と β で拡大と平行移動をします。"
                   "逆伝播では、μ と σ² を通して各サンプルの勾配がバッチ全体に依存します。それが2つの平均の項です。"},
    "talk": [{"en": "The variance divides by N, not N − 1: frameworks use the biased one in training.",
              "ja": "分散は N − 1 ではなく N で割ります。フレームワークも学習時にはこちらを使います。"},
             {"en": "ε is 0.01 here so that it shows at 4 decimals; frameworks use 1e-5.",
              "ja": "ここでは小数第4位で差が見えるように ε = 0.01 としています。フレームワークの既定値は 1e-5 です。"},
             {"en": "Check: the ∂L/∂x of a feature add up to 0, and so do its x̂.",
              "ja": "確かめ方: 1つの特徴量の ∂L/∂x の合計は 0 になり、x̂ の合計も 0 になります。"}],
    "formula": {"en": "x̂ = (x − μ)/√(σ² + ε),  y = γx̂ + β,  ∂L/∂x = (∂L/∂x̂ − m₁ − x̂·m₂)/√(σ² + ε)",
                "ja": "x̂ = (x − μ)/√(σ² + ε)、 y = γx̂ + β、 ∂L/∂x = (∂L/∂x̂ − m₁ − x̂·m₂)/√(σ² + ε)"},
}
EPSILON = 0.01
MOST_SAMPLES, MOST_FEATURES = 8, 3
SLIPS = {
    "unbiased": {"en": "variance divided by N − 1 (the unbiased variance); batch normalisation divides by N",
                 "ja": "分散を N − 1 で割る誤り (不偏分散になっています。バッチ正規化では N で割ります)"},
    "epsilon": {"en": "ε forgotten (√σ² instead of √(σ² + ε))", "ja": "ε の足し忘れ (√(σ² + ε) ではなく √σ²)"},
    "sqrt": {"en": "square root forgotten (σ² + ε instead of √(σ² + ε))",
             "ja": "平方根の取り忘れ (√(σ² + ε) ではなく σ² + ε)"},
    "means": {"en": "the mean terms forgotten (∂L/∂x̂ / √(σ² + ε), without − m₁ − x̂·m₂)",
              "ja": "平均の項の引き忘れ (− m₁ − x̂·m₂ がなく、∂L/∂x̂ / √(σ² + ε) になっています)"},
    "std": {"en": "division by √(σ² + ε) forgotten", "ja": "√(σ² + ε) での割り忘れ"},
}


def sample(dice) -> dict:
    """3 or 4 samples of 1 or 2 features, small whole numbers; γ and β as a network might have learned them."""
    n, d = dice.choice([3, 4]), dice.choice([1, 2])
    columns = []
    while len(columns) < d:
        column = [dice.randint(0, 6) for _ in range(n)]
        if len(set(column)) > 1:
            columns.append(column)
    return {"inputs": [list(row) for row in zip(*columns)],
            "gamma": [dice.choice([0.5, 1.5, 2, 3]) for _ in range(d)],
            "beta": [dice.choice([-1, -0.5, 0.5, 1, 2]) for _ in range(d)],
            "upstream": [[dice.randint(-2, 3) for _ in range(d)] for _ in range(n)]}


def _visible(a: float, b: float, decimals: int) -> bool:
    return abs(a - b) > 1.5 * 10 ** -decimals


def settle(params: dict) -> dict | None:
    """A simple mean (one decimal at most), a variance not above 9, and every named slip showing on its cell;
    few answers that are 0 (a blank sheet should earn nothing)."""
    ws = build(params)
    key, dec = ws.key(), params["decimals"]
    for j in range(1, len(params["gamma"]) + 1):
        f = lambda name: key[f"f{j}_{name}"]  # noqa: E731
        if round(f("mu"), 1) != round(f("mu"), 9) or not 0.5 <= f("var") <= 9:
            return None
        if not _visible(f("std"), f("var") ** 0.5, dec) or not _visible(f("std"), f("var") + params["epsilon"], dec):
            return None
        if params["backward"] and not (_visible(f("m1"), 0, dec) and _visible(f("m2"), 0, dec)):
            return None
    zeros = sum(1 for q in ws.answers if abs(key[q.name]) < 10 ** -dec)
    return params if zeros <= 0.1 * len(ws.answers) else None


def _matrix(spec: Spec, key: str, rows: int | None = None, cols: int | None = None) -> list[list[float]]:
    """A list of samples, each a list of its features' numbers (a plain list of numbers: one feature)."""
    raw = spec.raw(key)
    if not isinstance(raw, list) or not raw:
        raise spec.fail(key, "expected a list of samples (numbers, or lists of one number per feature)")
    if all(not isinstance(r, list) for r in raw):
        raw = [[r] for r in raw]
    if not all(isinstance(r, list) for r in raw):
        raise spec.fail(key, "mix of numbers and lists: give every sample the same way")
    n = len(raw)
    if rows is None and not 2 <= n <= MOST_SAMPLES:
        raise spec.fail(key, f"expected 2 to {MOST_SAMPLES} samples, got {n}")
    if rows is not None and n != rows:
        raise spec.fail(key, f"expected {rows} samples (one per input), got {n}")
    d = cols or len(raw[0])
    if not 1 <= d <= MOST_FEATURES:
        raise spec.fail(key, f"expected 1 to {MOST_FEATURES} features per sample, got {d}")
    out = []
    for i, row in enumerate(raw):
        if len(row) != d:
            raise spec.fail(key, f"sample {i + 1} has {len(row)} numbers; every sample needs {d}")
        out.append([spec._check_number(f"{key}[{i}][{k}]", v, False) for k, v in enumerate(row)])
    return out


def _per_feature(spec: Spec, key: str, d: int, default: float) -> list:
    """γ or β: one number per feature (a single number: the same for every feature)."""
    if not spec.has(key):
        return [default] * d
    if isinstance(spec.raw(key), list):
        return spec.numbers(key, length=d)
    return [spec.number(key)] * d


def normalize(spec: Spec, dice) -> dict:
    out: dict = {}
    title = spec.string("title", None)
    if title:
        out["title"] = title
    x = _matrix(spec, "inputs")
    n, d = len(x), len(x[0])
    for j in range(d):
        if len({row[j] for row in x}) == 1:
            raise spec.fail("inputs", f"feature {j + 1} is the same in every sample: its variance is 0 and "
                                      "x̂ teaches nothing")
    out["inputs"] = x
    out["gamma"] = _per_feature(spec, "gamma", d, 1)
    out["beta"] = _per_feature(spec, "beta", d, 0)
    out["epsilon"] = spec.number("epsilon", EPSILON, minimum=0, maximum=1)
    out["backward"] = spec.boolean("backward", True)
    if out["backward"]:
        out["upstream"] = _matrix(spec, "upstream", n, d)
    elif spec.has("upstream"):
        raise spec.fail("upstream", "the upstream gradient is for the backward pass, and backward = false")
    out["decimals"] = read_precision(spec)
    spec.finish("kind")
    return out


def build(params: dict) -> Worksheet:
    prec = rounded(params["decimals"])
    x, eps_value = params["inputs"], params["epsilon"]
    n, d = len(x), len(x[0])
    backward = params["backward"]
    several = d > 1
    ws = Worksheet(KIND, params.get("title", TITLE), {
        "en": f"Batch normalisation of a mini-batch of {n} samples, each feature (column) on its own: the mean μ, "
              "the deviations x − μ, the variance σ² = (1/N)Σ(x − μ)² (divided by N, not N − 1, as frameworks do "
              f"in training), the denominator √(σ² + ε) with ε = {eps_value:g}, x̂ = (x − μ)/√(σ² + ε) and the "
              "output y = γx̂ + β."
              + (" Then the backward pass from the given upstream gradient ∂L/∂y: ∂L/∂β = Σ∂L/∂y, "
                 "∂L/∂γ = Σ∂L/∂y·x̂, ∂L/∂x̂ = ∂L/∂y·γ, the means m₁ = (1/N)Σ∂L/∂x̂ and m₂ = (1/N)Σ∂L/∂x̂·x̂, and "
                 "∂L/∂x = (∂L/∂x̂ − m₁ − x̂·m₂)/√(σ² + ε)." if backward else ""),
        "ja": f"{n} 個のサンプルからなるミニバッチをバッチ正規化します。特徴量(列)ごとに別々に計算します。"
              "平均 μ、偏差 x − μ、分散 σ² = (1/N)Σ(x − μ)²(学習時のフレームワークと同じく、N − 1 ではなく N で割ります)、"
              f"分母 √(σ² + ε)(ε = {eps_value:g})、x̂ = (x − μ)/√(σ² + ε)、出力 y = γx̂ + β を求めます。"
              + ("次に、与えられた上流からの勾配 ∂L/∂y から逆伝播を計算します。∂L/∂β = Σ∂L/∂y、∂L/∂γ = Σ∂L/∂y·x̂、"
                 "∂L/∂x̂ = ∂L/∂y·γ、平均 m₁ = (1/N)Σ∂L/∂x̂ と m₂ = (1/N)Σ∂L/∂x̂·x̂ を求め、最後に "
                 "∂L/∂x = (∂L/∂x̂ − m₁ − x̂·m₂)/√(σ² + ε) を求めます。" if backward else ""),
    }, precision_note(params["decimals"]))

    def feature(j: int) -> dict:
        return {"en": f"feature {j}", "ja": f"特徴量 {j}"}

    def label(j: int, i: int | None, en: str, ja: str) -> dict:
        where = [f"feature {j}"] if several else []
        where_ja = [f"特徴量 {j}"] if several else []
        if i is not None:
            where.append(f"sample {i}")
            where_ja.append(f"サンプル {i}")
        return {"en": f"{', '.join(where)}: {en}" if where else en,
                "ja": f"{'・'.join(where_ja)}: {ja}" if where_ja else ja}

    eps = ws.given("eps", eps_value, "ε")
    settings = [["ε", Q(eps)]]
    gamma, beta = [], []
    for j in range(1, d + 1):
        sub = f" ({feature(j)['en']})" if several else ""
        sub_ja = f"({feature(j)['ja']})" if several else ""
        gamma.append(ws.given(f"gamma{j}", params["gamma"][j - 1], {"en": f"γ{sub}", "ja": f"γ{sub_ja}"}))
        beta.append(ws.given(f"beta{j}", params["beta"][j - 1], {"en": f"β{sub}", "ja": f"β{sub_ja}"}))
        settings += [[{"en": f"γ{sub}", "ja": f"γ{sub_ja}"}, Q(gamma[-1])],
                     [{"en": f"β{sub}", "ja": f"β{sub_ja}"}, Q(beta[-1])]]
    ws.table(Table("settings", {"en": "Given", "ja": "与えられた値"},
                   [Column("", width=22), Column({"en": "value", "ja": "値"}, width=10)], settings, role="settings"))

    xs = [[ws.given(f"f{j}_x{i}", x[i - 1][j - 1], label(j, i, "input x", "入力 x")) for i in range(1, n + 1)]
          for j in range(1, d + 1)]
    dys = ([[ws.given(f"f{j}_dy{i}", params["upstream"][i - 1][j - 1],
                      label(j, i, "upstream gradient ∂L/∂y", "上流からの勾配 ∂L/∂y")) for i in range(1, n + 1)]
            for j in range(1, d + 1)] if backward else [])
    name = {"en": "sample", "ja": "サンプル"}
    suffix = [f" ({j})" if several else "" for j in range(1, d + 1)]
    ws.table(Table("batch", {"en": "Mini-batch" + (" and upstream gradient" if backward else ""),
                             "ja": "ミニバッチ" + ("と上流からの勾配" if backward else "")},
                   [Column(name, width=9)] + [Column(f"x{s}", width=9) for s in suffix]
                   + ([Column(f"∂L/∂y{s}", width=10) for s in suffix] if backward else []),
                   [[i] + [Q(xs[j][i - 1]) for j in range(d)] + ([Q(dys[j][i - 1]) for j in range(d)] if backward
                                                                 else []) for i in range(1, n + 1)]))

    width = max(9, params["decimals"] + 5)
    columns = ([Column({"en": "item", "ja": "項目"}, width=24)]
               + [Column({"en": f"sample {i}", "ja": f"サンプル {i}"}, width=width) for i in range(1, n + 1)]
               + [Column({"en": "over the batch", "ja": "バッチ全体"}, width=26),
                  Column({"en": "value", "ja": "値"}, width=width + 1)])
    blank = [""] * n
    later = []
    for j in range(1, d + 1):
        x_j, f = tuple(xs[j - 1]), f"f{j}_"
        g, b = gamma[j - 1], beta[j - 1]

        def each(stem, step_of, en, ja, formula):
            return tuple(ws.answer(f"{f}{stem}{i}", step_of(i - 1), label(j, i, en, ja), formula, prec)
                         for i in range(1, n + 1))

        mu = ws.answer(f + "mu", Step(N.batch_mean, (x_j,)), label(j, None, "mean μ", "平均 μ"), "μ = (1/N)Σx", prec)
        dev = each("d", lambda i: Step(N.deviation, (x_j[i], mu)), "deviation x − μ", "偏差 x − μ", "x − μ")
        var = ws.answer(f + "var", Step(N.batch_variance, (dev,), slips=(
            Slip("bn-unbiased-variance", kwargs={"unbiased": True}, name=SLIPS["unbiased"]),)),
            label(j, None, "variance σ²", "分散 σ²"), "σ² = (1/N)Σ(x − μ)²", prec)
        std = ws.answer(f + "std", Step(N.batch_std, (var, eps), slips=(
            Slip("bn-epsilon-forgotten", args=(var, 0.0), name=SLIPS["epsilon"]),
            Slip("bn-sqrt-forgotten", fn=lambda v, e: v + e, name=SLIPS["sqrt"]))),
            label(j, None, "denominator √(σ² + ε)", "分母 √(σ² + ε)"), "√(σ² + ε)", prec)
        xh = each("xh", lambda i: Step(N.normalized, (dev[i], std)), "normalised x̂", "正規化した値 x̂",
                  "x̂ = (x − μ)/√(σ² + ε)")
        y = each("y", lambda i: Step(N.scale_shift, (xh[i], g, b)), "output y", "出力 y", "y = γx̂ + β")
        values = f"γ = {params['gamma'][j - 1]:g}, β = {params['beta'][j - 1]:g}"
        head = {"en": f"Feature {j}: " if several else "", "ja": f"特徴量 {j}: " if several else ""}
        ws.table(Table(f"forward{j}", {"en": f"{head['en']}forward pass ({values}, ε = {eps_value:g})",
                                       "ja": f"{head['ja']}順伝播({values.replace(', ', '、')}、ε = {eps_value:g})"},
                       columns, [
            [{"en": "input x", "ja": "入力 x"}, *map(Ref, x_j), {"en": "mean μ = (1/N)Σx", "ja": "平均 μ = (1/N)Σx"},
             Q(mu)],
            [{"en": "deviation x − μ", "ja": "偏差 x − μ"}, *map(Q, dev),
             {"en": "variance σ² = (1/N)Σ(x − μ)²", "ja": "分散 σ² = (1/N)Σ(x − μ)²"}, Q(var)],
            ["", *blank, {"en": "denominator √(σ² + ε)", "ja": "分母 √(σ² + ε)"}, Q(std)],
            [{"en": "normalised x̂ = (x − μ)/√(σ² + ε)", "ja": "正規化 x̂ = (x − μ)/√(σ² + ε)"}, *map(Q, xh), "", ""],
            [{"en": "output y = γx̂ + β", "ja": "出力 y = γx̂ + β"}, *map(Q, y), "", ""]]))
        if backward:
            later.append((j, f, head, g, tuple(dys[j - 1]), xh, std))

    for j, f, head, g, dy, xh, std in later:
        def each(stem, step_of, en, ja, formula, j=j, f=f):
            return tuple(ws.answer(f"{f}{stem}{i}", step_of(i - 1), label(j, i, en, ja), formula, prec)
                         for i in range(1, n + 1))

        dbeta = ws.answer(f + "dbeta", Step(N.beta_grad, (dy,)), label(j, None, "∂L/∂β", "∂L/∂β"), "Σ∂L/∂y", prec)
        dgamma = ws.answer(f + "dgamma", Step(N.gamma_grad, (dy, xh)), label(j, None, "∂L/∂γ", "∂L/∂γ"),
                           "Σ∂L/∂y·x̂", prec)
        dxh = each("dxh", lambda i: Step(N.xhat_grad, (dy[i], g)), "∂L/∂x̂", "∂L/∂x̂", "∂L/∂x̂ = ∂L/∂y·γ")
        m1 = ws.answer(f + "m1", Step(N.batch_mean, (dxh,)), label(j, None, "mean m₁ of ∂L/∂x̂", "∂L/∂x̂ の平均 m₁"),
                       "m₁ = (1/N)Σ∂L/∂x̂", prec)
        m2 = ws.answer(f + "m2", Step(N.mean_of_product, (dxh, xh)),
                       label(j, None, "mean m₂ of ∂L/∂x̂·x̂", "∂L/∂x̂·x̂ の平均 m₂"), "m₂ = (1/N)Σ∂L/∂x̂·x̂", prec)
        dx = each("dx", lambda i: Step(N.input_grad, (dxh[i], xh[i], m1, m2, std), slips=(
            Slip("bn-means-forgotten", args=(dxh[i], xh[i], 0.0, 0.0, std), name=SLIPS["means"]),
            Slip("bn-std-forgotten", args=(dxh[i], xh[i], m1, m2, 1.0), name=SLIPS["std"]))),
            "∂L/∂x", "∂L/∂x", "∂L/∂x = (∂L/∂x̂ − m₁ − x̂·m₂)/√(σ² + ε)")
        ws.table(Table(f"backward{j}", {"en": f"{head['en']}backward pass", "ja": f"{head['ja']}逆伝播"}, columns, [
            [{"en": "upstream gradient ∂L/∂y", "ja": "上流からの勾配 ∂L/∂y"}, *map(Ref, dy), "∂L/∂β = Σ∂L/∂y",
             Q(dbeta)],
            [{"en": "normalised x̂", "ja": "正規化 x̂"}, *map(Ref, xh), "∂L/∂γ = Σ∂L/∂y·x̂", Q(dgamma)],
            ["∂L/∂x̂ = ∂L/∂y·γ", *map(Q, dxh), {"en": "mean m₁ = (1/N)Σ∂L/∂x̂", "ja": "平均 m₁ = (1/N)Σ∂L/∂x̂"}, Q(m1)],
            ["", *blank, {"en": "mean m₂ = (1/N)Σ∂L/∂x̂·x̂", "ja": "平均 m₂ = (1/N)Σ∂L/∂x̂·x̂"}, Q(m2)],
            ["∂L/∂x = (∂L/∂x̂ − m₁ − x̂·m₂)/√(σ² + ε)", *map(Q, dx), "", ""]]))
    return ws
