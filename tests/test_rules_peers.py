"""Second opinions: the table's gradients against autograd's and torch's, on the same cases.

Both peers are optional (the ``peers`` extra); these tests skip cleanly without them. Each test
compares every case the peer can compute and fails on any disagreement; a floor on the number
of comparisons keeps it from passing vacuously.
"""
from __future__ import annotations

import numpy as np
import pytest
from rules_cases import CASES
from test_rules_table import (
    checked_positions,
    contribution_for,
    get,
    leaf_paths,
    put,
    run_case,
    symmetric_directional,
)

from sourcegrad.rules import RULES
from sourcegrad.rules.coverage import qualified_name

#: where a peer differs from the table by its own convention or bug (finite differences, the
#: authority, agree with the table in every one of these): (peer, function, case label part)
KNOWN_DIFFERENCES = {
    ("autograd", "np.sum", "where="): "autograd ignores sum's where= argument",
    ("autograd", "np.tile", "(2, 2)"): "autograd's tile adjoint is wrong when reps is shorter "
                                       "than the array's rank",
    ("autograd", "np.full", ""): "autograd treats full's fill value as a constant, or sums "
                                 "its gradient over all of it",
    ("autograd", "np.full_like", ""): "autograd treats full_like's fill value as a constant",
    ("torch", "np.fmax", "tie"): "torch gives a tie's whole gradient to one input",
    ("torch", "np.fmin", "tie"): "torch gives a tie's whole gradient to one input",
}


class PeerCannot(Exception):
    """The peer has no (finite) gradient here: nothing to compare."""


def _known(peer, primitive, case):
    name = qualified_name(primitive)
    return any(p == peer and n == name and part in case.label
               for p, n, part in KNOWN_DIFFERENCES)


def _our_gradients(primitive, case):
    rule = RULES[primitive]
    args, kwargs, ans, g = run_case(primitive, case)
    paths, ours = [], []
    for position in checked_positions(rule, args):
        contrib = rule.vjp(position)(g, ans, *args, **kwargs)
        for path in leaf_paths(rule, args, position):
            paths.append(path)
            ours.append(np.asarray(contribution_for(rule, position, path, contrib), dtype=float))
    return args, kwargs, g, paths, ours


def _compare(primitive, case, theirs_fn, peer_errors):
    """None when the peer agrees, a message when not; PeerCannot if the peer cannot compute it.

    Only the peer's call is guarded: an error in the table's own rule fails the test.
    """
    args, kwargs, g, paths, ours = _our_gradients(primitive, case)
    try:
        theirs = theirs_fn(args, kwargs, g, paths)
    except peer_errors as error:
        raise PeerCannot from error
    for path, mine, other in zip(paths, ours, theirs):
        other = np.asarray(other, dtype=float)
        if not np.all(np.isfinite(other)) and np.all(np.isfinite(mine)):
            raise PeerCannot  # e.g. autograd's prod divides by zero, its sinc at 0 is NaN
        if path[0] in case.sym:
            mine, other = symmetric_directional(mine), symmetric_directional(other)
        if not np.allclose(mine, other, rtol=1e-6, atol=1e-8):
            return f"{qualified_name(primitive)}[{case.label}] input {path}: {mine} vs {other}"
    return None


def _cases():
    for primitive, cases in CASES.items():
        for case in cases:
            yield primitive, case


# -- autograd ----------------------------------------------------------------------------------

def _autograd_twin(primitive):
    anp = pytest.importorskip("autograd.numpy")
    name = qualified_name(primitive)
    if name.startswith("np.linalg."):
        return getattr(anp.linalg, name[10:], None)
    if name.startswith("np.") and name.count(".") == 1:
        return getattr(anp, name[3:], None)
    if name.startswith("scipy.special."):
        import autograd.scipy.special as asp
        return getattr(asp, name[14:], None)
    return None


