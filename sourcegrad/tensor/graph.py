"""The recorded graph and the backward pass.

Every operation on Tensors that require grad creates one :class:`Node` (named as PyTorch names
it: ``MulBackward0``) whose ``next_functions`` point at the nodes of its inputs: another op's node,
the :class:`AccumulateGrad` node of a leaf, or ``None`` for a constant. A node's backward is a rule
from the one rule table (``sourcegrad.rules``); this module never states a derivative itself.
(:class:`ZeroGradNode` is the table's "no gradient" for piecewise-constant functions that PyTorch
still records, such as ``sign``; a custom ``autograd.Function`` brings its own backward.)

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

#: the Tensor class, set by tensor/__init__ (graph.py sits below tensor.py in the imports)
TENSOR: type = None  # type: ignore[assignment]


class RemovableHandle:
    """Returned by ``register_hook``: ``handle.remove()`` unregisters the hook."""

    def __init__(self, hooks: list, hook) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


class Node:
    """One recorded operation: ``next_functions`` are ``(node, 0)`` per input, ``None`` for constants.

    A node has one output unless ``n_outputs`` says more (a custom ``autograd.Function`` returning
    several tensors); then ``apply`` gets a list with one gradient (or None) per output.
    """

    n_outputs = 1

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

    def register_hook(self, hook) -> RemovableHandle:
        """``hook(grad_inputs, grad_outputs)`` after this node ran (PyTorch's Node hook)."""
        hooks = self.metadata.setdefault("_post_hooks", [])
        hooks.append(hook)
        return RemovableHandle(hooks, hook)


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
            out = hook(_as_tensor(grad))
            if out is not None:
                grad = out
        add_to_grad(var, grad, create_graph)


def add_to_grad(var, grad, create_graph: bool) -> None:
    """``var.grad += grad`` (a fresh tensor the first time; differentiable with create_graph)."""
    if create_graph:
        grad = _as_tensor(grad)
        var._grad = grad if var._grad is None else var._grad + grad
        return
    data = grad._data if hasattr(grad, "_data") else grad
    if var._grad is None:
        var._grad = TENSOR._wrap(np.array(np.broadcast_to(data, var._data.shape),
                                          dtype=var._data.dtype))
    else:
        var._grad._data += data
        var._grad._vc[0] += 1


class SavedTensor:
    """A tensor saved for backward, with the version it had: later in-place changes are caught.

    The error names the node that made the tensor: for a saved output the node that saved it,
    for a saved input the tensor's node at the time of the error (as PyTorch reports them).
    """

    __slots__ = ("producer", "tensor", "version")

    def __init__(self, tensor, producer_name=None) -> None:
        self.tensor = tensor
        self.version = tensor._vc[0]
        self.producer = producer_name

    def unpack(self, as_tensor: bool):
        t = self.tensor
        if t._vc[0] != self.version:
            raise RuntimeError(_modified_message(t, self.producer, self.version))
        return t if as_tensor else t._data


def _modified_message(t, producer, version) -> str:
    dims = ", ".join(str(n) for n in t.shape)
    what = f"[torch.{t.dtype.tensor_type} [{dims}]]"
    if producer is None and t._grad_fn is not None:
        producer = t._grad_fn.name()
    if producer is not None:
        if not producer.startswith("torch::"):
            producer = _BACKWARD_SUFFIX.sub("", producer)
        what += f", which is output 0 of {producer},"
    return ("one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: {what} is at version {t._vc[0]}; expected version {version} "
            "instead. Hint: the operation that failed to compute its gradient is the one that "
            "saved this tensor; modify a clone instead (x = x.clone()).")


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
        ans = self._ans if type(self._ans) is tuple else _unpack(self._ans, create_graph)
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
            out.append(None if value is None else _fit(value, shape, dtype, create_graph))
        return out


class MultiRuleNode(RuleNode):
    """A rule-table primitive with several results (``eigh``, ``svd``): ``apply`` gets one
    gradient per result (None where a result got none) and passes them to the rule as a tuple."""

    def __init__(self, rule, next_functions, positions, slots, kwargs, ans, input_meta) -> None:
        super().__init__(rule, next_functions, positions, slots, kwargs, ans, input_meta)
        self.n_outputs = len(ans)
        self._has_saved = True

    def apply(self, grads, create_graph: bool) -> list:
        if self._freed:
            raise RuntimeError(FREED_MESSAGE)
        saved_ans = self._ans
        self._ans = tuple(_unpack(a, create_graph) for a in saved_ans)
        try:
            return super().apply(tuple(grads), create_graph)
        finally:
            self._ans = saved_ans


class ZeroGradNode(Node):
    """A piecewise-constant function PyTorch records (``SignBackward0``): its gradient is zero."""

    def __init__(self, next_functions, input_meta) -> None:
        super().__init__(next_functions)
        self._input_meta = input_meta

    def apply(self, grad, create_graph: bool) -> list:
        return [None if node is None else _fit(np.zeros(shape, dtype), shape, dtype, create_graph)
                for (node, _), (shape, dtype) in zip(self.next_functions, self._input_meta)]


class NotImplementedNode(Node):
    """An operation PyTorch records but cannot differentiate (``floor_divide``): backward raises."""

    def __init__(self, next_functions, operation: str) -> None:
        super().__init__(next_functions)
        self._operation = operation

    def name(self) -> str:
        return "NotImplemented"

    def apply(self, grad, create_graph: bool) -> list:
        raise RuntimeError(f"derivative for aten::{self._operation} is not implemented")


def _unpack(slot, create_graph):
    if type(slot) is list:
        return [_unpack(s, create_graph) for s in slot]
    if isinstance(slot, SavedTensor):
        return slot.unpack(create_graph)
    if isinstance(slot, _ShapeOnly):
        return slot.stand_in()
    return slot


class _ShapeOnly:
    """Stands in for an argument whose value the rule never reads (only its shape)."""

    __slots__ = ("dtype", "shape")

    def __init__(self, shape, dtype) -> None:
        self.shape, self.dtype = shape, dtype

    def stand_in(self) -> np.ndarray:
        """Zeros of the shape and dtype: a read-only broadcast view (no memory), shared by all
        stand-ins of that shape and dtype (a training loop asks for the same ones each step)."""
        key = (self.shape, self.dtype)
        array = _STAND_INS.get(key)
        if array is None:
            if len(_STAND_INS) > 4096:
                _STAND_INS.clear()
            array = _STAND_INS[key] = np.broadcast_to(np.zeros((), self.dtype), self.shape)
        return array


_STAND_INS: dict = {}


def shape_only(tensor) -> _ShapeOnly:
    return _ShapeOnly(tensor._data.shape, tensor._data.dtype)


def _fit(value, shape, dtype, create_graph):
    """Give a rule's contribution its input's shape and dtype."""
    if create_graph:
        t = value if hasattr(value, "_data") else TENSOR._wrap(np.asarray(value, dtype=dtype))
        if t._data.dtype != dtype and dtype.kind in "fc":
            t = t.to(dtype)
        if t._data.shape != shape:
            t = t + TENSOR._wrap(np.zeros(shape, dtype))
        return t
    value = np.asarray(value)
    if value.dtype != dtype:
        value = value.astype(dtype)
    if value.shape != shape:
        value = np.broadcast_to(value, shape)
    return value


def _as_tensor(grad):
    return grad if hasattr(grad, "_data") else TENSOR._wrap(np.asarray(grad))


_node_classes: dict[str, type] = {}


def node_class(name: str, base: type = RuleNode) -> type:
    """The subclass of ``base`` called ``name`` (so ``type(grad_fn).__name__`` is PyTorch's label)."""
    key = (name, base)
    cls = _node_classes.get(key)
    if cls is None:
        namespace = {"__module__": __name__}
        if name in _QUALIFIED:  # PyTorch's C++ nodes name themselves with their namespace
            namespace["name"] = lambda self, full=_QUALIFIED[name]: full
        cls = _node_classes[key] = type(name, (base,), namespace)
    return cls


_QUALIFIED = {"CopySlices": "torch::autograd::CopySlices"}


# -- the backward pass ------------------------------------------------------------------------

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
        g = grad if create_graph else TENSOR._wrap(np.array(getattr(grad, "_data", grad)))
        g = _as_tensor(g)
        tensor._grad = g if tensor._grad is None else tensor._grad + g
    return grad


def retain(node, tensor) -> None:
    node._retained = weakref.ref(tensor)
