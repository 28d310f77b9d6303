"""`neuron`: one neuron learns by gradient descent on E = ½(t − y)², one sample per step."""
from __future__ import annotations

from .hand import ACTIVATION, activations, value_only


def body(sheet) -> str:
    p = sheet.params
    n = len(p["initial_weights"])
    names = [s["name"] for s in p["samples"]]
    has_bias = "b0" in sheet.ws.quantities
    learn_bias = p["learn_bias"]
    act = ACTIVATION[p["activation"]].format("u")
    decimals = sheet.decimals("u1")
    bias = "b" if has_bias else "0.0"
    lines = [
        sheet.comment("The sheet's numbers", "シートの数値"),
        f"lr = {sheet.value('lr')}",
        f"w = torch.tensor({sheet.values([f'w0_{i + 1}' for i in range(n)])})",
    ]
    if has_bias:
        lines.append(f"b = torch.tensor({sheet.value('b0')})")
    lines.append("samples = {")
    for k, name in enumerate(names, start=1):
        xs = sheet.values([f"x{k}_{i + 1}" for i in range(n)])
        lines.append(f"    {name!r}: (torch.tensor({xs}), {sheet.value(f't{k}')}),")
    lines += ["}", *activations(sheet, [p["activation"]], decimals, slope_rounded=False), "", "",
              *value_only(sheet, decimals), "", "",
              "def neuron(x, w, b):",
              "    u = as_written(torch.dot(x, w) + b)  # " + sheet.say("the weighted sum; its gradient is δ",
                                                                       "総和。その勾配が δ です"),
              f"    y = rounded({act})  # " + sheet.say("δ = (y − t)·f′ is one step on the sheet",
                                                     "シートでは δ = (y − t)·f′ を1回で求めます"),
              "    return u, y", ""]
    for step, name in enumerate(p["trials"], start=1):
        k = names.index(name) + 1
        lines += ["", sheet.comment(f"Step {step}: sample {name}", f"ステップ{step}: サンプル {name}"),
                  "w.requires_grad_(True)"]
        if has_bias and learn_bias:
            lines.append("b.requires_grad_(True)")
        lines += [f"x, t = samples[{name!r}]",
                  f"u, y = neuron(x, w, {bias})",
                  "u.retain_grad()  # " + sheet.say("keep ∂E/∂u = δ", "∂E/∂u = δ も残します"),
                  "E = as_written(0.5 * (t - y) ** 2)",
                  "E.backward()",
                  sheet.show(f"u{step}", "u"), sheet.show(f"y{step}", "y"), sheet.show(f"E{step}", "E"),
                  sheet.show(f"d{step}", "u.grad")]
        lines += [sheet.show(f"g{step}_{i + 1}", f"w.grad[{i}]") for i in range(n)]
        if learn_bias:
            lines.append(sheet.show(f"gb{step}", "b.grad"))
        lines += ["with torch.no_grad():  # " + sheet.say("the update, w' = w − η·∂E/∂w",
                                                            "更新 w' = w − η·∂E/∂w"),
                  "    w = as_written(w - lr * as_written(w.grad))"]
        if learn_bias:
            lines.append("    b = as_written(b - lr * as_written(b.grad))")
        lines += [sheet.show(f"w{step}_{i + 1}", f"w[{i}]") for i in range(n)]
        if learn_bias:
            lines.append(sheet.show(f"b{step}", "b"))
    lines += ["", sheet.comment("Every sample with the final weights", "学習後の重みで全サンプル"),
              "with torch.no_grad():"]
    for k, name in enumerate(names, start=1):
        lines += [f"    u, y = neuron(*samples[{name!r}][:1], w, {bias})",
                  f"    E = as_written(0.5 * (samples[{name!r}][1] - y) ** 2)",
                  "    " + sheet.show(f"ua{k}", "u"), "    " + sheet.show(f"ya{k}", "y"),
                  "    " + sheet.show(f"Ea{k}", "E")]
    return "\n".join(lines)
