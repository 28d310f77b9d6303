"""`forward`: a 3-layer network's forward pass in matrix form, as ゼロから作るDeep Learning §3.4 writes it:
A⁽¹⁾ = XW⁽¹⁾ + B⁽¹⁾, Z⁽¹⁾ = h(A⁽¹⁾), A⁽²⁾ = Z⁽¹⁾W⁽²⁾ + B⁽²⁾, ..., the output through the identity (Y = A⁽³⁾)
or the softmax (each row, its largest value subtracted first).

X holds one sample a row (a batch of 1 to 3), W⁽ˡ⁾ is shaped (inputs, neurons) as the book's code has it
(x @ W), so Wₖⱼ is the weight from input k to neuron j. Before any number, the learner writes the shape of each
A⁽ˡ⁾ as two exact cells, its rows and its columns: (N × K)·(K × M) gives N × M. That is the check the book
teaches (§3.3.3: the inner numbers must agree, the outer ones give the result), and asking the rows of every
layer, not just the first, is the point of a batch (§3.6.3): the samples go through side by side and N never
changes, while the columns follow each layer's neurons. (The count of multiply-adds, N·K·M, would be a lesson
on cost, not on shapes.) Then each layer is a table laid out as its matrices: a row per sample, A⁽ˡ⁾'s columns
(Aᵢⱼ = Σₖ Zᵢₖ Wₖⱼ + Bⱼ: row i of the input times column j of W, plus Bⱼ) and then Z⁽ˡ⁾ = h(A⁽ˡ⁾).

`check` names: W transposed (Wx instead of xW, only possible on a square layer), the bias B forgotten, the
activation skipped between layers (A⁽ˡ⁾ fed on where Z⁽ˡ⁾ belongs) and, with the identity output, the hidden
activation applied to the output layer too.
"""
from __future__ import annotations

from ..engine import functions as F
from ..engine import matrices as M
from ..worksheet.figures import Canvas
from ..worksheet.graph import EXACT, Column, Q, Ref, Step, Table, Worksheet, tr
from ..worksheet.slips import Slip
from ..worksheet.spec import Spec
from .parts.network import ACTIVATIONS, one_decimal, precision_note, read_precision, rounded
from .parts.trials import subscript

KIND = "forward"
TITLE = {"en": "The forward pass of a network, in matrix form", "ja": "行列で計算するニューラルネットワークの順伝播"}
# `matchbox course`: minutes in the 3-hour and the full-day workshop (0: left out), and what to say first
COURSE = {
    "minutes": {"3h": 0, "day": 25},
    "idea": {"en": "A layer is one matrix product: A = XW + B, then Z = h(A). The shapes tell you what can be "
                   "multiplied, and a batch of samples goes through side by side as the rows of X.",
             "ja": "1つの層の計算は行列の積 A = XW + B と、それに続く Z = h(A) です。行列の形状を見れば掛けられるかどうかが"
                   "わかり、複数のサンプルは X の行として並んだまま一度に計算されます。"},
    "talk": [{"en": "Write the shapes first: (N × K)·(K × M) gives N × M. The inner numbers must agree.",
              "ja": "先に形状を書きます。(N × K)·(K × M) は N × M になり、内側の数がそろっていなければ掛けられません。"},
             {"en": "Row i of the input times column j of W, plus Bⱼ: a row of A is one sample.",
              "ja": "入力の i 行と W の j 列を掛けて足し、Bⱼ を加えます。A の1行が1つのサンプルです。"},
             {"en": "The output layer uses the identity (regression) or the softmax (classification), not h.",
              "ja": "出力層では h ではなく、恒等関数(回帰)かソフトマックス関数(分類)を使います。"}],
    "formula": {"en": "A⁽¹⁾ = XW⁽¹⁾ + B⁽¹⁾,  Z⁽¹⁾ = h(A⁽¹⁾),  A⁽²⁾ = Z⁽¹⁾W⁽²⁾ + B⁽²⁾,  ...,  Y = σ_out(A⁽³⁾)",
                "ja": "A⁽¹⁾ = XW⁽¹⁾ + B⁽¹⁾、 Z⁽¹⁾ = h(A⁽¹⁾)、 A⁽²⁾ = Z⁽¹⁾W⁽²⁾ + B⁽²⁾、 …、 Y = σ_out(A⁽³⁾)"},
}
# the book's network (§3.4.3, init_network): the default spec
BOOK = {"inputs": [[1.0, 0.5]],
        "weights": [[[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]], [[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]], [[0.1, 0.3], [0.2, 0.4]]],
        "biases": [[0.1, 0.2, 0.3], [0.1, 0.2], [0.1, 0.2]]}
