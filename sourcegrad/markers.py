"""Functions users write into differentiated code to tell the compiler something."""
from __future__ import annotations


def stop_gradient(x):
    """``x``, treated as a constant by differentiation: no gradient flows back through it.

    >>> import numpy as np, sourcegrad
    >>> def f(x):
    ...     return np.sum(x * sourcegrad.stop_gradient(x))
    >>> sourcegrad.grad(f)(np.array([1.0, 2.0]))  # d/dx of x * c, with c = x: c
    array([1., 2.])

    On a Tensor of the facade it is ``x.detach()``; elsewhere it returns ``x`` itself (the
    same object: a write into the result writes into ``x``, and is refused like any write
    into a shared array).
    """
    detach = getattr(x, "detach", None)
    if callable(detach) and hasattr(x, "requires_grad"):
        return detach()
    return x


__all__ = ["stop_gradient"]
