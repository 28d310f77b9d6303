"""matchbox's NumPy engine against PyTorch (CPU) on this machine: one epoch of MNIST, batch 100.

    pip install torch==2.13.0        # the peer
    python benchmarks/train_vs_torch.py [--optimizer sgd|adam] [--repeat 2] [--data DIR]

For each model (MLP 784-100-10; CNN conv(30, 5×5) – ReLU – max-pool 2 – Affine 100 – ReLU – Affine 10) both
engines train one epoch over the same images in the same order, float32, with the same optimizer and learning
rate; the two run alternately `--repeat` times and the fastest epoch of each counts, so a neighbour's burst of
work on a shared machine hurts both alike. PyTorch gets every core (torch.set_num_threads(os.cpu_count())).
Then a fresh process trains our CNN on full MNIST for one epoch and reports its peak resident memory.
Targets (issue 6): MLP ≤ 1.0× PyTorch's epoch time, CNN ≤ 1.5×, CNN training under 2 GiB.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import numpy as np

from matchbox.training.data import load_mnist
from matchbox.training.models import build
from matchbox.engine.optimizers import make_optimizer

TARGETS = {"mlp": 1.0, "cnn": 1.5}
LR = {"sgd": 0.1, "adam": 0.001}


def ours_epoch(model, data, optimizer, seed):
    net = build(model, data.image_shape, 10, hidden=[100], rng=np.random.default_rng(seed))
    opt = make_optimizer(optimizer, LR[optimizer])
    order = np.random.default_rng(seed).permutation(len(data.t_train))
    start = time.perf_counter()
    for x, t in data.batches("train", 100, np.float32, order):
        loss, _ = net.gradient(x, t)
        opt.update(net.params, net.grads)
    return time.perf_counter() - start, loss


def torch_epoch(model, data, optimizer, seed):
    import torch
    nn = torch.nn
    torch.manual_seed(seed)
    if model == "mlp":
        net = nn.Sequential(nn.Flatten(), nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10))
    else:
        net = nn.Sequential(nn.Conv2d(1, 30, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                            nn.Linear(30 * 12 * 12, 100), nn.ReLU(), nn.Linear(100, 10))
    opt = (torch.optim.SGD if optimizer == "sgd" else torch.optim.Adam)(net.parameters(), lr=LR[optimizer])
    loss_fn = nn.CrossEntropyLoss()
    order = np.random.default_rng(seed).permutation(len(data.t_train))
    start = time.perf_counter()
    for x, t in data.batches("train", 100, np.float32, order):  # the very batches our engine gets
        opt.zero_grad()
        loss = loss_fn(net(torch.from_numpy(x)), torch.from_numpy(t.astype(np.int64)))
        loss.backward()
        opt.step()
    return time.perf_counter() - start, loss.item()


PEAK_MEMORY_CHILD = """
import resource, sys
from matchbox.training.data import load_mnist
from matchbox.training.train import train
data = load_mnist({data!r})
loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
net, history = train("cnn", data, epochs=1, batch_size=100, optimizer="sgd", lr=0.1, seed=1)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(loaded / 1024, peak / 1024, history[-1].test_accuracy)
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--optimizer", choices=sorted(LR), default="sgd")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--data", help="folder of the MNIST IDX files (default: as `matchbox train` finds it)")
    parser.add_argument("--models", default="mlp,cnn")
    args = parser.parse_args()

    import torch
    torch.set_num_threads(os.cpu_count())
    data = load_mnist(args.data)
    print(f"MNIST from {data.source}; {os.cpu_count()} cores; torch {torch.__version__} with "
          f"{torch.get_num_threads()} threads; numpy {np.__version__}; optimizer {args.optimizer}, batch 100")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    for model in args.models.split(","):
        ours, theirs = [], []
        for run in range(args.repeat):
            ours.append(ours_epoch(model, data, args.optimizer, seed=run)[0])
            theirs.append(torch_epoch(model, data, args.optimizer, seed=run)[0])
            print(f"  {model} run {run + 1}: matchbox {ours[-1]:.2f} s, PyTorch {theirs[-1]:.2f} s", flush=True)
        ratio = min(ours) / min(theirs)
        verdict = "meets" if ratio <= TARGETS[model] else "misses"
        print(f"{model.upper()}: matchbox {min(ours):.2f} s/epoch, PyTorch {min(theirs):.2f} s/epoch, "
              f"ratio {ratio:.2f}× ({verdict} the target ≤ {TARGETS[model]}×)", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}")

    child = subprocess.run([sys.executable, "-c", PEAK_MEMORY_CHILD.format(data=args.data)],
                           capture_output=True, text=True, check=True)
    loaded, peak, accuracy = (float(v) for v in child.stdout.split())
    print(f"CNN, one epoch of full MNIST in a fresh process: peak RSS {peak:.0f} MiB "
          f"({loaded:.0f} MiB once the data was loaded; target < 2048 MiB); test accuracy {100 * accuracy:.2f} %")


if __name__ == "__main__":
    main()
