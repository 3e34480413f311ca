"""The loss functions of ``nn.functional``, with PyTorch's reductions, weights and targets.

``nll_loss`` and ``cross_entropy`` take (N, C) or (C,) inputs, and (N, C, d1, ...) inputs with
(N, d1, ...) targets: the class dimension moves last and the rest flattens into the batch, so the
one ``nll_loss`` rule serves every rank. ``cross_entropy`` also takes class probabilities as
targets and ``label_smoothing``.
"""
from __future__ import annotations

import warnings

import numpy as np

from ..rules import nn as rules
from ..rules import nn_functional as more_rules
from ..tensor.arithmetic import check_broadcast
from ..tensor.dispatch import record, relabel
from ..tensor.tensor import Tensor

_REDUCTIONS = ("mean", "sum", "none")


def _reduction(size_average, reduce, reduction) -> str:
    """PyTorch's legacy ``size_average``/``reduce`` flags, folded into ``reduction``."""
    if size_average is None and reduce is None:
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{reduction} is not a valid value for reduction")
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    return "none" if not reduce else "mean" if size_average else "sum"


def _check_same_size(input, target) -> None:
    check_broadcast(input, target)
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(
            f"Using a target size ({target.shape!r}) that is different to the input size "
            f"({input.shape!r}). This will likely lead to incorrect results due to "
            "broadcasting. Please ensure they have the same size.", UserWarning, stacklevel=3)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    _check_same_size(input, target)
    return record(rules.mse_loss, (input, target), {"reduction": _reduction(
        size_average, reduce, reduction)}, name="MseLossBackward0", edges=(0, 1))


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    _check_same_size(input, target)
    loss = (input - target).abs()
    reduction = _reduction(size_average, reduce, reduction)
    return loss if reduction == "none" else loss.mean() if reduction == "mean" else loss.sum()


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    _check_same_size(input, target)
    return record(more_rules.smooth_l1_loss, (input, target, beta),
                  {"reduction": _reduction(size_average, reduce, reduction)},
                  name="SmoothL1LossBackward0", edges=(0, 1))


def huber_loss(input, target, reduction="mean", delta=1.0):
    _check_same_size(input, target)
    return record(more_rules.huber_loss, (input, target, delta), {"reduction": reduction},
                  name="HuberLossBackward0", edges=(0, 1))


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.shape!r}) that is different to the "
                         f"input size ({input.shape!r}) is deprecated. Please ensure they have "
                         "the same size.")
    if np.any((input._data < 0) | (input._data > 1)):
        raise RuntimeError("all elements of input should be between 0 and 1")
    return record(more_rules.binary_cross_entropy, (input, target, weight),
                  {"reduction": _reduction(size_average, reduce, reduction)},
                  name="BinaryCrossEntropyBackward0", edges=(0, 1))


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """Sigmoid and binary cross-entropy in one numerically stable primitive."""
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape!r}) must be the same as input size "
                         f"({input.shape!r})")
    return record(rules.binary_cross_entropy_with_logits, (input, target, weight, pos_weight),
                  {"reduction": _reduction(size_average, reduce, reduction)},
                  name="BinaryCrossEntropyWithLogitsBackward0", edges=(0, 1))


def _classes_last(input, target):
    """(N, C, d1, ...) and (N, d1, ...) as (N * d1 * ..., C) and (N * d1 * ...)."""
    classes = input.shape[1]
    return input.movedim(1, -1).reshape(-1, classes), target.reshape(-1)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    if target._data.dtype.kind not in "iu":
        raise RuntimeError(f"expected scalar type Long but found {target.dtype.tensor_type[:-6]}")
    if input.dim() <= 2:
        if input.dim() == 2 and target.shape[0] != input.shape[0]:
            raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target "
                             f"batch_size ({target.shape[0]}).")
        return record(rules.nll_loss, (input, target, weight, ignore_index),
                      {"reduction": reduction}, name="NllLossBackward0", edges=(0,))
    flat_input, flat_target = _classes_last(input, target)
    loss = record(rules.nll_loss, (flat_input, flat_target, weight, ignore_index),
                  {"reduction": reduction}, name="NllLoss2DBackward0", edges=(0,))
    if reduction == "none":
        loss = loss.reshape(target.shape)
        if input.dim() == 4:  # PyTorch's 2-D kernel writes the (N, H, W) losses directly
            relabel(loss, "NllLoss2DBackward0")
    return loss


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """``nll_loss(log_softmax(input))`` over the class dimension (1, or 0 for a 1-D input);
    with probabilities as ``target``, ``-sum(target * log_softmax(input))``."""
    from .functional import log_softmax
    reduction = _reduction(size_average, reduce, reduction)
    class_dim = 0 if input.dim() == 1 else 1
    logp = log_softmax(input, class_dim)
    n_classes = input.shape[class_dim]
    weight_shape = (-1,) + (1,) * (input.dim() - class_dim - 1)
    if isinstance(target, Tensor) and target.is_floating_point():
        if label_smoothing:
            target = target * (1 - label_smoothing) + label_smoothing / n_classes
        terms = logp * target if weight is None else logp * target * weight.reshape(weight_shape)
        loss = -terms.sum(class_dim)
        if reduction == "mean":  # a division by a number in C++: PyTorch's DivBackward1
            return relabel(loss.sum() / max(input.numel() // n_classes, 1), "DivBackward1")
        return loss.sum() if reduction == "sum" else loss
    nll = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    if not label_smoothing:
        return nll
    return nll * (1 - label_smoothing) + _smoothing_term(
        logp, target, weight, ignore_index, reduction, class_dim, weight_shape) * (
            label_smoothing / n_classes)


def _smoothing_term(logp, target, weight, ignore_index, reduction, class_dim, weight_shape):
    """The uniform part of a label-smoothed cross-entropy: ``-sum_c log p_c`` per sample."""
    ignored = target._data == ignore_index
    terms = logp if weight is None else logp * weight.reshape(weight_shape)
    per_sample = -terms.sum(class_dim)
    if ignored.any():
        per_sample = per_sample.masked_fill(Tensor._wrap(ignored), 0.0)
    if reduction == "none":
        return per_sample
    if reduction == "sum":
        return per_sample.sum()
    if weight is None:
        return per_sample.sum() / max(int((~ignored).sum()), 1)
    kept = target._data[~ignored]
    return per_sample.sum() / float(weight._data[kept].sum())


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """``target * (log(target) - input)`` (input: log-probabilities), 0 where target is 0."""
    if reduction != "batchmean":
        reduction = _reduction(size_average, reduce, reduction)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        safe_log = target.clamp_min(1e-45).log() if target.requires_grad else Tensor._wrap(
            np.log(np.where(target._data > 0, target._data, 1)).astype(target._data.dtype))
        loss = (target * (safe_log - input)).masked_fill(target == 0, 0.0)
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", UserWarning, stacklevel=2)
        return loss.mean()
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.dim() else 1)
    return loss.sum() if reduction == "sum" else loss
