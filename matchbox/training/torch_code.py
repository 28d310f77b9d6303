"""An engine network (mlp, cnn, rnn, lstm, gru, autoencoder) as PyTorch: the readable source of a torch.nn.Module,
the engine's parameters under the module's names, and the way back.

This API is shared by `matchbox export` (model.py, weights.pt) and the torch backend of `matchbox train`
(which starts from the engine's own initial weights and saves what it learned with copy_back and the engine's
net.save). Change a signature only together with both.

    module_source(net, lang)  the source of model.py: class MatchboxNet(torch.nn.Module), layer by layer, whose
                              forward takes what net.predict takes and returns what it returns
    state_dict(net)           {module name: NumPy array}: the engine's parameters, transposed where torch keeps
                              them transposed
    torch_module(net)         MatchboxNet built from that source with the engine's parameters, in eval mode
    copy_back(module, net)    the module's parameters written into the engine's arrays, in place

Names: Affine1 → fc1, Convolution1 → conv1, Pooling1 → pool1, BatchNormalization1 → bn1, Dropout1 → drop1,
LSTM1 → lstm1_x (input weights and bias) and lstm1_h (hidden weights), and the GRU's extra bias gru1_bhn.

The recurrent layers are written out as a loop over the steps, not as nn.RNN / nn.LSTM / nn.GRU: those keep
two bias vectors (bias_ih, bias_hh) where the engine keeps one, so torch would train a different set of
parameters from the engine's; the loop keeps exactly the engine's (Wx, Wh, b, and the GRU's bhn) and shows the
gate equations a learner worked by hand. The price is speed on long sequences, which a workshop never notices.
"""
from __future__ import annotations

import textwrap
import unicodedata

import numpy as np

from ..errors import MatchboxError
from .autoencoder import Autoencoder
from .recurrent import SequenceNetwork

INDENT = " " * 8
COMMENT_AT = 40  # forward's comments start at this column, so they read as a second column

SAY = {
    "header": {"en": "Written by `matchbox export` from a model trained by the matchbox engine. Needs only PyTorch:",
               "ja": "`matchbox export` が matchbox のエンジンで学習したモデルから書き出しました。PyTorch だけで動きます:"},
    "input": {"en": "the engine's input shape per sample", "ja": "エンジンと同じ 1 サンプルの形"},
    "affine": {"en": "{name}: W {w} stored transposed as {mod}.weight {wt}, b {b} as {mod}.bias",
               "ja": "{name}: W {w} は転置して {mod}.weight {wt} に、b {b} は {mod}.bias に"},
    "flatten": {"en": "{name} flattens each sample, (C, H, W) in this order",
                "ja": "{name} の前に各サンプルを (C, H, W) の順で 1 列に"},
    "conv": {"en": "{name}: W {w} (filters, channels, height, width) and b {b}, as torch keeps them",
             "ja": "{name}: W {w} (フィルター, チャンネル, 高さ, 幅) と b {b} は torch でも同じ並び"},
    "pool-max": {"en": "{name}: the largest value of each {ph}×{pw} window, windows {s} apart",
                 "ja": "{name}: {ph}×{pw} の窓ごとの最大値、窓は {s} ずつずらす"},
    "pool-avg": {"en": "{name}: the mean of each {ph}×{pw} window, windows {s} apart",
                 "ja": "{name}: {ph}×{pw} の窓ごとの平均、窓は {s} ずつずらす"},
    "dropout": {"en": "{name}: drops units only in training (module.train()); eval() passes x through, as "
                      "the engine's predict",
                "ja": "{name}: 学習中 (module.train()) だけユニットを落とす。eval() ではエンジンの predict と同じく素通り"},
    "batchnorm": {"en": "{name}: gamma as {mod}.weight, beta as {mod}.bias, the running mean and variance as "
                        "buffers (used in eval mode)",
                  "ja": "{name}: gamma は {mod}.weight、beta は {mod}.bias、移動平均と移動分散はバッファ (eval で使う)"},
    "recurrent": {"en": "{name}: Wx {wx} stored transposed as {mod}_x.weight, b {b} as {mod}_x.bias, Wh {wh} "
                        "transposed as {mod}_h.weight; gate columns {gates}",
                  "ja": "{name}: Wx {wx} は転置して {mod}_x.weight に、b {b} は {mod}_x.bias に、Wh {wh} は転置して "
                        "{mod}_h.weight に。ゲートの列は {gates}"},
    "bhn": {"en": "{name}: bhn {bhn}, the n gate's hidden bias, which the reset gate multiplies",
            "ja": "{name}: bhn {bhn} は n の隠れ側のバイアス。リセットゲートが掛かる"},
    "all-states": {"en": "{name}: every hidden state (N, T, H)", "ja": "{name}: すべての時刻の隠れ状態 (N, T, H)"},
    "last-step": {"en": "{name}: the last step's hidden state", "ja": "{name}: 最後の時刻の隠れ状態"},
    "identity": {"en": "{name}: x unchanged", "ja": "{name}: x はそのまま"},
    "loop": {"en": "{name} over sequences x (N, T, D), one step at a time as the engine's recurrent.py.",
             "ja": "{name}: 系列 x (N, T, D) を 1 時刻ずつ、エンジンの recurrent.py と同じ式で。"},
    "scores": {"en": "the scores before softmax, as the engine's predict", "ja": "softmax の前のスコア (エンジンの predict と同じ)"},
    "value": {"en": "the predicted value, as the engine's predict", "ja": "予測した値 (エンジンの predict と同じ)"},
    "reconstruction": {"en": "the reconstruction x̂, in [0, 1]", "ja": "再構成 x̂ (0 から 1)"},
}


