"""`matchbox train --backend torch`: the engine's own network, from the engine's own initial weights, trained by
PyTorch on a CPU, a CUDA GPU or Apple's MPS; and, launched by torchrun, by several processes at once
(DistributedDataParallel).

Everything but the arithmetic stays the engine's (train.py): the network is built from the same seed, the images
come in the same shuffled order, shifted by the same random pixels, with the same learning-rate schedule; the
loss is the engine's (softmax cross-entropy, or the squared error, averaged over the batch), the optimizers are
the engine's equations written on tensors (PyTorch's own SGD with momentum and AdaGrad are not the same
steps), and a recurrent model's gradients are clipped as the engine clips them. So an epoch here and an epoch of
the engine agree up to rounding. After training the weights go back into the engine's network
(torch_code.copy_back), which is saved, plotted and read by every other command as usual.

Several processes (torchrun --nproc_per_node N): every process draws the same shuffled order, takes global
batches of N × --batch-size images, and trains on its own share of each (an explicit shard of the one order,
as DistributedSampler would give); DDP averages the gradients, and each share's loss is weighted by its size,
so the step is exactly the step of one process with the N-fold batch. Rank 0 alone evaluates and reports.
"""
from __future__ import annotations

import math
import os
import time

import numpy as np

from ..engine.optimizers import make_optimizer
from ..errors import MatchboxError
from .models import build
from .recurrent import DEFAULT_CLIP
from .torch_code import require_torch
from .train import DEFAULT_LR, Epoch, learning_rate, seeded_generators, shifted

BACKENDS = ("engine", "torch")
DEVICES = ("auto", "cpu", "cuda", "mps")
TORCH_MODELS = ("mlp", "cnn", "rnn", "lstm", "gru")
TORCHRUN_VARIABLES = ("RANK", "WORLD_SIZE", "LOCAL_RANK")


# --- processes: torchrun tells each process who it is in its environment ------------------------------------

def launched_by_torchrun() -> bool:
    return all(name in os.environ for name in TORCHRUN_VARIABLES)


def world_size() -> int:
    return int(os.environ["WORLD_SIZE"]) if launched_by_torchrun() else 1


def rank() -> int:
    return int(os.environ["RANK"]) if launched_by_torchrun() else 0


def main_process() -> bool:
    """True in a run of one process, and in torchrun's rank 0: the one process that prints and writes files."""
    return rank() == 0


def check_backend(backend: str, model: str, device_given: bool) -> None:
    """Refuse, in one line, what the torch backend cannot do, and several processes without it."""
    if backend == "torch" and model not in TORCH_MODELS:
        raise MatchboxError(f"the {model} trains on the engine only: leave out --backend torch")
    if backend == "engine" and device_given:
        raise MatchboxError("--device chooses where PyTorch trains: use it with --backend torch")
    if backend == "engine" and world_size() > 1:
        raise MatchboxError(f"torchrun started {world_size()} processes: several processes train with "
                            f"--backend torch")


def choose_device(name: str = "auto") -> str:
    """The torch device for `name` (auto: cuda if there is one, else mps, else cpu), checked to be there; under
    torchrun on CUDA each process takes the GPU of its LOCAL_RANK."""
    torch = require_torch("matchbox train --backend torch")
    cuda = torch.cuda.is_available()
    mps = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    if name == "auto":
        name = "cuda" if cuda else "mps" if mps else "cpu"
    if name == "cuda" and not cuda:
        raise MatchboxError("--device cuda: PyTorch sees no CUDA GPU here (try --device cpu)")
    if name == "mps" and not mps:
        raise MatchboxError("--device mps: PyTorch sees no Apple GPU (MPS) here (try --device cpu)")
    if world_size() > 1 and name == "mps":
        raise MatchboxError("several processes train on cuda (nccl) or cpu (gloo), not on mps")
    if name == "cuda" and launched_by_torchrun():
        return f"cuda:{int(os.environ['LOCAL_RANK'])}"
    return name


