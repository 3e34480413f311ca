"""A PyTorch-style Tensor facade over the rule table: ``import sourcegrad as torch``.

Tensors record the operations applied to them; ``backward()`` runs each recorded node's rule from
the one rule table. See ``docs/tutorials`` for the guided tour.
"""
from . import methods as _methods  # noqa: F401  (attaches operators and methods to Tensor)
from .compiled import function  # sourcegrad.tensor.function (not exported at top level)
from .creation import (arange, as_tensor, empty, eye, from_numpy, full, full_like, is_tensor,
                       linspace, ones, ones_like, rand, rand_like, randint, randn, randn_like,
                       tensor, zeros, zeros_like)
from .dtypes import (bool_ as bool, dtype, float16, float32, float64, get_default_dtype, int8,
                     int16, int32, int64, set_default_dtype, uint8)
from .dtypes import float16 as half, float32 as float, float64 as double, int32 as int
from .dtypes import int64 as long
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .graph import Node
from .ops import (abs, acos, add, all, allclose, any, argmax, argmin, asin, atan, cat, clamp, clip, clone, concat,
                  cos, cosh, div, dot, exp, expm1, flatten, log, log1p, matmul, max, maximum,
                  mean, min, minimum, mm, mul, mv, neg, norm, permute, pow, prod, reciprocal,
                  relu, reshape, sigmoid, sin, sinh, sqrt, square, squeeze, stack, std, sub, sum,
                  t, tan, tanh, transpose, unsqueeze, var, where, equal, isclose)
from .printing import set_printoptions
from .random import Generator, default_generator, initial_seed, manual_seed, seed
from .tensor import Size, Tensor

from .. import autograd, nn  # noqa: E402  (sourcegrad.nn, sourcegrad.autograd as in torch)

__all__ = [
    "Generator", "Node", "Size", "Tensor", "abs", "acos", "add", "all", "allclose", "any", "arange", "argmax", "argmin",
    "as_tensor", "asin", "atan", "autograd", "bool", "cat", "clamp", "clip", "clone", "concat",
    "cos", "cosh", "default_generator", "div", "dot", "double", "dtype", "empty", "enable_grad",
    "exp", "expm1", "equal", "eye", "flatten", "float", "float16", "float32", "float64", "from_numpy",
    "full", "full_like", "get_default_dtype", "half", "initial_seed", "int", "int8", "int16",
    "int32", "int64", "is_grad_enabled", "is_tensor", "isclose", "linspace", "log", "log1p", "long",
    "manual_seed", "matmul", "max", "maximum", "mean", "min", "minimum", "mm", "mul", "mv", "neg",
    "nn", "no_grad", "norm", "ones", "ones_like", "permute", "pow", "prod", "rand", "rand_like",
    "randint", "randn", "randn_like", "reciprocal", "relu", "reshape", "seed",
    "set_default_dtype", "set_grad_enabled", "set_printoptions", "sigmoid", "sin", "sinh", "sqrt",
    "square", "squeeze", "stack", "std", "sub", "sum", "t", "tan", "tanh", "tensor", "transpose",
    "uint8", "unsqueeze", "var", "where", "zeros", "zeros_like",
]