def say(key: str, lang: str, **args) -> str:
    text = SAY[key]
    return (text.get(lang) or text["en"]).format(**args)


def shape(a) -> str:
    return str(tuple(int(n) for n in np.shape(a)))


class Part:
    """One engine layer's share of the module: lines of __init__ and forward, a method of its own (a recurrent
    layer's loop), and its parameters as (engine name, module name, transposed)."""

    def __init__(self):
        self.init: list[str] = []
        self.forward: list[tuple[str, str]] = []  # (code, comment)
        self.method: list[str] = []
        self.names: list[tuple[str, str, bool]] = []


def parts(net, lang: str = "en") -> list[Part]:
    """Every layer of `net` translated, in order; the input's number of dimensions is followed through them
    (an Affine after a convolution flattens, a BatchNormalization is 1-d or 2-d)."""
    ndim = 3 if isinstance(net, SequenceNetwork) else 2 if isinstance(net, Autoencoder) else 1 + len(net.input_shape)
    out = []
    for name, layer in zip(net.names, net.layers):
        part, ndim = translate(name, layer, ndim, lang)
        out.append(part)
    return out


def translate(name: str, layer, ndim: int, lang: str) -> tuple[Part, int]:
    kind, rank = type(layer).__name__, name[len(type(layer).__name__):]
    p, part = layer.params, Part()
    if kind == "Affine":
        mod = f"fc{rank}"
        W = p["W"]
        if ndim > 2:
            part.forward.append(("x = x.flatten(1)", say("flatten", lang, name=name)))
        part.init += [say("affine", lang, name=name, w=shape(W), wt=shape(W.T), b=shape(p["b"]), mod=mod),
                      f"self.{mod} = nn.Linear({W.shape[0]}, {W.shape[1]})"]
        part.forward.append((f"x = self.{mod}(x)", f"{name}: x W + b"))
        part.names += [(f"{name}.W", f"{mod}.weight", True), (f"{name}.b", f"{mod}.bias", False)]
        return part, 2
    if kind == "Convolution":
        mod = f"conv{rank}"
        fn, c, fh, fw = p["W"].shape
        size = fh if fh == fw else (fh, fw)
        part.init += [say("conv", lang, name=name, w=shape(p["W"]), b=shape(p["b"])),
                      f"self.{mod} = nn.Conv2d({c}, {fn}, kernel_size={size}, stride={layer.stride}, "
                      f"padding={layer.pad})"]
        part.forward.append((f"x = self.{mod}(x)", name))
        part.names += [(f"{name}.W", f"{mod}.weight", False), (f"{name}.b", f"{mod}.bias", False)]
        return part, ndim
    if kind == "Pooling":
        mod = f"pool{rank}"
        size = layer.ph if layer.ph == layer.pw else (layer.ph, layer.pw)
        torch_class = "nn.MaxPool2d" if layer.mode == "max" else "nn.AvgPool2d"  # both pad as the engine does
        padding = f", padding={layer.pad}" if layer.pad else ""
        part.init += [say(f"pool-{layer.mode}", lang, name=name, ph=layer.ph, pw=layer.pw, s=layer.stride),
                      f"self.{mod} = {torch_class}(kernel_size={size}, stride={layer.stride}{padding})"]
        part.forward.append((f"x = self.{mod}(x)", name))
        return part, ndim
    if kind in ACTIVATION_CODE:
        part.forward.append((ACTIVATION_CODE[kind].format(slope=getattr(layer, "slope", 0)), name))
        return part, ndim
    if kind == "Identity":
        part.forward.append(("", say("identity", lang, name=name)))
        return part, ndim
    if kind == "Dropout":
        mod = f"drop{rank}"
        part.init += [say("dropout", lang, name=name), f"self.{mod} = nn.Dropout(p={layer.ratio})"]
        part.forward.append((f"x = self.{mod}(x)", name))
        return part, ndim
    if kind == "BatchNormalization":
        mod = f"bn{rank}"
        torch_class = "nn.BatchNorm1d" if ndim == 2 else "nn.BatchNorm2d"
        # the engine keeps m·old + (1 − m)·new; torch's momentum is the new value's share, 1 − m
        part.init += [say("batchnorm", lang, name=name, mod=mod),
                      f"self.{mod} = {torch_class}({p['gamma'].size}, eps={layer.eps}, "
                      f"momentum={round(1 - layer.momentum, 10)})"]
        part.forward.append((f"x = self.{mod}(x)", name))
        part.names += [(f"{name}.gamma", f"{mod}.weight", False), (f"{name}.beta", f"{mod}.bias", False)]
        return part, ndim
    if kind in CELLS:
        return recurrent(name, layer, kind, lang), 3
    if kind == "LastStep":
        part.forward.append(("x = x[:, -1]", say("last-step", lang, name=name)))
        return part, 2
    raise MatchboxError(f"the engine's {kind} layer cannot be written for PyTorch yet")


