"""`softmax`: scores become probabilities, the cross-entropy says how wrong they are, and y − t is its gradient.

The sheet subtracts the largest score before exponentiating (e^(a − max) is at most 1, so nothing overflows
and the probabilities are unchanged), sums, divides, takes E = −Σ tₖ ln yₖ with the natural log against a
one-hot teacher (only the correct class's term survives: E = −ln y_target), and the gradient of E with respect
to each score: yₖ − tₖ.

Each sample is one table read in the order it is computed, a row per step and a column per class, with the
totals (max, Σ, E) at the end of their rows.
"""
from __future__ import annotations

from typing import NamedTuple

from ..engine import functions as F
from ..worksheet.graph import Column, Q, Ref, Step, Table, Text, Worksheet
from .parts.network import SIGN_REVERSED, labeller, precision_note, read_precision, read_samples, rounded
from ..worksheet.slips import Slip
from ..worksheet.spec import Spec

KIND = "softmax"
TITLE = {"en": "Softmax and cross-entropy", "ja": "ソフトマックス関数と交差エントロピー誤差"}
# `matchbox course`: minutes in the 3-hour and the full-day workshop (0: left out), and what to say first
COURSE = {
    "minutes": {"3h": 15, "day": 25},
    "idea": {"en": "Softmax turns scores into probabilities that add up to 1; cross-entropy is −ln of the "
                   "probability of the right class. Together their gradient is simply y − t.",
             "ja": "ソフトマックス関数はスコアを合計 1 の確率に変え、交差エントロピー誤差は正解クラスの確率の −ln です。"
                   "2つを組み合わせると、勾配は y − t という簡単な形になります。"},
    "talk": [{"en": "Subtracting the largest score changes nothing but keeps eˣ small: frameworks do the same.",
              "ja": "最大値を引いても結果は変わらず、eˣ が大きくなりすぎるのを防げます。フレームワークも同じ処理をしています。"},
             {"en": "ln is the natural logarithm: the log key of many calculators is base 10.",
              "ja": "ln は自然対数です。電卓の log キーは常用対数(底 10)のことが多いので注意します。"}],
    "formula": {"en": "yₖ = e^(aₖ − max) / Σ e^(aᵢ − max),  E = −Σ tₖ ln yₖ,  ∂E/∂aₖ = yₖ − tₖ",
                "ja": "yₖ = e^(aₖ − max) / Σ e^(aᵢ − max)、 E = −Σ tₖ ln yₖ、 ∂E/∂aₖ = yₖ − tₖ"},
}
MOST_CLASSES = 10
SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def sample(dice) -> dict:
    """Three or four small integer scores; the teacher is not always the top score."""
    n = dice.choice([3, 4])
    return {"scores": [dice.randint(-2, 3) for _ in range(n)], "target": dice.randint(0, n - 1)}


def settle(params: dict) -> dict | None:
    scores = params["samples"][0].get("scores")
    return params if scores and len(set(scores)) > 1 else None  # equal scores teach nothing


def _read_sample(s: Spec, decimals: int, eps: float) -> dict:
    out: dict = {}
    if s.has("scores") == s.has("outputs"):
        raise s.fail("scores", "give either scores (the sheet computes the softmax) or outputs "
                               "(probabilities already computed), not both" if s.has("scores") else "is required")
    key = "scores" if s.has("scores") else "outputs"
    values = out[key] = s.numbers(key)
    n = len(values)
    if not 2 <= n <= MOST_CLASSES:
        raise s.fail(key, f"expected 2 to {MOST_CLASSES} numbers, got {n}")
    if key == "outputs":
        if any(y < 0 or y > 1 for y in values):
            raise s.fail("outputs", "probabilities lie between 0 and 1")
        # a published softmax output may be rounded, so its sum may miss 1 by a little
        if abs(sum(values) - 1) > 0.05:
            raise s.fail("outputs", f"a softmax's probabilities add up to 1; these add up to {sum(values):g}")
    if s.has("target") and s.has("teacher"):
        raise s.fail("teacher", "give either target (the class index) or teacher (one-hot), not both")
    if s.has("teacher"):
        teacher = s.numbers("teacher", length=n)
        if sorted(teacher) != [0] * (n - 1) + [1]:
            raise s.fail("teacher", "expected a one-hot list: a single 1, the rest 0")
        out["target"] = teacher.index(1)
    else:
        out["target"] = s.number("target", integer=True, minimum=0, maximum=n - 1)
    _check_loss_is_finite(s, out, decimals, eps)
    return out


def _check_loss_is_finite(s: Spec, smp: dict, decimals: int, eps: float) -> None:
    """E = −ln y of the correct class: refuse a y that is 0 on the sheet (ln 0 is −∞)."""
    k = smp["target"]
    if "outputs" in smp:
        if smp["outputs"][k] + eps <= 0:
            raise s.fail("outputs", f"the correct class {k} has y = 0, and ln 0 is −∞: set log_epsilon "
                                    "(ゼロから作るDeep Learning adds 1e-7)")
        return
    y = float(F.softmax(smp["scores"])[k])
    if round(y, decimals) == 0:
        rounds = "" if y == 0 else f", 0 when rounded to {decimals} decimals"
        raise s.fail("scores", f"the correct class {k} gets y = {y:.2g}{rounds}, and E = −ln y cannot be "
                               "computed: choose scores closer together, another target, or more decimals")


