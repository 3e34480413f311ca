"""The recorded graph and the backward pass.

Every operation on Tensors that require grad creates one :class:`Node` (named as PyTorch names
it: ``MulBackward0``) whose ``next_functions`` point at the nodes of its inputs: another op's node,
the :class:`AccumulateGrad` node of a leaf, or ``None`` for a constant. A node's backward is a rule
from the one rule table (``sourcegrad.rules``); this module never states a derivative itself.

:func:`run_backward` walks the graph in an iterative, deterministic topological order (a node
runs once all nodes that feed it gradient have run; ties go to the newest node, as in PyTorch).
"""
from __future__ import annotations

import heapq
import itertools
import re
import weakref

import numpy as np

from .grad_mode import set_grad_enabled

_sequence = itertools.count()
_BACKWARD_SUFFIX = re.compile(r"Backward\d*$")

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you "
    "call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
    "through the graph a second time or if you need to access saved tensors after calling "
    "backward."
)


class RemovableHandle:
    """Returned by ``register_hook``: ``handle.remove()`` unregisters the hook."""

    def __init__(self, hooks: list, hook) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


class Node:
    """One recorded operation: ``next_functions`` are ``(node, 0)`` per input, ``None`` for constants."""

    def __init__(self, next_functions=()) -> None:
        self.next_functions = tuple(next_functions)
        self._sequence_nr = next(_sequence)
        self._tensor_hooks: list = []   # hooks registered on the (non-leaf) output tensor
        self._retained = None           # weakref to the output tensor after retain_grad()
        self.metadata: dict = {}

    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {id(self):#x}>"

    def apply(self, grad, create_graph: bool) -> list:
        raise NotImplementedError

    def release(self) -> None:
        """Free what was saved for backward (``retain_graph=False``)."""


class AccumulateGrad(Node):
    """The sink of a leaf: adds incoming gradient to ``variable.grad``."""

    def __init__(self, variable) -> None:
        super().__init__()
        self.variable = variable
        self._sequence_nr = float("inf")  # PyTorch runs accumulators as early as possible

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def accumulate(self, grad, create_graph: bool) -> None:
        var = self.variable
        for hook in list(var._hooks):
            out = hook(_as_tensor(grad, type(var)))
            if out is not None:
                grad = out
        if create_graph:
            grad = _as_tensor(grad, type(var))
            var._grad = grad if var._grad is None else var._grad + grad
            return
        data = grad._data if hasattr(grad, "_data") else grad
        if var._grad is None:
            var._grad = type(var)._wrap(np.array(np.broadcast_to(data, var.shape), dtype=var._data.dtype))
        else:
            var._grad._data += data
            var._grad._vc[0] += 1


class SavedTensor:
    """A tensor saved for backward, with the version it had: later in-place changes are caught."""

    __slots__ = ("producer", "tensor", "version")

    def __init__(self, tensor, producer_name=None) -> None:
        self.tensor = tensor
        self.version = tensor._vc[0]
        node = tensor.grad_fn if producer_name is None else None
        self.producer = producer_name or (node.name() if node is not None else None)

    def unpack(self, as_tensor: bool):
        t = self.tensor
        if t._vc[0] != self.version:
            dims = ", ".join(str(n) for n in t.shape)
            what = f"[torch.{t.dtype.tensor_type} [{dims}]]"
            if self.producer is not None:
                what += f", which is output 0 of {_BACKWARD_SUFFIX.sub('', self.producer)},"
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: {what} is at version {t._vc[0]}; expected version "
                f"{self.version} instead. Hint: the operation that failed to compute its gradient "
                "is the one that saved this tensor; modify a clone instead (x = x.clone())."
            )
        return t if as_tensor else t._data


class RuleNode(Node):
    """A node whose backward is a rule from the table, applied to the saved inputs.

    ``slots`` describe the primitive's positional arguments for the rule: a constant, a
    :class:`SavedTensor` (the rule reads its value), or a ``(shape, dtype)`` stand-in (the rule
    only needs its shape, so nothing is kept alive and no version is checked).
    """

    def __init__(self, rule, next_functions, positions, slots, kwargs, ans, input_meta) -> None:
        super().__init__(next_functions)
        self._rule = rule
        self._positions = positions      # (argument position, item in a sequence argument or None)
        self._slots = slots
        self._kwargs = kwargs
        self._ans = ans                  # SavedTensor of the output, or a (shape, dtype) stand-in
        self._input_meta = input_meta    # (shape, dtype) of each input
        self._has_saved = isinstance(ans, SavedTensor) or any(
            isinstance(s, SavedTensor) or (type(s) is list and any(isinstance(i, SavedTensor) for i in s))
            for s in slots)
        self._freed = False

    def release(self) -> None:
        if self._has_saved:
            self._freed = True
            self._slots = self._ans = None

    def apply(self, grad, create_graph: bool) -> list:
        if self._freed:
            raise RuntimeError(FREED_MESSAGE)
        args = [_unpack(s, create_graph) for s in self._slots]
        ans = _unpack(self._ans, create_graph)
        contributions: dict = {}
        out = []
        for (node, _), (pos, item), (shape, dtype) in zip(self.next_functions, self._positions,
                                                           self._input_meta):
            if node is None:
                out.append(None)
                continue
            if pos not in contributions:
                contributions[pos] = self._rule.vjp(pos)(grad, ans, *args, **self._kwargs)
            value = contributions[pos] if item is None else contributions[pos][item]
            out.append(None if value is None else _fit(value, shape, dtype, create_graph, grad))
        return out