ACTIVATION_CODE = {"Relu": "x = torch.relu(x)", "Sigmoid": "x = torch.sigmoid(x)", "Tanh": "x = torch.tanh(x)",
                   "LeakyRelu": "x = nn.functional.leaky_relu(x, {slope})"}

# the loop's body for each recurrent layer: a = x Wx + b, then the engine's gate equations (recurrent.py),
# each with its comment in both languages
CELLS = {
    "RNN": ("h", [("h = torch.tanh(self.{mod}_x(x[:, t]) + self.{mod}_h(h))", {"en": "x Wx + b + h Wh", "ja": "x Wx + b + h Wh"})]),
    "LSTM": ("i, f, g, o", [
        ("a = self.{mod}_x(x[:, t]) + self.{mod}_h(h)", {"en": "x Wx + b + h Wh", "ja": "x Wx + b + h Wh"}),
        ("i, f, g, o = a.chunk(4, dim=1)", {"en": "input, forget, candidate, output", "ja": "入力・忘却・候補・出力ゲート"}),
        ("c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)", {"en": "the memory cell", "ja": "記憶セル"}),
        ("h = torch.sigmoid(o) * torch.tanh(c)", {}),
    ]),
    "GRU": ("r, z, n", [
        ("xr, xz, xn = self.{mod}_x(x[:, t]).chunk(3, dim=1)", {"en": "x Wx + b", "ja": "x Wx + b"}),
        ("hr, hz, hn = self.{mod}_h(h).chunk(3, dim=1)", {"en": "h Wh", "ja": "h Wh"}),
        ("r = torch.sigmoid(xr + hr)", {"en": "reset gate", "ja": "リセットゲート"}),
        ("z = torch.sigmoid(xz + hz)", {"en": "update gate", "ja": "更新ゲート"}),
        ("n = torch.tanh(xn + r * (hn + self.{mod}_bhn))", {"en": "r multiplies h Wh_n and its bias", "ja": "r は h Wh_n とそのバイアスに掛かる"}),
        ("h = (1 - z) * n + z * h", {}),
    ]),
}


