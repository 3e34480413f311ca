"""A PyTorch-style Tensor facade over the rule table: ``import sourcegrad as torch``.

Tensors record the operations applied to them; ``backward()`` runs each recorded node's rule from
the one rule table. ``nn``, ``optim``, ``autograd`` (with ``Function`` and ``functional``),
``utils.data`` and ``linalg`` sit on top. See ``docs/tutorials`` for the guided tour and
``docs/nn-and-optim.md`` for training models.
"""
import math as _math
from numbers import Integral as _Integral

import numpy as _np

from . import (
    arithmetic,
    comparisons,
    conversions,
    creation,
    device,
    dtypes,
    grad_mode,
    indexing,
    legacy,
    linalg,  # noqa: F401 (torch.linalg)
    printing,
    products,
    random,
    reductions,
    return_types,  # noqa: F401 (torch.return_types)
    serialization,
    shapes,
)
from . import graph as _graph
from . import methods as _methods  # noqa: F401  (attaches operators and methods to Tensor)
from .compiled import function as function  # sourcegrad.tensor.function, not top level
from .graph import Node as Node
from .tensor import Size, Tensor

_graph.TENSOR = Tensor

# The public names, by the module that defines them (listed here rather than imported one per
# line: the torch namespace is wide, and this keeps each name next to where it lives).
_PUBLIC = {
    arithmetic: """abs absolute acos acosh add addcdiv addcmul arccos arcsin arctan arctan2
        asin asinh atan atan2 atanh ceil clamp clamp_max clamp_min clip cos cosh div divide erf
        exp exp2 expm1 fix floor floor_divide fmax fmin fmod frac hypot lerp log log10 log1p
        log2 logaddexp masked_fill maximum minimum mul multiply nan_to_num neg negative positive
        pow reciprocal relu remainder round rsqrt rsub sgn sigmoid sign sin sinc sinh sqrt
        square sub subtract tan tanh true_divide trunc where""",
    comparisons: """allclose bitwise_and bitwise_not bitwise_or bitwise_xor eq equal ge greater
        greater_equal gt isclose isfinite isinf isnan le less less_equal logical_and
        logical_not logical_or logical_xor lt ne not_equal signbit""",
    products: "addmm bmm cross dot einsum ger inner kron matmul mm mv outer tensordot vdot",
    reductions: """all amax amin any argmax argmin argsort count_nonzero cumprod cumsum dist
        logsumexp max mean median min nanmean nansum norm prod sort std std_mean sum topk
        unique var var_mean""",
    shapes: """broadcast_to cat chunk concat concatenate diag diagonal flatten flip fliplr
        flipud hstack movedim moveaxis narrow permute ravel repeat_interleave reshape roll
        row_stack select split squeeze stack swapaxes swapdims t tile trace transpose tril triu
        unbind unflatten unsqueeze vstack""",
    indexing: """argwhere gather index_add index_put index_select masked_select nonzero scatter
        scatter_add take take_along_dim""",
    creation: """arange as_tensor asarray bernoulli empty empty_like eye from_numpy full
        full_like is_floating_point is_tensor linspace logspace multinomial normal numel ones
        ones_like rand rand_like randint randint_like randn randn_like randperm tensor zeros
        zeros_like""",
    conversions: "clone",
    legacy: """BoolTensor ByteTensor CharTensor DoubleTensor FloatTensor HalfTensor IntTensor
        LongTensor ShortTensor""",
    device: "accelerator backends cuda device get_default_device set_default_device",
    dtypes: """dtype float16 float32 float64 get_default_dtype int8 int16 int32 int64
        set_default_dtype uint8""",
    grad_mode: """enable_grad inference_mode is_grad_enabled is_inference_mode_enabled no_grad
        set_grad_enabled""",
    printing: "set_printoptions",
    random: "Generator default_generator initial_seed manual_seed seed",
    serialization: "load save",
}
for _module, _names in _PUBLIC.items():
    for _name in _names.split():
        globals()[_name] = getattr(_module, _name)

# PyTorch's names for the dtypes: in this namespace they shadow the builtins on purpose
bool = dtypes.bool_
half, float, double = dtypes.float16, dtypes.float32, dtypes.float64
short, int, long = dtypes.int16, dtypes.int32, dtypes.int64
pi, e, inf, nan = _math.pi, _math.e, _math.inf, _math.nan


def promote_types(type1, type2):
    """The dtype PyTorch promotes two dtypes to (a float beats any integer)."""
    return dtypes.from_numpy_dtype(dtypes.promote_types(type1.np, type2.np))


def result_type(tensor1, tensor2):
    """The dtype of an elementwise operation on these (tensors or numbers)."""
    return dtypes.from_numpy_dtype(dtypes.result_type(tensor1, tensor2))


def can_cast(from_, to) -> bool:
    return dtypes.category(from_.np) <= dtypes.category(to.np)


def broadcast_shapes(*shapes):
    return Size(_broadcast(*shapes))


def _broadcast(*shapes):
    try:
        return _np.broadcast_shapes(*[(s,) if isinstance(s, _Integral) else tuple(s)
                                     for s in shapes])
    except ValueError:
        raise RuntimeError(f"Shape mismatch: objects cannot be broadcast to a single shape "
                           f"{[list(s) for s in shapes]}") from None


def broadcast_tensors(*tensors):
    shape = _broadcast(*[t.shape for t in tensors])
    return tuple(shapes.broadcast_to(t, shape) for t in tensors)


def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids; ``indexing="xy"`` swaps the roles of the first two inputs."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing == "xy" and len(tensors) >= 2:
        grids = meshgrid(tensors[1], tensors[0], *tensors[2:], indexing="ij")
        return (grids[1], grids[0], *grids[2:])
    n = len(tensors)
    views = [t.reshape([-1 if i == k else 1 for i in range(n)]) for k, t in enumerate(tensors)]
    full = _broadcast(*[v.shape for v in views])
    return tuple(shapes.broadcast_to(v, full) for v in views)


# the packages on top of the tensor modules (imported last: they build on the names above)
from .. import autograd as autograd
from .. import nn
from .. import optim as optim
from .. import utils as utils

softmax = nn.functional.softmax
log_softmax = nn.functional.log_softmax
dropout = nn.functional.dropout_function
Tensor.softmax = lambda self, dim, dtype=None: softmax(self, dim, dtype=dtype)
Tensor.log_softmax = lambda self, dim, dtype=None: log_softmax(self, dim, dtype=dtype)

_EXPORTED = {n for names in _PUBLIC.values() for n in names.split()} | {
    "Node", "Size", "Tensor", "autograd", "bool", "broadcast_shapes", "broadcast_tensors",
    "can_cast", "double", "dropout", "e", "float", "half", "inf", "int", "linalg", "log_softmax",
    "long", "meshgrid", "nan", "nn", "optim", "pi", "promote_types", "result_type",
    "return_types", "short", "softmax", "utils"}
__all__ = sorted(_EXPORTED)  # noqa: PLE0605 (the torch namespace is built from _PUBLIC above)
