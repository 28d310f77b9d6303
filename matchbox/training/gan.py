"""A generative adversarial network (敵対的生成ネットワーク) of two small MLPs, trained by the engine's layers.

The generator G turns noise z into a sample (a 28×28 digit, or a point in the plane); the discriminator D
scores a sample, a logit: high for "real", low for "generated". Each step
1. D learns: the binary cross-entropy of its scores on a batch of real samples (target 1) and as many
   generated ones (target 0), the two added;
2. G learns through D (D's weights held): the non-saturating loss −ln σ(D(G(z))), the cross-entropy with
   target 1, whose gradient stays large while D easily tells G's samples apart (−ln(1 − σ) would vanish
   there, the saturating loss of the original minimax game).
Both use Adam with β₁ = 0.5, the usual choice for GANs since DCGAN. At the balance the game aims for,
σ(D) = ½ everywhere: D's loss is 2 ln 2 ≈ 1.386 and G's ln 2 ≈ 0.693.

How good the digits are is measured with what the project has: the CNN of `matchbox train cnn` classifies
generated digits (`judge`); the ring of 8 Gaussians counts the modes G reaches (`modes_covered`).
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from ..engine.layers import Affine, LeakyRelu, SigmoidWithLoss, Tanh
from ..engine.network import layer_names, weights
from ..engine.optimizers import make_optimizer
from .train import learning_rate

# the ring: 8 Gaussians of standard deviation 0.02 on a circle of radius 2 (Metz et al. 2017, Unrolled GANs)
RING_MODES, RING_RADIUS, RING_STD = 8, 2.0, 0.02
# the settings of each dataset: noise size, hidden layers, epochs, batch, Adam's η (2e-4: DCGAN's); on MNIST,
# D judging two digits at once (packing) kept all ten classes, real labels of 0.9 made the digits clearer,
# and η falling to 0 on a cosine let both settle (benchmarks/gan_settings.md has the runs that chose them)
DEFAULTS = {"mnist": {"z": 64, "hidden": [256, 512], "epochs": 40, "batch_size": 100, "lr": 2e-4,
                      "schedule": "cosine", "pack": 2, "real_label": 0.9},
            "ring": {"z": 2, "hidden": [128, 128], "epochs": 150, "batch_size": 200, "lr": 5e-4,
                     "schedule": "cosine", "pack": 2}}
RING_SIZE = 10_000  # points in the ring's training set: an epoch is 50 steps of 200 (100 pairs)
SAMPLES = 1_000  # generated samples a run is judged on
CONFIDENT, COVERED_SHARE, MODE_SHARE = 0.9, 0.05, 0.02


class Stack:
    """Layers in a row with no loss of their own: G, or D (whose loss SigmoidWithLoss adds)."""

    def __init__(self, layers):
        self.layers = layers
        self.names = layer_names(layers)
        self.params = {f"{n}.{k}": v for n, layer in zip(self.names, layers) for k, v in layer.params.items()}

    @property
    def grads(self) -> dict:
        return {f"{n}.{k}": v for n, layer in zip(self.names, self.layers) for k, v in layer.grads.items()}

    def forward(self, x, train=True):
        for layer in self.layers:
            x = layer.forward(x, train)
        return x

    def backward(self, dout, input_grad=True):
        """Every layer's backward in reverse; without `input_grad` the first Affine layer computes its weights'
        gradients only (D learning from samples that nothing upstream learns)."""
        self.layers[0].input_grad = input_grad  # Affine's own switch: its weights' gradients only
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def describe(self) -> str:
        sizes = [layer.params["W"].shape for layer in self.layers if isinstance(layer, Affine)]
        acts = [type(layer).__name__ for layer in self.layers if not isinstance(layer, Affine)]
        return "–".join(str(s) for s in [sizes[0][0]] + [s[1] for s in sizes]) + f" ({', '.join(dict.fromkeys(acts))})"


def mlp_stack(sizes, output, rng, dtype=np.float32, slope=0.2) -> Stack:
    """Affine layers of `sizes`, LeakyReLU(slope) between them, then `output` (a layer, or None)."""
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Affine(weights("he", (n_in, n_out), n_in, n_out, rng, dtype), np.zeros(n_out, dtype)))
        if i < len(sizes) - 2:
            layers.append(LeakyRelu(slope))
    return Stack(layers + ([output] if output is not None else []))


@dataclass
class GanEpoch:
    epoch: int
    d_loss: float  # D's loss, real and generated added: 2 ln 2 at the balance
    g_loss: float  # G's non-saturating loss −ln σ(D(G(z))): ln 2 at the balance
    d_real: float  # mean σ(D(x)) over real samples: D's belief that they are real
    d_fake: float  # mean σ(D(G(z))) over generated ones
    seconds: float
    quality: dict = field(default_factory=dict)  # after the epoch: the judge's verdict, or the modes reached

    def to_json(self) -> dict:
        out = asdict(self)
        return {**out, **out.pop("quality")}


@dataclass
class Gan:
    G: Stack
    D: Stack
    z_size: int
    opt_g: object
    opt_d: object
    real_label: float = 1.0  # 0.9: one-sided label smoothing (Salimans et al. 2016)
    pack: int = 1  # D judges `pack` samples at once, side by side (PacGAN, Lin et al. 2018)
    loss: SigmoidWithLoss = field(default_factory=SigmoidWithLoss)

    def noise(self, n, rng):
        return rng.standard_normal((n, self.z_size), dtype=np.float32)

    def generate(self, z):
        return self.G.forward(z, train=False)

    def step(self, real, rng) -> tuple[float, float, float, float]:
        """One step of each player on a batch of real samples; their losses and D's mean beliefs."""
        m = self.pack
        n = len(real) // m
        fake = self.G.forward(self.noise(n * m, rng))
        packed = fake.reshape(n, -1)  # m samples in a row: a collapsed G shows m alike
        # D: real and generated in one batch of 2n; the mean over 2n times 2 is the sum of the two means
        targets = np.concatenate([np.full((n, 1), self.real_label, np.float32), np.zeros((n, 1), np.float32)])
        scores = self.D.forward(np.concatenate([real[:n * m].reshape(n, -1), packed]))
        d_loss = 2 * self.loss.forward(scores, targets)
        believed = self.loss.y
        self.D.backward(self.loss.backward(2), input_grad=False)
        self.opt_d.update(self.D.params, self.D.grads)
        # G: through the updated D, the non-saturating loss (target 1 for its own samples)
        g_loss = self.loss.forward(self.D.forward(packed), 1.0)
        self.G.backward(self.D.backward(self.loss.backward()).reshape(fake.shape))
        self.opt_g.update(self.G.params, self.G.grads)
        return d_loss, g_loss, float(believed[:n].mean()), float(believed[n:].mean())


