"""`gates`: perceptrons with fixed weights as logic gates (ゼロから作るDeep Learning ch. 2).

The learner fills the truth table of each gate, a row (u, y) per input, then builds XOR from two layers:
s₁ = NAND(x₁, x₂) and s₂ = OR(x₁, x₂) are their own outputs from those tables (live references), and the last
gate AND, applied to (s₁, s₂), gives y. A slip in the NAND table is carried into the XOR table.
"""
from __future__ import annotations

import numpy as np

from ..engine import functions as F
from ..engine.logic import INPUTS, STANDARD, truth_table
from ..worksheet.figures import Canvas, boundary, legend
from ..worksheet.graph import Column, Q, Ref, Step, Table, Worksheet, tr
from ..worksheet.slips import Slip
from ..worksheet.spec import MISSING, Spec

KIND = "gates"
TITLE = {"en": "Logic gates from perceptrons: AND, NAND, OR and XOR", "ja": "パーセプトロンで作る論理ゲート: AND, NAND, OR, XOR"}
# `matchbox course`: minutes in the 3-hour and the full-day workshop (0: left out), and what to say first
COURSE = {
    "minutes": {"3h": 0, "day": 20},
    "idea": {"en": "One perceptron with fixed weights is a logic gate: AND, NAND and OR differ only in their weights "
                   "and threshold. XOR needs two layers, because no single straight line separates it.",
             "ja": "重みを固定した1つのパーセプトロンは論理ゲートになります。AND, NAND, OR の違いは重みとしきい値だけです。"
                   "XOR は1本の直線では分けられないため、2層を重ねる必要があります。"},
    "talk": [{"en": "The same neuron, three gates: only the weights and the threshold change.",
              "ja": "同じニューロンでも、重みとしきい値を変えるだけで3種類のゲートになります。"},
             {"en": "Draw each gate's line w₁x₁ + w₂x₂ = θ on the unit square: the inputs that fire lie on one side.",
              "ja": "各ゲートの直線 w₁x₁ + w₂x₂ = θ を単位正方形に描くと、発火する入力は直線の片側に集まります。"},
             {"en": "XOR = AND(NAND, OR): stacking layers does what one line cannot.",
              "ja": "XOR = AND(NAND, OR) です。層を重ねると、1本の直線ではできないことができます。"}],
    "formula": {"en": "u = w₁x₁ + w₂x₂,  y = 1 if u > θ (b = −θ: y = 1 if b + w₁x₁ + w₂x₂ > 0),  "
                      "XOR(x₁, x₂) = AND(NAND(x₁, x₂), OR(x₁, x₂))",
                "ja": "u = w₁x₁ + w₂x₂、 u > θ なら y = 1(b = −θ とすると b + w₁x₁ + w₂x₂ > 0 なら y = 1)、 "
                      "XOR(x₁, x₂) = AND(NAND(x₁, x₂), OR(x₁, x₂))"},
}
# The book's gates, (w₁, w₂, θ) (§2.3.1; §2.3.3 writes them with the bias b = −θ)
BOOK = {"AND": ([0.5, 0.5], 0.7), "NAND": ([-0.5, -0.5], -0.7), "OR": ([0.5, 0.5], 0.2)}
XOR = {"s1": "NAND", "s2": "OR", "y": "AND", "name": "XOR"}
MOST_GATES = 4
ROWS = [tuple(int(v) for v in x) for x in INPUTS]  # (0, 0), (1, 0), (0, 1), (1, 1), as the book lists them
SUB = {"x": ("x₁", "x₂"), "s": ("s₁", "s₂")}
AND_ONE_ONE = {"en": "AND of (1, 1) is 1: both inputs are 1, so the gate fires",
               "ja": "AND の (1, 1) は 1 です(入力が両方とも 1 なので発火します)"}
BIAS_TIE = {"en": "the rule at u = 0 reversed (≥ and > mixed up)", "ja": "u = 0 のときの発火条件の取り違え (≥ と >)"}


