"""`conv`: a small integer image and kernel: the output size, every output cell of the convolution, then max and
average pooling of what the learner computed.

Frameworks compute a cross-correlation and call it convolution: the kernel is laid on the image as it is, not
flipped. Each output cell is one hand step (multiply the window by the kernel, add up, add the bias); pooling
works on the learner's own output cells, so one slip in the convolution costs one cell.
"""
from __future__ import annotations

import numpy as np

from ..engine import functions as F
from ..worksheet.figures import Canvas, legend
from ..worksheet.graph import EXACT, Column, Q, Ref, Step, Table, Worksheet, tr
from ..worksheet.slips import Slip
from ..worksheet.spec import Spec
from .parts.network import rounded

KIND = "conv"
TITLE = {"en": "Convolution and pooling", "ja": "畳み込みとプーリング"}
# `matchbox course`: minutes in the 3-hour and the full-day workshop (0: left out), and what to say first
COURSE = {
    "minutes": {"3h": 15, "day": 30},
    "idea": {"en": "A convolution lays a small kernel on the image, multiplies cell by cell and adds. "
                   "Pooling keeps the largest (or the average) of each window.",
             "ja": "畳み込みでは、小さなカーネルを画像に重ね、マスごとに掛けて足し合わせます。"
                   "プーリングでは、窓ごとに最大値(または平均)を残します。"},
    "talk": [{"en": "Cut the kernel out of paper and slide it over the printed image.",
              "ja": "カーネルを紙で切り抜き、印刷した画像の上をずらしながら計算すると分かりやすくなります。"},
             {"en": "Compute the output size first: it tells how many windows there are.",
              "ja": "はじめに出力のサイズを求めます。窓がいくつあるかが分かります。"}],
    "formula": {"en": "out = (n + 2p − k) / s + 1,  cell = Σ window × kernel + b",
                "ja": "出力サイズ = (n + 2p − k) / s + 1、 各マス = Σ(窓 × カーネル) + b"},
}
FLIPPED = {"en": "kernel flipped (true convolution); frameworks lay the kernel on as it is (cross-correlation)",
           "ja": "カーネルの反転 (数学の畳み込み。フレームワークは反転せずに重ねます: 相互相関)"}
MOST = 12  # image side; a hand sheet stays small
CAPTION = {"en": "The kernel on the image at the first output cell", "ja": "最初の出力マスでのカーネルの位置"}
FIG_WORDS = {"image": {"en": "image", "ja": "画像"}, "kernel": {"en": "kernel", "ja": "カーネル"},
             "window": {"en": "times the kernel, cell by cell", "ja": "カーネルとマスごとに掛ける範囲"},
             "padding": {"en": "padding (0)", "ja": "パディング(0)"}}


def sample(dice) -> dict:
    side = dice.choice([4, 5, 5, 6])
    k = dice.choice([2, 3, 3])
    pad = dice.choice([0, 0, 0, 1])
    stride = dice.choice([1, 1, 1, 2])
    return {"image": [[dice.randint(0, 3) for _ in range(side)] for _ in range(side)],
            "kernel": [[dice.randint(-1, 2) for _ in range(k)] for _ in range(k)],
            "bias": dice.choice([0, 0, 1, -1]), "stride": stride, "pad": pad}


def settle(params: dict) -> dict | None:
    oh, ow = out_size(params)
    if not 2 <= oh <= 4 or not 2 <= ow <= 4 or not stride_fits(params):  # enough to see sliding, not drudgery
        return None
    kernel = np.array(params["kernels"])
    if np.count_nonzero(kernel) * 2 < kernel.size:  # a kernel of mostly zeros makes a dull sheet
        return None
    key = build({**params, "pool": None}).key()
    if len({v for n, v in key.items() if n.startswith("c1_")}) < 3:  # outputs that differ show the sliding
        return None
    if params["pool"] is None and oh % 2 == 0 and ow % 2 == 0:
        params = {**params, "pool": {"size": 2, "stride": 2, "modes": ["max", "avg"]}}
    return params


def _grid(spec: Spec, key: str, value, depth: int) -> np.ndarray:
    """A rectangular grid of numbers, 2-D or (channels) 3-D."""
    a = np.asarray(value, dtype=object)
    ok = a.ndim in (2, depth) and a.size and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                   and np.isfinite(v) for v in a.ravel())
    if not ok:
        raise spec.fail(key, "expected a rectangular grid of numbers (rows of equal length"
                             + (", or one grid per channel)" if depth == 3 else ")"))
    a = a.astype(float)
    return a[None] if a.ndim == 2 else a


