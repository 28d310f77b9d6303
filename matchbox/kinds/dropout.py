"""`dropout`: inverted dropout by hand, forward and backward with a given mask, then why test time needs no
scaling, beside the original (non-inverted) form.

Mini-batch 1: a row of activations x, a drawn 0/1 mask m, the training output y = x·m/(1 − p) and, from a
given upstream gradient ∂L/∂y, the backward ∂L/∂x = ∂L/∂y·m/(1 − p). Mini-batch 2 is the next training step:
its forward pass draws a new mask m′, and its backward uses m′. Two steps make "the same mask in the
backward" a natural question rather than a trap: both masks are on the sheet for a reason, and the classic
bug (a new mask drawn between forward and backward, or another step's mask used) is the other step's mask
used, which `check` names. Then test time (nothing dropped, y = x) and one table comparing the two forms for
one kept neuron: the expectation of the training output over the mask equals the test-time output in both.

The steps are the engine's (engine/regularization.py), the formulas of layers.Dropout written out.
"""
from __future__ import annotations

from ..engine import regularization as R
from ..worksheet.graph import Column, Q, Ref, Step, Table, Worksheet
from ..worksheet.slips import Slip
from ..worksheet.spec import Spec
from .parts.network import one_decimal, precision_note, read_precision, rounded

KIND = "dropout"
TITLE = {"en": "Dropout: forward, backward and test time", "ja": "ドロップアウト: 順伝播・逆伝播・テスト時"}
# `matchbox course`: minutes in the 3-hour and the full-day workshop (0: left out), and what to say first
COURSE = {
    "minutes": {"3h": 0, "day": 15},
    "idea": {"en": "In training, dropout drops each neuron with probability p and scales the kept ones by "
                   "1/(1 − p), so on average nothing changes and test time uses x as it is. The backward pass "
                   "uses the same mask as its forward pass.",
             "ja": "ドロップアウトは訓練時に各ニューロンを確率 p で消去し、残したニューロンを 1/(1 − p) 倍します。"
                   "そのため平均すると出力は変わらず、テスト時は x をそのまま使えます。逆伝播では順伝播と同じマスクを使います。"},
    "talk": [{"en": "The expectation: kept with probability 1 − p, so E[y] = (1 − p)·x/(1 − p) = x.",
              "ja": "期待値を確かめます。確率 1 − p で残るので、E[y] = (1 − p)·x/(1 − p) = x です。"},
             {"en": "ゼロから作るDeep Learning §6.4.3 scales at test time instead (x·(1 − p)): the same on "
                    "average, but frameworks scale in training so that prediction is untouched.",
              "ja": "『ゼロから作るDeep Learning』6.4.3節の実装はテスト時に (1 − p) 倍します。平均は同じですが、"
                    "フレームワークは推論を変えずに済むよう訓練時に倍率を掛けます。"},
             {"en": "A mask belongs to one forward pass: drawing a new one for the backward is a classic bug.",
              "ja": "マスクは1回の順伝播のものです。逆伝播で新しいマスクを選ぶのはよくある誤りです。"}],
    "formula": {"en": "training: y = x·m/(1 − p),  ∂L/∂x = ∂L/∂y·m/(1 − p);  test: y = x",
                "ja": "訓練時: y = x·m/(1 − p)、 ∂L/∂x = ∂L/∂y·m/(1 − p)、 テスト時: y = x"},
}
MOST_NEURONS = 8
RATIOS = (0.5, 0.2, 0.25)

SCALE_FORGOTTEN = {"en": "1/(1 − p) forgotten (x·m instead of x·m/(1 − p): the original dropout's training output)",
                   "ja": "1/(1 − p) の掛け忘れ (x·m/(1 − p) ではなく x·m。元の方式の訓練時の出力です)"}
BACK_SCALE_FORGOTTEN = {"en": "1/(1 − p) forgotten in the backward pass (∂L/∂y·m instead of ∂L/∂y·m/(1 − p))",
                        "ja": "逆伝播での 1/(1 − p) の掛け忘れ (∂L/∂y·m/(1 − p) ではなく ∂L/∂y·m)"}
