"""Faster kernels for the convolution and max pooling layers, equal to the readable ones in `layers.py`.

`layers.Convolution` and `layers.Pooling` call these when their `fast_path` is on (the default); with it off
they run their reference code, and tests/test_engine_fast.py checks that both give the same outputs and
gradients. What makes these faster, on the workshop's CNN (conv 5×5 – ReLU – max pool 2×2):

- The bias rides in the matrix product: the columns carry a row of ones and W a column of b, so no separate
  pass over the output adds it, and the weight gradient's product yields b's gradient as its last column.
- Max pooling over 2×2 windows side by side in two halving steps, left/right pairs then upper/lower pairs,
  each a maximum of two strided views, remembering as a boolean which side won; the backward routes the
  gradient with those, one multiply and one subtract per step.
- Convolution – ReLU – max pooling, the workshop CNN's first three layers, run as one step and a ReLU
  (conv_pool_*, ConvolutionPooled; network.running_order chooses it): the pooling moves before the ReLU, and
  the convolution's columns come ordered by the pixel's place in its window. One CNN training step on 100
  images, one core, fastest of 40 alternating runs: 16.3 ms with three layers, 11.2 ms as one step and a
  ReLU. Passes over memory, not arithmetic, were the cost: ReLU and pooling read or wrote the 100×30×24×24
  numbers of the convolution's output five times.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv_output_size(n, k, stride, pad):
    return (n + 2 * pad - k) // stride + 1


def conv_forward(x, W, b, stride=1, pad=0):
    """The convolution of x (N, C, H, W) by W (FN, C, FH, FW) plus b: returns (out (N, FN, OH, OW), columns),
    the columns (N, C·FH·FW + 1, OH·OW) kept for the backward."""
    fn, c, fh, fw = W.shape
    n, _, h, w = x.shape
    oh, ow = conv_output_size(h, fh, stride, pad), conv_output_size(w, fw, stride, pad)
    if pad:
        x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    k = c * fh * fw
    windows = sliding_window_view(x, (fh, fw), axis=(2, 3))[:, :, ::stride, ::stride]  # N C OH OW FH FW
    columns = np.empty((n, k + 1, oh * ow), x.dtype)
    np.copyto(columns[:, :k].reshape(n, c, fh, fw, oh, ow), windows.transpose(0, 1, 4, 5, 2, 3))
    columns[:, k] = 1  # the bias's input
    kernel = np.concatenate([W.reshape(fn, k), b.reshape(fn, 1)], axis=1)
    return np.matmul(kernel, columns).reshape(n, fn, oh, ow), columns


def conv_backward(dout, W, columns, x_shape, stride=1, pad=0, input_grad=True):
    """Gradients (dW, db, dx) of conv_forward; dx is None without `input_grad`."""
    fn, c, fh, fw = W.shape
    n, _, oh, ow = dout.shape
    k = c * fh * fw
    d = dout.reshape(n, fn, oh * ow)
    dkernel = np.matmul(d, columns.transpose(0, 2, 1)).sum(axis=0)  # the last column is Σ dout: b's gradient
    dW, db = dkernel[:, :k].reshape(W.shape), dkernel[:, k].copy()
    if not input_grad:
        return dW, db, None
    _, _, h, w = x_shape
    parts = np.matmul(W.reshape(fn, k).T, d).reshape(n, c, fh, fw, oh, ow)
    dx = np.zeros((n, c, h + 2 * pad + stride - 1, w + 2 * pad + stride - 1), dout.dtype)
    for i in range(fh):  # col2im: each kernel offset's share added back where it sat, all windows at once
        for j in range(fw):
            dx[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride] += parts[:, :, i, j]
    return dW, db, dx[:, :, pad:pad + h, pad:pad + w]


def pool_2x2_applies(pool_h, pool_w, stride, pad, mode):
    return mode == "max" and pool_h == pool_w == stride == 2 and not pad


def max_pool_2x2_forward(x):
    """Max over 2×2 windows side by side (stride 2, no padding; an odd last row or column is left out, as in
    the reference): returns (out, routes) where routes tell backward which pixel of each window won."""
    n, c, h, w = x.shape
    x = x[:, :, :h - h % 2, :w - w % 2]
    left, right = x[..., 0::2], x[..., 1::2]
    from_left = left >= right  # a tie goes to the first of the window's pixels, as the reference decides
    columns = np.maximum(left, right)  # N C H OW
    upper, lower = columns[:, :, 0::2], columns[:, :, 1::2]
    from_upper = upper >= lower
    out = np.empty((n, c, h // 2, w // 2), x.dtype)  # contiguous, so the next Affine's reshape copies nothing
    np.maximum(upper, lower, out=out)
    return out, (from_left, from_upper, (n, c, h, w))


def max_pool_2x2_backward(dout, routes):
    """Each window's gradient to the pixel that won: first to the winning row, then within it to the winning
    column. g·mask and g − g·mask split g exactly (one of the two is 0)."""
    from_left, from_upper, x_shape = routes
    rows = np.empty_like(from_left, dtype=dout.dtype)  # N C H OW, in the input's memory order
    np.multiply(dout, from_upper, out=rows[:, :, 0::2])
    np.subtract(dout, rows[:, :, 0::2], out=rows[:, :, 1::2])
    n, c, h, w = x_shape
    dx = np.empty_like(from_left, dtype=dout.dtype, shape=(n, c, h, w))  # the same memory order again
    if h % 2 or w % 2:
        dx[...] = 0  # the last row or column, in no window, gets no gradient
    covered = dx[:, :, :h - h % 2, :w - w % 2]
    np.multiply(rows, from_left, out=covered[..., 0::2])
    np.subtract(rows, covered[..., 0::2], out=covered[..., 1::2])
    return dx


# --- a convolution whose ReLU is followed by 2×2 max pooling --------------------------------------------------
# Max pooling commutes with ReLU (ReLU never reorders two numbers: the largest stays the largest, and where it
# is ≤ 0 both orders give 0 with a zero gradient), so the network may pool the convolution's output first and
# apply ReLU to the pooled quarter. Pooling right after the convolution is cheap when the convolution's columns
# are ordered by the pixel's place in its window: each place is one large matrix product, and the maximum of a
# window is three passes over contiguous memory instead of strided views.

WINDOW_PLACES = ((0, 0), (0, 1), (1, 0), (1, 1))  # a 2×2 window's pixels, in the order a tie is decided


def conv_pool_forward(x, W, b, stride=1, pad=0):
    """Convolution (as conv_forward) then max pooling over 2×2 windows side by side (as
    max_pool_2x2_forward): returns (out (N, FN, OH/2, OW/2), state for conv_pool_backward)."""
    fn, c, fh, fw = W.shape
    n, _, h, w = x.shape
    ph = conv_output_size(h, fh, stride, pad) // 2
    pw = conv_output_size(w, fw, stride, pad) // 2
    if pad:
        x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    k = c * fh * fw
    windows = sliding_window_view(x, (fh, fw), axis=(2, 3))[:, :, ::stride, ::stride]  # N C OH OW FH FW
    columns = np.empty((4, k + 1, n * ph * pw), x.dtype)  # per window place: a column per pooled pixel
    for place, (i, j) in enumerate(WINDOW_PLACES):
        np.copyto(columns[place, :k].reshape(c, fh, fw, n, ph, pw),
                  windows[:, :, i:2 * ph:2, j:2 * pw:2].transpose(1, 4, 5, 0, 2, 3))
    columns[:, k] = 1  # the bias's input
    kernel = np.concatenate([W.reshape(fn, k), b.reshape(fn, 1)], axis=1)
    y = np.matmul(kernel, columns)  # 4 FN N·PH·PW: the convolution at each place of every window
    upper, lower = np.maximum(y[0], y[1]), np.maximum(y[2], y[3])
    routes = (y[0] >= y[1], y[2] >= y[3], upper >= lower)  # left won in the upper row, in the lower, upper won
    np.maximum(upper, lower, out=upper)
    out = np.ascontiguousarray(upper.reshape(fn, n, ph, pw).transpose(1, 0, 2, 3))
    return out, (columns, routes, x.shape)


def conv_pool_backward(dout, W, state, stride=1, pad=0, input_grad=True):
    """Gradients (dW, db, dx) of conv_pool_forward; dx is None without `input_grad`."""
    columns, (upper_left, lower_left, upper_won), padded_shape = state
    fn, c, fh, fw = W.shape
    n, _, ph, pw = dout.shape
    k = c * fh * fw
    g = np.ascontiguousarray(dout.transpose(1, 0, 2, 3)).reshape(fn, n * ph * pw)
    d = np.empty((4, fn, n * ph * pw), dout.dtype)  # each window's gradient, at the place that won
    upper = g * upper_won
    lower = g - upper  # g·mask and g − g·mask split g exactly (one of the two is 0)
    np.multiply(upper, upper_left, out=d[0])
    np.subtract(upper, d[0], out=d[1])
    np.multiply(lower, lower_left, out=d[2])
    np.subtract(lower, d[2], out=d[3])
    dkernel = np.matmul(d, columns.transpose(0, 2, 1)).sum(axis=0)  # the last column is b's gradient
    dW, db = dkernel[:, :k].reshape(W.shape), dkernel[:, k].copy()
    if not input_grad:
        return dW, db, None
    parts = np.matmul(W.reshape(fn, k).T, d).reshape(4, c, fh, fw, n, ph, pw)
    dx = np.zeros(padded_shape, dout.dtype)
    step = 2 * stride  # neighbouring windows start two output pixels apart
    for place, (i, j) in enumerate(WINDOW_PLACES):
        for a in range(fh):
            for e in range(fw):
                top, left = i * stride + a, j * stride + e
                dx[:, :, top:top + step * ph:step, left:left + step * pw:step] += \
                    parts[place, :, a, e].transpose(1, 0, 2, 3)
    h, w = padded_shape[2] - 2 * pad, padded_shape[3] - 2 * pad
    return dW, db, dx[:, :, pad:pad + h, pad:pad + w]


class ConvolutionPooled:
    """A network's step for a Convolution layer and the 2×2 max Pooling layer after its ReLU: it runs both
    (conv_pool_*; the pooling has no parameters to read), leaving the convolution's gradients in the
    Convolution layer, as its own backward would."""

    def __init__(self, convolution):
        self.convolution = convolution

    def forward(self, x, train=True):
        conv = self.convolution
        out, self.state = conv_pool_forward(x, conv.params["W"], conv.params["b"], conv.stride, conv.pad)
        return out

    def backward(self, dout):
        conv = self.convolution
        dW, db, dx = conv_pool_backward(dout, conv.params["W"], self.state, conv.stride, conv.pad, conv.input_grad)
        conv.grads = {"W": dW, "b": db}
        return dx