HIDDEN = ("sigmoid", "relu", "tanh")
MOST_ROWS, MOST_UNITS, MOST_BOXES = 3, 4, 80
SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")

BIAS_FORGOTTEN = {"en": "bias B forgotten (XW instead of XW + B)", "ja": "バイアス B の足し忘れ (XW + B ではなく XW)"}
TRANSPOSED = {"en": "W transposed (Wx instead of xW: row j of W used instead of column j)",
              "ja": "重み W の行と列の取り違え (xW ではなく Wx。W の j 列ではなく j 行を使用)"}


def sup(layer: int) -> str:
    return f"⁽{str(layer).translate(SUP)}⁾"


def sample(dice) -> dict:
    """A 2–3–2–2, 2–2–2–2 or 3–2–2–2 network, one-decimal inputs and weights, a batch of 1 or 2 rows (1 with
    the softmax, to keep the boxes workable by hand)."""
    sizes = dice.choice([(2, 3, 2, 2), (2, 2, 2, 2), (3, 2, 2, 2)])
    output = dice.choice(["identity", "identity", "softmax"])
    rows = 1 if output == "softmax" else dice.choice([1, 2])
    return {"inputs": [[one_decimal(dice, -1, 1, nonzero=True) for _ in range(sizes[0])] for _ in range(rows)],
            "weights": [[[one_decimal(dice, -1, 1, nonzero=True) for _ in range(m)] for _ in range(k)]
                        for k, m in zip(sizes, sizes[1:])],
            "biases": [[one_decimal(dice, -0.5, 0.5) for _ in range(m)] for m in sizes[1:]],
            "hidden": dice.choice(["sigmoid", "relu"]), "output": output}


def settle(params: dict) -> dict | None:
    """Refuse a draw where a slip could not show or ReLU does nothing: a layer without a bias, a square W equal
    to its transpose, two equal samples, a ReLU at exactly 0, a sample whose ReLU layer is all 0 or a ReLU that
    never cuts, an identity output whose h(A) would equal A, or numbers too big to work by hand."""
    key, layers = build(params).key(), len(params["weights"])
    if any(not any(b) for b in params["biases"]) or len({tuple(r) for r in params["inputs"]}) < len(params["inputs"]):
        return None
    if not any(len(w) == len(w[0]) and any(w[k][j] != w[j][k] for k in range(len(w)) for j in range(len(w)))
               for w in params["weights"]):
        return None
    a = {l: [[key[f"A{l}_{i + 1}_{j + 1}"] for j in range(len(params["biases"][l - 1]))]
             for i in range(len(params["inputs"]))] for l in range(1, layers + 1)}
    if any(abs(v) > 4 for rows in a.values() for row in rows for v in row):
        return None
    if params["hidden"] == "relu":
        hidden = [v for l in range(1, layers) for row in a[l] for v in row]
        if any(abs(v) < 1e-9 for v in hidden) or min(hidden) > 0:
            return None
        if any(max(row) <= 0 for l in range(1, layers) for row in a[l]):
            return None
        if params["output"] == "identity" and min(v for row in a[layers] for v in row) >= 0:
            return None
    return params