OTHER_MASK = {"en": "the other mini-batch's mask used in the backward pass (a backward pass reuses the mask of "
                    "its own forward pass, never a new one)",
              "ja": "逆伝播でもう一方のミニバッチのマスクを使用 (逆伝播では、同じミニバッチの順伝播で選んだマスクを"
                    "そのまま使います)"}
TEST_SCALED = {"en": "scaled at test time too (x/(1 − p): inverted dropout scales in training only)",
               "ja": "テスト時にも 1/(1 − p) 倍 (逆ドロップアウトで倍率を掛けるのは訓練時だけです)"}
TEST_SHRUNK = {"en": "multiplied by 1 − p at test time (x·(1 − p) is the original dropout's rule; inverted "
                     "dropout already scaled in training)",
               "ja": "テスト時に (1 − p) 倍 (これは元の方式の規則です。逆ドロップアウトでは訓練時にすでに倍率を"
                     "掛けています)"}
ORIGINAL_SCALED = {"en": "scaled in training (x/(1 − p) is inverted dropout; the original keeps x·m)",
                   "ja": "訓練時に 1/(1 − p) 倍 (それは逆ドロップアウトです。元の方式では x·m のままです)"}
ORIGINAL_NOT_SCALED = {"en": "not scaled at test time (the original dropout multiplies by 1 − p at test time)",
                       "ja": "テスト時の (1 − p) 倍のし忘れ (元の方式ではテスト時に (1 − p) 倍します)"}
KEEP_FORGOTTEN = {"en": "the probability of keeping, 1 − p, forgotten (E[y] = (1 − p)·y + p·0)",
                  "ja": "残る確率 1 − p の掛け忘れ (E[y] = (1 − p)·y + p·0)"}


def _draw(dice, n: int) -> dict:
    """One mini-batch: activations after a ReLU (one decimal, not 0), a 0/1 mask, an upstream gradient."""
    mask: list[int] = []
    while not (0 in mask and 1 in mask):  # a mask keeps a neuron and drops one
        mask = [dice.randint(0, 1) for _ in range(n)]
    return {"inputs": [one_decimal(dice, 0.1, 2.5) for _ in range(n)], "mask": mask,
            "upstream": [one_decimal(dice, -0.9, 0.9, nonzero=True) for _ in range(n)]}


def sample(dice) -> dict:
    n = dice.choice([4, 5])
    first, second = _draw(dice, n), _draw(dice, n)
    return {"ratio": dice.choice(RATIOS), **first, **{f"next_{k}": v for k, v in second.items()}}


def settle(params: dict) -> dict | None:
    """Each mask keeps and drops a neuron (a spec's may not); the two masks differ where the gradient is not 0
    (so the other mask in the backward shows); at most one neuron dropped in both (a row copied from
    mini-batch 1 would otherwise land on its zeros); no input 0 (dropped or kept, it gives 0)."""
    m, x, g = params["mask"], params["inputs"], params["upstream"]
    if not (0 in m and 1 in m) or 0 in x:
        return None
    if params["second_batch"]:
        m2, x2, g2 = params["next_mask"], params["next_inputs"], params["next_upstream"]
        if not (0 in m2 and 1 in m2) or 0 in x2:
            return None
        if not any(a != b and ga and gb for a, b, ga, gb in zip(m, m2, g, g2)):
            return None
        if sum(a == b == 0 for a, b in zip(m, m2)) > 1:
            return None
    return params


def _batch(spec: Spec, prefix: str, n: int | None, dice) -> dict:
    """inputs, mask and upstream of one mini-batch (keys with `prefix`), each drawn when not given."""
    keys = [prefix + k for k in ("inputs", "mask", "upstream")]
    given = [k for k in keys if spec.has(k)]
    if n is None:
        n = len(spec.raw(given[0])) if given and isinstance(spec.raw(given[0]), list) else 4
    drawn = _draw(dice, n)
    out = {}
    for key, name in zip(keys, ("inputs", "mask", "upstream")):
        if spec.has(key):
            out[name] = spec.numbers(key, choices=(0, 1) if name == "mask" else None)
            if not 2 <= len(out[name]) <= MOST_NEURONS:
                raise spec.fail(key, f"expected 2 to {MOST_NEURONS} numbers, got {len(out[name])}")
            if len(out[name]) != n:
                raise spec.fail(key, f"expected {n} numbers, one per neuron (as many as mini-batch 1's inputs), "
                                     f"got {len(out[name])}")
        else:
            out[name] = drawn[name]
    return out