def sample(dice) -> dict:
    """The book's three gates with other one-decimal weights; no sum lands on the threshold."""
    def tenths(low, high):
        return dice.randint(low, high) / 10
    w = [tenths(2, 10), tenths(2, 10)]
    gates = [{"name": "AND", "weights": w, "threshold": tenths(round(10 * max(w)) + 1, round(10 * sum(w)) - 1)}]
    w = [-tenths(2, 10), -tenths(2, 10)]
    gates.append({"name": "NAND", "weights": w,
                  "threshold": tenths(round(10 * sum(w)) + 1, round(10 * min(w)) - 1)})
    w = [tenths(2, 10), tenths(2, 10)]
    gates.append({"name": "OR", "weights": w, "threshold": tenths(1, round(10 * min(w)) - 1)})
    form = dice.choice(["threshold", "bias"])
    if form == "bias":
        for g in gates:
            g["bias"] = -g.pop("threshold") + 0.0
    return {"form": form, "rule": ">", "gates": gates}


def settle(params: dict) -> dict | None:
    """No tie (the rule never matters), and at every input but (0, 0) each gate's sum differs from every other
    gate's, so a row copied from the wrong gate shows; not every gate with w₁ = w₂."""
    if any(abs(m) < 1e-9 for g in params["gates"] for m in _margins(g)):
        return None
    first = 1 if params["form"] == "threshold" else 0  # at (0, 0) every threshold-form sum is 0
    sums = [[m - _bias(g) if params["form"] == "threshold" else m for m in _margins(g)] for g in params["gates"]]
    for i in range(len(sums)):
        for j in range(i):
            if any(abs(a - b) < 1e-9 for a, b in zip(sums[i][first:], sums[j][first:])):
                return None
    if all(g["weights"][0] == g["weights"][1] for g in params["gates"]):
        return None
    return params


def _bias(g: dict) -> float:
    return g["bias"] if "bias" in g else -g["threshold"]


def _margins(g: dict) -> list[float]:
    """b + w·x (= w·x − θ) on the four inputs: 0 where the gate is on the fence."""
    return [round(_bias(g) + float(np.dot(g["weights"], x)), 9) for x in INPUTS]


def normalize(spec: Spec, dice) -> dict:
    out: dict = {}
    title = spec.string("title", None)
    if title:
        out["title"] = title
    out["form"] = form = spec.string("form", "threshold", choices=("threshold", "bias"))
    out["rule"] = spec.string("rule", ">", choices=(">", ">="))
    strict = out["rule"] == ">"
    gates = []
    for g in spec.tables("gates", [{"name": n} for n in BOOK]):
        gates.append(_read_gate(g, form, strict))
        g.finish()
    if len(gates) > MOST_GATES:
        raise spec.fail("gates", f"{len(gates)} gates are more than a sheet should hold ({MOST_GATES} at most)")
    names = [g["name"] for g in gates]
    if len(set(names)) != len(names):
        raise spec.fail("gates", "two gates share a name")
    out["gates"] = gates
    default = dict(XOR) if set(XOR.values()) - {"XOR"} <= set(names) else False
    raw = spec.raw("composition", default)
    if raw is False:
        out["composition"] = False
    else:
        if not isinstance(raw, dict):
            raise spec.fail("composition", "expected a table ([composition] with s1, s2, y) or false")
        c = Spec(raw, "composition")
        comp = {k: c.string(k, XOR[k] if default else MISSING, choices=names) for k in ("s1", "s2", "y")}
        layer = [gates[names.index(comp[k])] for k in ("s1", "s2", "y")]
        table = _composed(layer, strict)
        standard = next((n for n, t in STANDARD.items() if t == table), None)
        comp["name"] = c.string("name", "XOR" if comp == {k: XOR[k] for k in comp} else standard or "y")
        if comp["name"] in STANDARD and STANDARD[comp["name"]] != table:
            raise c.fail("name", f"{comp['y']}({comp['s1']}, {comp['s2']}) gives {table} on (0, 0), (1, 0), "
                                 f"(0, 1), (1, 1), not {comp['name']}")
        if comp["name"] in names:
            raise c.fail("name", f"{comp['name']!r} is already a gate's name")
        c.finish()
        out["composition"] = comp
    spec.finish("kind")
    return out


