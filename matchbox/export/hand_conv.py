"""`conv`: a convolution (cross-correlation, as PyTorch computes it) and its pooling."""
from __future__ import annotations


def body(sheet) -> str:
    p = sheet.params
    image, kernels, biases = p["image"], p["kernels"], p["biases"]
    stride, pad = p["stride"], p["pad"]
    lines = [sheet.comment("The sheet's numbers: image (channels, rows, columns) and kernels",
                           "シートの数値: 画像(チャンネル、行、列)とカーネル"),
             f"image = torch.tensor([{image!r}])  # " + sheet.say("a batch of one image", "画像1枚のバッチ"),
             f"kernels = torch.tensor({kernels!r})",
             f"bias = torch.tensor({[float(b) for b in biases]!r})",
             "",
             sheet.comment("Frameworks do not flip the kernel: conv2d is a cross-correlation",
                           "フレームワークはカーネルを反転しません: conv2d は相互相関です"),
             f"out = torch.nn.functional.conv2d(image, kernels, bias, stride={stride}, padding={pad})[0]",
             "OH, OW = out.shape[1:]"]
    exprs = {"OH": "OH", "OW": "OW"}
    for name in (q.name for q in sheet.ws.answers):
        head, _, rest = name.partition("_")
        if not rest:
            continue
        idx = ", ".join(str(int(x) - 1) for x in [head.lstrip("cmaxvg"), *rest.split("_")])
        if head.startswith("c") and head[1:].isdigit():
            exprs[name] = f"out[{idx}]"
        elif head.startswith(("max", "avg")) and head.lstrip("maxvg").isdigit():
            exprs[name] = f"{head[:3]}_pool[{idx}]"
    if p["pool"]:
        size, ps = p["pool"]["size"], p["pool"]["stride"]
        lines += ["", sheet.comment("Pooling over the convolution's output", "畳み込みの出力のプーリング")]
        if "max" in p["pool"]["modes"]:
            lines.append(f"max_pool = torch.nn.functional.max_pool2d(out, {size}, stride={ps})")
        if "avg" in p["pool"]["modes"]:
            lines.append(f"avg_pool = torch.nn.functional.avg_pool2d(out, {size}, stride={ps})")
    lines.append("")
    lines += [sheet.show(name, exprs[name]) for name in sheet.ws.quantities if name in exprs]
    return "\n".join(lines)
