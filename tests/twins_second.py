"""Independent learner twins for ten kinds (issue 20): softmax, descent, conv, optimizers, batchnorm, dropout,
rnn, lstm, gru and gan.

A twin is a careful learner simulated by plain Python written from the math of the exercise (the sheet's own
instructions), never from matchbox: it imports nothing of the package. Given a variant's parameters and its
givens as printed, it works the sheet top to bottom, writes every answer rounded half up to the sheet's
decimals (or exactly, where the sheet says so) and goes on from what it wrote. `slips` names cells where the
learner writes a wrong number instead; every later answer is then worked from that wrong number, as a learner
would. So a bug shared by the sheet's key and the grader cannot hide from the tests built on these twins.

twin(kind, params, givens, slips) -> {quantity name: the number written}
"""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal


def half_up(x: float, decimals: int) -> float:
    """Rounded half up as a person rounds what the calculator shows (12 significant digits, so a sum like
    0.03735 + 0.0726 reads 0.10995, not the binary 0.10994999999999999): 0.10995 -> 0.1100 at 4 decimals."""
    shown = Decimal(f"{x:.12g}")
    return float(shown.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)) + 0.0


def half_way(x: float, decimals: int) -> bool:
    """Does the calculator show a 5 right after the last decimal asked for, and nothing after it?"""
    digits = Decimal(f"{x:.12g}").scaleb(decimals + 1)
    return digits == digits.to_integral_value() and abs(digits) % 10 == 5


def sigmoid(u: float) -> float:
    return 1 / (1 + math.exp(-u))


class Learner:
    """What the learner has written so far: each answer rounded as told (or a slip), then built on."""

    def __init__(self, decimals: int, slips: dict | None = None):
        self.decimals, self.slips, self.written = decimals, dict(slips or {}), {}
        self.ties: list[str] = []  # answers whose calculator number lay exactly half-way: rounded up

    def write(self, name: str, value: float, exact: bool = False) -> float:
        if name in self.slips:
            value = float(self.slips[name])
        elif not exact:
            if half_way(value, self.decimals):
                self.ties.append(name)
            value = half_up(value, self.decimals)
        self.written[name] = value
        return value


def softmax(p: dict, g: dict, w) -> None:
    samples = p["samples"]
    several = len(samples) > 1
    losses = []
    for k, smp in enumerate(samples, start=1):
        pre = f"s{k}_" if several else ""
        n = len(smp.get("scores") or smp["outputs"])
        if "scores" in smp:
            scores = [g[f"{pre}a{i}"] for i in range(1, n + 1)]
            top = w(pre + "max", max(scores))
            exps = [w(f"{pre}e{i}", math.exp(a - top)) for i, a in enumerate(scores, start=1)]
            total = w(pre + "sum", sum(exps))
            ys = [w(f"{pre}y{i}", e / total) for i, e in enumerate(exps, start=1)]
        else:
            ys = [g[f"{pre}y{i}"] for i in range(1, n + 1)]
        right = smp["target"]
        # one-hot teacher: −Σ tₖ ln yₖ keeps the right class's term only
        losses.append(w(pre + "E", -math.log(ys[right] + p["log_epsilon"])))
        for i, y in enumerate(ys):
            w(f"{pre}g{i + 1}", y - (1 if i == right else 0))
    if several:
        w("mean_E", sum(losses) / len(losses))


def bowl(a: list, c: list, x: list) -> float:
    """f = Σ aᵢ(xᵢ − cᵢ)²"""
    return sum(ai * (xi - ci) ** 2 for ai, xi, ci in zip(a, x, c))


def descent(p: dict, g: dict, w) -> None:
    a, c, h, lr = p["coefficients"], p["center"], g["h"], g["lr"]
    n = len(a)
    x = [g[f"x{i}_0"] for i in range(n)]
    w("f_0", bowl(a, c, x))
    for k in range(1, p["steps"] + 1):
        grads = []
        for i in range(n):
            plus = [xj + h if j == i else xj for j, xj in enumerate(x)]
            minus = [xj - h if j == i else xj for j, xj in enumerate(x)]
            fp, fm = w(f"fp{i}_{k}", bowl(a, c, plus)), w(f"fm{i}_{k}", bowl(a, c, minus))
            w(f"n{i}_{k}", (fp - fm) / (2 * h))
            grads.append(w(f"g{i}_{k}", 2 * a[i] * (x[i] - c[i])))
        x = [w(f"x{i}_{k}", x[i] - lr * grads[i]) for i in range(n)]
        w(f"f_{k}", bowl(a, c, x))


