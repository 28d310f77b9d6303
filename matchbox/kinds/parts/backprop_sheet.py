"""The tables of the `backprop` sheet (kinds/backprop.py): how it names units and weights, and the quantities
of one step, group by group: the forward pass, the error, the output and hidden layers' backward passes and the
update. The kind module writes the words around them (instructions, the settings) and the order of the steps.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...engine import functions as F
from ...worksheet.graph import Column, Q, Ref, Step, Table, Text, Worksheet
from .network import ACTIVATIONS, ERROR, ERROR_GRAD_SLIPS, fmt, join, labeller, rounded
from .trials import subscript


# --- how the sheet names things ---------------------------------------------------------------------------


class Names:
    """Units x, h, o; weights wᵢⱼ and vⱼₖ with biases bⱼ and cₖ (b and c when shared by a layer), or every
    weight numbered w₁, w₂... unit by unit (all weights into h₁ first), with biases b₁, b₂..., as many worked
    examples number them."""

    def __init__(self, params: dict):
        self.n, self.hidden, self.out = params["shape"]
        self.numbered = params["weight_names"] == "numbered"
        self.shared = params["biases"] == "per_layer"
        self.x = [f"x{subscript(i + 1)}" for i in range(self.n)]
        self.h = [f"h{subscript(j + 1)}" for j in range(self.hidden)]
        self.o = [f"o{subscript(k + 1)}" for k in range(self.out)]

    def w(self, i: int, j: int) -> str:
        return f"w{subscript(j * self.n + i + 1)}" if self.numbered else f"w{subscript(i + 1)}{subscript(j + 1)}"

    def v(self, j: int, k: int) -> str:
        if self.numbered:
            return f"w{subscript(self.n * self.hidden + k * self.hidden + j + 1)}"
        return f"v{subscript(j + 1)}{subscript(k + 1)}"

    def b(self, j: int) -> str:
        if self.numbered:
            return "b₁" if self.shared else f"b{subscript(j + 1)}"
        return "b" if self.shared else f"b{subscript(j + 1)}"

    def c(self, k: int) -> str:
        if self.numbered:
            return "b₂" if self.shared else f"b{subscript(self.hidden + k + 1)}"
        return "c" if self.shared else f"c{subscript(k + 1)}"

    # column headings of the weights into the unit of a row (j: a hidden unit, k: an output unit)
    def w_head(self, i: int) -> str:
        return f"{self.x[i]}→hⱼ" if self.numbered else f"w{subscript(i + 1)}ⱼ"

    def v_head(self, j: int) -> str:
        return f"{self.h[j]}→oₖ" if self.numbered else f"v{subscript(j + 1)}ₖ"

    def v_row_head(self, k: int) -> str:  # in the hidden layer's backward table, row j, column k
        return f"hⱼ→{self.o[k]}" if self.numbered else f"vⱼ{subscript(k + 1)}"

    def b_head(self) -> str:
        return self.b(0) if self.shared else "b" if self.numbered else "bⱼ"

    def c_head(self) -> str:
        return self.c(0) if self.shared else "b" if self.numbered else "cₖ"


@dataclass
class State:
    """The names of the quantities holding the network's current parameters."""

    w: list[list[str]]  # [i][j]
    v: list[list[str]]  # [j][k]
    b: list[str] | None  # one per hidden unit (one name repeated when shared), None without biases
    c: list[str] | None


# --- the tables ---------------------------------------------------------------------------------------------


@dataclass
class Place:
    """Where a group of tables sits: `tag` ends its quantity names (1, 2... for steps, a1... for the forward
    passes after the update), `title` starts its table titles, `where` starts its quantities' labels."""

    tag: str
    title: Text
    where: dict

    def label(self, en: str, ja: str) -> dict:
        return labeller(self.where)(en, ja)


