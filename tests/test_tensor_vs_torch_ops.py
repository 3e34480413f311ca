"""Every torch-namespace operation of the facade against real PyTorch: values, dtypes (float32
defaults included), grad_fn names, gradients, and the exception type on misuse.

Each ``call(name, ...)`` runs ``torch.name(*args)`` and, where PyTorch has the method too,
``args[0].name(*args[1:])``; ``case`` runs any other expression. The registry is keyed by the
public name a case covers; ``test_tensor_coverage.py`` checks that every public name has one.
"""
from __future__ import annotations

import pytest
from tensor_compare import Attr, Registry, b, c, check, d, f, i, p

import sourcegrad

torch = pytest.importorskip("torch", reason="the differential tests need PyTorch (Python 3.11)")

REGISTRY = Registry(torch)
call, case = REGISTRY.call, REGISTRY.case


# -- arithmetic ---------------------------------------------------------------------------------
for _name in ("add", "sub", "subtract", "mul", "multiply"):
    call(_name, f(2, 3), f(3))
    call(_name, f(2, 3), 2.5)
    call(_name, i(3), 2.5)
    call(_name, f(3), d())                      # a 0-d float64 tensor does not promote float32
    call(_name, f(2, 3), f(4), error=True)      # shapes that do not broadcast: RuntimeError
call("add", f(2, 3), f(2, 3), kwargs={"alpha": 2})
call("sub", b(3), b(3), error=True)
call("rsub", f(3), 2.0, method=False)
for _name in ("div", "divide", "true_divide"):
    call(_name, f(2, 3), p(3))
    call(_name, i(3), i(3, low=1))              # int / int is float32
    call(_name, f(3), 2)
call("div", f(3), p(3), kwargs={"rounding_mode": "floor"})
call("div", f(3), 2.0, kwargs={"rounding_mode": "trunc"})
call("floor_divide", f(3), 2.0, grad=False)
call("floor_divide", i(3), 2)
call("remainder", f(3), 0.7)
call("remainder", f(3), p(3))
call("fmod", f(3), 0.7)
call("pow", f(3), 2)
call("pow", p(3), f(3))
call("pow", 2.0, f(3), method=False)
call("pow", i(3), 2)
call("pow", i(3), -1, error=True)
call("neg", f(3))
call("negative", f(3))
call("neg", b(3), error=True)
call("positive", f(3))
for _name in ("abs", "absolute"):
    call(_name, f(3))
    call(_name, i(3, low=-3))
for _name in ("atan2", "arctan2", "hypot", "logaddexp", "fmax", "fmin", "maximum", "minimum"):
    call(_name, f(2, 3), f(3))
call("maximum", f(3), f(4), error=True)
call("lerp", f(3), f(3), 0.3)
call("lerp", f(3), f(3), f(3, low=0, high=1))
call("addcmul", f(3), f(3), f(3), kwargs={"value": 0.5})
call("addcdiv", f(3), f(3), p(3), kwargs={"value": 2})
for _name in ("clamp", "clip"):
    call(_name, f(5), -0.5, 0.7)
    call(_name, f(5), c(5), c(5, low=0.5, high=2))
call("clamp", f(5), kwargs={"min": 0.0})
call("clamp", f(5), kwargs={"max": c(5)}, grad=True)
call("clamp", f(5), error=True)
call("clamp", i(5), 0.5, 1)
call("clamp_min", f(5), 0.1)
call("clamp_max", f(5), 0.1)
call("masked_fill", f(2, 3), b(2, 3), 0.5)
call("masked_fill", f(2, 3), b(3), d())
call("masked_fill", f(2, 3), i(2, 3), 0.5, error=True)
call("nan_to_num", f(3))
case("where", lambda m, x, y: m.where(x > 0, x, y), f(2, 3), f(3))
case("where", lambda m, x: m.where(x > 0, x, 0.5), f(4))
case("where", lambda m, x: m.where(x > 0), c(2, 3))
case("where", lambda m, x: x.where(x > 0, -x), f(4))

# -- functions of one value ---------------------------------------------------------------------
for _name in ("exp", "exp2", "expm1", "sin", "cos", "tan", "atan", "arctan", "sinh", "cosh",
              "tanh", "asinh", "sigmoid", "relu", "square", "sinc", "erf", "sign", "sgn",
              "floor", "ceil", "trunc", "fix", "round", "frac", "signbit"):
    call(_name, f(2, 3))
for _name in ("log", "log2", "log10", "log1p", "sqrt", "rsqrt", "reciprocal"):
    call(_name, p(2, 3))
for _name in ("asin", "arcsin", "acos", "arccos", "atanh"):
    call(_name, f(4, low=-0.9, high=0.9))
