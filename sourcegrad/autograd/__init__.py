"""``sourcegrad.autograd``: gradients of tensors without touching ``.grad`` (as ``torch.autograd``)."""
from __future__ import annotations

from .tensor import graph
from .tensor.tensor import Tensor, root_gradient

__all__ = ["backward", "grad"]


def _as_tuple(x):
    if x is None:
        return None
    return (x,) if isinstance(x, Tensor) else tuple(x)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """The gradients of ``outputs`` with respect to ``inputs``, as a tuple (one per input).

    ``grad_outputs`` weight each output (needed for non-scalar outputs); ``create_graph=True``
    records the gradient computation itself, so the results can be differentiated again.
    """
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    grad_outputs = _as_tuple(grad_outputs) or (None,) * len(outputs)
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    roots = [root_gradient(o, g, create_graph) for o, g in zip(outputs, grad_outputs)]
    if retain_graph is None:
        retain_graph = create_graph
    return tuple(graph.run_backward(list(outputs), roots, retain_graph, create_graph,
                                    inputs=list(inputs), allow_unused=allow_unused))


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False) -> None:
    """Accumulate the gradients of ``tensors`` into the leaves' ``.grad``."""
    tensors = _as_tuple(tensors)
    grad_tensors = _as_tuple(grad_tensors) or (None,) * len(tensors)
    roots = [root_gradient(t, g, create_graph) for t, g in zip(tensors, grad_tensors)]
    if retain_graph is None:
        retain_graph = create_graph
    graph.run_backward(list(tensors), roots, retain_graph, create_graph)
