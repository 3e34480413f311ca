"""``autograd.functional``: Jacobians, Hessians and their products with vectors.

Everything runs on the facade's own graph: ``vjp`` is one backward pass; ``jvp`` is the
double-backward trick (the vjp of a dummy cotangent ``u`` is linear in ``u``, so differentiating
``<vjp(u), v>`` with respect to ``u`` gives ``J v``); ``jacobian`` stacks one vjp per output
element; ``hessian`` is the Jacobian of the gradient (recorded with ``create_graph=True``);
``hvp``/``vhp`` differentiate ``<grad f, v>`` once more. Inputs are detached copies, outputs are
detached unless ``create_graph=True``, as in PyTorch.
"""
from __future__ import annotations

from ..tensor.creation import zeros, zeros_like
from ..tensor.grad_mode import enable_grad
from ..tensor.shapes import stack
from ..tensor.tensor import Tensor

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]


def _tuple(x, what):
    is_tuple = isinstance(x, (tuple, list))
    items = tuple(x) if is_tuple else (x,)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            raise TypeError(f"The {what} given to the function must be either a Tensor or a "
                            f"tuple of Tensors but the value at index {i} has type "
                            f"{type(t).__name__}.")
    return is_tuple, items


def _prepare(inputs, create_graph):
    """Copies of the inputs that require grad (views keeping history with create_graph)."""
    return tuple(t.view_as(t) if create_graph and t.requires_grad
                 else t.detach().requires_grad_(True) for t in inputs)


def _grads(outputs, inputs, grad_outputs, create_graph, strict):
    from . import grad
    wanted = [o for o in outputs if o.requires_grad]
    weights = [g for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if not wanted:
        if strict:
            raise RuntimeError("The output of the user-provided function is independent of "
                               "input 0. This is not allowed in strict mode.")
        return tuple(None for _ in inputs)
    result = grad(wanted, inputs, weights, retain_graph=True, create_graph=create_graph,
                  allow_unused=True)
    if strict:
        for i, r in enumerate(result):
            if r is None:
                raise RuntimeError(f"The output of the user-provided function is independent "
                                   f"of input {i}. This is not allowed in strict mode.")
    return result


def _fill(grads, like, create_graph):
    out = []
    for g, t in zip(grads, like):
        g = zeros_like(t) if g is None else g
        out.append(g if create_graph else g.detach())
    return tuple(out)


def _finish(outputs, is_tuple, create_graph):
    outputs = tuple(o if create_graph else o.detach() for o in outputs)
    return outputs if is_tuple else outputs[0]


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T J)``."""
    in_tuple, inputs = _tuple(inputs, "inputs")
    with enable_grad():
        inputs = _prepare(inputs, create_graph)
        out_tuple, outputs = _tuple(func(*inputs), "outputs of the user-provided function")
        if v is None:
            if any(o.numel() != 1 for o in outputs):
                raise RuntimeError("The vector v can only be None if the user-provided function "
                                   "returns a single Tensor with a single element.")
            v = tuple(None for _ in outputs)
        else:
            _, v = _tuple(v, "v")
        grads = _grads(outputs, inputs, v, create_graph, strict)
    result = _fill(grads, inputs, create_graph)
    return _finish(outputs, out_tuple, create_graph), result if in_tuple else result[0]


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)``, by differentiating a vjp with respect to its cotangent."""
    _, inputs = _tuple(inputs, "inputs")
    if v is None:
        if any(t.numel() != 1 for t in inputs):
            raise RuntimeError("The vector v can only be None if the input to the user-provided "
                               "function is a single Tensor with a single element.")
        v = tuple(t.new_ones(tuple(t.shape)) for t in inputs)
    else:
        _, v = _tuple(v, "v")
    with enable_grad():
        inputs = _prepare(inputs, create_graph)
        out_tuple, outputs = _tuple(func(*inputs), "outputs of the user-provided function")
        dummies = tuple(zeros_like(o).requires_grad_(True) for o in outputs)
        grads = _grads(outputs, inputs, dummies, True, strict)
        pairs = [(g, w) for g, w in zip(grads, v) if g is not None]
        if pairs:
            products = _grads([g for g, _ in pairs], dummies, [w for _, w in pairs],
                              create_graph, strict)
        else:
            products = tuple(None for _ in dummies)
    result = _fill(products, outputs, create_graph)
    return _finish(outputs, out_tuple, create_graph), result if out_tuple else result[0]


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """d outputs / d inputs: shape ``output.shape + input.shape`` for each pair (nested tuples
    when ``inputs`` or outputs are tuples)."""
    in_tuple, inputs = _tuple(inputs, "inputs")
    with enable_grad():
        inputs = _prepare(inputs, create_graph)
        out_tuple, outputs = _tuple(func(*inputs), "outputs of the user-provided function")
        table = []
        for out in outputs:
            flat = out.reshape(-1)
            rows = []
            for k in range(flat.numel()):
                grads = _grads([flat[k]], inputs, [None], create_graph, strict) \
                    if flat.requires_grad else tuple(None for _ in inputs)
                rows.append(_fill(grads, inputs, create_graph))
            per_input = []
            for i, t in enumerate(inputs):
                if rows:
                    block = stack([r[i] for r in rows]).reshape(*out.shape, *t.shape)
                else:
                    block = zeros(*out.shape, *t.shape, dtype=t.dtype)
                per_input.append(block)
            table.append(tuple(per_input) if in_tuple else per_input[0])
    return tuple(table) if out_tuple else table[0]


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar ``func``: ``jacobian`` of its gradient."""
    in_tuple, inputs = _tuple(inputs, "inputs")

    def gradient(*xs):
        out = func(*xs)
        if not isinstance(out, Tensor) or out.numel() != 1:
            raise RuntimeError("The function given to hessian should return a single Tensor "
                               "with a single element.")
        grads = _fill(_grads([out.reshape(())], xs, [None], True, strict), xs, True)
        return grads if in_tuple else grads[0]

    return jacobian(gradient, inputs if in_tuple else inputs[0], create_graph, strict)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T H)``."""
    in_tuple, inputs = _tuple(inputs, "inputs")
    _, v = _tuple(v, "v") if v is not None else (False, tuple(t.new_ones(tuple(t.shape))
                                                             for t in inputs))
    with enable_grad():
        inputs = _prepare(inputs, create_graph)
        out = func(*inputs)
        grads = _fill(_grads([out], inputs, [None], True, strict), inputs, True)
        products = _grads(list(grads), inputs, list(v), create_graph, strict)
    result = _fill(products, inputs, create_graph)
    return (out if create_graph else out.detach()), result if in_tuple else result[0]


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), H v)`` (the Hessian of a scalar function is symmetric: ``vhp``)."""
    return vhp(func, inputs, v, create_graph, strict)
