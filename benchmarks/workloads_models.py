"""Workloads W8-W12 of issue 17: the neural-network pieces numpy users differentiate.

The conventions are those of ``workloads.py``: ``forward`` as a numpy user writes it, an
expert's ``hand`` gradient as the reference (forward intermediates reused, nothing the gradient
does not need, in place where plain, float64), ``peer(xp)`` for autograd, PyTorch and JAX.

* W8 / W9, softmax cross-entropy of a linear classifier (max-shifted log-softmax, mean negative
  log-likelihood picked out by integer labels), on a mini-batch of 32 rows and on 2000. By hand
  the gradient is ``softmax - onehot``; the compiler has to find it through the max-shift, the
  log-sum-exp and a fancy-indexed pick. The small batch shows per-call overhead, the large one
  the arithmetic.
* W10, layer normalization followed by a linear layer, differentiated in the input as well as
  in the four parameters: the layer-norm backward (``rstd (dxhat - mean(dxhat) - xhat
  mean(dxhat xhat))``) is a classic that people get wrong by hand.
* W11, single-head attention, gradient with respect to the three projections: two
  softmax-weighted products; the expert's backward takes the softmax's row sums as those of
  ``dO * O``, (T, d) instead of (T, T), as fused attention kernels do.
* W12, a three-layer perceptron written as a loop over a tuple of ``(W, b)`` pairs built inside
  the function. ``wrt`` takes numeric arguments only (a list of arrays is refused with a
  TypeError, as docs/index.md documents), so the six arrays are separate parameters.

The peers use ``xp.amax`` where numpy's user writes ``np.max`` (``torch.max`` with an axis returns
values and indices); the functions are otherwise the same text.
"""
from __future__ import annotations

import math

import numpy as np

from benchmarks.workload import Workload

# -- W8 / W9: softmax cross-entropy of a linear classifier -------------------------------------

