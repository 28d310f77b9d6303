"""matchbox's NumPy GAN against the same GAN in PyTorch (CPU): one epoch of MNIST, batch 100.

    python benchmarks/gan_vs_torch.py [--repeat 2] [--data DIR]

Both train G z(64)–256–784 (LeakyReLU 0.2, tanh) and D 784–256–1 (LeakyReLU 0.2) with Adam (η 2e-4, β₁ 0.5),
the same step: D on real and generated digits in one batch of 200 (BCE with logits), then G through D with
the non-saturating loss; float32, the same images in the same order. They run alternately `--repeat` times
and the fastest epoch of each counts, so a neighbour's burst of work on a shared machine hurts both alike.
PyTorch gets every core (torch.set_num_threads(os.cpu_count())); NumPy's BLAS what its environment says.
Target (the GAN issue): ≤ 1.5× PyTorch's epoch time.
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

from matchbox.training.data import load_mnist
from matchbox.training.gan import build_gan, mnist_samples

TARGET = 1.5


def ours_epoch(samples, seed):
    rng = np.random.default_rng(seed)
    gan = build_gan("mnist", rng)
    order = np.random.default_rng(seed).permutation(len(samples))
    start = time.perf_counter()
    for i in range(0, len(order), 100):
        losses = gan.step(samples[order[i:i + 100]], rng)
    return time.perf_counter() - start, losses[:2]


def torch_epoch(samples, seed):
    import torch
    nn = torch.nn
    torch.manual_seed(seed)
    G = nn.Sequential(nn.Linear(64, 256), nn.LeakyReLU(0.2), nn.Linear(256, 784), nn.Tanh())
    D = nn.Sequential(nn.Linear(784, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1))
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    targets = torch.cat([torch.ones(100, 1), torch.zeros(100, 1)])
    ones = torch.ones(100, 1)
    order = np.random.default_rng(seed).permutation(len(samples))
    start = time.perf_counter()
    for i in range(0, len(order), 100):
        real = torch.from_numpy(samples[order[i:i + 100]])
        fake = G(torch.randn(len(real), 64))
        opt_d.zero_grad()
        d_loss = 2 * bce(D(torch.cat([real, fake.detach()])), targets[:2 * len(real)])
        d_loss.backward()
        opt_d.step()
        opt_g.zero_grad()
        g_loss = bce(D(fake), ones[:len(real)])
        g_loss.backward()
        opt_g.step()
    return time.perf_counter() - start, (d_loss.item(), g_loss.item())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--data", help="folder of the MNIST IDX files (default: as `matchbox train` finds it)")
    args = parser.parse_args()

    import torch
    torch.set_num_threads(os.cpu_count())
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
    ratio = min(ours) / min(theirs)
    verdict = "meets" if ratio <= TARGET else "misses"
    print(f"GAN epoch: matchbox {min(ours):.2f} s, PyTorch {min(theirs):.2f} s, ratio {ratio:.2f}× "
          f"({verdict} the target ≤ {TARGET}×)")
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