def normalize(spec: Spec, dice) -> dict:
    out: dict = {}
    title = spec.string("title", None)
    if title:
        out["title"] = title
    image = _grid(spec, "image", spec.raw("image"), 3)
    if max(image.shape[1:]) > MOST:
        raise spec.fail("image", f"at most {MOST}×{MOST} for a hand sheet, got {image.shape[1]}×{image.shape[2]}")
    if spec.has("kernel") == spec.has("kernels"):
        raise spec.fail("kernel", "give either kernel (one filter) or kernels (several), not both"
                        if spec.has("kernel") else "is required")
    if spec.has("kernel"):
        kernels = [_grid(spec, "kernel", spec.raw("kernel"), 3)]
        biases = [spec.number("bias", 0)]
        if spec.has("biases"):
            raise spec.fail("biases", "with one kernel, give bias")
    else:
        raw = spec.raw("kernels")
        if not isinstance(raw, list) or not 1 <= len(raw) <= 4:
            raise spec.fail("kernels", "expected a list of 1 to 4 kernels")
        kernels = [_grid(spec, f"kernels[{i}]", k, 3) for i, k in enumerate(raw)]
        biases = spec.numbers("biases", [0] * len(kernels), length=len(kernels))
        if spec.has("bias"):
            raise spec.fail("bias", "with several kernels, give biases")
    for i, k in enumerate(kernels):
        where = "kernel" if spec.has("kernel") else f"kernels[{i}]"
        if k.shape[0] != image.shape[0]:
            raise spec.fail(where, f"the image has {image.shape[0]} channel(s), the kernel {k.shape[0]}")
        if k.shape != kernels[0].shape:
            raise spec.fail(where, "every kernel needs the same size")
    out["image"] = image.tolist()
    out["kernels"] = [k.tolist() for k in kernels]
    out["biases"] = biases
    out["stride"] = spec.number("stride", 1, integer=True, minimum=1, maximum=4)
    out["pad"] = spec.number("pad", 0, integer=True, minimum=0, maximum=3)
    oh, ow = out_size(out)
    if oh < 1 or ow < 1:
        raise spec.fail("kernel", "the kernel is larger than the padded image")
    pool = spec.raw("pool", None)
    if pool is False or pool is None:
        out["pool"] = None
    else:
        p = spec.table("pool")
        size = p.number("size", 2, integer=True, minimum=1, maximum=4)
        out["pool"] = {"size": size, "stride": p.number("stride", size, integer=True, minimum=1, maximum=4),
                       "modes": p.strings("modes", ["max", "avg"])}
        for m in out["pool"]["modes"]:
            if m not in ("max", "avg"):
                raise p.fail("modes", f"expected \"max\" or \"avg\", got {m!r}")
        p.finish()
        if pool_size(out) < 1:
            raise spec.fail("pool", f"a {size}×{size} pool does not fit the {oh}×{ow} output")
    out["decimals"] = spec.number("decimals", 2, integer=True, minimum=1, maximum=12)
    spec.finish("kind")
    return out


def out_size(params: dict) -> tuple[int, int]:
    _, h, w = np.shape(params["image"])
    _, fh, fw = np.shape(params["kernels"][0])
    s, p = params["stride"], params["pad"]
    return F.conv_output_size(h, fh, p, s), F.conv_output_size(w, fw, p, s)


def stride_fits(params: dict) -> bool:
    """OH = (H + 2P − FH) / S + 1 is a whole number: the stride divides what the kernel travels (ゼロから作る
    Deep Learning §7.2.4 sets the sizes so; the sheet prints that formula)."""
    _, h, w = np.shape(params["image"])
    _, fh, fw = np.shape(params["kernels"][0])
    s, p = params["stride"], params["pad"]
    return (h + 2 * p - fh) % s == 0 and (w + 2 * p - fw) % s == 0


def pool_size(params: dict) -> int:
    oh, ow = out_size(params)
    return min(F.conv_output_size(oh, params["pool"]["size"], 0, params["pool"]["stride"]),
               F.conv_output_size(ow, params["pool"]["size"], 0, params["pool"]["stride"]))


