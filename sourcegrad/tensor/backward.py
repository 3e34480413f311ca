"""The backward pass: walk the recorded graph from the outputs to the leaves.

:func:`run_backward` visits the nodes in an iterative, deterministic topological order (a node
runs once all nodes that feed it gradient have run; ties go to the newest node, as in PyTorch),
adds up each node's incoming gradients, runs it, and hands its results to the nodes of its
inputs; leaves accumulate into ``.grad``. Only nodes that lead to a wanted input run.
"""
from __future__ import annotations

import heapq
import itertools
import weakref

import numpy as np

from . import graph
from .grad_mode import set_grad_enabled
from .graph import AccumulateGrad, _as_tensor, add_to_grad


def root_gradient(t, gradient, create_graph: bool):
    """The gradient a backward pass starts from (``ones`` for a scalar), checked like PyTorch."""
    if not t.requires_grad:
        raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    tensor_type = graph.TENSOR
    if gradient is None:
        if t._data.size != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        g = np.ones(t._data.shape, t._data.dtype)
        return tensor_type._wrap(g) if create_graph else g
    if not isinstance(gradient, tensor_type):
        gradient = tensor_type._wrap(np.asarray(gradient, dtype=t._data.dtype))
    if tuple(gradient.shape) != tuple(t.shape):
        raise RuntimeError(
            f"Mismatch in shape: grad_output[0] has a shape of {gradient.shape!r} and output[0] "
            f"has a shape of {t.shape!r}."
        )
    if create_graph:
        return gradient
    return np.array(gradient._data, dtype=t._data.dtype)


def run_backward(roots, grads, retain_graph: bool, create_graph: bool, inputs=None,
                 allow_unused: bool = False, accumulate_into=None):
    """Propagate ``grads`` from the ``roots`` (Tensors) back through the graph.

    Without ``inputs`` gradients accumulate into the leaves' ``.grad``; with ``inputs`` they are
    returned instead (``autograd.grad``) and no ``.grad`` changes; with ``accumulate_into`` only
    those tensors' ``.grad`` change (``backward(inputs=...)``). Only nodes that lead to a wanted
    input run.
    """
    targets = inputs if inputs is not None else accumulate_into
    start = [(_root_node(t), t._output_nr, g) for t, g in zip(roots, grads)]
    capture = None
    if targets is not None:
        capture = {}
        for i, t in enumerate(targets):
            capture.setdefault(t._edge(), []).append(i)
    deps, useful = _dependencies([n for n, _, _ in start], capture)
    buffers: dict = {}
    for node, nr, g in start:
        _add(buffers, node, nr, g)
    ready = []
    tie = itertools.count()
    for node in dict.fromkeys(n for n, _, _ in start):
        if deps.get(node, 0) == 0:
            heapq.heappush(ready, (-node._sequence_nr, next(tie), node))
    results = [None] * len(targets) if targets is not None else None
    with set_grad_enabled(create_graph):
        while ready:
            node = heapq.heappop(ready)[2]
            grad = buffers.pop(node, None)
            if grad is not None:
                grad = _run_tensor_hooks(node, grad, create_graph)
                if capture is not None and node in capture:
                    for i in capture[node]:
                        results[i] = grad
            if isinstance(node, AccumulateGrad):
                if grad is not None and capture is None:
                    node.accumulate(grad, create_graph)
                continue
            run = grad is not None and (useful is None or node in useful)
            grads_in = node.apply(grad, create_graph) if run else None
            if run and "_post_hooks" in node.metadata:
                for hook in node.metadata["_post_hooks"]:
                    hook(grads_in, grad)
            if not retain_graph:
                node.release()
            for k, (child, nr) in enumerate(node.next_functions):
                if child is None or child not in deps:
                    continue
                g = grads_in[k] if grads_in is not None else None
                if g is not None:
                    _add(buffers, child, nr, g)
                deps[child] -= 1
                if deps[child] == 0:
                    heapq.heappush(ready, (-child._sequence_nr, next(tie), child))
    if accumulate_into is not None:
        for t, r in zip(accumulate_into, results):
            if r is None:
                continue
            if t._grad_fn is None and t._accum is not None:
                t._accum.accumulate(r, create_graph)
            else:
                add_to_grad(t, r, create_graph)
        return None
    if inputs is None:
        return None
    for i, r in enumerate(results):
        if r is None and not allow_unused:
            raise RuntimeError(
                f"The differentiated Tensor at index {i} appears to not have been used in the "
                "graph. Set allow_unused=True if this is the desired behavior."
            )
    return [None if r is None else _as_tensor(r) for r in results]


def _add(buffers: dict, node, nr: int, g) -> None:
    """Add gradient ``g`` for output ``nr`` of ``node`` to what it has received so far."""
    if node.n_outputs == 1:
        buffers[node] = g if node not in buffers else buffers[node] + g
        return
    slots = buffers.setdefault(node, [None] * node.n_outputs)
    slots[nr] = g if slots[nr] is None else slots[nr] + g


def _dependencies(starts, capture):
    """How many edges reach each node; with ``capture``, also the nodes that lead to a target."""
    deps: dict = {}
    seen = set()
    order = []
    stack = list(starts)
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        order.append(node)
        for child, _ in node.next_functions:
            if child is not None:
                deps[child] = deps.get(child, 0) + 1
                stack.append(child)
    if capture is None:
        return deps, None
    useful = set(capture)
    changed = True
    while changed:  # a node is useful if a child is; iterate to a fixed point over the DAG
        changed = False
        for node in reversed(order):
            if node not in useful and any(c in useful for c, _ in node.next_functions):
                useful.add(node)
                changed = True
    return deps, useful


def _root_node(tensor):
    fn = tensor.grad_fn
    if fn is not None:
        return fn
    if tensor.requires_grad:
        return tensor._accumulator()
    raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")


def _run_tensor_hooks(node, grad, create_graph):
    """Hooks on a non-leaf tensor see (and may replace) its gradient; then retain_grad keeps it."""
    if not node._tensor_hooks and node._retained is None:
        return grad
    if node.n_outputs != 1:
        return grad
    for hook in list(node._tensor_hooks):
        out = hook(_as_tensor(grad))
        if out is not None:
            grad = out if create_graph else np.asarray(getattr(out, "_data", out))
    tensor = node._retained() if node._retained is not None else None
    if tensor is not None:
        g = grad if create_graph else graph.TENSOR._wrap(np.array(getattr(grad, "_data", grad)))
        g = _as_tensor(g)
        tensor._grad = g if tensor._grad is None else tensor._grad + g
    return grad


def retain(node, tensor) -> None:
    node._retained = weakref.ref(tensor)
