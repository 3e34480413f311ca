"""Tensor methods and attributes without a torch-namespace twin, in-place forms, and the
autograd API (``backward``, hooks, ``autograd.grad``, grad modes) against real PyTorch."""
from __future__ import annotations

import pytest
from tensor_compare import Registry, b, c, check, d, f, i, p

import sourcegrad

torch = pytest.importorskip("torch", reason="the differential tests need PyTorch (Python 3.11)")

REGISTRY = Registry(torch)
call, case = REGISTRY.call, REGISTRY.case


def _nonleaf(x):
    return x * 1  # in-place forms are recorded on tensors with history


def _update(m, x):
    with m.no_grad():
        x.add_(1).mul_(2)
    return x, x._version, x.requires_grad, x.grad_fn


# -- in-place forms -------------------------------------------------------------------------------
_INPLACE = {
    "add_": (f(3), f(3)), "sub_": (f(3), 2.0), "mul_": (f(3), f(3)), "div_": (f(3), p(3)),
    "true_divide_": (f(3), p(3)), "floor_divide_": (c(3), 2.0), "pow_": (p(3), 2),
    "exp_": (f(3),), "exp2_": (f(3),), "expm1_": (f(3),), "log_": (p(3),), "log2_": (p(3),),
    "log10_": (p(3),), "log1p_": (p(3),), "sin_": (f(3),), "cos_": (f(3),), "tanh_": (f(3),),
    "sigmoid_": (f(3),), "relu_": (f(3),), "sqrt_": (p(3),), "rsqrt_": (p(3),), "abs_": (f(3),),
    "neg_": (f(3),), "reciprocal_": (p(3),), "square_": (f(3),), "floor_": (f(3),),
    "ceil_": (f(3),), "round_": (f(3),), "trunc_": (f(3),), "sign_": (f(3),), "frac_": (f(3),),
    "clamp_": (f(3), -0.5, 0.5), "clip_": (f(3), -0.5, 0.5), "clamp_min_": (f(3), 0.0),
    "clamp_max_": (f(3), 0.0), "fmod_": (f(3), 0.7), "remainder_": (f(3), 0.7),
    "atan2_": (f(3), f(3)),
    "nan_to_num_": (f(3),), "masked_fill_": (f(3), b(3), 2.0), "lerp_": (f(3), f(3), 0.25),
    "addcmul_": (f(3), f(3), f(3)), "addcdiv_": (f(3), f(3), p(3)), "zero_": (f(3),),
    "fill_": (f(3), 1.5), "copy_": (f(3), f(3)), "scatter_": (f(3), 0, i(2), f(2)),
    "scatter_add_": (f(3), 0, i(2), f(2)), "index_add_": (f(3), 0, i(2), f(2)),
}
case("index_put_", lambda m, x, v, k: _nonleaf(x).index_put_((k,), v), f(3, 2), f(2),
     i(2, high=3))
for _name, _leaves in _INPLACE.items():
    case(_name, lambda m, x, *rest, n=_name: getattr(_nonleaf(x), n)(*rest), *_leaves)
case("add_", lambda m, x: x.add_(1), f(3), error=True)             # a leaf that requires grad
case("add_", lambda m, x: x.add_(1.5), i(3), error=True)           # float into int64
case("add_", lambda m, x, y: _nonleaf(x).add_(y), f(3), f(2, 3), error=True)  # broadcast out
case("add_", lambda m, x: _update(m, x), f(3), grad=False)        # a leaf under no_grad
case("mul_", lambda m, x: m.zeros(3).mul_(x), f(3))
case("fill_", lambda m, x, v: _nonleaf(x).fill_(v), f(3), d())
case("zero_", lambda m, x: (x.grad, x.mul(2).sum().backward(), x.grad.zero_(), x.grad)[3], f(3))
case("uniform_", lambda m: m.empty(5).uniform_(-0.3, 0.7), rtol=0, atol=0)
case("uniform_", lambda m: m.empty(5, dtype=m.float64).uniform_(), rtol=0, atol=0)
case("normal_", lambda m: m.empty(4).normal_(1.0, 0.5))
case("normal_", lambda m: m.empty(40).normal_(-1.0, 2.0))
for _name in ("__iadd__", "__isub__", "__imul__", "__itruediv__", "__ipow__"):
    case(_name, lambda m, x, y, n=_name: getattr(_nonleaf(x), n)(y), f(3), p(3))
case("__ifloordiv__", lambda m, x: x.__ifloordiv__(2), i(3))
case("__imod__", lambda m, x: x.__imod__(2), i(3))
for _name in ("__iand__", "__ior__", "__ixor__"):
    case(_name, lambda m, x, y, n=_name: getattr(x, n)(y), b(3), b(3))

