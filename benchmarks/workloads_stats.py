"""Workloads W13-W15 of issue 17: statistical losses, as fitted with numpy.

The conventions are those of ``workloads.py`` (``forward``, an expert's ``hand`` gradient as the
reference, ``peer(xp)`` for autograd, PyTorch and JAX). Each is a whole negative
log-likelihood or robust loss of the kind written in small research code:

* W13, the negative log-likelihood of a one-dimensional Gaussian mixture in its means,
  log-scales and mixture logits: a log-softmax of the logits and a log-sum-exp over the
  components; by hand the backward is the responsibilities.
* W14, logistic regression with an elastic-net penalty, in the stable spelling
  ``np.logaddexp(0.0, z) - y * z``, and an intercept that is a Python float.
* W15, Huber regression, the loss chosen element by element with ``np.where``; by hand its
  derivative is ``np.clip(r, -delta, delta)``.

The peers use ``xp.amax`` for ``np.max`` (``torch.max`` with an axis returns values and indices)
and ``xp.zeros_like(z)`` for the ``0.0`` of ``logaddexp`` (``torch.logaddexp`` takes tensors only);
the functions are otherwise the same text.
"""
from __future__ import annotations

import math

import numpy as np

from benchmarks.workload import Workload

# -- W13: Gaussian-mixture negative log-likelihood ---------------------------------------------

def gmm_nll(mu, log_sigma, logits, x):
    log_w = logits - np.max(logits)
    log_w = log_w - np.log(np.sum(np.exp(log_w)))
    z = (x[:, None] - mu) * np.exp(-log_sigma)
    lp = log_w - log_sigma - 0.5 * z ** 2
    m = np.max(lp, axis=1, keepdims=True)
    ll = m[:, 0] + np.log(np.sum(np.exp(lp - m), axis=1))
    return 0.5 * math.log(2 * math.pi) - np.mean(ll)


def gmm_nll_grad(mu, log_sigma, logits, x):
    n = len(x)
    w = np.exp(logits - logits.max())
    w /= w.sum()  # mixture weights
    inv_sigma = np.exp(-log_sigma)
    z = x[:, None] - mu
    z *= inv_sigma
    r = z * z
    r *= -0.5
    r += np.log(w) - log_sigma
    r -= r.max(axis=1, keepdims=True)
    np.exp(r, out=r)
    r /= r.sum(axis=1, keepdims=True)  # responsibilities; d loss / d lp = -r / n
    nk = r.sum(axis=0)
    r *= z
    dmu = r.sum(axis=0)
    dmu *= inv_sigma * (-1.0 / n)  # d lp / d mu = z / sigma
    r *= z
    dlog_sigma = nk - r.sum(axis=0)  # d lp / d log_sigma = z**2 - 1
    dlog_sigma *= 1.0 / n
    dlogits = w - nk / n  # the nk add up to n
    return dmu, dlog_sigma, dlogits


def gmm_nll_peer(xp):
    def gmm_nll(mu, log_sigma, logits, x):
        log_w = logits - xp.amax(logits)
        log_w = log_w - xp.log(xp.sum(xp.exp(log_w)))
        z = (x[:, None] - mu) * xp.exp(-log_sigma)
        lp = log_w - log_sigma - 0.5 * z ** 2
        m = xp.amax(lp, axis=1, keepdims=True)
        ll = m[:, 0] + xp.log(xp.sum(xp.exp(lp - m), axis=1))
        return 0.5 * math.log(2 * math.pi) - xp.mean(ll)
    return gmm_nll


def gmm_inputs(rng):
    k, n = 8, 2000
    centers = rng.uniform(-6.0, 6.0, k)
    x = centers[rng.integers(0, k, n)] + rng.standard_normal(n)
    return {
        "mu": centers + 0.5 * rng.standard_normal(k),
        "log_sigma": 0.3 * rng.standard_normal(k),
        "logits": 0.5 * rng.standard_normal(k),
        "x": x,
    }


# -- W14: logistic regression with an elastic-net penalty --------------------------------------

def logistic_enet(w, b, X, y):
    z = X @ w + b
    penalty = 0.01 * (0.5 * np.sum(np.abs(w)) + 0.25 * np.sum(w ** 2))
    return np.mean(np.logaddexp(0.0, z) - y * z) + penalty


def logistic_enet_grad(w, b, X, y):
    s = X @ w
    s += b
    np.negative(s, out=s)
    np.exp(s, out=s)  # inf where z < -709, and then the sigmoid below is 0, as it should be
    s += 1.0
    np.divide(1.0, s, out=s)  # sigmoid(z)
    s -= y  # d loss / d z, times n
    dw = s @ X
    dw *= 1.0 / len(y)
    dw += 0.005 * np.sign(w)
    dw += 0.005 * w
    return dw, s.sum() / len(y)


def logistic_enet_peer(xp):
    def logistic_enet(w, b, X, y):
        z = X @ w + b
        penalty = 0.01 * (0.5 * xp.sum(xp.abs(w)) + 0.25 * xp.sum(w ** 2))
        return xp.mean(xp.logaddexp(xp.zeros_like(z), z) - y * z) + penalty
    return logistic_enet


def logistic_enet_inputs(rng):
    n, d = 2000, 50
    X = rng.standard_normal((n, d))
    w_true = rng.standard_normal(d) / math.sqrt(d)
    y = (X @ w_true + 0.5 * rng.standard_normal(n) > 0).astype(np.float64)
    return {"w": 0.2 * rng.standard_normal(d), "b": 0.1, "X": X, "y": y}


# -- W15: Huber regression ---------------------------------------------------------------------

def huber(w, X, y, delta):
    r = X @ w - y
    a = np.abs(r)
    return np.mean(np.where(a <= delta, 0.5 * r ** 2, delta * (a - 0.5 * delta)))


def huber_grad(w, X, y, delta):
    r = X @ w
    r -= y
    np.clip(r, -delta, delta, out=r)  # d loss / d r, times n
    dw = r @ X
    dw *= 1.0 / len(y)
    return dw


def huber_peer(xp):
    def huber(w, X, y, delta):
        r = X @ w - y
        a = xp.abs(r)
        return xp.mean(xp.where(a <= delta, 0.5 * r ** 2, delta * (a - 0.5 * delta)))
    return huber


def huber_inputs(rng):
    n, d = 2000, 20
    X = rng.standard_normal((n, d))
    w_true = rng.standard_normal(d) / math.sqrt(d)
    y = X @ w_true + 0.5 * rng.standard_t(2.0, n)  # heavy tails: both branches are taken
    return {"w": 0.1 * rng.standard_normal(d), "X": X, "y": y, "delta": 1.0}


WORKLOADS: list[Workload] = [
    Workload("W13", "Gaussian mixture NLL, 2000 points, 8 components", gmm_nll, gmm_nll_grad,
             ("mu", "log_sigma", "logits"), gmm_inputs, peer=gmm_nll_peer),
    Workload("W14", "logistic regression + elastic net, `np.logaddexp`, X 2000x50",
             logistic_enet, logistic_enet_grad, ("w", "b"), logistic_enet_inputs,
             peer=logistic_enet_peer),
    Workload("W15", "Huber regression, `np.where`, X 2000x20", huber, huber_grad, ("w",),
             huber_inputs, peer=huber_peer),
]
