"""`batchnorm`: a mini-batch normalised feature by feature, the mean and variance written out as the sheet has
them and compared with F.batch_norm in training mode; then autograd from the given upstream gradient ∂L/∂y."""
from __future__ import annotations


def body(sheet) -> str:
    p, q = sheet.params, sheet.ws.quantities
    n, d = len(p["inputs"]), len(p["inputs"][0])
    rows = ", ".join(sheet.values([f"f{j + 1}_x{i + 1}" for j in range(d)]) for i in range(n))
    tolerance = 10 * 10.0 ** -(sheet.decimals("f1_mu") or 4)
    lines = [sheet.comment("The sheet's numbers: one row per sample, one column per feature",
                           "シートの数値: 行がサンプル、列が特徴量です"),
             f"x = torch.tensor([{rows}], requires_grad=True)",
             f"gamma = torch.tensor({sheet.values([f'gamma{j + 1}' for j in range(d)])}, requires_grad=True)",
             f"beta = torch.tensor({sheet.values([f'beta{j + 1}' for j in range(d)])}, requires_grad=True)",
             f"eps = {sheet.value('eps')}",
             "", "",
             sheet.comment("Forward, each feature over the batch (dim=0), as the sheet writes it",
                           "順伝播: 特徴量ごとにバッチ全体で (dim=0)、シートと同じ手順です"),
             "mu = as_written(x.mean(dim=0))",
             "deviation = as_written(x - mu)",
             "variance = as_written((deviation ** 2).mean(dim=0))  # "
             + sheet.say("divided by N, as frameworks do in training", "学習時のフレームワークと同じく N で割ります"),
             "denominator = as_written(torch.sqrt(variance + eps))",
             "x_hat = as_written(deviation / denominator)",
             "y = as_written(gamma * x_hat + beta)",
             "",
             sheet.comment("PyTorch's own layer in training mode gives the same y, but for the sheet's rounding",
                           "PyTorch のバッチ正規化 (学習モード) も、シートの丸めの差を除いて同じ y になります"),
             "reference = torch.nn.functional.batch_norm(x, None, None, gamma, beta, training=True, eps=eps)",
             f"assert torch.allclose(y, reference, atol={tolerance:g})",
             ""]
    exprs = {}
    for j in range(d):
        f = f"f{j + 1}_"
        exprs.update({f + "mu": f"mu[{j}]", f + "var": f"variance[{j}]", f + "std": f"denominator[{j}]"})
        for i in range(n):
            exprs.update({f"{f}d{i + 1}": f"deviation[{i}, {j}]", f"{f}xh{i + 1}": f"x_hat[{i}, {j}]",
                          f"{f}y{i + 1}": f"y[{i}, {j}]"})
    lines += [sheet.show(name, exprs[name]) for name in q if name in exprs]
    if not p["backward"]:
        return "\n".join(lines)
    ups = ", ".join(sheet.values([f"f{j + 1}_dy{i + 1}" for j in range(d)]) for i in range(n))
    lines += ["", sheet.comment("Backward from the given upstream gradient ∂L/∂y",
                                "与えられた上流からの勾配 ∂L/∂y から逆伝播"),
              f"upstream = torch.tensor([{ups}])",
              "x_hat.retain_grad()  # " + sheet.say("keep ∂L/∂x̂", "∂L/∂x̂ も残します"),
              "y.backward(upstream)",
              "m1 = as_written(x_hat.grad.mean(dim=0))",
              "m2 = as_written((x_hat.grad * x_hat).mean(dim=0))",
              "dx = as_written((x_hat.grad - m1 - x_hat * m2) / denominator)",
              sheet.comment("autograd's ∂L/∂x is the sheet's three-term formula, but for the rounding of its "
                            "middle numbers", "autograd の ∂L/∂x は、途中の数の丸めの差を除いてシートの3項の式と同じです"),
              f"assert torch.allclose(dx, x.grad, atol={tolerance:g})",
              ""]
    grads = {}
    for j in range(d):
        f = f"f{j + 1}_"
        grads.update({f + "dbeta": f"beta.grad[{j}]", f + "dgamma": f"gamma.grad[{j}]", f + "m1": f"m1[{j}]",
                      f + "m2": f"m2[{j}]"})
        for i in range(n):
            grads.update({f"{f}dxh{i + 1}": f"x_hat.grad[{i}, {j}]", f"{f}dx{i + 1}": f"dx[{i}, {j}]"})
    lines += [sheet.show(name, grads[name]) for name in q if name in grads]
    return "\n".join(lines)