class Sheet:
    """Writes the worksheet's quantities and tables, group by group, in the order a learner fills them."""

    def __init__(self, params: dict, ws: Worksheet):
        self.params = params
        self.names = Names(params)
        self.n, self.hidden, self.out = params["shape"]
        self.f, self.g = ACTIVATIONS[params["hidden"]], ACTIVATIONS[params["output"]]
        self.prec = rounded(params["decimals"])
        self.width = max(9, params["decimals"] + 4)  # room for 0.xxxx... as the sheet asks
        self.ws = ws
        # an autoencoder: the target of output k is input k itself (t = x), the hidden layer is the code
        self.ae = params.get("autoencoder", False)
        self.t = "x" if self.ae else "t"  # how the formulas write a target

    def target(self, s: int, k: int) -> str:
        """The quantity holding sample s's target for output unit k (0-based): tₖ, or an autoencoder's xₖ."""
        return f"x{s}_{k + 1}" if self.ae else f"t{s}_{k + 1}"

    def _ae(self, plain: Text, autoencoder: Text) -> Text:
        return autoencoder if self.ae else plain

    def givens(self) -> State:
        """The initial weights and biases listed with the units each joins (the kind module lists the samples)."""
        ws, params, names = self.ws, self.params, self.names
        n, hidden, out = params["shape"]
        rows = []

        def given(name: str, value: float, label: str, source: Text, target: str) -> str:
            ws.given(name, value, {"en": f"initial {label}", "ja": f"{label} の初期値"})
            rows.append([label, source, target, Q(name)])
            return name

        w = [[f"w0_{i + 1}_{j + 1}" for j in range(hidden)] for i in range(n)]
        v = [[f"v0_{j + 1}_{k + 1}" for k in range(out)] for j in range(hidden)]
        for i, j in _order(n, hidden, names.numbered):
            given(w[i][j], params["hidden_weights"][i][j], names.w(i, j), names.x[i], names.h[j])
        b = c = None
        bias = {"en": "bias (1)", "ja": "バイアス (1)"}
        if params["biases"] == "per_layer":
            b = [given("b0", params["hidden_bias"], names.b(0), bias, ", ".join(names.h))] * hidden
        elif params["biases"] == "per_unit":
            b = [given(f"b0_{j + 1}", params["hidden_bias"][j], names.b(j), bias, names.h[j]) for j in range(hidden)]
        for j, k in _order(hidden, out, names.numbered):
            given(v[j][k], params["output_weights"][j][k], names.v(j, k), names.h[j], names.o[k])
        if params["biases"] == "per_layer":
            c = [given("c0", params["output_bias"], names.c(0), bias, ", ".join(names.o))] * out
        elif params["biases"] == "per_unit":
            c = [given(f"c0_{k + 1}", params["output_bias"][k], names.c(k), bias, names.o[k]) for k in range(out)]
        ws.table(Table("weights", {"en": "Initial weights and biases", "ja": "重みとバイアスの初期値"},
                       [Column({"en": "weight", "ja": "重み"}, width=10),
                        Column({"en": "from", "ja": "どこから"}, width=12),
                        Column({"en": "to", "ja": "どこへ"}, width=10), Column({"en": "value", "ja": "値"}, width=14)],
                       rows))
        return State(w, v, b, c)

    def forward(self, place: Place, state: State, s: int) -> tuple[list[str], list[str]]:
        """Sample s through the network with the weights in `state`, then the error E."""
        ws, names, prec, width = self.ws, self.names, self.prec, self.width
        n, hidden, out = self.n, self.hidden, self.out
        xs = [f"x{s}_{i + 1}" for i in range(n)]
        ts = [self.target(s, k) for k in range(out)]

        hs, rows = [], []
        for j in range(hidden):
            unit, jsub = names.h[j], subscript(j + 1)
            weights = [names.w(i, j) for i in range(n)]
            bias = names.b(j) if state.b else None
            u = ws.answer(f"u{place.tag}_{j + 1}",
                          Step(F.affine_sum, (tuple(xs), tuple(state.w[i][j] for i in range(n)),
                                              state.b[j] if state.b else 0.0)),
                          place.label(f"{unit}: sum u{jsub}", f"{unit} の総和 u{jsub}"),
                          f"u{jsub} = " + _sum_text(names.x, weights, bias), prec)
            h = ws.answer(f"h{place.tag}_{j + 1}", Step(self.f.fn, (u,)),
                          place.label(*((f"{unit}: code {unit}", f"{unit} の符号 {unit}") if self.ae
                                        else (f"{unit}: output {unit}", f"{unit} の出力 {unit}"))),
                          f"{unit} = {self.f.apply.format(u=f'u{jsub}')}", prec)
            hs.append(h)
            rows.append([_row_label(names, unit, weights, bias), *map(Ref, xs), *(Ref(state.w[i][j]) for i in range(n))]
                        + ([Ref(state.b[j])] if state.b else []) + [Q(u), Q(h)])
        heads = [names.w_head(i) for i in range(n)]
        bias_head = names.b_head() if state.b else None
        ws.table(Table(f"fh{place.tag}", join(place.title, self._ae(
                           {"en": "Forward pass: hidden layer", "ja": "順伝播(中間層)"},
                           {"en": "Forward pass: hidden layer (the code)", "ja": "順伝播(中間層: 符号)"})),
                       [_unit_column(), *(Column(x, width=7) for x in names.x),
                        *(Column(w, width=width) for w in heads)]
                       + ([Column(bias_head, width=width)] if bias_head else [])
                       + [Column("uⱼ", _sum_text(names.x, heads, bias_head, names.numbered),
                                 width=max(width, 7 * n + 4)),
                          Column("hⱼ", self.f.apply.format(u="uⱼ"), width=width)], rows))

        ys, rows = [], []
        for k in range(out):
            unit, ksub = names.o[k], subscript(k + 1)
            weights = [names.v(j, k) for j in range(hidden)]
            bias = names.c(k) if state.c else None
            z = ws.answer(f"z{place.tag}_{k + 1}",
                          Step(F.affine_sum, (tuple(hs), tuple(state.v[j][k] for j in range(hidden)),
                                              state.c[k] if state.c else 0.0)),
                          place.label(f"{unit}: sum z{ksub}", f"{unit} の総和 z{ksub}"),
                          f"z{ksub} = " + _sum_text(names.h, weights, bias), prec)
            y = ws.answer(f"y{place.tag}_{k + 1}", Step(self.g.fn, (z,)),
                          place.label(*((f"{unit}: reconstruction y{ksub}", f"{unit} の再構成 y{ksub}") if self.ae
                                        else (f"{unit}: output y{ksub}", f"{unit} の出力 y{ksub}"))),
                          f"y{ksub} = {self.g.apply.format(u=f'z{ksub}')}", prec)
            ys.append(y)
            rows.append([_row_label(names, unit, weights, bias), *map(Ref, hs),
                         *(Ref(state.v[j][k]) for j in range(hidden))]
                        + ([Ref(state.c[k])] if state.c else []) + [Q(z), Q(y), Ref(ts[k])])
        heads = [names.v_head(j) for j in range(hidden)]
        bias_head = names.c_head() if state.c else None
        ws.table(Table(f"fo{place.tag}", join(place.title, self._ae(
                           {"en": "Forward pass: output layer", "ja": "順伝播(出力層)"},
                           {"en": "Forward pass: output layer (the reconstruction)", "ja": "順伝播(出力層: 再構成)"})),
                       [_unit_column(), *(Column(h, width=width) for h in names.h),
                        *(Column(v, width=width) for v in heads)]
                       + ([Column(bias_head, width=width)] if bias_head else [])
                       + [Column("zₖ", _sum_text(names.h, heads, bias_head, names.numbered),
                                 width=max(width, 7 * hidden + 4)),
                          Column("yₖ", self.g.apply.format(u="zₖ"), width=width),
                          Column(*self._target_head(), width=width)], rows))

        terms = [f"({self.t}{subscript(k + 1)} − y{subscript(k + 1)})²" for k in range(out)]
        error_text = "½" + terms[0] if out == 1 else "½[" + " + ".join(terms) + "]"
        e = ws.answer(ERROR.format(place.tag), Step(F.squared_error, (tuple(ys), tuple(ts))),
                      place.label(*(("reconstruction error E", "再構成誤差 E") if self.ae else ("error E", "誤差 E"))),
                      "E = " + error_text, prec)
        ws.table(Table(f"e{place.tag}", join(place.title, self._ae({"en": "Error", "ja": "誤差"},
                                                                   {"en": "Reconstruction error", "ja": "再構成誤差"})),
                       [Column("", width=24), Column("E", error_text, width=max(width, 9 * out + 4))],
                       [[self._ae({"en": "squared error E", "ja": "二乗誤差 E"},
                                  {"en": "reconstruction error E", "ja": "再構成誤差 E"}), Q(e)]]))
        return hs, ys

    def output_backward(self, place: Place, s: int, hs: list[str], ys: list[str]) -> list[str]:
        """Output deltas δₖ = (yₖ − tₖ)·g'(zₖ) and the gradients ∂E/∂vⱼₖ = δₖ·hⱼ. Returns the deltas."""
        ws, names, prec, width, g = self.ws, self.names, self.prec, self.width, self.g
        identity = self.params["output"] == "identity"  # g'(z) = 1: the delta is y − t itself
        deltas, rows = [], []
        for k in range(self.out):
            unit, ksub = names.o[k], subscript(k + 1)
            t, tk = self.target(s, k), f"{self.t}{ksub}"
            row = [unit, Ref(ys[k]), Ref(t)]
            if identity:
                d = ws.answer(f"do{place.tag}_{k + 1}", Step(F.squared_error_grad, (ys[k], t), slips=ERROR_GRAD_SLIPS),
                              place.label(f"{unit}: delta δ", f"{unit} のデルタ δ"), f"δ = y{ksub} − {tk}", prec)
                row.append(Q(d))
            else:
                dy = ws.answer(f"dy{place.tag}_{k + 1}", Step(F.squared_error_grad, (ys[k], t), slips=ERROR_GRAD_SLIPS),
                               place.label(f"{unit}: ∂E/∂y{ksub}", f"{unit} の ∂E/∂y{ksub}"),
                               f"∂E/∂y{ksub} = y{ksub} − {tk}", prec)
                slope = ws.answer(f"gz{place.tag}_{k + 1}", Step(g.slope, (ys[k],)),
                                  place.label(f"{unit}: g'(z{ksub})", f"{unit} の g'(z{ksub})"),
                                  join(f"g'(z{ksub}) = ", fmt(g.slope_text, y=f"y{ksub}")), prec)
                d = ws.answer(f"do{place.tag}_{k + 1}", Step(F.product, (dy, slope)),
                              place.label(f"{unit}: delta δ", f"{unit} のデルタ δ"),
                              f"δ = ∂E/∂y{ksub}·g'(z{ksub})", prec)
                row += [Q(dy), Q(slope), Q(d)]
            grads = [ws.answer(f"gv{place.tag}_{j + 1}_{k + 1}", Step(F.product, (d, hs[j])),
                               place.label(f"gradient ∂E/∂{names.v(j, k)}", f"勾配 ∂E/∂{names.v(j, k)}"),
                               f"∂E/∂{names.v(j, k)} = δ({unit})·{names.h[j]}", prec) for j in range(self.hidden)]
            deltas.append(d)
            rows.append(row + [*map(Ref, hs), *map(Q, grads)])
        cols = [_unit_column(), Column("yₖ", width=width),
                Column(*self._target_head(), width=width) if self.ae else Column("tₖ", width=width)]
        if identity:
            cols.append(Column("δₖ", f"yₖ − {self.t}ₖ", width=width))
        else:
            cols += [Column("∂E/∂yₖ", f"yₖ − {self.t}ₖ", width=width),
                     Column("g'(zₖ)", fmt(g.slope_text, y="yₖ"), width=max(width, 11)),
                     Column("δₖ", "∂E/∂yₖ·g'(zₖ)", width=max(width, 13))]
        cols += [Column(h, width=width) for h in names.h]
        cols += [Column(_grad_head(names.v_head(j), names.numbered), f"δₖ·{names.h[j]}", width=max(width, 11))
                 for j in range(self.hidden)]
        ws.table(Table(f"bo{place.tag}", join(place.title, {"en": "Backward pass: output layer",
                                                            "ja": "逆伝播(出力層)"}), cols, rows))
        return deltas

    def hidden_backward(self, place: Place, state: State, s: int, hs: list[str], do: list[str]) -> list[str]:
        """Hidden deltas δⱼ = (Σₖ δₖvⱼₖ)·f'(uⱼ), with the output weights from before the update, and the
        gradients ∂E/∂wᵢⱼ = δⱼ·xᵢ. Returns the deltas."""
        ws, names, prec, width, f = self.ws, self.names, self.prec, self.width, self.f
        xs = [f"x{s}_{i + 1}" for i in range(self.n)]
        deltas, rows = [], []
        for j in range(self.hidden):
            unit, jsub = names.h[j], subscript(j + 1)
            old = [state.v[j][k] for k in range(self.out)]
            back = ws.answer(f"sh{place.tag}_{j + 1}", Step(F.dot, (tuple(do), tuple(old))),
                             place.label(f"{unit}: back-propagated sum Σ", f"{unit} へ逆伝播する和 Σ"),
                             "Σ = " + " + ".join(f"δ({o})·{names.v(j, k)}" for k, o in enumerate(names.o)), prec)
            slope = ws.answer(f"gu{place.tag}_{j + 1}", Step(f.slope, (hs[j],)),
                              place.label(f"{unit}: f'(u{jsub})", f"{unit} の f'(u{jsub})"),
                              join(f"f'(u{jsub}) = ", fmt(f.slope_text, y=unit)), prec)
            d = ws.answer(f"dh{place.tag}_{j + 1}", Step(F.product, (back, slope)),
                          place.label(f"{unit}: delta δ", f"{unit} のデルタ δ"), f"δ({unit}) = Σ·f'(u{jsub})", prec)
            grads = [ws.answer(f"gw{place.tag}_{i + 1}_{j + 1}", Step(F.product, (d, xs[i])),
                               place.label(f"gradient ∂E/∂{names.w(i, j)}", f"勾配 ∂E/∂{names.w(i, j)}"),
                               f"∂E/∂{names.w(i, j)} = δ({unit})·{names.x[i]}", prec) for i in range(self.n)]
            deltas.append(d)
            rows.append([unit, *map(Ref, do), *map(Ref, old), Q(back), Ref(hs[j]), Q(slope), Q(d), *map(Ref, xs),
                         *map(Q, grads)])
        heads = [names.v_row_head(k) for k in range(self.out)]
        products = [f"δ({o})·({v})" if names.numbered else f"δ({o})·{v}" for o, v in zip(names.o, heads)]
        cols = ([_unit_column()]
                + [Column(f"δ({o})", {"en": "above", "ja": "上の表"}, width=width) for o in names.o]
                + [Column(v, {"en": "before update", "ja": "更新前"}, width=width) for v in heads]
                + [Column("Σ" if names.numbered else "Σₖ δₖvⱼₖ", " + ".join(products), width=max(width, 12 * self.out)),
                   Column("hⱼ", width=width),
                   Column("f'(uⱼ)", fmt(f.slope_text, y="hⱼ"), width=max(width, 11)),
                   Column("δⱼ", "Σ·f'(uⱼ)", width=width)]
                + [Column(x, width=7) for x in names.x]
                + [Column(_grad_head(names.w_head(i), names.numbered), f"δⱼ·{names.x[i]}", width=max(width, 11))
                   for i in range(self.n)])
        ws.table(Table(f"bh{place.tag}", join(place.title, {"en": "Backward pass: hidden layer",
                                                            "ja": "逆伝播(中間層)"}),
                       cols, rows, note={"en": "Use the output weights from before the update.",
                                         "ja": "出力層の重みは更新前の値を使います。"}))
        return deltas

    def update(self, place: Place, state: State, do: list[str], dh: list[str]) -> State:
        """Every new weight w' = w − η·∂E/∂w; a shared bias's gradient is the sum of its layer's deltas."""
        ws, names, prec, tag = self.ws, self.names, self.prec, place.tag
        learn, shared = self.params["learn_biases"], self.params["biases"] == "per_layer"
        rows = []

        def new(name: str, shown: str, old: str, grad: str | Q, connection: Text) -> str:
            grad_name = grad.name if isinstance(grad, Q) else grad
            ws.answer(name, Step(F.gradient_step, (old, grad_name, "lr")),
                      place.label(f"new {shown}", f"新しい {shown}"), f"{shown}' = {shown} − η·∂E/∂{shown}", prec)
            rows.append([join(f"{shown} (", connection, ")"), Ref(old), grad if isinstance(grad, Q) else Ref(grad),
                         Q(name)])
            return name

        def shared_gradient(name: str, shown: str, deltas: list[str], units: list[str]) -> Q:
            return Q(ws.answer(name, Step(F.vsum, (tuple(deltas),)),
                               place.label(f"gradient ∂E/∂{shown}", f"勾配 ∂E/∂{shown}"),
                               f"∂E/∂{shown} = " + " + ".join(f"δ({u})" for u in units), prec))

        w = [[""] * self.hidden for _ in range(self.n)]
        for i, j in _order(self.n, self.hidden, names.numbered):
            w[i][j] = new(f"w{tag}_{i + 1}_{j + 1}", names.w(i, j), state.w[i][j], f"gw{tag}_{i + 1}_{j + 1}",
                          f"{names.x[i]}→{names.h[j]}")
        b, c = state.b, state.c
        if learn and shared:
            grad = shared_gradient(f"gb{tag}", names.b(0), dh, names.h)
            b = [new(f"b{tag}", names.b(0), state.b[0], grad, {"en": "hidden layer, shared", "ja": "中間層で共有"})]
            b *= self.hidden
        elif learn:
            b = [new(f"b{tag}_{j + 1}", names.b(j), state.b[j], dh[j], f"1→{names.h[j]}") for j in range(self.hidden)]
        v = [[""] * self.out for _ in range(self.hidden)]
        for j, k in _order(self.hidden, self.out, names.numbered):
            v[j][k] = new(f"v{tag}_{j + 1}_{k + 1}", names.v(j, k), state.v[j][k], f"gv{tag}_{j + 1}_{k + 1}",
                          f"{names.h[j]}→{names.o[k]}")
        if learn and shared:
            grad = shared_gradient(f"gc{tag}", names.c(0), do, names.o)
            c = [new(f"c{tag}", names.c(0), state.c[0], grad, {"en": "output layer, shared", "ja": "出力層で共有"})]
            c *= self.out
        elif learn:
            c = [new(f"c{tag}_{k + 1}", names.c(k), state.c[k], do[k], f"1→{names.o[k]}") for k in range(self.out)]
        ws.table(Table(f"up{tag}", join(place.title, {"en": "Updated weights", "ja": "重みの更新"}),
                       [Column({"en": "weight", "ja": "重み"}, width=16),
                        Column({"en": "before", "ja": "更新前"}, width=self.width),
                        Column("∂E/∂w", {"en": "from the tables above", "ja": "上の表から"}, width=max(self.width, 12)),
                        Column({"en": "after", "ja": "更新後"}, "w − η·∂E/∂w", width=max(self.width, 12))], rows))
        return State(w, v, b, c)

    def _target_head(self) -> tuple:
        """The heading (and its line under it) of the target column: tₖ, or an autoencoder's xₖ = tₖ."""
        if self.ae:
            return "xₖ", {"en": "target tₖ = xₖ", "ja": "教師信号 tₖ = xₖ"}
        return "tₖ", {"en": "target", "ja": "教師信号"}


