"""The `gan` sheet's quantities and tables: one training step of a one-dimensional GAN (the kind's module, gan.py,
draws its variants, figures and replay)."""
from __future__ import annotations

import math

from ...engine import functions as F
from ...engine import gan_steps as G
from ...worksheet.graph import Column, Q, Ref, Step, Table, Worksheet
from ...worksheet.slips import Slip
from .network import precision_note, rounded

KIND = "gan"
TITLE = {"en": "A GAN's training step: generator against discriminator",
         "ja": "敵対的生成ネットワーク(GAN)の学習ステップ(生成器と識別器)"}

SATURATING = {"en": "the saturating loss ln(1 − D(x̃)) used for the generator (this sheet's L_G is the "
                    "non-saturating −ln D(x̃))",
              "ja": "生成器に飽和型の損失 ln(1 − D(x̃)) を使っています(このシートの L_G は非飽和型の "
                    "−ln D(x̃) です)"}
SATURATING_GRAD = {"en": "the saturating loss's gradient −D(x̃) used for the generator (the non-saturating "
                         "−ln D(x̃) gives D(x̃) − 1)",
                   "ja": "生成器に飽和型の損失の勾配 −D(x̃) を使っています(非飽和型の −ln D(x̃) では "
                         "D(x̃) − 1 です)"}
UPDATED_D = {"en": "the generator's step taken with the already-updated discriminator (w', c'); this sheet "
                   "uses D before its update (w, c)",
             "ja": "生成器のステップに更新後の識別器(w', c')を使っています(このシートでは更新前の識別器"
                   "(w, c)を使います)"}
OLD_D = {"en": "the generator's step taken with the discriminator before its update (w, c); this sheet "
               "uses the updated D (w', c')",
         "ja": "生成器のステップに更新前の識別器(w, c)を使っています(このシートでは更新後の識別器"
               "(w', c')を使います)"}


def sign_reversed(d: str) -> dict:
    return {"en": f"sign reversed (1 − {d} instead of {d} − 1)",
            "ja": f"符号の取り違え ({d} − 1 ではなく 1 − {d})"}


def _d_at(w, c, x):
    return F.sigmoid(w * x + c)


def instructions(old: bool) -> dict:
    return {
        "en": ("A generative adversarial network (GAN) in one dimension: the generator G turns a noise z into a "
               "fake x̃ = G(z) = a·z + b, and the discriminator D(x) = σ(w·x + c) says how sure it is that x is "
               "real. Work one training step. First the discriminator learns from the real x (label 1) and the "
               "fake x̃ (label 0) by gradient descent on L_D = −ln D(x) − ln(1 − D(x̃)), with the NATURAL log ln "
               "(not log₁₀); its deltas are ∂L_D/∂u = D(x) − 1 for the real and D(x̃) for the fake. Then the "
               "generator learns to fool the discriminator by gradient descent on the non-saturating loss "
               "L_G = −ln D(x̃) (not ln(1 − D(x̃))), its gradient passed back through D to a and b. "
               + ("The generator's step uses the discriminator BEFORE its update (w, c and the D(x̃) you already "
                  "have), as simultaneous training does." if old else
                  "The generator's step uses the UPDATED discriminator (w', c'): first compute D(x̃) again "
                  "with them.")),
        "ja": ("1次元の敵対的生成ネットワーク(GAN)です。生成器 G はノイズ z から偽物(生成データ)"
               "x̃ = G(z) = a·z + b を作り、識別器 D(x) = σ(w·x + c) は x が本物のデータである確からしさを"
               "出力します。1回の学習ステップを計算します。まず識別器が、本物のデータ x(ラベル 1)と偽物 x̃"
               "(ラベル 0)から、損失 L_D = −ln D(x) − ln(1 − D(x̃)) の勾配降下法で学習します。対数は自然対数 ln "
               "です(log₁₀ ではありません)。デルタは本物では ∂L_D/∂u = D(x) − 1、偽物では D(x̃) です。次に生成器が、"
               "識別器をだますように、非飽和型の損失 L_G = −ln D(x̃)(ln(1 − D(x̃)) ではありません)の勾配降下法で"
               "学習します。勾配は D を通って a と b まで逆伝播します。"
               + ("生成器のステップでは、更新前の識別器(w と c、すでに求めた D(x̃))を使います(両者を同時に"
                  "更新する通常の方法です)。" if old else
                  "生成器のステップでは、更新後の識別器(w' と c')を使います。まずそれで D(x̃) を求め直します。")),
    }


