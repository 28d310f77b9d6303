"""`lstm`: one LSTM unit unrolled over the sheet's time steps, its gates i, f, g, o (PyTorch's order), the memory
cell cₜ = fₜ·cₜ₋₁ + iₜ·gₜ and hₜ = oₜ·tanh(cₜ), the loss, `loss.backward()` and the SGD update."""
from __future__ import annotations

from .hand import activations, value_only

GATES = "ifgo"
ACTIVATION = {"i": "Sigmoid", "f": "Sigmoid", "g": "Tanh", "o": "Sigmoid"}


def body(sheet) -> str:
    p, q = sheet.params, sheet.ws.quantities
    T, D, every = len(p["inputs"]), len(p["inputs"][0]), p["loss"] == "every"
    steps = range(1, T + 1)
    targets = list(steps) if every else [T]
    lines = [sheet.comment("The sheet's numbers. The gates in PyTorch's order: i (input), f (forget), "
                           "g (new memory), o (output)",
                           "シートの数値。ゲートは PyTorch の順: i (入力)、f (忘却)、g (新しい記憶)、o (出力)"),
             f"lr = {sheet.value('lr')}",
             f"xs = {sheet.tensor([[f'x{t}_{d}' for d in range(1, D + 1)] for t in steps])}  # "
             + sheet.say("xs[t - 1]: the input at time step t", "xs[t - 1]: 時刻 t の入力"),
             "targets = {" + ", ".join(f"{t}: {sheet.value(f't{t}')}" for t in targets) + "}",
             f"h0, c0 = torch.tensor({sheet.value('h0')}), torch.tensor({sheet.value('c0')})",
             f"Wx = {sheet.tensor([[f'wx_{k}_{d}' for k in GATES] for d in range(1, D + 1)], grad=True)}  # "
             + sheet.say("Wx[d, k]: input part d → gate k", "Wx[d, k]: 入力の成分 d → ゲート k"),
             f"wh = {sheet.tensor([f'wh_{k}' for k in GATES], grad=True)}  # "
             + sheet.say("wh[k]: hₜ₋₁ → gate k", "wh[k]: hₜ₋₁ → ゲート k"),
             f"b = {sheet.tensor([f'b_{k}' for k in GATES], grad=True)}",
             *activations(sheet, ["sigmoid", "tanh"], sheet.decimals("loss"), slope_rounded=False),
             "", "", *value_only(sheet, sheet.decimals("loss")), "", ""]
    kept = []
    for t in steps:
        lines += [sheet.comment(f"Time step {t}", f"時刻 {t}"),
                  f"a{t} = as_written(xs[{t - 1}] @ Wx + h{t - 1} * wh + b)  # "
                  + sheet.say("the four gates' sums", "4つのゲートの入力の総和")]
        lines += [f"{k}{t} = rounded({ACTIVATION[k]}.apply(a{t}[{n}]))" for n, k in enumerate(GATES)]
        lines += [f"c{t} = as_written(f{t} * c{t - 1} + i{t} * g{t})  # "
                  + sheet.say("the memory cell", "記憶セル"),
                  f"tc{t} = rounded(Tanh.apply(c{t}))",
                  f"h{t} = as_written(o{t} * tc{t})"]
        kept += [f"a{t}", f"c{t}"] + ([f"h{t}"] if t < T else [])
    lines.append("loss = as_written(" + " + ".join(f"0.5 * (h{t} - targets[{t}]) ** 2" for t in targets) + ")")
    forward = {"loss": "loss"}
    for t in steps:
        forward.update({f"a{t}_{k}": f"a{t}[{n}]" for n, k in enumerate(GATES)})
        forward.update({f"{k}{t}": f"{k}{t}" for k in GATES})
        forward.update({f"c{t}": f"c{t}", f"tc{t}": f"tc{t}", f"h{t}": f"h{t}", f"e{t}": f"h{t} - targets[{t}]"})
    lines += [sheet.show(name, forward[name]) for name in q if name in forward]
    lines += ["", sheet.comment("Backward through time: autograd runs the unrolled steps backwards, along h and "
                                "along the memory cell c", "時間をさかのぼる逆伝播: autograd が展開した時刻を、"
                                "h と記憶セル c の2つの経路で逆向きにたどります"),
              f"for middle in ({', '.join(kept)}):",
              "    middle.retain_grad()  # " + sheet.say("keep ∂E/∂a (the δ of each gate), ∂E/∂c and ∂E/∂h",
                                                        "∂E/∂a (各ゲートの δ)、∂E/∂c、∂E/∂h も残します"),
              "loss.backward()"]
    backward = {}
    for t in steps:
        backward.update({f"dh{t}": f"h{t}.grad", f"dc{t}": f"c{t}.grad"})
        backward.update({f"d{k}{t}": f"a{t}.grad[{n}]" for n, k in enumerate(GATES)})
    for n, k in enumerate(GATES):
        backward.update({f"gwx_{k}_{d}": f"Wx.grad[{d - 1}, {n}]" for d in range(1, D + 1)})
        backward.update({f"gwh_{k}": f"wh.grad[{n}]", f"gb_{k}": f"b.grad[{n}]"})
    lines += [sheet.show(name, backward[name]) for name in q if name in backward]
    lines += ["", "with torch.no_grad():  # " + sheet.say("the update, w' = w − η·∂E/∂w, with ∂E/∂w as the sheet "
                                                         "writes it", "更新 w' = w − η·∂E/∂w (∂E/∂w はシートと同じく丸めます)")]
    lines += [f"    {w} = as_written({w} - lr * as_written({w}.grad))" for w in ("Wx", "wh", "b")]
    new = {}
    for n, k in enumerate(GATES):
        new.update({f"nwx_{k}_{d}": f"Wx[{d - 1}, {n}]" for d in range(1, D + 1)})
        new.update({f"nwh_{k}": f"wh[{n}]", f"nb_{k}": f"b[{n}]"})
    lines += [sheet.show(name, new[name]) for name in q if name in new]
    return "\n".join(lines)