def recurrent(name: str, layer, kind: str, lang: str) -> Part:
    p, part, mod = layer.params, Part(), name.lower()
    gates, body = CELLS[kind]
    body = [(code.format(mod=mod), comment.get(lang, comment.get("en", ""))) for code, comment in body]
    width = max(len(code) for code, _ in body)
    (D, kH), H = p["Wx"].shape, p["Wh"].shape[0]
    part.init += [say("recurrent", lang, name=name, wx=shape(p["Wx"]), b=shape(p["b"]), wh=shape(p["Wh"]),
                      mod=mod, gates=gates),
                  f"self.{mod}_x = nn.Linear({D}, {kH})",
                  f"self.{mod}_h = nn.Linear({H}, {kH}, bias=False)"]
    part.names += [(f"{name}.Wx", f"{mod}_x.weight", True), (f"{name}.b", f"{mod}_x.bias", False),
                   (f"{name}.Wh", f"{mod}_h.weight", True)]
    if kind == "GRU":
        part.init += [say("bhn", lang, name=name, bhn=shape(p["bhn"])),
                      f"self.{mod}_bhn = nn.Parameter(torch.zeros({H}))"]
        part.names.append((f"{name}.bhn", f"{mod}_bhn", False))
    part.forward.append((f"x = self.{mod}(x)", say("all-states", lang, name=name)))
    state = "h = c = x.new_zeros(len(x), {H})" if kind == "LSTM" else "h = x.new_zeros(len(x), {H})"
    part.method = [f"def {mod}(self, x):",
                   f'    """{say("loop", lang, name=name)}"""',
                   "    " + state.format(H=H),
                   "    hs = []",
                   "    for t in range(x.shape[1]):",
                   *("        " + with_comment(code, comment, width) for code, comment in body),
                   "        hs.append(h)",
                   "    return torch.stack(hs, dim=1)"]
    return part


def module_source(net, lang: str = "en") -> str:
    """The source of model.py: a standalone MatchboxNet(torch.nn.Module) written layer by layer, the engine's
    layer names in its comments; imports torch only."""
    pieces = parts(net, lang)
    if isinstance(net, Autoencoder):
        reshape, ending = "x = x.reshape(len(x), -1)", ("return torch.sigmoid(x)", say("reconstruction", lang))
    else:
        dims = ", ".join(str(n) for n in net.input_shape)
        reshape = f"x = x.reshape(len(x), {dims})"
        regress = getattr(net, "task", "classify") == "regress"
        ending = ("return x", say("value" if regress else "scores", lang))
    forward = [(reshape, say("input", lang)), *(line for part in pieces for line in part.forward), ending]
    init = [line for part in pieces for line in part.init]
    lines = [
        f'"""{net.recipe["model"]}: {net.describe()}', "",
        say("header", lang), "",
        "    net = MatchboxNet()",
        '    net.load_state_dict(torch.load("weights.pt"))',
        "    net.eval()",
        f"    outputs = net(x)  # x: {example_input(net, lang)}",
        '"""',
        "import torch",
        "from torch import nn", "", "",
        "class MatchboxNet(nn.Module):",
        f'    """{" – ".join(net.names)}"""', "",
        "    def __init__(self):",
        "        super().__init__()",
        *(INDENT + line for text in init
          for line in ([text] if text.startswith("self.") else comment_lines(text))), "",
        "    def forward(self, x):",
        *(INDENT + with_comment(code, comment) for code, comment in forward),
    ]
    for part in pieces:
        if part.method:
            lines += ["", *("    " + line for line in part.method)]
    return "\n".join(lines) + "\n"


