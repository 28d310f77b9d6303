"""Recurrent layers (RNN, LSTM, GRU), one step at a time and over a sequence, with backward through time.

Sequences are batch-major, as ゼロから作るDeep Learning ❷'s Time layers and torch's batch_first=True:
x (N, T, D) gives every hidden state hs (N, T, H). The cells (RNNCell, LSTMCell, GRUCell) do one step;
the Time layers (RNN, LSTM, GRU) loop the same step functions over T, keeping the arrays time-major inside so
each step reads contiguous rows, and do the input's share as one (N·T, D)×(D, kH) product before the loop and
the weight gradients as one product after it: only the h·Wh product and the gates are left per step.

Weights multiply from the right (x @ Wx), the gates' blocks of H columns side by side in one matrix:
    RNN   h' = tanh(x Wx + h Wh + b)                               Wx (D, H),  Wh (H, H),  b (H,)
    LSTM  A = x Wx + h Wh + b, columns (i, f, g, o) as in torch    Wx (D, 4H), Wh (H, 4H), b (4H,)
          i, f, o = σ(A_i), σ(A_f), σ(A_o); g = tanh(A_g); c' = f⊙c + i⊙g; h' = o⊙tanh(c')
    GRU   columns (r, z, n) as in torch; b holds the input biases of r, z, n plus the hidden biases of r, z
          r = σ(x Wx_r + h Wh_r + b_r), z = σ(x Wx_z + h Wh_z + b_z)
          n = tanh(x Wx_n + b_n + r⊙(h Wh_n + bhn)), h' = (1 − z)⊙n + z⊙h
    The reset gate multiplies the hidden part of n together with its bias, so that bias (bhn, (H,)) cannot be
    merged into b: the GRU keeps it as a fourth parameter.

The same weights in torch.nn.RNN / LSTM / GRU (layer 0, one direction): weight_ih_l0 = Wx.T (rows in the gate
order above), weight_hh_l0 = Wh.T; torch keeps two bias vectors whose sum is ours: b = bias_ih_l0 + bias_hh_l0
(RNN, LSTM). For the GRU, b = bias_ih_l0 + (bias_hh_l0 with its n block zeroed) and bhn = bias_hh_l0's n
block. Gradients map the same way: ∂/∂bias_ih = ∂/∂bias_hh = db (GRU: ∂/∂bias_hh = (db_r, db_z, dbhn)).
tests/test_recurrent.py copies torch's weights into ours, and our gradients out under torch's names, by it.

Truncated backpropagation through time (truncate=k): the T steps are cut into blocks of k, counted back from
the last step (the first block may be shorter). Backward carries the state gradient (dh, and the LSTM's dc)
inside a block but not from a block's first step into the block before: exactly what running each block as
its own forward, starting from the previous block's state detached, would give. So a loss at the last step
reaches the last k steps only, and k ≥ T is full BPTT. Parameter gradients still add every step's share;
dh0 (dc0) is the gradient of the state the first block starts from.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from .layers import Layer


def sigmoid_(a):
    """σ(a) in place, as (1 + tanh(a/2)) / 2: no overflow for any a, and no temporary array."""
    a *= 0.5
    np.tanh(a, out=a)
    a *= 0.5
    a += 0.5
    return a


# --- one step: forward writes into given arrays, backward fills dA (the gradient of the pre-activations) -----

def rnn_step_back(dh, h, dA):
    np.multiply(dh, 1 - h * h, out=dA)  # tanh' = 1 − h'²


@lru_cache(maxsize=16)
def _lstm_columns(H, dtype):
    """Per-column constants for the four gates at once: σ(a) = ½tanh(½a) + ½ on i, f, o and tanh(a) on g
    is tanh(s·a)·s + s0, and the derivative (σ(1 − σ) or 1 − g²) is d0 + G⊙(d1 − G). Whole rows of 4H
    then take a few contiguous passes instead of one per gate."""
    def blocks(i, g):
        return np.repeat(np.array([i, i, g, i], dtype), H)
    return blocks(0.5, 1.0), blocks(0.5, 0.0), blocks(0.0, 1.0), blocks(1.0, 0.0)


def lstm_step(G, c_prev, c, tc, h):
    """G holds A on entry and the gates i, f, g, o on return; writes c', tanh(c') and h'."""
    H = c.shape[1]
    s, s0, _, _ = _lstm_columns(H, G.dtype)
    G *= s
    np.tanh(G, out=G)
    G *= s
    G += s0
    i, f, g, o = G[:, :H], G[:, H:2 * H], G[:, 2 * H:3 * H], G[:, 3 * H:]
    np.multiply(f, c_prev, out=c)
    c += i * g
    np.tanh(c, out=tc)
    np.multiply(o, tc, out=h)


