"""Layers with a forward and a backward pass (順伝播・逆伝播), in the shape ゼロから作るDeep Learning uses.

Every layer keeps what its backward needs from its forward. Learnable arrays live in `params` and their
gradients, after `backward`, in `grads` under the same names; a network (and an optimizer) updates the arrays
in `params` in place, so a layer never rebinds them. Layers keep the dtype they are given: float64 for hand
exercises, float32 for training.

The code here is the reference: it says what each layer computes. Convolution and Pooling train with the
faster kernels of `fast.py` when their `fast_path` is on (the default), which tests prove equal to this code.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import fast
from . import functions as F


class Layer:
    params: dict
    grads: dict

    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, x, train=True):  # pragma: no cover - every layer overrides it
        raise NotImplementedError

    def backward(self, dout):  # pragma: no cover
        raise NotImplementedError


# --- activations ------------------------------------------------------------------------------------------------

class Identity(Layer):
    def forward(self, x, train=True):
        return x

    def backward(self, dout):
        return dout


class Sigmoid(Layer):
    def forward(self, x, train=True):
        self.y = F.sigmoid(x).astype(x.dtype, copy=False)
        return self.y

    def backward(self, dout):
        return dout * F.sigmoid_grad_from_output(self.y)  # σ'(u) = y(1 − y), from the output kept


class Tanh(Layer):
    def forward(self, x, train=True):
        self.y = np.tanh(x)
        return self.y

    def backward(self, dout):
        return dout * F.tanh_grad_from_output(self.y)


class Relu(Layer):
    def forward(self, x, train=True):
        self.mask = x > 0
        return np.maximum(x, 0)  # one pass over x, and the result keeps x's memory order

    def backward(self, dout):
        return dout * self.mask  # the gradient at exactly 0 is taken as 0, as F.relu_grad says


class LeakyRelu(Layer):
    """y = x for x > 0, slope·x otherwise: a small gradient flows where ReLU's stops (GANs use slope 0.2)."""

    def __init__(self, slope=0.2):
        super().__init__()
        self.slope = slope

    def forward(self, x, train=True):
        self.scale = np.where(x > 0, x.dtype.type(1), x.dtype.type(self.slope))
        return x * self.scale

    def backward(self, dout):
        return dout * self.scale  # the gradient at exactly 0 is taken as the slope's


ACTIVATIONS = {"identity": Identity, "sigmoid": Sigmoid, "tanh": Tanh, "relu": Relu}


# --- affine, dropout, batch normalisation ---------------------------------------------------------------------

class Affine(Layer):
    """y = x @ W + b, with W shaped (inputs, outputs); images are flattened first."""

    def __init__(self, W, b):
        super().__init__()
        self.params = {"W": W, "b": b}
        self.input_grad = True  # a network's first layer needs no gradient for its images: skip it

    def forward(self, x, train=True):
        self.shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        return self.x @ self.params["W"] + self.params["b"]

    def backward(self, dout):
        self.grads = {"W": self.x.T @ dout, "b": dout.sum(axis=0)}
        if not self.input_grad:
            return None
        return (dout @ self.params["W"].T).reshape(self.shape)


class Dropout(Layer):
    """Drops each unit with probability `ratio` in training; scales by the kept fraction (inverted dropout),
    so evaluation needs no change."""

    def __init__(self, ratio=0.5, rng=None):
        super().__init__()
        self.ratio = ratio
        self.rng = rng if rng is not None else np.random.default_rng(0)

    def forward(self, x, train=True):
        if not train:
            return x
        keep = 1.0 - self.ratio
        self.mask = (self.rng.random(x.shape) < keep).astype(x.dtype) / x.dtype.type(keep)
        return x * self.mask

    def backward(self, dout):
        return dout * self.mask


