"""`matchbox`: the matchbox brain (マッチ箱の脳) proper.

Items with yes/no features (which snacks are in the basket), a teacher signal from a rule (over budget) or
a table, whole-number weights (matchsticks in boxes), a threshold fixed or learned, and a schedule of trials.
"""
from __future__ import annotations

from itertools import combinations

from ..worksheet.graph import Worksheet, tr
from ..worksheet.replay import Replay
from ..worksheet.spec import Spec, outputs, rule_is_strict, teacher
from .parts.trials import (Items, add_settings, fires_when, add_test, add_trials, epoch_length, read_schedule, replay_trials,
                           settle_run)

KIND = "matchbox"
TITLE = {"en": "The matchbox brain", "ja": "マッチ箱の脳"}
# `matchbox course`: minutes in the 3-hour and the full-day workshop (0: left out), and what to say first
COURSE = {
    "minutes": {"3h": 20, "day": 35},
    "idea": {"en": "Each box holds matchsticks, one box per feature: the weights. A wrong answer adds or takes "
                   "away a stick until every item is answered right.",
             "ja": "特徴ごとの箱に入ったマッチ棒の本数が重みです。"
                   "答えを間違えるたびに棒を足したり抜いたりして、すべての品物に正しく答えられるまで続けます。"},
    "talk": [{"en": "Hand out real matchboxes if you can: moving a stick is the whole learning rule.",
              "ja": "できれば本物のマッチ箱を配ります。棒を1本動かすことが学習規則のすべてです。"},
             {"en": "Read the firing rule aloud as the sheet states it (≥ or >): ties decide many trials.",
              "ja": "発火の条件はシートのとおり(≥ か >)に読み上げます。等しい場合の扱いで結果が変わる試行があります。"},
             {"en": "The weights before each trial come from the row above: no need to copy them again.",
              "ja": "各試行の更新前の重みは上の行から引き継ぎます。"}],
    "formula": {"en": "u = Σ wᵢxᵢ,  y = 1 if u ≥ θ (or u > θ),  d = t − y,  wᵢ' = wᵢ + η·d·xᵢ,  θ' = θ − η·d",
                "ja": "u = Σ wᵢxᵢ、 u ≥ θ(または u > θ)なら y = 1、 d = t − y、 wᵢ' = wᵢ + η·d·xᵢ、 θ' = θ − η·d"},
}
SNACKS = [{"en": "chocolate", "ja": "チョコ"}, {"en": "chips", "ja": "ポテチ"}, {"en": "cookies", "ja": "クッキー"},
          {"en": "gummies", "ja": "グミ"}, {"en": "rice crackers", "ja": "せんべい"}, {"en": "candy", "ja": "あめ"}]
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def sample(dice) -> dict:
    """A candidate: three snacks with prices, five or six baskets, over budget or not."""
    features = dice.sample(SNACKS, 3)
    prices = [dice.randint(5, 20) * 10 for _ in features]
    baskets = [[int(j in combo) for j in range(3)] for r in (1, 2, 3) for combo in combinations(range(3), r)]
    baskets = dice.sample(baskets, dice.randint(5, 6))
    totals = sorted({sum(p * x for p, x in zip(prices, b)) for b in baskets})
    budget = dice.choice(totals[1:-1] or totals)  # a budget that splits the baskets
    learn = dice.choice([False, True])
    return {
        "features": features,
        "teacher_rule": {"prices": prices, "budget": budget},
        "items": [{"name": LETTERS[i], "inputs": b} for i, b in enumerate(baskets)],
        "initial_weights": [dice.randint(0, 2) for _ in features],
        "threshold": dice.randint(1, 3),
        "learn_threshold": learn,
        "rule": dice.choice([">=", ">"]),
        "learning_rate": 1,
        "epochs": 6,
        "shuffle": True,
    }


def settle(params: dict) -> dict | None:
    p = items(params)
    if not (2 <= sum(p.teacher) <= len(p.teacher) - 2):  # both answers, more than once each
        return None
    return settle_run(params, p, min_epochs=2, max_trials=20, ties=True)


