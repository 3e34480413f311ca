"""Every facade operation's gradient against central finite differences (float64), first and
second order, plus the compiled-function node and the nn.functional losses."""
from __future__ import annotations

import numpy as np
import pytest

import sourcegrad as torch
from sourcegrad import autograd
from sourcegrad.tensor import function

F = torch.nn.functional

# name -> (function of tensors, input shapes)
OPS = {
    "add": (lambda x, y: x + y, [(2, 3), (3,)]),
    "sub": (lambda x, y: x - y, [(2, 3), (2, 1)]),
    "rsub": (lambda x: 3 - x, [(3,)]),
    "mul": (lambda x, y: x * y, [(2, 3), (2, 3)]),
    "div": (lambda x, y: x / (y * y + 1), [(3,), (3,)]),
    "rdiv": (lambda x: 2 / (x * x + 1), [(3,)]),
    "pow_scalar": (lambda x: x ** 3, [(3,)]),
    "pow_tensor": (lambda x, y: (x * x + 0.5) ** y, [(3,), (3,)]),
    "rpow": (lambda x: 2 ** x, [(3,)]),
    "neg": (lambda x: -x, [(3,)]),
    "exp": (lambda x: x.exp(), [(3,)]),
    "log": (lambda x: (x * x + 1).log(), [(3,)]),
    "sin_cos_tan": (lambda x: x.sin() * x.cos() + (x * 0.3).tan(), [(3,)]),
    "tanh_sigmoid": (lambda x: torch.tanh(x) + torch.sigmoid(x), [(2, 2)]),
    "relu": (lambda x: torch.relu(x), [(4,)]),
    "sqrt_abs": (lambda x: (x.abs() + 1).sqrt(), [(3,)]),
    "square_clamp": (lambda x: x.square() + x.clamp(-0.5, 0.5), [(4,)]),
    "maximum": (lambda x, y: torch.maximum(x, y), [(3,), (3,)]),
    "where": (lambda x, y: torch.where(x > 0, x, y), [(4,), (4,)]),
    "sum_mean": (lambda x: x.sum(0) + x.mean(1, keepdim=True).sum() + torch.mean(x), [(2, 3)]),
    "max_min": (lambda x: x.max() + x.min(dim=1).values.sum(), [(2, 3)]),
    "prod_var_std": (lambda x: x.prod() + x.var() + x.std(dim=0).sum(), [(2, 3)]),
    "norm": (lambda x: x.norm(), [(3,)]),
    "mm": (lambda a, b: a @ b, [(2, 3), (3, 2)]),
    "mv": (lambda a, v: a @ v, [(2, 3), (3,)]),
    "vm": (lambda v, a: torch.matmul(v, a), [(2,), (2, 3)]),
    "dot": (lambda u, v: u.dot(v), [(3,), (3,)]),
    "batched": (lambda a, b: a @ b, [(2, 2, 3), (3, 2)]),
    "shapes": (lambda x: x.t().reshape(6).unsqueeze(0).squeeze(0).view(2, 3).T, [(2, 3)]),
    "transpose_permute": (lambda x: x.transpose(0, 2).permute(1, 0, 2), [(2, 3, 4)]),
    "expand_flatten": (lambda x: x.expand(2, 3).flatten(), [(3,)]),
    "index": (lambda x: x[0] + x[:, 1].sum() + x[[1, 1], [0, 2]].sum(), [(2, 3)]),
    "cat_stack": (lambda x, y: torch.cat([x, y]).sum() + torch.stack([x, y], 1), [(3,), (3,)]),
    "clone_to": (lambda x: x.clone().to(torch.float64) * x.double(), [(3,)]),
    "softmax": (lambda x: F.softmax(x, dim=1) * F.log_softmax(x, dim=0), [(2, 3)]),
    "mse": (lambda x, y: F.mse_loss(x, y), [(3,), (3,)]),
    "bce": (lambda x, y: F.binary_cross_entropy_with_logits(x, y.sigmoid(), pos_weight=torch.tensor([2.0, 1.0, 0.5], dtype=torch.float64)), [(3,), (3,)]),
    "bce_sum": (lambda x: F.binary_cross_entropy_with_logits(x, torch.ones(3, dtype=torch.float64), reduction="sum"), [(3,)]),
    "cross_entropy": (lambda x: F.cross_entropy(x, torch.tensor([2, 0])), [(2, 3)]),
    "nll_none": (lambda x: F.nll_loss(x, torch.tensor([1, 2]), reduction="none"), [(2, 3)]),
    "inplace": (lambda x: (x * 1).mul_(x).add_(1).exp_(), [(3,)]),
}