def _order(rows: int, cols: int, by_column: bool) -> list[tuple[int, int]]:
    """The cells of a weight matrix in the order the sheet lists them: row by row, or (numbered weights)
    unit by unit, all weights into the first unit first."""
    cells = [(r, c) for r in range(rows) for c in range(cols)]
    return sorted(cells, key=lambda rc: (rc[1], rc[0])) if by_column else cells


def _unit_column() -> Column:
    return Column({"en": "unit", "ja": "ユニット"}, width=10)


def _grad_head(weight_head: str, numbered: bool) -> str:
    return f"∂E/∂({weight_head})" if numbered else f"∂E/∂{weight_head}"


def _row_label(names: Names, unit: str, weights: list[str], bias: str | None) -> str:
    """A row's unit; with numbered weights also the names of the weights into it (w₁, w₂, b₁)."""
    if not names.numbered:
        return unit
    return f"{unit} ({', '.join(weights + ([bias] if bias else []))})"


def _sum_text(inputs: list[str], weights: list[str], bias: str | None, generic: bool = False) -> Text:
    """x₁·w₁ⱼ + x₂·w₂ⱼ + bⱼ; or, under the headings of numbered weights, Σ input × weight + bias."""
    if generic:
        return {"en": "Σ input × weight" + (" + bias" if bias else ""),
                "ja": "Σ 入力 × 重み" + (" + バイアス" if bias else "")}
    return " + ".join(f"{x}·{w}" for x, w in zip(inputs, weights)) + (f" + {bias}" if bias else "")
