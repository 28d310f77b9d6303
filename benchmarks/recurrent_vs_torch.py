"""matchbox's recurrent layers against torch.nn.LSTM / GRU / RNN (CPU): one epoch of row-by-row MNIST, batch 100.

    pip install torch==2.13.0        # the peer
    python benchmarks/recurrent_vs_torch.py [--model lstm|gru|rnn|all] [--repeat 2] [--threads N]
                                            [--limit N] [--clip 1.0] [--memory] [--data DIR]

The model, the same on both sides: each 28×28 image is a sequence of T = 28 rows of D = 28 pixels; a recurrent
layer of H = 128 units runs over it (batch-major (N, T, D), torch's batch_first=True), its last step's h goes
through Affine 128 → 10 and softmax cross-entropy. Adam, lr 1e-3; gradients clipped to a global norm of 1.0
on both sides (ours: sequence.clip_grads; torch: clip_grad_norm_; --clip 0 turns it off on both).

Same start, same data: the weights are drawn once (uniform ±1/√H, torch's own rule) and copied into torch by
the mapping in recurrent.py's docstring: weight_ih_l0 = Wx.T, weight_hh_l0 = Wh.T, bias_ih_l0 = b,
bias_hh_l0 = 0 (GRU: bias_hh_l0 = (0, 0, bhn)); Linear.weight = W.T. torch has two bias vectors where we have
one, and both would get the same gradient, so Adam would move their sum twice as far as ours: to train the
same function, torch's bias_hh_l0 is frozen (RNN, LSTM), or for the GRU its r, z blocks get a zero gradient
(a hook), leaving the n block, which is our bhn. Both engines then get the very same float32 batches in the same
shuffled order, so their first losses agree to rounding and their curves should stay close (not identical:
float32 rounding differs and training amplifies it).

Timing: the two run alternately `--repeat` times (who goes first alternates too) and the fastest epoch of each
counts, so a neighbour's burst of work on a shared machine hurts both alike. Both get `--threads` threads
(default os.cpu_count()): torch.set_num_threads, and NumPy's BLAS through threadpoolctl when it is installed
(else whatever OMP_NUM_THREADS / OPENBLAS_NUM_THREADS say). The load average is printed before and after.
Only the training loop is timed; the test accuracy after the epoch is measured outside it.

Memory (--memory): each selected model trains one epoch of our engine in a fresh process, which reports its
peak resident memory (resource.getrusage ru_maxrss); data loading is included in the peak.

Targets (the issue): our epoch ≤ 1.5× PyTorch's for the LSTM, the GRU and the RNN; peak memory under 2 GiB.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import numpy as np

if __package__ in (None, ""):  # run as a script from anywhere: the checkout's matchbox, not an installed one
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from matchbox.engine.layers import Affine, SoftmaxWithLoss
from matchbox.engine.optimizers import make_optimizer
from matchbox.engine.recurrent import GRU, LSTM, RNN
from matchbox.engine.sequence import LastStep, clip_grads
from matchbox.training.data import load_mnist

MODELS = ("lstm", "gru", "rnn")
GATES = {"lstm": 4, "gru": 3, "rnn": 1}
T, D, H, CLASSES, BATCH, LR = 28, 28, 128, 10, 100, 1e-3
TARGET_RATIO, TARGET_MIB = 1.5, 2048


def initial_weights(model, seed):
    """Float32 weights of the recurrent layer and the head, uniform ±1/√H as torch draws them."""
    rng = np.random.default_rng(seed)
    k = GATES[model] * H

    def uniform(shape, fan):
        bound = 1 / np.sqrt(fan)
        return rng.uniform(-bound, bound, shape).astype(np.float32)

    w = {"Wx": uniform((D, k), H), "Wh": uniform((H, k), H), "b": uniform((k,), H)}
    if model == "gru":
        w["bhn"] = uniform((H,), H)
    w["W"], w["b_out"] = uniform((H, CLASSES), H), uniform((CLASSES,), H)
    return w


def batch_order(n, seed):
    return np.random.default_rng(1000 + seed).permutation(n)


def rows(x):
    """(N, 1, 28, 28) images → (N, T = 28, D = 28) sequences of rows."""
    return x.reshape(len(x), T, D)


# --- ours -------------------------------------------------------------------------------------------------------

class Ours:
    """Recurrent layer → LastStep → Affine → SoftmaxWithLoss on the engine's layers."""

    def __init__(self, model, w):
        w = {key: value.copy() for key, value in w.items()}
        if model == "gru":
            self.rnn = GRU(w["Wx"], w["Wh"], w["b"], w["bhn"])
        else:
            self.rnn = (LSTM if model == "lstm" else RNN)(w["Wx"], w["Wh"], w["b"])
        self.rnn.input_grad = False  # the first layer: no gradient for the images
        self.last, self.affine, self.loss = LastStep(), Affine(w["W"], w["b_out"]), SoftmaxWithLoss()
        self.layers = {"rnn": self.rnn, "affine": self.affine}
        self.params = {f"{name}.{key}": value for name, layer in self.layers.items()
                       for key, value in layer.params.items()}

    def scores(self, x, train=True):
        return self.affine.forward(self.last.forward(self.rnn.forward(x, train=train)))

    def gradient(self, x, t):
        loss = self.loss.forward(self.scores(x), t)
        self.rnn.backward(self.last.backward(self.affine.backward(self.loss.backward())))
        grads = {f"{name}.{key}": value for name, layer in self.layers.items()
                 for key, value in layer.grads.items()}
        return loss, grads