def softmax_xent(W, b, X, labels):
    z = X @ W + b
    z = z - np.max(z, axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.mean(logp[np.arange(len(labels)), labels])


def softmax_xent_grad(W, b, X, labels):
    n = len(labels)
    p = X @ W
    p += b
    p -= p.max(axis=1, keepdims=True)
    np.exp(p, out=p)
    p /= p.sum(axis=1, keepdims=True)  # softmax
    p[np.arange(n), labels] -= 1.0  # d loss / d logits, times n
    dW = X.T @ p
    dW *= 1.0 / n  # scale the (d, classes) and (classes,) results, not the (n, classes) one
    db = p.sum(axis=0)
    db *= 1.0 / n
    return dW, db


def softmax_xent_peer(xp):
    def softmax_xent(W, b, X, labels):
        z = X @ W + b
        z = z - xp.amax(z, axis=1, keepdims=True)
        logp = z - xp.log(xp.sum(xp.exp(z), axis=1, keepdims=True))
        return -xp.mean(logp[xp.arange(len(labels)), labels])
    return softmax_xent


def softmax_xent_inputs(n, d=64, classes=10):
    def make(rng):
        return {
            "W": 0.1 * rng.standard_normal((d, classes)),
            "b": 0.1 * rng.standard_normal(classes),
            "X": rng.standard_normal((n, d)),
            "labels": rng.integers(0, classes, n),
        }
    return make


# -- W10: layer normalization, then a linear layer ---------------------------------------------

def layer_norm_linear(X, gamma, beta, W, b, Y):
    xc = X - np.mean(X, axis=1, keepdims=True)
    xhat = xc / np.sqrt(np.mean(xc ** 2, axis=1, keepdims=True) + 1e-5)
    out = (xhat * gamma + beta) @ W + b
    return np.mean((out - Y) ** 2)


def layer_norm_linear_grad(X, gamma, beta, W, b, Y):
    xhat = X - X.mean(axis=1, keepdims=True)
    rstd = np.mean(xhat * xhat, axis=1, keepdims=True)
    rstd += 1e-5
    np.sqrt(rstd, out=rstd)
    np.divide(1.0, rstd, out=rstd)  # 1 / sqrt(var + eps), one per row
    xhat *= rstd
    h = xhat * gamma
    h += beta
    r = h @ W
    r += b
    r -= Y
    r *= 2.0 / r.size  # d loss / d out
    dW = h.T @ r
    db = r.sum(axis=0)
    dh = r @ W.T
    t = dh * xhat
    dgamma = t.sum(axis=0)
    dbeta = dh.sum(axis=0)
    dh *= gamma  # d loss / d xhat
    t *= gamma  # ... times xhat
    # dX = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat)), the means taken along each row
    m2 = t.mean(axis=1, keepdims=True)
    dh -= dh.mean(axis=1, keepdims=True)
    np.multiply(xhat, m2, out=t)
    dh -= t
    dh *= rstd
    return dh, dgamma, dbeta, dW, db


def layer_norm_linear_peer(xp):
    def layer_norm_linear(X, gamma, beta, W, b, Y):
        xc = X - xp.mean(X, axis=1, keepdims=True)
        xhat = xc / xp.sqrt(xp.mean(xc ** 2, axis=1, keepdims=True) + 1e-5)
        out = (xhat * gamma + beta) @ W + b
        return xp.mean((out - Y) ** 2)
    return layer_norm_linear


def layer_norm_linear_inputs(rng):
    n, d, m = 128, 256, 128
    return {
        "X": 2.0 + 3.0 * rng.standard_normal((n, d)),  # rows far from mean 0 and scale 1
        "gamma": 1.0 + 0.1 * rng.standard_normal(d),
        "beta": 0.1 * rng.standard_normal(d),
        "W": rng.standard_normal((d, m)) / math.sqrt(d),
        "b": 0.1 * rng.standard_normal(m),
        "Y": rng.standard_normal((n, m)),
    }


# -- W11: single-head attention ----------------------------------------------------------------

def attention(Wq, Wk, Wv, X, Y):
    Q, K, V = X @ Wq, X @ Wk, X @ Wv
    S = Q @ K.T / math.sqrt(Q.shape[1])
    S = S - np.max(S, axis=1, keepdims=True)
    P = np.exp(S)
    P = P / np.sum(P, axis=1, keepdims=True)
    return np.sum((P @ V - Y) ** 2)


def attention_grad(Wq, Wk, Wv, X, Y):
    Q, K, V = X @ Wq, X @ Wk, X @ Wv
    scale = 1.0 / math.sqrt(Q.shape[1])
    P = Q @ K.T
    P *= scale
    P -= P.max(axis=1, keepdims=True)
    np.exp(P, out=P)
    P /= P.sum(axis=1, keepdims=True)
    O = P @ V
    dO = O - Y
    dO *= 2.0
    dV = P.T @ dO
    dS = dO @ V.T  # d loss / d P
    # softmax backward: dS = P (dP - rowsum(dP P)); rowsum(dP P) = rowsum(dO O), (T, d) not (T, T)
    O *= dO
    dS -= O.sum(axis=1, keepdims=True)
    dS *= P
    dS *= scale
    return X.T @ (dS @ K), X.T @ (dS.T @ Q), X.T @ dV


def attention_peer(xp):
    def attention(Wq, Wk, Wv, X, Y):
        Q, K, V = X @ Wq, X @ Wk, X @ Wv
        S = Q @ K.T / math.sqrt(Q.shape[1])
        S = S - xp.amax(S, axis=1, keepdims=True)
        P = xp.exp(S)
        P = P / xp.sum(P, axis=1, keepdims=True)
        return xp.sum((P @ V - Y) ** 2)
    return attention


def attention_inputs(rng):
    T, d, dk = 128, 64, 64
    return {
        "Wq": rng.standard_normal((d, dk)) / math.sqrt(d),
        "Wk": rng.standard_normal((d, dk)) / math.sqrt(d),
        "Wv": rng.standard_normal((d, dk)) / math.sqrt(d),
        "X": rng.standard_normal((T, d)),
        "Y": rng.standard_normal((T, dk)),
    }


# -- W12: an MLP as a loop over its layers -----------------------------------------------------

def mlp_layers(W1, b1, W2, b2, W3, b3, X, Y):
    h = X
    for W, b in ((W1, b1), (W2, b2), (W3, b3)):
        h = np.tanh(h @ W + b)
    return np.sum((h - Y) ** 2)


def mlp_layers_grad(W1, b1, W2, b2, W3, b3, X, Y):
    Ws = (W1, W2, W3)
    hs = [X]
    for W, b in zip(Ws, (b1, b2, b3)):
        h = hs[-1] @ W
        h += b
        np.tanh(h, out=h)
        hs.append(h)
    g = hs[3] - Y
    g *= 2.0  # d loss / d h3
    grads = []
    for i in (3, 2, 1):
        h = hs[i]  # its last reader, the previous (upper) layer's dW, is done
        np.multiply(h, h, out=h)
        np.subtract(1.0, h, out=h)
        g *= h  # d loss / d (h_{i-1} @ W_i + b_i)
        grads += [g.sum(axis=0), hs[i - 1].T @ g]
        if i > 1:
            g = g @ Ws[i - 1].T
    return tuple(reversed(grads))


def mlp_layers_peer(xp):
    def mlp_layers(W1, b1, W2, b2, W3, b3, X, Y):
        h = X
        for W, b in ((W1, b1), (W2, b2), (W3, b3)):
            h = xp.tanh(h @ W + b)
        return xp.sum((h - Y) ** 2)
    return mlp_layers


def mlp_layers_inputs(rng):
    n, sizes = 128, (32, 64, 64, 10)
    inputs = {}
    for i in (1, 2, 3):
        m, k = sizes[i - 1], sizes[i]
        inputs[f"W{i}"] = rng.standard_normal((m, k)) / math.sqrt(m)
        inputs[f"b{i}"] = 0.1 * rng.standard_normal(k)
    inputs["X"] = rng.standard_normal((n, sizes[0]))
    inputs["Y"] = 0.5 * rng.standard_normal((n, sizes[-1]))
    return inputs


WORKLOADS: list[Workload] = [
    Workload("W8", "softmax cross-entropy, X 32x64, 10 classes", softmax_xent,
             softmax_xent_grad, ("W", "b"), softmax_xent_inputs(32), peer=softmax_xent_peer),
    Workload("W9", "softmax cross-entropy, X 2000x64, 10 classes", softmax_xent,
             softmax_xent_grad, ("W", "b"), softmax_xent_inputs(2000), peer=softmax_xent_peer),
    Workload("W10", "layer norm + linear, X 128x256, W 256x128", layer_norm_linear,
             layer_norm_linear_grad, ("X", "gamma", "beta", "W", "b"), layer_norm_linear_inputs,
             peer=layer_norm_linear_peer),
    Workload("W11", "single-head attention, X 128x64, Wq/Wk/Wv 64x64", attention,
             attention_grad, ("Wq", "Wk", "Wv"), attention_inputs, peer=attention_peer),
    Workload("W12", "MLP as a loop over 3 layers, X 128x32, 32-64-64-10", mlp_layers,
             mlp_layers_grad, ("W1", "b1", "W2", "b2", "W3", "b3"), mlp_layers_inputs,
             peer=mlp_layers_peer),
]