def lstm_step_back(dh, dc, G, c_prev, tc, dA):
    """dh, dc: gradients of h' and c'. Fills dA and returns the gradient of c (h's goes through Wh)."""
    H = tc.shape[1]
    _, _, d0, d1 = _lstm_columns(H, G.dtype)
    i, f, g, o = G[:, :H], G[:, H:2 * H], G[:, 2 * H:3 * H], G[:, 3 * H:]
    dc = dh * o * (1 - tc * tc) + dc  # c' reaches the loss directly and through h' = o⊙tanh(c')
    np.multiply(dc, g, out=dA[:, :H])
    np.multiply(dc, c_prev, out=dA[:, H:2 * H])
    np.multiply(dc, i, out=dA[:, 2 * H:3 * H])
    np.multiply(dh, tc, out=dA[:, 3 * H:])
    slope = d1 - G  # the gates' derivatives: σ(1 − σ) on i, f, o, 1 − g² on g
    slope *= G
    slope += d0
    dA *= slope
    return dc * f


def gru_step(G, Ah, h_prev, ahn, h):
    """G holds x Wx + b on entry and the gates r, z, n on return; Ah = h Wh with bhn added to its n block.
    Keeps ahn = h Wh_n + bhn, which backward needs, and writes h'."""
    H = h.shape[1]
    G[:, :2 * H] += Ah[:, :2 * H]
    sigmoid_(G[:, :2 * H])
    r, z, n = G[:, :H], G[:, H:2 * H], G[:, 2 * H:]
    ahn[...] = Ah[:, 2 * H:]
    n += r * ahn
    np.tanh(n, out=n)
    np.subtract(h_prev, n, out=h)
    h *= z
    h += n


def gru_step_back(dh, G, ahn, h_prev, dAx, dAh):
    """Fills dAx (gradient of x Wx + b) and dAh (of h Wh + (0, 0, bhn)); returns dh⊙z, the part of h's
    gradient that skips Wh. Their r, z blocks are equal."""
    H = dh.shape[1]
    r, z, n = G[:, :H], G[:, H:2 * H], G[:, 2 * H:]
    dan = dAx[:, 2 * H:]
    np.multiply(dh, 1 - z, out=dan)
    dan *= 1 - n * n
    np.multiply(dan, r, out=dAh[:, 2 * H:])
    np.multiply(dan, ahn, out=dAh[:, :H])
    np.subtract(h_prev, n, out=dAh[:, H:2 * H])
    dAh[:, H:2 * H] *= dh
    dAh[:, :2 * H] *= G[:, :2 * H] * (1 - G[:, :2 * H])
    dAx[:, :2 * H] = dAh[:, :2 * H]
    return dh * z


# --- cells: one step, the book's RNN and LSTM -------------------------------------------------------------------

class _Cell(Layer):
    def __init__(self, Wx, Wh, b):
        super().__init__()
        self.params = {"Wx": Wx, "Wh": Wh, "b": b}

    def _grads(self, dAx, dAh, **extra):
        p = self.params
        self.grads = {"Wx": self.x.T @ dAx, "Wh": self.h.T @ dAh, "b": dAx.sum(axis=0), **extra}
        return dAx @ p["Wx"].T, dAh @ p["Wh"].T


class RNNCell(_Cell):
    """h' = tanh(x Wx + h Wh + b) for one step: forward(x, h) → h'; backward(dh') → (dx, dh)."""

    def forward(self, x, h, train=True):
        p = self.params
        self.x, self.h = x, h
        self.h_next = np.tanh(x @ p["Wx"] + h @ p["Wh"] + p["b"])
        return self.h_next

    def backward(self, dh):
        dA = np.empty_like(self.h_next)
        rnn_step_back(dh, self.h_next, dA)
        return self._grads(dA, dA)