def ours_epoch(model, data, seed, limit, clip):
    net = Ours(model, initial_weights(model, seed))
    opt = make_optimizer("adam", LR)
    losses = []
    start = time.perf_counter()
    for x, t in data.batches("train", BATCH, np.float32, batch_order(len(data.t_train), seed)[:limit]):
        loss, grads = net.gradient(rows(x), t)
        if clip:
            clip_grads(grads, clip)
        opt.update(net.params, grads)
        losses.append(loss)
    seconds = time.perf_counter() - start
    correct = sum(int((net.scores(rows(x), train=False).argmax(axis=1) == t).sum())
                  for x, t in data.batches("test", 1000, np.float32))
    return seconds, losses, correct / len(data.t_test)


# --- torch ------------------------------------------------------------------------------------------------------

def torch_net(model, w):
    import torch
    nn = torch.nn
    rnn = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[model](D, H, batch_first=True)
    head = nn.Linear(H, CLASSES)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(w["Wx"].T.copy()))
        rnn.weight_hh_l0.copy_(torch.from_numpy(w["Wh"].T.copy()))
        rnn.bias_ih_l0.copy_(torch.from_numpy(w["b"]))
        rnn.bias_hh_l0.zero_()
        head.weight.copy_(torch.from_numpy(w["W"].T.copy()))
        head.bias.copy_(torch.from_numpy(w["b_out"]))
        if model == "gru":
            rnn.bias_hh_l0[2 * H:] = torch.from_numpy(w["bhn"])
    if model == "gru":  # only the n block of bias_hh is a parameter of ours (bhn): r, z get no gradient
        mask = torch.zeros(3 * H)
        mask[2 * H:] = 1
        rnn.bias_hh_l0.register_hook(lambda g: g * mask)
    else:  # b = bias_ih + bias_hh: train one of the two, as we train b
        rnn.bias_hh_l0.requires_grad_(False)
    return rnn, head