def normalize(spec: Spec, dice) -> dict:
    out: dict = {}
    title = spec.string("title", None)
    if title:
        out["title"] = title
    out["ratio"] = spec.number("ratio", 0.5, above=0, maximum=0.9)
    first = _batch(spec, "", None, dice)
    out.update(first)
    if 1 not in first["mask"]:
        raise spec.fail("mask", "keeps no neuron: the comparison needs a neuron the mask keeps (a 1)")
    out["second_batch"] = spec.boolean("second_batch", True)
    if out["second_batch"]:
        second = _batch(spec, "next_", len(first["inputs"]), dice)
        out.update({f"next_{k}": v for k, v in second.items()})
    else:
        for key in ("next_inputs", "next_mask", "next_upstream"):
            if spec.has(key):
                raise spec.fail(key, "given, but second_batch = false leaves mini-batch 2 out")
    kept = first["mask"].index(1) + 1
    out["neuron"] = spec.number("neuron", kept, integer=True, minimum=1, maximum=len(first["inputs"]))
    if first["mask"][out["neuron"] - 1] != 1:
        raise spec.fail("neuron", f"the mask drops neuron {out['neuron']}; compare a neuron it keeps (mask 1)")
    out["decimals"] = read_precision(spec)
    spec.finish("kind")
    return out


def _pass(ws: Worksheet, b: int, batch: dict, other_mask: tuple | None, prec, decimals: int) -> Table:
    """One training step: the mini-batch's givens, its forward with the mask, its backward with the same mask."""
    n = len(batch["inputs"])
    mark = "′" if b == 2 else ""

    def label(i, en, ja):
        return {"en": f"mini-batch {b}, neuron {i}: {en}", "ja": f"ミニバッチ{b}・ニューロン{i}: {ja}"}

    xs = tuple(ws.given(f"x{b}_{i}", v, label(i, "input x", "入力 x")) for i, v in enumerate(batch["inputs"], 1))
    ms = tuple(ws.given(f"m{b}_{i}", v, label(i, f"mask m{mark}", f"マスク m{mark}"))
               for i, v in enumerate(batch["mask"], 1))
    gs = tuple(ws.given(f"g{b}_{i}", v, label(i, "upstream gradient ∂L/∂y", "上流からの勾配 ∂L/∂y"))
               for i, v in enumerate(batch["upstream"], 1))
    ys = tuple(ws.answer(f"y{b}_{i}", Step(R.inverted_dropout, (x, m, "p"), slips=(
        Slip("dropout-scale-forgotten", R.original_dropout, (x, m), name=SCALE_FORGOTTEN),)),
        label(i, "training output y", "訓練時の出力 y"), f"y = x·m{mark}/(1 − p)", prec)
        for i, (x, m) in enumerate(zip(xs, ms), 1))
    ds = []
    for i, (g, m) in enumerate(zip(gs, ms), 1):
        slips = [Slip("dropout-scale-forgotten", R.original_dropout, (g, m), name=BACK_SCALE_FORGOTTEN)]
        if other_mask is not None:
            slips.append(Slip("dropout-other-mask", args=(g, other_mask[i - 1], "p"), name=OTHER_MASK))
        ds.append(ws.answer(f"d{b}_{i}", Step(R.inverted_dropout_backward, (g, m, "p"), slips=tuple(slips)),
                            label(i, "gradient ∂L/∂x", "勾配 ∂L/∂x"), f"∂L/∂x = ∂L/∂y·m{mark}/(1 − p)", prec))
    rows = [[{"en": "input x", "ja": "入力 x"}, *map(Q, xs)],
            [{"en": f"mask m{mark} (1: kept, 0: dropped)", "ja": f"マスク m{mark}(1: 残す、0: 消去)"}, *map(Q, ms)],
            [{"en": "upstream gradient ∂L/∂y", "ja": "上流からの勾配 ∂L/∂y"}, *map(Q, gs)],
            [{"en": f"forward: y = x·m{mark}/(1 − p)", "ja": f"順伝播: y = x·m{mark}/(1 − p)"}, *map(Q, ys)],
            [{"en": f"backward: ∂L/∂x = ∂L/∂y·m{mark}/(1 − p)", "ja": f"逆伝播: ∂L/∂x = ∂L/∂y·m{mark}/(1 − p)"},
             *map(Q, ds)]]
    title = ({"en": "Training, mini-batch 1: mask m", "ja": "訓練時、ミニバッチ1: マスク m"} if b == 1 else
             {"en": "Training, mini-batch 2 (the next step): a new mask m′",
              "ja": "訓練時、ミニバッチ2(次のステップ): 新しいマスク m′"})
    return Table(f"batch{b}", title, _neuron_columns(n, decimals), rows)