class Processes:
    """The process group of a torchrun launch ("nccl" between GPUs, "gloo" between CPUs), or nothing for one
    process. Used as a context manager, so the group is closed even when training fails."""

    def __init__(self, torch, device: str):
        self.torch, self.device = torch, device
        self.size, self.rank = world_size(), rank()
        self.dist = None

    def __enter__(self):
        if self.size > 1:
            import torch.distributed as dist
            if self.device.startswith("cuda"):
                self.torch.cuda.set_device(self.torch.device(self.device))
            dist.init_process_group("nccl" if self.device.startswith("cuda") else "gloo")
            self.dist = dist
        return self

    def __exit__(self, *exc):
        if self.dist is not None and self.dist.is_initialized():
            self.dist.destroy_process_group()

    def wrap(self, module):
        """The module as every process trains it: DDP averages the gradients across the processes."""
        if self.dist is None:
            return module
        from torch.nn.parallel import DistributedDataParallel
        ids = [self.torch.device(self.device).index] if self.device.startswith("cuda") else None
        return DistributedDataParallel(module, device_ids=ids)

    def total(self, values: list[float]) -> list[float]:
        """Each value summed over the processes (the epoch's loss, right answers and images)."""
        if self.dist is None:
            return values
        tensor = self.torch.tensor(values, dtype=self.torch.float64,
                                   device=self.device if self.device.startswith("cuda") else "cpu")
        self.dist.all_reduce(tensor)
        return tensor.tolist()

    def share(self, n: int) -> tuple[int, int]:
        """This process's rows [start, stop) of a global batch of n: N nearly equal consecutive parts."""
        bounds = np.linspace(0, n, self.size + 1).round().astype(int)
        return int(bounds[self.rank]), int(bounds[self.rank + 1])


# --- the engine's equations on tensors ------------------------------------------------------------------------

class EngineOptimizer:
    """engine/optimizers.py's update rules, with its settings (momentum 0.9, ε 1e-8, ρ 0.99, β₁ 0.9, β₂ 0.999)
    read from the engine's own optimizer, applied to tensors in place. torch.optim differs from them in places:
    its momentum is v = αv + g, w −= η·v (a different step once η changes, as with --schedule cosine), its
    AdaGrad's ε is 1e-10."""

    def __init__(self, torch, name: str, lr: float, params):
        self.torch, self.name, self.lr = torch, name, lr
        self.settings = make_optimizer(name, lr)  # the engine's optimizer: its attributes are the settings
        self.params = [p for p in params if p.requires_grad]
        self.state = [{} for _ in self.params]
        self.t = 0

    def step(self) -> None:
        self.t += 1
        s, torch = self.settings, self.torch
        with torch.no_grad():
            for w, state in zip(self.params, self.state):
                g = w.grad
                if self.name == "sgd":
                    w -= self.lr * g
                elif self.name == "momentum":  # v' = αv − η·g, w' = w + v'
                    v = state.setdefault("v", torch.zeros_like(w))
                    v.copy_(s.momentum * v - self.lr * g)
                    w += v
                elif self.name in ("adagrad", "rmsprop"):  # h' = h + g² or ρh + (1 − ρ)g²; w' = w − η·g/(√h' + ε)
                    h = state.setdefault("h", torch.zeros_like(w))
                    h.copy_(h + g * g if self.name == "adagrad" else s.decay * h + (1 - s.decay) * (g * g))
                    w -= self.lr * g / (h.sqrt() + s.eps)
                else:  # adam: moments, bias correction, w' = w − η·m̂/(√v̂ + ε)
                    m = state.setdefault("m", torch.zeros_like(w))
                    v = state.setdefault("v", torch.zeros_like(w))
                    m.copy_(s.beta1 * m + (1 - s.beta1) * g)
                    v.copy_(s.beta2 * v + (1 - s.beta2) * (g * g))
                    m_hat, v_hat = m / (1 - s.beta1 ** self.t), v / (1 - s.beta2 ** self.t)
                    w -= self.lr * m_hat / (v_hat.sqrt() + s.eps)
                w.grad = None


def clip_gradients(torch, params, max_norm: float) -> None:
    """Scale the gradients down to the global norm max_norm when larger, as engine/sequence.clip_grads does."""
    grads = [p.grad for p in params if p.grad is not None]
    norm = math.sqrt(sum(float(torch.sum(g * g)) for g in grads))
    rate = max_norm / (norm + 1e-6)
    if rate < 1:
        for g in grads:
            g.mul_(rate)


def batch_loss(torch, scores, t, task: str):
    """The engine's loss of a batch: softmax cross-entropy averaged over the samples ("classify"), or the
    squared error averaged over every output ("regress")."""
    import torch.nn.functional as F
    if task == "classify":
        return F.cross_entropy(scores, t.long())
    return F.mse_loss(scores, t.reshape(scores.shape).to(scores.dtype))


