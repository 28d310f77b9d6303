"""`backprop`: a two-layer network, one sample per step: forward pass, E = ½Σ(t − y)², backward, update."""
from __future__ import annotations

from .hand import ACTIVATION, activations

# the slope f'(u) the sheet writes from the output y (autograd multiplies it in; the sheet asks for it)
SLOPE = {"sigmoid": "{y} * (1 - {y})", "tanh": "1 - {y} ** 2", "relu": "({y} > 0).double()",
         "identity": "torch.ones_like({y})"}


def body(sheet) -> str:
    p, q = sheet.params, sheet.ws.quantities
    n, hidden, out = p["shape"]
    mode, learn, ae = p["biases"], p["learn_biases"], p.get("autoencoder", False)
    names = [s["name"] for s in p["samples"]]
    has_b = mode != "none"

    def rows(prefix: str, r: int, c: int) -> str:
        """A matrix of givens, row by row, as Python source."""
        return "[" + ", ".join(sheet.values([f"{prefix}_{i + 1}_{j + 1}" for j in range(c)]) for i in range(r)) + "]"

    lines = [sheet.comment("The sheet's numbers", "シートの数値"),
             f"lr = {sheet.value('lr')}",
             f"W = torch.tensor({rows('w0', n, hidden)})  # W[i, j]: x{{i}} → h{{j}}",
             f"V = torch.tensor({rows('v0', hidden, out)})  # V[j, k]: h{{j}} → o{{k}}"]
    params = ["W", "V"]
    if mode == "per_unit":
        lines += [f"b = torch.tensor({sheet.values([f'b0_{j + 1}' for j in range(hidden)])})",
                  f"c = torch.tensor({sheet.values([f'c0_{k + 1}' for k in range(out)])})"]
    elif mode == "per_layer":
        lines += [f"b = torch.tensor({sheet.value('b0')})", f"c = torch.tensor({sheet.value('c0')})"]
    if has_b:
        params += ["b", "c"]
    lines.append("samples = {")
    for s, name in enumerate(names, start=1):
        xs = sheet.values([f"x{s}_{i + 1}" for i in range(n)])
        ts = "None" if ae else "torch.tensor(" + sheet.values([f"t{s}_{k + 1}" for k in range(out)]) + ")"
        lines.append(f"    {name!r}: (torch.tensor({xs}), {ts}),")
    lines.append("}")
    if ae:
        lines.append(sheet.comment("an autoencoder: each input is its own target", "自己符号化器: 入力がそのまま教師信号です"))
        lines.append("samples = {name: (x, x) for name, (x, _) in samples.items()}")
    f = ACTIVATION[p["hidden"]].format("u")
    g = ACTIVATION[p["output"]].format("z")
    bias_u, bias_z = (" + b", " + c") if has_b else ("", "")
    lines += [*activations(sheet, [p["hidden"], p["output"]], sheet.decimals("E1"), slope_rounded=True),
              "", "", "def forward(x, W, V" + (", b, c" if has_b else "") + "):",
              f"    u = as_written(x @ W{bias_u})",
              f"    h = as_written({f})",
              f"    z = as_written(h @ V{bias_z})",
              f"    y = as_written({g})",
              "    return u, h, z, y", ""]
    args = "W, V" + (", b, c" if has_b else "")
    trained = ["W", "V"] + (["b", "c"] if has_b and learn else [])
    for step, name in enumerate(p["trials"], start=1):
        s = names.index(name) + 1
        lines += ["", sheet.comment(f"Step {step}: sample {name}", f"ステップ{step}: サンプル {name}")]
        lines += [f"{w}.requires_grad_(True)" for w in trained]
        lines += [f"x, t = samples[{name!r}]",
                  f"u, h, z, y = forward(x, {args})",
                  "for middle in (u, h, z, y):",
                  "    middle.retain_grad()  # " + sheet.say("keep ∂E/∂u, ∂E/∂h, ∂E/∂z, ∂E/∂y",
                                                            "∂E/∂u, ∂E/∂h, ∂E/∂z, ∂E/∂y も残します"),
                  "E = as_written(0.5 * ((t - y) ** 2).sum())",
                  "E.backward()"]
        exprs = {f"E{step}": "E"}
        for j in range(hidden):
            exprs.update({f"u{step}_{j + 1}": f"u[{j}]", f"h{step}_{j + 1}": f"h[{j}]",
                          f"sh{step}_{j + 1}": f"h.grad[{j}]",
                          f"gu{step}_{j + 1}": SLOPE[p["hidden"]].format(y=f"h[{j}]"),
                          f"dh{step}_{j + 1}": f"u.grad[{j}]"})
            for i in range(n):
                exprs[f"gw{step}_{i + 1}_{j + 1}"] = f"W.grad[{i}, {j}]"
        for k in range(out):
            exprs.update({f"z{step}_{k + 1}": f"z[{k}]", f"y{step}_{k + 1}": f"y[{k}]",
                          f"dy{step}_{k + 1}": f"y.grad[{k}]",
                          f"gz{step}_{k + 1}": SLOPE[p["output"]].format(y=f"y[{k}]"),
                          f"do{step}_{k + 1}": f"z.grad[{k}]"})
            for j in range(hidden):
                exprs[f"gv{step}_{j + 1}_{k + 1}"] = f"V.grad[{j}, {k}]"
        if mode == "per_layer" and learn:
            exprs.update({f"gb{step}": "b.grad", f"gc{step}": "c.grad"})
        lines += [sheet.show(name, exprs[name]) for name in q if name in exprs]
        lines.append("with torch.no_grad():  # " + sheet.say("the update, w' = w − η·∂E/∂w",
                                                           "更新 w' = w − η·∂E/∂w"))
        lines += [f"    {w} = as_written({w} - lr * as_written({w}.grad))" for w in trained]
        new = {f"w{step}_{i + 1}_{j + 1}": f"W[{i}, {j}]" for i in range(n) for j in range(hidden)}
        new.update({f"v{step}_{j + 1}_{k + 1}": f"V[{j}, {k}]" for j in range(hidden) for k in range(out)})
        if mode == "per_unit":
            new.update({f"b{step}_{j + 1}": f"b[{j}]" for j in range(hidden)})
            new.update({f"c{step}_{k + 1}": f"c[{k}]" for k in range(out)})
        elif mode == "per_layer":
            new.update({f"b{step}": "b", f"c{step}": "c"})
        lines += [sheet.show(name, new[name]) for name in q if name in new]
    lines += ["", sheet.comment("A forward pass with the new weights", "更新後の重みで順伝播"),
              "with torch.no_grad():"]
    for s, name in enumerate(names, start=1):
        if not any(f"Ea{s}" == key for key in q):
            continue
        lines += [f"    x, t = samples[{name!r}]",
                  f"    u, h, z, y = forward(x, {args})",
                  "    E = as_written(0.5 * ((t - y) ** 2).sum())"]
        after = {f"Ea{s}": "E"}
        after.update({f"ua{s}_{j + 1}": f"u[{j}]" for j in range(hidden)})
        after.update({f"ha{s}_{j + 1}": f"h[{j}]" for j in range(hidden)})
        after.update({f"za{s}_{k + 1}": f"z[{k}]" for k in range(out)})
        after.update({f"ya{s}_{k + 1}": f"y[{k}]" for k in range(out)})
        lines += ["    " + sheet.show(key, after[key]) for key in q if key in after]
    return "\n".join(lines)
