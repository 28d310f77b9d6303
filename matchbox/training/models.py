"""The workshop's models by name, as `matchbox train` asks for them, and a saved model read back.

The engine builds networks (`engine.network.mlp`, `cnn`); this module turns an instructor's choices and files
into them, with errors a person can act on.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from ..engine.network import BUILDERS, Network, cnn, mlp
from ..errors import MatchboxError
from .autoencoder import BUILDERS as AUTOENCODER_BUILDERS
from .recurrent import BUILDERS as SEQUENCE_BUILDERS
from .recurrent import DEFAULT_CLIP, RECURRENT, SequenceNetwork, sequence_network


def build(model: str, image_shape, classes: int, hidden=(100,), activation: str = "relu", init=None,
          dtype=np.float32, rng=None, clip: float | None = DEFAULT_CLIP) -> Network | SequenceNetwork:
    """The workshop's models for images of `image_shape` (C, H, W): "mlp" with hidden layers of the sizes in
    `hidden`, or "cnn" whose Affine hidden layer has hidden[0] neurons; or for sequences of `image_shape`
    (T, D): "rnn", "lstm" or "gru" with hidden[0] units, classifying into `classes`, or (classes 0)
    predicting one number, its gradients clipped to the norm `clip`."""
    hidden = [int(h) for h in hidden]
    if not hidden or min(hidden) < 1:
        raise MatchboxError("hidden layer sizes must be whole numbers of at least 1")
    if model in RECURRENT:
        if len(hidden) != 1 or len(image_shape) != 2:
            raise MatchboxError(f"the {model} has one recurrent layer over sequences (T, D): give one --hidden size")
        steps, size = image_shape
        return sequence_network(model, size, hidden[0], classes or 1, "classify" if classes else "regress",
                                clip=clip, steps=int(steps), dtype=np.dtype(dtype).name, rng=rng)
    if model == "mlp":
        return mlp([math.prod(image_shape), *hidden, classes], activation, init, dtype, rng)
    if model == "cnn":
        if len(hidden) != 1:
            raise MatchboxError("the cnn has one hidden Affine layer: give one --hidden size")
        try:
            return cnn(image_shape, hidden=hidden[0], classes=classes, activation=activation, init=init,
                       dtype=dtype, rng=rng)
        except ValueError as e:  # the images are too small for the filter
            raise MatchboxError(str(e)) from None
    raise MatchboxError(f"unknown model {model!r}: use mlp, cnn, rnn, lstm or gru")


def load(path: str | Path):
    """Rebuild a saved network from its recipe and fill in its parameters (the engine's mlp and cnn, a
    recurrent SequenceNetwork or an autoencoder, whose builders live in training/recurrent.py and
    training/autoencoder.py)."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as saved:
            recipe = json.loads(str(saved["recipe"]))
            stored = {name: saved[name] for name in saved.files if name != "recipe"}
    except FileNotFoundError:
        raise MatchboxError(f"{path}: no such file") from None
    except (OSError, ValueError, KeyError) as e:
        raise MatchboxError(f"{path}: not a model saved by matchbox ({e})") from None
    recipe = dict(recipe)
    name = recipe.pop("model", None)
    builder = BUILDERS.get(name) or SEQUENCE_BUILDERS.get(name) or AUTOENCODER_BUILDERS.get(name)
    if builder is None:
        raise MatchboxError(f"{path}: not a model saved by matchbox (unknown recipe)")
    net = builder(**recipe)
    if set(stored) != set(net.params):
        raise MatchboxError(f"{path}: its parameters {sorted(stored)} do not fit its recipe")
    for name, value in stored.items():
        if value.shape != net.params[name].shape:
            raise MatchboxError(f"{path}: {name} has shape {value.shape}, the recipe needs {net.params[name].shape}")
        net.params[name][...] = value
    return net
