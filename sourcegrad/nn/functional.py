"""``sourcegrad.nn.functional`` (``F``): activations and losses with PyTorch's signatures.

Each is one primitive of :mod:`sourcegrad.rules.nn`, so it is one graph node with PyTorch's name
and its backward comes from the rule table.
"""
from __future__ import annotations

import warnings

from ..rules import nn as rules
from ..tensor.dispatch import record
from ..tensor.ops import relu, sigmoid, tanh
from ..tensor.tensor import Tensor

__all__ = ["binary_cross_entropy_with_logits", "cross_entropy", "log_softmax", "mse_loss",
           "nll_loss", "relu", "sigmoid", "softmax", "tanh"]


def _softmax_dim(ndim: int) -> int:
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, dtype=None):
    if dim is None:
        dim = _softmax_dim(input.dim())
    if dtype is not None:
        input = input.to(dtype)
    return record(rules.softmax, (input, dim), name="SoftmaxBackward0", edges=(0,))


def log_softmax(input, dim=None, dtype=None):
    if dim is None:
        dim = _softmax_dim(input.dim())
    if dtype is not None:
        input = input.to(dtype)
    return record(rules.log_softmax, (input, dim), name="LogSoftmaxBackward0", edges=(0,))


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """Sigmoid and binary cross-entropy in one numerically stable primitive."""
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape!r}) must be the same as input size "
                         f"({input.shape!r})")
    return record(rules.binary_cross_entropy_with_logits, (input, target, weight, pos_weight),
                  {"reduction": reduction}, name="BinaryCrossEntropyWithLogitsBackward0",
                  edges=(0, 1))


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(
            f"Using a target size ({target.shape!r}) that is different to the input size "
            f"({input.shape!r}). This will likely lead to incorrect results due to "
            "broadcasting. Please ensure they have the same size.", UserWarning, stacklevel=2)
    return record(rules.mse_loss, (input, target), {"reduction": reduction},
                  name="MseLossBackward0", edges=(0, 1))


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    return record(rules.nll_loss, (input, target, weight, ignore_index),
                  {"reduction": reduction}, name="NllLossBackward0", edges=(0,))


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """log_softmax over the class dimension, then nll_loss (or soft targets: probabilities)."""
    if label_smoothing:
        raise NotImplementedError("cross_entropy(label_smoothing=...) is not supported")
    class_dim = 0 if input.dim() == 1 else 1
    logp = log_softmax(input, class_dim)
    if isinstance(target, Tensor) and target.is_floating_point():
        if weight is not None:
            logp = logp * weight.reshape((-1,) + (1,) * (input.dim() - class_dim - 1))
        loss = -(target * logp).sum(class_dim)
        if reduction == "mean":
            return loss.sum() / (input.shape[0] if input.dim() > 1 else 1)
        return loss.sum() if reduction == "sum" else loss
    return nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
