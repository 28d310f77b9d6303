"""The workshop's three experiments, run on the engine: what depth does to sigmoid, tanh and ReLU networks,
how SGD, Momentum, AdaGrad and Adam race, and what the scale of the initial weights does to the activations.

Each returns plain numbers (a table and the series to plot); the command line prints and draws them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .models import build
from ..engine.optimizers import make_optimizer
from .train import fit, seeded_generators


@dataclass
class Result:
    name: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    series: dict = field(default_factory=dict)  # what the plot draws


def _train(data, hidden, activation, init, optimizer, lr, epochs, seed, batch_size=100, on_batch=None):
    """A fresh MLP trained on `data`; its history of epochs."""
    init_rng, order_rng = seeded_generators(seed)
    net = build("mlp", data.image_shape, data.classes, hidden=hidden, activation=activation, init=init,
                rng=init_rng)
    return fit(net, data, make_optimizer(optimizer, lr), epochs, batch_size, order_rng, on_batch=on_batch)


def activations(data, depths=(2, 3, 4, 5, 6), epochs=20, width=50, lr=0.3, seed=1, on_batch=None) -> Result:
    """Sigmoid, tanh and ReLU networks of 2 to 6 hidden layers, trained alike by plain SGD: the test accuracy
    each reaches. Deep sigmoid networks stall (their gradients shrink by σ' ≤ ¼ per layer); ReLU keeps going."""
    result = Result("activations", ["activation"] + [f"{d} layers" for d in depths])
    for activation in ("sigmoid", "tanh", "relu"):
        accuracies = []
        for depth in depths:
            history = _train(data, [width] * depth, activation, None, "sgd", lr, epochs, seed,
                                   on_batch=on_batch)
            accuracies.append(history[-1].test_accuracy)
        result.rows.append([activation] + [f"{100 * a:.1f} %" for a in accuracies])
        result.series[activation] = (list(depths), [100 * a for a in accuracies])
    return result


def optimizers(data, epochs=10, hidden=(100,), seed=1, lr=None, on_batch=None) -> Result:
    """The same network from the same start trained by each optimizer: test loss and accuracy per epoch."""
    # the learning rates of ゼロから作るDeep Learning's MNIST comparison (§6.1.8)
    rates = {"sgd": 0.01, "momentum": 0.01, "adagrad": 0.01, "adam": 0.001}
    result = Result("optimizers", ["optimizer", "η", "final test loss", "test accuracy"])
    for name, rate in rates.items():
        rate = lr or rate
        history = _train(data, list(hidden), "relu", None, name, rate, epochs, seed, on_batch=on_batch)
        result.rows.append([name, f"{rate:g}", f"{history[-1].test_loss:.4f}",
                            f"{100 * history[-1].test_accuracy:.1f} %"])
        result.series[name] = ([e.epoch for e in history], [e.test_loss for e in history])
    return result


INITS = {"small random (0.01)": 0.01, "Xavier": "xavier", "He": "he"}


def layer_activations(activation: str, init, layers=5, width=100, samples=1000, seed=1) -> list[np.ndarray]:
    """ゼロから作るDeep Learning §6.2.2's experiment: random inputs through `layers` layers of `width`
    units; the outputs of each layer (their histogram shows whether they vanish, saturate or stay spread)."""
    init_rng, data_rng = seeded_generators(seed)
    net = build("mlp", (width,), width, hidden=[width] * (layers - 1), activation=activation, init=init,
                dtype=np.float64, rng=init_rng)
    x = data_rng.standard_normal((samples, width))
    out = []
    for layer in net.layers:
        x = layer.forward(x, train=False)
        if layer.params == {}:  # after each activation
            out.append(x)
    return out


def init(data, epochs=10, seed=1, on_batch=None) -> Result:
    """Small random weights vs Xavier vs He: how spread each layer's activations are (standard deviation of
    the 5th layer's outputs in a sigmoid and a ReLU net) and the accuracy a 5-layer ReLU net reaches."""
    result = Result("init", ["initial weights", "sigmoid: std of layer 4", "ReLU: std of layer 4",
                             "5-layer ReLU net: test accuracy"])
    for label, how in INITS.items():
        sig = layer_activations("sigmoid", how, seed=seed)
        relu = layer_activations("relu", how, seed=seed)
        history = _train(data, [100] * 4, "relu", how, "sgd", 0.1, epochs, seed, on_batch=on_batch)
        result.rows.append([label, f"{sig[-1].std():.4f}", f"{relu[-1].std():.4f}",
                            f"{100 * history[-1].test_accuracy:.1f} %"])
        result.series[label] = {"sigmoid": sig, "relu": relu}
    return result


EXPERIMENTS = {"activations": activations, "optimizers": optimizers, "init": init}
