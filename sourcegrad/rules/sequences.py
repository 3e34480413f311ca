"""Rules of functions that take a sequence of arrays or return several arrays.

Conventions (the compiler and the Tensor facade rely on them; the rules of ``einsum``,
``multi_dot``, ``slogdet``, ``qr``, ``eigh``, ``svd`` and ``lstsq`` follow them too):

* **Sequence input** (``np.concatenate([x, y])``, ``np.stack(arrays)``): the rule returns a
  list with one adjoint per element of the sequence, in order; the caller distributes it.
* **Variadic input** (``np.atleast_2d(*arys)``, ``np.einsum(subscripts, *operands)``): the
  ``*name`` parameter gets one tuple, one adjoint per argument it collected.
* **Tuple output** (``np.split``, ``np.linalg.eigh``, ...): ``g`` is a tuple with one adjoint
  per output, in order, and ``None`` for outputs that received none; ``ans`` is the tuple that
  the function returned. The runtime helpers treat ``None`` as zeros.

``Rule.vjp(i)`` follows the same conventions at run time, so
``RULES[np.stack].vjp(0)(g, ans, [x, y])`` returns ``[dx, dy]``.
"""
import numpy as np

from ..runtime_arrays import (
    atleast_adjoint,
    broadcast_arrays_adjoint,
    concatenate_adjoint,
    joined_adjoint,
    meshgrid_adjoint,
    stack_adjoint,
    unsplit,
    unstack_adjoint,
)
from ._compat import available
from .table import defvjp

# -- sequences in, one array out ----------------------------------------------------------------


@defvjp(np.concatenate, *available(np, "concat"), notes="a list of adjoints, one per array")
def concatenate(g, ans, arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    return concatenate_adjoint(g, arrays, axis)


@defvjp(np.stack, notes="a list of adjoints, one per array")
def stack(g, ans, arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    return stack_adjoint(g, arrays, axis)


@defvjp(np.hstack)
def hstack(g, ans, tup, dtype=None, casting="same_kind"):
    return joined_adjoint(g, tup, "h")


@defvjp(np.vstack, *available(np, "row_stack"))
def vstack(g, ans, tup, dtype=None, casting="same_kind"):
    return joined_adjoint(g, tup, "v")


@defvjp(np.dstack)
def dstack(g, ans, tup):
    return joined_adjoint(g, tup, "d")


@defvjp(np.column_stack)
def column_stack(g, ans, tup):
    return joined_adjoint(g, tup, "c")


@defvjp(np.append, notes="flattens both inputs when axis is None, as numpy does")
def append(g, ans, arr, values, axis=None):
    parts = concatenate_adjoint(g, [arr, values], axis)
    return parts[0], parts[1]


# -- one array in, a tuple out ------------------------------------------------------------------


@defvjp(np.split, np.array_split, returns="sequence", notes="g is a tuple, None for pieces without adjoint")
def split(g, ans, ary, indices_or_sections, axis=0):
    return unsplit(g, ans, axis)


@defvjp(np.hsplit, returns="sequence")
def hsplit(g, ans, ary, indices_or_sections):
    return unsplit(g, ans, min(np.ndim(ary) - 1, 1))


@defvjp(np.vsplit, returns="sequence")
def vsplit(g, ans, ary, indices_or_sections):
    return unsplit(g, ans, 0)


@defvjp(np.dsplit, returns="sequence")
def dsplit(g, ans, ary, indices_or_sections):
    return unsplit(g, ans, 2)


@defvjp(*available(np, "unstack"), returns="sequence")
def unstack(g, ans, x, axis=0):
    return unstack_adjoint(g, ans, axis)


# -- variadic ---------------------------------------------------------------------------------


@defvjp(np.atleast_1d, np.atleast_2d, np.atleast_3d, notes="one adjoint per argument",
        returns=lambda known: "sequence" if len(known.get("arys", ())) != 1 else "array")
def atleast_nd(g, ans, *arys):
    return atleast_adjoint(g, ans, arys)


@defvjp(np.broadcast_arrays, returns="sequence", notes="each output's adjoint is summed back to its input")
def broadcast_arrays(g, ans, *args, subok=False):
    return broadcast_arrays_adjoint(g, ans, args)


@defvjp(np.meshgrid, returns="sequence", notes="each grid's adjoint summed back onto its vector")
def meshgrid(g, ans, *xi, copy=True, sparse=False, indexing="xy"):
    return meshgrid_adjoint(g, ans, xi, indexing)
