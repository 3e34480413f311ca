"""``gradcheck``/``gradgradcheck``: a function's gradients against central finite differences.

The analytical Jacobian is built row by row from backward passes, the numerical one by moving
each input element by ``eps`` both ways; they must agree within ``atol + rtol * |numerical|``.
Use float64 inputs (PyTorch warns otherwise, and so does this).
"""
from __future__ import annotations

import warnings

import numpy as np

from ..tensor.tensor import Tensor


class GradcheckError(RuntimeError):
    """The analytical and numerical gradients disagree."""


def _outputs(func, inputs):
    out = func(*inputs)
    return (out,) if isinstance(out, Tensor) else tuple(o for o in out if isinstance(o, Tensor))


def _numerical(func, inputs, i, k, eps):
    t = inputs[i]
    flat = t._data.reshape(-1)
    original = flat[k]
    flat[k] = original + eps  # straight into memory: the graph of these calls is not used
    plus = [o._data.astype(np.float64).copy() for o in _outputs(func, inputs)]
    flat[k] = original - eps
    minus = [o._data.astype(np.float64).copy() for o in _outputs(func, inputs)]
    flat[k] = original
    return [(p - m) / (2 * eps) for p, m in zip(plus, minus)]


def _analytical(func, inputs, o, wanted):
    from . import grad
    out = _outputs(func, inputs)[o]
    rows = []
    for k in range(out.numel()):
        if not out.requires_grad:
            rows.append([None] * len(wanted))
            continue
        seed = np.zeros(out._data.shape, out._data.dtype)
        seed.reshape(-1)[k] = 1
        rows.append(grad(out, [inputs[i] for i in wanted], Tensor._wrap(seed),
                         retain_graph=True, allow_unused=True))
    return rows


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False,
              check_forward_ad=False, check_backward_ad=True, fast_mode=False, masked=None):
    """True if ``func``'s gradients match finite differences; otherwise raise (or False)."""
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    wanted = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    for i in wanted:
        if inputs[i]._data.dtype != np.float64:
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating "
                          "point or complex. This check will likely fail if all the inputs are "
                          "not of double precision floating point or complex. ", UserWarning,
                          stacklevel=2)
    n_outputs = len(_outputs(func, inputs))
    for o in range(n_outputs):
        rows = _analytical(func, inputs, o, wanted)
        for j, i in enumerate(wanted):
            size = inputs[i].numel()
            analytical = np.array([[0.0] * size if r[j] is None else
                                   r[j]._data.reshape(-1).astype(np.float64) for r in rows])
            numerical = np.array([_numerical(func, inputs, i, k, eps)[o].reshape(-1)
                                  for k in range(size)]).T.reshape(analytical.shape)
            if not np.allclose(analytical, numerical, rtol=rtol, atol=atol):
                message = (f"Jacobian mismatch for output {o} with respect to input {i},\n"
                           f"numerical:{numerical.T}\nanalytical:{analytical.T}\n")
                if raise_exception:
                    raise GradcheckError(message)
                return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """:func:`gradcheck` of the gradients of ``func`` (recorded with ``create_graph=True``)."""
    from . import grad
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    outputs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(Tensor._wrap(rng.standard_normal(o._data.shape).astype(
            o._data.dtype)).requires_grad_(True) for o in outputs)
    else:
        grad_outputs = (grad_outputs,) if isinstance(grad_outputs, Tensor) else tuple(grad_outputs)
    wanted = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    n = len(inputs)

    def first_derivatives(*args):
        xs, gs = args[:n], args[n:]
        outs = _outputs(func, xs)
        result = grad(outs, [xs[i] for i in wanted], gs, create_graph=True, allow_unused=True)
        return tuple(r for r in result if r is not None)

    return gradcheck(first_derivatives, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