def build_gan(dataset: str, rng, z_size=None, hidden=None, optimizer="adam", lr=None, beta1=0.5,
              real_label=None, pack=None) -> Gan:
    """MNIST: G z(64)–256–512–784 with a tanh output (pixels in [−1, 1]), D 784·pack–512–256–1; the ring:
    G z(2)–128–128–2 (noise of the plane's own dimension keeps G from folding all of it onto one mode),
    D 2·pack–128–128–1. LeakyReLU(0.2) inside both; He-initialised weights."""
    d = DEFAULTS[dataset]
    z_size, hidden = z_size or d["z"], list(hidden or d["hidden"])
    pack = pack or d.get("pack", 1)
    real_label = d.get("real_label", 1.0) if real_label is None else real_label
    out = 784 if dataset == "mnist" else 2
    G = mlp_stack([z_size, *hidden, out], Tanh() if dataset == "mnist" else None, rng)
    D = mlp_stack([out * pack, *reversed(hidden), 1], None, rng)
    lr = d["lr"] if lr is None else lr
    settings = {"beta1": beta1} if optimizer == "adam" else {}
    return Gan(G, D, z_size, make_optimizer(optimizer, lr, **settings), make_optimizer(optimizer, lr, **settings),
               real_label, pack)


def fit(gan: Gan, samples: np.ndarray, epochs: int, batch_size: int, rng, fixed_z, on_batch=None,
        on_epoch=None, schedule: str = "constant", keep: int | None = None) -> tuple[list[GanEpoch], list[np.ndarray]]:
    """Train both players on `samples` (N, features), shuffled each epoch; after every epoch, G's output for
    the fixed noise `fixed_z` goes to `on_epoch(epoch, samples)`, and its first `keep` rows are kept: the same
    digits (points) watched as they form. The "cosine" schedule
    lowers both players' η to 0 over the run, so they settle instead of circling each other."""
    history, snapshots = [], []
    base_lr, step, total = gan.opt_g.lr, 0, epochs * math.ceil(len(samples) / batch_size)
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        order = rng.permutation(len(samples))
        sums = np.zeros(4)
        steps = 0
        for i in range(0, len(order), batch_size):
            gan.opt_g.lr = gan.opt_d.lr = learning_rate(base_lr, schedule, step, total)
            step += 1
            sums += gan.step(samples[order[i:i + batch_size]], rng)
            steps += 1
            if on_batch:
                on_batch(min(batch_size, len(order) - i))
        seconds = time.perf_counter() - start
        generated = gan.generate(fixed_z)
        snapshots.append(generated[:keep].copy())
        result = GanEpoch(epoch, *(float(v) for v in sums / steps), seconds)
        history.append(result)
        if on_epoch:
            on_epoch(result, generated)
    return history, snapshots


