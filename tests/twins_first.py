"""Independent learner twins for ten kinds (issue 20): counting, matchbox, perceptron, gates, activations,
forward, neuron, logistic, backprop and vanishing.

A twin is a careful learner simulated by plain Python, written from the math of the exercise (the perceptron
rule, the chain rule, the softmax...), never from matchbox: it imports nothing of the package. Given a
variant's parameters, it works the sheet top to bottom and writes every answer as the sheet asks: exactly
where the sheet says the numbers come out exact (the learner's sums and products of short decimals are exact,
so the arithmetic is decimal, not binary), else rounded half up to the stated decimals, and goes on from what it
wrote. `slips` names cells where the learner writes a wrong number instead; every later answer is then worked
from that wrong number, as a learner would. `keep_all` keeps every decimal (the key "with every decimal kept").

twin(kind, params, places, slips, keep_all) -> {quantity name: the number written}, where `places` maps each
answer's name to the decimals the sheet asks for (None: exact).
"""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

NONE = float("nan")  # no number exists (θ / w with w = 0): the learner writes "none"


def dec(x) -> Decimal:
    """A number as the learner reads it off the sheet or the calculator: 0.1 is 0.1, not its binary neighbour."""
    if isinstance(x, Decimal):
        return x
    return Decimal(repr(float(x))) if isinstance(x, float) else Decimal(x)


class Pen:
    """What the learner has written so far: each answer rounded half up as told (or a slip), then built on."""

    def __init__(self, places: dict, slips: dict | None = None, keep_all: bool = False):
        self.places, self.keep_all = places, keep_all
        self.slips = {n: v if isinstance(v, float) and math.isnan(v) else dec(v) for n, v in (slips or {}).items()}
        self.written: dict = {}

    def __call__(self, name: str, value):
        if name in self.slips:
            value = self.slips[name]
        elif not (isinstance(value, float) and math.isnan(value)):
            value, decimals = dec(value), self.places[name]
            if decimals is not None and not self.keep_all:
                value = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
        self.written[name] = value
        return value

    def numbers(self) -> dict:
        return {n: float(v) for n, v in self.written.items()}


# The calculator's keys, on the numbers the learner has written.
def sigmoid(u):
    return 1 / (1 + math.exp(-float(u)))


def tanh(u):
    return math.tanh(float(u))


def relu(u):
    return max(dec(0), dec(u))


def exp(u):
    return math.exp(float(u))


def ln(y):
    return math.log(float(y))


def over(a, b):
    """a / b, or no number where b is 0."""
    return NONE if dec(b) == 0 else dec(a) / dec(b)


ACTIVATION = {"sigmoid": sigmoid, "tanh": tanh, "relu": relu, "identity": lambda u: dec(u)}
# f'(u) from the output y = f(u), as the sheets write it: y(1 − y), 1 − y², 1 if y > 0 else 0, 1
SLOPE_FROM_OUTPUT = {"sigmoid": lambda y: y * (1 - y), "tanh": lambda y: 1 - y * y,
                     "relu": lambda y: dec(1 if y > 0 else 0), "identity": lambda y: dec(1)}


def fires(u, theta, strict: bool) -> bool:
    return u > theta if strict else u >= theta


# ----- the perceptron rule: counting, matchbox, perceptron

def run_trials(w, p: dict, inputs: list, teacher: list, names: list, weights: list, theta, learn_theta: bool):
    """Each trial: u = Σ wⱼxⱼ, y = 1 if u reaches θ (else the low output), d = t − y, wⱼ' = wⱼ + η·d·xⱼ and,
    when the threshold learns, θ' = θ − η·d. Then every item again with the final weights."""
    strict, lr = p["rule"] == ">", dec(p["learning_rate"])
    low = dec(p.get("outputs", [0])[0])
    weights, theta = [dec(v) for v in weights], dec(theta)
    ds = []
    for trial, name in enumerate(p["trials"], start=1):
        i = names.index(name)
        x = [dec(v) for v in inputs[i]]
        u = w(f"u{trial}", sum(a * b for a, b in zip(weights, x)))
        y = w(f"y{trial}", 1 if fires(u, theta, strict) else low)
        d = w(f"d{trial}", dec(teacher[i]) - y)
        ds.append(d)
        weights = [w(f"w{trial}_{j}", wj + lr * d * xj) for j, (wj, xj) in enumerate(zip(weights, x))]
        if learn_theta:
            theta = w(f"theta{trial}", theta - lr * d)
    for i, x in enumerate(inputs):
        u = w(f"test_u{i}", sum(a * dec(b) for a, b in zip(weights, x)))
        w(f"test_y{i}", 1 if fires(u, theta, strict) else low)
    return weights, theta, ds


