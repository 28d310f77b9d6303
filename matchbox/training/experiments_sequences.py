"""The vanishing gradient, seen: why a simple RNN cannot learn a long dependency and an LSTM or a GRU can.

Two measurements on the adding problem (sequences.py), for an RNN, an LSTM and a GRU of the same size:

  1. ‖∂L/∂hₜ‖, the size of the gradient that reaches the hidden state of step t, against the distance T − t
     from the loss (which sits on the last step), before and after training at the longest length. In the
     RNN it shrinks by a roughly constant factor per step (tanh' ≤ 1 times Wh, again and again), so a step
     50 back gets next to nothing to learn from; the LSTM's cell state and the GRU's z⊙h path carry it back
     by a sum instead of a product, so it falls far more slowly.
  2. The test mean squared error each model reaches on the adding problem after the same training, against
     the length. MSE, not a share of "close enough" answers: it is the loss the models are trained on, it
     needs no threshold, and it has a natural line to beat: always answering 1 scores 1/6 ≈ 0.167, so a
     model at 0.167 has learned nothing and one far below it remembers values seen many steps ago.
"""
from __future__ import annotations

import numpy as np

from ..engine.optimizers import make_optimizer
from ..engine.recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from ..errors import MatchboxError
from .experiments import Result
from .recurrent import DEFAULT_CLIP, sequence_network
from .sequences import adding_problem, baseline_mse
from .train import fit, seeded_generators

MODELS = ("rnn", "lstm", "gru")
LENGTHS = (10, 50, 100)
HIDDEN = 64
EPOCHS = 5
BATCH_SIZE, LR = 50, 1e-3  # Adam, gradients clipped to DEFAULT_CLIP
DISTANCES = (0, 10, 50, 99)  # the table's distances from the loss (those shorter than the sequence)
MEASURED = 100  # test sequences the gradient norms are averaged over
CELLS = {RNN: RNNCell, LSTM: LSTMCell, GRU: GRUCell}


def state_gradients(net, x, t) -> np.ndarray:
    """‖∂L/∂hₜ‖ for every step of sequences x (N, T, D) with targets t (N,), averaged over the N sequences,
    by distance from the loss: element k is the mean norm at step T − k (k = 0: the state the head reads)."""
    return np.linalg.norm(hidden_gradients(net, x, t), axis=2).mean(axis=1)


def hidden_gradients(net, x, t) -> np.ndarray:
    """∂L/∂hₜ (T, N, H) of a SequenceNetwork's regression on sequences x (N, T, D) with targets t (N,), where
    L is each sequence's own squared error (y − t)² (so the batch's size does not scale it), ordered by
    distance from the loss: [k] is the gradient of the hidden state at step T − k (the last step first).

    The Time layers' backward keeps only dx, dh0 and the weight gradients: the state gradient of each step
    lives a moment inside its loop. Rather than change or wrap that loop, the sequence is run again through
    the engine's one-step cells (RNNCell, LSTMCell, GRUCell: the same step functions) with the layer's own
    weights, and backward goes one cell at a time, so the dh handed from step t + 1 to step t is there to
    read. In float64: an RNN's gradient 100 steps back can be smaller than float32 keeps well. The LSTM has two
    states, hₜ and cₜ: this is the gradient of hₜ alone (what nudging hₜ, cₜ kept, does to L); the gradient
    of cₜ travels back beside it and reaches hₜ₋₁ through the gates of step t."""
    layer, _, head = net.layers
    cell_type = CELLS[type(layer)]
    weights = {key: value.astype(np.float64) for key, value in layer.params.items()}
    W, b = (head.params[key].astype(np.float64) for key in ("W", "b"))
    x = np.asarray(x, np.float64)
    n, T, _ = x.shape
    h = c = np.zeros((n, weights["Wh"].shape[0]))
    cells = [cell_type(**weights) for _ in range(T)]  # each keeps its own step's inputs for backward
    for step, cell in enumerate(cells):
        if cell_type is LSTMCell:
            h, c = cell.forward(x[:, step], h, c)
        else:
            h = cell.forward(x[:, step], h)
    y = h @ W + b
    dh = 2 * (y - np.asarray(t, np.float64).reshape(y.shape)) @ W.T  # ∂(y − t)²/∂h_T, row by row
    dc = 0
    grads = np.empty((T, *h.shape))
    for k, cell in enumerate(reversed(cells)):
        grads[k] = dh
        if cell_type is LSTMCell:
            _, dh, dc = cell.backward(dh, dc)
        else:
            _, dh = cell.backward(dh)
    return grads


def _fresh(model, length, hidden, seed):
    init_rng, order_rng = seeded_generators(seed)
    net = sequence_network(model, 2, hidden, 1, task="regress", clip=DEFAULT_CLIP, steps=length, rng=init_rng)
    return net, order_rng


def vanishing(lengths=LENGTHS, epochs=EPOCHS, hidden=HIDDEN, seed=1, n_train=10_000, n_test=1_000,
              on_batch=None) -> Result:
    """Train an RNN, an LSTM and a GRU of `hidden` units alike (Adam η = 0.001, batches of 50, clip 1,
    `epochs` passes over n_train sequences) on the adding problem at each length; their test MSE per length,
    and ‖∂L/∂hₜ‖ by distance at the longest length before and after training (on its first 100 test
    sequences). `on_batch(n)` hears n sequences × their length, so a progress bar moves with the work."""
    lengths = sorted({int(L) for L in lengths})
    if not lengths or lengths[0] < 2:
        raise MatchboxError(f"the adding problem's lengths must be at least 2, not {lengths}")
    longest = lengths[-1]
    distances = sorted({d for d in DISTANCES if d < longest} | {longest - 1})
    columns = ["model", "weights"] + [f"‖∂L/∂h‖ at distance {d}" for d in distances] + \
              [f"test MSE, length {L}" for L in lengths]
    result = Result("vanishing", columns)
    mse = {model: [] for model in MODELS}
    gradients = {model: {} for model in MODELS}
    baselines = []
    for length in lengths:
        data = adding_problem(length, n_train=n_train, n_test=n_test)
        baselines.append(baseline_mse(data))
        probe = data.x_test[:MEASURED], data.t_test[:MEASURED]
        for model in MODELS:
            net, order_rng = _fresh(model, length, hidden, seed)
            if length == longest:
                gradients[model]["init"] = state_gradients(net, *probe)
            count = (lambda n, L=length: on_batch(n * L)) if on_batch else None
            history = fit(net, data, make_optimizer("adam", LR), epochs, BATCH_SIZE, order_rng, on_batch=count)
            mse[model].append(history[-1].test_loss)
            if length == longest:
                gradients[model]["trained"] = state_gradients(net, *probe)
    for model in MODELS:
        for stage in ("init", "trained"):
            norms = gradients[model][stage]
            result.rows.append([model, "initial" if stage == "init" else "trained"] +
                               [f"{norms[d]:.2e}" for d in distances] +
                               ([""] * len(lengths) if stage == "init" else [f"{m:.4f}" for m in mse[model]]))
    result.rows.append(["always 1", ""] + [""] * len(distances) + [f"{b:.4f}" for b in baselines])
    result.series = {"length": longest, "lengths": lengths, "gradients": gradients, "mse": mse,
                     "baseline": baselines}
    return result