# --- the data -----------------------------------------------------------------------------------------------

def mnist_samples(data) -> np.ndarray:
    """MNIST's 60,000 training digits as rows of 784 pixels in [−1, 1], the range of G's tanh."""
    x = data.x_train.reshape(len(data.x_train), -1)
    return np.multiply(x, np.float32(2 / data.scale), dtype=np.float32) - np.float32(1)


def ring_centres() -> np.ndarray:
    angles = 2 * np.pi * np.arange(RING_MODES) / RING_MODES
    return RING_RADIUS * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def ring_samples(n: int, rng) -> np.ndarray:
    """n points, each from one of the 8 Gaussians chosen at random."""
    centres = ring_centres()[rng.integers(0, RING_MODES, n)]
    return (centres + RING_STD * rng.standard_normal((n, 2))).astype(np.float32)


def to_pixels(samples) -> np.ndarray:
    """G's rows in [−1, 1] as 28×28 images of 0..255 (uint8)."""
    return np.rint((np.clip(samples, -1, 1) + 1) * 127.5).astype(np.uint8).reshape(-1, 28, 28)


# --- how good: the judge's verdict, the modes reached -------------------------------------------------------

def judge(net, samples: np.ndarray, batch_size: int = 500) -> dict:
    """The CNN's verdict on generated digits (rows in [−1, 1]): the share it classifies with confidence ≥ 0.9,
    the share of each class it sees (its most likely class), and how many classes take ≥ 5 % each."""
    x = ((np.clip(samples, -1, 1) + 1) / 2).astype(net.dtype).reshape(-1, *net.input_shape)
    probs = []
    for i in range(0, len(x), batch_size):
        scores = net.predict(x[i:i + batch_size])
        e = np.exp(scores - scores.max(axis=1, keepdims=True))
        probs.append(e / e.sum(axis=1, keepdims=True))
    p = np.concatenate(probs)
    shares = np.bincount(p.argmax(axis=1), minlength=10) / len(p)
    return {"confident_share": float(np.mean(p.max(axis=1) >= CONFIDENT)),
            "classes_covered": int(np.sum(shares >= COVERED_SHARE)),
            "class_shares": [float(s) for s in shares]}


def modes(points: np.ndarray) -> dict:
    """Which of the ring's modes G reaches: a mode is covered when ≥ 2 % of the points lie within two standard
    deviations of its centre; `high_quality_share`: the points within 2σ of some centre."""
    distance = np.linalg.norm(points[:, None, :] - ring_centres()[None], axis=2)  # N × 8
    near = distance <= 2 * RING_STD
    shares = near.mean(axis=0)
    return {"modes_covered": int(np.sum(shares >= MODE_SHARE)), "mode_shares": [float(s) for s in shares],
            "high_quality_share": float(near.any(axis=1).mean())}


def epochs_to_show(epochs: int, most: int = 10) -> list[int]:
    """At most `most` epochs (1-based) spread over the run, the first and the last among them."""
    if epochs <= most:
        return list(range(1, epochs + 1))
    return sorted({round(1 + i * (epochs - 1) / (most - 1)) for i in range(most)})


def balance() -> tuple[float, float]:
    """D's and G's losses where σ(D) = ½ everywhere: 2 ln 2 and ln 2."""
    return 2 * math.log(2), math.log(2)