def with_comment(code: str, comment: str, width: int = COMMENT_AT - len(INDENT)) -> str:
    """A line of code and its comment, the comment at a fixed column."""
    if not comment:
        return code
    if not code:
        return f"# {comment}"
    return f"{code.ljust(width)}  # {comment}"


def comment_lines(text: str) -> list[str]:
    """A long comment of __init__ wrapped onto lines of at most 110 characters."""
    wide = any(unicodedata.east_asian_width(ch) in "WF" for ch in text)
    width = 90 if wide else 110  # a Japanese character takes two columns
    return ["# " + line for line in textwrap.wrap(text, width - len(INDENT) - 2)]


def example_input(net, lang: str = "en") -> str:
    if isinstance(net, SequenceNetwork):
        return f"(N, T, {net.input_shape[-1]}) " + ("の系列" if lang == "ja" else "sequences")
    if isinstance(net, Autoencoder):
        return f"(N, {net.recipe['sizes'][0]}) " + ("の画像" if lang == "ja" else "images")
    return "(N, " + ", ".join(str(n) for n in net.input_shape) + ")"


def parameter_names(net) -> list[tuple[str, str, bool]]:
    """(engine name, module name, transposed) for every parameter of `net`."""
    return [entry for part in parts(net) for entry in part.names]


def batchnorm_layers(net):
    """(module prefix, layer) for each BatchNormalization: its running averages are buffers, not params."""
    return [(f"bn{name[len('BatchNormalization'):]}", layer) for name, layer in zip(net.names, net.layers)
            if type(layer).__name__ == "BatchNormalization"]


def state_dict(net) -> dict[str, np.ndarray]:
    """The engine's parameters under the module's names and shapes (contiguous copies)."""
    out = {module_name: np.ascontiguousarray(net.params[engine_name].T if transposed else net.params[engine_name])
           for engine_name, module_name, transposed in parameter_names(net)}
    for mod, layer in batchnorm_layers(net):
        out[f"{mod}.running_mean"] = np.array(layer.running_mean, dtype=net.dtype)
        out[f"{mod}.running_var"] = np.array(layer.running_var, dtype=net.dtype)
        out[f"{mod}.num_batches_tracked"] = np.array(0, dtype=np.int64)
    return out


def require_torch(command: str = "this"):
    """torch, or a one-line MatchboxError saying how to install it."""
    try:
        import torch
    except ImportError:
        raise MatchboxError(f"{command} needs PyTorch: pip install matchbox[torch]") from None
    return torch


def torch_module(net):
    """MatchboxNet, built by running module_source, with the engine's parameters loaded (float64 if the net
    is, float32 otherwise), in eval mode as the engine's predict: call .train() to train it."""
    torch = require_torch("a PyTorch copy of the network")
    namespace = {"__name__": "matchbox_model"}
    exec(compile(module_source(net), "<matchbox model.py>", "exec"), namespace)
    module = namespace["MatchboxNet"]()
    if net.dtype == np.float64:
        module = module.double()
    module.load_state_dict({name: torch.from_numpy(value) for name, value in state_dict(net).items()})
    return module.eval()


def copy_back(module, net) -> None:
    """The reverse of state_dict: the module's parameters (and batch-normalisation averages) written into the
    engine net's arrays in place, so net.save and everything that reads a saved model work on them."""
    values = {name: tensor.detach().cpu().numpy() for name, tensor in module.state_dict().items()}
    for engine_name, module_name, transposed in parameter_names(net):
        value = values[module_name]
        net.params[engine_name][...] = value.T if transposed else value
    for mod, layer in batchnorm_layers(net):
        layer.running_mean = values[f"{mod}.running_mean"].astype(net.dtype)
        layer.running_var = values[f"{mod}.running_var"].astype(net.dtype)