def build(params: dict) -> Worksheet:
    prec = rounded(params["decimals"])
    old = params["generator_sees"] == "old"
    ws = Worksheet(KIND, params.get("title", TITLE), instructions(old), precision_note(params["decimals"]))
    shared = params["generator_learning_rate"] == params["learning_rate"]
    eta_d, eta_g = ("η", "η") if shared else ("η_D", "η_G")

    def given(name, value, en, ja):
        label = {"en": en, "ja": ja}
        return ws.given(name, value, label), label

    rows = []
    for name, key, en, ja in (("a", "a", "generator G: weight a", "生成器 G の重み a"),
                              ("b", "b", "generator G: offset b", "生成器 G のバイアス b"),
                              ("w", "w", "discriminator D: weight w", "識別器 D の重み w"),
                              ("c", "c", "discriminator D: bias c", "識別器 D のバイアス c")):
        rows.append(given(name, params[key], en, ja))
    if shared:
        rows.append(given("lr", params["learning_rate"], "learning rate η (both)", "学習率 η(共通)"))
    else:
        rows.append(given("lr", params["learning_rate"], "discriminator's learning rate η_D", "識別器の学習率 η_D"))
        rows.append(given("lr_g", params["generator_learning_rate"], "generator's learning rate η_G",
                          "生成器の学習率 η_G"))
    rows.append(given("x", params["x"], "real sample x", "本物のデータ x"))
    rows.append(given("z", params["z"], "noise z", "ノイズ z"))
    lr_g = "lr" if shared else "lr_g"
    ws.table(Table("settings", {"en": "Given", "ja": "与えられた値"},
                   [Column("", width=30), Column({"en": "value", "ja": "値"}, width=12)],
                   [[label, Q(name)] for name, label in rows], role="settings"))

    head = [Column({"en": "quantity", "ja": "求める量"}, width=30),
            Column({"en": "formula", "ja": "計算式"}, width=30), Column({"en": "value", "ja": "値"}, width=14)]

    def table(name, title, items, note=None):
        ws.table(Table(name, title, head, [[label, formula, Q(q)] for q, label, formula in items], note=note))

    def answer(q, step, where, en, ja, formula):
        return ws.answer(q, step, {"en": f"{where['en']}: {en}", "ja": f"{where['ja']}: {ja}"}, formula, prec), \
            {"en": en, "ja": ja}, formula

    fwd = {"en": "forward", "ja": "順伝播"}
    items = [answer("xf", Step(F.affine_sum, ("z", "a", "b")), fwd, "the fake x̃ = G(z)", "偽物 x̃ = G(z)",
                    "x̃ = a·z + b"),
             answer("ur", Step(F.affine_sum, ("x", "w", "c")), fwd, "sum for the real u_real",
                    "本物の総和 u_real", "u_real = w·x + c"),
             answer("Dr", Step(F.sigmoid, ("ur",)), fwd, "D(x), the verdict on the real", "本物への判定 D(x)",
                    "D(x) = σ(u_real)"),
             answer("uf", Step(F.affine_sum, ("xf", "w", "c")), fwd, "sum for the fake u_fake",
                    "偽物の総和 u_fake", "u_fake = w·x̃ + c"),
             answer("Df", Step(F.sigmoid, ("uf",)), fwd, "D(x̃), the verdict on the fake", "偽物への判定 D(x̃)",
                    "D(x̃) = σ(u_fake)")]
    table("forward", {"en": "The fake and the discriminator's verdicts", "ja": "偽物の生成と識別器の判定"}, items)

    dis = {"en": "discriminator's step", "ja": "識別器のステップ"}
    items = [answer("LD", Step(G.discriminator_loss, ("Dr", "Df"), slips=(
                 Slip("base10-log", lambda r, f: -math.log10(r) - math.log10(1 - f)),)),
                    dis, "loss L_D", "損失 L_D", "L_D = −ln D(x) − ln(1 − D(x̃))"),
             answer("gr", Step(G.real_delta, ("Dr",), slips=(
                 Slip("sign-reversed", lambda d: 1 - d, name=sign_reversed("D(x)")),)),
                    dis, "delta of the real ∂L_D/∂u_real", "本物のデルタ ∂L_D/∂u_real", "∂L_D/∂u_real = D(x) − 1"),
             answer("gf", Step(G.fake_delta, ("Df",)), dis, "delta of the fake ∂L_D/∂u_fake",
                    "偽物のデルタ ∂L_D/∂u_fake", "∂L_D/∂u_fake = D(x̃)"),
             answer("gw", Step(G.weight_grad, ("gr", "x", "gf", "xf")), dis, "gradient ∂L_D/∂w", "勾配 ∂L_D/∂w",
                    "∂L_D/∂w = (D(x) − 1)·x + D(x̃)·x̃"),
             answer("gc", Step(G.bias_grad, ("gr", "gf")), dis, "gradient ∂L_D/∂c", "勾配 ∂L_D/∂c",
                    "∂L_D/∂c = (D(x) − 1) + D(x̃)"),
             answer("w1", Step(F.gradient_step, ("w", "gw", "lr")), dis, "new weight w'", "新しい重み w'",
                    f"w' = w − {eta_d}·∂L_D/∂w"),
             answer("c1", Step(F.gradient_step, ("c", "gc", "lr")), dis, "new bias c'", "新しいバイアス c'",
                    f"c' = c − {eta_d}·∂L_D/∂c")]
    table("discriminator", {"en": "The discriminator's step (gradient descent on L_D)",
                            "ja": "識別器のステップ(L_D の勾配降下法)"}, items)

    gen = {"en": "generator's step", "ja": "生成器のステップ"}
    items = []
    if old:  # the generator sees D before its update: its D(x̃) is the one above
        seen_d, seen_w, other = "Df", "w", Slip("gan-updated-d", name=UPDATED_D, args=("w1", "c1", "xf"),
                                                fn=lambda w, c, x: G.real_delta(_d_at(w, c, x)))
        d_text, w_text = "D(x̃)", "w"
        loss_other = Slip("gan-updated-d", lambda w, c, x: -math.log(_d_at(w, c, x)), ("w1", "c1", "xf"),
                          name=UPDATED_D)
        grad_other = Slip("gan-updated-d", lambda w, c, x: G.real_delta(_d_at(w, c, x)) * w, ("w1", "c1", "xf"),
                          name=UPDATED_D)
    else:
        items += [answer("uf1", Step(F.affine_sum, ("xf", "w1", "c1")), gen, "sum for the fake with D updated u'",
                         "更新後の識別器での偽物の総和 u'", "u' = w'·x̃ + c'"),
                  answer("Df1", Step(F.sigmoid, ("uf1",)), gen, "D'(x̃), the updated verdict on the fake",
                         "更新後の識別器の判定 D'(x̃)", "D'(x̃) = σ(u')")]
        seen_d, seen_w, d_text, w_text = "Df1", "w1", "D'(x̃)", "w'"
        other = Slip("gan-old-d", G.real_delta, ("Df",), name=OLD_D)
        loss_other = Slip("gan-old-d", F.neg_log, ("Df",), name=OLD_D)
        grad_other = Slip("gan-old-d", lambda d, w: G.real_delta(d) * w, ("Df", "w"), name=OLD_D)
    items += [answer("LG", Step(F.neg_log, (seen_d,), slips=(
                  Slip("gan-saturating-loss", lambda d: math.log(1 - d), name=SATURATING), loss_other)),
                     gen, "non-saturating loss L_G", "非飽和型の損失 L_G", f"L_G = −ln {d_text}"),
              answer("hu", Step(G.real_delta, (seen_d,), slips=(
                  Slip("gan-saturating-loss", lambda d: -d, name=SATURATING_GRAD),
                  Slip("sign-reversed", lambda d: 1 - d, name=sign_reversed(d_text)), other)),
                     gen, "delta ∂L_G/∂u_fake", "デルタ ∂L_G/∂u_fake", f"∂L_G/∂u_fake = {d_text} − 1"),
              answer("hx", Step(F.product, ("hu", seen_w), slips=(
                  grad_other, Slip("gan-saturating-loss", lambda d, w: -d * w, (seen_d, seen_w),
                                   name=SATURATING_GRAD))),
                     gen, "gradient through D ∂L_G/∂x̃", "D を通した勾配 ∂L_G/∂x̃",
                     f"∂L_G/∂x̃ = ∂L_G/∂u_fake·{w_text}"),
              answer("ha", Step(F.product, ("hx", "z")), gen, "gradient ∂L_G/∂a", "勾配 ∂L_G/∂a",
                     "∂L_G/∂a = ∂L_G/∂x̃·z"),
              answer("hb", Step(F.identity, ("hx",)), gen, "gradient ∂L_G/∂b", "勾配 ∂L_G/∂b",
                     "∂L_G/∂b = ∂L_G/∂x̃"),
              answer("a1", Step(F.gradient_step, ("a", "ha", lr_g)), gen, "new weight a'", "新しい重み a'",
                     f"a' = a − {eta_g}·∂L_G/∂a"),
              answer("b1", Step(F.gradient_step, ("b", "hb", lr_g)), gen, "new offset b'", "新しいバイアス b'",
                     f"b' = b − {eta_g}·∂L_G/∂b")]
    table("generator", {"en": "The generator's step (gradient descent on L_G, with D "
                              + ("before its update)" if old else "after its update)"),
                        "ja": "生成器のステップ(L_G の勾配降下法、"
                              + ("更新前の識別器を使用)" if old else "更新後の識別器を使用)")}, items)
    if params["after"]:
        _after(ws, prec, old)
    return ws


