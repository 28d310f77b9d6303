"""`gan`: one training step of a one-dimensional generative adversarial network (敵対的生成ネットワーク).

The generator G(z) = a·z + b turns a noise z into a fake x̃; the discriminator D(x) = σ(w·x + c) rates a real x
and the fake. The discriminator's loss L_D = −ln D(x) − ln(1 − D(x̃)) (natural log) has the deltas D(x) − 1 and
D(x̃), the gradients ∂L_D/∂w = (D(x) − 1)·x + D(x̃)·x̃, ∂L_D/∂c = (D(x) − 1) + D(x̃), and gradient descent gives
w', c'. The generator's non-saturating loss L_G = −ln D(x̃) has the delta D(x̃) − 1, its gradient passes through
D (∂L_G/∂x̃ = (D(x̃) − 1)·w) to a (times z) and b, and gives a', b'. The generator sees D before its update
(simultaneous training) unless the spec says `generator_sees = "new"`. Then the updated D on the real, the old
fake and the new fake x̃' = a'·z + b'. The sheet itself is built in parts/gan_sheet.py.
"""
from __future__ import annotations

import numpy as np

from ..engine import functions as F
from ..engine import gan_steps as G
from ..worksheet.figures import Canvas, legend
from ..worksheet.graph import tr
from ..worksheet.replay import Replay
from ..worksheet.spec import Spec
from .parts.gan_sheet import KIND, TITLE, build  # noqa: F401  (build: the kind's sheet)
from .parts.network import one_decimal, read_precision

COURSE = {
    "minutes": {"3h": 0, "day": 25},
    "idea": {"en": "Two networks learn against each other: the discriminator D learns to tell the real x from the "
                   "fake x̃ = G(z), and the generator G learns, through D's gradient, to move its fake where D "
                   "says 'real'.",
             "ja": "2つのネットワークが競い合って学習します。識別器 D は本物のデータ x と偽物 x̃ = G(z) を見分けるように、"
                   "生成器 G は D を通った勾配を使って、D が「本物」と判定する方へ偽物を動かすように学習します。"},
    "talk": [{"en": "The seed's picture: a forger (the generator) and an art appraiser (the discriminator), each "
                    "improving because the other does.",
              "ja": "贋作者(生成器)と鑑定士(識別器)にたとえられます。相手が上達するので、自分も上達します。"},
             {"en": "The generator never sees the real x: all it learns comes back through D, as ∂L_G/∂x̃ = "
                    "(D(x̃) − 1)·w.",
              "ja": "生成器は本物のデータ x を一度も見ません。学習に使う情報は、∂L_G/∂x̃ = (D(x̃) − 1)·w として"
                    "識別器から戻ってくる勾配だけです。"},
             {"en": "Why −ln D(x̃) and not ln(1 − D(x̃)): when D easily rejects the fake (D(x̃) small), the "
                    "saturating loss's gradient −D(x̃)·w almost vanishes; the non-saturating one stays large.",
              "ja": "ln(1 − D(x̃)) ではなく −ln D(x̃) を使う理由: 識別器が偽物を簡単に見破る(D(x̃) が小さい)とき、"
                    "飽和型の勾配 −D(x̃)·w はほとんど 0 になりますが、非飽和型の勾配は大きいままです。"},
             {"en": "ln is the natural logarithm: the log key of many calculators is base 10.",
              "ja": "ln は自然対数です。電卓の log キーは常用対数(底 10)のことが多いので注意します。"}],
    "formula": {"en": "L_D = −ln D(x) − ln(1 − D(x̃)),  L_G = −ln D(x̃),  ∂L_G/∂x̃ = (D(x̃) − 1)·w",
                "ja": "L_D = −ln D(x) − ln(1 − D(x̃))、 L_G = −ln D(x̃)、 ∂L_G/∂x̃ = (D(x̃) − 1)·w"},
}
KEYS = ("a", "b", "w", "c", "x", "z")


def sample(dice) -> dict:
    """One-decimal parameters, a real x and a noise z away from 0 and ±1."""
    return {"a": one_decimal(dice, 0.5, 1.5), "b": one_decimal(dice, -1.5, 1.5, nonzero=True),
            "w": one_decimal(dice, -1.5, 1.5, nonzero=True), "c": one_decimal(dice, -1, 1),
            "x": one_decimal(dice, -2, 2), "z": dice.choice([-1.5, -0.5, 0.5, 1.5, 2, -2]),
            "learning_rate": dice.choice([0.5, 1])}


def settle(params: dict) -> dict | None:
    """Accept a start where D rates the real clearly above the fake, neither near ½, the fake is at least 1 away
    from the real, D learns (D'(x) up, D'(x̃) down), and the generator's new fake is closer to the real and rated
    higher by the updated D, without overshooting."""
    k = build(params).key()
    dr, df = k["Dr"], k["Df"]
    if not (0.6 <= dr <= 0.9 and 0.1 <= df <= 0.35) or abs(params["x"] - k["xf"]) < 1:
        return None
    if not (k["Dr2"] > dr + 0.02 and k["Df1"] < df - 0.02 and k["Dn2"] > k["Df1"] + 0.02):
        return None
    gap, new_gap = k["xf"] - params["x"], k["xf2"] - params["x"]
    if not (abs(new_gap) < abs(gap) - 0.1 and new_gap * gap > 0):  # closer, still on the fake's side
        return None
    if min(abs(k[q]) for q in ("gw", "gc", "hx", "ha")) < 0.05 or abs(k["w1"]) < 0.1:
        return None
    return params


