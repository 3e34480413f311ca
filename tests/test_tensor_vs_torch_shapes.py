"""Shapes, indexing, writes, creation, conversions and types of the facade against PyTorch
(same comparisons as ``test_tensor_vs_torch_ops.py``: values, dtypes, grad_fn names, gradients,
exception types)."""
from __future__ import annotations

import numpy as np
import pytest
from tensor_compare import Attr, Registry, b, c, check, d, f, i

import sourcegrad

torch = pytest.importorskip("torch", reason="the differential tests need PyTorch (Python 3.11)")

REGISTRY = Registry(torch)
call, case = REGISTRY.call, REGISTRY.case

# -- views and shapes ---------------------------------------------------------------------------
call("reshape", f(2, 3), (3, 2))
call("reshape", f(2, 3), (-1,))
case("reshape", lambda m, x: x.t().reshape(-1), f(2, 3))          # a copy: UnsafeViewBackward0
call("reshape", f(2, 3), (4, -1), error=True)
case("view", lambda m, x: x.view(3, 2), f(2, 3))
case("view", lambda m, x: x.view(-1, 2), f(2, 3))
case("view", lambda m, x: x.t().view(-1), f(2, 3), error=True)
case("view_as", lambda m, x, y: x.view_as(y), f(2, 3), c(6))
case("reshape_as", lambda m, x, y: x.reshape_as(y), f(2, 3), c(3, 2))
call("flatten", f(2, 3, 2))
call("flatten", f(2, 3, 2), 1)
call("ravel", f(2, 3))
call("unflatten", f(2, 6), 1, (2, 3))
call("squeeze", f(1, 3, 1))
call("squeeze", f(1, 3, 1), 0)
call("squeeze", f(1, 3, 1), 1)
call("squeeze", f(1, 3, 1), (0, 2))
call("unsqueeze", f(2, 3), -1)
call("unsqueeze", f(2, 3), 3, error=True)
call("t", f(2, 3))
call("t", f(3))
call("t", f(2, 3, 4), error=True)
for _name in ("transpose", "swapaxes", "swapdims"):
    call(_name, f(2, 3, 4), 0, 2)
call("permute", f(2, 3, 4), (2, 0, 1))
case("permute", lambda m, x: x.permute(2, 0, 1), f(2, 3, 4))
for _name in ("movedim", "moveaxis"):
    call(_name, f(2, 3, 4), 0, -1)
case("expand", lambda m, x: x.expand(2, 3), f(3))
case("expand", lambda m, x: x.expand(-1, 4), f(2, 1))
case("expand", lambda m, x: x.expand(2, 4), f(3), error=True)
case("expand_as", lambda m, x, y: x.expand_as(y), f(3), c(2, 3))
call("broadcast_to", f(3), (2, 3))
case("repeat", lambda m, x: x.repeat(2, 1), f(2, 3))
case("repeat", lambda m, x: x.repeat(2, 1, 2), f(2, 3))
case("repeat", lambda m, x: x.repeat(2), f(2, 3), error=True)
call("tile", f(2, 3), (2,))
call("repeat_interleave", f(3), 2)
call("flip", f(2, 3), (0, 1))
call("fliplr", f(2, 3))
call("flipud", f(2, 3))
call("roll", f(2, 3), 1, 1)
call("roll", f(2, 3), 2)
call("tril", f(3, 3))
call("triu", f(3, 3), 1)
call("diag", f(3))
call("diag", f(3, 3))
call("diagonal", f(3, 3))
call("trace", f(3, 3))

# -- joining and splitting ----------------------------------------------------------------------
for _name in ("cat", "concat", "concatenate"):
    case(_name, lambda m, x, y, n=_name: getattr(m, n)([x, y], 1), f(2, 3), f(2, 2))
case("cat", lambda m, x, y: m.cat([x, y]), f(2), d(3))             # promotion across inputs
case("cat", lambda m, x, y: m.cat([x, y], 0), f(2, 3), f(2, 2), error=True)
case("stack", lambda m, x, y: m.stack([x, y], 1), f(2, 3), f(2, 3))
case("stack", lambda m, x, y: m.stack([x, y]), f(2, 3), f(3, 2), error=True)
case("hstack", lambda m, x, y: m.hstack([x, y]), f(3), f(2))
case("vstack", lambda m, x, y: m.vstack([x, y]), f(3), f(3))
case("row_stack", lambda m, x, y: m.row_stack([x, y]), f(2, 3), f(3))
call("split", f(5, 2), 2)
call("split", f(5, 2), [1, 4])
call("split", f(5, 2), [1, 3], error=True)
call("chunk", f(5, 2), 3)
call("chunk", f(2, 6), 4, 1)
call("unbind", f(2, 3), 1)
call("narrow", f(4, 3), 0, 1, 2)
call("select", f(4, 3), 1, -1)

