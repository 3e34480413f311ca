"""A compiled numpy function as one graph node: ``sourcegrad.tensor.function(f)``.

``function(f)`` wraps a numpy function that returns a scalar. Called on Tensors that require
grad, it runs the gradient that sourcegrad's compiler generated for ``f``
(``sourcegrad.value_and_grad``) in the same sweep as the value, and records a single node
(``CompiledFunctionBackward``) whose backward scales those gradients by the incoming gradient --
so a hot loss function costs one node, not one per numpy operation. Called without tensors
that require grad (or under ``no_grad``), it just runs ``f``.

The generated adjoint is numpy code, so the node is differentiable once: backward with
``create_graph=True`` through it raises instead of returning incomplete second derivatives.
"""
from __future__ import annotations

import functools

import numpy as np

from . import graph
from .dispatch import wrap_value
from .grad_mode import is_grad_enabled
from .tensor import Tensor


class CompiledFunctionBackward(graph.Node):
    """Backward of a compiled function: incoming gradient times the precomputed gradients."""

    def __init__(self, next_functions, gradients, function) -> None:
        super().__init__(next_functions)
        self._gradients = gradients
        self.metadata["function"] = getattr(function, "__qualname__", repr(function))

    def apply(self, grad, create_graph: bool) -> list:
        if create_graph:
            raise RuntimeError(
                f"{self.metadata['function']} is compiled by sourcegrad and differentiable once: "
                "create_graph=True cannot differentiate through it. Call the function without "
                "sourcegrad.tensor.function to record its numpy operations one by one instead."
            )
        g = np.asarray(grad)
        return [g * d for d in self._gradients]


def function(f=None, *, optimize: bool = True):
    """Make numpy function ``f`` (scalar result) callable on Tensors as a single graph node."""
    if f is None:
        return functools.partial(function, optimize=optimize)
    compiled: dict = {}

    @functools.wraps(f)
    def call(*args, **kwargs):
        tracked = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad)
        arrays = [a._data if isinstance(a, Tensor) else a for a in args]
        if not tracked or not is_grad_enabled():
            return wrap_value(f(*arrays, **kwargs), args)
        if tracked not in compiled:
            from ..api import value_and_grad  # the public compiler API (imported on first use)
            compiled[tracked] = value_and_grad(f, wrt=tracked, optimize=optimize)
        value, grads = compiled[tracked](*arrays, **kwargs)
        if np.ndim(value) != 0:
            raise ValueError(f"sourcegrad.tensor.function needs {f.__name__} to return a scalar, "
                             f"got shape {np.shape(value)}")
        if not isinstance(grads, tuple):
            grads = (grads,)
        out = wrap_value(np.asarray(value), args)
        edges = [(args[i]._edge(), args[i]._output_nr) for i in tracked]
        out.grad_fn = CompiledFunctionBackward(edges, [np.asarray(g) for g in grads], f)
        return out

    return call