class BatchNormalization(Layer):
    """Normalises each feature over the batch (over batch and positions for images), then scales by γ and
    shifts by β. Running averages of mean and variance stand in for the batch's at evaluation."""

    def __init__(self, gamma, beta, momentum=0.9, eps=1e-5):
        super().__init__()
        self.params = {"gamma": gamma, "beta": beta}
        self.momentum, self.eps = momentum, eps
        self.running_mean = np.zeros_like(gamma)
        self.running_var = np.ones_like(gamma)

    def _axes(self, x):
        return (0,) if x.ndim == 2 else (0, 2, 3)

    def _shape(self, x):
        return (1, -1) if x.ndim == 2 else (1, -1, 1, 1)

    def forward(self, x, train=True):
        axes, shape = self._axes(x), self._shape(x)
        if train:
            mean, var = x.mean(axis=axes), x.var(axis=axes)
            n = x.size // mean.size
            m = self.momentum
            self.running_mean = m * self.running_mean + (1 - m) * mean
            self.running_var = m * self.running_var + (1 - m) * var * (n / max(n - 1, 1))  # unbiased, as torch
        else:
            mean, var = self.running_mean, self.running_var
        self.std = np.sqrt(var + self.eps).reshape(shape)
        self.xhat = (x - mean.reshape(shape)) / self.std
        return self.params["gamma"].reshape(shape) * self.xhat + self.params["beta"].reshape(shape)

    def backward(self, dout):
        axes, shape = self._axes(dout), self._shape(dout)
        self.grads = {"gamma": (dout * self.xhat).sum(axis=axes), "beta": dout.sum(axis=axes)}
        dxhat = dout * self.params["gamma"].reshape(shape)
        # d/dx of (x − mean)/std over the batch: subtract the mean gradient and its projection on x̂
        return (dxhat - dxhat.mean(axis=axes, keepdims=True)
                - self.xhat * (dxhat * self.xhat).mean(axis=axes, keepdims=True)) / self.std


# --- losses ---------------------------------------------------------------------------------------------------

def _one_hot(t, n, dtype):
    t = np.asarray(t)
    if t.ndim == 2:
        return t.astype(dtype, copy=False)
    out = np.zeros((t.shape[0], n), dtype)
    out[np.arange(t.shape[0]), t] = 1
    return out


class SoftmaxWithLoss(Layer):
    """Softmax, then the cross-entropy with the natural log, averaged over the batch. Its backward is simply
    (y − t) / batch: the reason the two are one layer."""

    def forward(self, x, t, train=True):
        self.y = F.softmax(x)
        self.t = _one_hot(t, x.shape[1], x.dtype)
        # the log of the softmax taken directly (x − max − ln Σe), so a confident wrong answer stays finite
        log_y = x - x.max(axis=1, keepdims=True)
        log_y = log_y - np.log(np.exp(log_y).sum(axis=1, keepdims=True))
        return float(-(self.t * log_y).sum() / x.shape[0])

    def backward(self, dout=1):
        return (self.y - self.t) * (dout / self.y.shape[0])


class SquaredError(Layer):
    """E = ½ Σ (t − y)², summed over the outputs and averaged over the batch (the hand sheets' error)."""

    def forward(self, y, t, train=True):
        self.y, self.t = y, np.asarray(t, dtype=y.dtype).reshape(y.shape)
        return float(sum(F.squared_error(yi, ti) for yi, ti in zip(self.y, self.t)) / y.shape[0])

    def backward(self, dout=1):
        return (self.y - self.t) * (dout / self.y.shape[0])


class SigmoidWithLoss(Layer):
    """The sigmoid, then the binary cross-entropy, from the scores a (logits) and targets t in [0, 1], averaged
    over every score (one per sample for a discriminator: the batch mean). Written as max(a, 0) − a·t +
    ln(1 + e^(−|a|)), which equals −[t ln σ(a) + (1 − t) ln(1 − σ(a))] but never takes e of a large positive
    number nor ln 0. Its backward is (σ(a) − t) / N, as SoftmaxWithLoss's is (y − t) / N."""

    def forward(self, x, t, train=True):
        self.t = np.broadcast_to(np.asarray(t, dtype=x.dtype), x.shape)
        self.y = F.sigmoid(x).astype(x.dtype, copy=False)
        return float((np.maximum(x, 0) - x * self.t + np.log1p(np.exp(-np.abs(x)))).mean())

    def backward(self, dout=1):
        return (self.y - self.t) * (dout / self.y.size)