def test_autograd_agrees():
    autograd = pytest.importorskip("autograd")
    compared, mismatches = 0, []
    for primitive, case in _cases():
        twin = _autograd_twin(primitive)
        if twin is None or _known("autograd", primitive, case):
            continue

        def theirs(args, kwargs, g, paths, twin=twin):
            def loss(leaves):
                a = args
                for path, leaf in zip(paths, leaves):
                    a = put(a, path, leaf)
                return pairing_autograd(g, twin(*a, **kwargs))
            return autograd.grad(loss)(tuple(get(args, p) for p in paths))

        try:  # autograd may have no VJP for this function or these arguments
            problem = _compare(primitive, case, theirs, Exception)
        except PeerCannot:
            continue
        compared += 1
        if problem:
            mismatches.append(problem)
    assert not mismatches, "\n".join(mismatches)
    print(f"compared {compared} cases with autograd")
    assert compared >= 300, f"only {compared} cases compared with autograd"


def pairing_autograd(g, out):
    import autograd.numpy as anp
    if isinstance(out, (tuple, list)):
        return sum(pairing_autograd(gi, oi) for gi, oi in zip(g, out) if gi is not None)
    return anp.sum(g * out)


# -- torch -------------------------------------------------------------------------------------

def _torch_twins():
    torch = pytest.importorskip("torch")
    same = {n: getattr(torch, n) for n in (
        "sin", "cos", "tan", "sinh", "cosh", "tanh", "exp", "expm1", "exp2", "log", "log2",
        "log10", "log1p", "sqrt", "square", "abs", "reciprocal", "negative", "sinc", "deg2rad",
        "rad2deg", "hypot", "logaddexp", "logaddexp2", "maximum", "minimum", "fmax", "fmin",
        "fmod", "remainder", "float_power", "matmul", "outer", "kron", "inner")}
    same.update(arcsin=torch.asin, arccos=torch.acos, arctan=torch.atan, arcsinh=torch.asinh,
                arccosh=torch.acosh, arctanh=torch.atanh, absolute=torch.abs, add=torch.add,
                subtract=torch.sub, multiply=torch.mul, true_divide=torch.div, power=torch.pow,
                arctan2=torch.atan2, einsum=torch.einsum)
    twins = {getattr(np, n): f for n, f in same.items()}
    twins.update({np.linalg.inv: torch.linalg.inv, np.linalg.det: torch.linalg.det,
                  np.linalg.solve: torch.linalg.solve, np.linalg.pinv: torch.linalg.pinv,
                  np.linalg.cholesky: torch.linalg.cholesky,
                  np.linalg.slogdet: torch.linalg.slogdet})

    def reduction(fn):
        def call(x, axis=None, keepdims=False, ddof=None):
            extra = {} if fn not in (torch.var, torch.std) else {"correction": ddof or 0}
            if axis is None:
                return fn(x, **extra) if not keepdims else fn(x, dim=tuple(range(x.ndim)),
                                                              keepdim=True, **extra)
            return fn(x, dim=axis, keepdim=keepdims, **extra)
        return call

    for npf, tf in ((np.sum, torch.sum), (np.mean, torch.mean), (np.amax, torch.amax),
                    (np.amin, torch.amin), (np.var, torch.var), (np.std, torch.std)):
        twins[npf] = reduction(tf)
    return torch, twins


def test_torch_agrees():
    torch, twins = _torch_twins()
    compared, mismatches = 0, []
    for primitive, case in _cases():
        twin = twins.get(primitive)
        if twin is None or _known("torch", primitive, case):
            continue

        def theirs(args, kwargs, g, paths, twin=twin):
            a = [torch.tensor(x, dtype=torch.float64) if isinstance(x, (float, np.ndarray))
                 else x for x in args]
            leaves = []
            for path in paths:
                leaf = torch.tensor(get(args, path), dtype=torch.float64, requires_grad=True)
                a = put(a, path, leaf)
                leaves.append(leaf)
            out = twin(*a, **kwargs)
            outs = out if isinstance(out, tuple) else (out,)
            gs = g if isinstance(out, tuple) else (g,)
            loss = sum((torch.as_tensor(gi, dtype=torch.float64) * oi).sum()
                       for gi, oi in zip(gs, outs) if gi is not None)
            return [t.numpy() for t in torch.autograd.grad(loss, leaves)]

        try:  # torch may spell the arguments differently
            problem = _compare(primitive, case, theirs, (TypeError, RuntimeError))
        except PeerCannot:
            continue
        compared += 1
        if problem:
            mismatches.append(problem)
    assert not mismatches, "\n".join(mismatches)
    print(f"compared {compared} cases with torch")
    assert compared >= 150, f"only {compared} cases compared with torch"