def _read_gate(g: Spec, form: str, strict: bool) -> dict:
    name = g.string("name")
    if len(name) > 12:
        raise g.fail("name", f"at most 12 characters, got {name!r}")
    book = BOOK.get(name)
    out = {"name": name, "weights": g.numbers("weights", book[0] if book else MISSING, length=2)}
    if g.has("threshold") and g.has("bias"):
        raise g.fail("bias", "give either threshold or bias (b = −θ), not both")
    if g.has("bias"):
        b = g.number("bias")
    elif g.has("threshold") or book:
        b = -g.number("threshold", book[1] if book else MISSING)
    else:
        raise g.fail("threshold", "is required (or give bias, b = −θ)")
    b += 0.0
    out.update({"threshold": -b + 0.0} if form == "threshold" else {"bias": b})
    table = truth_table(out["weights"], b, strict)
    if name in STANDARD and STANDARD[name] != table:
        why = " (no single straight line separates it)" if name in ("XOR", "XNOR") else ""
        raise g.fail("weights", f"{name} with these weights and {'threshold' if form == 'threshold' else 'bias'} "
                                f"gives {table} on (0, 0), (1, 0), (0, 1), (1, 1), not {STANDARD[name]}{why}")
    return out


def _composed(layer: list[dict], strict: bool) -> tuple:
    s = np.array([truth_table(g["weights"], _bias(g), strict) for g in layer[:2]], float).T
    return tuple(int(v) for v in F.step(s @ np.asarray(layer[2]["weights"], float) + _bias(layer[2]), 0.0,
                                        strict=strict))


def _num(v: float) -> str:
    return f"{v:g}".replace("-", "−")


def _sum_text(g: dict, form: str, syms: tuple[str, str]) -> str:
    terms = [] if form == "threshold" else [_num(g["bias"])]
    for w, s in zip(g["weights"], syms):
        text = f"{_num(abs(w))}{s}"
        terms.append(("−" if w < 0 else "") + text if not terms else ("− " if w < 0 else "+ ") + text)
    return "u = " + " ".join(terms)


def _fire_text(g: dict, form: str, op: str) -> dict:
    limit = _num(g["threshold"]) if form == "threshold" else "0"
    return {"en": f"y = 1 if u {op} {limit}, else 0", "ja": f"u {op} {limit} なら y = 1、そうでなければ 0"}