# -- indexing and gathering -----------------------------------------------------------------------
_INDEXES = {
    "int": 1, "negative": -1, "slice": slice(1, None), "step": slice(None, None, 2),
    "pair": (0, slice(1, 3)), "none": None, "ellipsis": (Ellipsis, 1), "list": [2, 0, 2],
}
for _label, _index in _INDEXES.items():
    case("__getitem__", lambda m, x, k=_index: x[k], f(3, 4), label=f"getitem-{_label}")
case("__getitem__", lambda m, x, k: x[k], f(3, 4), i(2, high=3), label="getitem-tensor")
case("__getitem__", lambda m, x: x[x > 0], f(3, 4), label="getitem-mask")
case("__getitem__", lambda m, x: x[5], f(3, 4), error=True)           # IndexError
call("gather", f(3, 4), 1, i(3, 2, high=4))
call("gather", f(3, 4), 0, i(2, 4, high=3))
call("take_along_dim", f(3, 4), i(3, 1, high=4), 1)
call("scatter", f(3, 4), 1, i(3, 2, high=4), f(3, 2))
call("scatter", f(3, 4), 0, i(1, 4, high=3), 2.5)
call("scatter_add", f(3, 4), 1, i(3, 4, high=4), f(3, 4))
call("index_select", f(3, 4), 0, i(5, high=3))
call("index_add", f(3, 4), 0, i(2, high=3), f(2, 4))
call("take", f(3, 4), i(5, high=12))
case("index_put", lambda m, x, v, k: m.index_put(x, (k,), v), f(3, 4), f(4), i(2, high=3))
case("index_put", lambda m, x, v, k: x.index_put((k, k), v, accumulate=True), f(3, 3), f(),
     i(4, high=3))
case("index_put", lambda m, x, v, k: x.index_put((k,), v), f(3), d(), i(2, high=3), error=True)
case("index_put", lambda m, x, v: x.index_put((x > 0,), v), f(3, 4), f())
call("masked_select", f(3, 4), b(3, 4))
call("nonzero", b(3, 4))
case("nonzero", lambda m, x: m.nonzero(x, as_tuple=True), b(3, 4))
call("argwhere", b(3, 4))


def _write(kind):
    """Writes into non-leaf tensors and into views: PyTorch's CopySlices / IndexPutBackward0."""
    def expr(m, x, w):
        if kind == "select":
            y = x * 2
            y[0] = 0
        elif kind == "slice-inplace":
            y = x.clone()
            y[1:] *= 3
        elif kind == "element-loop":
            y = m.zeros(3)
            for k in range(3):
                y[k] = (w * k).sum()
        elif kind == "mask":
            y = x * 1
            y[y > 0] = w[0]
        elif kind == "view-of-view":
            y = x.clone()
            v = y[1:].view(-1)
            v.mul_(w[0])
        elif kind == "stale-view":
            y = x * 1
            v = y[:2]
            y[1:] *= 2
            return y, v
        elif kind == "column":
            y = m.zeros(3, 2)
            y[:, 1] = x
        elif kind == "augmented":
            y = x.clone()
            y[1] += w[0]
        return y
    return expr


for _kind in ("select", "slice-inplace", "element-loop", "mask", "view-of-view", "stale-view",
              "column", "augmented"):
    case("__setitem__", _write(_kind), f(3), f(2), label=f"setitem-{_kind}")
case("__setitem__", lambda m, x: x.__setitem__(0, 1.0), f(3), error=True)   # leaf that needs grad