# --- convolution and pooling ----------------------------------------------------------------------------------

def output_size(n, k, stride, pad):
    return F.conv_output_size(n, k, pad, stride)


def im2col(x, fh, fw, stride=1, pad=0, fill=0.0):
    """Every window of x (N, C, H, W) as a row: (N·OH·OW, C·FH·FW), columns in (C, FH, FW) order so that a
    kernel W (FN, C, FH, FW) reshaped to (FN, C·FH·FW) multiplies it. Strided views, no loop over pixels."""
    if pad:
        x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), constant_values=fill)
    win = sliding_window_view(x, (fh, fw), axis=(2, 3))[:, :, ::stride, ::stride]  # N C OH OW FH FW
    n, c, oh, ow = win.shape[:4]
    return win.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, c * fh * fw)


def col2im(col, x_shape, fh, fw, stride=1, pad=0):
    """The adjoint of im2col: each window's row added back where the window sat (overlaps sum)."""
    n, c, h, w = x_shape
    oh, ow = output_size(h, fh, stride, pad), output_size(w, fw, stride, pad)
    return add_windows(col.reshape(n, oh, ow, c, fh, fw).transpose(0, 3, 4, 5, 1, 2), x_shape, stride, pad)


def window_columns(x, fh, fw, stride=1, pad=0):
    """im2col per image, transposed: (N, C·FH·FW, OH·OW). One matrix product per image, W (FN, C·FH·FW) @
    this, gives the convolution already in (N, FN, OH·OW) order, so no transposing copy follows; the copy
    made here reads rows of OW pixels in order (4× faster than im2col's row-per-window layout)."""
    if pad:
        x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    win = sliding_window_view(x, (fh, fw), axis=(2, 3))[:, :, ::stride, ::stride]  # N C OH OW FH FW
    n, c, oh, ow = win.shape[:4]
    return win.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * fh * fw, oh * ow)


def add_windows(parts, x_shape, stride=1, pad=0):
    """parts (N, C, FH, FW, OH, OW): what each kernel offset of each window contributes to the input
    gradient, added back where it sat; a loop over the kernel's offsets, not over pixels."""
    n, c, h, w = x_shape
    _, _, fh, fw, oh, ow = parts.shape
    out = np.zeros((n, c, h + 2 * pad + stride - 1, w + 2 * pad + stride - 1), parts.dtype)
    for i in range(fh):
        for j in range(fw):
            out[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride] += parts[:, :, i, j]
    return out[:, :, pad:pad + h, pad:pad + w]


class Convolution(Layer):
    """Cross-correlation, as every framework computes it (the kernel is not flipped): W (FN, C, FH, FW),
    x (N, C, H, W) → (N, FN, OH, OW) with OH = (H + 2P − FH) / S + 1."""

    def __init__(self, W, b, stride=1, pad=0, fast_path=True):
        super().__init__()
        self.params = {"W": W, "b": b}
        self.stride, self.pad = stride, pad
        self.input_grad = True  # a network's first layer needs no gradient for its images: skip it
        self.fast_path = fast_path

    def forward(self, x, train=True):
        if self.fast_path:
            self.x_shape = x.shape
            out, self.columns = fast.conv_forward(x, self.params["W"], self.params["b"], self.stride, self.pad)
            return out
        W = self.params["W"]
        fn, _, fh, fw = W.shape
        n, _, h, w = x.shape
        oh, ow = output_size(h, fh, self.stride, self.pad), output_size(w, fw, self.stride, self.pad)
        self.x_shape = x.shape
        self.cols = window_columns(x, fh, fw, self.stride, self.pad)
        out = np.matmul(W.reshape(fn, -1), self.cols)  # N FN OH·OW: contiguous NCHW, as the next layers like
        out += self.params["b"][:, None]
        return out.reshape(n, fn, oh, ow)

    def backward(self, dout):
        if self.fast_path:
            dW, db, dx = fast.conv_backward(dout, self.params["W"], self.columns, self.x_shape, self.stride,
                                            self.pad, self.input_grad)
            self.grads = {"W": dW, "b": db}
            return dx
        W = self.params["W"]
        fn, c, fh, fw = W.shape
        n, _, oh, ow = dout.shape
        d = dout.reshape(n, fn, oh * ow)
        self.grads = {"W": np.matmul(d, self.cols.transpose(0, 2, 1)).sum(axis=0).reshape(W.shape),
                      "b": d.sum(axis=(0, 2))}
        if not self.input_grad:
            return None
        parts = np.matmul(W.reshape(fn, -1).T, d)  # N C·FH·FW OH·OW
        return add_windows(parts.reshape(n, c, fh, fw, oh, ow), self.x_shape, self.stride, self.pad)