def normalize(spec: Spec, dice) -> dict:
    out: dict = {}
    title = spec.string("title", None)
    if title:
        out["title"] = title
    decimals = read_precision(spec)
    # ln 0 is −∞: some textbooks add a tiny δ inside the log (ゼロから作るDeep Learning uses 1e-7)
    eps = spec.number("log_epsilon", 0, minimum=0, maximum=0.01)
    samples = read_samples(spec, ("scores", "outputs", "target", "teacher"),
                           lambda s: _read_sample(s, decimals, eps))
    if len({len(s.get("scores") or s["outputs"]) for s in samples}) > 1:
        raise spec.fail("samples", "every sample needs the same number of classes")
    if len({"scores" in s for s in samples}) > 1:
        raise spec.fail("samples", "give scores in every sample, or outputs in every sample")
    out["samples"], out["decimals"], out["log_epsilon"] = samples, decimals, eps
    spec.finish("kind")
    return out


class Softmax(NamedTuple):
    """The names of one softmax's quantities on a sheet."""
    a: tuple[str, ...]
    max: str
    e: tuple[str, ...]
    sum: str
    y: tuple[str, ...]


def add_softmax(ws: Worksheet, prefix: str, scores: list[float], label, prec) -> Softmax:
    """max, e^(a − max), Σ and each y for one score vector."""
    a = tuple(ws.given(f"{prefix}a{i + 1}", v, label(f"class {i}: score a", f"クラス{i}: スコア a"))
              for i, v in enumerate(scores))
    m = ws.answer(f"{prefix}max", Step(F.vmax, (a,)), label("largest score", "最大のスコア"), "max(a)", prec)
    e = tuple(ws.answer(f"{prefix}e{i + 1}", Step(F.shifted_exp, (ai, m)),
                        label(f"class {i}: e^(a − max)", f"クラス{i}: e^(a − max)"), "e^(a − max)", prec)
              for i, ai in enumerate(a))
    s = ws.answer(f"{prefix}sum", Step(F.vsum, (e,)), label("sum of the exponentials", "指数の和"),
                  "Σ e^(aᵢ − max)", prec)
    y = tuple(ws.answer(f"{prefix}y{i + 1}", Step(F.ratio, (ei, s)),
                        label(f"class {i}: probability y", f"クラス{i}: 確率 y"), "y = e^(a − max) / Σ", prec)
              for i, ei in enumerate(e))
    return Softmax(a, m, e, s, y)


def softmax_rows(sm: Softmax) -> list[list]:
    """The softmax in the order it is computed: the scores and their max, the exponentials and their sum,
    the probabilities (rows of a table made by `class_table`)."""
    return [[{"en": "score a", "ja": "スコア a"}, *map(Ref, sm.a),
             {"en": "largest score max(a)", "ja": "最大のスコア max(a)"}, Q(sm.max)],
            ["e^(a − max)", *map(Q, sm.e), {"en": "sum Σ e^(a − max)", "ja": "和 Σ e^(a − max)"}, Q(sm.sum)],
            [{"en": "probability y = e^(a − max) / Σ", "ja": "確率 y = e^(a − max) / Σ"}, *map(Q, sm.y), "", ""]]


def class_table(name: str, title: Text, n: int, rows: list[list], decimals: int) -> Table:
    """A row per step, a column per class (numbered from 0), and a label and a value for a row's total."""
    width = max(9, decimals + 4)
    return Table(name, title, [Column({"en": "item", "ja": "項目"}, width=22)]
                 + [Column({"en": f"class {i}", "ja": f"クラス{i}"}, width=width) for i in range(n)]
                 + [Column({"en": "total", "ja": "集計"}, width=22),
                    Column({"en": "value", "ja": "値"}, width=width + 2)], rows)


def plain(en: str, ja: str) -> dict:
    return {"en": en, "ja": ja}


def _epsilon_text(eps: float) -> str:
    return f"{eps:g}".replace("e-0", "e-")  # 1e-7, as books print it


