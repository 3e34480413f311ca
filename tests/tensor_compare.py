"""Running one expression with sourcegrad and with PyTorch, and comparing everything.

A :class:`Case` is an expression over leaf tensors described by :class:`Leaf` specs. ``run``
builds the same leaves in both libraries (same numbers, same dtypes, float32 by default),
evaluates the expression, and ``compare`` checks the results: structure, shapes, dtypes,
values, ``grad_fn`` names, then the gradient of ``sum(w * out)`` with respect to every leaf.
A case with ``error=True`` must raise the same exception type in both.
"""
from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest


@dataclasses.dataclass(frozen=True)
class Leaf:
    """A leaf tensor: ``kind`` f (float, requires grad), c (float constant), d (float64,
    requires grad), i (int64), b (bool), p (positive float, requires grad)."""

    shape: tuple
    kind: str = "f"
    low: float = -1.5
    high: float = 1.5

    def build(self, m, rng):
        if self.kind == "i":
            return m.tensor(rng.integers(int(self.low), int(self.high), self.shape))
        if self.kind == "b":
            return m.tensor(rng.random(self.shape) < 0.5)
        low, high = (0.5, 2.0) if self.kind == "p" else (self.low, self.high)
        values = rng.uniform(low, high, self.shape)
        dtype = m.float64 if self.kind == "d" else None
        data = values.tolist() if isinstance(values, np.ndarray) else float(values)
        t = m.tensor(data, dtype=dtype)
        return t.requires_grad_(self.kind in "fdp")


def f(*shape, low=-1.5, high=1.5):
    return Leaf(shape, "f", low, high)


def c(*shape, low=-1.5, high=1.5):
    return Leaf(shape, "c", low, high)


def d(*shape):
    return Leaf(shape, "d")


def p(*shape):
    return Leaf(shape, "p")


def i(*shape, low=0, high=3):
    return Leaf(shape, "i", low, high)


def b(*shape):
    return Leaf(shape, "b")


@dataclasses.dataclass(frozen=True)
class Attr:
    """An attribute of the library under test (``Attr("float64")`` is ``torch.float64``)."""

    name: str

    def of(self, m):
        value = m
        for part in self.name.split("."):
            value = getattr(value, part)
        return value


@dataclasses.dataclass
class Case:
    """``expr(m, *leaves)`` compared between the two libraries."""

    expr: object
    leaves: tuple = ()
    error: bool = False
    values: bool = True        # False: shapes and dtypes only (random or uninitialised values)
    names: bool = True         # False: grad_fn names are a documented difference
    grad: bool = True
    rtol: float = 2e-5
    atol: float = 2e-6
    label: str = ""


def run(m, case: Case, seed: int):
    rng = np.random.default_rng(seed)
    leaves = [leaf.build(m, rng) if isinstance(leaf, Leaf) else leaf for leaf in case.leaves]
    m.manual_seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = case.expr(m, *leaves)
    return leaves, out


def _tensors(value):
    """The tensors in a result, in order (through tuples, lists and named tuples)."""
    if hasattr(value, "grad_fn") and hasattr(value, "shape"):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in _tensors(v)]
    return []


def _np(t):
    return np.asarray(t.detach().numpy(force=True))


def compare_values(ours, theirs, case: Case, path="out"):
    if hasattr(theirs, "grad_fn") and hasattr(theirs, "shape"):
        assert hasattr(ours, "grad_fn"), f"{path}: expected a tensor, got {type(ours).__name__}"
        assert tuple(ours.shape) == tuple(theirs.shape), f"{path}: shape"
        assert str(ours.dtype) == str(theirs.dtype), f"{path}: dtype {ours.dtype} {theirs.dtype}"
        assert ours.requires_grad == theirs.requires_grad, f"{path}: requires_grad"
        if case.names:
            name = lambda t: type(t.grad_fn).__name__ if t.grad_fn is not None else None
            assert name(ours) == name(theirs), f"{path}: grad_fn {name(ours)} != {name(theirs)}"
        if case.values:
            np.testing.assert_allclose(_np(ours).astype(float), _np(theirs).astype(float),
                                       rtol=case.rtol, atol=case.atol, equal_nan=True,
                                       err_msg=path)
        return
    if type(theirs).__name__ == "Size":
        assert type(ours).__name__ == "Size" and tuple(ours) == tuple(theirs), path
        return
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)) and len(ours) == len(theirs), f"{path}: length"
        if hasattr(theirs, "_fields") or type(theirs).__module__ == "torch.return_types":
            assert repr(type(ours).__name__) == repr(type(theirs).__name__), f"{path}: type"
        for k, (o, t) in enumerate(zip(ours, theirs)):
            compare_values(o, t, case, f"{path}[{k}]")
        return
    if isinstance(theirs, (bool, int, float)) and case.values:
        assert type(ours) is type(theirs) or isinstance(ours, (int, float)), path
        np.testing.assert_allclose(ours, theirs, rtol=case.rtol, atol=case.atol, err_msg=path)
        return
    if case.values:
        assert str(ours) == str(theirs), path


