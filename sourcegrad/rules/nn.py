"""Rules of neural-network primitives (activations, losses, indexing) for the Tensor facade.

Each primitive here is a plain numpy function with its reverse rule, registered exactly like the
built-in numpy rules -- so compiled code may call them too. They exist as primitives (rather than
compositions) because PyTorch reports them as one graph node (``SigmoidBackward0``,
``BinaryCrossEntropyWithLogitsBackward0``) and because fused forms are more accurate.

A primitive defined with :func:`dispatching` hands calls with a foreign array type to that type's
``__sourcegrad_function__`` (as numpy's ``__array_function__`` does for numpy's own functions), so
a rule's adjoint expression may call the primitive again on whatever values it is given.
"""
from __future__ import annotations

import functools

import numpy as np

from ..runtime import reads_shape_of, subscript_adjoint
from .table import defvjp


def dispatching(fn):
    """Make ``fn`` defer to an argument type's ``__sourcegrad_function__(fn, args, kwargs)``."""

    @functools.wraps(fn)
    def primitive(*args, **kwargs):
        for a in args:
            handler = getattr(type(a), "__sourcegrad_function__", None)
            if handler is not None:
                return handler(primitive, args, kwargs)
        return fn(*args, **kwargs)

    return primitive


# -- activations --------------------------------------------------------------------------------

@dispatching
def sigmoid(x):
    """1 / (1 + exp(-x))."""
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-x))


@defvjp(sigmoid)
def sigmoid_rule(g, ans, x):
    return g * (1 - ans) * ans


@dispatching
def relu(x):
    """max(x, 0)."""
    return np.maximum(x, 0)


@defvjp(relu, notes="gradient 0 at x == 0")
def relu_rule(g, ans, x):
    return g * (ans > 0)


@dispatching
def log_softmax(x, axis=-1):
    """x - logsumexp(x) along ``axis``."""
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


@defvjp(log_softmax)
def log_softmax_rule(g, ans, x, axis=-1):
    return g - np.exp(ans) * np.sum(g, axis=axis, keepdims=True)


@dispatching
def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along ``axis``."""
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


@defvjp(softmax)
def softmax_rule(g, ans, x, axis=-1):
    return ans * (g - np.sum(g * ans, axis=axis, keepdims=True))


# -- losses ---------------------------------------------------------------------------------------

def _reduce(loss, reduction):
    if reduction == "mean":
        return np.mean(loss)
    if reduction == "sum":
        return np.sum(loss)
    if reduction == "none":
        return loss
    raise ValueError(f"{reduction} is not a valid value for reduction")


def reduction_scale(shape, reduction):
    """What the adjoint of a loss reduced over ``shape`` is multiplied by: 1/N for 'mean', else 1."""
    return 1.0 / int(np.prod(shape)) if reduction == "mean" else 1.0


def log_sigmoid(x):
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


@dispatching
def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None,
                                     reduction="mean"):
    """(1 - y) x - w_pos log(sigmoid(x)), times ``weight``, reduced; w_pos = 1 + (pos_weight - 1) y."""
    log_sig = log_sigmoid(input)
    if pos_weight is not None:
        log_sig = log_sig * ((pos_weight - 1) * target + 1)
    loss = (1 - target) * input - log_sig
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def weighted(value, weight):
    return value if weight is None else value * weight


def bce_logits_dinput(x, y, pos_weight):
    if pos_weight is None:
        return sigmoid(x) - y
    return (pos_weight * y + 1 - y) * sigmoid(x) - pos_weight * y


def bce_logits_dtarget(x, pos_weight):
    if pos_weight is None:
        return -x
    return -x - (pos_weight - 1) * log_sigmoid(x)


@defvjp(binary_cross_entropy_with_logits,
        unsupported={"weight": "weights are data here", "pos_weight": "weights are data here"})
def binary_cross_entropy_with_logits_rule(g, ans, input, target, weight=None, pos_weight=None,
                                          reduction="mean"):
    scale = reduction_scale(np.shape(input), reduction)
    return (weighted(bce_logits_dinput(input, target, pos_weight) * g, weight) * scale,
            weighted(bce_logits_dtarget(input, pos_weight) * g, weight) * scale)


@dispatching
def mse_loss(input, target, reduction="mean"):
    """(input - target)**2, reduced."""
    diff = input - target
    return _reduce(diff * diff, reduction)


@defvjp(mse_loss, broadcast=True)
def mse_loss_rule(g, ans, input, target, reduction="mean"):
    scale = 2 * reduction_scale(np.broadcast_shapes(np.shape(input), np.shape(target)), reduction)
    return scale * (input - target) * g, -scale * (input - target) * g


def _nll_mask(shape, target, weight, ignore_index, reduction):
    """-d(loss)/d(logp) for g == 1: the (weighted, normalised) one-hot of the targets."""
    target = np.asarray(target)
    n_classes = shape[-1] if len(shape) == 1 else shape[1]
    w = np.ones(n_classes) if weight is None else np.asarray(weight, dtype=np.float64)
    keep = target != ignore_index
    safe = np.where(keep, target, 0)
    per_sample = w[safe] * keep
    mask = np.zeros(shape)
    if len(shape) == 1:
        mask[safe] = per_sample
    else:
        mask[np.arange(shape[0]), safe] = per_sample
    if reduction == "mean":
        mask = mask / np.sum(per_sample)
    return mask


@dispatching
def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """-input[i, target[i]] (weighted), reduced; inputs are log-probabilities of shape (N, C) or (C,)."""
    target = np.asarray(target)
    n_classes = input.shape[-1] if input.ndim == 1 else input.shape[1]
    w = np.ones(n_classes, input.dtype) if weight is None else np.asarray(weight, input.dtype)
    keep = target != ignore_index
    safe = np.where(keep, target, 0)
    if input.ndim == 1:
        picked = -input[safe] * w[safe] * keep
    else:
        picked = -input[np.arange(input.shape[0]), safe] * w[safe] * keep
    if reduction == "mean":
        return (np.sum(picked) / np.sum(w[safe] * keep)).astype(input.dtype)
    return _reduce(picked, reduction)


def nll_adjoint(g, shape, target, weight, ignore_index, reduction):
    mask = _nll_mask(shape, target, weight, ignore_index, reduction)
    if reduction == "none" and len(shape) == 2:
        g = np.expand_dims(g, 1)
    return -g * mask.astype(np.result_type(g))


@defvjp(nll_loss, unsupported={"weight": "class weights are data here"})
def nll_loss_rule(g, ans, input, target, weight=None, ignore_index=-100, reduction="mean"):
    return nll_adjoint(g, np.shape(input), target, weight, ignore_index, reduction), None


# -- indexing -------------------------------------------------------------------------------------

@dispatching
def getitem(a, index):
    """a[index] as a function (ints, slices, None, Ellipsis, integer and boolean arrays)."""
    return a[index]


@dispatching
@reads_shape_of(1)
def index_adjoint(x, like, index):
    """x scattered into zeros shaped like ``like`` at ``index`` (repeated indices add up)."""
    return subscript_adjoint(x, like, index)


@defvjp(getitem)
def getitem_rule(g, ans, a, index):
    return index_adjoint(g, a, index), None


@defvjp(index_adjoint)
def index_adjoint_rule(g, ans, x, like, index):
    return getitem(g, index), None, None