class LSTMCell(_Cell):
    """One LSTM step: forward(x, h, c) → (h', c'); backward(dh', dc') → (dx, dh, dc)."""

    def forward(self, x, h, c, train=True):
        p = self.params
        self.x, self.h, self.c = x, h, c
        self.G = x @ p["Wx"] + h @ p["Wh"] + p["b"]
        c_next, self.tc, h_next = np.empty_like(c), np.empty_like(c), np.empty_like(c)
        lstm_step(self.G, c, c_next, self.tc, h_next)
        return h_next, c_next

    def backward(self, dh, dc):
        dA = np.empty_like(self.G)
        dc_prev = lstm_step_back(dh, dc, self.G, self.c, self.tc, dA)
        return (*self._grads(dA, dA), dc_prev)


class GRUCell(_Cell):
    """One GRU step (torch's equations): forward(x, h) → h'; backward(dh') → (dx, dh)."""

    def __init__(self, Wx, Wh, b, bhn):
        super().__init__(Wx, Wh, b)
        self.params["bhn"] = bhn

    def forward(self, x, h, train=True):
        p = self.params
        H = h.shape[1]
        self.x, self.h = x, h
        self.G, Ah = x @ p["Wx"] + p["b"], h @ p["Wh"]
        Ah[:, 2 * H:] += p["bhn"]
        self.ahn, h_next = np.empty_like(h), np.empty_like(h)
        gru_step(self.G, Ah, h, self.ahn, h_next)
        return h_next

    def backward(self, dh):
        H = dh.shape[1]
        dAx, dAh = np.empty_like(self.G), np.empty_like(self.G)
        skip = gru_step_back(dh, self.G, self.ahn, self.h, dAx, dAh)
        dx, dh_prev = self._grads(dAx, dAh, bhn=dAh[:, 2 * H:].sum(axis=0))
        return dx, dh_prev + skip


# --- over a sequence: the book's TimeRNN and TimeLSTM, and a TimeGRU -----------------------------------------

class _Recurrent(Layer):
    """What the three share: the initial state (h0 given, or kept from the last forward when `stateful`,
    else zeros), the input's products done once for all steps, truncation, and the weight gradients."""

    def __init__(self, Wx, Wh, b, stateful=False, truncate=None):
        super().__init__()
        self.params = {"Wx": Wx, "Wh": Wh, "b": b}
        self.stateful, self.truncate = stateful, truncate
        self.input_grad = True  # a network's first layer needs no gradient for its inputs: skip it
        self.h = self.c = None  # the last step's state, after forward
        self.dh0 = self.dc0 = None  # the initial state's gradient, after backward

    def reset_state(self):
        self.h = self.c = None

    def _start(self, x, h0):
        """A = x Wx + b for every step, time-major (T, N, kH), and Hs (T + 1, N, H) with Hs[0] = h0."""
        p = self.params
        n, T, d = x.shape
        self.xt = np.ascontiguousarray(x.transpose(1, 0, 2))
        A = (self.xt.reshape(T * n, d) @ p["Wx"]).reshape(T, n, -1)
        A += p["b"]
        Hs = np.empty((T + 1, n, p["Wh"].shape[0]), A.dtype)
        Hs[0] = self._initial(h0, self.h)
        return A, Hs

    def _initial(self, given, kept):
        if given is not None:
            return given
        return kept if self.stateful and kept is not None else 0

    def _cut(self, t, T):
        """Whether the state gradient stops at step t instead of going on to step t − 1."""
        k = self.truncate
        return k is not None and t > 0 and (T - t) % k == 0

    def _grads(self, dAx, dAh, **extra):
        """Weight gradients as one product over all N·T rows; returns dx (N, T, D) (None if not input_grad)."""
        p = self.params
        T, n, _ = dAx.shape
        Ax, Ah = dAx.reshape(T * n, -1), dAh.reshape(T * n, -1)
        hs = self.Hs[:-1].reshape(T * n, -1)
        self.grads = {"Wx": self.xt.reshape(T * n, -1).T @ Ax, "Wh": hs.T @ Ah, "b": Ax.sum(axis=0), **extra}
        if not self.input_grad:
            return None
        return (Ax @ p["Wx"].T).reshape(T, n, -1).transpose(1, 0, 2)

    def _out(self):
        self.h = self.Hs[-1]
        return self.Hs[1:].transpose(1, 0, 2)