def build(params: dict) -> Worksheet:
    image, kernels = np.array(params["image"]), [np.array(k) for k in params["kernels"]]
    c, h, w = image.shape
    _, fh, fw = kernels[0].shape
    s, p = params["stride"], params["pad"]
    oh, ow = out_size(params)
    several = len(kernels) > 1
    # a stride that does not divide the kernel's travel (a spec may give one) leaves a remainder: ⌊ ⌋ says so
    size = "(H + 2P − FH) / S + 1" if stride_fits(params) else "⌊(H + 2P − FH) / S⌋ + 1"
    floor_l, floor_r = ("", "") if stride_fits(params) else ("⌊", "⌋")
    ws = Worksheet(KIND, params.get("title", TITLE), {
        "en": "Lay the kernel on the image" + (" (padded with zeros)" if p else "")
              + f", starting at the top left and moving {s} cell{'s' if s > 1 else ''} at a time: multiply each "
                "cell under it by the kernel's number, add them all up, add the bias. Do not flip the kernel: "
                "frameworks compute this cross-correlation and call it convolution. First the output size "
                f"OH = {size}, then every output cell"
              + (", then pool your output." if params["pool"] else "."),
        "ja": "画像" + ("(周りを0でパディング)" if p else "") + f"の左上からカーネルを重ね、{s}マスずつずらします。"
              "重なったマスどうしを掛けてすべて足し、バイアスを足します。カーネルは反転しません"
              "(フレームワークはこの相互相関を「畳み込み」と呼んで計算します)。まず出力サイズ "
              f"OH = {size} を求め、次に出力の各マスを求めます"
              + ("。最後に自分の出力をプーリングします。" if params["pool"] else "。"),
    }, {"en": "Convolution and max pooling are exact; round average pooling to "
              f"{params['decimals']} decimal places.",
        "ja": f"畳み込みと最大値プーリングの計算は割り切れます。平均値プーリングは小数第{params['decimals'] + 1}位を"
              f"四捨五入して小数第{params['decimals']}位まで求めます。"})

    def img(ch, i, j):
        return f"x{ch + 1}_{i + 1}_{j + 1}"

    for ch in range(c):
        for i in range(h):
            for j in range(w):
                ws.given(img(ch, i, j), image[ch, i, j],
                         {"en": f"image{f' channel {ch + 1}' if c > 1 else ''}: row {i + 1}, column {j + 1}",
                          "ja": f"画像{f'(チャンネル{ch + 1})' if c > 1 else ''}: {i + 1}行{j + 1}列"})
    kern = []
    for f, k in enumerate(kernels):
        names = {}
        for ch in range(c):
            for i in range(fh):
                for j in range(fw):
                    names[ch, i, j] = ws.given(
                        f"k{f + 1}_{ch + 1}_{i + 1}_{j + 1}", k[ch, i, j],
                        {"en": f"kernel{f' {f + 1}' if several else ''}{f' channel {ch + 1}' if c > 1 else ''}: "
                               f"row {i + 1}, column {j + 1}",
                         "ja": f"カーネル{f + 1 if several else ''}{f'(チャンネル{ch + 1})' if c > 1 else ''}: "
                               f"{i + 1}行{j + 1}列"})
        kern.append(names)
    biases = [ws.given(f"b{f + 1}", b, {"en": f"bias{f' {f + 1}' if several else ''}",
                                        "ja": f"バイアス{f + 1 if several else ''}"})
              for f, b in enumerate(params["biases"])]

    # the givens, as grids on the exercise sheet
    def grid_columns(n):
        return [Column("", width=5)] + [Column(f"{j + 1}", width=6) for j in range(n)]

    settings = [[{"en": "stride S", "ja": "ストライド S"}, s], [{"en": "padding P", "ja": "パディング P"}, p]]
    settings += [[{"en": f"bias{f' {f + 1}' if several else ''} b", "ja": f"バイアス{f + 1 if several else ''} b"},
                  Q(b)] for f, b in enumerate(biases)]
    ws.table(Table("settings", {"en": "Given", "ja": "与えられた値"},
                   [Column("", width=22), Column({"en": "value", "ja": "値"}, width=8)], settings,
                   role="settings"))
    for ch in range(c):
        chan = {"en": f" (channel {ch + 1})" if c > 1 else "", "ja": f"(チャンネル{ch + 1})" if c > 1 else ""}
        ws.table(Table(f"image{ch + 1}", {"en": f"Image{chan['en']}", "ja": f"画像{chan['ja']}"}, grid_columns(w),
                       [[i + 1] + [Q(img(ch, i, j)) for j in range(w)] for i in range(h)]))
        if p:
            ws.table(Table(f"padded{ch + 1}", {"en": f"Padded image{chan['en']}: P = {p} ring(s) of zeros",
                                               "ja": f"パディング後の画像{chan['ja']}: 周りに0を{p}重"},
                           grid_columns(w + 2 * p),
                           [[i + 1] + [Ref(img(ch, i - p, j - p)) if 0 <= i - p < h and 0 <= j - p < w else 0
                                       for j in range(w + 2 * p)] for i in range(h + 2 * p)]))
    for f in range(len(kernels)):
        for ch in range(c):
            ws.table(Table(f"kernel{f + 1}_{ch + 1}", {
                "en": f"Kernel{f' {f + 1}' if several else ''}{f' (channel {ch + 1})' if c > 1 else ''}",
                "ja": f"カーネル{f + 1 if several else ''}{f'(チャンネル{ch + 1})' if c > 1 else ''}"},
                grid_columns(fw), [[i + 1] + [Q(kern[f][ch, i, j]) for j in range(fw)] for i in range(fh)]))

    # output size
    size_h = ws.answer("OH", Step(F.conv_output_size, (h, fh, p, s)), {"en": "output height OH", "ja": "出力の高さ OH"},
                       f"OH = {floor_l}({h} + 2·{p} − {fh}) / {s}{floor_r} + 1", EXACT)
    size_w = ws.answer("OW", Step(F.conv_output_size, (w, fw, p, s)), {"en": "output width OW", "ja": "出力の幅 OW"},
                       f"OW = {floor_l}({w} + 2·{p} − {fw}) / {s}{floor_r} + 1", EXACT)
    ws.table(Table("size", {"en": "Output size", "ja": "出力サイズ"},
                   [Column("", size, width=22), Column({"en": "value", "ja": "値"}, width=7)],
                   [[{"en": "height OH", "ja": "高さ OH"}, Q(size_h)], [{"en": "width OW", "ja": "幅 OW"}, Q(size_w)]]))

    def window(f, top, left, flip=False):
        """The image cells under the kernel at (top, left) of the padded image, and the kernel cells on them
        (padding zeros contribute nothing and are left out)."""
        xs, ks = [], []
        for ch in range(c):
            for i in range(fh):
                for j in range(fw):
                    r, q = top + i - p, left + j - p
                    if 0 <= r < h and 0 <= q < w:
                        xs.append(img(ch, r, q))
                        ks.append(kern[f][ch, fh - 1 - i, fw - 1 - j] if flip else kern[f][ch, i, j])
        return tuple(xs), tuple(ks)

    outs = []
    for f in range(len(kernels)):
        names = {}
        for i in range(oh):
            for j in range(ow):
                xs, ks = window(f, i * s, j * s)
                slips = [Slip("kernel-flipped", args=(*window(f, i * s, j * s, flip=True), biases[f]), name=FLIPPED),
                         Slip("bias-forgotten", args=(xs, ks, 0.0))]
                for di, dj in ((0, 1), (1, 0), (0, -1), (-1, 0)):  # the window one cell off
                    top, left = i * s + di, j * s + dj
                    if 0 <= top <= h + 2 * p - fh and 0 <= left <= w + 2 * p - fw:
                        slips.append(Slip("conv-off-by-one", args=(*window(f, top, left), biases[f])))
                names[i, j] = ws.answer(
                    f"c{f + 1}_{i + 1}_{j + 1}", Step(F.affine_sum, (xs, ks, biases[f]), slips=tuple(slips)),
                    {"en": f"output{f' {f + 1}' if several else ''}: row {i + 1}, column {j + 1}",
                     "ja": f"出力{f + 1 if several else ''}: {i + 1}行{j + 1}列"},
                    {"en": "Σ (window × kernel) + b", "ja": "Σ(窓 × カーネル)+ b"}, EXACT)
        outs.append(names)
        ws.table(Table(f"output{f + 1}", {"en": f"Convolution output{f' {f + 1}' if several else ''}",
                                          "ja": f"畳み込みの出力{f + 1 if several else ''}"},
                       [Column("", {"en": "Σ window × kernel + b", "ja": "Σ 窓×カーネル + b"}, width=5)]
                       + [Column(f"{j + 1}", width=7) for j in range(ow)],
                       [[i + 1] + [Q(names[i, j]) for j in range(ow)] for i in range(oh)]))

    if params["pool"]:
        size, ps = params["pool"]["size"], params["pool"]["stride"]
        ph, pw = F.conv_output_size(oh, size, 0, ps), F.conv_output_size(ow, size, 0, ps)
        for mode in params["pool"]["modes"]:
            fn, prec = (F.vmax, EXACT) if mode == "max" else (F.mean, rounded(params["decimals"]))
            word = {"max": {"en": "max", "ja": "最大値"}, "avg": {"en": "average", "ja": "平均値"}}[mode]
            for f, names in enumerate(outs):
                cells = {}
                for i in range(ph):
                    for j in range(pw):
                        win = tuple(names[i * ps + a, j * ps + b] for a in range(size) for b in range(size))
                        cells[i, j] = ws.answer(
                            f"{mode}{f + 1}_{i + 1}_{j + 1}", Step(fn, (win,)),
                            {"en": f"{word['en']} pooling{f' {f + 1}' if several else ''}: row {i + 1}, "
                                   f"column {j + 1}",
                             "ja": f"{word['ja']}プーリング{f + 1 if several else ''}: {i + 1}行{j + 1}列"},
                            {"en": f"{word['en']} of a {size}×{size} window", "ja": f"{size}×{size} の窓の{word['ja']}"},
                            prec)
                ws.table(Table(f"{mode}{f + 1}", {
                    "en": f"{word['en'].capitalize()} pooling {size}×{size}, stride {ps}"
                          f"{f' (output {f + 1})' if several else ''}",
                    "ja": f"{word['ja']}プーリング {size}×{size}、ストライド {ps}"
                          f"{f'(出力{f + 1})' if several else ''}"},
                    [Column("", {"en": f"{word['en']} of window", "ja": f"窓の{word['ja']}"}, width=5)]
                    + [Column(f"{j + 1}", width=7) for j in range(pw)],
                    [[i + 1] + [Q(cells[i, j]) for j in range(pw)] for i in range(ph)]))
    return ws


