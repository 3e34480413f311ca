"""Checks made before anything is timed: the gradient is right, and the inputs are untouched."""
from __future__ import annotations

import numpy as np

#: largest tolerated max|got - ref| / max|ref| per gradient (float64 sums taken in another
#: order differ by ~1e-14; a wrong or missing term in a gradient is far above this)
RTOL = 1e-8


def mismatch(wrt: tuple[str, ...], got: tuple, ref: tuple) -> str | None:
    """Why the gradients ``got`` (of the arguments ``wrt``) are not ``ref``; None if they are."""
    if len(got) != len(ref):
        return f"returned {len(got)} gradients for {len(ref)} arguments"
    for name, g, r in zip(wrt, got, ref, strict=True):
        if g.shape != r.shape:
            return f"d{name} has shape {g.shape}, expected {r.shape}"
        if g.dtype != np.float64:
            return f"d{name} has dtype {g.dtype}, expected float64"
        scale = float(np.max(np.abs(r))) if r.size else 0.0
        diff = float(np.max(np.abs(g - r))) if r.size else 0.0
        err = diff / scale if scale else diff
        if not err <= RTOL:  # also catches NaN
            return f"d{name} differs from hand-written by {err:.1e} of its largest entry"
    return None


def mutated(inputs: dict, pristine: dict) -> str | None:
    """Name any input array a call changed in place, and restore it."""
    changed = []
    for name, value in inputs.items():
        if isinstance(value, np.ndarray) and not np.array_equal(value, pristine[name]):
            np.copyto(value, pristine[name])
            changed.append(name)
    return f"changed its input(s) {', '.join(changed)} in place" if changed else None
