"""``sourcegrad.nn.functional`` (``F``): activations, layers and losses with PyTorch's signatures.

An activation PyTorch records as one node (``GeluBackward0``) is one primitive of the rule
table (:mod:`sourcegrad.rules.nn`, :mod:`sourcegrad.rules.nn_functional`); functions PyTorch
composes (``normalize``, ``cosine_similarity``, ``l1_loss``) are composed here the same way, so
the graph and its node names match. The losses live in :mod:`.functional_losses`.
"""
from __future__ import annotations

import numpy as np

from ..rules import nn as rules
from ..rules import nn_functional as more_rules
from ..tensor import arithmetic, creation, dtypes, products, reductions, shapes
from ..tensor.dispatch import record, relabel
from ..tensor.grad_mode import no_grad
from ..tensor.tensor import Tensor
from .functional_losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)

__all__ = [
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "celu",
    "cosine_similarity",
    "cross_entropy",
    "dropout",
    "elu",
    "embedding",
    "gelu",
    "hardtanh",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "logsigmoid",
    "mse_loss",
    "nll_loss",
    "normalize",
    "one_hot",
    "pad",
    "pairwise_distance",
    "relu",
    "relu6",
    "selu",
    "sigmoid",
    "silu",
    "smooth_l1_loss",
    "softmax",
    "softmin",
    "softplus",
    "softsign",
    "tanh",
]

relu, sigmoid, tanh = arithmetic.relu, arithmetic.sigmoid, arithmetic.tanh


def _float(input) -> np.dtype:
    return dtypes.float_result(input._data.dtype)


def _activation(primitive, name, *args, input, inplace=False):
    out = record(primitive, (input, *args), name=name, edges=(0,), dtype=_float(input),
                 cast_args=(0,))
    if inplace:
        return input.copy_(out)
    return out


# -- activations ----------------------------------------------------------------------------------

def _softmax_dim(ndim: int) -> int:
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim(input.dim())
    if dtype is not None:
        input = input.to(dtype)
    dim = reductions.normalize_dim(dim, input.dim())
    return record(rules.softmax, (input, dim), name="SoftmaxBackward0", edges=(0,),
                  dtype=_float(input), cast_args=(0,))


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim(input.dim())
    if dtype is not None:
        input = input.to(dtype)
    dim = reductions.normalize_dim(dim, input.dim())
    return record(rules.log_softmax, (input, dim), name="LogSoftmaxBackward0", edges=(0,),
                  dtype=_float(input), cast_args=(0,))


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    return softmax(-input, dim, dtype=dtype)


def gelu(input, approximate="none"):
    return _activation(more_rules.gelu, "GeluBackward0", approximate, input=input)


def elu(input, alpha=1.0, inplace=False):
    return _activation(more_rules.elu, "EluBackward0", alpha, input=input, inplace=inplace)


def selu(input, inplace=False):
    """``elu`` with SELU's fixed ``alpha`` and ``scale`` (PyTorch records ``EluBackward0``)."""
    return _activation(more_rules.elu, "EluBackward0", 1.6732632423543772, 1.0507009873554805,
                       input=input, inplace=inplace)


