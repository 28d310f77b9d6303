"""`matchbox export MODEL.npz`: a model saved by `matchbox train`, written out for PyTorch or ONNX.

    --to torch   model.py    a standalone torch.nn.Module, layer by layer (training/torch_code.py writes it)
                 weights.pt  its state_dict
    --to onnx    model.onnx  the same network as an ONNX graph (onnx_model.py), for onnxruntime or Netron
    both         samples.npz a few test inputs, their labels and the engine's outputs for them
                 check.py    runs the exported model on those inputs beside the engine's outputs, with no
                             matchbox and no dataset: the proof that the export computes what the engine did
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import MatchboxError
from ..training.autoencoder import Autoencoder
from ..training.models import load
from ..training.recurrent import SequenceNetwork
from ..training.torch_code import module_source, require_torch, state_dict

SAMPLES = 5

WORDS = {
    "en": {"doc": "Runs the exported model on the inputs saved in samples.npz and prints its outputs beside the "
                  "matchbox engine's,\ncomputed for the same inputs at export time. Needs {needs} and NumPy only: "
                  "python check.py",
           "label": "label", "target": "target", "says": "says", "engine": "engine", "score": "score",
           "error": "reconstruction error (mean squared per pixel)",
           "largest": "largest difference from the engine:"},
    "ja": {"doc": "書き出したモデルを samples.npz の入力で動かし、書き出し時に matchbox のエンジンが同じ入力で出した値と\n"
                  "並べて表示します。{needs} と NumPy だけで動きます: python check.py",
           "label": "正解", "target": "目標", "says": "の答え", "engine": "エンジン", "score": "スコア",
           "error": "再構成誤差 (1 画素あたりの平均二乗)",
           "largest": "エンジンとの差の最大:"},
}


def export_model(path: Path, to: str, out: Path, lang: str = "en") -> list[Path]:
    """Write the model saved at `path` into the folder `out` for `to` ("torch" or "onnx"); returns the files
    written."""
    if to == "torch":
        torch = require_torch("matchbox export --to torch")
    elif to == "onnx":
        from .onnx_model import onnx_model, require_onnx
        require_onnx()
    else:
        raise MatchboxError(f"unknown export target {to!r}: use torch or onnx")
    lang = lang if lang in WORDS else "en"
    net = load(path)
    x, targets, source = sample_inputs(net, Path(path), lang)
    x = x.astype(np.float32)  # what the exported float32 model takes
    out.mkdir(parents=True, exist_ok=True)
    written = []
    if to == "torch":
        written.append(write(out / "model.py", module_source(net, lang)))
        weights = {name: value.astype(np.float32) if value.dtype.kind == "f" else value  # the module is float32
                   for name, value in state_dict(net).items()}
        torch.save({name: torch.from_numpy(value) for name, value in weights.items()}, out / "weights.pt")
        written.append(out / "weights.pt")
    else:
        written.append(write_bytes(out / "model.onnx", onnx_model(net).SerializeToString()))
    with open(out / "samples.npz", "wb") as f:
        np.savez(f, inputs=x, targets=targets, engine_outputs=net.predict(x), source=np.array(source))
    written.append(out / "samples.npz")
    written.append(write(out / "check.py", check_source(net, to, lang)))
    return written


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# --- a few inputs to check with -------------------------------------------------------------------------------

def input_dims(net) -> tuple[int, ...]:
    """The shape of one sample as the exported model takes it."""
    if isinstance(net, SequenceNetwork):
        return (net.recipe.get("steps") or 10, net.input_shape[-1])
    if isinstance(net, Autoencoder):
        return (net.recipe["sizes"][0],)
    return tuple(net.input_shape)


def sample_inputs(net, path: Path, lang: str = "en", n: int = SAMPLES) -> tuple[np.ndarray, np.ndarray, str]:
    """The first `n` test inputs of the dataset the model was trained on (its file is named MODEL-DATASET...
    by `matchbox train`), with their labels or targets, and a line saying what they are; random inputs of the
    right shape when that dataset is not at hand (MNIST not downloaded, a renamed file)."""
    dims = input_dims(net)
    parts = path.stem.split("-")
    dataset = parts[1] if len(parts) > 1 else ""
    try:
        data = dataset_of(net, dataset, parts)
    except (MatchboxError, OSError, ValueError):
        data = None
    if data is not None:
        x, t = next(data.batches("test", n, net.dtype))
        fits = x.shape[2:] == dims[1:] if isinstance(net, SequenceNetwork) else x[0].size == np.prod(dims)
        if fits:
            x = x if isinstance(net, SequenceNetwork) else x.reshape(len(x), *dims)
            what = f"{dataset} のテストデータから {n} 件" if lang == "ja" else f"{n} test samples of {dataset}"
            return x, np.asarray(t, np.float64), what
    rng = np.random.default_rng(0)
    x = rng.random((n, *dims)).astype(net.dtype)
    what = (f"乱数の入力 {n} 件 (書き出しのときに学習データが見つかりませんでした)" if lang == "ja"
            else f"{n} random inputs (the training data was not at hand at export)")
    return x, np.full(n, np.nan), what


def dataset_of(net, dataset: str, parts: list[str]):
    if isinstance(net, SequenceNetwork):
        from ..training.sequences import SEQUENCE_DATASETS, load_sequences
        if dataset not in SEQUENCE_DATASETS:
            return None
        length = int(parts[2]) if dataset == "adding" and len(parts) > 2 else 50
        return load_sequences(dataset, length=length)
    from ..training.data import load_dataset
    return load_dataset(dataset) if dataset in ("digits", "mnist") else None


# --- check.py --------------------------------------------------------------------------------------------------

CHECK = '''"""{doc}"""
from pathlib import Path

import numpy as np
{imports}

here = Path(__file__).resolve().parent
samples = np.load(here / "samples.npz")
x, targets, engine = samples["inputs"], samples["targets"], samples["engine_outputs"]
{run}
print(samples["source"])
for i in range(len(x)):
{show}
print("{largest}", f"{{np.abs(outputs - engine).max():.2e}}")
'''

RUN = {
    "torch": ("import torch\n\nfrom model import MatchboxNet",
              'net = MatchboxNet()\nnet.load_state_dict(torch.load(here / "weights.pt"))\nnet.eval()\n'
              "with torch.no_grad():\n    outputs = net(torch.from_numpy(x)).numpy()"),
    "onnx": ("import onnxruntime",
             'session = onnxruntime.InferenceSession(str(here / "model.onnx"))\n'
             'outputs = session.run(None, {"x": x})[0]'),
}
NEEDS = {"torch": "PyTorch", "onnx": "onnxruntime"}


def check_source(net, to: str, lang: str) -> str:
    w = WORDS[lang]
    who = "PyTorch" if to == "torch" else "ONNX"
    regress = getattr(net, "task", "classify") == "regress"
    given = (f'    given = "" if np.isnan(targets[i]) else f"{w["target" if regress else "label"]} '
             f'{{targets[i]:{".4f" if regress else "g"}}}  "')
    if isinstance(net, Autoencoder):
        show = ['    error, engine_error = (np.mean((y[i] - x[i].reshape(-1)) ** 2) for y in (outputs, engine))',
                f'    print(f"{{i + 1}}: {{given}}{w["error"]}: {who} {{error:.6f}}  {w["engine"]} '
                f'{{engine_error:.6f}}")']
    elif regress:
        show = [f'    print(f"{{i + 1}}: {{given}}{who} {{outputs[i, 0]:.4f}}  {w["engine"]} {{engine[i, 0]:.4f}}")']
    else:
        show = [f'    print(f"{{i + 1}}: {{given}}{who} {w["says"]} {{outputs[i].argmax()}} '
                f'({w["score"]} {{outputs[i].max():.3f}})  {w["engine"]} {{engine[i].argmax()}} '
                f'({w["score"]} {{engine[i].max():.3f}})")']
    imports, run = RUN[to]
    return CHECK.format(doc=w["doc"].format(needs=NEEDS[to]), imports=imports, run=run,
                        show="\n".join([given, *show]), largest=w["largest"])