def _matrix(spec: Spec, key: str, value, rows: int | None = None, cols: int | None = None) -> list[list]:
    """A rectangular matrix of numbers; `rows`, `cols`: the shape it must have where the network says so."""
    if not (isinstance(value, list) and value and all(isinstance(r, list) and r for r in value)
            and len({len(r) for r in value}) == 1):
        raise spec.fail(key, "expected a matrix: a list of rows of numbers, all of the same length")
    out = []
    for r in value:
        if any(isinstance(v, bool) or not isinstance(v, (int, float)) or v != v or abs(v) == float("inf") for v in r):
            raise spec.fail(key, f"expected numbers, got {r!r}")
        out.append([int(v) if float(v).is_integer() else v for v in r])
    if rows is not None and len(out) != rows:
        raise spec.fail(key, f"expected {rows} rows (one per input of the layer, as x @ W reads it), got {len(out)}")
    if not 1 <= len(out[0]) <= MOST_UNITS:
        raise spec.fail(key, f"expected 1 to {MOST_UNITS} columns (neurons), got {len(out[0])}")
    return out


def normalize(spec: Spec, dice) -> dict:
    out: dict = {}
    title = spec.string("title", None)
    if title:
        out["title"] = title
    given = spec.has("weights")
    x = spec.raw("inputs", BOOK["inputs"])
    x = _matrix(spec, "inputs", [x] if isinstance(x, list) and x and not isinstance(x[0], list) else x)
    if len(x) > MOST_ROWS:
        raise spec.fail("inputs", f"a batch of 1 to {MOST_ROWS} rows (samples), got {len(x)}")
    weights = spec.raw("weights", BOOK["weights"])
    if not isinstance(weights, list) or not 2 <= len(weights) <= 3:
        raise spec.fail("weights", "expected 2 or 3 weight matrices W⁽¹⁾, W⁽²⁾[, W⁽³⁾], each shaped (inputs, neurons)")
    ws, width = [], len(x[0])
    for l, w in enumerate(weights):
        ws.append(_matrix(spec, f"weights[{l}]", w, rows=width))
        width = len(ws[-1][0])
    if given and not spec.has("biases"):
        raise spec.fail("biases", "is required with weights (one list per layer; write zeros for no bias)")
    biases = spec.raw("biases", BOOK["biases"])
    if not isinstance(biases, list) or len(biases) != len(ws):
        raise spec.fail("biases", f"expected {len(ws)} lists, one per weight matrix")
    out["inputs"], out["weights"] = x, ws
    out["biases"] = [_matrix(spec, f"biases[{l}]", [b], cols=None)[0] for l, b in enumerate(biases)]
    for l, (b, w) in enumerate(zip(out["biases"], ws)):
        if len(b) != len(w[0]):
            raise spec.fail(f"biases[{l}]", f"expected {len(w[0])} numbers (one per neuron of layer {l + 1}), "
                                            f"got {len(b)}")
    out["hidden"] = spec.string("hidden", "sigmoid", choices=HIDDEN)
    out["output"] = spec.string("output", "identity", choices=("identity", "softmax"))
    if out["output"] == "softmax" and len(ws[-1][0]) < 2:
        raise spec.fail("output", "the softmax needs 2 or more output neurons")
    out["decimals"] = read_precision(spec)
    if sum(answer_count(out)) > MOST_BOXES:
        raise spec.fail("weights", f"{sum(answer_count(out))} answer boxes are more than a hand sheet should hold "
                                   f"({MOST_BOXES} at most): fewer neurons or samples")
    spec.finish("kind")
    return out


def answer_count(params: dict) -> list[int]:
    """The answer boxes of each part: the shapes, then each layer (the output's softmax adds max, e and Σ)."""
    n, units = len(params["inputs"]), [len(w[0]) for w in params["weights"]]
    last = units[-1] * 2 + 2 if params["output"] == "softmax" else units[-1]
    return [2 * len(units)] + [n * (2 * m) for m in units[:-1]] + [n * (units[-1] + last)]


