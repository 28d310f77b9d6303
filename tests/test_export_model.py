"""`matchbox export MODEL.npz`: the engine's networks as PyTorch modules (training/torch_code.py) and as ONNX
graphs (export/onnx_model.py) compute what the engine's predict computes; copy_back brings torch's parameters
home; and the command writes files that run without matchbox."""
from __future__ import annotations

import importlib.util
import re
import subprocess
import sys

import numpy as np
import pytest

from conftest import run_cli
from matchbox.engine.layers import (Affine, BatchNormalization, Convolution, Dropout, LeakyRelu, Pooling, Relu,
                                    Sigmoid)
from matchbox.engine.network import Network
from matchbox.errors import MatchboxError
from matchbox.export.model import export_model
from matchbox.training import torch_code
from matchbox.training.autoencoder import autoencoder
from matchbox.training.models import build, load

torch = pytest.importorskip("torch")


def randomized(net, seed=0, scale=0.5):
    """Every parameter drawn at random (biases too, and the GRU's bhn), so no zero hides a wrong mapping."""
    rng = np.random.default_rng(seed)
    for value in net.params.values():
        value[...] = scale * rng.standard_normal(value.shape)
    return net


def odd_layers_net(dtype=np.float32):
    """Layers `train` does not build today but the engine has: strided padded convolution, average pooling
    with padding, batch normalisation (2-d and 1-d, with running averages), dropout, leaky ReLU, sigmoid."""
    rng = np.random.default_rng(5)

    def r(*shape):
        return rng.standard_normal(shape).astype(dtype)

    bn2, bn1 = BatchNormalization(r(4), r(4)), BatchNormalization(r(6), r(6))
    for bn in (bn2, bn1):
        bn.running_mean = r(*bn.params["gamma"].shape)
        bn.running_var = (1 + rng.random(bn.params["gamma"].shape)).astype(dtype)
    layers = [Convolution(r(4, 2, 3, 3), r(4), stride=2, pad=1), bn2, LeakyRelu(0.1),
              Pooling(2, 2, stride=1, pad=1, mode="avg"), Affine(r(4 * 6 * 6, 6), r(6)), bn1, Dropout(0.3),
              Sigmoid(), Affine(r(6, 3), r(3)), Relu()]
    return Network(layers, (2, 9, 9), {"model": "custom", "dtype": np.dtype(dtype).name})


NETS = {
    "mlp-relu": lambda: build("mlp", (1, 8, 8), 10, hidden=(12, 7), rng=np.random.default_rng(1)),
    "mlp-sigmoid": lambda: build("mlp", (1, 8, 8), 10, hidden=(9,), activation="sigmoid"),
    "mlp-tanh": lambda: build("mlp", (1, 8, 8), 10, hidden=(9,), activation="tanh"),
    "cnn": lambda: build("cnn", (1, 8, 8), 10, hidden=(11,)),
    "cnn-28": lambda: build("cnn", (1, 28, 28), 10, hidden=(5,)),
    "rnn": lambda: build("rnn", (8, 8), 10, hidden=(6,)),
    "lstm": lambda: build("lstm", (8, 8), 10, hidden=(6,)),
    "lstm-regress": lambda: build("lstm", (25, 1), 0, hidden=(5,)),
    "gru": lambda: build("gru", (8, 8), 10, hidden=(6,)),
    "gru-regress": lambda: build("gru", (10, 2), 0, hidden=(4,)),
    "autoencoder": lambda: autoencoder([64, 16, 4, 16, 64]),
    "odd-layers": odd_layers_net,
}


def inputs_for(net, n=7, seed=3):
    """A batch of random inputs the way net.predict takes them (sequences of 9 steps for the recurrent nets)."""
    rng = np.random.default_rng(seed)
    if hasattr(net, "task"):
        shape = (n, 9, net.input_shape[-1])
    elif hasattr(net, "code_size"):
        shape = (n, net.recipe["sizes"][0])
    else:
        shape = (n, *net.input_shape)
    return rng.random(shape).astype(net.dtype)


def torch_outputs(module, x):
    with torch.no_grad():
        return module(torch.from_numpy(x)).numpy()


@pytest.mark.parametrize("kind", NETS)
def test_the_torch_module_computes_what_the_engine_predicts(kind):
    net = randomized(NETS[kind]()) if kind != "odd-layers" else NETS[kind]()
    x = inputs_for(net)
    module = torch_code.torch_module(net)
    assert not module.training
    got, expected = torch_outputs(module, x), net.predict(x)
    assert got.shape == expected.shape and got.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind", NETS)
