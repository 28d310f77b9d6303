"""An autoencoder (自己符号化器) built from the engine's layers, trained on "normal" digits only, and what tells
an anomaly from it: the reconstruction error (再構成誤差) of each image, its ROC AUC, a threshold, and the same
for an honest baseline, PCA (主成分分析) with as many components as the code has numbers.

    encoder  x (D pixels) – Affine – ReLU – ... – Affine → code (linear, `code` numbers)
    decoder  code – Affine – ReLU – ... – Affine – Sigmoid → x̂ (D values in [0, 1])

The decoder mirrors the encoder's hidden sizes: sizes [64, 32, 8, 32, 64] is 64–32–8–32–64. The loss compares
x̂ with the input itself, per image summed over the pixels and averaged over the batch: binary cross-entropy
−Σ(x log x̂ + (1 − x) log(1 − x̂)) (pixels in [0, 1] read as probabilities of ink), or the squared error
½Σ(x̂ − x)². Either way the anomaly score of an image is its mean squared error per pixel, the same score PCA
gets, so the two compare fairly.
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..engine.layers import Affine, Relu, Sigmoid, SquaredError
from ..engine.network import layer_names, weights
from ..engine.optimizers import make_optimizer
from ..errors import MatchboxError

LOSSES = ("bce", "se")


class SigmoidCrossEntropy:
    """Sigmoid and binary cross-entropy as one step, from the logits z: E = Σ(softplus(z) − x·z) per image,
    averaged over the batch; its gradient is (σ(z) − x) / batch, with no division by x̂(1 − x̂)."""

    def forward(self, z, x):
        self.y, self.x = sigmoid(z), x
        return float((np.logaddexp(0, z) - x * z).sum() / len(z))

    def backward(self, dout=1):
        return (self.y - self.x) * (dout / len(self.y))


def sigmoid(z):
    return Sigmoid().forward(z)


class Autoencoder:
    """Affine layers of `sizes` (input, encoder hidden..., code, decoder hidden..., input), ReLU between them
    except at the code, which stays linear; a sigmoid at the output. Its params and grads are named as the
    engine's Network names them (Affine1.W ...), so the engine's optimizers train it."""

    def __init__(self, layers, loss: str, recipe: dict):
        if loss not in LOSSES:
            raise MatchboxError(f"unknown loss {loss!r}: use bce or se")
        self.layers, self.loss_name, self.recipe = layers, loss, recipe
        self.names = layer_names(layers)
        self.params = {f"{name}.{key}": value
                       for name, layer in zip(self.names, layers) for key, value in layer.params.items()}
        self.dtype = next(iter(self.params.values())).dtype
        self.layers[0].input_grad = False
        self.image_shape = tuple(recipe.get("image_shape") or (recipe["sizes"][0],))

    @property
    def grads(self) -> dict:
        return {f"{name}.{key}": value
                for name, layer in zip(self.names, self.layers) for key, value in layer.grads.items()}

    @property
    def code_size(self) -> int:
        sizes = self.recipe["sizes"]
        return sizes[len(sizes) // 2]

    def logits(self, x):
        z = np.asarray(x, self.dtype).reshape(len(x), -1)
        for layer in self.layers:
            z = layer.forward(z)
        return z

    def predict(self, x) -> np.ndarray:
        """The reconstructions x̂ of a batch, flat (N, D), in [0, 1]."""
        return sigmoid(self.logits(x))

    def loss(self, x) -> float:
        return self._loss(self.logits(x), x)[0]

    def _loss(self, z, x):
        x = np.asarray(x, self.dtype).reshape(len(x), -1)
        if self.loss_name == "bce":
            last = SigmoidCrossEntropy()
            return last.forward(z, x), last, None
        out, last = Sigmoid(), SquaredError()
        return last.forward(out.forward(z), x), last, out

    def gradient(self, x) -> float:
        """Backpropagation of the loss of reconstructing `x` from itself; leaves the gradients in `grads`."""
        loss, last, out = self._loss(self.logits(x), x)
        dout = last.backward(1)
        if out is not None:
            dout = out.backward(dout)
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return loss

    def scores(self, x, batch_size: int = 1000) -> np.ndarray:
        """The anomaly score (異常度) of each image: its mean squared reconstruction error per pixel."""
        x = np.asarray(x).reshape(len(x), -1)
        parts = [np.mean((self.predict(x[i:i + batch_size]) - x[i:i + batch_size]) ** 2, axis=1)
                 for i in range(0, len(x), batch_size)]
        return np.concatenate(parts).astype(np.float64) if parts else np.zeros(0)

    def describe(self) -> str:
        return "–".join(map(str, self.recipe["sizes"])) + f", {self.loss_name}"

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:
            np.savez(f, recipe=np.array(json.dumps(self.recipe)), **self.params)
        return path


def autoencoder(sizes, loss: str = "bce", image_shape=None, dtype="float32", rng=None) -> Autoencoder:
    """An autoencoder of `sizes` (see Autoencoder); He weights before a ReLU, Xavier before the code and the
    sigmoid."""
    sizes = [int(s) for s in sizes]
    if len(sizes) < 3 or len(sizes) % 2 == 0 or sizes != sizes[::-1]:
        raise MatchboxError(f"autoencoder sizes {sizes} must mirror around the code, as 64, 32, 8, 32, 64")
    rng = np.random.default_rng() if rng is None else rng
    code_at = len(sizes) // 2
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        relu_after = i + 1 not in (code_at, len(sizes) - 1)
        w = weights("he" if relu_after else "xavier", (n_in, n_out), n_in, n_out, rng, dtype)
        layers.append(Affine(w, np.zeros(n_out, dtype)))
        if relu_after:
            layers.append(Relu())
    recipe = {"model": "autoencoder", "sizes": sizes, "loss": loss,
              "image_shape": list(image_shape) if image_shape else None, "dtype": np.dtype(dtype).name}
    return Autoencoder(layers, loss, recipe)


BUILDERS = {"autoencoder": autoencoder}


# --- the data: normal digits to learn, a test set of normal and anomalous ones --------------------------------

@dataclass
class Split:
    """Flat uint8 images (N, D): the normal training images, and all the test images with their labels and
    whether each is an anomaly; `scale` turns a pixel into [0, 1]."""
    x_train: np.ndarray
    x_test: np.ndarray
    t_test: np.ndarray
    anomalous: np.ndarray
    normal_digits: list
    anomalous_digits: list
    scale: float
    image_shape: tuple

    def floats(self, x) -> np.ndarray:
        return np.multiply(x, np.float32(1 / self.scale), dtype=np.float32)


def split(data, anomaly: int | None = None, normal: int | None = None) -> Split:
    """Train on every digit but `anomaly`, or on `normal` alone (every other digit the anomaly)."""
    if (anomaly is None) == (normal is None):
        raise ValueError("give exactly one of anomaly and normal")
    normal_digits = [normal] if normal is not None else [d for d in range(10) if d != anomaly]
    keep = np.isin(data.t_train, normal_digits)
    x_train, x_test = (x.reshape(len(x), -1) for x in (data.x_train, data.x_test))
    return Split(x_train[keep], x_test, data.t_test, ~np.isin(data.t_test, normal_digits),
                 normal_digits, [d for d in range(10) if d not in normal_digits], data.scale, data.image_shape)


# --- training ---------------------------------------------------------------------------------------------------

@dataclass
class Epoch:
    epoch: int
    train_loss: float  # mean over the epoch's minibatches, as they were seen
    test_loss: float   # over the normal test images, after the epoch
    auc: float         # ROC AUC of normal against anomalous test images, after the epoch
    seconds: float

    def to_json(self) -> dict:
        return asdict(self)


def fit(net: Autoencoder, s: Split, *, epochs: int, batch_size: int, optimizer: str, lr: float,
        rng: np.random.Generator, on_batch=None, on_epoch=None) -> list[Epoch]:
    opt = make_optimizer(optimizer, lr)
    x_test = s.floats(s.x_test)
    history = []
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        order = rng.permutation(len(s.x_train))
        total = 0.0
        for i in range(0, len(order), batch_size):
            x = s.floats(s.x_train[order[i:i + batch_size]])
            total += net.gradient(x) * len(x)
            opt.update(net.params, net.grads)
            if on_batch:
                on_batch(len(x))
        seconds = time.perf_counter() - start
        test_loss = mean_loss(net, x_test[~s.anomalous])
        scores = net.scores(x_test)
        result = Epoch(epoch, total / len(order), test_loss, roc_auc(scores[~s.anomalous], scores[s.anomalous]),
                       seconds)
        history.append(result)
        if on_epoch:
            on_epoch(result)
    return history


def mean_loss(net: Autoencoder, x, batch_size: int = 1000) -> float:
    """The loss per image over all of `x`, a batch at a time."""
    return sum(net.loss(x[i:i + batch_size]) * len(x[i:i + batch_size])
               for i in range(0, len(x), batch_size)) / max(len(x), 1)


# --- the baseline: PCA with as many components as the code ---------------------------------------------------

def pca_scores(s: Split, components: int, seed: int = 0) -> np.ndarray:
    """Fit PCA on the normal training images; score each test image by its mean squared error per pixel after
    projecting onto the components and back."""
    from sklearn.decomposition import PCA
    pca = PCA(n_components=components, random_state=seed).fit(s.floats(s.x_train))
    x = s.floats(s.x_test)
    back = pca.inverse_transform(pca.transform(x))
    return np.mean((back - x) ** 2, axis=1).astype(np.float64)


# --- telling anomalies apart: ROC AUC, the ROC curve, a threshold ---------------------------------------------

def roc_auc(normal, anomalous) -> float:
    """The probability that a random anomalous image scores higher than a random normal one, ties counted
    half: the Mann–Whitney rank statistic, (sum of the anomalies' ranks − n_a(n_a + 1)/2) / (n_a · n_n), with
    tied scores sharing the mean of their ranks."""
    normal, anomalous = np.asarray(normal, float), np.asarray(anomalous, float)
    if not len(normal) or not len(anomalous):
        raise MatchboxError("the test set needs normal and anomalous images to measure an AUC")
    _, where, counts = np.unique(np.concatenate([normal, anomalous]), return_inverse=True,
                                      return_counts=True)
    mean_rank = np.cumsum(counts) - (counts - 1) / 2  # ranks from 1; a tie group shares its middle rank
    n_a, n_n = len(anomalous), len(normal)
    rank_sum = mean_rank[where[n_n:]].sum()
    return float((rank_sum - n_a * (n_a + 1) / 2) / (n_a * n_n))


def roc_curve(normal, anomalous) -> tuple[np.ndarray, np.ndarray]:
    """False- and true-positive rates as the threshold falls through every score: an image is called anomalous
    when its score is at least the threshold. Starts at (0, 0), ends at (1, 1)."""
    normal, anomalous = np.sort(normal), np.sort(anomalous)
    cuts = np.unique(np.concatenate([normal, anomalous]))[::-1]
    fpr = 1 - np.searchsorted(normal, cuts, side="left") / len(normal)
    tpr = 1 - np.searchsorted(anomalous, cuts, side="left") / len(anomalous)
    return np.concatenate([[0.0], fpr]), np.concatenate([[0.0], tpr])


def threshold_at(normal, anomalous, fpr: float = 0.05) -> tuple[float, float, float]:
    """The score above which a fraction `fpr` of the normal images fall (no more: ties push it lower), and the
    false- and true-positive rates of calling an image anomalous when its score is above it."""
    ranked = np.sort(np.asarray(normal, float))[::-1]
    threshold = float(ranked[min(math.floor(fpr * len(ranked) + 1e-9), len(ranked) - 1)])
    return (threshold, float(np.mean(ranked > threshold)),
            float(np.mean(np.asarray(anomalous, float) > threshold)))