def _sum_text(inp: str, k: int, j: int) -> str:
    """How column j of A is computed from a row of the input (x or z) with K entries."""
    js = subscript(j)
    if k <= 2:
        return " + ".join(f"{inp}{subscript(i)}W{subscript(i)}{js}" for i in range(1, k + 1)) + f" + B{js}"
    return f"Σₖ {inp}ₖWₖ{js} + B{js}"


def build(params: dict) -> Worksheet:
    prec = rounded(params["decimals"])
    x, weights, biases = params["inputs"], params["weights"], params["biases"]
    n, layers, softmax = len(x), len(weights), params["output"] == "softmax"
    act = ACTIVATIONS[params["hidden"]]
    h = act.apply.format(u="A")  # σ(A), max(0, A), tanh(A)
    out_sup = sup(layers)
    chain = "".join(f" → A{sup(l)} → Z{sup(l)}" for l in range(1, layers)) + f" → A{out_sup} → Y"
    ws = Worksheet(KIND, params.get("title", TITLE), {
        "en": f"Send the batch X (one sample a row) through the network: X{chain}. Each layer computes "
              f"A = (its input)·W + B and then Z = h(A) with the {act.name['en']} h(A) = {h}, element by element; "
              f"the output layer uses the " + ("softmax, row by row, subtracting the row's largest value first."
                                              if softmax else f"identity: Y = A{out_sup}.")
              + " Wₖⱼ is row k, column j of W as printed (the weight from input k to neuron j), so Aᵢⱼ = Σₖ (row i "
              "of the input)ₖ·Wₖⱼ + Bⱼ. First write the shape of each A: (N × K)·(K × M) gives N × M.",
        "ja": f"バッチ X(1行が1サンプル)をネットワークに通します: X{chain}。各層では A = (その層への入力)·W + B を"
              f"計算し、要素ごとに活性化関数 h({act.name['ja']}、h(A) = {h})を適用して Z = h(A) とします。出力層では"
              + ("ソフトマックス関数を行ごとに適用します(先にその行の最大値を引きます)。" if softmax
                 else f"恒等関数を使います(Y = A{out_sup})。")
              + "Wₖⱼ は表の k 行 j 列の値(入力 k からニューロン j への重み)なので、Aᵢⱼ = Σₖ(入力の i 行)ₖ·Wₖⱼ + Bⱼ です。"
                "はじめに各 A の形状を書きます。(N × K)·(K × M) は N × M になります。",
    }, precision_note(params["decimals"]))

    xs = [[ws.given(f"x{i + 1}_{k + 1}", v, {"en": f"X: row {i + 1}, column {k + 1}", "ja": f"X の{i + 1}行{k + 1}列"})
           for k, v in enumerate(row)] for i, row in enumerate(x)]
    ws.table(Table("inputs", {"en": "Input X (a row per sample)", "ja": "入力 X(1行が1サンプル)"},
                   [Column({"en": "sample", "ja": "サンプル"}, width=9)]
                   + [Column(f"x{subscript(k + 1)}", width=8) for k in range(len(x[0]))],
                   [[i + 1, *map(Q, row)] for i, row in enumerate(xs)]))
    W, B = [], []
    for l, (w, b) in enumerate(zip(weights, biases), start=1):
        s = sup(l)
        W.append([[ws.given(f"W{l}_{k + 1}_{j + 1}", v, {"en": f"W{s}: row {k + 1}, column {j + 1}",
                                                         "ja": f"W{s} の{k + 1}行{j + 1}列"})
                   for j, v in enumerate(row)] for k, row in enumerate(w)])
        B.append([ws.given(f"B{l}_{j + 1}", v, {"en": f"B{s}: column {j + 1}", "ja": f"B{s} の{j + 1}列"})
                  for j, v in enumerate(b)])
        ws.table(Table(f"weights{l}", {"en": f"Layer {l}: weights W{s} ({len(w)} × {len(w[0])}) and biases B{s}",
                                        "ja": f"第{l}層: 重み W{s}({len(w)} × {len(w[0])})とバイアス B{s}"},
                       [Column("", width=12)] + [Column({"en": f"column {j + 1}", "ja": f"{j + 1}列目"}, width=9)
                                                 for j in range(len(b))],
                       [[{"en": f"W{s} row {k + 1}", "ja": f"W{s} の{k + 1}行目"},
                         *map(Q, row)] for k, row in enumerate(W[-1])] + [[f"B{s}", *map(Q, B[-1])]]))

    # the shapes, before any number: (N × K)·(K × M) → N × M
    shapes, inputs = [[], []], ["X"] + [f"Z{sup(l)}" for l in range(1, layers)]
    for l, w in enumerate(weights, start=1):
        k, m = len(w), len(w[0])
        shapes[0].append(ws.answer(f"rows{l}", Step(M.product_rows, (n, k, k, m)),
                                   {"en": f"A{sup(l)}: number of rows", "ja": f"A{sup(l)} の行数"},
                                   {"en": "rows of the input (samples)", "ja": "入力の行数(サンプル数)"}, EXACT))
    for l, w in enumerate(weights, start=1):
        k, m = len(w), len(w[0])
        shapes[1].append(ws.answer(f"cols{l}", Step(M.product_columns, (n, k, k, m)),
                                   {"en": f"A{sup(l)}: number of columns", "ja": f"A{sup(l)} の列数"},
                                   {"en": "columns of W (neurons)", "ja": "W の列数(ニューロンの数)"}, EXACT))
    ws.table(Table("shapes", {"en": "Shapes: (N × K)·(K × M) → N × M", "ja": "形状: (N × K)·(K × M) → N × M"},
                   [Column("", width=22)] + [Column(f"A{sup(l)}", f"{inputs[l - 1]}·W{sup(l)} + B{sup(l)}", width=13)
                                             for l in range(1, layers + 1)],
                   [[{"en": "rows (N)", "ja": "行数 (N)"}, *map(Q, shapes[0])],
                    [{"en": "columns (M)", "ja": "列数 (M)"}, *map(Q, shapes[1])]]))

    z, a_prev = xs, None
    for l in range(1, layers + 1):
        s, w, b, last = sup(l), W[l - 1], B[l - 1], l == layers
        k, m = len(w), len(w[0])
        inp = "x" if l == 1 else "z"
        a = []
        for i in range(n):
            row = []
            for j in range(m):
                col = tuple(w[kk][j] for kk in range(k))
                slips = [Slip("matrix-bias-forgotten", args=(tuple(z[i]), col, 0.0), name=BIAS_FORGOTTEN)]
                if k == m:
                    slips.append(Slip("matrix-transposed", args=(tuple(z[i]), tuple(w[j]), b[j]), name=TRANSPOSED))
                if a_prev is not None:
                    slips.append(Slip("activation-skipped", args=(tuple(a_prev[i]), col, b[j]), name={
                        "en": f"activation skipped: A{sup(l - 1)} used where Z{sup(l - 1)} = h(A{sup(l - 1)}) belongs",
                        "ja": f"活性化関数の適用忘れ (Z{sup(l - 1)} = h(A{sup(l - 1)}) ではなく A{sup(l - 1)} を使用)"}))
                row.append(ws.answer(f"A{l}_{i + 1}_{j + 1}", Step(F.affine_sum, (tuple(z[i]), col, b[j]),
                                                                  slips=tuple(slips)),
                                     {"en": f"A{s}: row {i + 1}, column {j + 1}", "ja": f"A{s} の{i + 1}行{j + 1}列"},
                                     f"A{s}{subscript(i + 1)}{subscript(j + 1)} = " + _sum_text(inp, k, j + 1), prec))
            a.append(row)
        if not last:
            z = [[ws.answer(f"Z{l}_{i + 1}_{j + 1}", Step(act.fn, (a[i][j],)),
                            {"en": f"Z{s}: row {i + 1}, column {j + 1}", "ja": f"Z{s} の{i + 1}行{j + 1}列"},
                            f"Z{s} = {act.apply.format(u='A' + s)}", prec) for j in range(m)] for i in range(n)]
            rows = [[i + 1, *map(Q, a[i]), *map(Q, z[i])] for i in range(n)]
            cols = ([Column(f"a{subscript(j + 1)}", _sum_text(inp, k, j + 1), width=max(12, len(_sum_text(inp, k, 1)) + 1))
                     for j in range(m)]
                    + [Column(f"z{subscript(j + 1)}", act.apply.format(u=f"a{subscript(j + 1)}"), width=10)
                       for j in range(m)])
            ws.table(Table(f"layer{l}", {"en": f"Layer {l}: A{s} = {inputs[l - 1]}W{s} + B{s}, Z{s} = {act.apply.format(u='A' + s)}",
                                         "ja": f"第{l}層: A{s} = {inputs[l - 1]}W{s} + B{s}、Z{s} = {act.apply.format(u='A' + s)}"},
                           [Column({"en": "sample", "ja": "サンプル"}, width=9)] + cols, rows))
            a_prev = a
            continue
        cols = [Column(f"a{subscript(j + 1)}", _sum_text(inp, k, j + 1), width=max(12, len(_sum_text(inp, k, 1)) + 1))
                for j in range(m)]
        if softmax:
            rows, extra = _softmax(ws, a, prec)
            cols += extra
        else:
            out = [[ws.answer(f"Y_{i + 1}_{j + 1}", Step(F.identity, (a[i][j],), slips=(
                Slip("output-activated", fn=act.fn, name={
                    "en": f"the hidden activation applied to the output layer (Y = {act.apply.format(u='A' + s)}; "
                          f"the output is the identity, Y = A{s})",
                    "ja": f"出力層にも隠れ層の活性化関数を適用 (出力層は恒等関数なので Y = A{s} です。"
                          f"{act.apply.format(u='A' + s)} ではありません)"}),)),
                {"en": f"Y: row {i + 1}, column {j + 1}", "ja": f"Y の{i + 1}行{j + 1}列"}, f"Y = A{s}", prec)
                    for j in range(m)] for i in range(n)]
            rows = [[i + 1, *map(Q, a[i]), *map(Q, out[i])] for i in range(n)]
            cols += [Column(f"y{subscript(j + 1)}", f"a{subscript(j + 1)}", width=10) for j in range(m)]
        how = {"en": "softmax, row by row", "ja": "行ごとのソフトマックス関数"} if softmax else \
            {"en": f"identity, Y = A{s}", "ja": f"恒等関数 Y = A{s}"}
        ws.table(Table(f"layer{l}", {"en": f"Layer {l} (output): A{s} = {inputs[l - 1]}W{s} + B{s}, {how['en']}",
                                     "ja": f"第{l}層(出力層): A{s} = {inputs[l - 1]}W{s} + B{s}、{how['ja']}"},
                       [Column({"en": "sample", "ja": "サンプル"}, width=9)] + cols, rows))
    return ws