call("acosh", f(3, low=1.5, high=3))
for _name in ("exp", "sqrt", "sigmoid", "tanh", "log1p", "sin", "reciprocal"):
    call(_name, i(3, low=1, high=4))            # integers give float32
for _name in ("relu", "sign", "floor", "round", "square"):
    call(_name, i(3, low=-2, high=3))           # ... but these keep the integer type
call("round", f(3), kwargs={"decimals": 2})

# -- comparisons and logic ----------------------------------------------------------------------
for _name in ("eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less",
              "less_equal", "not_equal"):
    call(_name, f(2, 3), c(3))
    call(_name, i(3), 1.5)
for _name in ("logical_and", "logical_or", "logical_xor"):
    call(_name, b(3), i(3))
call("logical_not", f(3))
for _name in ("isnan", "isinf", "isfinite"):
    case(_name, lambda m, x, n=_name: getattr(m, n)(x / x.round()), c(4))
for _name in ("bitwise_and", "bitwise_or", "bitwise_xor"):
    call(_name, i(3, high=8), i(3, high=8))
    call(_name, b(3), b(3))
    call(_name, f(3), f(3), error=True)           # NotImplementedError for floats
call("bitwise_not", i(3, high=8))
call("bitwise_not", b(3))
call("isclose", c(3), c(3))
call("allclose", c(3), c(3))
call("equal", c(3), c(3))
case("equal", lambda m, x: m.equal(x, x.clone()), c(2, 2))

# -- products -----------------------------------------------------------------------------------
call("matmul", f(2, 3), f(3, 4))
call("matmul", f(2, 3), f(3))
call("matmul", f(3), f(3))
call("matmul", f(3), f(3, 2))
call("matmul", f(2, 2, 3), f(3, 2))
call("matmul", f(2, 3), f(2, 3), error=True)
call("matmul", f(2, 3), d(3, 2), error=True)
call("mm", f(2, 3), f(3, 2))
call("mm", f(2, 3), f(3), error=True)
call("mv", f(2, 3), f(3))
call("dot", f(3), f(3))
call("dot", f(3), f(2), error=True)
call("inner", f(3), f(3))
call("vdot", f(3), f(3))
call("bmm", f(2, 2, 3), f(2, 3, 2))
call("bmm", f(2, 3), f(3, 2), error=True)
call("addmm", f(2), f(3, 4), f(4, 2))
call("outer", f(3), f(2))
call("ger", f(3), f(2))
case("einsum", lambda m, x, y: m.einsum("ij,jk->ik", x, y), f(2, 3), f(3, 2), names=False)
case("einsum", lambda m, x: m.einsum("ii", x), f(3, 3), names=False)
case("tensordot", lambda m, x, y: m.tensordot(x, y, dims=1), f(2, 3), f(3, 2), names=False)
call("kron", f(2, 2), f(2, 1), names=False)
call("cross", f(2, 3), f(2, 3), kwargs={"dim": 1}, names=False)

# -- reductions ---------------------------------------------------------------------------------
call("sum", f(2, 3))
call("sum", f(2, 3), 1)
call("sum", f(2, 3, 2), (0, 2), True)
call("sum", f(2, 3), kwargs={"dtype": Attr("float64")})
case("sum", lambda m, x: x.sum(dtype=m.float64), f(2, 3))
call("sum", i(2, 3))
call("sum", b(4))
call("sum", f(2, 3), 2, error=True)             # dimension out of range: IndexError
call("nansum", f(2, 3))
call("mean", f(2, 3))
call("mean", f(2, 3), -1, True)
call("mean", i(3), error=True)
case("mean", lambda m, x: x.mean(dtype=m.float64), f(3))
call("nanmean", f(2, 3))
call("prod", f(2, 3))
call("prod", f(2, 3), 1)
call("prod", i(3))
for _name in ("var", "std"):
    call(_name, f(2, 3))
    call(_name, f(2, 3), 1)
    call(_name, f(2, 3), kwargs={"dim": 0, "correction": 0, "keepdim": True})
    call(_name, i(3), error=True)
call("var_mean", f(2, 3), 1, method=False)
call("std_mean", f(2, 3), method=False)
for _name in ("max", "min"):
    call(_name, f(2, 3))
    call(_name, f(2, 3), 1)
    call(_name, f(2, 3), 0, True)
    call(_name, f(2, 3), f(3))
    case(_name, lambda m, n=_name: getattr(m.tensor([[1., 3., 3.], [2., 2., 0.]],
                                                    requires_grad=True), n)(1))  # ties
    call(_name, f(0), error=True)