def counting(p: dict, w) -> None:
    s = p["samples"]
    weights, theta, _ = run_trials(w, p, [[v["count"]] for v in s], [v["teacher"] for v in s],
                                   [v["name"] for v in s], [p["initial_weight"]], p["threshold"], False)
    w("boundary", over(theta, weights[0]))  # where the line u = w·x meets θ


def matchbox(p: dict, w) -> None:
    its = p["items"]
    run_trials(w, p, [v["inputs"] for v in its], [v["teacher"] for v in its], [v["name"] for v in its],
               p["initial_weights"], p["threshold"], p["learn_threshold"])


GATE_TABLES = {"AND": lambda a, b: a & b, "OR": lambda a, b: a | b, "NAND": lambda a, b: 1 - (a & b),
               "XOR": lambda a, b: a ^ b}


def perceptron(p: dict, w) -> None:
    low = p["outputs"][0]
    if "points" in p:
        pts = [(q["name"], q["x"], q["teacher"]) for q in p["points"]]
    else:  # the truth table of the target gate, corners in the order (0, 0), (0, 1), (1, 0), (1, 1)
        pts = [(f"({a}, {b})", [a, b], 1 if GATE_TABLES[p["target"]](a, b) else low) for a in (0, 1) for b in (0, 1)]
    bias = [1] if p["bias"] else []
    weights, theta, ds = run_trials(w, p, [bias + x for _, x, _ in pts], [t for _, _, t in pts],
                                    [n for n, _, _ in pts], p["initial_weights"], p["threshold"],
                                    p["learn_threshold"])
    if p.get("epochs"):
        length = len(p["trials"]) // p["epochs"]
        for e in range(p["epochs"]):
            w(f"errors{e + 1}", sum(d != 0 for d in ds[e * length:(e + 1) * length]))
    w0 = weights[0] if p["bias"] else dec(0)
    w1, w2 = weights[-2:]
    # the line w₀ + w₁x₁ + w₂x₂ = θ, as x₂ = a·x₁ + b (or x₁ = c when the sheet's w₂ is 0)
    if "slope" in w.places:
        w("slope", NONE if w2 == 0 else -w1 / w2)
        w("intercept", over(theta - w0, w2))
    elif "vertical" in w.places:
        w("vertical", over(theta - w0, w1))


def gates(p: dict, w) -> None:
    strict, form = p["rule"] == ">", p["form"]
    outputs = {}
    rows = [(0, 0), (1, 0), (0, 1), (1, 1)]

    def gate(g: dict, name: str, row: str, a, b):
        w1, w2 = (dec(v) for v in g["weights"])
        if form == "threshold":  # u = w₁x₁ + w₂x₂ against θ
            u = w(f"{name}_u{row}", w1 * a + w2 * b)
            return w(f"{name}_y{row}", 1 if fires(u, dec(g["threshold"]), strict) else 0)
        u = w(f"{name}_u{row}", dec(g["bias"]) + w1 * a + w2 * b)  # u = b + w₁x₁ + w₂x₂ against 0
        return w(f"{name}_y{row}", 1 if fires(u, 0, strict) else 0)

    for i, g in enumerate(p["gates"]):
        for a, b in rows:
            outputs[g["name"], a, b] = gate(g, f"g{i}", f"{a}{b}", dec(a), dec(b))
    c = p["composition"]
    if c:  # the second layer reads the learner's own outputs s₁, s₂ from the first layer's tables
        last = next(g for g in p["gates"] if g["name"] == c["y"])
        for a, b in rows:
            gate(last, "c", f"{a}{b}", outputs[c["s1"], a, b], outputs[c["s2"], a, b])


# ----- activations and softmax

def softmax(w, scores: list, name_max: str, name_e, name_sum: str, name_y) -> None:
    """Subtract the largest score, take e^(a − max), their sum Σ, and each y = e^(a − max) / Σ."""
    top = w(name_max, max(dec(a) for a in scores))
    es = [w(name_e(i), exp(dec(a) - top)) for i, a in enumerate(scores, start=1)]
    total = w(name_sum, sum(es))
    for i, e in enumerate(es, start=1):
        w(name_y(i), e / total)