class RNN(_Recurrent):
    """tanh RNN over x (N, T, D): forward(x, h0=None) → hs (N, T, H); backward(dhs) → dx, with dh0 kept."""

    def forward(self, x, h0=None, train=True):
        A, self.Hs = self._start(x, h0)
        Wh, tmp = self.params["Wh"], np.empty_like(A[0])
        for t in range(len(A)):
            A[t] += np.matmul(self.Hs[t], Wh, out=tmp)
            np.tanh(A[t], out=self.Hs[t + 1])
        return self._out()

    def backward(self, dhs):
        Hs, WhT = self.Hs, np.ascontiguousarray(self.params["Wh"].T)  # a contiguous copy multiplies faster
        T = len(Hs) - 1
        dA, dh = np.empty((T, *Hs[0].shape), Hs.dtype), 0
        for t in reversed(range(T)):
            rnn_step_back(dhs[:, t] + dh, Hs[t + 1], dA[t])
            dh = 0 if self._cut(t, T) else dA[t] @ WhT
        self.dh0 = dh + np.zeros_like(Hs[0])
        return self._grads(dA, dA)


class LSTM(_Recurrent):
    """LSTM over x (N, T, D): forward(x, h0=None, c0=None) → hs (N, T, H), the last cell state in .c;
    backward(dhs) → dx, with dh0 and dc0 kept."""

    def forward(self, x, h0=None, c0=None, train=True):
        A, self.Hs = self._start(x, h0)
        self.Cs = np.empty_like(self.Hs)
        self.Cs[0] = self._initial(c0, self.c)
        self.TC = np.empty_like(self.Hs[1:])
        Wh, tmp = self.params["Wh"], np.empty_like(A[0])
        for t in range(len(A)):
            A[t] += np.matmul(self.Hs[t], Wh, out=tmp)
            lstm_step(A[t], self.Cs[t], self.Cs[t + 1], self.TC[t], self.Hs[t + 1])
        self.G, self.c = A, self.Cs[-1]
        return self._out()

    def backward(self, dhs):
        Hs, Cs, G, WhT = self.Hs, self.Cs, self.G, np.ascontiguousarray(self.params["Wh"].T)
        T = len(G)
        dA, dh, dc = np.empty_like(G), 0, 0
        for t in reversed(range(T)):
            dc = lstm_step_back(dhs[:, t] + dh, dc, G[t], Cs[t], self.TC[t], dA[t])
            dh, dc = (0, 0) if self._cut(t, T) else (dA[t] @ WhT, dc)
        self.dh0, self.dc0 = dh + np.zeros_like(Hs[0]), dc + np.zeros_like(Cs[0])
        return self._grads(dA, dA)


class GRU(_Recurrent):
    """GRU over x (N, T, D), torch's equations: forward(x, h0=None) → hs (N, T, H); backward(dhs) → dx.
    Parameters Wx, Wh, b and bhn (the n gate's hidden bias, which the reset gate multiplies)."""

    def __init__(self, Wx, Wh, b, bhn, stateful=False, truncate=None):
        super().__init__(Wx, Wh, b, stateful, truncate)
        self.params["bhn"] = bhn

    def forward(self, x, h0=None, train=True):
        A, self.Hs = self._start(x, h0)
        Wh, bhn, tmp = self.params["Wh"], self.params["bhn"], np.empty_like(A[0])
        H = Wh.shape[0]
        self.ahn = np.empty_like(self.Hs[1:])
        for t in range(len(A)):
            np.matmul(self.Hs[t], Wh, out=tmp)
            tmp[:, 2 * H:] += bhn
            gru_step(A[t], tmp, self.Hs[t], self.ahn[t], self.Hs[t + 1])
        self.G = A
        return self._out()

    def backward(self, dhs):
        Hs, G, WhT = self.Hs, self.G, np.ascontiguousarray(self.params["Wh"].T)
        T, H = len(G), WhT.shape[1]
        dAx, dAh, dh = np.empty_like(G), np.empty_like(G), 0
        for t in reversed(range(T)):
            skip = gru_step_back(dhs[:, t] + dh, G[t], self.ahn[t], Hs[t], dAx[t], dAh[t])
            dh = 0 if self._cut(t, T) else skip + dAh[t] @ WhT
        self.dh0 = dh + np.zeros_like(Hs[0])
        return self._grads(dAx, dAh, bhn=dAh[..., 2 * H:].sum(axis=(0, 1)))
