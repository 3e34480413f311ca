"""Rules of more neural-network primitives: activations and losses PyTorch reports as one node.

Kinks follow PyTorch: ``hardtanh`` passes the gradient strictly inside its bounds only,
``leaky_relu`` takes the slope at 0, ``softplus`` is the identity above its threshold. Losses
take PyTorch's ``reduction`` ('mean', 'sum', 'none'), as the losses of :mod:`.nn` do.
"""
from __future__ import annotations

import math

import numpy as np

from .nn import _reduce, dispatching, log_sigmoid, reduction_scale, sigmoid, weighted
from .table import defvjp

try:
    from scipy.special import erf  # a ufunc: Tensors dispatch it, and it has a rule
except ImportError:  # pragma: no cover - scipy is an optional extra
    erf = np.vectorize(math.erf, otypes=[float])  # values only: without scipy no second order

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_TANH_SCALE = math.sqrt(2 / math.pi)

# -- activations ----------------------------------------------------------------------------------

#: why a rule's number option has no gradient
_OPTION = "a number option (PyTorch takes no gradient for it either)"


@dispatching
def gelu(x, approximate="none"):
    """``x * Phi(x)`` (Phi the normal CDF), or its tanh approximation."""
    if approximate == "tanh":
        return 0.5 * x * (1 + np.tanh(_TANH_SCALE * (x + 0.044715 * x * x * x)))
    return 0.5 * x * (1 + erf(x * _SQRT_HALF))


def gelu_slope(x, approximate):
    """d gelu / dx: ``Phi(x) + x phi(x)`` (or the derivative of the tanh form)."""
    if approximate == "tanh":
        t = np.tanh(_TANH_SCALE * (x + 0.044715 * x * x * x))
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _TANH_SCALE * (1 + 3 * 0.044715 * x * x)
    return 0.5 * (1 + erf(x * _SQRT_HALF)) + x * np.exp(-0.5 * x * x) * _INV_SQRT_2PI


@defvjp(gelu, static={"approximate": "a mode"})
def gelu_rule(g, ans, x, approximate="none"):
    return g * gelu_slope(x, approximate)


@dispatching
def elu(x, alpha=1.0, scale=1.0, input_scale=1.0):
    """``scale * x`` where positive, ``scale * alpha * (exp(input_scale * x) - 1)`` elsewhere
    (``selu`` and ``celu`` are ``elu`` with these scales)."""
    return scale * np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0) * input_scale))


@defvjp(elu, static=dict.fromkeys(("alpha", "scale", "input_scale"), _OPTION))
def elu_rule(g, ans, x, alpha=1.0, scale=1.0, input_scale=1.0):
    return np.where(x > 0, g * scale,
                    g * (scale * alpha * input_scale) * np.exp(np.minimum(x, 0) * input_scale))


@dispatching
def leaky_relu(x, negative_slope=0.01):
    """``x`` where positive, ``negative_slope * x`` elsewhere."""
    return np.where(x > 0, x, x * negative_slope)


@defvjp(leaky_relu, notes="the slope at x == 0, as PyTorch",
        static={"negative_slope": _OPTION})
def leaky_relu_rule(g, ans, x, negative_slope=0.01):
    return np.where(x > 0, g, g * negative_slope)


@dispatching
def silu(x):
    """``x * sigmoid(x)`` (swish)."""
    return x * sigmoid(x)


@defvjp(silu)
def silu_rule(g, ans, x):
    s = sigmoid(x)
    return g * s * (1 + x * (1 - s))


@dispatching
def softplus(x, beta=1.0, threshold=20.0):
    """``log(1 + exp(beta x)) / beta``; ``x`` itself where ``beta x > threshold``."""
    scaled = x * beta
    return np.where(scaled > threshold, x, np.log1p(np.exp(np.minimum(scaled, threshold))) / beta)


@defvjp(softplus, notes="1 above the threshold",
        static=dict.fromkeys(("beta", "threshold"), _OPTION))
def softplus_rule(g, ans, x, beta=1.0, threshold=20.0):
    return np.where(x * beta > threshold, g, g * sigmoid(x * beta))


@dispatching
def logsigmoid(x):
    """``log(sigmoid(x))``, computed without overflow."""
    return log_sigmoid(x)


@defvjp(logsigmoid)
def logsigmoid_rule(g, ans, x):
    return g * sigmoid(-x)