def _text(spec: Spec, key: str, value):
    """A name given as one string, or as a table {en = ..., ja = ...}."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, dict):
        t = Spec(value, spec.path(key))
        out = {"en": t.string("en"), "ja": t.string("ja", None) or t.data["en"]}
        t.finish()
        return out
    raise spec.fail(key, f"expected a name (a string, or a table with en and ja), got {value!r}")


def normalize(spec: Spec, dice) -> dict:
    out: dict = {}
    title = spec.string("title", None)
    if title:
        out["title"] = title
    raw = spec.raw("features", None)
    if not isinstance(raw, list) or not raw:
        raise spec.fail("features", "expected a list of feature names, one per input")
    features = [_text(spec, f"features[{j}]", f) for j, f in enumerate(raw)]
    n = len(features)
    out["features"] = features
    out["outputs"] = outputs(spec)
    low = out["outputs"][0]
    rule = spec.table("teacher_rule", None)
    if rule is not None:
        prices = rule.numbers("prices", length=n)
        budget = rule.number("budget")
        rule.finish()
        out["teacher_rule"] = {"prices": prices, "budget": budget}
    items = []
    for it in spec.tables("items"):
        inputs = it.numbers("inputs", length=n)
        if rule is not None:
            total = sum(p * x for p, x in zip(prices, inputs))
            over = 1 if total > budget else low
            t = teacher(it, low, over)
            if t != over:
                raise it.fail("teacher", f"is {t}, but teacher_rule says {over} (total {total} vs budget {budget})")
        else:
            t = teacher(it, low)
        items.append({"name": it.string("name", LETTERS[len(items) % 26]), "inputs": inputs, "teacher": t})
        it.finish()
    names = [i["name"] for i in items]
    if len(set(names)) != len(names):
        raise spec.fail("items", "two items share a name")
    out["items"] = items
    out["initial_weights"] = spec.numbers("initial_weights", [0] * n, length=n)
    out["threshold"] = spec.number("threshold", 1)
    out["learn_threshold"] = spec.boolean("learn_threshold", False)
    out["rule"] = ">" if rule_is_strict(spec) else ">="
    out["learning_rate"] = spec.number("learning_rate", 1, above=0)
    out.update(read_schedule(spec, names, dice))
    spec.finish("kind")
    return out


def items(params: dict) -> Items:
    its = params["items"]
    names = [i["name"] for i in its]
    return Items(features=params["features"], names=names, inputs=[i["inputs"] for i in its],
                 teacher=[i["teacher"] for i in its], order=[names.index(n) for n in params["trials"]],
                 weights=params["initial_weights"], threshold=params["threshold"],
                 learn_threshold=params["learn_threshold"], strict=params["rule"] == ">",
                 lr=params["learning_rate"], epoch_length=epoch_length(params), low=params["outputs"][0])


def build(params: dict) -> Worksheet:
    learn = params["learn_threshold"]
    fires = fires_when(params["rule"] == ">")
    ws = Worksheet(KIND, params.get("title", TITLE), {
        "en": ("Each box holds matchsticks: its weight. For each trial, add up the weights of the inputs that "
               "are present (u), fire (y = 1) if u " + fires["en"] + " the threshold, compare with the teacher signal "
               "(d = t − y) and move the sticks: w' = w + η·d·x"
               + (", and the threshold θ' = θ − η·d" if learn else "")
               + ". The next trial starts from the new weights. Finally test every item with the final weights."),
        "ja": ("マッチ箱に入ったマッチ棒の本数が重みです。試行ごとに、入力がある箱の重みを足して総和 u を求め、"
               "u がしきい値 θ " + fires["ja"] + "発火(y = 1)します。教師信号と比べて誤差 d = t − y を求め、"
               "マッチ棒を動かします: w' = w + η·d·x"
               + ("、しきい値も θ' = θ − η·d" if learn else "")
               + "。次の試行は新しい重みから始めます。最後に、学習後の重みで全項目をテストします。"),
    }, {"en": "All numbers on this sheet are exact: no rounding.",
        "ja": "このシートの計算はすべて割り切れるので、四捨五入の必要はありません。"})
    extra = []
    rule = params.get("teacher_rule")
    if rule:
        for f, price in zip(params["features"], rule["prices"]):
            extra.append([{"en": f"price of {tr(f, 'en')}", "ja": f"{tr(f, 'ja')}の値段"}, price])
        extra.append([{"en": "teacher t = 1 when the basket costs more than",
                       "ja": "予算(合計がこれを超えたら教師信号 t = 1)"}, rule["budget"]])
    p = items(params)
    add_settings(ws, p, extra)
    weights, theta = add_trials(ws, p)
    add_test(ws, p, weights, theta)
    return ws


def figures(variant, lang: str, key: bool) -> list[dict]:
    """The matchboxes with their starting matchsticks and the threshold; the key adds the boxes at the end."""
    from ..worksheet.figures import matchboxes
    from .parts.trials import threshold, weight
    p = items(variant.params)
    names = [tr(f, lang) for f in variant.params["features"]]
    rule = "≥" if variant.params["rule"] == ">=" else ">"
    out = [matchboxes(names, p.weights, p.threshold, rule, lang=lang)]
    if key and p.order:
        values, last = variant.worksheet.answer_key(), len(p.order)
        theta = values[threshold(last)] if p.learn_threshold else p.threshold
        out.append(matchboxes(names, [values[weight(last, j)] for j in range(len(names))], theta, rule, True,
                              lang=lang))
    return out


def replay(variant, steps: int, typed: dict | None) -> Replay:
    return replay_trials(items(variant.params), steps, typed)