class Pooling(Layer):
    """Max or average over each pool_h × pool_w window (stride defaults to the window size).

    It loops over the window's offsets (4 for 2×2), each a strided view of the whole batch: no im2col copy,
    no loop over pixels."""

    def __init__(self, pool_h, pool_w, stride=None, pad=0, mode="max", fast_path=True):
        super().__init__()
        if mode not in ("max", "avg"):
            raise ValueError(f"pooling mode must be 'max' or 'avg', not {mode!r}")
        self.ph, self.pw, self.stride, self.pad, self.mode = pool_h, pool_w, stride or pool_h, pad, mode
        # fast.py has max pooling over 2×2 windows side by side, the workshop's CNN's; the rest runs below
        self.fast_path = fast_path and fast.pool_2x2_applies(pool_h, pool_w, self.stride, pad, mode)

    def _offsets(self, a, oh, ow):
        """(k, view): for each offset (i, j) in the window, the values it sees in every window."""
        s = self.stride
        for i in range(self.ph):
            for j in range(self.pw):
                yield i * self.pw + j, a[:, :, i:i + s * oh:s, j:j + s * ow:s]

    def forward(self, x, train=True):
        if self.fast_path:
            out, self.routes = fast.max_pool_2x2_forward(x)
            return out
        n, c, h, w = x.shape
        oh, ow = output_size(h, self.ph, self.stride, self.pad), output_size(w, self.pw, self.stride, self.pad)
        self.x_shape, self.out_shape = x.shape, (oh, ow)
        p = self.pad
        if p:  # padding never wins a max (torch pads −∞ too); the average counts it as 0
            x = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=-np.inf if self.mode == "max" else 0)
        if self.mode == "avg":
            return sum(view for _, view in self._offsets(x, oh, ow)) / x.dtype.type(self.ph * self.pw)
        self.x, out = x, None
        for _, view in self._offsets(x, oh, ow):
            out = view.copy() if out is None else np.maximum(out, view, out=out)
        self.out = out
        return out

    def backward(self, dout):
        if self.fast_path:
            return fast.max_pool_2x2_backward(dout, self.routes)
        n, c, h, w = self.x_shape
        p = self.pad
        oh, ow = self.out_shape
        # windows side by side (the usual 2×2, stride 2): each pixel is in one window at most, so each offset's
        # gradient is written, not added; when they also cover the whole image, nothing needs zeroing first
        tiled = self.stride == self.ph == self.pw and not p
        covered = tiled and h == oh * self.ph and w == ow * self.pw
        dx = (np.empty if covered and self.mode == "max" else np.zeros)((n, c, h + 2 * p, w + 2 * p), dout.dtype)
        if self.mode == "avg":
            share = dout / dout.dtype.type(self.ph * self.pw)
            for _, view in self._offsets(dx, *self.out_shape):
                view += share  # an average shares the gradient equally
            return dx[:, :, p:p + h, p:p + w]
        # the whole gradient goes to each window's maximum: the first offset holding it, as torch chooses
        taken, hit = np.zeros(self.out.shape, bool), np.empty(self.out.shape, bool)
        for (_, view), (_, seen) in zip(self._offsets(dx, oh, ow), self._offsets(self.x, oh, ow)):
            np.equal(seen, self.out, out=hit)
            np.greater(hit, taken, out=hit)  # a maximum not already taken by an earlier offset
            if tiled:
                np.multiply(dout, hit, out=view)
            else:
                view += dout * hit
            taken |= hit
        return dx[:, :, p:p + h, p:p + w]
