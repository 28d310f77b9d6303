"""matchbox's NumPy engine against PyTorch (CPU) on this machine: one epoch of MNIST, batch 100.

    pip install torch==2.13.0        # the peer
    python benchmarks/train_vs_torch.py [--optimizer sgd|adam] [--repeat 2] [--data DIR] [--threads N]

For each model (MLP 784-100-10; CNN conv(30, 5×5) – ReLU – max-pool 2 – Affine 100 – ReLU – Affine 10) both
engines train one epoch over the same images in the same order, float32, with the same optimizer and learning
rate; the two run alternately `--repeat` times, so a neighbour's burst of work on a shared machine hurts both
alike. Each model's line gives the fastest and the median epoch of each engine, the ratios of both, and the
achieved GFLOP/s (the multiply-adds of the forward and backward passes, counted from the layer sizes: see
`epoch_flops`). The machine's load average is printed before and after. PyTorch gets every core
(torch.set_num_threads(os.cpu_count())); NumPy's BLAS what its environment says (OPENBLAS_NUM_THREADS).
`--threads N` gives both N threads instead (NumPy's through threadpoolctl): on a machine others load, one
thread each shows the engines' work without the cost of threads waiting for a busy core.
Then a fresh process trains our CNN on full MNIST for one epoch and reports its peak resident memory.
Targets (issue 18): MLP ≤ 0.8× PyTorch's epoch time, CNN ≤ 1.0×, CNN training under 2 GiB.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

import numpy as np

from matchbox.training.data import load_mnist
from matchbox.training.models import build
from matchbox.engine.optimizers import make_optimizer

TARGETS = {"mlp": 0.8, "cnn": 1.0}
LR = {"sgd": 0.1, "adam": 0.001}


def epoch_flops(model, images, image_shape=(1, 28, 28), hidden=100, classes=10, filters=30, kernel=5, pool=2):
    """Floating-point operations of one epoch, forward and backward, counted as 2 per multiply-add of the
    matrix products (the convolution's too); the elementwise work (bias, ReLU, pooling, softmax, the optimizer)
    is left out, as it is a few percent of the operations. Per image:
      forward   each Affine (inputs × outputs), the convolution (FN × OH·OW × C·FH·FW);
      backward  each layer's weight gradient as many again, and its input gradient as many again except for
                the first layer, whose input (the images) needs none: neither engine computes it.
    So a first layer counts 2×, every other 3×, and the total is linear in the number of images."""
    c, h, w = image_shape
    if model == "mlp":
        first, rest = c * h * w * hidden, hidden * classes
    else:
        oh, ow = h - kernel + 1, w - kernel + 1
        first = filters * oh * ow * c * kernel * kernel
        rest = filters * (oh // pool) * (ow // pool) * hidden + hidden * classes
    return 2 * images * (2 * first + 3 * rest)


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


def limit_numpy_threads(threads):
    """Sets NumPy's BLAS to `threads` threads (None: leaves it as the environment says); says what it uses."""
    environment = f"BLAS threads as the environment says (OPENBLAS_NUM_THREADS " \
                  f"{os.environ.get('OPENBLAS_NUM_THREADS', 'unset')})"
    if threads is None:
        return environment
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        sys.exit("--threads needs threadpoolctl for NumPy's BLAS: pip install threadpoolctl")
    threadpool_limits(limits=threads, user_api="blas")
    return f"{threads} BLAS threads"


def load():
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def report(model, ours, theirs, flops):
    """The fastest and the median epoch of each engine, their ratios, and GFLOP/s at each."""
    def summary(name, times):
        fast, median = min(times), statistics.median(times)
        return (f"{name} fastest {fast:.2f} s ({flops / fast / 1e9:.1f} GFLOP/s), "
                f"median {median:.2f} s ({flops / median / 1e9:.1f} GFLOP/s)")
    fastest, median = min(ours) / min(theirs), statistics.median(ours) / statistics.median(theirs)
    verdict = "meets" if fastest <= TARGETS[model] else "misses"
    print(f"{model.upper()} ({flops / 1e9:.1f} GFLOP an epoch): {summary('matchbox', ours)}; "
          f"{summary('PyTorch', theirs)}", flush=True)
    print(f"{model.upper()}: ratio {fastest:.2f}× fastest to fastest ({verdict} the target ≤ {TARGETS[model]}×), "
          f"{median:.2f}× median to median", flush=True)


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
    parser.add_argument("--threads", type=int, help="threads for both engines (default: PyTorch every core, "
                                                    "NumPy as its environment says)")
    args = parser.parse_args()

    import torch
    torch.set_num_threads(args.threads or os.cpu_count())
    numpy_threads = limit_numpy_threads(args.threads)
    data = load_mnist(args.data)
    print(f"MNIST from {data.source}; {os.cpu_count()} cores; torch {torch.__version__} with "
          f"{torch.get_num_threads()} threads; numpy {np.__version__} with {numpy_threads}; "
          f"optimizer {args.optimizer}, batch 100")
    print(f"load average before: {load()}  (1, 5, 15 minutes; {os.cpu_count()} cores)", flush=True)
    for model in args.models.split(","):
        ours, theirs = [], []
        for run in range(args.repeat):
            ours.append(ours_epoch(model, data, args.optimizer, seed=run)[0])
            theirs.append(torch_epoch(model, data, args.optimizer, seed=run)[0])
            print(f"  {model} run {run + 1}: matchbox {ours[-1]:.2f} s, PyTorch {theirs[-1]:.2f} s "
                  f"(load {os.getloadavg()[0]:.2f})", flush=True)
        report(model, ours, theirs, epoch_flops(model, len(data.t_train), data.image_shape))
    print(f"load average after: {load()}")

    child = subprocess.run([sys.executable, "-c", PEAK_MEMORY_CHILD.format(data=args.data)],
                           capture_output=True, text=True, check=True)
    loaded, peak, accuracy = (float(v) for v in child.stdout.split())
    print(f"CNN, one epoch of full MNIST in a fresh process: peak RSS {peak:.0f} MiB "
          f"({loaded:.0f} MiB once the data was loaded; target < 2048 MiB); test accuracy {100 * accuracy:.2f} %")


if __name__ == "__main__":
    main()
