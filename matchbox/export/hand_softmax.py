"""`softmax`: the scores a through the softmax, the cross-entropy E = −ln y[t] and its gradient y − t."""
from __future__ import annotations

from ..errors import MatchboxError


def body(sheet) -> str:
    p = sheet.params
    if len(p["samples"]) != 1 or p.get("log_epsilon", 0):
        raise MatchboxError("the PyTorch export of softmax takes one sample and no log_epsilon",
                            ja="softmax の PyTorch 書き出しはサンプル1つ、log_epsilon なしの問題だけです")
    k = len(p["samples"][0]["scores"])
    target = p["samples"][0]["target"]
    tolerance = 10 * 10.0 ** -(sheet.decimals("E") or 4)
    lines = [sheet.comment("The sheet's numbers: the scores and the correct class",
                           "シートの数値: スコアと正解のクラス"),
             f"a = torch.tensor({sheet.values([f'a{i + 1}' for i in range(k)])}, requires_grad=True)",
             f"t = torch.tensor({target})  # " + sheet.say("the correct class, numbered from 0",
                                                          "正解のクラス(0 から数えます)"),
             f"DECIMALS = {sheet.decimals('E')}  # " + sheet.say("the sheet's decimal places", "シートの小数の桁数"),
             "", "",
             "class Softmax(torch.autograd.Function):",
             '    """' + sheet.say("The softmax as the sheet writes it, step by step, each step rounded. Its "
                                   "backward is the softmax's,\n    y·(g − Σ g·y), with the rounded y: after "
                                   "E = −ln y[t] it gives ∂E/∂a = y − t, as on the sheet.",
                                   "シートと同じ手順のソフトマックス関数です(各ステップを丸めます)。逆伝播は"
                                   "ソフトマックス関数の y·(g − Σ g·y) を\n    丸めた y で求めます。E = −ln y[t] の"
                                   "後ではシートと同じ ∂E/∂a = y − t になります。") + '"""',
             "",
             "    @staticmethod",
             "    def forward(ctx, a):",
             "        largest = half_up(a.max(), DECIMALS)",
             "        exps = half_up(torch.exp(a - largest), DECIMALS)",
             "        total = half_up(exps.sum(), DECIMALS)",
             "        y = half_up(exps / total, DECIMALS)",
             "        ctx.mark_non_differentiable(largest, exps, total)",
             "        ctx.save_for_backward(y)",
             "        return largest, exps, total, y",
             "",
             "    @staticmethod",
             "    def backward(ctx, _largest, _exps, _total, grad_y):",
             "        (y,) = ctx.saved_tensors",
             "        return y * (grad_y - (grad_y * y).sum())",
             "", "",
             "largest, exps, total, y = Softmax.apply(a)",
             "E = as_written(-torch.log(y[t]))  # " + sheet.say("the cross-entropy", "交差エントロピー誤差"),
             "E.backward()",
             "",
             sheet.comment("PyTorch fuses the softmax and the cross-entropy into one operation: its gradient "
                           "is the same y − t,\n# but for the rounding of y",
                           "PyTorch ではソフトマックス関数と交差エントロピー誤差が1つの演算です。勾配は同じ y − t "
                           "です(y の丸めの差を除きます)"),
             "scores = a.detach().requires_grad_(True)",
             "torch.nn.functional.cross_entropy(scores.unsqueeze(0), t.unsqueeze(0)).backward()",
             f"assert torch.allclose(a.grad, scores.grad, atol={tolerance:g})",
             ""]
    exprs = {"max": "largest", "sum": "total", "E": "E"}
    for i in range(k):
        exprs.update({f"e{i + 1}": f"exps[{i}]", f"y{i + 1}": f"y[{i}]", f"g{i + 1}": f"a.grad[{i}]"})
    lines += [sheet.show(name, exprs[name]) for name in sheet.ws.quantities if name in exprs]
    return "\n".join(lines)