def build(params: dict) -> Worksheet:
    form, strict = params["form"], params["rule"] == ">"
    op = ">" if strict else "≥"
    gates, comp = params["gates"], params["composition"]
    names = [g["name"] for g in gates]
    limit = "θ" if form == "threshold" else "0"
    fire = {"en": f"y = 1 if u {op} {limit}, otherwise 0",
            "ja": f"u が {limit} を超えたら発火して y = 1、そうでなければ y = 0" if strict else
                  f"u が {limit} 以上なら発火して y = 1、そうでなければ y = 0"}
    u_text = "u = w₁x₁ + w₂x₂" if form == "threshold" else "u = b + w₁x₁ + w₂x₂"
    intro = {"en": f"Each logic gate here is one perceptron with fixed weights. For each row of a gate's truth "
                   f"table compute the sum {u_text} and the output y: {fire['en']}.",
             "ja": f"ここでの論理ゲートは、どれも重みを固定した1つのパーセプトロンです。各ゲートの真理値表の行ごとに、"
                   f"総和 {u_text} と出力 y を求めます。{fire['ja']}です。"}
    if form == "bias":
        intro = {"en": intro["en"] + " The bias b is the threshold moved to the left: b = −θ.",
                 "ja": intro["ja"] + "バイアス b は、しきい値を左辺に移したものです (b = −θ)。"}
    if comp:
        s1, s2, last, cname = comp["s1"], comp["s2"], comp["y"], comp["name"]
        intro = {"en": intro["en"] + f" Then stack two layers: s₁ = {s1}(x₁, x₂) and s₂ = {s2}(x₁, x₂) are the "
                                     f"outputs you found in those tables, and {last}(s₁, s₂) gives "
                                     f"y = {cname}(x₁, x₂).",
                 "ja": intro["ja"] + f"次に2つの層を重ねます。s₁ = {s1}(x₁, x₂)、s₂ = {s2}(x₁, x₂) には上の表で"
                                     f"求めた出力をそのまま使い、{last}(s₁, s₂) が y = {cname}(x₁, x₂) になります。"}
    whole = all(float(v).is_integer() for g in gates for v in g["weights"] + [_bias(g)])
    shown = names + ([comp["name"]] if comp else [])
    title = {"en": f"{TITLE['en'].split(':')[0]}: {', '.join(shown[:-1])} and {shown[-1]}" if len(shown) > 1
             else f"{TITLE['en'].split(':')[0]}: {shown[0]}", "ja": f"{TITLE['ja'].split(':')[0]}: {', '.join(shown)}"}
    ws = Worksheet(KIND, params.get("title") or title, intro, {
        "en": "Every number is exact: no rounding. " + ("u is a whole number" if whole else
                                                         "u has as many decimals as the weights")
              + ", and y is 0 or 1.",
        "ja": "丸めは不要です。" + ("u は整数" if whole else "u は重みと同じ桁数の小数") + "で、y は 0 か 1 です。"})

    rows, given = [], {}
    for i, g in enumerate(gates):
        n = g["name"]
        w1 = ws.given(f"g{i}_w1", g["weights"][0], {"en": f"{n}: weight w₁", "ja": f"{n}: 重み w₁"})
        w2 = ws.given(f"g{i}_w2", g["weights"][1], {"en": f"{n}: weight w₂", "ja": f"{n}: 重み w₂"})
        if form == "threshold":
            t = ws.given(f"g{i}_theta", g["threshold"], {"en": f"{n}: threshold θ", "ja": f"{n}: しきい値 θ"})
        else:
            t = ws.given(f"g{i}_b", g["bias"], {"en": f"{n}: bias b", "ja": f"{n}: バイアス b"})
        given[n] = (w1, w2, t)
        rows += [[ws.quantities[q].label, Q(q)] for q in (w1, w2, t)]
    rows.append([{"en": "firing rule", "ja": "発火の条件"}, {"en": f"u {op} {limit}", "ja": f"u {op} {limit}"}])
    ws.table(Table("settings", {"en": "Given: the gates' weights", "ja": "与えられた値: 各ゲートの重み"},
                   [Column({"en": "", "ja": ""}, width=24), Column({"en": "value", "ja": "値"}, width=10)],
                   rows, role="settings"))

    def u_step(g, x, syms, slips=()):
        w1, w2, t = given[g["name"]]
        if form == "threshold":
            return Step(F.weighted_sum, (x, (w1, w2)), slips=slips)
        return Step(F.affine_sum, (x, (w1, w2), t), slips=slips)

    def y_step(g, u, slips=()):
        t = given[g["name"]][2]
        if form == "threshold":
            return Step(F.step, (u, t), {"strict": strict}, slips=slips)
        return Step(F.step, (u,), {"strict": strict},
                    slips=(Slip("tie-rule", kwargs={"strict": not strict}, name=BIAS_TIE),) + slips)

    def copied(g_names, a, b):  # the sum of another gate's table at the same inputs
        return tuple(Slip(f"row-copied-from-{h}", F.identity, (f"g{names.index(h)}_u{a}{b}",),
                          name={"en": f"the row copied from the {h} table (its u at the same inputs)",
                                "ja": f"{h} の表の同じ入力の行を写しています (u は {h} の値です)"})
                     for h in g_names)

    def columns(g, syms, extra=()):
        return ([Column(s, width=6) for s in SUB["x"]] + list(extra)
                + [Column({"en": "sum u", "ja": "総和 u"}, _sum_text(g, form, syms), width=22 if form == "threshold" else 27),
                   Column({"en": "output y", "ja": "出力 y"}, _fire_text(g, form, op), width=20)])

    for i, g in enumerate(gates):
        n, table_rows = g["name"], []
        for a, b in ROWS:
            where = {"en": f"{n} ({a}, {b})", "ja": f"{n} の ({a}, {b})"}
            u = ws.answer(f"g{i}_u{a}{b}", u_step(g, [a, b], SUB["x"], copied([h for h in names if h != n], a, b)),
                          {"en": f"{where['en']}: sum u", "ja": f"{where['ja']}: 総和 u"}, _sum_text(g, form, SUB["x"]))
            one_one = (Slip("and-one-one", lambda *args, **kw: 0.0, name=AND_ONE_ONE),) \
                if n == "AND" and (a, b) == (1, 1) else ()
            y = ws.answer(f"g{i}_y{a}{b}", y_step(g, u, one_one),
                          {"en": f"{where['en']}: output y", "ja": f"{where['ja']}: 出力 y"}, _fire_text(g, form, op))
            table_rows.append([a, b, Q(u), Q(y)])
        ws.table(Table(f"gate{i}", {"en": f"Truth table of {n}", "ja": f"{n} の真理値表"}, columns(g, SUB["x"]),
                       table_rows))

    if comp:
        g = gates[names.index(last)]
        table_rows = []
        for a, b in ROWS:
            s = (f"g{names.index(s1)}_y{a}{b}", f"g{names.index(s2)}_y{a}{b}")
            w1, w2, t = given[last]
            on_inputs = Slip("gate-on-inputs", args=(([a, b], (w1, w2)) if form == "threshold" else
                                                     ([a, b], (w1, w2), t)),
                             name={"en": f"{last} applied to x₁, x₂ instead of s₁, s₂",
                                   "ja": f"s₁, s₂ ではなく x₁, x₂ に {last} を適用しています"})
            where = {"en": f"{cname} ({a}, {b})", "ja": f"{cname} の ({a}, {b})"}
            others = [h for h in names if h != last and h not in (cname,)]
            u = ws.answer(f"c_u{a}{b}", u_step(g, s, SUB["s"], (on_inputs,) + copied(others, a, b)),
                          {"en": f"{where['en']}: sum u of {last}(s₁, s₂)",
                           "ja": f"{where['ja']}: {last}(s₁, s₂) の総和 u"}, _sum_text(g, form, SUB["s"]))
            y = ws.answer(f"c_y{a}{b}", y_step(g, u), {"en": f"{where['en']}: output y", "ja": f"{where['ja']}: 出力 y"},
                          _fire_text(g, form, op))
            table_rows.append([a, b, Ref(s[0]), Ref(s[1]), Q(u), Q(y)])
        extra = [Column("s₁", f"{s1}(x₁, x₂)", width=12), Column("s₂", f"{s2}(x₁, x₂)", width=12)]
        ws.table(Table("composition", {"en": f"{cname} from two layers: y = {last}(s₁, s₂)",
                                       "ja": f"2層で作る {cname}: y = {last}(s₁, s₂)"},
                       columns(g, SUB["s"], extra), table_rows,
                       note={"en": f"s₁ and s₂ are your outputs y from the {s1} and {s2} tables.",
                             "ja": f"s₁ と s₂ は、{s1} と {s2} の表で求めた自分の出力 y です。"}))
    return ws