# -- making tensors -----------------------------------------------------------------------------
case("tensor", lambda m: m.tensor([[1, 2], [3, 4]]))
case("tensor", lambda m: m.tensor([1.5, 2]))
case("tensor", lambda m: m.tensor(3.0))
case("tensor", lambda m: m.tensor([True, False]))
case("tensor", lambda m: m.tensor(np.arange(3.0)))
case("tensor", lambda m: m.tensor([1, 2], dtype=m.float64, requires_grad=True))
case("tensor", lambda m: m.tensor([1, 2], requires_grad=True), error=True)
case("as_tensor", lambda m: m.as_tensor([1, 2.5]))
case("as_tensor", lambda m: m.as_tensor(np.arange(3), dtype=m.float32))
case("asarray", lambda m: m.asarray(np.ones((2, 2))))
case("from_numpy", lambda m: m.from_numpy(np.arange(4).reshape(2, 2)))
for _name in ("zeros", "ones", "empty"):
    case(_name, lambda m, n=_name: getattr(m, n)(2, 3), values=_name != "empty")
    case(_name, lambda m, n=_name: getattr(m, n)((2,), dtype=m.int64), values=_name != "empty")
case("full", lambda m: m.full((2, 2), 7))
case("full", lambda m: m.full((2, 2), 0.5))
case("full", lambda m: m.full((2,), True))
case("eye", lambda m: m.eye(3))
case("eye", lambda m: m.eye(2, 3, dtype=m.float64))
case("arange", lambda m: m.arange(5))
case("arange", lambda m: m.arange(1, 2, 0.25))
case("arange", lambda m: m.arange(0, 1, 0.1, dtype=m.float64))
case("linspace", lambda m: m.linspace(-3.14159, 3.14159, 2000), rtol=0, atol=0)
case("linspace", lambda m: m.linspace(0, 1, 7, dtype=m.float64), rtol=0, atol=0)
case("logspace", lambda m: m.logspace(0, 2, 5))
for _name in ("zeros_like", "ones_like", "empty_like"):
    call(_name, c(2, 3), values=_name != "empty_like")
    call(_name, i(2, 3), values=_name != "empty_like")
call("full_like", c(2, 3), 4.0)
case("rand", lambda m: m.rand(3, 4), rtol=0, atol=0)
case("randn", lambda m: m.randn(5), rtol=0, atol=0)
case("randn", lambda m: m.randn(20, dtype=m.float64), rtol=0, atol=0)
call("rand_like", c(2, 3), rtol=0, atol=0)
call("randn_like", c(2, 3), rtol=0, atol=0)
case("randint", lambda m: m.randint(0, 5, (3, 2)), values=False)
call("randint_like", c(3), 10, values=False)
case("randperm", lambda m: m.randperm(6), values=False)
case("randperm", lambda m: m.randperm(6).sort().values)
case("normal", lambda m: m.normal(0.5, 2.0, size=(20,)))
case("normal", lambda m: m.normal(1.0, 0.5, (3,)))
call("bernoulli", c(3, low=0, high=1), values=False)
case("multinomial", lambda m: m.multinomial(m.tensor([0.2, 0.8]), 3, True), values=False)
call("clone", f(2, 3))
case("is_tensor", lambda m, x: (m.is_tensor(x), m.is_tensor([1])), c(2))
call("is_floating_point", c(2))
call("is_floating_point", i(2))
call("numel", c(2, 3))

# -- types, conversions, devices ------------------------------------------------------------------
for _name in ("FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "ShortTensor",
              "CharTensor", "ByteTensor", "BoolTensor", "HalfTensor"):
    case(_name, lambda m, n=_name: getattr(m, n)([1, 0]))
    case(_name, lambda m, n=_name: getattr(m, n)(2, 3), values=False)
    case(_name, lambda m, x, n=_name: isinstance(x, getattr(m, n)), c(2))
for _name in ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
              "bool", "half", "float", "double", "short", "int", "long"):
    case(_name, lambda m, x, n=_name: (str(getattr(m, n)), x.to(getattr(m, n)), x.dtype),
         c(3))
case("dtype", lambda m: (isinstance(m.float32, m.dtype), m.float32.is_floating_point,
                         m.int64.is_floating_point, m.float64.itemsize, m.int32.is_signed))
case("promote_types", lambda m: (str(m.promote_types(m.int64, m.float16)),
                                 str(m.promote_types(m.uint8, m.int8))))