def activations(p: dict, w) -> None:
    strict = p["step_rule"] == ">"
    for k, point in enumerate(p["points"], start=1):
        u = dec(point)
        for f in p["functions"]:
            if f == "step":
                w(f"step{k}", 1 if fires(u, 0, strict) else 0)
                slope = 0  # flat on both sides; taken as 0 at the corner too
            elif f == "relu":
                w(f"relu{k}", relu(u))
                slope = 1 if u > 0 else 0
            elif f == "identity":
                w(f"identity{k}", u)
                slope = 1
            else:  # the derivative from the output just written: σ(1 − σ), 1 − tanh²
                y = w(f"{f}{k}", ACTIVATION[f](u))
                slope = SLOPE_FROM_OUTPUT[f](y)
            if p["derivatives"]:
                w(f"d{f}{k}", slope)
    if p["softmax"]:
        softmax(w, p["softmax"], "sm_max", lambda i: f"sm_e{i}", "sm_sum", lambda i: f"sm_y{i}")


def forward(p: dict, w) -> None:
    """A = (input)·W + B, Z = h(A), layer by layer, a row per sample; the output identity or softmax."""
    x, Ws, Bs = p["inputs"], p["weights"], p["biases"]
    h, n, layers = ACTIVATION[p["hidden"]], len(x), len(Ws)
    for l, W in enumerate(Ws, start=1):
        w(f"rows{l}", n)  # (N × K)·(K × M) gives N × M
    for l, W in enumerate(Ws, start=1):
        w(f"cols{l}", len(W[0]))
    z = [[dec(v) for v in row] for row in x]
    for l, (W, B) in enumerate(zip(Ws, Bs), start=1):
        a = [[w(f"A{l}_{i + 1}_{j + 1}", sum(zi[k] * dec(W[k][j]) for k in range(len(W))) + dec(B[j]))
              for j in range(len(B))] for i, zi in enumerate(z)]
        if l < layers:
            z = [[w(f"Z{l}_{i + 1}_{j + 1}", h(v)) for j, v in enumerate(row)] for i, row in enumerate(a)]
        elif p["output"] == "softmax":
            for i, row in enumerate(a, start=1):
                softmax(w, row, f"max_{i}", lambda j, i=i: f"e_{i}_{j}", f"sum_{i}", lambda j, i=i: f"Y_{i}_{j}")
        else:
            for i, row in enumerate(a, start=1):
                for j, v in enumerate(row, start=1):
                    w(f"Y_{i}_{j}", v)


# ----- gradient descent on one neuron: neuron, logistic

def neuron(p: dict, w) -> None:
    """u = Σ wᵢxᵢ + b, y = f(u), E = ½(t − y)², δ = (y − t)·f'(u), ∂E/∂wᵢ = δ·xᵢ, wᵢ' = wᵢ − η·∂E/∂wᵢ."""
    f, slope, lr = ACTIVATION[p["activation"]], SLOPE_FROM_OUTPUT[p["activation"]], dec(p["learning_rate"])
    samples, names = p["samples"], [s["name"] for s in p["samples"]]
    weights, b = [dec(v) for v in p["initial_weights"]], dec(p["bias"])
    for step, name in enumerate(p["trials"], start=1):
        smp = samples[names.index(name)]
        xs, t = [dec(v) for v in smp["inputs"]], dec(smp["teacher"])
        u = w(f"u{step}", sum(a * c for a, c in zip(weights, xs)) + b)
        y = w(f"y{step}", f(u))
        w(f"E{step}", (t - y) ** 2 / 2)
        d = w(f"d{step}", (y - t) * slope(y))
        gs = [w(f"g{step}_{i}", d * xi) for i, xi in enumerate(xs, start=1)]
        gb = w(f"gb{step}", d) if p["learn_bias"] else None
        weights = [w(f"w{step}_{i}", wi - lr * g) for i, (wi, g) in enumerate(zip(weights, gs), start=1)]
        if p["learn_bias"]:
            b = w(f"b{step}", b - lr * gb)
    for k, smp in enumerate(samples, start=1):
        u = w(f"ua{k}", sum(a * dec(c) for a, c in zip(weights, smp["inputs"])) + b)
        y = w(f"ya{k}", f(u))
        w(f"Ea{k}", (dec(smp["teacher"]) - y) ** 2 / 2)


