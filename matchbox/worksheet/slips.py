"""Classic slips: small, declared variants of a step that `check` can name when one explains a wrong number.

A slip is the same step done one wrong way: another function, other arguments or other keyword arguments.
The checker evaluates it on the learner's own numbers and names it only when it gives exactly the number
the learner wrote (and the right step does not), so a slip is never guessed.

Slips come from three places, in this order:
- declared on a step by its kind: `Step(fn, args, slips=(Slip("conv-off-by-one", args=...),))`;
- by engine function, for every kind that uses it (the difference t − y, the perceptron rule, the step
  function, logarithms...): FUNCTION_SLIPS below;
- read off the graph: a weight replaced by its own update ("the new weight used"), a product missing its
  activation's derivative (σ'(u) forgotten), and, on sheets that round, rounding too early or too short.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

from ..engine import functions as F
from .graph import Precision, Quantity, Step, Text, Worksheet

# Every slip's name, in the workshop's words (GLOSSARY.md). A kind declaring a slip of its own may use one of
# these ids or pass a name.
NAMES: dict[str, dict[str, str]] = {
    "sign-reversed": {"en": "sign of the difference reversed (y − t instead of t − y)",
                      "ja": "誤差の符号の取り違え (t − y ではなく y − t)"},
    "input-forgotten": {"en": "input factor forgotten (w + η·d instead of w + η·d·x)",
                        "ja": "入力 x の掛け忘れ (w + η·d·x ではなく w + η·d)"},
    "rate-forgotten": {"en": "learning rate forgotten (w + d·x instead of w + η·d·x)",
                       "ja": "学習率 η の掛け忘れ (w + η·d·x ではなく w + d·x)"},
    "weight-wrong-way": {"en": "weight moved the wrong way (w − η·d·x instead of w + η·d·x)",
                         "ja": "重みの更新の向きの誤り (w + η·d·x ではなく w − η·d·x)"},
    "threshold-wrong-way": {"en": "threshold moved the wrong way (θ + η·d instead of θ − η·d)",
                            "ja": "しきい値の更新の向きの誤り (θ − η·d ではなく θ + η·d)"},
    "not-updated": {"en": "the old value kept (old and new weight swapped, or not updated)",
                    "ja": "更新のし忘れ (更新前の値のまま。新旧の重みの取り違えかもしれません)"},
    "new-weight-in-sum": {"en": "the new weight used in the same trial's sum",
                          "ja": "同じ試行の総和に更新後の重みを使用"},
    "new-weight-used": {"en": "the new weight w' used where the old weight w belongs (as when backpropagating "
                               "through a weight already updated)",
                        "ja": "更新前の重み w を使うところで更新後の重み w' を使用"
                              "(逆伝播で更新済みの重みを使うなど)"},
    "tie-rule": {"en": "the rule at a tie reversed (≥ and > mixed up when u = θ)",
                 "ja": "u = θ のときの発火条件の取り違え (≥ と >)"},
    "compared-with-zero": {"en": "u compared with 0 instead of the threshold θ",
                           "ja": "しきい値 θ ではなく 0 との比較"},
    "off-output": {"en": "0 written for 'not firing', where this sheet's output is −1",
                   "ja": "発火しないときの出力の取り違え (このシートでは 0 ではなく −1 です)"},
    "slope-sign": {"en": "minus sign of the slope forgotten (w₁/w₂ instead of −w₁/w₂)",
                   "ja": "傾きのマイナスの付け忘れ (−w₁/w₂ ではなく w₁/w₂)"},
    "upside-down": {"en": "fraction upside down", "ja": "分数の分母と分子が逆"},
    "intercept-sign": {"en": "sign of the intercept reversed ((w₀ − θ)/w instead of (θ − w₀)/w)",
                       "ja": "切片の符号が逆 ((θ − w₀)/w ではなく (w₀ − θ)/w)"},
    "sigma-grad-forgotten": {"en": "σ'(u) = y(1 − y) forgotten", "ja": "σ'(u) = y(1 − y) の掛け忘れ"},
    "grad-forgotten": {"en": "the activation's derivative f'(u) forgotten", "ja": "活性化関数の微分 f'(u) の掛け忘れ"},
    "base10-log": {"en": "base-10 log used instead of the natural log ln",
                   "ja": "自然対数 ln ではなく常用対数 log₁₀ を使用"},
    "bias-forgotten": {"en": "bias b forgotten (Σ window × kernel, without + b)",
                       "ja": "バイアス b の足し忘れ (Σ(窓 × カーネル) に b を足していない)"},
    "gradient-sign": {"en": "sign of the update reversed (w + η·g instead of w − η·g: a step up the gradient)",
                      "ja": "更新の符号の誤り (w − η·g ではなく w + η·g。勾配を上る向きに進んでいます)"},
    "velocity-sign": {"en": "Momentum's velocity with the wrong sign (α·v + η·g instead of α·v − η·g)",
                      "ja": "モメンタムの速度 v の符号の誤り (α·v − η·g ではなく α·v + η·g)"},
    "momentum-move-sign": {"en": "moved against the velocity (x − v' instead of x + v')",
                           "ja": "速度と逆向きへの移動 (x + v' ではなく x − v')"},
    "adam-no-bias-correction": {"en": "Adam's bias correction left out (m and v used as they are, without dividing "
                                      "by 1 − βᵗ)",
                                "ja": "Adam のバイアス補正のし忘れ (1 − βᵗ で割らずに m, v をそのまま使用)"},
    "adam-t-stuck": {"en": "t kept at 1 in Adam's bias correction (t is the step number: 1 − βᵗ changes every step)",
                     "ja": "Adam のバイアス補正で t を 1 のまま使用 (t はステップ番号で、1 − βᵗ は毎ステップ変わります)"},
    "tanh-grad-not-squared": {"en": "tanh′ written as 1 − tanh instead of 1 − tanh² (the square forgotten)",
                              "ja": "tanh の微分を 1 − tanh とする誤り (正しくは 1 − tanh²。2乗の付け忘れ)"},
    "max-not-subtracted": {"en": "the largest score not subtracted (e^a instead of e^(a − max))",
                           "ja": "最大値の引き忘れ (e^(a − max) ではなく e^a)"},
    "conv-off-by-one": {"en": "an index off by one in the convolution (the window shifted by one)",
                        "ja": "畳み込みの添字のずれ (窓が1マスずれています)"},
    "rounded-short": {"en": "rounded to {r} decimal places; the sheet asks for {n}",
                      "ja": "小数第{r}位までの丸め (このシートでは小数第{n}位まで求めます)"},
    "truncated": {"en": "cut off instead of rounded (round the last digit half up)",
                  "ja": "四捨五入ではなく切り捨て"},
    "rounded-early": {"en": "rounded too early: earlier results rounded to {r} decimal places before this step",
                      "ja": "早すぎる丸め (途中の値を小数第{r}位までに丸めてから計算)"},
}


@dataclass(frozen=True)
class Slip:
    """One classic mistake of a step: `fn`, `args` or `kwargs` replace the step's own (None keeps them).

    `args` follow Step's rules (names, tuples of names, constants) and may name any quantity of the sheet,
    later ones too (the learner's own numbers are all known when the checker looks for slips).
    """

    id: str
    fn: Callable[..., Any] | None = None
    args: tuple | None = None
    kwargs: Mapping[str, Any] | None = None
    name: Text | None = None  # default: NAMES[id]

    @property
    def text(self) -> Text:
        return self.name or NAMES[self.id]

    def value(self, step: Step, values: Mapping[str, float]) -> float:
        """The step done this wrong way, on `values`."""
        kwargs = {**step.kwargs, **(self.kwargs or {})}
        return Step(self.fn or step.fn, step.args if self.args is None else self.args, kwargs)(values)


@dataclass(frozen=True)
class Rounded(Slip):
    """A rounding slip on a sheet that rounds: the result rounded to `places` (or cut off), or the step
    computed from its inputs rounded to `places` before use."""

    places: int = 0
    mode: str = "result"  # result: round the result; cut: truncate the result; inputs: round the inputs
    answers: tuple = ()  # the step's inputs that are answers (only those were rounded by the learner)

    def value(self, step: Step, values: Mapping[str, float]) -> float:
        if self.mode == "inputs":
            return step({**values, **{n: round(values[n], self.places) for n in self.answers}})
        exact = step(values)
        if self.mode == "cut":
            return math.trunc(exact * 10 ** self.places) / 10 ** self.places
        return round(exact, self.places)


def _log10_neg(y):
    return -float(np.log10(y))


def _log10_cross_entropy(y, t, eps=0.0):
    y, t = np.asarray(y, dtype=float), np.asarray(t, dtype=float)
    n = 1 if y.ndim == 1 else y.shape[0]
    return float(-np.sum(t * np.log10(y + eps)) / n)


def _delta_rule_slips(step: Step) -> list[Slip]:
    w, x, d, lr = step.args
    if not isinstance(x, str) and x == -1:  # θ' = θ − η·d, written as a rule with input −1
        return [Slip("threshold-wrong-way", args=(w, 1.0, d, lr)),
                Slip("rate-forgotten", args=(w, x, d, 1.0)),
                Slip("not-updated", F.identity, (w,))]
    return [Slip("input-forgotten", args=(w, 1.0, d, lr)),
            Slip("rate-forgotten", args=(w, x, d, 1.0)),
            Slip("weight-wrong-way", lambda w_, x_, d_, lr_: w_ - lr_ * d_ * x_),
            Slip("not-updated", F.identity, (w,))]


def _step_slips(step: Step) -> list[Slip]:
    u, theta = step.args[0], step.args[1] if len(step.args) > 1 else step.kwargs.get("threshold", 0.0)
    out = [Slip("tie-rule", kwargs={"strict": not step.kwargs.get("strict", False)})]
    if len(step.args) > 1 and (isinstance(theta, str) or theta != 0):
        out.append(Slip("compared-with-zero", args=(u, 0.0, *step.args[2:])))
    if step.kwargs.get("low", 0) == -1:
        out.append(Slip("off-output", kwargs={"low": 0.0}))
    return out


# Slips every kind gets for a step computed by these engine functions.
FUNCTION_SLIPS: dict[Callable, Callable[[Step], list[Slip]]] = {
    F.error: lambda s: [Slip("sign-reversed", lambda t, y: np.subtract(y, t))],
    F.delta_rule: _delta_rule_slips,
    F.step: _step_slips,
    F.line_slope: lambda s: [Slip("slope-sign", lambda w1, w2: w1 / w2), Slip("upside-down", lambda w1, w2: -w2 / w1)],
    F.line_intercept: lambda s: [Slip("intercept-sign", lambda w0, w, th=0.0: (w0 - th) / w)],
    F.crossing: lambda s: [Slip("upside-down", lambda th, w: w / th)],
    F.neg_log: lambda s: [Slip("base10-log", _log10_neg)],
    F.cross_entropy: lambda s: [Slip("base10-log", _log10_cross_entropy)],
    F.gradient_step: lambda s: [Slip("gradient-sign", lambda w, g, lr: w + lr * g)],
    F.momentum_velocity: lambda s: [Slip("velocity-sign", lambda v, g, lr, a: a * v + lr * g)],
    F.momentum_move: lambda s: [Slip("momentum-move-sign", lambda x, v: x - v)],
    F.bias_correct: lambda s: [Slip("adam-no-bias-correction", F.identity, s.args[:1]),
                               Slip("adam-t-stuck", args=(*s.args[:2], 1))],
    F.tanh_grad_from_output: lambda s: [Slip("tanh-grad-not-squared", lambda y: 1 - y)],
    F.tanh_grad: lambda s: [Slip("tanh-grad-not-squared", lambda u: 1 - F.tanh(u))],
    F.shifted_exp: lambda s: [Slip("max-not-subtracted", lambda a, m: F.shifted_exp(a, 0.0))],
}

# Update rules: the first argument is the value being updated (a weight, a threshold).
UPDATE_RULES = (F.delta_rule, F.gradient_step, F.adagrad_step, F.adam_step)
SUMS = (F.weighted_sum, F.affine_sum)  # a forward pass's sum: the slip's name speaks of the trial's sum
# An activation's derivative, as a factor of a product (δ = ∂E/∂y · f'(u)): leaving it out is a classic slip.
DERIVATIVES = {F.sigmoid_grad_from_output: "sigma-grad-forgotten", F.sigmoid_grad: "sigma-grad-forgotten",
               F.tanh_grad_from_output: "grad-forgotten", F.tanh_grad: "grad-forgotten",
               F.relu_grad: "grad-forgotten"}


@dataclass(frozen=True)
class NewWeight(Slip):
    """A new weight used where the old one belongs. Named only when the new weights make the difference: they
    differ from the old ones on the learner's numbers, and setting them to 0 would change the result. A u of 0
    from new weights of 0 (a learner who wrote 0 everywhere), or new weights that happen to sum to 0, is no sign
    of the slip."""

    swapped: tuple = ()  # (old, new) names

    def value(self, step: Step, values: Mapping[str, float]) -> float:
        if all(values[old] == values[new] for old, new in self.swapped):
            return math.nan
        result = super().value(step, values)
        zeroed = super().value(step, {**values, **{new: 0.0 for _, new in self.swapped}})
        if abs(result - zeroed) <= 1e-12 * max(1.0, abs(result)):
            return math.nan
        return result


class Catalogue:
    """The slips of every answer of a worksheet: declared, by function, and read off the graph."""

    def __init__(self, ws: Worksheet):
        self.ws = ws
        # a weight (or threshold) -> the answer that updates it
        self.update_of = {q.step.args[0]: q.name for q in ws.answers
                          if q.step.fn in UPDATE_RULES and q.step.args and isinstance(q.step.args[0], str)}

    def of(self, name: str) -> list[Slip]:
        q = self.ws.quantities[name]
        step = q.step
        out = list(step.slips)
        out += FUNCTION_SLIPS.get(step.fn, lambda s: [])(step)
        out += self._new_weight(step)
        out += self._derivative_forgotten(step)
        out += self._rounding(q)
        return out

    def _new_weight(self, step: Step) -> list[Slip]:
        if step.fn in UPDATE_RULES:
            return []

        def swap(arg):
            if isinstance(arg, str):
                return self.update_of.get(arg, arg)
            if isinstance(arg, tuple):
                return tuple(self.update_of.get(a, a) for a in arg)
            return arg

        args = tuple(swap(a) for a in step.args)
        if args == step.args:
            return []
        swapped = tuple((d, self.update_of[d]) for d in step.deps() if d in self.update_of)
        return [NewWeight("new-weight-in-sum" if step.fn in SUMS else "new-weight-used", args=args, swapped=swapped)]

    def _derivative_forgotten(self, step: Step) -> list[Slip]:
        if step.fn is not F.product:
            return []
        out = []
        for a in step.args:
            q = self.ws.quantities.get(a) if isinstance(a, str) else None
            if q is not None and not q.is_given and q.step.fn in DERIVATIVES:
                rest = tuple(b for b in step.args if b != a) or (1.0,)
                out.append(Slip(DERIVATIVES[q.step.fn], args=rest))
        return out

    def _rounding(self, q: Quantity) -> list[Slip]:
        p: Precision = q.precision
        if p.exact:
            return []
        answers = tuple(d for d in q.step.deps() if not self.ws.quantities[d].is_given)
        n = p.decimals
        out: list[Slip] = [Rounded("truncated", places=n, mode="cut")]
        for r in range(n - 1, -1, -1):
            out.append(Rounded("rounded-short", places=r, name=_format("rounded-short", r=r, n=n)))
        if answers:
            for r in range(n - 1, -1, -1):
                out.append(Rounded("rounded-early", places=r, mode="inputs", answers=answers,
                                   name=_format("rounded-early", r=r)))
        return out


def _format(slip_id: str, **numbers) -> dict[str, str]:
    return {lang: text.format(**numbers) for lang, text in NAMES[slip_id].items()}