FIRES = {"en": "y = 1", "ja": "y = 1"}
QUIET = {"en": "y = 0", "ja": "y = 0"}
SHEET_GATE = {"en": "{n}: the line {line}. Blacken the inputs where y = 1.",
              "ja": "{n}: 直線 {line}。y = 1 となる入力を塗りつぶしてください。"}
KEY_GATE = {"en": "{n}: the line {line}; the shaded side fires.", "ja": "{n}: 直線 {line}。網かけの側で発火します。"}
NOT_ONE_LINE = {"en": "{c}: no single straight line separates its 1s from its 0s; the {s1} and {s2} lines "
                      "together cut out where y = 1.",
                "ja": "{c}: 1 と 0 を1本の直線で分けることはできません。{s1} と {s2} の2本の直線を組み合わせると、"
                      "y = 1 の領域を切り出せます。"}
COMPOSED = {"en": "{c} = {y}(s₁, s₂), with the {s1} and {s2} lines", "ja": "{c} = {y}(s₁, s₂)。{s1} と {s2} の直線です。"}


def _fires(g: dict, strict: bool):
    return lambda x1, x2: F.step(_bias(g) + g["weights"][0] * x1 + g["weights"][1] * x2, 0.0, strict=strict) == 1


def _panel(width: int, fires=None, color: str = "") -> Canvas:
    """The unit square, shaded where `fires(x₁, x₂)` (in the key)."""
    c = Canvas(width, width, -0.45, 1.45, -0.45, 1.45, margin=22)
    if fires is not None:
        _shade(c, fires, color)
    c.raw(f'<rect x="{c.X(0):.1f}" y="{c.Y(1):.1f}" width="{c.X(1) - c.X(0):.1f}" height="{c.Y(0) - c.Y(1):.1f}" '
          'fill="none" stroke="#999" stroke-width="0.6"/>')
    for v in (0, 1):
        c.text(c.X(v), c.h - c.m + 12, str(v), 8)
        c.text(c.m - 5, c.Y(v) + 3, str(v), 8, "end")
    c.text(c.w - 6, c.h - c.m + 12, "x₁", 9, "end")
    c.text(c.m - 4, c.m - 6, "x₂", 9, "start")
    return c


