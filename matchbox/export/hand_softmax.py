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
    lines = [sheet.comment("The sheet's numbers: the scores and the correct class",
                           "シートの数値: スコアと正解のクラス"),
             f"a = torch.tensor({sheet.values([f'a{i + 1}' for i in range(k)])}, requires_grad=True)",
             f"t = torch.tensor({target})  # " + sheet.say("the correct class, numbered from 0",
                                                          "正解のクラス(0 から数えます)"),
             "",
             sheet.comment("The softmax as the sheet writes it, step by step",
                           "シートと同じ手順のソフトマックス関数"),
             "with torch.no_grad():",
             "    largest = as_written(a.max())",
             "    exps = as_written(torch.exp(a - largest))",
             "    total = as_written(exps.sum())",
             "    y = as_written(exps / total)",
             "    E = as_written(-torch.log(y[t]))",
             "",
             sheet.comment("PyTorch fuses the softmax and the cross-entropy into one operation; its gradient "
                           "is y − t", "PyTorch ではソフトマックス関数と交差エントロピー誤差が1つの演算です。"
                           "勾配は y − t になります"),
             "loss = torch.nn.functional.cross_entropy(a.unsqueeze(0), t.unsqueeze(0))",
             "loss.backward()",
             ""]
    exprs = {"max": "largest", "sum": "total", "E": "E"}
    for i in range(k):
        exprs.update({f"e{i + 1}": f"exps[{i}]", f"y{i + 1}": f"y[{i}]", f"g{i + 1}": f"a.grad[{i}]"})
    lines += [sheet.show(name, exprs[name]) for name in sheet.ws.quantities if name in exprs]
    return "\n".join(lines)