def _unpack(slot, create_graph):
    if type(slot) is list:
        return [_unpack(s, create_graph) for s in slot]
    if isinstance(slot, SavedTensor):
        return slot.unpack(create_graph)
    if isinstance(slot, _ShapeOnly):
        return np.broadcast_to(np.zeros((), slot.dtype), slot.shape)
    return slot


class _ShapeOnly:
    """Stands in for an argument whose value the rule never reads (only its shape)."""

    __slots__ = ("dtype", "shape")

    def __init__(self, shape, dtype) -> None:
        self.shape, self.dtype = shape, dtype


def shape_only(tensor) -> _ShapeOnly:
    return _ShapeOnly(tuple(tensor.shape), tensor._data.dtype)


def _fit(value, shape, dtype, create_graph, like):
    """Give a rule's contribution its input's shape and dtype."""
    if create_graph:
        t = value if hasattr(value, "_data") else type(like)._wrap(np.asarray(value, dtype=dtype))
        if tuple(t.shape) != shape:
            t = t + type(like)._wrap(np.zeros(shape, dtype))
        return t
    value = np.asarray(value)
    if value.dtype != dtype:
        value = value.astype(dtype)
    if value.shape != shape:
        value = np.broadcast_to(value, shape)
    return value


def _as_tensor(grad, cls):
    return grad if hasattr(grad, "_data") else cls._wrap(np.asarray(grad))


_node_classes: dict[str, type] = {}


def node_class(name: str) -> type:
    """The RuleNode subclass called ``name`` (so ``type(grad_fn).__name__`` is PyTorch's label)."""
    cls = _node_classes.get(name)
    if cls is None:
        cls = _node_classes[name] = type(name, (RuleNode,), {"__module__": __name__})
    return cls


# -- the backward pass ------------------------------------------------------------------------

def run_backward(roots, grads, retain_graph: bool, create_graph: bool, inputs=None,
                 allow_unused: bool = False):
    """Propagate ``grads`` from the ``roots`` (Tensors) back through the graph.

    Without ``inputs`` gradients accumulate into the leaves' ``.grad``; with ``inputs`` they are
    returned instead (``autograd.grad``) and no ``.grad`` changes.
    """
    cls = type(roots[0])
    start = [(_root_node(t), g) for t, g in zip(roots, grads)]
    capture = None
    if inputs is not None:
        capture = {}
        for i, t in enumerate(inputs):
            node = t.grad_fn if t.grad_fn is not None else t._accumulator()
            capture.setdefault(node, []).append(i)
    deps: dict = {}
    seen = set()
    stack = [n for n, _ in start]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        for child, _ in node.next_functions:
            if child is not None:
                deps[child] = deps.get(child, 0) + 1
                stack.append(child)
    buffers: dict = {}
    for node, g in start:
        buffers[node] = g if node not in buffers else buffers[node] + g
    ready = []
    tie = itertools.count()
    for node in dict.fromkeys(n for n, _ in start):
        if deps.get(node, 0) == 0:
            heapq.heappush(ready, (-node._sequence_nr, next(tie), node))
    results = [None] * len(inputs) if inputs is not None else None
    with set_grad_enabled(create_graph):
        while ready:
            node = heapq.heappop(ready)[2]
            grad = buffers.pop(node, None)
            if grad is not None:
                grad = _run_tensor_hooks(node, grad, cls, create_graph)
                if capture is not None and node in capture:
                    for i in capture[node]:
                        results[i] = grad
            if isinstance(node, AccumulateGrad):
                if grad is not None and capture is None:
                    node.accumulate(grad, create_graph)
                continue
            grads = node.apply(grad, create_graph) if grad is not None else None
            if not retain_graph:
                node.release()
            for k, (child, _) in enumerate(node.next_functions):
                if child is None:
                    continue
                g = grads[k] if grads is not None else None
                if g is not None:
                    buffers[child] = g if child not in buffers else buffers[child] + g
                deps[child] -= 1
                if deps[child] == 0:
                    heapq.heappush(ready, (-child._sequence_nr, next(tie), child))
    if inputs is None:
        return None
    for i, r in enumerate(results):
        if r is None and not allow_unused:
            raise RuntimeError(
                f"The differentiated Tensor at index {i} appears to not have been used in the "
                "graph. Set allow_unused=True if this is the desired behavior."
            )
    return [None if r is None else _as_tensor(r, cls) for r in results]


def _root_node(tensor):
    if tensor.grad_fn is not None:
        return tensor.grad_fn
    if tensor.requires_grad:
        return tensor._accumulator()
    raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")


def _run_tensor_hooks(node, grad, cls, create_graph):
    """Hooks on a non-leaf tensor see (and may replace) its gradient; then retain_grad keeps it."""
    if not node._tensor_hooks and node._retained is None:
        return grad
    for hook in list(node._tensor_hooks):
        out = hook(_as_tensor(grad, cls))
        if out is not None:
            grad = out if create_graph else np.asarray(getattr(out, "_data", out))
    tensor = node._retained() if node._retained is not None else None
    if tensor is not None:
        g = grad if create_graph else cls._wrap(np.array(getattr(grad, "_data", grad)))
        g = _as_tensor(g, cls)
        tensor._grad = g if tensor._grad is None else tensor._grad + g
    return grad


def retain(node, tensor) -> None:
    node._retained = weakref.ref(tensor)