def test_the_onnx_graph_computes_what_the_engine_predicts(kind):
    ort = pytest.importorskip("onnxruntime")
    from matchbox.export.onnx_model import onnx_model
    net = randomized(NETS[kind]()) if kind != "odd-layers" else NETS[kind]()
    x = inputs_for(net)
    session = ort.InferenceSession(onnx_model(net).SerializeToString())
    np.testing.assert_allclose(session.run(None, {"x": x})[0], net.predict(x), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind", NETS)
def test_copy_back_brings_what_torch_changed_into_the_engine(kind):
    net = randomized(NETS[kind]()) if kind != "odd-layers" else NETS[kind]()
    before = {name: value.copy() for name, value in net.params.items()}
    module = torch_code.torch_module(net)
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in module.parameters():
            p.add_(0.1 * torch.randn(p.shape, generator=gen))
        for name, buffer in module.named_buffers():
            if "running" in name:
                buffer.mul_(1.5)
    torch_code.copy_back(module, net)
    assert all(not np.array_equal(before[name], value) for name, value in net.params.items())
    x = inputs_for(net)
    np.testing.assert_allclose(net.predict(x), torch_outputs(module, x), rtol=1e-5, atol=1e-5)
    for name, value in torch_code.state_dict(net).items():
        np.testing.assert_array_equal(value, module.state_dict()[name].numpy())


def test_a_float64_network_becomes_a_float64_module():
    net = randomized(build("gru", (8, 8), 10, hidden=(6,), dtype=np.float64))
    x = inputs_for(net)
    got = torch_outputs(torch_code.torch_module(net), x)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, net.predict(x), rtol=1e-12, atol=1e-12)


def test_the_torch_module_trains_exactly_the_engines_parameters():
    """As many numbers as the engine's (no second bias as nn.LSTM would add), under the documented names."""
    for kind in ("lstm", "gru", "cnn"):
        net = NETS[kind]()
        module = torch_code.torch_module(net)
        assert sum(p.numel() for p in module.parameters()) == sum(v.size for v in net.params.values())
    lstm = randomized(NETS["lstm"]())
    names = torch_code.state_dict(lstm)
    np.testing.assert_array_equal(names["lstm1_x.weight"], lstm.params["LSTM1.Wx"].T)
    np.testing.assert_array_equal(names["lstm1_h.weight"], lstm.params["LSTM1.Wh"].T)
    np.testing.assert_array_equal(names["fc1.weight"], lstm.params["Affine1.W"].T)


def test_the_source_reads_layer_by_layer_and_needs_only_torch():
    source = torch_code.module_source(NETS["cnn"]())
    assert "matchbox import" not in source and "import matchbox" not in source
    for line in ("self.conv1 = nn.Conv2d(1, 30, kernel_size=5, stride=1, padding=0)",
                 "self.pool1 = nn.MaxPool2d(kernel_size=2, stride=2)", "self.fc1 = nn.Linear(120, 11)"):
        assert line in source
    assert "# Affine1: W (120, 11) stored transposed as fc1.weight (11, 120)" in source
    assert all(len(line) <= 120 for line in source.splitlines())
    lstm = torch_code.module_source(NETS["lstm"](), lang="ja")
    assert "def lstm1(self, x):" in lstm and "転置" in lstm


# --- the command ------------------------------------------------------------------------------------------------

def run_check(folder):
    """check.py run as a user would, with matchbox made unimportable: the export must stand alone."""
    code = ("import runpy, sys; sys.modules['matchbox'] = None; sys.path.insert(0, sys.argv[1]); "
            "runpy.run_path(sys.argv[1] + '/check.py', run_name='__main__')")
    result = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True, text=True,
                            timeout=120, cwd=folder.parent)
    assert result.returncode == 0, result.stderr
    largest = float(result.stdout.split()[-1])  # the last line ends with the largest difference
    return result.stdout, largest


