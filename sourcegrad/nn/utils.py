"""``nn.utils``: gradient clipping and flattening parameters into one vector."""
from __future__ import annotations

import math

from ..tensor.creation import tensor
from ..tensor.grad_mode import no_grad
from ..tensor.reductions import norm
from ..tensor.shapes import cat, stack
from ..tensor.tensor import Tensor


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p._grad for p in parameters if p._grad is not None]


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach=None):
    """Scale all gradients together so their joint ``norm_type``-norm is at most ``max_norm``;
    returns the norm before clipping (the norm of the per-parameter norms, as PyTorch)."""
    grads = _grads(parameters)
    if not grads:
        return tensor(0.0)
    norm_type = float(norm_type)
    with no_grad():
        total = norm(stack([norm(g, norm_type) for g in grads]), norm_type)
        if error_if_nonfinite and not math.isfinite(total.item()):
            raise RuntimeError(f"The total norm of order {norm_type} for gradients from "
                               "`parameters` is non-finite, so it cannot be clipped.")
        coefficient = (max_norm / (total + 1e-6)).clamp_max(1.0)
        for g in grads:
            g.mul_(coefficient)
    return total


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """Clamp every gradient element to ``[-clip_value, clip_value]``."""
    with no_grad():
        for g in _grads(parameters):
            g.clamp_(-clip_value, clip_value)


def parameters_to_vector(parameters):
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters) -> None:
    offset = 0
    with no_grad():
        for p in parameters:
            n = p.numel()
            p.copy_(vec[offset:offset + n].view_as(p))
            offset += n