def _inputs(shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1.5, 1.5, s) for s in shapes]


def _scalar(fn, arrays):
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    out = fn(*ts)
    weights = np.linspace(0.5, 1.5, out.numel()).reshape(tuple(out.shape))
    return (out * torch.tensor(weights)).sum(), ts


def _numeric(fn, arrays, eps=1e-6):
    grads = []
    for k, a in enumerate(arrays):
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            hi = [b.copy() for b in arrays]
            lo = [b.copy() for b in arrays]
            hi[k][idx] += eps
            lo[k][idx] -= eps
            with torch.no_grad():
                g[idx] = (_scalar(fn, hi)[0].item() - _scalar(fn, lo)[0].item()) / (2 * eps)
        grads.append(g)
    return grads


@pytest.mark.parametrize("name", sorted(OPS))
def test_gradient_matches_finite_differences(name):
    fn, shapes = OPS[name]
    arrays = _inputs(shapes)
    loss, ts = _scalar(fn, arrays)
    loss.backward()
    for t, expected in zip(ts, _numeric(fn, arrays)):
        np.testing.assert_allclose(t.grad.numpy(), expected, rtol=1e-6, atol=1e-6)


SECOND_ORDER = sorted(OPS)


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_second_derivative_matches_finite_differences(name):
    fn, shapes = OPS[name]
    arrays = _inputs(shapes, seed=1)

    def gradient_norm(*ts):
        with torch.enable_grad():  # also when finite differences evaluate it under no_grad
            loss = _weighted(fn(*ts))
            grads = autograd.grad(loss, ts, create_graph=True, allow_unused=True)
            return sum((g * g).sum() for g in grads if g is not None) * 1.0

    total, ts = _scalar(gradient_norm, arrays)
    if not total.requires_grad:  # a linear function: constant gradient, zero second derivative
        for expected in _numeric(gradient_norm, arrays):
            np.testing.assert_allclose(expected, 0, atol=1e-5)
        return
    second = autograd.grad(total, ts, allow_unused=True)
    for g, expected in zip(second, _numeric(gradient_norm, arrays)):
        got = np.zeros_like(expected) if g is None else g.numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def _weighted(out):
    weights = np.linspace(0.5, 1.5, out.numel()).reshape(tuple(out.shape))
    return (out * torch.tensor(weights)).sum()


def numpy_loss(x, W, b):
    return np.mean((np.tanh(x @ W) + b) ** 2)


def test_compiled_function_is_one_node_with_the_generated_adjoint():
    loss = function(numpy_loss)
    x = torch.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]])
    W = torch.tensor([[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]], requires_grad=True)
    b = torch.zeros(2, requires_grad=True)
    out = loss(x, W, b) * 3
    node = out.grad_fn.next_functions[0][0]
    assert type(node).__name__ == "CompiledFunctionBackward"
    assert [type(n).__name__ for n, _ in node.next_functions] == ["AccumulateGrad"] * 2
    out.backward()
    W2 = W.detach().clone().requires_grad_()
    b2 = b.detach().clone().requires_grad_()
    ((((x @ W2).tanh() + b2) ** 2).mean() * 3).backward()
    np.testing.assert_allclose(W.grad.numpy(), W2.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(b.grad.numpy(), b2.grad.numpy(), rtol=1e-6)
    with torch.no_grad():
        assert loss(x, W, b).grad_fn is None
    with pytest.raises(RuntimeError, match="differentiable once"):
        autograd.grad(loss(x, W, b), W, create_graph=True)
