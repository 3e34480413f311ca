"""Sums of products as products: ``np.sum(a * b)`` of two vectors of one shape is ``a @ b``.

The adjoint of ``y = w[k] * x[k:k + n]`` with respect to ``w[k]`` is ``np.sum(dy * x_k)``: an
elementwise product written to a temporary, then summed. ``dy @ x_k`` is the same number from
one BLAS dot product, with no temporary. The rewrite needs what only a specialization knows --
both operands are float vectors -- and what the shape facts prove: they have one shape (so
nothing broadcasts, which ``@`` would refuse). It is made in derivative code only, where a
different order of summation is fine; the user's own sums are computed as written.
"""
from __future__ import annotations

import gast
import numpy as np

from ..ir import walk
from ..ir.core import Op
from ..rules import lookup
from ..rules.binding import bind
from .infer import infer
from .shapes import ShapeFacts


def contract(function, params: dict) -> bool:
    """Rewrite ``function`` (a specialization) in place; True if anything changed."""
    avals = infer(function, params)
    ops = [s for s in walk.statements(function.body) if s.__class__ is Op]
    definitions = {s.outs[0]: s for s in ops if len(s.outs) == 1}
    counts = walk.use_counts(function.body)
    shapes = None
    changed = False
    for op in ops:
        product = _summed_product(op, definitions, counts)
        if product is None:
            continue
        a, b = product.args
        if not all(_float_vector(avals.get(v)) for v in (a, b)):
            continue
        shapes = shapes or ShapeFacts(function, scalars=[v for v, av in avals.items()
                                                          if av.rank == 0],
                                      arrays={v for v, av in avals.items() if av.kind == "array"})
        if not shapes.same(a, b):
            continue
        op.kind, op.prim, op.method, op.fn, op.args = "binop", gast.MatMult, None, None, [a, b]
        rule = lookup(gast.MatMult)
        op.binding = bind(rule, 2, ()) if rule is not None else None
        changed = True
    return changed


def _summed_product(op, definitions, counts):
    """The ``a * b`` that ``op`` sums whole, in derivative code, read only there."""
    if op.kind != "call" or op.prim is not np.sum or len(op.args) != 1 or op.kwargs or \
            op.origin is None or op.origin.role not in ("grad", "tangent"):
        return None
    product = definitions.get(op.args[0])
    if product is None or product.kind != "binop" or product.prim is not gast.Mult or \
            counts.get(op.args[0], 0) != 1:
        return None
    return product


def _float_vector(aval) -> bool:
    return aval is not None and aval.kind == "array" and aval.rank == 1 and \
        aval.dtype is not None and aval.dtype.kind == "f"


__all__ = ["contract"]