def torch_epoch(model, data, seed, limit, clip):
    import torch
    rnn, head = torch_net(model, initial_weights(model, seed))
    params = [p for p in (*rnn.parameters(), *head.parameters()) if p.requires_grad]
    opt = torch.optim.Adam(params, lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    losses = []
    start = time.perf_counter()
    for x, t in data.batches("train", BATCH, np.float32, batch_order(len(data.t_train), seed)[:limit]):
        opt.zero_grad()
        hs, _ = rnn(torch.from_numpy(rows(x)))  # the very batches our engine gets
        loss = loss_fn(head(hs[:, -1]), torch.from_numpy(t.astype(np.int64)))
        loss.backward()
        if clip:
            torch.nn.utils.clip_grad_norm_(params, clip)
        opt.step()
        losses.append(loss.item())
    seconds = time.perf_counter() - start
    with torch.no_grad():
        correct = sum(int((head(rnn(torch.from_numpy(rows(x)))[0][:, -1]).argmax(1).numpy() == t).sum())
                      for x, t in data.batches("test", 1000, np.float32))
    return seconds, losses, correct / len(data.t_test)


# --- threads, load, memory --------------------------------------------------------------------------------------

def limit_blas(threads):
    """Sets NumPy's BLAS to `threads` threads if threadpoolctl is installed; says what it uses."""
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:
        env = {k: os.environ[k] for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
               if k in os.environ}
        return None, f"NumPy BLAS threads: unknown (no threadpoolctl); environment {env or 'unset'}"
    limiter = threadpool_limits(limits=threads, user_api="blas")
    pools = [f"{p['internal_api']} {p.get('version') or ''} {p['num_threads']} threads".replace("  ", " ")
             for p in threadpool_info() if p["user_api"] == "blas"]
    return limiter, "NumPy BLAS: " + ("; ".join(pools) or "none found")


def load():
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def memory_child(model, limit, data_dir, clip):
    import resource
    data = load_mnist(data_dir)
    loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    seconds, losses, accuracy = ours_epoch(model, data, 0, limit, clip)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(loaded / 1024, peak / 1024, seconds, accuracy, "torch" in sys.modules)


def peak_memory(model, args):
    command = [sys.executable, os.path.abspath(__file__), "--memory-child", model, "--clip", str(args.clip)]
    for option, value in (("--limit", args.limit), ("--data", args.data), ("--threads", args.threads)):
        if value is not None:
            command += [option, str(value)]
    child = subprocess.run(command, capture_output=True, text=True)
    if child.returncode:
        sys.exit(f"the memory run of {model} failed:\n{child.stderr}")
    loaded, peak, seconds, accuracy, torch_loaded = child.stdout.split()
    return float(loaded), float(peak), float(seconds), float(accuracy), torch_loaded == "True"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", choices=(*MODELS, "all"), default="all")
    parser.add_argument("--repeat", type=int, default=2, help="alternating runs of each engine (0: none)")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--limit", type=int, help="images per epoch (default: all 60,000)")
    parser.add_argument("--clip", type=float, default=1.0, help="global gradient norm clip, both sides (0: off)")
    parser.add_argument("--memory", action="store_true", help="peak memory of an epoch of ours, fresh process")
    parser.add_argument("--data", help="folder of the MNIST IDX files (default: as `matchbox train` finds it)")
    parser.add_argument("--memory-child", choices=MODELS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    _, blas = limit_blas(args.threads)
    if args.memory_child:
        return memory_child(args.memory_child, args.limit, args.data, args.clip)

    models = MODELS if args.model == "all" else (args.model,)
    data = load_mnist(args.data)
    images = min(args.limit or len(data.t_train), len(data.t_train))
    results = {}
    if args.repeat > 0:
        import torch
        torch.set_num_threads(args.threads)
        print(f"MNIST from {data.source}: {images:,} training images per epoch, batch {BATCH}, rows as T={T} "
              f"steps of D={D}, H={H}; Adam lr {LR}, clip {args.clip or 'off'}; float32")
        print(f"{os.cpu_count()} cores; torch {torch.__version__} with {torch.get_num_threads()} threads; "
              f"numpy {np.__version__}; {blas}")
        print(f"load average (1, 5, 15 min) before: {load()}", flush=True)
        for model in models:
            ours, theirs = [], []
            for run in range(args.repeat):
                pair = [("ours", ours_epoch), ("torch", torch_epoch)]
                for name, epoch in (pair if run % 2 == 0 else pair[::-1]):
                    (ours if name == "ours" else theirs).append(epoch(model, data, run, args.limit, args.clip))
                (s1, l1, a1), (s2, l2, a2) = ours[-1], theirs[-1]
                print(f"  {model} run {run + 1}: matchbox {s1:.2f} s (first loss {l1[0]:.6f}, last {l1[-1]:.4f}, "
                      f"test {100 * a1:.2f} %), PyTorch {s2:.2f} s (first loss {l2[0]:.6f}, last {l2[-1]:.4f}, "
                      f"test {100 * a2:.2f} %); load {load()}", flush=True)
            results[model] = ours, theirs
        print(f"load average (1, 5, 15 min) after: {load()}", flush=True)

    memory = {}
    if args.memory:
        for model in models:
            memory[model] = peak_memory(model, args)
            loaded, peak, seconds, accuracy, torch_loaded = memory[model]
            print(f"  {model} memory run: peak RSS {peak:.0f} MiB ({loaded:.0f} MiB once the data was loaded), "
                  f"epoch {seconds:.2f} s, test {100 * accuracy:.2f} %"
                  + (" (torch was imported!)" if torch_loaded else ""), flush=True)

    print()
    print(f"{'model':6} {'matchbox s':>10} {'PyTorch s':>9} {'ratio':>6}  {'≤ 1.5×':7} "
          f"{'mean loss ours/torch':>21} {'last 50 ours/torch':>19} {'test % ours/torch':>18}  {'peak MiB':>8}  < 2 GiB")
    for model in models:
        row = f"{model.upper():6} "
        if model in results:
            ours, theirs = results[model]
            best_ours, best_theirs = min(r[0] for r in ours), min(r[0] for r in theirs)
            ratio = best_ours / best_theirs
            (_, l1, a1), (_, l2, a2) = ours[0], theirs[0]  # run 1: the same seed on both sides
            row += (f"{best_ours:10.2f} {best_theirs:9.2f} {ratio:5.2f}×  {'met' if ratio <= TARGET_RATIO else 'MISSED':7} "
                    f"{np.mean(l1):10.4f}/{np.mean(l2):.4f} {np.mean(l1[-50:]):9.4f}/{np.mean(l2[-50:]):.4f} "
                    f"{100 * a1:9.2f}/{100 * a2:.2f}  ")
        else:
            row += f"{'(not timed)':>87}  "
        if model in memory:
            peak = memory[model][1]
            row += f"{peak:8.0f}  {'met' if peak < TARGET_MIB else 'MISSED'}"
        else:
            row += f"{'-':>8}  (run with --memory)"
        print(row)
    if results:
        print(f"Fastest of {args.repeat} alternating run(s) each; losses and test accuracy from run 1 (same seed, "
              f"same start). Target: ≤ {TARGET_RATIO}× PyTorch's epoch time, peak memory < {TARGET_MIB} MiB.")


if __name__ == "__main__":
    main()
