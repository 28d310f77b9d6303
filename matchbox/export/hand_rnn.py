"""`rnn`: a recurrent network unrolled over the sheet's time steps, hₜ = tanh(xₜ·Wx + hₜ₋₁·Wh + b), the output
and the squared error, then `E.backward()` for backpropagation through time, and the SGD update."""
from __future__ import annotations

from .hand import activations


def body(sheet) -> str:
    p, q = sheet.params, sheet.ws.quantities
    H, T, every = p["hidden"], len(p["inputs"]), p["outputs"] == "every"
    units = range(1, H + 1)
    lines = [sheet.comment("The sheet's numbers (units numbered from 0 here, from 1 on the sheet)",
                           "シートの数値 (ユニットの番号はここでは 0 から、シートでは 1 から)"),
             f"lr = {sheet.value('lr')}",
             f"xs = {sheet.values([f'x{t}' for t in range(1, T + 1)])}"]
    lines.append(f"targets = {sheet.values([f'tg{t}' for t in range(1, T + 1)])}" if every
                 else f"target = {sheet.value('tg')}")
    lines += [f"h0 = {sheet.tensor([f'h0_{j}' for j in units])}",
              f"Wx = {sheet.tensor([f'Wx_{j}' for j in units], grad=True)}  # "
              + sheet.say("Wx[j]: the input → unit j", "Wx[j]: 入力 → ユニット j"),
              f"Wh = {sheet.tensor([[f'Wh_{i}_{j}' for j in units] for i in units], grad=True)}  # "
              + sheet.say("Wh[i, j]: unit i at t − 1 → unit j at t", "Wh[i, j]: 時刻 t − 1 のユニット i → 時刻 t のユニット j"),
              f"b = {sheet.tensor([f'b_{j}' for j in units], grad=True)}",
              f"v = {sheet.tensor([f'v_{j}' for j in units], grad=True)}  # "
              + sheet.say("v[j]: unit j → the output", "v[j]: ユニット j → 出力"),
              f"c = torch.tensor({sheet.value('c')}, requires_grad=True)",
              *activations(sheet, ["tanh"], sheet.decimals("E"), slope_rounded=True), "", "",
              sheet.comment(f"Forward, unrolled over the {T} time steps. Each step works with its own copy of the "
                            "shared weights,\n# so autograd keeps each step's share of their gradient, rounded "
                            "as the sheet writes it.",
                            f"順伝播: {T} 個の時刻に展開します。各時刻は共有の重みのコピーを使うので、\n"
                            "# autograd は各時刻の勾配の分をシートと同じく丸めて残します。")]
    kept, errors = [], []
    for t in range(1, T + 1):
        lines += [sheet.comment(f"t = {t}", f"時刻 {t}"), f"Wx{t}, Wh{t} = as_written(Wx), as_written(Wh)",
                  f"a{t} = as_written(xs[{t - 1}] * Wx{t} + h{t - 1} @ Wh{t} + b)",
                  f"h{t} = as_written(Tanh.apply(a{t}))"]
        kept += [f"a{t}", f"h{t}", f"Wx{t}", f"Wh{t}"]
        if every:
            lines += [f"y{t} = as_written(h{t} @ v + c)",
                      f"E{t} = as_written(0.5 * (y{t} - targets[{t - 1}]) ** 2)"]
            kept.append(f"y{t}")
            errors.append(f"E{t}")
    if every:
        lines.append(f"E = as_written({' + '.join(errors)})")
    else:
        lines += [f"y{T} = as_written(h{T} @ v + c)  # " + sheet.say("the output at the last step only",
                                                                   "最後の時刻だけの出力"),
                  f"E = as_written(0.5 * (y{T} - target) ** 2)"]
        kept.append(f"y{T}")
    forward = {"E": "E"}
    for t in range(1, T + 1):
        forward.update({f"y{t}": f"y{t}", f"E{t}": f"E{t}"})
        for j in units:
            forward.update({f"a{t}_{j}": f"a{t}[{j - 1}]", f"h{t}_{j}": f"h{t}[{j - 1}]"})
    lines += [sheet.show(name, forward[name]) for name in q if name in forward]
    lines += ["", sheet.comment("Backpropagation through time: autograd runs the unrolled steps backwards",
                                "通時的誤差逆伝播法: autograd が展開した時刻を逆向きにたどります"),
              f"for middle in ({', '.join(kept)}):",
              "    middle.retain_grad()  # " + sheet.say("keep their gradients too", "これらの勾配も残します"),
              "E.backward()"]
    backward = {"gc": "c.grad"}
    for t in range(1, T + 1):
        backward[f"dy{t}"] = f"y{t}.grad"
        for j in units:
            backward.update({f"dh{t}_{j}": f"h{t}.grad[{j - 1}]", f"d{t}_{j}": f"1 - h{t}[{j - 1}] ** 2",
                             f"da{t}_{j}": f"a{t}.grad[{j - 1}]", f"sx{t}_{j}": f"Wx{t}.grad[{j - 1}]"})
            backward.update({f"sh{t}_{i}_{j}": f"Wh{t}.grad[{i - 1}, {j - 1}]" for i in units})
    for j in units:
        backward.update({f"gWx_{j}": f"Wx.grad[{j - 1}]", f"gb_{j}": f"b.grad[{j - 1}]",
                         f"gv_{j}": f"v.grad[{j - 1}]"})
        backward.update({f"gWh_{i}_{j}": f"Wh.grad[{i - 1}, {j - 1}]" for i in units})
    lines += [sheet.show(name, backward[name]) for name in q if name in backward]
    lines += ["", "with torch.no_grad():  # " + sheet.say("the update, w' = w − η·∂E/∂w", "更新 w' = w − η·∂E/∂w")]
    lines += [f"    {w} = as_written({w} - lr * as_written({w}.grad))" for w in ("Wx", "Wh", "b", "v", "c")]
    new = {"nc": "c"}
    for j in units:
        new.update({f"nWx_{j}": f"Wx[{j - 1}]", f"nb_{j}": f"b[{j - 1}]", f"nv_{j}": f"v[{j - 1}]"})
        new.update({f"nWh_{i}_{j}": f"Wh[{i - 1}, {j - 1}]" for i in units})
    lines += [sheet.show(name, new[name]) for name in q if name in new]
    return "\n".join(lines)
