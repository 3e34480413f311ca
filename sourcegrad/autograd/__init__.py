"""``sourcegrad.autograd``: gradients of tensors without touching ``.grad``, custom
differentiable functions, and Jacobian/Hessian products (as ``torch.autograd``).

* :func:`grad` and :func:`backward` run the recorded graph;
* :class:`Function` is where users write their own backward (``ctx.save_for_backward``);
* :mod:`.functional` builds ``jacobian``, ``hessian``, ``vjp``, ``jvp``, ``hvp`` and ``vhp`` on
  the facade's own graph (``create_graph=True``);
* :func:`gradcheck` compares a function's gradients with finite differences.
"""
from __future__ import annotations

import contextlib

from ..tensor.backward import root_gradient, run_backward
from ..tensor.grad_mode import enable_grad, inference_mode, no_grad, set_grad_enabled
from ..tensor.legacy import Variable
from ..tensor.tensor import Tensor
from . import functional
from .function import Function, FunctionCtx, once_differentiable
from .gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = ["Function", "FunctionCtx", "GradcheckError", "Variable", "backward",
           "detect_anomaly", "enable_grad", "functional", "grad", "gradcheck", "gradgradcheck",
           "inference_mode", "no_grad", "once_differentiable", "set_detect_anomaly",
           "set_grad_enabled"]


def _as_tuple(x):
    if x is None:
        return None
    return (x,) if isinstance(x, Tensor) else tuple(x)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of ``outputs`` with respect to ``inputs``, as a tuple (one per input).

    ``grad_outputs`` weight each output (needed for non-scalar outputs); ``create_graph=True``
    records the gradient computation itself, so the results can be differentiated again.
    ``materialize_grads`` returns zeros instead of None for unused inputs.
    """
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    grad_outputs = _as_tuple(grad_outputs) or (None,) * len(outputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    roots = [root_gradient(o, g, create_graph) for o, g in zip(outputs, grad_outputs)]
    if retain_graph is None:
        retain_graph = create_graph
    result = run_backward(list(outputs), roots, retain_graph, create_graph,
                                inputs=list(inputs), allow_unused=allow_unused)
    if materialize_grads:
        from ..tensor.creation import zeros_like
        result = [zeros_like(t) if r is None else r for r, t in zip(result, inputs)]
    return tuple(result)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             inputs=None) -> None:
    """Accumulate the gradients of ``tensors`` into the leaves' ``.grad`` (or only ``inputs``')."""
    tensors = _as_tuple(tensors)
    grad_tensors = _as_tuple(grad_tensors) or (None,) * len(tensors)
    roots = [root_gradient(t, g, create_graph) for t, g in zip(tensors, grad_tensors)]
    if retain_graph is None:
        retain_graph = create_graph
    run_backward(list(tensors), roots, retain_graph, create_graph,
                       accumulate_into=list(_as_tuple(inputs)) if inputs is not None else None)


@contextlib.contextmanager
def detect_anomaly(check_nan: bool = True):
    """Accepted for compatibility: sourcegrad's errors already name the failing operation."""
    yield


def set_detect_anomaly(mode: bool, check_nan: bool = True) -> contextlib.AbstractContextManager:
    """Accepted for compatibility (see :func:`detect_anomaly`)."""
    return contextlib.nullcontext()