def _softmax(ws: Worksheet, a: list[list[str]], prec) -> tuple[list[list], list[Column]]:
    """Each row of A through the softmax: its max, e^(a − max), their sum Σ and y = e^(a − max) / Σ."""
    rows = []
    m = len(a[0])
    for i, row in enumerate(a):
        where = {"en": f"row {i + 1}", "ja": f"{i + 1}行"}
        top = ws.answer(f"max_{i + 1}", Step(F.vmax, (tuple(row),)),
                        {"en": f"{where['en']}: largest a", "ja": f"{where['ja']}: a の最大値"}, "max(a)", prec)
        e = [ws.answer(f"e_{i + 1}_{j + 1}", Step(F.shifted_exp, (row[j], top)),
                       {"en": f"{where['en']}: e^(a{subscript(j + 1)} − max)",
                        "ja": f"{where['ja']}: e^(a{subscript(j + 1)} − max)"}, "e^(a − max)", prec) for j in range(m)]
        total = ws.answer(f"sum_{i + 1}", Step(F.vsum, (tuple(e),)),
                          {"en": f"{where['en']}: sum of the exponentials", "ja": f"{where['ja']}: 指数の和"},
                          "Σ e^(a − max)", prec)
        y = [ws.answer(f"Y_{i + 1}_{j + 1}", Step(F.ratio, (e[j], total)),
                       {"en": f"Y: row {i + 1}, column {j + 1}", "ja": f"Y の{i + 1}行{j + 1}列"},
                       "y = e^(a − max) / Σ", prec) for j in range(m)]
        rows.append([i + 1, *map(Q, row), Q(top), *map(Q, e), Q(total), *map(Q, y)])
    cols = ([Column("max", "max(a)", width=9)]
            + [Column(f"e{subscript(j + 1)}", f"e^(a{subscript(j + 1)} − max)", width=12) for j in range(m)]
            + [Column("Σ", "Σ eₖ", width=9)]
            + [Column(f"y{subscript(j + 1)}", f"e{subscript(j + 1)} / Σ", width=10) for j in range(m)])
    return rows, cols