def gradients(m, leaves, out):
    """d sum(w * out) / d leaf for every float leaf (None where it got no gradient)."""
    targets = [t for t in _tensors(out) if t.requires_grad and t.dtype.is_floating_point]
    wanted = [t for t in leaves if hasattr(t, "requires_grad") and t.requires_grad]
    if not targets or not wanted:
        return None
    total = 0
    for t in targets:
        w = m.tensor(np.linspace(-1, 1, max(t.numel(), 1)).reshape(tuple(t.shape)).tolist(),
                     dtype=t.dtype)
        total = total + (t * w).sum()
    return m.autograd.grad(total, wanted, allow_unused=True)


def check(case: Case, sourcegrad, torch, seed=0):
    if case.error:
        raised = []
        for m in (sourcegrad, torch):
            try:
                run(m, case, seed)
                raised.append(None)
            except Exception as exc:  # noqa: BLE001 (the type is what is compared)
                raised.append(type(exc))
        assert raised[1] is not None, "PyTorch does not raise: the case is wrong"
        assert raised[0] is not None, f"sourcegrad does not raise (PyTorch: {raised[1].__name__})"
        assert raised[0].__name__ == raised[1].__name__ or issubclass(raised[0], raised[1]), \
            f"sourcegrad raises {raised[0].__name__}, PyTorch {raised[1].__name__}"
        return
    ours_leaves, ours = run(sourcegrad, case, seed)
    theirs_leaves, theirs = run(torch, case, seed)
    compare_values(ours, theirs, case)
    if not case.grad:
        return
    try:
        g_theirs = gradients(torch, theirs_leaves, theirs)
    except RuntimeError as exc:  # no derivative in PyTorch: sourcegrad must refuse alike
        with pytest.raises(type(exc)):
            gradients(sourcegrad, ours_leaves, ours)
        return
    g_ours = gradients(sourcegrad, ours_leaves, ours)
    assert (g_ours is None) == (g_theirs is None), "one library has gradients, the other not"
    for k, (go, gt) in enumerate(zip(g_ours or (), g_theirs or ())):
        if gt is None:
            assert go is None or not np.any(_np(go)), f"leaf {k}: PyTorch has no gradient"
            continue
        assert go is not None, f"leaf {k}: sourcegrad has no gradient"
        assert str(go.dtype) == str(gt.dtype), f"leaf {k}: gradient dtype"
        np.testing.assert_allclose(_np(go), _np(gt), rtol=max(case.rtol, 1e-4),
                                   atol=max(case.atol, 1e-5), err_msg=f"gradient of leaf {k}")


class Registry:
    """The cases of one test module, keyed by the public name each covers."""

    def __init__(self, torch) -> None:
        self.torch = torch
        self.cases: dict = {}
        self.method_forms: set = set()   # names whose Tensor-method form some case ran

    def call(self, name, *leaves, method=True, function=True, error=False, **options):
        """``torch.<name>(*leaves)`` and ``leaves[0].<name>(*leaves[1:])`` (where PyTorch has
        that method), with ``kwargs`` (whose values may be leaves or :class:`Attr`)."""
        kwargs = options.pop("kwargs", {})
        keys = list(kwargs)
        n = len(leaves)
        every = tuple(leaves) + tuple(kwargs.values())

        def named(m, values):
            return {k: v.of(m) if isinstance(v, Attr) else v for k, v in zip(keys, values)}

        found = self.cases.setdefault(name, [])
        if function:
            found.append(Case(lambda m, *xs: getattr(m, name)(*xs[:n], **named(m, xs[n:])),
                              every, error=error, label=f"torch.{name}", **options))
        if method and hasattr(self.torch.Tensor, name):
            self.method_forms.add(name)
            found.append(Case(lambda m, x, *xs: getattr(x, name)(*xs[:n - 1],
                                                                 **named(m, xs[n - 1:])),
                              every, error=error, label=f"Tensor.{name}", **options))

    def case(self, name, expr, *leaves, **options):
        """Any expression ``expr(m, *leaves)``, covering ``name``."""
        options.setdefault("label", name)
        self.cases.setdefault(name, []).append(Case(expr, leaves, **options))

    def params(self):
        import pytest
        out = []
        for name, cases in self.cases.items():
            for k, one in enumerate(cases):
                out.append(pytest.param(one, id=f"{one.label or name}-{k}"))
        return out
