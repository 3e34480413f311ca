"""Differential test: random expression graphs run on sourcegrad and on real PyTorch.

Each seed builds a small random program over a few leaf tensors (elementwise functions,
broadcasting arithmetic, matrix products, reductions, shape changes, indexing, losses), runs it
with both libraries, and compares every intermediate grad_fn name, the output and every leaf's
gradient -- first order, and second order through ``create_graph=True``.
"""
from __future__ import annotations

import random

import numpy as np
import pytest

import sourcegrad

torch = pytest.importorskip("torch")

SHAPES = [(3,), (2, 3), (3, 3), (4,), (3, 1)]

UNARY = {
    "neg": lambda m, x: -x,
    "sin": lambda m, x: x.sin(),
    "cos": lambda m, x: m.cos(x),
    "tanh": lambda m, x: x.tanh(),
    "sigmoid": lambda m, x: m.sigmoid(x),
    "relu": lambda m, x: x.relu(),
    "exp_tanh": lambda m, x: x.tanh().exp(),
    "log": lambda m, x: (x.abs() + 1).log(),
    "sqrt": lambda m, x: (x * x + 1).sqrt(),
    "square": lambda m, x: x ** 2,
    "cube": lambda m, x: x.pow(3) * 0.1,
    "scale": lambda m, x: 0.5 * x - 1,
    "rdiv": lambda m, x: 1 / (x.abs() + 1),
    "rsub": lambda m, x: 2 - x,
    "sum": lambda m, x: x.sum(),
    "sum_last": lambda m, x: x.sum(-1) if x.dim() else x,
    "mean": lambda m, x: m.mean(x),
    "mean_keep": lambda m, x: x.mean(0, keepdim=True) if x.dim() else x,
    "t": lambda m, x: x.t() if x.dim() == 2 else x,
    "T": lambda m, x: x.T if x.dim() == 2 else x,
    "flatten": lambda m, x: x.reshape(-1),
    "unsqueeze": lambda m, x: x.unsqueeze(0),
    "index0": lambda m, x: x[0] if x.dim() else x,
    "slice": lambda m, x: x[..., 1:] if x.dim() and x.shape[-1] > 1 else x,
    "max": lambda m, x: x.max(),
    "softmax": lambda m, x: m.nn.functional.softmax(x, dim=-1) if x.dim() else x,
    "log_softmax": lambda m, x: m.nn.functional.log_softmax(x, dim=-1) if x.dim() else x,
    "clamp": lambda m, x: x.clamp(min=-0.5, max=0.7),
}

BINARY = {
    "add": lambda m, x, y: x + y,
    "sub": lambda m, x, y: x - y,
    "mul": lambda m, x, y: x * y,
    "div": lambda m, x, y: x / (y * y + 1),
    "pow": lambda m, x, y: (x.abs() + 0.5) ** (y.tanh()),
    "maximum": lambda m, x, y: m.maximum(x, y),
    "mse": lambda m, x, y: m.nn.functional.mse_loss(x, y),
    "bce": lambda m, x, y: m.nn.functional.binary_cross_entropy_with_logits(x, y.detach().sigmoid()),
}


def _matmul_ok(a, b):
    return a.dim() >= 1 and b.dim() >= 1 and a.shape[-1] == b.shape[0] and b.dim() <= 2 and a.dim() <= 2


def _broadcast_ok(a, b):
    try:
        np.broadcast_shapes(tuple(a.shape), tuple(b.shape))
        return True
    except ValueError:
        return False


def make_program(seed):
    rng = random.Random(seed)
    leaves = [rng.choice(SHAPES) for _ in range(rng.randint(2, 3))]
    values = [np.random.default_rng(seed + i).uniform(-1.5, 1.5, s) for i, s in enumerate(leaves)]
    steps = []
    shapes = [tuple(s) for s in leaves]
    for _ in range(rng.randint(3, 9)):
        kind = rng.random()
        i = rng.randrange(len(shapes))
        if kind < 0.45:
            name = rng.choice(sorted(UNARY))
            steps.append(("unary", name, i))
        else:
            j = rng.randrange(len(shapes))
            if rng.random() < 0.2:
                steps.append(("matmul", "matmul", i, j))
            else:
                steps.append(("binary", rng.choice(sorted(BINARY)), i, j))
        shapes.append(None)  # shape known only when run
    return values, steps


def run(module, values, steps, dtype, create_graph=False):
    """Run the program; return (names, output, leaves, grads)."""
    leaves = [module.tensor(v, dtype=dtype, requires_grad=True) for v in values]
    vals = list(leaves)
    names = []
    for step in steps:
        if step[0] == "unary":
            out = UNARY[step[1]](module, vals[step[2]])
        else:
            a, b = vals[step[2]], vals[step[3]]
            if step[0] == "matmul" and _matmul_ok(a, b):
                out = a @ b
            elif step[1] in ("mse",) and tuple(a.shape) != tuple(b.shape):
                out = a + 0
            elif step[1] == "bce" and tuple(a.shape) != tuple(b.shape):
                out = a * 1
            elif step[0] == "binary" and _broadcast_ok(a, b):
                out = BINARY[step[1]](module, a, b)
            else:
                out = a * 2
        vals.append(out)
        names.append(out.grad_fn.name() if out.grad_fn is not None else None)
    out = vals[-1]
    weights = module.tensor(np.linspace(-1, 1, max(out.numel(), 1)).reshape(tuple(out.shape)),
                            dtype=dtype)
    loss = (out * weights).sum()
    if create_graph:
        grads = module.autograd.grad(loss, leaves, create_graph=True, allow_unused=True)
        used = [g for g in grads if g is not None]
        total = sum((g * g).sum() for g in used)
        if not getattr(total, "requires_grad", False):
            return names, out, leaves, [None] * len(leaves)
        second = module.autograd.grad(total, leaves, allow_unused=True)
        return names, out, leaves, second
    loss.backward()
    return names, out, leaves, [leaf.grad for leaf in leaves]


def _np(t):
    return None if t is None else t.detach().numpy()


@pytest.mark.parametrize("seed", range(60))
def test_random_graph_matches_pytorch(seed):
    values, steps = make_program(seed)
    for dtype_name, rtol in (("float64", 1e-10), ("float32", 2e-4)):
        ours = run(sourcegrad, values, steps, getattr(sourcegrad, dtype_name))
        theirs = run(torch, values, steps, getattr(torch, dtype_name))
        assert ours[0] == theirs[0], steps
        np.testing.assert_allclose(_np(ours[1]), _np(theirs[1]), rtol=rtol, atol=rtol)
        for g_ours, g_theirs in zip(ours[3], theirs[3]):
            assert (g_ours is None) == (g_theirs is None)
            if g_ours is not None:
                np.testing.assert_allclose(_np(g_ours), _np(g_theirs), rtol=rtol, atol=rtol)


@pytest.mark.parametrize("seed", range(25))
def test_random_graph_second_derivatives_match_pytorch(seed):
    values, steps = make_program(1000 + seed)
    ours = run(sourcegrad, values, steps, sourcegrad.float64, create_graph=True)
    theirs = run(torch, values, steps, torch.float64, create_graph=True)
    for g_ours, g_theirs in zip(ours[3], theirs[3]):
        if g_theirs is None or g_ours is None:
            # PyTorch drops unused inputs; sourcegrad may carry explicit zeros instead
            other = g_ours if g_theirs is None else g_theirs
            assert other is None or not np.any(_np(other))
            continue
        np.testing.assert_allclose(_np(g_ours), _np(g_theirs), rtol=1e-9, atol=1e-9)