def conv(p: dict, g: dict, w) -> None:
    """Convolution and max pooling exact, average pooling rounded (as the sheet says)."""
    channels, height, width = len(p["image"]), len(p["image"][0]), len(p["image"][0][0])
    kh, kw = len(p["kernels"][0][0]), len(p["kernels"][0][0][0])
    s, pad = p["stride"], p["pad"]
    # the places the kernel fits, counted: where the stride does not divide H + 2P − FH, the last rows
    # (columns) are never under it, and the sheet's printed (H + 2P − FH) / S + 1 is not a whole number
    oh, ow = (height + 2 * pad - kh) // s + 1, (width + 2 * pad - kw) // s + 1
    w("OH", oh, exact=True)
    w("OW", ow, exact=True)

    def pixel(ch, r, q):  # the padded image: zeros outside
        return g[f"x{ch + 1}_{r + 1}_{q + 1}"] if 0 <= r < height and 0 <= q < width else 0.0

    outs = []
    for f in range(len(p["kernels"])):
        out = {}
        for i in range(oh):
            for j in range(ow):
                total = g[f"b{f + 1}"] + sum(
                    pixel(ch, i * s + u - pad, j * s + v - pad) * g[f"k{f + 1}_{ch + 1}_{u + 1}_{v + 1}"]
                    for ch in range(channels) for u in range(kh) for v in range(kw))
                out[i, j] = w(f"c{f + 1}_{i + 1}_{j + 1}", total, exact=True)
        outs.append(out)
    if p["pool"]:
        size, ps = p["pool"]["size"], p["pool"]["stride"]
        ph, pw = (oh - size) // ps + 1, (ow - size) // ps + 1
        for mode in p["pool"]["modes"]:
            for f, out in enumerate(outs):
                for i in range(ph):
                    for j in range(pw):
                        win = [out[i * ps + u, j * ps + v] for u in range(size) for v in range(size)]
                        name = f"{mode}{f + 1}_{i + 1}_{j + 1}"
                        if mode == "max":
                            w(name, max(win), exact=True)
                        else:
                            w(name, sum(win) / len(win))


def optimizers(p: dict, g: dict, w) -> None:
    a, c = p["coefficients"], p["center"]
    for opt in p["optimizers"]:
        s = {key: g[f"{opt}_{key}"] for key in p[opt]}
        for i in range(len(a)):
            x, v, h, m, sq = g[f"x{i}_0"], 0.0, 0.0, 0.0, 0.0
            for t in range(1, p["steps"] + 1):
                def put(name, value, head=f"{opt}_", tail=f"{i}_{t}"):  # adam_m0_1: m of x₀ at step 1
                    return w(f"{head}{name}{tail}", value)
                grad = put("g", 2 * a[i] * (x - c[i]))
                if opt == "sgd":
                    x = put("x", x - s["lr"] * grad)
                elif opt == "momentum":
                    v = put("v", s["momentum"] * v - s["lr"] * grad)
                    x = put("x", x + v)
                elif opt == "adagrad":
                    h = put("h", h + grad * grad)
                    x = put("x", x - s["lr"] * grad / (math.sqrt(h) + s["eps"]))
                elif opt == "adam":
                    m = put("m", s["beta1"] * m + (1 - s["beta1"]) * grad)
                    sq = put("s", s["beta2"] * sq + (1 - s["beta2"]) * grad * grad)
                    m_hat = put("mh", m / (1 - s["beta1"] ** t))
                    s_hat = put("sh", sq / (1 - s["beta2"] ** t))
                    x = put("x", x - s["lr"] * m_hat / (math.sqrt(s_hat) + s["eps"]))
                else:
                    raise ValueError(f"the twin does not know the optimizer {opt}")