def build(params: dict) -> Worksheet:
    prec = rounded(params["decimals"])
    eps = params["log_epsilon"]
    samples = params["samples"]
    several = len(samples) > 1
    with_scores = "scores" in samples[0]
    n = len(samples[0].get("scores") or samples[0]["outputs"])
    ln = "ln(yₖ + δ)" if eps else "ln yₖ"
    delta = f" (δ = {_epsilon_text(eps)})" if eps else ""
    ws = Worksheet(KIND, params.get("title", TITLE), {
        "en": ("Turn the scores a into probabilities with the softmax: subtract the largest score, take e^(a − max) "
               "for each class, add them up, and divide each by the sum. " if with_scores else
               "The probabilities y are given. ")
              + f"Then the cross-entropy error E = −Σ tₖ {ln}{delta} with the NATURAL log ln (not log₁₀) against "
                "the one-hot teacher t: only the correct class counts. Last, the gradient of E with respect to "
                "each score: ∂E/∂aₖ = yₖ − tₖ. Classes are numbered from 0, as frameworks (and MNIST's digits) "
                "number them.",
        "ja": ("ソフトマックス関数でスコア a を確率にします。最大のスコアを引いてから各クラスの e^(a − max) を求め、"
               "その和で割ります。" if with_scores else "確率 y は与えられています。")
              + f"次に、正解のクラスだけが 1 の one-hot 表現の教師信号 t に対して、交差エントロピー誤差 E = −Σ tₖ {ln}{delta} "
                "を自然対数 ln で求めます(log₁₀ ではありません。正解クラスの項だけが残ります)。"
                "最後に、各スコアについての勾配 ∂E/∂aₖ = yₖ − tₖ を求めます。"
                "クラスの番号は 0 から始まります(フレームワークや MNIST の数字と同じです)。",
    }, precision_note(params["decimals"]))

    given_rows, losses = [], []
    for k, smp in enumerate(samples, start=1):
        prefix = f"s{k}_" if several else ""
        label = (labeller({"en": f"sample {smp['name']}", "ja": f"サンプル {smp['name']}"}) if several
                 else plain)
        if with_scores:
            sm = add_softmax(ws, prefix, smp["scores"], label, prec)
            ys, rows = sm.y, softmax_rows(sm)
        else:
            ys = tuple(ws.given(f"{prefix}y{i + 1}", v, label(f"class {i}: probability y", f"クラス{i}: 確率 y"))
                       for i, v in enumerate(smp["outputs"]))
            rows = [[{"en": "probability y", "ja": "確率 y"}, *map(Ref, ys), "", ""]]
        target = smp["target"]
        ts = tuple(ws.given(f"{prefix}t{i + 1}", 1 if i == target else 0,
                            label(f"class {i}: teacher t", f"クラス{i}: 教師 t")) for i in range(n))
        y_target = "y" + str(target).translate(SUBSCRIPTS)
        loss_formula = f"E = −ln({y_target} + δ)" if eps else f"E = −ln {y_target}"
        # one-hot: −Σ tₖ ln yₖ is the correct class's term alone, so E is that y's step (and a learner's slip
        # in another class's y does not change it)
        loss = ws.answer(f"{prefix}E", Step(F.cross_entropy, ((ys[target],), (ts[target],)), {"eps": eps}),
                         label("cross-entropy E", "交差エントロピー誤差 E"), loss_formula, prec)
        grads = tuple(ws.answer(f"{prefix}g{i + 1}", Step(F.softmax_loss_grad, (y, t), slips=(
            Slip("sign-reversed", lambda y_, t_: t_ - y_, name=SIGN_REVERSED),)),
            label(f"class {i}: gradient ∂E/∂a", f"クラス{i}: 勾配 ∂E/∂a"), "∂E/∂a = y − t", prec)
            for i, (y, t) in enumerate(zip(ys, ts)))
        losses.append(loss)
        rows += [[{"en": "teacher t", "ja": "教師 t"}, *map(Q, ts),
                  {"en": f"cross-entropy {loss_formula}", "ja": f"交差エントロピー誤差 {loss_formula}"}, Q(loss)],
                 [{"en": "gradient ∂E/∂a = y − t", "ja": "勾配 ∂E/∂a = y − t"}, *map(Q, grads), "", ""]]
        given_rows.append(([smp["name"]] if several else [])
                          + [Q(f"{prefix}a{i + 1}") if with_scores else Q(ys[i]) for i in range(n)] + [target])
        title = ({"en": f"Sample {smp['name']}", "ja": f"サンプル {smp['name']}"} if several else
                 {"en": "Softmax, error and gradient" if with_scores else "Error and gradient",
                  "ja": "ソフトマックス・誤差・勾配" if with_scores else "誤差と勾配"})
        ws.table(class_table(f"classes{k}", title, n, rows, params["decimals"]))

    head = (([Column({"en": "sample", "ja": "サンプル"}, width=9)] if several else [])
            + [Column(f"a ({i})" if with_scores else f"y ({i})", width=9) for i in range(n)]
            + [Column({"en": "correct class", "ja": "正解クラス"}, width=11)])
    ws.table(Table("given", {"en": "Scores and teacher" if with_scores else "Probabilities and teacher",
                             "ja": "スコアと正解" if with_scores else "確率と正解"}, head, given_rows))
    if several:
        mean = ws.answer("mean_E", Step(F.mean, (tuple(losses),)), {"en": "mean error over the samples",
                                                                    "ja": "サンプル平均の誤差"},
                         "(1/N) Σ E", prec)
        ws.table(Table("mean", {"en": "Mean over the batch", "ja": "バッチの平均"},
                       [Column("", width=32), Column({"en": "value", "ja": "値"}, width=14)],
                       [[{"en": "mean error (1/N) Σ E", "ja": "平均の誤差 (1/N) Σ E"}, Q(mean)]]))
    return ws