# -- operators ----------------------------------------------------------------------------------
_OPERATORS = {
    "__add__": lambda x, y: x + y, "__radd__": lambda x, y: 2 + x, "__sub__": lambda x, y: x - y,
    "__rsub__": lambda x, y: 2 - x, "__mul__": lambda x, y: x * y, "__rmul__": lambda x, y: 3 * x,
    "__truediv__": lambda x, y: x / y, "__rtruediv__": lambda x, y: 2 / y,
    "__floordiv__": lambda x, y: x.detach() // 0.5, "__rfloordiv__": lambda x, y: 2 // y.detach(),
    "__mod__": lambda x, y: x % 0.5, "__rmod__": lambda x, y: 2.5 % y,
    "__pow__": lambda x, y: x ** 2, "__rpow__": lambda x, y: 2 ** x,
    "__matmul__": lambda x, y: x @ y, "__rmatmul__": lambda x, y: y.__rmatmul__(x),
    "__neg__": lambda x, y: -x, "__pos__": lambda x, y: +x, "__abs__": lambda x, y: abs(x),
    "__eq__": lambda x, y: x == y, "__ne__": lambda x, y: x != y, "__lt__": lambda x, y: x < y,
    "__le__": lambda x, y: x <= 0.5, "__gt__": lambda x, y: x > y, "__ge__": lambda x, y: x >= 0,
}
for _name, _op in _OPERATORS.items():
    case(_name, lambda m, x, y, op=_op: op(x, y), f(3), p(3))
case("__rmatmul__", lambda m, x: [[1.0, 2.0, 3.0]] @ x, f(3), error=True)
case("__eq__", lambda m, x: (x == None, x != None), c(2))
for _name, _op in (("__and__", lambda x, y: x & y), ("__or__", lambda x, y: x | y),
                   ("__xor__", lambda x, y: x ^ y), ("__rand__", lambda x, y: True & y),
                   ("__ror__", lambda x, y: False | y), ("__rxor__", lambda x, y: True ^ y),
                   ("__invert__", lambda x, y: ~x)):
    case(_name, lambda m, x, y, op=_op: op(x, y), b(3), b(3))
    case(_name, lambda m, x, y, op=_op: op(x, y), i(3, high=9), i(3, high=9))
case("__bool__", lambda m, x: bool(x.sum() > 0), c(3))
case("__bool__", lambda m, x: bool(x > 0), c(3), error=True)
case("__len__", lambda m, x: len(x), c(4, 2))
case("__len__", lambda m: len(m.tensor(1.0)), error=True)
case("__iter__", lambda m, x: list(x), f(3, 2))
case("__contains__", lambda m, x: (1 in x, 7 in x), i(4, high=3))
case("__index__", lambda m: [10, 20, 30][m.tensor(1)])
case("__float__", lambda m, x: (float(x.sum()), int(x.sum())), c(3))
case("__format__", lambda m, x: (f"{x.sum()}", f"{x.sum():.2f}", f"{x}"), c(3))
case("__repr__", lambda m, x: (repr(x), str(x), repr(x * 2), repr(x.double())), f(2, 2))
case("__hash__", lambda m, x: len({x, x.detach()}), c(2))

# -- attributes and queries -----------------------------------------------------------------------
case("T", lambda m, x: x.T, f(2, 3))
case("mT", lambda m, x: x.mT, f(2, 3, 4))
case("mH", lambda m, x: x.mH, f(2, 3))
case("H", lambda m, x: x.H, f(2, 3))
case("real", lambda m, x: x.real, c(3))
case("data", lambda m, x: (x.data, x.data.requires_grad, (x * 2).data), f(3))
case("data", lambda m, x: (setattr(x, "data", m.zeros(3)), x)[1], f(3))
case("dim", lambda m, x: (x.dim(), x.ndim, x.ndimension(), x.numel(), x.nelement()), c(2, 3))
case("ndim", lambda m, x: x.ndim, c(2))
case("ndimension", lambda m, x: x.ndimension(), c(2))
case("nelement", lambda m, x: x.nelement(), c(2))
case("element_size", lambda m, x: (x.element_size(), x.double().element_size(), x.itemsize,
                                   x.nbytes), c(2, 3))
