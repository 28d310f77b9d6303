"""The trial table shared by every perceptron-style kind (counting, matchbox, perceptron).

One trial presents one item: weighted sum, output, difference from the teacher, new weights. The kinds differ
in their items, their symbols and the sections around this table, not in the rule.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ...engine import functions as F
from ...engine.perceptron import count_errors, predict, train_perceptron
from ...worksheet.graph import Text, tr, Column, Q, Ref, Step, Table, Worksheet
from ...worksheet.replay import Replay, cycle

SUB = "₀₁₂₃₄₅₆₇₈₉"


def subscript(n: int) -> str:
    return "".join(SUB[int(c)] for c in str(n))


def weight(trial: int, j: int) -> str:
    """The quantity holding weight j after `trial` (0: the initial weight)."""
    return f"w{trial}_{j}"


def threshold(trial: int) -> str:
    """The quantity holding the threshold after `trial` (0: the initial one)."""
    return f"theta{trial}"


@dataclass
class Items:
    """A perceptron exercise in plain numbers: what is presented, in which order, from which start."""

    features: list[Text]  # display names of the inputs
    names: list[str]  # item names
    inputs: list[list[float]]
    teacher: list[float]
    order: list[int]  # item index of each trial
    weights: list[float]  # initial weights
    threshold: float
    learn_threshold: bool
    strict: bool  # fire on u > θ (True) or u ≥ θ (False)
    lr: float
    epoch_length: int | None = None  # items per epoch, when the schedule runs in epochs
    symbols: list[str] | None = None  # subscripts of x and w, one per feature ("₁", "₂"... by default)
    low: float = 0  # the output when the neuron does not fire: 0, or −1 for bipolar outputs

    def __post_init__(self):
        if self.symbols is None:
            self.symbols = [subscript(j + 1) for j in range(len(self.features))] if len(self.features) > 1 else [""]

    @cached_property
    def run(self):
        """The engine's own run of these trials (the reference the sheet must agree with)."""
        return train_perceptron(self.inputs, self.teacher, self.weights, self.order, self.lr,
                                self.threshold, self.strict, self.learn_threshold, self.low)


def fires_when(strict: bool) -> dict:
    """The firing rule in a sentence, exactly as the sheet states it: u > θ exceeds, u ≥ θ reaches."""
    return ({"en": "exceeds", "ja": "を超えたら"} if strict else {"en": "reaches", "ja": "以上なら"})


def rule_text(strict: bool, low: float = 0) -> dict:
    op = ">" if strict else "≥"
    other = "−1" if low == -1 else "0"
    return {"en": f"y = 1 if u {op} θ, else {other}", "ja": f"u {op} θ なら y = 1、そうでなければ {other}"}


def _sum_formula(p: Items) -> str:
    return "u = " + " + ".join(f"w{s}x{s}" for s in p.symbols)


def _input_columns(p: Items, width: float) -> list[Column]:
    """x₁, x₂... with the feature's name under the symbol (unless the name is the symbol itself)."""
    return [Column(f"x{s}", None if p.features[j] == f"x{s}" else p.features[j], width=width)
            for j, s in enumerate(p.symbols)]