@dispatching
def hardtanh(x, min_val=-1.0, max_val=1.0):
    """``x`` clipped to [min_val, max_val] (``relu6`` is hardtanh(0, 6))."""
    return np.clip(x, min_val, max_val)


@defvjp(hardtanh, notes="no gradient on the bounds themselves, as PyTorch",
        static=dict.fromkeys(("min_val", "max_val"), _OPTION))
def hardtanh_rule(g, ans, x, min_val=-1.0, max_val=1.0):
    return g * ((x > min_val) & (x < max_val))


# -- losses ---------------------------------------------------------------------------------------


def _clamped_log(x):
    """``log(x)`` no lower than -100 (PyTorch's binary cross-entropy keeps losses finite)."""
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(x), -100.0)


@dispatching
def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """``-(y log(p) + (1 - y) log(1 - p))`` for probabilities ``p``, times ``weight``, reduced."""
    loss = -(target * _clamped_log(input) + (1 - target) * _clamped_log(1 - input))
    return _reduce(weighted(loss, weight), reduction)


@defvjp(binary_cross_entropy, notes="d input = (p - y) / max(p (1 - p), 1e-12)",
        unsupported={"weight": "PyTorch gives no gradient for the weight either"})
def binary_cross_entropy_rule(g, ans, input, target, weight=None, reduction="mean"):
    scale = reduction_scale(np.shape(input), reduction)
    return (weighted(g * (input - target) / np.maximum((1 - input) * input, 1e-12), weight) * scale,
            weighted(g * (_clamped_log(1 - input) - _clamped_log(input)), weight) * scale)


@dispatching
def smooth_l1_loss(input, target, beta=1.0, reduction="mean"):
    """``0.5 d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (d = input - target)."""
    d = np.abs(input - target)
    if beta == 0:
        return _reduce(d, reduction)
    return _reduce(np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta), reduction)


def smooth_l1_slope(d, beta):
    return np.sign(d) if beta == 0 else np.where(np.abs(d) < beta, d / beta, np.sign(d))


@defvjp(smooth_l1_loss, broadcast=True, static={"beta": _OPTION})
def smooth_l1_loss_rule(g, ans, input, target, beta=1.0, reduction="mean"):
    scale = reduction_scale(np.broadcast_shapes(np.shape(input), np.shape(target)), reduction)
    slope = smooth_l1_slope(input - target, beta) * scale
    return g * slope, -g * slope


@dispatching
def huber_loss(input, target, delta=1.0, reduction="mean"):
    """``0.5 d**2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``."""
    d = np.abs(input - target)
    return _reduce(np.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta)), reduction)


@defvjp(huber_loss, broadcast=True, static={"delta": _OPTION})
def huber_loss_rule(g, ans, input, target, delta=1.0, reduction="mean"):
    scale = reduction_scale(np.broadcast_shapes(np.shape(input), np.shape(target)), reduction)
    slope = np.clip(input - target, -delta, delta) * scale
    return g * slope, -g * slope


# -- normalization ----------------------------------------------------------------------------


def standardized(x, axes, eps):
    """``(x - mean) / sqrt(var + eps)`` over ``axes`` (the biased variance, as PyTorch)."""
    mean = np.mean(x, axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(np.var(x, axis=axes, keepdims=True) + eps)


@dispatching
def normalized(x, weight, bias, axes, eps=1e-5):
    """Layer/batch normalization: ``standardized(x) * weight + bias`` (None: no affine part)."""
    out = standardized(x, axes, eps)
    if weight is not None:
        out = out * weight
    return out if bias is None else out + bias


def standardized_adjoint(g, x, axes, eps):
    """The adjoint of :func:`standardized`: ``(g - mean(g) - xhat mean(g xhat)) / std``."""
    inv_std = 1 / np.sqrt(np.var(x, axis=axes, keepdims=True) + eps)
    xhat = (x - np.mean(x, axis=axes, keepdims=True)) * inv_std
    return inv_std * (g - np.mean(g, axis=axes, keepdims=True)
                      - xhat * np.mean(g * xhat, axis=axes, keepdims=True))


@defvjp(normalized, broadcast=True, notes="weight and bias gradients summed over the batch",
        static={"eps": _OPTION})
def normalized_rule(g, ans, x, weight, bias, axes, eps=1e-5):
    return (standardized_adjoint(weighted(g, weight), x, axes, eps),
            g * standardized(x, axes, eps), g)
