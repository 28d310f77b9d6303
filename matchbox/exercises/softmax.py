"""`softmax`: scores become probabilities, the cross-entropy says how wrong they are, and y − t is its gradient.

The sheet subtracts the largest score before exponentiating (e^(a − max) is at most 1, so nothing overflows
and the probabilities are unchanged), sums, divides, takes E = −Σ tₖ ln yₖ with the natural log against a
one-hot teacher, and the gradient of E with respect to each score: yₖ − tₖ.
"""
from __future__ import annotations

from ..engine import functions as F
from .graph import EXACT, Column, Q, Ref, Step, Table, Worksheet
from .network import SIGN_REVERSED, labeller, precision_note, read_precision, read_samples, rounded
from .slips import Slip
from .spec import Spec

KIND = "softmax"
TITLE = {"en": "Softmax and cross-entropy", "ja": "ソフトマックス関数と交差エントロピー誤差"}
MOST_CLASSES = 10


def sample(dice) -> dict:
    """Three or four small integer scores; the teacher is not always the top score."""
    n = dice.choice([3, 4])
    return {"scores": [dice.randint(-2, 3) for _ in range(n)], "target": dice.randint(0, n - 1)}


def settle(params: dict) -> dict | None:
    scores = params["samples"][0].get("scores")
    return params if scores and len(set(scores)) > 1 else None  # equal scores teach nothing


def _read_sample(s: Spec) -> dict:
    out: dict = {}
    if s.has("scores") == s.has("outputs"):
        raise s.fail("scores", "give either scores (the sheet computes the softmax) or outputs "
                               "(probabilities already computed), not both" if s.has("scores") else "is required")
    if s.has("scores"):
        out["scores"] = s.numbers("scores")
        n = len(out["scores"])
        key = "scores"
    else:
        out["outputs"] = s.numbers("outputs")
        n = len(out["outputs"])
        key = "outputs"
        if any(y < 0 or y > 1 for y in out["outputs"]):
            raise s.fail("outputs", "probabilities lie between 0 and 1")
    if not 2 <= n <= MOST_CLASSES:
        raise s.fail(key, f"expected 2 to {MOST_CLASSES} numbers, got {n}")
    if s.has("target") and s.has("teacher"):
        raise s.fail("teacher", "give either target (the class index) or teacher (one-hot), not both")
    if s.has("teacher"):
        teacher = s.numbers("teacher", length=n)
        if sorted(teacher) != [0] * (n - 1) + [1]:
            raise s.fail("teacher", "expected a one-hot list: a single 1, the rest 0")
        out["target"] = teacher.index(1)
    else:
        out["target"] = s.number("target", integer=True, minimum=0, maximum=n - 1)
    return out


def normalize(spec: Spec, dice) -> dict:
    out: dict = {}
    title = spec.string("title", None)
    if title:
        out["title"] = title
    samples = read_samples(spec, ("scores", "outputs", "target", "teacher"), _read_sample)
    sizes = {len(s.get("scores") or s["outputs"]) for s in samples}
    if len(sizes) > 1:
        raise spec.fail("samples", "every sample needs the same number of classes")
    out["samples"] = samples
    out["decimals"] = read_precision(spec)
    # ln 0 is −∞: some textbooks add a tiny δ inside the log (ゼロから作るDeep Learning uses 1e-7)
    out["log_epsilon"] = spec.number("log_epsilon", 0, minimum=0, maximum=0.01)
    spec.finish("kind")
    return out


def add_softmax(ws: Worksheet, prefix: str, scores: list[float], label, prec) -> tuple[str, ...]:
    """max, e^(a − max), Σ and each y for one score vector; returns the names of the y's."""
    a = tuple(ws.given(f"{prefix}a{i + 1}", v, label(f"class {i}: score a", f"クラス{i}: スコア a"))
              for i, v in enumerate(scores))
    m = ws.answer(f"{prefix}max", Step(F.vmax, (a,)), label("largest score", "最大のスコア"), "max(a)", EXACT)
    e = tuple(ws.answer(f"{prefix}e{i + 1}", Step(F.shifted_exp, (ai, m)),
                        label(f"class {i}: e^(a − max)", f"クラス{i}: e^(a − max)"), "e^(a − max)", prec)
              for i, ai in enumerate(a))
    s = ws.answer(f"{prefix}sum", Step(F.vsum, (e,)), label("sum of the exponentials", "指数の和"),
                  "Σ e^(aᵢ − max)", prec)
    return tuple(ws.answer(f"{prefix}y{i + 1}", Step(F.ratio, (ei, s)),
                           label(f"class {i}: probability y", f"クラス{i}: 確率 y"), "y = e^(a − max) / Σ", prec)
                 for i, ei in enumerate(e))


def plain(en: str, ja: str) -> dict:
    return {"en": en, "ja": ja}