def _neuron_columns(n: int, decimals: int) -> list[Column]:
    width = max(11, decimals + 5)
    return [Column({"en": "item", "ja": "項目"}, width=34)] + \
        [Column({"en": f"neuron {i}", "ja": f"ニューロン{i}"}, width=width) for i in range(1, n + 1)]


def build(params: dict) -> Worksheet:
    prec = rounded(params["decimals"])
    p, k = params["ratio"], params["neuron"]
    two = params["second_batch"]
    ws = Worksheet(KIND, params.get("title", TITLE), {
        "en": f"Dropout with drop ratio p = {p:g}. In training, every forward pass draws a mask m (1: the neuron is "
              "kept, 0: dropped). This sheet uses inverted dropout, as frameworks do: a kept neuron is scaled by "
              "1/(1 − p) in training, y = x·m/(1 − p), so at test time nothing is dropped and nothing is scaled: "
              "y = x. The backward pass sends the upstream gradient ∂L/∂y back through the same mask as its own "
              "forward pass: ∂L/∂x = ∂L/∂y·m/(1 − p). "
              + ("Mini-batch 2, the next training step, draws a new mask m′ in its forward pass and uses m′ in "
                 "its backward pass. " if two else "")
              + "Last, compare with the original dropout (Srivastava et al. 2014; the Dropout class of "
                "ゼロから作るDeep Learning §6.4.3), which keeps x·m in training and multiplies by 1 − p at test "
                "time: for one kept neuron, the expectation of the training output over the mask, "
                "E[y] = (1 − p)·(output when kept) + p·0, is the test-time output in both forms.",
        "ja": f"消去する割合が p = {p:g} のドロップアウトを計算します。訓練時は順伝播のたびにマスク m を新しく選びます"
              "(m = 1 のニューロンは残し、m = 0 のニューロンは消去します)。このシートでは、多くのフレームワークと同じく"
              "訓練時に 1/(1 − p) 倍する方式(逆ドロップアウト)を使います。訓練時の出力は y = x·m/(1 − p) で、"
              "テスト時はどのニューロンも消去せず、倍率も掛けません(y = x)。逆伝播では、上流から伝わってきた勾配 "
              "∂L/∂y を、同じミニバッチの順伝播で選んだマスクで通します: ∂L/∂x = ∂L/∂y·m/(1 − p)。"
              + ("次の訓練ステップであるミニバッチ2では、順伝播で新しいマスク m′ を選び、その逆伝播にも m′ を使います。"
                 if two else "")
              + "最後に、元の論文(Srivastava ら, 2014)と『ゼロから作るDeep Learning』6.4.3節の方式"
                "(訓練時は x·m のまま、テスト時に (1 − p) 倍)と比べます。残したニューロン1つについて、訓練時の出力の"
                "マスクについての期待値 E[y] = (1 − p)·(残したときの出力) + p·0 は、どちらの方式でもテスト時の出力と"
                "一致します。",
    }, precision_note(params["decimals"]))

    ws.given("p", p, {"en": "drop ratio p", "ja": "消去する割合 p"})
    ws.table(Table("settings", {"en": "Given", "ja": "与えられた値"},
                   [Column("", width=24), Column({"en": "value", "ja": "値"}, width=10)],
                   [[{"en": "drop ratio p", "ja": "消去する割合 p"}, Q("p")]], role="settings"))
    first = {key: params[key] for key in ("inputs", "mask", "upstream")}
    n = len(first["inputs"])
    if two:
        second = {key: params[f"next_{key}"] for key in ("inputs", "mask", "upstream")}
        # a slip may name a later quantity: mini-batch 1's backward done with m′ is the same mistake
        masks = [tuple(f"m{b}_{i}" for i in range(1, n + 1)) for b in (1, 2)]
        batch1 = _pass(ws, 1, first, masks[1], prec, params["decimals"])
        batch2 = _pass(ws, 2, second, masks[0], prec, params["decimals"])
        ws.table(batch1)
        ws.table(batch2)
    else:
        ws.table(_pass(ws, 1, first, None, prec, params["decimals"]))

    tests = tuple(ws.answer(f"t_{i}", Step(R.inverted_dropout_eval, (f"x1_{i}", "p"), slips=(
        Slip("dropout-test-scaled", lambda x, ratio: x * R.keep_scale(ratio), name=TEST_SCALED),
        Slip("dropout-test-shrunk", R.original_dropout_eval, name=TEST_SHRUNK))),
        {"en": f"test time, neuron {i}: output y", "ja": f"テスト時・ニューロン{i}: 出力 y"}, "y = x", prec)
        for i in range(1, n + 1))
    ws.table(Table("test", {"en": "Test time: mini-batch 1's inputs, nothing dropped",
                            "ja": "テスト時: ミニバッチ1の入力、消去なし"}, _neuron_columns(n, params["decimals"]),
                   [[{"en": "input x", "ja": "入力 x"}, *(Ref(f"x1_{i}") for i in range(1, n + 1))],
                    [{"en": "test-time output y = x", "ja": "テスト時の出力 y = x"}, *map(Q, tests)]]))

    x, y = f"x1_{k}", f"y1_{k}"
    inv_e = ws.answer("inv_E", Step(R.expected_output, (y, "p"), slips=(
        Slip("dropout-expectation-unweighted", lambda kept, ratio: kept, name=KEEP_FORGOTTEN),)),
        {"en": "inverted dropout: expectation E[y]", "ja": "逆ドロップアウト: 期待値 E[y]"}, "(1 − p)·y + p·0", prec)
    orig_y = ws.answer("orig_y", Step(R.original_dropout, (x, f"m1_{k}"), slips=(
        Slip("dropout-original-scaled", R.inverted_dropout, (x, f"m1_{k}", "p"), name=ORIGINAL_SCALED),)),
        {"en": "original dropout: training output of the kept neuron", "ja": "元の方式: 残したニューロンの訓練時の出力"},
        "x·m", prec)
    orig_e = ws.answer("orig_E", Step(R.expected_output, (orig_y, "p"), slips=(
        Slip("dropout-expectation-unweighted", lambda kept, ratio: kept, name=KEEP_FORGOTTEN),)),
        {"en": "original dropout: expectation E[y]", "ja": "元の方式: 期待値 E[y]"}, "(1 − p)·y + p·0", prec)
    orig_t = ws.answer("orig_t", Step(R.original_dropout_eval, (x, "p"), slips=(
        Slip("dropout-original-not-scaled", R.inverted_dropout_eval, name=ORIGINAL_NOT_SCALED),)),
        {"en": "original dropout: test-time output", "ja": "元の方式: テスト時の出力"}, "x·(1 − p)", prec)
    width = max(13, params["decimals"] + 7)
    ws.table(Table("compare", {"en": f"Two forms of dropout, neuron {k} (kept by m): its values from mini-batch 1 "
                                     "and test time",
                               "ja": f"ドロップアウトの2つの方式(ニューロン{k}: m で残したもの。値はミニバッチ1とテスト時の表から)"},
                   [Column({"en": "form", "ja": "方式"}, width=34), Column("x", width=9),
                    Column({"en": "training output (kept)", "ja": "訓練時の出力(残す)"}, "y", width=width),
                    Column({"en": "expectation E[y]", "ja": "期待値 E[y]"}, "(1 − p)·y + p·0", width=width),
                    Column({"en": "test-time output", "ja": "テスト時の出力"}, width=width)],
                   [[{"en": "inverted: y = x·m/(1 − p); test y = x",
                      "ja": "逆ドロップアウト: y = x·m/(1 − p)、テスト時 y = x"}, Ref(x), Ref(y), Q(inv_e), Ref(f"t_{k}")],
                    [{"en": "original: y = x·m; test y = x·(1 − p)",
                      "ja": "元の方式: y = x·m、テスト時 y = x·(1 − p)"}, Ref(x), Q(orig_y), Q(orig_e), Q(orig_t)]]))
    return ws