def figures(variant, lang: str, key: bool) -> list[dict]:
    """The (padded) first channel of the image with the first kernel's window outlined where the first output
    cell is, and the kernel itself beside it (its numbers never on the image's digits)."""
    p = variant.params
    image = np.array(p["image"])[0]
    kernel = np.array(p["kernels"])[0, 0]
    pad = p["pad"]
    h, w = image.shape
    H, Wd = h + 2 * pad, w + 2 * pad
    fh, fw = kernel.shape
    cell = 20
    left = 10 + cell * Wd + 34  # the kernel's grid, right of the image
    c = Canvas(left + cell * fw + 10, max(H, fh) * cell + 28, 0, 1, 0, 1, margin=0)
    for i in range(H):
        for j in range(Wd):
            inside = pad <= i < pad + h and pad <= j < pad + w
            v = image[i - pad, j - pad] if inside else 0
            c.raw(f'<rect x="{10 + j * cell}" y="{22 + i * cell}" width="{cell}" height="{cell}" '
                  f'fill="{"white" if inside else "#eee"}" stroke="#999" stroke-width="0.6"/>')
            c.text(10 + j * cell + cell / 2, 22 + i * cell + cell / 2 + 3, f"{v:g}", 8.5)
    c.raw(f'<rect x="10" y="22" width="{fw * cell}" height="{fh * cell}" fill="#c00" fill-opacity="0.10" '
          f'stroke="#c00" stroke-width="2"/>')
    c.text(10, 14, tr(FIG_WORDS["image"], lang), 8.5, "start")
    c.text(left - 17, 22 + fh * cell / 2 + 4, "×", 12, color="#c00")
    for i in range(fh):
        for j in range(fw):
            c.raw(f'<rect x="{left + j * cell}" y="{22 + i * cell}" width="{cell}" height="{cell}" fill="#fdecec" '
                  'stroke="#c00" stroke-width="0.8"/>')
            c.text(left + j * cell + cell / 2, 22 + i * cell + cell / 2 + 3, f"{kernel[i, j]:g}", 8.5, color="#c00")
    c.text(left, 14, tr(FIG_WORDS["kernel"], lang), 8.5, "start", "#c00")
    marks = [("box", "#c00", FIG_WORDS["window"])] + ([("box", "#999", FIG_WORDS["padding"])] if pad else [])
    return [{"svg": c.svg() + "<br>" + legend(marks, lang, per_row=1, column=c.w - 4),
             "caption": tr(CAPTION, lang)}]