def build(params: dict) -> Worksheet:
    prec = rounded(params["decimals"])
    eps = params["log_epsilon"]
    samples = params["samples"]
    several = len(samples) > 1
    with_scores = "scores" in samples[0]
    n = len(samples[0].get("scores") or samples[0]["outputs"])
    ln = "ln(y + δ)" if eps else "ln y"
    ws = Worksheet(KIND, params.get("title", TITLE), {
        "en": ("Turn the scores a into probabilities with the softmax: subtract the largest score, take e^(a − max) "
               "for each class, add them up, and divide each by the sum. " if with_scores else
               "The probabilities y are given. ")
              + f"Then the cross-entropy error E = −Σ tₖ {ln}" + (f" (δ = {eps:g})" if eps else "")
              + " with the NATURAL log ln (not log₁₀) against the one-hot teacher t, and the gradient of E with "
                "respect to each score: ∂E/∂aₖ = yₖ − tₖ.",
        "ja": ("ソフトマックス関数でスコア a を確率にします。最大のスコアを引いてから各クラスの e^(a − max) を求め、"
               "その和で割ります。" if with_scores else "確率 y が与えられています。")
              + f"次に、正解だけが1のone-hot表現の教師 t に対する交差エントロピー誤差 E = −Σ tₖ {ln}"
              + (f"(δ = {eps:g})" if eps else "")
              + "を自然対数 ln(log₁₀ ではありません)で求め、各スコアについての勾配 ∂E/∂aₖ = yₖ − tₖ を求めます。",
    }, precision_note(params["decimals"]))

    given_rows, losses = [], []
    for k, smp in enumerate(samples, start=1):
        prefix = f"s{k}_" if several else ""
        label = (labeller({"en": f"sample {smp['name']}", "ja": f"サンプル {smp['name']}"}) if several
                 else plain)
        if with_scores:
            ys = add_softmax(ws, prefix, smp["scores"], label, prec)
        else:
            ys = tuple(ws.given(f"{prefix}y{i + 1}", v, label(f"class {i}: probability y", f"クラス{i}: 確率 y"))
                       for i, v in enumerate(smp["outputs"]))
        ts = tuple(ws.given(f"{prefix}t{i + 1}", 1 if i == smp["target"] else 0,
                            label(f"class {i}: teacher t", f"クラス{i}: 教師 t")) for i in range(n))
        loss = ws.answer(f"{prefix}E", Step(F.cross_entropy, (ys, ts), {"eps": eps}),
                         label("cross-entropy E", "交差エントロピー誤差 E"), f"E = −Σ tₖ {ln}", prec)
        grads = tuple(ws.answer(f"{prefix}g{i + 1}", Step(F.softmax_loss_grad, (y, t), slips=(
            Slip("sign-reversed", lambda y_, t_: t_ - y_, name=SIGN_REVERSED),)),
            label(f"class {i}: gradient ∂E/∂a", f"クラス{i}: 勾配 ∂E/∂a"), "∂E/∂a = y − t", prec)
            for i, (y, t) in enumerate(zip(ys, ts)))
        losses.append(loss)
        given_rows.append([smp["name"]] + [Q(f"{prefix}a{i + 1}") if with_scores else Q(ys[i]) for i in range(n)]
                          + [smp["target"]])

        title = {"en": f"Sample {smp['name']}", "ja": f"サンプル {smp['name']}"} if several else {
            "en": "Softmax, class by class", "ja": "クラスごとのソフトマックス"}
        first = ([Ref(f"{prefix}a{i + 1}") for i in range(n)], [Q(f"{prefix}e{i + 1}") for i in range(n)],
                 [Q(ys[i]) if with_scores else Ref(ys[i]) for i in range(n)])
        rows = [[i] + ([first[0][i], first[1][i]] if with_scores else []) + [first[2][i], Q(ts[i]),
                                                                                      Q(grads[i])]
                for i in range(n)]
        columns = ([Column({"en": "class", "ja": "クラス"}, width=7)]
                   + ([Column({"en": "score a", "ja": "スコア a"}, width=10),
                       Column("e^(a − max)", width=14)] if with_scores else [])
                   + [Column({"en": "probability y", "ja": "確率 y"}, "e^(a − max) / Σ" if with_scores else None,
                             width=15),
                      Column({"en": "teacher t", "ja": "教師 t"}, width=9),
                      Column("∂E/∂a", "y − t", width=12)])
        ws.table(Table(f"classes{k}", title, columns, rows))
        summary = ([[{"en": "largest score max(a)", "ja": "最大のスコア max(a)"}, Q(f"{prefix}max")],
                    [{"en": "sum Σ e^(a − max)", "ja": "和 Σ e^(a − max)"}, Q(f"{prefix}sum")]] if with_scores else [])
        summary.append([{"en": f"cross-entropy E = −Σ t {ln}", "ja": f"交差エントロピー誤差 E = −Σ t {ln}"}, Q(loss)])
        ws.table(Table(f"totals{k}", {"en": f"{title['en']}: max, sum and error", "ja": f"{title['ja']}: 最大・和・誤差"},
                       [Column("", width=32), Column({"en": "value", "ja": "値"}, width=14)], summary))

    head = [Column({"en": "sample", "ja": "サンプル"}, width=9)] + [
        Column(f"a ({i})" if with_scores else f"y ({i})", width=9) for i in range(n)] + [
        Column({"en": "correct class", "ja": "正解クラス"}, width=11)]
    ws.table(Table("given", {"en": "Scores and teacher" if with_scores else "Probabilities and teacher",
                             "ja": "スコアと正解" if with_scores else "確率と正解"}, head, given_rows,
                   note={"en": "Classes are numbered from 0, as frameworks (and MNIST's digits) number them; the teacher t is 1 "
                               "for the correct class, 0 elsewhere.",
                         "ja": "クラスは0から数えます(フレームワークやMNISTの数字と同じ)。教師 t は正解のクラスだけ1、"
                               "ほかは0です。"}))
    if several:
        mean = ws.answer("mean_E", Step(F.mean, (tuple(losses),)), {"en": "mean error over the samples",
                                                                    "ja": "サンプル平均の誤差"},
                         "(1/N) Σ E", prec)
        ws.table(Table("mean", {"en": "Mean over the batch", "ja": "バッチの平均"},
                       [Column("", width=32), Column({"en": "value", "ja": "値"}, width=14)],
                       [[{"en": "mean error (1/N) Σ E", "ja": "平均の誤差 (1/N) Σ E"}, Q(mean)]]))
    return ws