def add_settings(ws: Worksheet, p: Items, extra_rows: list | None = None) -> None:
    """Givens: learning rate, threshold, firing rule, initial weights; then one row per item."""
    lr = ws.given("lr", p.lr, {"en": "learning rate η", "ja": "学習率 η"})
    theta_label = ({"en": "initial threshold θ", "ja": "しきい値 θ (初期値)"} if p.learn_threshold
                   else {"en": "threshold θ", "ja": "しきい値 θ"})
    theta = ws.given(threshold(0), p.threshold, theta_label)
    rows = [[{"en": "learning rate η", "ja": "学習率 η"}, Q(lr)],
            [theta_label, Q(theta)],
            [{"en": "firing rule", "ja": "発火の条件"}, rule_text(p.strict, p.low)]]
    for j, s in enumerate(p.symbols):
        name = ws.given(weight(0, j), p.weights[j], {"en": f"initial weight w{s}", "ja": f"重み w{s} の初期値"})
        f = p.features[j]
        rows.append([{"en": f"initial weight w{s} ({tr(f, 'en')})", "ja": f"重み w{s} の初期値 ({tr(f, 'ja')})"},
                     Q(name)])
    rows.extend(extra_rows or [])
    ws.table(Table("settings", {"en": "Given", "ja": "与えられた値"},
                   [Column({"en": "", "ja": ""}, width=30), Column({"en": "value", "ja": "値"}, width=14)],
                   rows, role="settings"))

    item_rows = []
    for i, name in enumerate(p.names):
        row: list = [name]
        for j, s in enumerate(p.symbols):
            row.append(Q(ws.given(f"x{i}_{j}", p.inputs[i][j], f"{name}: x{s}")))
        row.append(Q(ws.given(f"t{i}", p.teacher[i], {"en": f"{name}: teacher t", "ja": f"{name}: 教師信号 t"})))
        item_rows.append(row)
    ws.table(Table("items", {"en": "Items and teacher signals", "ja": "入力と教師信号"},
                   [Column({"en": "item", "ja": "項目"}, width=14)]
                   + _input_columns(p, 9)
                   + [Column({"en": "teacher t", "ja": "教師信号 t"}, width=10)],
                   item_rows))