def normalize(spec: Spec, dice) -> dict:
    out: dict = {}
    title = spec.string("title", None)
    if title:
        out["title"] = title
    for key in KEYS:
        out[key] = spec.number(key)
    out["learning_rate"] = spec.number("learning_rate", 0.5, above=0)
    out["generator_learning_rate"] = spec.number("generator_learning_rate", out["learning_rate"], above=0)
    out["generator_sees"] = spec.string("generator_sees", "old", choices=("old", "new"))
    out["after"] = spec.boolean("after", True)
    out["decimals"] = read_precision(spec)
    _check_logs(spec, out)
    spec.finish("kind")
    return out


def _check_logs(spec: Spec, params: dict) -> None:
    """Refuse a start where a D the logs take rounds to 0 or 1 (ln 0 cannot be written down)."""
    with np.errstate(divide="ignore"):  # ln 0, refused just below
        key, d = build({**params, "after": False}).answer_key(), params["decimals"]
    seen = "Df" if params["generator_sees"] == "old" else "Df1"
    for q, text in (("Dr", "D(x)"), ("Df", "D(x̃)"), (seen, "the generator's D(x̃)")):
        if not 0 < key[q] < 1:
            raise spec.fail("w", f"{text} rounds to {key[q]:g} at {d} decimals, and a loss takes ln of 0 there: "
                                  "choose a smaller w or c, other x, z, a, b, or more decimals")


CAPTION = {"en": "The number line: the real x, D's curve σ(w·x + c)",
           "ja": "数直線: 本物のデータ x と識別器の曲線 σ(w·x + c)"}
KEY_CAPTION = {"en": "The real x, the fake x̃ before and after the generator's step, and D before and after its step",
               "ja": "本物のデータ x、生成器の更新前後の偽物 x̃、識別器の更新前後の曲線"}


def figures(variant, lang: str, key: bool) -> list[dict]:
    """The number line with D's curve: on the sheet the real x and D before its update; in the key also the fake
    before and after the generator's step and D after its own."""
    p = variant.params
    k = variant.worksheet.answer_key()
    points = [p["x"]] + ([k["xf"]] + ([k["xf2"]] if "xf2" in k else []) if key else [])  # the sheet: givens only
    pad = 1 if key else 3
    lo, hi = np.floor(min(points)) - pad, np.ceil(max(points)) + pad
    c = Canvas(320, 170, lo, hi, -0.05, 1.05)
    c.grid(1, labels=False, ystep=0.5)
    for v in range(int(lo), int(hi) + 1):
        c.text(c.X(v), c.h - c.m + 11, f"{v}", 8)
    for v in (0, 0.5, 1):
        c.text(c.m - 4, c.Y(v) + 3, f"{v:g}", 8, "end")
    xs = np.linspace(lo, hi, 121)
    curves = ([(p["w"], p["c"], "#888", "5,3"), (k["w1"], k["c1"], "#06c", "")] if key
              else [(p["w"], p["c"], "#06c", "")])
    for w, b, color, dash in curves:
        ys = F.sigmoid(w * xs + b)
        for i in range(len(xs) - 1):
            c.line(xs[i], ys[i], xs[i + 1], ys[i + 1], 1.6, color, dash)

    def dot(x, color, filled=True):
        c.raw(f'<circle cx="{c.X(x):.1f}" cy="{c.Y(0):.1f}" r="4" fill="{color if filled else "white"}" '
              f'stroke="{color}" stroke-width="1.5"/>')

    dot(p["x"], "#080")
    marks = [("dot", "#080", {"en": f"real x = {p['x']:g}", "ja": f"本物 x = {p['x']:g}"})]
    if key:
        dot(k["xf"], "#b00")
        marks.append(("dot", "#b00", {"en": "fake (before)", "ja": "偽物(更新前)"}))
        if "xf2" in k:
            c.line(k["xf"], 0.08, k["xf2"], 0.08, 1.2, "#b00")
            dot(k["xf2"], "#b00", filled=False)
            marks.append(("ring", "#b00", {"en": "new fake", "ja": "新しい偽物"}))
        marks += [("dash", "#888", {"en": "D before its step", "ja": "更新前の D"}),
                  ("line", "#06c", {"en": "D' after its step", "ja": "更新後の D'"})]
    else:
        marks.append(("line", "#06c", {"en": "D(x) = σ(w·x + c)", "ja": "D(x) = σ(w·x + c)"}))
    return [{"svg": c.svg() + "<br>" + legend(marks, lang, per_row=2, column=150),
             "caption": tr(KEY_CAPTION if key else CAPTION, lang)}]


def replay(variant, steps: int, typed: dict | None) -> Replay:
    """The same GAN trained by the engine: the sheet's x and z first, then a real x with small noise (σ = 0.1)
    and z ~ N(0, 1), drawn from the variant's seed; D(x), D(G(z)) and the generator's offset b per step."""
    p = variant.params
    rng = np.random.default_rng(variant.seed)
    real = np.r_[p["x"], p["x"] + 0.1 * rng.standard_normal(max(steps - 1, 0))]
    noise = np.r_[p["z"], rng.standard_normal(max(steps - 1, 0))]
    run = G.train(p["a"], p["b"], p["w"], p["c"], p["learning_rate"], p["generator_learning_rate"], real, noise,
                  old_d=p["generator_sees"] == "old")
    series = {"D(x)": run[:, 0], "D(G(z))": run[:, 1], "b": run[:, 3]}
    out = Replay({"en": "D's verdicts, and G's offset b", "ja": "識別器の判定と生成器のバイアス b"}, series,
                 sheet_steps=1, first_step=1)
    tail = run[-max(1, steps // 10):]  # the last tenth: the fake oscillates about the real, so its average
    out.summary.update(real_x=p["x"], mean_b_at_the_end=float(tail[:, 3].mean()), final_a=float(run[-1, 2]))
    return out.draw_learner(typed, {"D(x)": lambda k: "Dr", "D(G(z))": lambda k: "Df"})