def celu(input, alpha=1.0, inplace=False):
    """``max(0, x) + min(0, alpha (exp(x / alpha) - 1))``: ``elu`` with input scale 1/alpha."""
    return _activation(more_rules.elu, "CeluBackward0", alpha, 1.0, 1.0 / alpha, input=input,
                       inplace=inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return _activation(more_rules.leaky_relu, "LeakyReluBackward0", negative_slope, input=input,
                       inplace=inplace)


def silu(input, inplace=False):
    return _activation(more_rules.silu, "SiluBackward0", input=input, inplace=inplace)


def softplus(input, beta=1.0, threshold=20.0):
    return _activation(more_rules.softplus, "SoftplusBackward0", beta, threshold, input=input)


def logsigmoid(input):
    return _activation(more_rules.logsigmoid, "LogSigmoidBackward0", input=input)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    return _activation(more_rules.hardtanh, "HardtanhBackward0", min_val, max_val, input=input,
                       inplace=inplace)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def softsign(input):
    return input / (input.abs() + 1)


# -- layers ---------------------------------------------------------------------------------------

def linear(input, weight, bias=None):
    """``input @ weight.T + bias``, recorded as PyTorch records it for each input rank."""
    if input.dim() == 2 and bias is not None:
        return products.addmm(bias, input, weight.t())
    if bias is None:
        return products.matmul(input, weight.t())
    flat = input.reshape(-1, input.shape[-1])
    out = products.addmm(bias, flat, weight.t())
    return out.reshape(*input.shape[:-1], weight.shape[0])


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    The mask comes from sourcegrad's generator (PyTorch's CPU kernel draws it with MKL, a
    stream not reproduced here), so masks differ from PyTorch's even after ``manual_seed``.
    """
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    if p == 1:
        mask = np.zeros(input._data.shape, input._data.dtype)
    else:
        keep = creation.rand(*input.shape, dtype=input.dtype)._data >= p
        mask = (keep / (1 - p)).astype(input._data.dtype)
    out = input * Tensor._wrap(mask)
    return input.copy_(out) if inplace else out


def dropout_function(input, p, train):
    """``torch.dropout(input, p, train)``."""
    return dropout(input, p, train)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` at the indices ``input`` (``padding_idx`` rows get gradient too)."""
    from ..rules.nn import getitem
    return record(getitem, (weight, input._data), name="EmbeddingBackward0", edges=(0,))


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    axes = tuple(range(input.dim() - len(tuple(normalized_shape)), input.dim()))
    return record(more_rules.normalized, (input, weight, bias, axes, eps),
                  name="NativeLayerNormBackward0", edges=(0, 1, 2))


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Normalize over the batch (and spatial) dimensions, per channel (dimension 1)."""
    axes = (0,) + tuple(range(2, input.dim()))
    shape = (1, -1) + (1,) * (input.dim() - 2)
    w = weight.reshape(shape) if weight is not None else None
    b = bias.reshape(shape) if bias is not None else None
    if training:
        if running_mean is not None:  # the running statistics use the unbiased variance
            count = input.numel() // input.shape[1]
            with no_grad():
                mean = input.mean(axes)
                var = input.var(axes, correction=1 if count > 1 else 0)
                running_mean.mul_(1 - momentum).add_(mean, alpha=momentum)
                running_var.mul_(1 - momentum).add_(var, alpha=momentum)
        return record(more_rules.normalized, (input, w, b, axes, eps),
                      name="NativeBatchNormBackward0", edges=(0, 1, 2))
    scale = (running_var.reshape(shape) + eps).rsqrt()
    out = (input - running_mean.reshape(shape)) * scale
    if w is not None:
        out = out * w
    return relabel(out + b if b is not None else out, "NativeBatchNormBackward0")


def one_hot(tensor, num_classes=-1):
    if tensor._data.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    n = int(tensor._data.max()) + 1 if num_classes == -1 else num_classes
    out = np.zeros(tensor._data.shape + (n,), np.int64)
    np.put_along_axis(out, tensor._data[..., None], 1, axis=-1)
    return Tensor._wrap(out)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """``input / max(norm(input, p, dim), eps)``."""
    denom = reductions.norm(input, p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    return input / denom


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """``sum(x1 * x2) / (max(|x1|, eps) * max(|x2|, eps))`` along ``dim``."""
    n1 = reductions.norm(x1, 2, dim, keepdim=True).clamp_min(eps)
    n2 = reductions.norm(x2, 2, dim, keepdim=True).clamp_min(eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    return reductions.norm(x1 - x2 + eps, p, -1, keepdim)


_PAD_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge",
              "circular": "wrap"}


def pad(input, pad, mode="constant", value=None):
    """Pad the last ``len(pad) // 2`` dimensions: ``pad`` is (left, right, top, bottom, ...)."""
    widths = [(0, 0)] * input.dim()
    for k in range(len(pad) // 2):
        widths[input.dim() - 1 - k] = (pad[2 * k], pad[2 * k + 1])
    kwargs = {"mode": _PAD_MODES[mode]}
    if mode == "constant":
        kwargs["constant_values"] = value or 0
    return record(np.pad, (input, tuple(widths)), kwargs, name="ConstantPadNdBackward0",
                  edges=(0,))


def flatten(input, start_dim=0, end_dim=-1):
    return shapes.flatten(input, start_dim, end_dim)