case("result_type", lambda m, x, y: str(m.result_type(x, y)), c(2), i(2))
case("result_type", lambda m, x: str(m.result_type(x, 2.5)), i(2))
case("can_cast", lambda m: (m.can_cast(m.float32, m.int64), m.can_cast(m.int64, m.float32)))
case("get_default_dtype", lambda m: str(m.get_default_dtype()))
case("broadcast_shapes", lambda m: m.broadcast_shapes((2, 1), (3,)))
case("broadcast_shapes", lambda m: m.broadcast_shapes((2,), (3,)), error=True)
case("broadcast_tensors", lambda m, x, y: m.broadcast_tensors(x, y), f(2, 1), f(3))
case("meshgrid", lambda m, x, y: m.meshgrid(x, y, indexing="ij"), f(2), f(3))
case("meshgrid", lambda m, x, y: m.meshgrid(x, y, indexing="xy"), f(2), f(3))
case("device", lambda m, x: (str(m.device("cpu")), repr(m.device("cuda", 1)), str(x.device),
                             m.device("cpu") == x.device), c(2))
case("device", lambda m: m.ones(2, device="cuda"), error=True)     # AssertionError, as PyTorch
case("device", lambda m, x: x.to("cuda"), c(2), error=True)
case("device", lambda m, x: x.cuda(), c(2), error=True)
case("cuda", lambda m: (m.cuda.is_available(), m.cuda.device_count()))
case("backends", lambda m: m.backends.mps.is_available())
case("accelerator", lambda m: (m.accelerator.is_available(),
                               m.accelerator.current_accelerator()))
case("get_default_device", lambda m: str(m.get_default_device()))
case("pi", lambda m: (m.pi, m.e, m.inf, str(m.nan)))
for _name in ("e", "inf", "nan"):
    case(_name, lambda m, n=_name: str(getattr(m, n)))
case("Size", lambda m: (m.Size([2, 3]), m.Size([2, 3])[1:], m.Size([2]) + (3,),
                        m.Size([2, 3]).numel(), repr(m.Size([1]))))
case("Size", lambda m, x: (x.shape, x.shape[1:], x.size(), x.size(1), repr(x.shape)), c(2, 3))
case("Tensor", lambda m: m.Tensor([1, 2]))
case("Tensor", lambda m: m.Tensor(2, 3), values=False)
case("Tensor", lambda m, x: isinstance(x, m.Tensor), c(2))
case("to", lambda m, x: x.to(m.float64), f(3))
case("to", lambda m, x: x.to("cpu", m.float64), f(3))
case("to", lambda m, x: x.to(dtype=m.float64), i(3))
case("to", lambda m, x, y: x.to(y), f(3), d(2))
case("to", lambda m, x: x.to(m.int64), f(3))
case("to", lambda m, x: x.to(m.float32) is x, f(3))
for _name in ("double", "float", "half", "long", "int", "short", "char", "byte", "bool"):
    case(_name, lambda m, x, n=_name: getattr(x, n)(), f(3), rtol=1e-3, atol=1e-3)
case("type", lambda m, x: (x.type(), x.double().type(), x.type(m.float64), x.type(
    "torch.IntTensor"), x.type(m.LongTensor)), f(3))
case("type_as", lambda m, x, y: x.type_as(y), f(3), i(2))
case("contiguous", lambda m, x: (x.contiguous() is x, x.t().contiguous(),
                                 x.t().is_contiguous()), f(2, 3))
case("cpu", lambda m, x: x.cpu() is x, c(2))
for _name in ("new_zeros", "new_ones", "new_empty"):
    case(_name, lambda m, x, n=_name: getattr(x, n)(2, 3), i(2), values=_name != "new_empty")
    case(_name, lambda m, x, n=_name: getattr(x, n)((2,)), c(2), values=_name != "new_empty")
case("new_full", lambda m, x: x.new_full((2,), 3), c(2))
case("new_tensor", lambda m, x: x.new_tensor([1, 2]), c(2))
case("new_tensor", lambda m, x: x.new_tensor([1.5]), i(2))
case("where", lambda m, x: m.where(x > 0, x, m.tensor(0.0, dtype=m.float64)), f(4))
case("float64", lambda m: (m.ones(2, dtype=m.float64) * m.tensor(2.0)).dtype)
case("float32", lambda m: (m.ones(2) + np.float64(1)).dtype)
case("float32", lambda m: (np.float64(1) + m.ones(2)).dtype)
case("int64", lambda m: (m.tensor([1, 2]) * m.tensor(2.5, dtype=m.float64)).dtype)
REGISTRY.call("sum", f(2, 3), kwargs={"dtype": Attr("float64")})


@pytest.mark.parametrize("one", REGISTRY.params())
def test_matches_pytorch(one):
    check(one, sourcegrad, torch)
