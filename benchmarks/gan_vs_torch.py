"""matchbox's NumPy GAN against the same GAN in PyTorch (CPU): one epoch of MNIST, batch 100.

    python benchmarks/gan_vs_torch.py [--repeat 2] [--data DIR] [--threads N]

Both train the default MNIST GAN of `matchbox train gan` (training/gan.py DEFAULTS: G z(64)–256–512–784,
LeakyReLU 0.2, tanh; D judging 2 digits at once, 1568–512–256–1, LeakyReLU 0.2) with Adam (η 2e-4, β₁ 0.5), the
same step: D on real (labelled 0.9) and generated digits in one batch (BCE with logits), then G through D with
the non-saturating loss; float32, the same images in the same order. They run alternately `--repeat` times;
the fastest and the median epoch of each are reported, so a neighbour's burst of work on a shared machine hurts
both alike. PyTorch gets every core (torch.set_num_threads(os.cpu_count())); NumPy's BLAS what its environment
says. `--threads N` gives both N threads (NumPy's through threadpoolctl, as benchmarks/train_vs_torch.py does):
on a machine others load, threads waiting for a busy core cost PyTorch most.
Target (the GAN issue): ≤ 1.5× PyTorch's epoch time.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from matchbox.training.data import load_mnist
from matchbox.training.gan import DEFAULTS, build_gan, mnist_samples

TARGET = 1.5
BATCH = DEFAULTS["mnist"]["batch_size"]


def ours_epoch(samples, seed):
    rng = np.random.default_rng(seed)
    gan = build_gan("mnist", rng)  # the defaults: packed, real labels 0.9
    order = np.random.default_rng(seed).permutation(len(samples))
    start = time.perf_counter()
    for i in range(0, len(order), BATCH):
        losses = gan.step(samples[order[i:i + BATCH]], rng)
    return time.perf_counter() - start, losses[:2]


def stack(nn, sizes, output=None):
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers += [nn.Linear(n_in, n_out)] + ([nn.LeakyReLU(0.2)] if i < len(sizes) - 2 else [])
    return nn.Sequential(*layers, *([output] if output else []))


def torch_epoch(samples, seed):
    import torch
    nn = torch.nn
    torch.manual_seed(seed)
    d = DEFAULTS["mnist"]
    z, hidden, pack, label = d["z"], d["hidden"], d["pack"], d["real_label"]
    G = stack(nn, [z, *hidden, 784], nn.Tanh())
    D = stack(nn, [784 * pack, *reversed(hidden), 1])
    opt_g = torch.optim.Adam(G.parameters(), lr=d["lr"], betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=d["lr"], betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    n = BATCH // pack
    targets = torch.cat([torch.full((n, 1), label), torch.zeros(n, 1)])
    ones = torch.ones(n, 1)
    order = np.random.default_rng(seed).permutation(len(samples))
    start = time.perf_counter()
    for i in range(0, len(order), BATCH):
        real = torch.from_numpy(samples[order[i:i + BATCH]]).reshape(n, -1)
        fake = G(torch.randn(BATCH, z)).reshape(n, -1)
        opt_d.zero_grad()
        d_loss = 2 * bce(D(torch.cat([real, fake.detach()])), targets)
        d_loss.backward()
        opt_d.step()
        opt_g.zero_grad()
        g_loss = bce(D(fake), ones)
        g_loss.backward()
        opt_g.step()
    return time.perf_counter() - start, (d_loss.item(), g_loss.item())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--data", help="folder of the MNIST IDX files (default: as `matchbox train` finds it)")
    parser.add_argument("--threads", type=int, help="threads for both engines (default: PyTorch every core, "
                        "NumPy as its environment says)")
    args = parser.parse_args()

    import torch
    torch.set_num_threads(args.threads or os.cpu_count())
    if args.threads:
        from train_vs_torch import limit_numpy_threads
        limit_numpy_threads(args.threads)
    data = load_mnist(args.data)
    samples = mnist_samples(data)
    blas = {k: os.environ[k] for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS") if k in os.environ}
    print(f"MNIST from {data.source}; {os.cpu_count()} cores; torch {torch.__version__} with "
          f"{torch.get_num_threads()} threads; numpy {np.__version__} (BLAS environment {blas or 'unset'})")
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}", flush=True)
    ours, theirs = [], []
    for run in range(args.repeat):
        t, (d, g) = ours_epoch(samples, seed=run)
        ours.append(t)
        print(f"  run {run + 1}: matchbox {t:.2f} s (last D loss {d:.3f}, G loss {g:.3f})", flush=True)
        t, (d, g) = torch_epoch(samples, seed=run)
        theirs.append(t)
        print(f"  run {run + 1}: PyTorch  {t:.2f} s (last D loss {d:.3f}, G loss {g:.3f})", flush=True)
    ratio, median = min(ours) / min(theirs), statistics.median(ours) / statistics.median(theirs)
    verdict = "meets" if ratio <= TARGET else "misses"
    print(f"GAN epoch, fastest: matchbox {min(ours):.2f} s, PyTorch {min(theirs):.2f} s, ratio {ratio:.2f}× "
          f"({verdict} the target ≤ {TARGET}×); median: {statistics.median(ours):.2f} s against "
          f"{statistics.median(theirs):.2f} s, {median:.2f}×")
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
