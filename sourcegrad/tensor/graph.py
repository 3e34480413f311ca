"""The recorded graph: nodes, saved tensors, and how a rule's result fits its input.

Every operation on Tensors that require grad creates one :class:`Node` (named as PyTorch names
it: ``MulBackward0``) whose ``next_functions`` point at the nodes of its inputs: another op's node,
the :class:`AccumulateGrad` node of a leaf, or ``None`` for a constant. A node's backward is a rule
from the one rule table (``sourcegrad.rules``); this module never states a derivative itself.
(:class:`ZeroGradNode` is the table's "no gradient" for piecewise-constant functions that PyTorch
still records, such as ``sign``; a custom ``autograd.Function`` brings its own backward.)

:mod:`.backward` walks the graph.
"""
from __future__ import annotations

import itertools
import re

import numpy as np

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
                contributions[pos] = self._contribution(pos, grad, ans, args, create_graph)
            value = contributions[pos] if item is None else contributions[pos][item]
            out.append(None if value is None else _fit(value, shape, dtype, create_graph))
        return out


    def _contribution(self, pos, grad, ans, args, create_graph):
        if not create_graph:
            return self._rule.vjp(pos)(grad, ans, *args, **self._kwargs)
        try:
            return self._rule.vjp(pos)(grad, ans, *args, **self._kwargs)
        except (RuntimeError, TypeError, ValueError, AttributeError) as exc:
            # a runtime helper of this rule works on plain arrays only (np.asarray, writes
            # into a buffer): say so, rather than how it failed deep inside
            raise RuntimeError(
                f"create_graph=True: the backward of {self.name()} (rule '{self._rule.name}') "
                "cannot be recorded, so it has no second derivative here. Differentiate it "
                f"once, or write the operation with other operations ({exc})") from exc


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