def logistic(p: dict, w) -> None:
    """The cross-entropy run (δ = y − t), then the squared error's from the same start (δ = (y − t)·y(1 − y)),
    the ratio of their deltas, and each run's final weights on every sample."""
    lr, samples = dec(p["learning_rate"]), p["samples"]
    names = [s["name"] for s in samples]

    def run(prefix: str, cross_entropy: bool):
        weights, b, out = [dec(v) for v in p["initial_weights"]], dec(p["bias"]), []
        for step, name in enumerate(p["trials"], start=1):
            smp = samples[names.index(name)]
            xs, t = [dec(v) for v in smp["inputs"]], dec(smp["teacher"])
            u = w(f"{prefix}u{step}", sum(a * c for a, c in zip(weights, xs)) + b)
            y = w(f"{prefix}y{step}", sigmoid(u))
            if cross_entropy:  # E = −[t ln y + (1 − t) ln(1 − y)], natural log; a term with factor 0 is 0
                w(f"E{step}", -((float(t) * ln(y) if t else 0) + ((1 - float(t)) * ln(1 - y) if t != 1 else 0)))
                d = w(f"d{step}", y - t)
            else:
                d = w(f"sd{step}", (y - t) * y * (1 - y))
            gs = [w(f"{prefix}g{step}_{i}", d * xi) for i, xi in enumerate(xs, start=1)]
            weights = [w(f"{prefix}w{step}_{i}", wi - lr * g) for i, (wi, g) in enumerate(zip(weights, gs), start=1)]
            b = w(f"{prefix}b{step}", b - lr * d)
            out.append(d)
        return weights, b, out

    runs = [("", *run("", True))]
    if p["compare"]:
        runs.append(("s", *run("s", False)))
        for step, (d, sd) in enumerate(zip(runs[0][3], runs[1][3]), start=1):
            w(f"r{step}", over(d, sd))
    for prefix, weights, b, _ in runs:
        for k, smp in enumerate(samples, start=1):
            tag = f"{prefix}a{k}" if len(samples) > 1 else f"{prefix}a"
            u = w(f"{tag}_u", sum(a * dec(c) for a, c in zip(weights, smp["inputs"])) + b)
            w(f"{tag}_y", sigmoid(u))


# ----- backpropagation through two layers