def right_answers(torch, scores, t, task: str) -> int:
    return int((scores.argmax(dim=1) == t.long()).sum()) if task == "classify" else 0


def evaluate_torch(torch, module, net, data, device: str, batch_size: int = 500):
    """Mean loss and accuracy over the test split, as train.evaluate computes them with the engine."""
    module.eval()
    task = getattr(net, "task", "classify")
    total = right = 0.0
    with torch.no_grad():
        for x, t in data.batches("test", batch_size, net.dtype):
            scores = module(torch.from_numpy(x.reshape(len(x), *net.input_shape)).to(device))
            t = torch.from_numpy(np.asarray(t)).to(device)
            total += float(batch_loss(torch, scores, t, task)) * len(x)
            right += right_answers(torch, scores, t, task)
    module.train()
    n = len(data.t_test)
    return total / n, (right / n if task == "classify" else None)


def train_torch(model: str, data, *, epochs: int, batch_size: int = 100, optimizer: str = "adam",
                lr: float | None = None, seed: int = 1, hidden=(100,), activation: str = "relu",
                schedule: str = "constant", shift: int = 0, dtype=np.float32, on_batch=None, on_epoch=None,
                clip: float | None = DEFAULT_CLIP, device: str = "cpu"):
    """train.train's run with PyTorch on `device` (from choose_device): returns the engine network holding the
    trained weights and the history of Epochs. Under torchrun `batch_size` is each process's batch; only rank 0
    evaluates, calls `on_batch`/`on_epoch` (counting every process's images) and gets the history."""
    torch = require_torch("matchbox train --backend torch")
    from .torch_code import copy_back, torch_module
    init_rng, order_rng = seeded_generators(seed)  # as train.train: the same weights, the same order
    net = build(model, data.image_shape, data.classes, hidden=hidden, activation=activation, dtype=dtype,
                rng=init_rng, clip=clip)
    lr = DEFAULT_LR[optimizer] if lr is None else lr
    task, clip_norm = getattr(net, "task", "classify"), getattr(net, "clip", None)
    module = torch_module(net).to(device=device, dtype=getattr(torch, np.dtype(net.dtype).name)).train()
    history = []
    with Processes(torch, device) as group:
        trained = group.wrap(module)
        opt = EngineOptimizer(torch, optimizer, lr, module.parameters())
        global_batch = batch_size * group.size
        step, total_steps = 0, epochs * math.ceil(len(data.t_train) / global_batch)
        report = group.rank == 0
        for epoch in range(1, epochs + 1):
            start = time.perf_counter()
            order = order_rng.permutation(len(data.t_train))
            loss_sum = right = seen = 0.0
            for x, t in data.batches("train", global_batch, net.dtype, order):
                opt.lr = learning_rate(lr, schedule, step, total_steps)
                step += 1
                if shift:  # drawn for the whole global batch, so every process draws the same numbers
                    x = shifted(x, shift, order_rng)
                n = len(t)
                first, stop = group.share(n)
                mine = slice(first, stop) if stop > first else slice(0, 1)  # an empty share: one row, weight 0
                rows = np.ascontiguousarray(x[mine])
                xb = torch.from_numpy(rows.reshape(len(rows), *net.input_shape)).to(device)  # as net.predict
                tb = torch.from_numpy(np.asarray(t[mine])).to(device)
                scores = trained(xb)
                loss = batch_loss(torch, scores, tb, task)
                # DDP averages over the processes: weighting each share by its size × N / n makes the gradient
                # the mean over the global batch (the weight is exactly 1 for one process)
                (loss * ((stop - first) * group.size / n)).backward()
                if clip_norm:
                    clip_gradients(torch, module.parameters(), clip_norm)
                opt.step()
                loss_sum += float(loss.detach()) * (stop - first)
                right += right_answers(torch, scores, tb, task) if stop > first else 0
                seen += stop - first
                if on_batch and report:
                    on_batch(n)
            seconds = time.perf_counter() - start
            loss_sum, right, seen = group.total([loss_sum, right, seen])
            if not report:
                continue
            test_loss, test_accuracy = evaluate_torch(torch, module, net, data, device)
            result = Epoch(epoch, loss_sum / seen, right / seen if task == "classify" else None, test_loss,
                           test_accuracy, seconds)
            history.append(result)
            if on_epoch:
                on_epoch(result)
    copy_back(module.to("cpu"), net)
    return net, history