def _after(ws: Worksheet, prec, old: bool) -> None:
    """The updated D on the real, on the old fake and on the generator's new fake x̃' = a'·z + b'."""
    def answer(q, step, en, ja, formula):
        return ws.answer(q, step, {"en": f"after the step: {en}", "ja": f"ステップの後: {ja}"}, formula, prec)

    ur2 = answer("ur2", Step(F.affine_sum, ("x", "w1", "c1")), "the real's sum u", "本物の総和 u", "u = w'·x + c'")
    dr2 = answer("Dr2", Step(F.sigmoid, (ur2,)), "D'(x), the updated verdict on the real",
                 "更新後の識別器の本物への判定 D'(x)", "D'(x) = σ(u)")
    if old:
        answer("uf1", Step(F.affine_sum, ("xf", "w1", "c1")), "the old fake's sum u", "元の偽物の総和 u",
               "u = w'·x̃ + c'")
        answer("Df1", Step(F.sigmoid, ("uf1",)), "D'(x̃), the updated verdict on the old fake",
               "更新後の識別器の元の偽物への判定 D'(x̃)", "D'(x̃) = σ(u)")
    xf2 = answer("xf2", Step(F.affine_sum, ("z", "a1", "b1")), "the new fake x̃' = G'(z)", "新しい偽物 x̃' = G'(z)",
                 "x̃' = a'·z + b'")
    un2 = answer("un2", Step(F.affine_sum, (xf2, "w1", "c1")), "the new fake's sum u", "新しい偽物の総和 u",
                 "u = w'·x̃' + c'")
    dn2 = answer("Dn2", Step(F.sigmoid, (un2,)), "D'(x̃'), the updated verdict on the new fake",
                 "更新後の識別器の新しい偽物への判定 D'(x̃')", "D'(x̃') = σ(u)")
    old_fake = Q if old else Ref
    rows = [[{"en": "real x", "ja": "本物 x"}, Ref("x"), Ref("Dr"), Q(ur2), Q(dr2)],
            [{"en": "fake x̃ (before)", "ja": "元の偽物 x̃"}, Ref("xf"), Ref("Df"), old_fake("uf1"), old_fake("Df1")],
            [{"en": "new fake x̃'", "ja": "新しい偽物 x̃'"}, Q(xf2), "", Q(un2), Q(dn2)]]
    ws.table(Table("after", {"en": "After the step: the updated discriminator D' = σ(w'·x + c')",
                             "ja": "ステップの後: 更新後の識別器 D' = σ(w'·x + c')"},
                   [Column({"en": "sample", "ja": "データ"}, width=16), Column("x", width=12),
                    Column({"en": "D before", "ja": "更新前の D"}, width=12),
                    Column("u", "w'·x + c'", width=12), Column("D'", "σ(u)", width=12)], rows,
                   note={"en": "Did the discriminator learn (D' up on the real, down on the old fake)? Did the "
                               "generator learn (the new fake closer to x, and D' higher on it than on the old "
                               "fake)?",
                         "ja": "識別器は学習できたでしょうか(本物への D' は上がり、元の偽物への D' は下がったか)。"
                               "生成器は学習できたでしょうか(新しい偽物は x に近づき、D' は元の偽物より高いか)。"}))