def backprop(p: dict, w) -> None:
    n, hidden, out = p["shape"]
    f, g = ACTIVATION[p["hidden"]], ACTIVATION[p["output"]]
    df, dg = SLOPE_FROM_OUTPUT[p["hidden"]], SLOPE_FROM_OUTPUT[p["output"]]
    lr, mode, learn = dec(p["learning_rate"]), p["biases"], p["learn_biases"]
    W = [[dec(v) for v in row] for row in p["hidden_weights"]]  # W[i][j]: input i to hidden unit j
    V = [[dec(v) for v in row] for row in p["output_weights"]]  # V[j][k]: hidden unit j to output k
    per_unit = {"per_unit": lambda bs, size: [dec(v) for v in bs], "per_layer": lambda b, size: [dec(b)] * size,
                "none": lambda _, size: [dec(0)] * size}[mode]
    b, c = per_unit(p.get("hidden_bias"), hidden), per_unit(p.get("output_bias"), out)
    samples, names = p["samples"], [s["name"] for s in p["samples"]]

    def forward_pass(tag: str, smp: dict):
        xs = [dec(v) for v in smp["inputs"]]
        ts = xs if p.get("autoencoder") else [dec(v) for v in smp["targets"]]
        hs = []
        for j in range(hidden):
            u = w(f"u{tag}_{j + 1}", sum(xs[i] * W[i][j] for i in range(n)) + b[j])
            hs.append(w(f"h{tag}_{j + 1}", f(u)))
        ys = []
        for k in range(out):
            z = w(f"z{tag}_{k + 1}", sum(hs[j] * V[j][k] for j in range(hidden)) + c[k])
            ys.append(w(f"y{tag}_{k + 1}", g(z)))
        w(f"E{tag}", sum((t - y) ** 2 for t, y in zip(ts, ys)) / 2)
        return xs, ts, hs, ys

    for step, name in enumerate(p["trials"], start=1):
        xs, ts, hs, ys = forward_pass(str(step), samples[names.index(name)])
        do = []
        for k in range(out):  # δₖ = (yₖ − tₖ)·g'(zₖ), g' from the output
            if p["output"] == "identity":
                do.append(w(f"do{step}_{k + 1}", ys[k] - ts[k]))
            else:
                dy = w(f"dy{step}_{k + 1}", ys[k] - ts[k])
                do.append(w(f"do{step}_{k + 1}", dy * w(f"gz{step}_{k + 1}", dg(ys[k]))))
        gv = [[w(f"gv{step}_{j + 1}_{k + 1}", do[k] * hs[j]) for k in range(out)] for j in range(hidden)]
        dh, gw = [], [[None] * hidden for _ in range(n)]
        for j in range(hidden):  # δⱼ = (Σₖ δₖvⱼₖ)·f'(uⱼ), with the output weights from before the update
            back = w(f"sh{step}_{j + 1}", sum(do[k] * V[j][k] for k in range(out)))
            dh.append(w(f"dh{step}_{j + 1}", back * w(f"gu{step}_{j + 1}", df(hs[j]))))
            for i in range(n):
                gw[i][j] = w(f"gw{step}_{i + 1}_{j + 1}", dh[j] * xs[i])
        W = [[w(f"w{step}_{i + 1}_{j + 1}", W[i][j] - lr * gw[i][j]) for j in range(hidden)] for i in range(n)]
        V = [[w(f"v{step}_{j + 1}_{k + 1}", V[j][k] - lr * gv[j][k]) for k in range(out)] for j in range(hidden)]
        if learn and mode == "per_unit":
            b = [w(f"b{step}_{j + 1}", b[j] - lr * dh[j]) for j in range(hidden)]
            c = [w(f"c{step}_{k + 1}", c[k] - lr * do[k]) for k in range(out)]
        elif learn:  # one bias shared by a layer: its gradient is the sum of the layer's deltas
            b = [w(f"b{step}", b[0] - lr * w(f"gb{step}", sum(dh)))] * hidden
            c = [w(f"c{step}", c[0] - lr * w(f"gc{step}", sum(do)))] * out
    for s, smp in enumerate(samples, start=1):
        forward_pass(f"a{s}", smp)


def vanishing(p: dict, w) -> None:
    """Forward along the chain uₗ = wₗ·zₗ₋₁ (+ bₗ), zₗ = f(uₗ), f'(uₗ); backward from ∂E/∂z_L = 1:
    δ_L = f'(u_L), δₗ = f'(uₗ)·wₗ₊₁·δₗ₊₁; and δ₁ / δ_L."""
    ws, bs, L = [dec(v) for v in p["weights"]], [dec(v) for v in p["biases"]], len(p["weights"])
    u1 = None
    for f in p["functions"]:
        z, slopes = dec(p["input"]), []
        for l in range(1, L + 1):
            if l == 1 and u1 is not None:
                u = u1  # the first sum is the same for every function: written once
            else:
                u = w("u1" if l == 1 else f"{f}_u{l}", ws[l - 1] * z + (bs[l - 1] if bs else 0))
                u1 = u1 if l > 1 else u
            z = w(f"{f}_z{l}", ACTIVATION[f](u))
            slope = dec(1 if u > 0 else 0) if f == "relu" else SLOPE_FROM_OUTPUT[f](z)
            slopes.append(w(f"{f}_d{l}", slope))
        g = {L: w(f"{f}_g{L}", slopes[L - 1] * 1)}
        for l in range(L - 1, 0, -1):
            g[l] = w(f"{f}_g{l}", slopes[l - 1] * ws[l] * g[l + 1])
        w(f"{f}_ratio", over(g[1], g[L]))


TWINS = {"counting": counting, "matchbox": matchbox, "perceptron": perceptron, "gates": gates,
         "activations": activations, "forward": forward, "neuron": neuron, "logistic": logistic,
         "backprop": backprop, "vanishing": vanishing}


def twin(kind: str, params: dict, places: dict, slips: dict | None = None, keep_all: bool = False) -> dict:
    pen = Pen(places, slips, keep_all)
    TWINS[kind](params, pen)
    return pen.numbers()
