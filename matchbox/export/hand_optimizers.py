"""`optimizers`: SGD, Momentum, AdaGrad and Adam side by side on f = Σ c·(x − center)², each update written
out as the sheet has it (torch.optim keeps its state unrounded; the sheet rounds it every step)."""
from __future__ import annotations

from ..errors import MatchboxError

UPDATES = {  # the state the sheet asks for and the update, as it writes them
    "sgd": ([], ["x = as_written(x - lr * g)"]),
    "momentum": (["v"], ["v = as_written(alpha * v - lr * g)", "x = as_written(x + v)"]),
    "adagrad": (["h"], ["h = as_written(h + g ** 2)", "x = as_written(x - lr * g / (torch.sqrt(h) + eps))"]),
    "rmsprop": (["h"], ["h = as_written(rho * h + (1 - rho) * g ** 2)",
                        "x = as_written(x - lr * g / (torch.sqrt(h) + eps))"]),
    "adam": (["m", "s", "m_hat", "s_hat"],
             ["m = as_written(beta1 * m + (1 - beta1) * g)", "s = as_written(beta2 * s + (1 - beta2) * g ** 2)",
              "m_hat = as_written(m / (1 - beta1 ** step))", "s_hat = as_written(s / (1 - beta2 ** step))",
              "x = as_written(x - lr * m_hat / (torch.sqrt(s_hat) + eps))"]),
}
SETTINGS = {"sgd": {"lr": "lr"}, "momentum": {"lr": "lr", "alpha": "momentum"},
            "adagrad": {"lr": "lr", "eps": "eps"}, "rmsprop": {"lr": "lr", "rho": "decay", "eps": "eps"},
            "adam": {"lr": "lr", "beta1": "beta1", "beta2": "beta2", "eps": "eps"}}
# the sheet's quantity of each state: adam's second moment v is `s` in the sheet's names
SHEET_NAME = {"g": "g", "v": "v", "h": "h", "m": "m", "s": "s", "m_hat": "mh", "s_hat": "sh", "x": "x"}


def body(sheet) -> str:
    p = sheet.params
    unknown = [o for o in p["optimizers"] if o not in UPDATES]
    if unknown:
        raise MatchboxError(f"the PyTorch export of optimizers covers {', '.join(UPDATES)}, not {', '.join(unknown)}",
                            ja=f"optimizers の PyTorch 書き出しは {', '.join(UPDATES)} だけです")
    dims = len(p["start"])
    lines = [sheet.comment("The sheet's numbers", "シートの数値"),
             f"start = torch.tensor({sheet.values([f'x{d}_0' for d in range(dims)])})",
             f"coefficients = torch.tensor({[float(c) for c in p['coefficients']]!r})",
             f"center = torch.tensor({[float(c) for c in p['center']]!r})",
             "", "",
             "def f(x):",
             "    return (coefficients * (x - center) ** 2).sum()", ""]
    for opt in p["optimizers"]:
        state, update = UPDATES[opt]
        settings = [f"{var} = {sheet.value(f'{opt}_{key}')}" for var, key in SETTINGS[opt].items()]
        title = {"sgd": "SGD", "adagrad": "AdaGrad", "rmsprop": "RMSprop", "adam": "Adam"}.get(opt)
        lines += ["", sheet.comment(title, title) if title else sheet.comment("Momentum", "モメンタム"),
                  "; ".join(settings),
                  "x = start.clone()"]
        lines += [f"{var} = torch.zeros_like(x)" for var in state if not var.endswith("_hat")]
        for step in range(1, p["steps"] + 1):
            lines += [f"step = {step}",
                      "x.requires_grad_(True)",
                      "f(x).backward()  # " + sheet.say("g = ∂f/∂x", "g = ∂f/∂x"),
                      "g = as_written(x.grad)",
                      "with torch.no_grad():"]
            lines += ["    " + u for u in update]
            for var in ["g", *state, "x"]:
                for d in range(dims):
                    name = f"{opt}_{SHEET_NAME[var]}{d}_{step}"
                    if name in sheet.ws.quantities:
                        lines.append(sheet.show(name, f"{var}[{d}]"))
    return "\n".join(lines)
