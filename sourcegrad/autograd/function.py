"""``autograd.Function``: the one place where users write a backward themselves.

A subclass defines ``forward(ctx, *args)`` and ``backward(ctx, *grads)`` as static methods and is
called through ``apply``. ``forward`` runs without recording; its tensor outputs get one node,
``<Name>Backward`` -- which is also the ``ctx``: ``ctx.save_for_backward(...)`` keeps tensors
(version-checked, as any saved tensor), ``ctx.needs_input_grad`` says which inputs want a
gradient, ``ctx.mark_dirty``/``mark_non_differentiable``/``set_materialize_grads`` work as in
PyTorch. ``backward`` receives and returns Tensors; run with ``create_graph=True`` it is
recorded, so a backward written with Tensor operations is differentiable again.
"""
from __future__ import annotations

import functools

import numpy as np

from ..tensor import graph
from ..tensor.grad_mode import is_grad_enabled, no_grad, set_grad_enabled
from ..tensor.tensor import Tensor


class FunctionCtx:
    """What ``forward`` and ``backward`` share (the node itself, as in PyTorch)."""

    def save_for_backward(self, *tensors) -> None:
        self._saved = tuple(None if t is None else graph.SavedTensor(t) for t in tensors)

    @property
    def saved_tensors(self) -> tuple:
        if getattr(self, "_released", False):
            raise RuntimeError(graph.FREED_MESSAGE)
        return tuple(None if s is None else s.unpack(True) for s in getattr(self, "_saved", ()))

    def mark_dirty(self, *tensors) -> None:
        self._dirty = {id(t) for t in tensors}

    def mark_non_differentiable(self, *tensors) -> None:
        self._non_differentiable = {id(t) for t in tensors}

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = bool(value)


class BackwardCFunction(graph.Node, FunctionCtx):
    """The node of one call of a custom Function: it calls the user's ``backward``."""

    _function: type = None  # set on each generated subclass

    def __init__(self) -> None:
        super().__init__(())
        self.materialize_grads = True
        self.needs_input_grad: tuple = ()
        self._shapes: list = []

    def apply(self, grad, create_graph: bool) -> list:
        grads = list(grad) if self.n_outputs > 1 else [grad]
        for k, g in enumerate(grads):
            if g is None and self.materialize_grads:
                shape, dtype = self._output_meta[k]
                g = np.zeros(shape, dtype)
            grads[k] = None if g is None else (g if isinstance(g, Tensor) else Tensor._wrap(g))
        with set_grad_enabled(create_graph):
            result = self._function.backward(self, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        if len(result) < len(self._arg_is_tensor):
            if len(result) != sum(self._arg_is_tensor):
                raise RuntimeError(f"function {self.name()} returned an incorrect number of "
                                   f"gradients (expected {len(self._arg_is_tensor)}, got "
                                   f"{len(result)})")
        else:
            result = tuple(r for r, is_t in zip(result, self._arg_is_tensor) if is_t)
        out = []
        for k, (g, (shape, dtype)) in enumerate(zip(result, self._shapes)):
            if g is None or self.next_functions[k][0] is None:
                out.append(None)
                continue
            if tuple(g.shape) != shape:
                if np.broadcast_shapes(tuple(g.shape), shape) != tuple(g.shape):
                    raise RuntimeError(f"Function {self.name()} returned an invalid gradient at "
                                       f"index {k} - got {list(g.shape)} but expected shape "
                                       f"compatible with {list(shape)}")
                g = g.sum_to_size(shape) if create_graph else Tensor._wrap(
                    _sum_to(g._data, shape))
            out.append(g if create_graph else np.asarray(g._data, dtype=dtype))
        return out

    def release(self) -> None:
        self._released = True
        self._saved = ()

    def __repr__(self) -> str:  # PyTorch names Python-defined nodes with their module
        return f"<torch.autograd.function.{type(self).__name__} object at {id(self):#x}>"


def _sum_to(array: np.ndarray, shape: tuple) -> np.ndarray:
    lead = array.ndim - len(shape)
    array = array.sum(axis=tuple(range(lead))) if lead else array
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and array.shape[i] != 1)
    return array.sum(axis=axes, keepdims=True) if axes else array


class _FunctionMeta(type):
    """Gives each Function subclass its node class, named ``<Name>Backward`` as in PyTorch."""

    def __init__(cls, name, bases, namespace) -> None:
        super().__init__(name, bases, namespace)
        cls._backward_cls = type(f"{name}Backward", (BackwardCFunction,),
                                 {"_function": cls, "__module__": cls.__module__})


class Function(metaclass=_FunctionMeta):
    """Base class of custom differentiable functions: define static ``forward(ctx, ...)`` and
    ``backward(ctx, *grad_outputs)``, then call ``MyFunction.apply(...)``."""

    def __init__(self, *args, **kwargs) -> None:
        raise RuntimeError("Legacy autograd function with non-static forward method is "
                           "deprecated. Please use new-style autograd function with static "
                           "forward method.")

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode "
                                  "AD.")

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = cls._backward_cls()
        tensors = [a for a in args if isinstance(a, Tensor)]
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        with no_grad():
            if cls.setup_context is not Function.setup_context:
                output = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, output)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        if not (is_grad_enabled() and any(t.requires_grad for t in tensors)):
            return output
        return _connect(ctx, args, output)


def _connect(ctx, args, output):
    """Make ``ctx`` the grad_fn of the forward's tensor outputs."""
    single = not isinstance(output, tuple)
    outputs = (output,) if single else output
    ctx._arg_is_tensor = tuple(isinstance(a, Tensor) for a in args)
    tensor_args = [a for a in args if isinstance(a, Tensor)]
    ctx.next_functions = tuple((a._edge(), a._output_nr) if a.requires_grad else (None, 0)
                               for a in tensor_args)
    ctx._shapes = [(tuple(a.shape), a._data.dtype) for a in tensor_args]
    ctx.n_outputs = sum(isinstance(o, Tensor) for o in outputs)
    dirty = getattr(ctx, "_dirty", set())
    non_diff = getattr(ctx, "_non_differentiable", set())
    inputs = {id(a) for a in tensor_args}
    wrapped, meta, k = [], [], 0
    for o in outputs:
        if not isinstance(o, Tensor):
            wrapped.append(o)
            continue
        if id(o) in inputs and id(o) not in dirty:
            o = o.detach()  # an input returned as is: a new tensor, so the input keeps its history
        elif id(o) in dirty:
            o._vc[0] += 1   # PyTorch counts the recorded in-place change once more
        meta.append((tuple(o.shape), o._data.dtype))
        if id(o) not in non_diff and o._data.dtype.kind in "fc":
            o._grad_fn, o._output_nr = ctx, k
            o._requires_grad = False
        k += 1
        wrapped.append(o)
    ctx._output_meta = meta
    return wrapped[0] if single else tuple(wrapped)


def once_differentiable(backward):
    """Mark a ``backward`` as not differentiable: it runs without recording."""

    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        with no_grad():
            return backward(ctx, *grads)

    return wrapper
