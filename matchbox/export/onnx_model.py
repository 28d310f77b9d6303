"""An engine network as an ONNX graph, built node by node with the onnx package's helpers (no PyTorch needed).

Each node is named after the engine's layer (Affine1, Convolution1, LSTM1...) and each weight keeps its
engine name where ONNX takes it as it is (Affine1.W: Gemm multiplies x (N, in) by W (in, out) directly), so the
graph reads in Netron as the engine's layers do. The recurrent layers become ONNX's own RNN, LSTM and GRU
nodes, whose weights ONNX wants transposed and in another gate order (see `recurrent`). Dropout is left out
(evaluation), BatchNormalization uses the running averages. Outputs: what the engine's `predict` returns.
"""
from __future__ import annotations

import numpy as np

from ..errors import MatchboxError
from ..training.autoencoder import Autoencoder
from ..training.recurrent import SequenceNetwork

OPSET = 17
IR_VERSION = 8  # the IR of opset 17: older runtimes read it too


def require_onnx():
    try:
        import onnx
    except ImportError:
        raise MatchboxError("matchbox export --to onnx needs ONNX: pip install matchbox[onnx]") from None
    return onnx


def onnx_model(net):
    """The ModelProto of `net`: input "x" shaped as net.predict takes it (N free), output "y"."""
    onnx = require_onnx()
    from onnx import TensorProto, helper
    graph = Graph(onnx)
    if isinstance(net, SequenceNetwork):
        dims, ndim = ["N", "T", net.input_shape[-1]], 3
    elif isinstance(net, Autoencoder):
        dims, ndim = ["N", net.recipe["sizes"][0]], 2
    else:
        dims, ndim = ["N", *net.input_shape], 1 + len(net.input_shape)
    probe = np.zeros([1 if d == "N" else 2 if d == "T" else d for d in dims], np.float32)
    out_dims = ["N", *net.predict(probe).shape[1:]]
    x = "x"
    for name, layer in zip(net.names, net.layers):
        x, ndim = graph.layer(name, layer, x, ndim)
    if isinstance(net, Autoencoder):
        x = graph.node("Sigmoid", [x], "Reconstruction")
    graph.nodes.append(helper.make_node("Identity", [x], ["y"], name="Output"))
    model = helper.make_model(
        helper.make_graph(graph.nodes, f"matchbox {net.recipe['model']}",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, dims)],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_dims)],
                          initializer=graph.weights, doc_string=net.describe()),
        producer_name="matchbox", opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    return model


class Graph:
    """Nodes and weights (initializers) as they are added; each node's output is named after it."""

    def __init__(self, onnx):
        self.helper, self.arrays, self.nodes, self.weights = onnx.helper, onnx.numpy_helper, [], []

    def weight(self, name: str, value, dtype=np.float32) -> str:
        self.weights.append(self.arrays.from_array(np.array(value, dtype=dtype), name))
        return name

    def node(self, op: str, inputs, name: str, doc: str = "", outputs=None, **attributes) -> str:
        outputs = outputs or [name]
        self.nodes.append(self.helper.make_node(op, list(inputs), outputs, name=name, doc_string=doc, **attributes))
        return outputs[0]

    def layer(self, name: str, layer, x: str, ndim: int) -> tuple[str, int]:
        kind, p = type(layer).__name__, layer.params
        if kind == "Affine":
            if ndim > 2:
                x = self.node("Flatten", [x], f"{name}.flatten", axis=1)
            return self.node("Gemm", [x, self.weight(f"{name}.W", p["W"]), self.weight(f"{name}.b", p["b"])],
                             name, "x W + b"), 2
        if kind == "Convolution":
            pad, s = layer.pad, layer.stride
            return self.node("Conv", [x, self.weight(f"{name}.W", p["W"]), self.weight(f"{name}.b", p["b"])], name,
                             kernel_shape=list(p["W"].shape[2:]), strides=[s, s], pads=[pad] * 4), ndim
        if kind == "Pooling":
            op, extra = ("MaxPool", {}) if layer.mode == "max" else ("AveragePool", {"count_include_pad": 1})
            return self.node(op, [x], name, kernel_shape=[layer.ph, layer.pw], strides=[layer.stride] * 2,
                             pads=[layer.pad] * 4, **extra), ndim
        if kind in ("Relu", "Sigmoid", "Tanh"):
            return self.node(kind, [x], name), ndim
        if kind == "LeakyRelu":
            return self.node("LeakyRelu", [x], name, alpha=float(layer.slope)), ndim
        if kind in ("Identity", "Dropout"):  # Dropout passes x through in evaluation
            return x, ndim
        if kind == "BatchNormalization":
            inputs = [x, self.weight(f"{name}.gamma", p["gamma"]), self.weight(f"{name}.beta", p["beta"]),
                      self.weight(f"{name}.running_mean", layer.running_mean),
                      self.weight(f"{name}.running_var", layer.running_var)]
            return self.node("BatchNormalization", inputs, name, epsilon=float(layer.eps)), ndim
        if kind in GATE_ORDER:
            return self.recurrent(name, layer, kind, x), 3
        if kind == "LastStep":
            last = self.weight(f"{name}.index", -1, np.int64)
            return self.node("Gather", [x, last], name, "the last step's hidden state", axis=1), 2
        raise MatchboxError(f"the engine's {kind} layer cannot be written as ONNX yet")

    def recurrent(self, name: str, layer, kind: str, x: str) -> str:
        """ONNX's RNN / LSTM / GRU node over x (N, T, D), returning every hidden state (N, T, H).

        ONNX keeps W (gates·H, D) = Wx transposed, R = Wh transposed, and B = (input biases, hidden biases);
        its gate order is LSTM i, o, f, c (the engine: i, f, g, o) and GRU z, r, h (the engine: r, z, n).
        The engine's single bias goes to the input half, the GRU's bhn to the hidden bias of h, which
        linear_before_reset=1 multiplies by the reset gate as the engine does."""
        p = layer.params
        H = p["Wh"].shape[0]
        order = GATE_ORDER[kind]
        blocks = [slice(i * H, (i + 1) * H) for i in order]
        W = np.concatenate([p["Wx"].T[s] for s in blocks])[None]
        R = np.concatenate([p["Wh"].T[s] for s in blocks])[None]
        hidden_bias = np.zeros(len(order) * H, np.float32)
        if kind == "GRU":
            hidden_bias[2 * H:] = p["bhn"]
        B = np.concatenate([np.concatenate([p["b"][s] for s in blocks]), hidden_bias])[None]
        time_major = self.node("Transpose", [x], f"{name}.time_major", perm=[1, 0, 2])
        extra = {"linear_before_reset": 1} if kind == "GRU" else {}
        doc = (f"{name}: W = Wx transposed, R = Wh transposed, gates reordered to ONNX's "
               f"{ONNX_GATES[kind]}; B = (b, hidden biases)")
        states = self.node(kind, [time_major, self.weight(f"{name}.W", W), self.weight(f"{name}.R", R),
                                  self.weight(f"{name}.B", B)], name, doc, outputs=[f"{name}.Y"],
                           hidden_size=H, **extra)
        axes = self.weight(f"{name}.axes", [1], np.int64)
        states = self.node("Squeeze", [states, axes], f"{name}.one_direction")  # (T, 1, N, H) → (T, N, H)
        return self.node("Transpose", [states], f"{name}.batch_major", perm=[1, 0, 2])


# the engine's gate blocks in the order ONNX wants them
GATE_ORDER = {"RNN": [0], "LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2]}
ONNX_GATES = {"RNN": "h", "LSTM": "i, o, f, c", "GRU": "z, r, h"}