def batchnorm(p: dict, g: dict, w) -> None:
    n, features = len(p["inputs"]), len(p["inputs"][0])
    rows = range(1, n + 1)
    seen = {}
    for j in range(1, features + 1):
        f = f"f{j}_"
        x = [g[f"{f}x{i}"] for i in rows]
        mu = w(f + "mu", sum(x) / n)
        dev = [w(f"{f}d{i}", xi - mu) for i, xi in zip(rows, x)]
        var = w(f + "var", sum(d * d for d in dev) / n)  # divided by N, as in training
        std = w(f + "std", math.sqrt(var + g["eps"]))
        xh = [w(f"{f}xh{i}", d / std) for i, d in zip(rows, dev)]
        for i, v in zip(rows, xh):
            w(f"{f}y{i}", g[f"gamma{j}"] * v + g[f"beta{j}"])
        seen[j] = std, xh
    if not p["backward"]:
        return
    for j in range(1, features + 1):
        f, (std, xh) = f"f{j}_", seen[j]
        dy = [g[f"{f}dy{i}"] for i in rows]
        w(f + "dbeta", sum(dy))
        w(f + "dgamma", sum(d * v for d, v in zip(dy, xh)))
        dxh = [w(f"{f}dxh{i}", d * g[f"gamma{j}"]) for i, d in zip(rows, dy)]
        m1 = w(f + "m1", sum(dxh) / n)
        m2 = w(f + "m2", sum(d * v for d, v in zip(dxh, xh)) / n)
        for i, d, v in zip(rows, dxh, xh):
            w(f"{f}dx{i}", (d - m1 - v * m2) / std)


def dropout(p: dict, g: dict, w) -> None:
    drop = g["p"]
    keep = 1 - drop
    n = len(p["inputs"])
    ys = {}
    for b in ([1, 2] if p["second_batch"] else [1]):
        for i in range(1, n + 1):  # inverted dropout: the kept are scaled up in training
            ys[b, i] = w(f"y{b}_{i}", g[f"x{b}_{i}"] * g[f"m{b}_{i}"] / keep)
        for i in range(1, n + 1):  # back through the same mask
            w(f"d{b}_{i}", g[f"g{b}_{i}"] * g[f"m{b}_{i}"] / keep)
    for i in range(1, n + 1):  # test time: nothing dropped, nothing scaled
        w(f"t_{i}", g[f"x1_{i}"])
    k = p["neuron"]
    w("inv_E", keep * ys[1, k] + drop * 0)  # E[y] over the mask: kept with probability 1 − p
    kept = w("orig_y", g[f"x1_{k}"] * g[f"m1_{k}"])  # the original: no scaling in training...
    w("orig_E", keep * kept)
    w("orig_t", g[f"x1_{k}"] * keep)  # ...and × (1 − p) at test time


def rnn(p: dict, g: dict, w) -> None:
    if p["hidden"] != 1 or p["outputs"] != "last":
        raise ValueError("the rnn twin works one hidden unit with the output at the last step")
    xs = [g[f"x{t}"] for t in range(1, len(p["inputs"]) + 1)]
    T = len(xs)
    wx, wh, b, v, c, lr = g["Wx_1"], g["Wh_1_1"], g["b_1"], g["v_1"], g["c"], g["lr"]
    h = [g["h0_1"]]
    for t, x in enumerate(xs, start=1):
        a = w(f"a{t}_1", x * wx + h[-1] * wh + b)
        h.append(w(f"h{t}_1", math.tanh(a)))
    y = w(f"y{T}", h[T] * v + c)
    w("E", (y - g["tg"]) ** 2 / 2)
    dy = w(f"dy{T}", y - g["tg"])
    da = {}
    for t in range(T, 0, -1):  # back through time: the output's share at T, the future's before
        dh = w(f"dh{t}_1", dy * v if t == T else da[t + 1] * wh)
        slope = w(f"d{t}_1", 1 - h[t] ** 2)
        da[t] = w(f"da{t}_1", dh * slope)
    sx = [w(f"sx{t}_1", da[t] * xs[t - 1]) for t in range(T, 0, -1)]
    sh = [w(f"sh{t}_1_1", da[t] * h[t - 1]) for t in range(T, 0, -1)]
    grads = {"Wx_1": w("gWx_1", sum(sx)), "Wh_1_1": w("gWh_1_1", sum(sh)), "b_1": w("gb_1", sum(da.values())),
             "v_1": w("gv_1", dy * h[T]), "c": w("gc", dy)}
    for name, grad in grads.items():
        w(f"n{name}", g[name] - lr * grad)