def test_train_then_export_to_torch_and_onnx_then_check(tmp_path):
    trained = run_cli("train", "mlp", "--epochs", "2", "--hidden", "20", "-o", tmp_path)
    assert trained.returncode == 0, trained.stderr
    model = tmp_path / "mlp-digits.npz"
    exported = run_cli("export", model, "--to", "torch", "-o", tmp_path / "torch")
    assert exported.returncode == 0, exported.stderr
    assert [line.rsplit("/", 1)[-1] for line in exported.stdout.split()] == \
        ["model.py", "weights.pt", "samples.npz", "check.py"]
    out, largest = run_check(tmp_path / "torch")
    assert largest < 1e-5
    assert out.startswith("5 test samples of digits")
    saved = np.load(tmp_path / "torch" / "samples.npz")
    np.testing.assert_allclose(saved["engine_outputs"], load(model).predict(saved["inputs"]), atol=1e-6)
    said = [int(n) for n in re.findall(r"PyTorch says (\d)", out)]
    assert said == list(saved["engine_outputs"].argmax(axis=1))
    pytest.importorskip("onnxruntime")
    written = export_model(model, "onnx", tmp_path / "onnx")
    assert [path.name for path in written] == ["model.onnx", "samples.npz", "check.py"]
    assert run_check(tmp_path / "onnx")[1] < 1e-5


def test_export_of_a_trained_lstm_runs_on_the_sine_windows(tmp_path):
    trained = run_cli("train", "lstm", "--epochs", "1", "--hidden", "8", "-o", tmp_path)
    assert trained.returncode == 0, trained.stderr
    export_model(tmp_path / "lstm-sine.npz", "torch", tmp_path / "out", lang="ja")
    out, largest = run_check(tmp_path / "out")
    assert largest < 1e-5 and "sine のテストデータから 5 件" in out and "目標" in out and "test samples" not in out
    loop = (tmp_path / "out" / "model.py").read_text(encoding="utf-8").split("def lstm1")[1]
    comments = re.findall(r"#(.*)", loop)
    assert "記憶セル" in "".join(comments)  # the loop speaks Japanese too, not only __init__
    assert not [c for c in comments if re.search(r"\b(input|forget|memory|gate)\b", c)]


def test_a_model_whose_data_is_unknown_is_checked_on_random_inputs(tmp_path):
    net = randomized(NETS["gru-regress"]())
    path = net.save(tmp_path / "my-own.npz")
    written = export_model(path, "torch", tmp_path / "out")
    saved = np.load(written[2])
    assert saved["inputs"].shape == (5, 10, 2) and "random inputs" in str(saved["source"])
    np.testing.assert_allclose(saved["engine_outputs"], net.predict(saved["inputs"]), atol=1e-6)
    assert run_check(tmp_path / "out")[1] < 1e-5


@pytest.mark.parametrize("to, package, message", [
    ("torch", "torch", "matchbox export --to torch needs PyTorch: pip install matchbox[torch]"),
    ("onnx", "onnx", "matchbox export --to onnx needs ONNX: pip install matchbox[onnx]"),
])
def test_a_missing_package_is_one_line(tmp_path, monkeypatch, to, package, message):
    path = randomized(NETS["mlp-relu"]()).save(tmp_path / "mlp-digits.npz")
    monkeypatch.setitem(sys.modules, package, None)  # import now fails as if it were not installed
    with pytest.raises(MatchboxError, match=re.escape(message)):
        export_model(path, to, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    code = (f"import sys; sys.modules[{package!r}] = None; sys.argv = ['matchbox', 'export', sys.argv[1], "
            f"'--to', {to!r}, '-o', sys.argv[2]]; import runpy; runpy.run_module('matchbox', run_name='__main__')")
    result = subprocess.run([sys.executable, "-c", code, str(path), str(tmp_path / "out")], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2 and message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_file_that_is_not_a_model_is_refused(tmp_path):
    (tmp_path / "x.npz").write_bytes(b"not a zip")
    with pytest.raises(MatchboxError, match="not a model saved by matchbox"):
        export_model(tmp_path / "x.npz", "torch", tmp_path / "out")


def test_a_float64_model_is_exported_as_float32(tmp_path):
    net = randomized(build("mlp", (1, 8, 8), 10, hidden=(9,), dtype=np.float64))
    path = net.save(tmp_path / "mlp-digits.npz")
    export_model(path, "torch", tmp_path / "out")
    assert run_check(tmp_path / "out")[1] < 1e-5
    if importlib.util.find_spec("onnxruntime"):
        export_model(path, "onnx", tmp_path / "onnx")
        assert run_check(tmp_path / "onnx")[1] < 1e-5
