"""`gru`: one GRU unit (PyTorch's form, torch.nn.GRU) unrolled over the sheet's time steps: the reset gate r, the
update gate z, the candidate n = tanh(x·Wxn + bn + r·m) with m = h·Whn + bhn and h' = (1 − z)·n + z·h; the
loss at the last step, `E.backward()` and the SGD update."""
from __future__ import annotations

from .hand import activations

PARAMS = ("Wxr", "Whr", "br", "Wxz", "Whz", "bz", "Wxn", "Whn", "bn", "bhn")


def body(sheet) -> str:
    p, q = sheet.params, sheet.ws.quantities
    T = len(p["inputs"])
    steps = range(1, T + 1)
    lines = [sheet.comment("The sheet's numbers", "シートの数値"),
             f"lr = {sheet.value('lr')}",
             f"xs = {sheet.values([f'x{t}' for t in steps])}  # "
             + sheet.say("xs[t - 1]: the input at time t", "xs[t - 1]: 時刻 t の入力"),
             f"target = {sheet.value('target')}",
             f"h0 = torch.tensor({sheet.value('h0')})"]
    lines += [f"{w} = torch.tensor({sheet.value(w)}, requires_grad=True)" for w in PARAMS]
    lines += [*activations(sheet, ["sigmoid", "tanh"], sheet.decimals("E"), slope_rounded=False), ""]
    kept = []
    for t in steps:
        h = f"h{t - 1}"
        lines += ["", sheet.comment(f"Time t = {t}", f"時刻 t = {t}"),
                  f"ur{t} = as_written(xs[{t - 1}] * Wxr + {h} * Whr + br)",
                  f"r{t} = as_written(Sigmoid.apply(ur{t}))  # " + sheet.say("the reset gate", "リセットゲート"),
                  f"uz{t} = as_written(xs[{t - 1}] * Wxz + {h} * Whz + bz)",
                  f"z{t} = as_written(Sigmoid.apply(uz{t}))  # " + sheet.say("the update gate", "更新ゲート"),
                  f"m{t} = as_written({h} * Whn + bhn)",
                  f"un{t} = as_written(xs[{t - 1}] * Wxn + bn + r{t} * m{t})",
                  f"n{t} = as_written(Tanh.apply(un{t}))  # " + sheet.say("the candidate", "新しい状態の候補"),
                  f"h{t} = as_written((1 - z{t}) * n{t} + z{t} * {h})"]
        kept += [f"{name}{t}" for name in ("ur", "r", "uz", "z", "m", "un", "n", "h")]
    lines += ["", f"E = as_written(0.5 * (h{T} - target) ** 2)  # "
              + sheet.say("the loss at the last step only", "誤差は最後の時刻だけ")]
    forward = {"E": "E"}
    for t in steps:
        forward.update({f"{name}{t}": f"{name}{t}" for name in ("ur", "r", "uz", "z", "m", "un", "n", "h")})
    lines += [sheet.show(name, forward[name]) for name in q if name in forward]
    lines += ["", sheet.comment("Backpropagation through time: autograd runs the unrolled steps backwards",
                                "通時的誤差逆伝播法: autograd が展開した時刻を逆向きにたどります"),
              f"for middle in ({', '.join(kept)}):",
              "    middle.retain_grad()  # " + sheet.say("keep every gradient the sheet asks for",
                                                        "シートが求める勾配をすべて残します"),
              "E.backward()"]
    backward = {f"dh{T}": f"h{T}.grad"}
    for t in steps:
        backward.update({f"dz{t}": f"z{t}.grad", f"dlz{t}": f"uz{t}.grad", f"dn{t}": f"n{t}.grad",
                         f"dln{t}": f"un{t}.grad", f"dm{t}": f"m{t}.grad", f"dr{t}": f"r{t}.grad",
                         f"dlr{t}": f"ur{t}.grad", f"dh{t - 1}": f"h{t - 1}.grad"})
    backward.update({f"g_{w}": f"{w}.grad" for w in PARAMS})
    lines += [sheet.show(name, backward[name]) for name in q if name in backward]
    lines += ["", "with torch.no_grad():  # " + sheet.say("the update, w' = w − η·∂E/∂w, with ∂E/∂w as the sheet "
                                                         "writes it", "更新 w' = w − η·∂E/∂w (∂E/∂w はシートと同じく丸めます)")]
    lines += [f"    {w} = as_written({w} - lr * as_written({w}.grad))" for w in PARAMS]
    lines += [sheet.show(f"new_{w}", w) for w in PARAMS if f"new_{w}" in q]
    return "\n".join(lines)