GATES = "ifgo"  # PyTorch's order


def lstm(p: dict, g: dict, w) -> None:
    if p["loss"] != "last":
        raise ValueError("the lstm twin works the loss at the last step")
    T, D = len(p["inputs"]), len(p["inputs"][0])
    xs = {t: [g[f"x{t}_{k}"] for k in range(1, D + 1)] for t in range(1, T + 1)}
    wx = {q: [g[f"wx_{q}_{k}"] for k in range(1, D + 1)] for q in GATES}
    h, c, gate = {0: g["h0"]}, {0: g["c0"]}, {}
    for t in range(1, T + 1):
        for q in GATES:
            a = w(f"a{t}_{q}", sum(x * u for x, u in zip(xs[t], wx[q])) + h[t - 1] * g[f"wh_{q}"] + g[f"b_{q}"])
            gate[q, t] = w(f"{q}{t}", math.tanh(a) if q == "g" else sigmoid(a))
        c[t] = w(f"c{t}", gate["f", t] * c[t - 1] + gate["i", t] * gate["g", t])
        tc = w(f"tc{t}", math.tanh(c[t]))
        h[t] = w(f"h{t}", gate["o", t] * tc)
        gate["tc", t] = tc
    target = g[f"t{T}"]
    dh = w(f"e{T}", h[T] - target)
    w("loss", (h[T] - target) ** 2 / 2)
    delta, dc_next = {}, 0.0
    for t in range(T, 0, -1):
        if t < T:
            dh = w(f"dh{t}", sum(delta[q, t + 1] * g[f"wh_{q}"] for q in GATES))
        i, f, gg, o, tc = (gate[k, t] for k in ("i", "f", "g", "o", "tc"))
        through = dc_next * gate["f", t + 1] if t < T else 0.0  # the cell's gradient from the future
        dc = w(f"dc{t}", dh * o * (1 - tc * tc) + through)
        delta["i", t] = w(f"di{t}", dc * gg * i * (1 - i))
        delta["f", t] = w(f"df{t}", dc * c[t - 1] * f * (1 - f))
        delta["g", t] = w(f"dg{t}", dc * i * (1 - gg * gg))
        delta["o", t] = w(f"do{t}", dh * tc * o * (1 - o))
        dc_next = dc
    steps = range(1, T + 1)
    for q in GATES:
        for k in range(D):
            grad = w(f"gwx_{q}_{k + 1}", sum(delta[q, t] * xs[t][k] for t in steps))
            w(f"nwx_{q}_{k + 1}", wx[q][k] - g["lr"] * grad)
        grad = w(f"gwh_{q}", sum(delta[q, t] * h[t - 1] for t in steps))
        w(f"nwh_{q}", g[f"wh_{q}"] - g["lr"] * grad)
        grad = w(f"gb_{q}", sum(delta[q, t] for t in steps))
        w(f"nb_{q}", g[f"b_{q}"] - g["lr"] * grad)