case("itemsize", lambda m, x: x.itemsize, i(2))
case("nbytes", lambda m, x: x.nbytes, i(2))
case("stride", lambda m, x: (x.stride(), x.t().stride(), x.stride(0)), c(2, 3))
case("is_contiguous", lambda m, x: (x.is_contiguous(), x.t().is_contiguous()), c(2, 3))
case("dtype", lambda m, x, y: (str(x.dtype), str(y.dtype), str((x * 1).dtype)), c(2), i(2))
case("device", lambda m, x: (str(x.device), x.is_cuda, x.get_device()), c(2))
for _name in ("is_cuda", "is_sparse", "is_quantized", "is_meta"):
    case(_name, lambda m, x, n=_name: getattr(x, n), c(2))
for _name in ("is_complex", "is_inference", "get_device"):
    case(_name, lambda m, x, n=_name: getattr(x, n)(), c(2))
case("layout", lambda m, x: str(x.layout), c(2))
case("data_ptr", lambda m, x: (x.data_ptr() == x[0].data_ptr(), x.data_ptr() == x.clone()
                               .data_ptr()), c(3))
case("item", lambda m, x: (x.sum().item(), x[0].item()), c(3))
case("item", lambda m, x: x.item(), c(3), error=True)
case("tolist", lambda m, x, y: (x.tolist(), y.tolist()), c(2, 2), i(3))
case("numpy", lambda m, x: x.detach().numpy().tolist(), f(3))
case("numpy", lambda m, x: x.numpy(), f(3), error=True)
case("sum_to_size", lambda m, x: x.sum_to_size(1, 3), f(2, 3))
case("size", lambda m, x: x.size(5), c(2), error=True)
case("shape", lambda m, x: (x.shape, x.shape[0], x[0].shape, x.sum().shape), c(2, 3))

# -- autograd state and the backward pass ---------------------------------------------------------
case("requires_grad", lambda m, x, y: (x.requires_grad, y.requires_grad, (x * y).requires_grad),
     f(2), c(2))
case("requires_grad_", lambda m, x: x.requires_grad_(), c(2))
case("requires_grad_", lambda m, x: x.requires_grad_(), i(2), error=True)
case("requires_grad_", lambda m, x: (x * 2).requires_grad_(False), f(2), error=True)
case("is_leaf", lambda m, x, y: (x.is_leaf, y.is_leaf, (x * 2).is_leaf), f(2), c(2))
case("grad_fn", lambda m, x: [type(n).__name__ if n else None for n, _ in
                              ((x * 2) + 1).grad_fn.next_functions], f(2))
case("grad", lambda m, x: ((x * 2).sum().backward(), x.grad)[1], f(3))
case("grad", lambda m, x: setattr(x, "grad", 0.0), f(3), error=True)   # TypeError
case("grad", lambda m, x: setattr(x, "grad", m.zeros(4)), f(3), error=True)
case("backward", lambda m, x: ((x ** 2).sum().backward(), x.grad)[1], f(3))
case("backward", lambda m, x: ((x ** 2).backward(m.ones(3)), x.grad)[1], f(3))
case("backward", lambda m, x: (x ** 2).backward(), f(3), error=True)
case("backward", lambda m, x, y: ((x * y).sum().backward(inputs=[x]), x.grad, y.grad)[1:],
     f(3), f(3))
case("backward", lambda m, x: ((x * 2).sum().backward(), (x * 2).sum().backward(), x.grad)[2],
     f(3))
case("backward", lambda m, x: [(y := (x.exp() * 2).sum()).backward(), y.backward()], f(3),
     error=True)                                                        # graph freed
case("backward", lambda m, x: ((x ** 3).sum().backward(create_graph=True), x.grad)[1], f(3),
     names=False)  # the gradient's node is the rule's own operation (MulBackward0), documented
case("retain_grad", lambda m, x: ((y := x * 2).retain_grad(), y.sum().backward(), y.grad,
                                  y.retains_grad)[2:], f(3))
case("retains_grad", lambda m, x: (x * 2).retains_grad, f(3))
case("register_hook", lambda m, x: (x.register_hook(lambda g: g * 10), (x * 2).sum().backward(),
                                    x.grad)[2], f(3))
case("detach", lambda m, x: (x.detach(), x.detach().requires_grad, (x * 2).detach()), f(3))
case("detach_", lambda m, x: (y := x * 2, y.detach_(), y.requires_grad, y.grad_fn)[2:], f(3))
case("_version", lambda m, x: (y := x * 1, y.add_(1), y.mul_(2), y._version)[3], f(3))
case("_version", lambda m, x: ((y := x.exp()).add_(1), y.sum().backward()), f(3), error=True)


@pytest.mark.parametrize("one", REGISTRY.params())
def test_matches_pytorch(one):
    check(one, sourcegrad, torch)