for _name in ("amax", "amin"):
    call(_name, f(2, 3))
    call(_name, f(2, 3), 1)
    case(_name, lambda m, n=_name: getattr(m, n)(m.tensor([[1., 3., 3.], [2., 2., 0.]],
                                                          requires_grad=True), 1))
for _name in ("argmax", "argmin"):
    call(_name, c(2, 3))
    call(_name, c(2, 3), 1, True)
call("median", f(5))
call("median", f(3, 4), 1)
call("logsumexp", f(2, 3), 1)
call("logsumexp", f(2, 3), (0, 1), True)
call("norm", f(2, 3))
call("norm", f(2, 3), 1)
call("norm", f(2, 3), float("inf"), 1)
call("norm", f(2, 3), kwargs={"dim": 1, "keepdim": True})
call("norm", i(3), error=True)
call("dist", f(3), f(3))
call("cumsum", f(2, 3), 1)
call("cumsum", i(3), 0)
call("cumprod", f(2, 3), 0)
call("sort", f(2, 4))
call("sort", f(2, 4), 0, True)
case("sort", lambda m: m.tensor([1., 3., 3., 0.], requires_grad=True).sort(descending=True))
call("argsort", c(2, 4))
call("argsort", c(4), kwargs={"descending": True})
call("topk", f(2, 5), 2)
call("topk", f(2, 5), 2, 0, False)
call("topk", f(5), 6, error=True)
call("all", b(2, 3))
call("all", b(2, 3), 1)
call("any", b(2, 3), 0)
call("count_nonzero", b(2, 3))
call("unique", i(6))
call("unique", i(6), kwargs={"return_inverse": True, "return_counts": True})


# -- torch.linalg ---------------------------------------------------------------------------------
def _spd(x):
    return x @ x.mT + 3 * x.new_ones(x.shape[-1]).diag()  # symmetric positive definite


def linalg(name, expr, *leaves, **options):
    case(f"linalg.{name}", expr, *leaves, **options)


linalg("norm", lambda m, x: m.linalg.norm(x), f(2, 3))
linalg("norm", lambda m, x: m.linalg.norm(x, dim=1), f(2, 3))
linalg("norm", lambda m, x: m.linalg.norm(x, 1), f(4))
linalg("norm", lambda m, x: m.linalg.norm(x, "nuc"), f(3, 3), names=False)
linalg("vector_norm", lambda m, x: m.linalg.vector_norm(x, 3, dim=0), f(2, 3))
linalg("vector_norm", lambda m, x: m.linalg.vector_norm(x, float("inf")), f(5))
linalg("matrix_norm", lambda m, x: m.linalg.matrix_norm(x), f(3, 3))
linalg("matrix_norm", lambda m, x: m.linalg.matrix_norm(x, 1), f(3, 3), names=False)
linalg("inv", lambda m, x: m.linalg.inv(_spd(x)), f(3, 3))
linalg("inv", lambda m, x: m.linalg.inv(x), f(2, 3), error=True)
linalg("det", lambda m, x: m.linalg.det(x), f(3, 3))
linalg("slogdet", lambda m, x: m.linalg.slogdet(_spd(x)), f(3, 3))
linalg("solve", lambda m, x, y: m.linalg.solve(_spd(x), y), f(3, 3), f(3))
linalg("cholesky", lambda m, x: m.linalg.cholesky(_spd(x)), f(3, 3))
linalg("eigh", lambda m, x: m.linalg.eigh(_spd(x)).eigenvalues, f(3, 3))
linalg("eigh", lambda m, x: m.linalg.eigh(_spd(x)), f(3, 3), grad=False, values=False)
linalg("eigvalsh", lambda m, x: m.linalg.eigvalsh(_spd(x)), f(3, 3))
linalg("svd", lambda m, x: m.linalg.svd(x, full_matrices=False).S, f(3, 2))
linalg("svdvals", lambda m, x: m.linalg.svdvals(x), f(2, 3))
linalg("qr", lambda m, x: [t.abs() for t in m.linalg.qr(x)], f(3, 2), names=False)
linalg("pinv", lambda m, x: m.linalg.pinv(x), f(3, 2))
linalg("matrix_power", lambda m, x: m.linalg.matrix_power(x, 3), f(2, 2), names=False)
linalg("multi_dot", lambda m, x, y, z: m.linalg.multi_dot([x, y, z]), f(2, 3), f(3, 3),
       f(3, 2), names=False)
linalg("matmul", lambda m, x, y: m.linalg.matmul(x, y), f(2, 3), f(3, 2))
linalg("cross", lambda m, x, y: m.linalg.cross(x, y), f(2, 3), f(2, 3), names=False)


@pytest.mark.parametrize("one", REGISTRY.params())
def test_matches_pytorch(one):
    check(one, sourcegrad, torch)