def gru(p: dict, g: dict, w) -> None:
    T = len(p["inputs"])
    xs = {t: g[f"x{t}"] for t in range(1, T + 1)}
    h, s = {0: g["h0"]}, {}
    for t in range(1, T + 1):
        x, prev = xs[t], h[t - 1]
        s["r", t] = w(f"r{t}", sigmoid(w(f"ur{t}", x * g["Wxr"] + prev * g["Whr"] + g["br"])))
        s["z", t] = w(f"z{t}", sigmoid(w(f"uz{t}", x * g["Wxz"] + prev * g["Whz"] + g["bz"])))
        s["m", t] = w(f"m{t}", prev * g["Whn"] + g["bhn"])
        s["n", t] = w(f"n{t}", math.tanh(w(f"un{t}", x * g["Wxn"] + s["r", t] * s["m", t] + g["bn"])))
        h[t] = w(f"h{t}", (1 - s["z", t]) * s["n", t] + s["z", t] * prev)  # PyTorch's form
    w("E", (h[T] - g["target"]) ** 2 / 2)
    d = {}
    for t in range(T, 0, -1):
        if t == T:
            dh = w(f"dh{t}", h[T] - g["target"])
        else:  # straight through z, and back through the three gates' Wh
            dh = w(f"dh{t}", d["h", t + 1] * s["z", t + 1] + d["lr", t + 1] * g["Whr"]
                   + d["lz", t + 1] * g["Whz"] + d["m", t + 1] * g["Whn"])
        r, z, n, m = s["r", t], s["z", t], s["n", t], s["m", t]
        d["h", t] = dh
        dz = w(f"dz{t}", dh * (h[t - 1] - n))
        d["lz", t] = w(f"dlz{t}", dz * z * (1 - z))
        dn = w(f"dn{t}", dh * (1 - z))
        d["ln", t] = w(f"dln{t}", dn * (1 - n * n))
        d["m", t] = w(f"dm{t}", d["ln", t] * r)
        dr = w(f"dr{t}", d["ln", t] * m)
        d["lr", t] = w(f"dlr{t}", dr * r * (1 - r))
    steps = range(1, T + 1)
    shares = {"Wxr": [("lr", "x")], "Whr": [("lr", "h")], "br": [("lr", 1)],
              "Wxz": [("lz", "x")], "Whz": [("lz", "h")], "bz": [("lz", 1)],
              "Wxn": [("ln", "x")], "Whn": [("m", "h")], "bn": [("ln", 1)], "bhn": [("m", 1)]}
    for name, [(delta, by)] in shares.items():
        grad = w(f"g_{name}", sum(d[delta, t] * (xs[t] if by == "x" else h[t - 1] if by == "h" else 1)
                                  for t in steps))
        w(f"new_{name}", g[name] - g["lr"] * grad)


def gan(p: dict, g: dict, w) -> None:
    a, b, wd, c, x, z = g["a"], g["b"], g["w"], g["c"], g["x"], g["z"]
    lr = g["lr"]
    lr_g = g.get("lr_g", lr)
    fake = w("xf", a * z + b)
    d_real = w("Dr", sigmoid(w("ur", wd * x + c)))
    d_fake = w("Df", sigmoid(w("uf", wd * fake + c)))
    w("LD", -math.log(d_real) - math.log(1 - d_fake))
    gr, gf = w("gr", d_real - 1), w("gf", d_fake)
    w1 = w("w1", wd - lr * w("gw", gr * x + gf * fake))
    c1 = w("c1", c - lr * w("gc", gr + gf))
    if p["generator_sees"] == "old":  # simultaneous: the discriminator before its step
        seen, seen_w = d_fake, wd
    else:
        seen, seen_w = w("Df1", sigmoid(w("uf1", w1 * fake + c1))), w1
    w("LG", -math.log(seen))
    hu = w("hu", seen - 1)  # ∂(−ln σ(u))/∂u
    hx = w("hx", hu * seen_w)
    a1 = w("a1", a - lr_g * w("ha", hx * z))
    b1 = w("b1", b - lr_g * w("hb", hx))
    if p["after"]:
        w("Dr2", sigmoid(w("ur2", w1 * x + c1)))
        if p["generator_sees"] == "old":
            w("Df1", sigmoid(w("uf1", w1 * fake + c1)))
        w("Dn2", sigmoid(w("un2", w1 * w("xf2", a1 * z + b1) + c1)))


TWINS = {f.__name__: f for f in (softmax, descent, conv, optimizers, batchnorm, dropout, rnn, lstm, gru, gan)}


def work(kind: str, params: dict, givens: dict, slips: dict | None = None) -> Learner:
    """The learner after working the whole sheet: `written` (every answer) and `ties` (half-way cases)."""
    learner = Learner(params.get("decimals", 4), slips)
    TWINS[kind](params, givens, learner.write)
    return learner


def twin(kind: str, params: dict, givens: dict, slips: dict | None = None) -> dict:
    """Every answer of the sheet as a careful learner writes it, `slips` (name -> wrong number) included."""
    return work(kind, params, givens, slips).written