def _shade(c: Canvas, fires, color: str) -> None:
    """The region where `fires(x₁, x₂)`, as runs of thin opaque strips, overlapping so no seam shows (any shape:
    a half-plane, a band)."""
    n = 60
    xs = np.linspace(c.x0, c.x1, n + 1)
    mids = (xs[:-1] + xs[1:]) / 2
    for k in range(n):
        on = [bool(fires(x, mids[k])) for x in mids] + [False]
        start = None
        for j, v in enumerate(on):
            if v and start is None:
                start = j
            elif not v and start is not None:
                x, y = c.X(xs[start]), c.Y(xs[k + 1])
                c.raw(f'<rect x="{x:.1f}" y="{y:.1f}" width="{c.X(xs[j]) - x:.1f}" height="{c.Y(xs[k]) - y + 0.8:.1f}" '
                      f'fill="{color}"/>')
                start = None


def _points(c: Canvas, ys) -> None:
    for (a, b), y in zip(ROWS, ys):
        fill = "#111" if y == 1 else "white"
        c.raw(f'<circle cx="{c.X(a):.1f}" cy="{c.Y(b):.1f}" r="5" fill="{fill}" stroke="#111" stroke-width="1.2"/>')


def _line(c: Canvas, g: dict, color: str, width: float = 1.8) -> None:
    boundary(c, _bias(g), g["weights"][0], g["weights"][1], 0.0, width, color)


def figures(variant, lang: str, key: bool) -> list[dict]:
    """Each gate's line on the unit square (the key fills the inputs that fire and shades the side that fires);
    then the composed gate's points with both first-layer lines: no single line separates XOR."""
    p = variant.params
    strict, form, gates, comp = p["rule"] == ">", p["form"], p["gates"], p["composition"]
    values = variant.worksheet.answer_key()
    out = []
    for i, g in enumerate(gates):
        c = _panel(150, _fires(g, strict) if key else None, "#f7dada")
        _line(c, g, "#b00")
        _points(c, [values[f"g{i}_y{a}{b}"] if key else 0 for a, b in ROWS])
        line = _sum_text(g, form, SUB["x"])[4:] + f" = {_num(g['threshold']) if form == 'threshold' else 0}"
        text = tr(KEY_GATE if key else SHEET_GATE, lang).format(n=g["name"], line=line)
        out.append({"svg": c.svg(), "caption": text})
    if comp:
        names = [g["name"] for g in gates]
        first, second, last = (gates[names.index(comp[k])] for k in ("s1", "s2", "y"))
        both = lambda a, b: F.step(_bias(last) + last["weights"][0] * _fires(first, strict)(a, b)  # noqa: E731
                                   + last["weights"][1] * _fires(second, strict)(a, b), 0.0, strict=strict) == 1
        c = _panel(180, both if key else None, "#dae6f7")
        _line(c, first, "#06c")
        _line(c, second, "#b00")
        _points(c, [values[f"c_y{a}{b}"] if key else 0 for a, b in ROWS])
        marks = [("line", "#06c", {"en": f"s₁: {comp['s1']}", "ja": f"s₁: {comp['s1']}"}),
                 ("line", "#b00", {"en": f"s₂: {comp['s2']}", "ja": f"s₂: {comp['s2']}"})]
        if key:
            marks += [("dot", "#111", FIRES), ("ring", "#111", QUIET)]
        table = _composed([first, second, last], strict)
        words = NOT_ONE_LINE if table in (STANDARD["XOR"], STANDARD["XNOR"]) else COMPOSED
        text = tr(words, lang).format(c=comp["name"], y=comp["y"], s1=comp["s1"], s2=comp["s2"])
        out.append({"svg": c.svg() + "<br>" + legend(marks, lang, per_row=2, column=90), "caption": text})
    return out