def add_trials(ws: Worksheet, p: Items) -> tuple[list[str], str]:
    """One row per trial. Returns the names of the final weights and threshold."""
    n = len(p.features)
    weights = [weight(0, j) for j in range(n)]
    theta = threshold(0)
    rows = []
    for k, i in enumerate(p.order):
        trial = k + 1
        where = {"en": f"trial {trial}", "ja": f"試行{trial}"}
        xs = tuple(f"x{i}_{j}" for j in range(n))

        def label(en, ja):
            return {"en": f"{where['en']}: {en}", "ja": f"{where['ja']}: {ja}"}

        u = ws.answer(f"u{trial}", Step(F.weighted_sum, (xs, tuple(weights))),
                      label("weighted sum u", "総和 u"), _sum_formula(p))
        y = ws.answer(f"y{trial}", Step(F.step, (u, theta), {"strict": p.strict, "low": p.low}),
                      label("output y", "出力 y"), rule_text(p.strict, p.low))
        d = ws.answer(f"d{trial}", Step(F.error, (f"t{i}", y)),
                      label("difference t − y", "誤差 t − y"), "d = t − y")
        new_weights = []
        for j, s in enumerate(p.symbols):
            new_weights.append(ws.answer(
                weight(trial, j), Step(F.delta_rule, (weights[j], xs[j], d, "lr")),
                label(f"new weight w{s}'", f"新しい重み w{s}'"), f"w{s}' = w{s} + η·d·x{s}"))
        new_theta = theta
        if p.learn_threshold:
            new_theta = ws.answer(threshold(trial), Step(F.delta_rule, (theta, -1.0, d, "lr")),
                                  label("new threshold θ'", "新しいしきい値 θ'"), "θ' = θ − η·d")
        row: list = [trial]
        if p.epoch_length:
            row.append(k // p.epoch_length + 1)
        row += [p.names[i], *map(Ref, xs), *map(Ref, weights)]
        if p.learn_threshold:
            row.append(Ref(theta))
        row += [Q(u), Q(y), Ref(f"t{i}"), Q(d), *map(Q, new_weights)]
        if p.learn_threshold:
            row.append(Q(new_theta))
        rows.append(row)
        weights, theta = new_weights, new_theta

    cols = [Column({"en": "trial", "ja": "試行"}, width=6)]
    if p.epoch_length:
        cols.append(Column({"en": "epoch", "ja": "エポック"}, width=8))
    cols.append(Column({"en": "item", "ja": "項目"}, width=14))
    cols += _input_columns(p, 7)
    cols += [Column(f"w{s}", {"en": "before", "ja": "更新前"}, width=7) for s in p.symbols]
    if p.learn_threshold:
        cols.append(Column("θ", {"en": "before", "ja": "更新前"}, width=7))
    cols += [Column({"en": "sum u", "ja": "総和 u"}, _sum_formula(p), width=16),
             Column({"en": "output y", "ja": "出力 y"}, rule_text(p.strict, p.low), width=16),
             Column({"en": "teacher t", "ja": "教師信号 t"}, width=9),
             Column({"en": "difference d", "ja": "誤差 d"}, "d = t − y", width=10)]
    cols += [Column(f"w{s}'", f"w{s} + η·d·x{s}", width=11) for s in p.symbols]
    if p.learn_threshold:
        cols.append(Column("θ'", "θ − η·d", width=9))
    ws.table(Table("trials", {"en": "Trials", "ja": "試行"}, cols, rows))
    return weights, theta


def add_test(ws: Worksheet, p: Items, weights: list[str], theta: str) -> None:
    """Every item once more with the final weights: has the brain learned them all?"""
    n = len(p.features)
    rows = []
    for i, name in enumerate(p.names):
        xs = tuple(f"x{i}_{j}" for j in range(n))
        u = ws.answer(f"test_u{i}", Step(F.weighted_sum, (xs, tuple(weights))),
                      {"en": f"test {name}: weighted sum u", "ja": f"テスト {name}: 総和 u"}, _sum_formula(p))
        y = ws.answer(f"test_y{i}", Step(F.step, (u, theta), {"strict": p.strict, "low": p.low}),
                      {"en": f"test {name}: output y", "ja": f"テスト {name}: 出力 y"}, rule_text(p.strict, p.low))
        rows.append([name, *map(Ref, xs), Q(u), Q(y), Ref(f"t{i}")])
    cols = ([Column({"en": "item", "ja": "項目"}, width=14)]
            + _input_columns(p, 7)
            + [Column({"en": "sum u", "ja": "総和 u"}, _sum_formula(p), width=16),
               Column({"en": "output y", "ja": "出力 y"}, rule_text(p.strict, p.low), width=16),
               Column({"en": "teacher t", "ja": "教師信号 t"}, width=9)])
    ws.table(Table("test", {"en": "Test with the final weights", "ja": "学習後の重みでテスト"}, cols, rows,
                   note={"en": "Use the weights (and threshold) after the last trial.",
                         "ja": "最後の試行のあとの重み(としきい値)を使います。"}))


def hand_friendly(p: Items, min_changes: int = 3, ties: bool = False) -> bool:
    """The sampler's test: enough trials that move a weight, and no sum landing exactly on the threshold
    unless `ties` (whole-number sheets cannot avoid them; the sheet states its rule, ≥ or >, for them)."""
    run = p.run
    tie = (abs(run.u - run.theta[:-1]) < 1e-9).any()
    return (ties or not tie) and int(run.changed.sum()) >= min_changes


def converged(p: Items, ties: bool = False) -> bool:
    """True when the final weights classify every item correctly (and, unless `ties`, none on a tie)."""
    run = p.run
    u = np.asarray(p.inputs, dtype=float) @ run.w[-1]
    y = F.step(u, run.theta[-1], p.strict, p.low)
    tie = (abs(u - run.theta[-1]) < 1e-9).any()
    return bool((y == np.asarray(p.teacher)).all()) and (ties or not tie)



def read_schedule(spec, names: list[str], dice) -> dict:
    """The order of trials, resolved to an explicit list of item names so a stored workbook never
    depends on a random generator.

    `trials` lists every trial; otherwise `order` (default: the items as listed) is presented `epochs`
    times, shuffled afresh each epoch when `shuffle` is true. `epochs` beside `trials` only numbers them.
    """
    known = set(names)
    if spec.has("trials"):
        trials = spec.strings("trials", unique=False)
        epochs = spec.number("epochs", None, integer=True, minimum=1)
        if epochs and len(trials) % epochs:
            raise spec.fail("epochs", f"{len(trials)} trials do not split into {epochs} equal epochs")
    else:
        epochs = spec.number("epochs", 1, integer=True, minimum=1, maximum=50)
        order = spec.strings("order", names, unique=False)
        shuffle = spec.boolean("shuffle", False)
        trials = []
        for _ in range(epochs):
            trials += dice.shuffled(order) if shuffle else order
    for i, name in enumerate(trials):
        if name not in known:
            key = "trials" if spec.has("trials") else "order"
            raise spec.fail(key, f"{name!r} is not an item (items: {', '.join(names)})")
    if len(trials) > 200:
        raise spec.fail("epochs", f"{len(trials)} trials is more than a sheet should hold (200 at most)")
    out = {"trials": trials}
    if epochs and epochs > 1:
        out["epochs"] = epochs
    return out


def epoch_length(schedule: dict) -> int | None:
    epochs = schedule.get("epochs")
    return len(schedule["trials"]) // epochs if epochs else None


def first_clean_epoch(p: Items) -> int | None:
    """The first epoch (1-based) in which no weight moved: from there on the weights stay put."""
    changed = p.run.changed.reshape(-1, p.epoch_length)
    clean = [e for e, row in enumerate(changed) if not row.any()]
    return clean[0] + 1 if clean else None


def worth_running(p: Items, min_epochs: int, max_trials: int, ties: bool) -> bool:
    """A quick pure-Python pass over the trials, for the sampler that tries hundreds of candidates a variant:
    False only when `settle_run` would surely refuse the candidate (a tie where none is allowed, fewer than
    three trials that move a weight, no clean epoch within the bounds); True: ask the engine. The arithmetic
    is the engine's, in its order, so a decision can differ only on a tie, which is refused or handed on."""
    w, theta, lr = [float(v) for v in p.weights], float(p.threshold), float(p.lr)
    length = p.epoch_length or len(p.order)
    moved, moves = [False] * -(-len(p.order) // length), 0
    for k, i in enumerate(p.order):
        x = [float(v) for v in p.inputs[i]]
        gap = sum(a * b for a, b in zip(x, w)) - theta
        if abs(gap) < 1e-10 and (not ties or gap != 0):
            return ties  # a tie refused, or one these sums may not settle exactly: the engine decides
        fired = gap > 0 if p.strict else gap >= 0
        d = float(p.teacher[i]) - (1.0 if fired else float(p.low))
        if d:
            moves, moved[k // length] = moves + 1, True
            w = [wj + lr * (d * xj) for wj, xj in zip(w, x)]
            if p.learn_threshold:
                theta = theta + lr * (d * -1.0)
    clean = next((e + 1 for e, m in enumerate(moved) if not m), None)
    return moves >= 3 and clean is not None and clean >= min_epochs and clean * len(p.names) <= max_trials


def settle_run(params: dict, p: Items, *, min_epochs: int, max_trials: int, ties: bool) -> dict | None:
    """The sampler's verdict on a candidate whose schedule runs many epochs: cut it just after its first
    clean epoch (so the sheet shows the weights settle), or None if it is not hand-friendly: it settles
    too soon (little to compute) or too late (too long by hand), moves a weight fewer than three times,
    or ends with an item still wrong."""
    if not worth_running(p, min_epochs, max_trials, ties):
        return None
    clean = first_clean_epoch(p)
    if clean is None or clean < min_epochs or clean * len(p.names) > max_trials:
        return None
    if not hand_friendly(p, 3, ties=ties) or not converged(p, ties=ties):
        return None
    return {**params, "trials": params["trials"][: clean * len(p.names)], "epochs": clean}


def replay_trials(p: Items, steps: int, typed: dict | None) -> Replay:
    """The `replay` of a perceptron-style kind: the engine's perceptron rule on the sheet's trials, repeated,
    plotting every weight (and a learned threshold)."""
    run = train_perceptron(p.inputs, p.teacher, p.weights, cycle(p.order, steps), p.lr, p.threshold, p.strict,
                           p.learn_threshold, p.low)
    out = Replay({"en": "weight", "ja": "重み"}, sheet_steps=len(p.order))
    quantities = {}
    for j, s in enumerate(p.symbols):
        out.series[f"w{s}"] = run.w[:, j]
        quantities[f"w{s}"] = lambda k, j=j: weight(k, j)
    if p.learn_threshold:
        out.series["θ"] = run.theta
        quantities["θ"] = threshold
    final = run.w[-1]
    errors = count_errors(predict(p.inputs, final, run.theta[-1], p.strict, p.low) - np.asarray(p.teacher))
    out.summary.update(final_weights=final.tolist(), final_threshold=float(run.theta[-1]),
                       errors_with_final_weights=int(errors), changes=int(np.count_nonzero(run.d)))
    return out.draw_learner(typed, quantities)