FIG = {"input": {"en": "input", "ja": "入力層"}, "layer": {"en": "layer {l}", "ja": "第{l}層"},
       "output": {"en": "output", "ja": "出力層"}, "neurons": {"en": "{m} neurons", "ja": "ニューロン {m} 個"},
       "caption": {"en": "The network: the neurons of each layer, and the shape (rows × columns) of each weight "
                         "matrix W on its arrow",
                   "ja": "ネットワークの構造と、重み W の形状(行数 × 列数)"},
       "key": {"en": "The network, with the shape of each A (rows × columns) under its layer",
               "ja": "ネットワークの構造です。各層の下に A の形状(行数 × 列数)を示します"}}


def figures(variant, lang: str, key: bool) -> list[dict]:
    """The network as columns of circles (2 → 3 → 2 → 2), the shape of each W on the arrows, and in the key
    the shape of each A under its layer."""
    p = variant.params
    sizes = [len(p["inputs"][0])] + [len(w[0]) for w in p["weights"]]
    n, gap, top = len(p["inputs"]), 130, 34
    c = Canvas(40 + gap * (len(sizes) - 1) + 40, top + 40 * max(sizes) + (54 if key else 36), 0, 1, 0, 1, margin=0)
    centre = top + 20 * max(sizes)

    def ys(m):
        return [centre + 40 * (r - (m - 1) / 2) for r in range(m)]
    for l, m in enumerate(sizes):
        xpos = 40 + gap * l
        if l < len(sizes) - 1:
            nxt = 40 + gap * (l + 1)
            for y0 in ys(m):
                for y1 in ys(sizes[l + 1]):
                    c.raw(f'<line x1="{xpos + 12}" y1="{y0:.1f}" x2="{nxt - 12}" y2="{y1:.1f}" stroke="#999" '
                          'stroke-width="0.7"/>')
            c.raw(f'<rect x="{(xpos + nxt) / 2 - 36}" y="{top - 26}" width="72" height="16" fill="white"/>')
            c.text((xpos + nxt) / 2, top - 14, f"W{sup(l + 1)}: {m} × {sizes[l + 1]}", 10, color="#b00")
        for y in ys(m):
            c.raw(f'<circle cx="{xpos}" cy="{y:.1f}" r="12" fill="white" stroke="#111" stroke-width="1.3"/>')
        name = FIG["input"] if l == 0 else FIG["output"] if l == len(sizes) - 1 else {
            g: t.format(l=l) for g, t in FIG["layer"].items()}
        bottom = top + 40 * max(sizes) + 14
        c.text(xpos, bottom, tr(name, lang), 9.5)
        c.text(xpos, bottom + 13, tr(FIG["neurons"], lang).format(m=m), 8.5, color="#555")
        if key and l:
            c.text(xpos, bottom + 28, f"A{sup(l)}: {n} × {m}", 9.5, color="#06c")
    return [{"svg": c.svg(), "caption": tr(FIG["key"] if key else FIG["caption"], lang)}]
