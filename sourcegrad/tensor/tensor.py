"""The Tensor: a numpy array plus PyTorch's autograd state.

This module holds the state and the autograd-facing API (``requires_grad``, ``grad``,
``grad_fn``, ``backward``, hooks, ``detach``, conversions, printing). The mathematical methods
and operators are the functions of :mod:`.ops`, attached by :mod:`.methods`.
"""
from __future__ import annotations

import warnings

import numpy as np

from . import dtypes, graph, printing
from .grad_mode import is_grad_enabled

NONLEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad field "
    "to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you "
    "access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. See "
    "github.com/pytorch/pytorch/pull/30531 for more information."
)


class Size(tuple):
    """A tensor's shape: a tuple that prints as ``torch.Size([2, 3])``."""

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    def numel(self) -> int:
        return int(np.prod(self, dtype=np.int64))


class Tensor:
    """An n-dimensional array that can record the operations applied to it.

    ``Tensor(data)`` makes a float tensor from nested lists (as ``torch.Tensor``);
    ``Tensor(2, 3)`` makes a zero-filled 2x3 tensor. Prefer ``tensor(data, ...)``.
    """

    __slots__ = (
        "__weakref__",
        "_accum",
        "_base",
        "_data",
        "_grad",
        "_hooks",
        "_requires_grad",
        "_vc",
        "grad_fn",
    )
    __array_priority__ = 1000  # ndarray (op) Tensor defers to the Tensor

    def __init__(self, *args) -> None:
        default = dtypes.get_default_dtype().np
        if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
            data = args[0]._data if isinstance(args[0], Tensor) else args[0]
            array = np.array(data, dtype=default)
        else:
            array = np.zeros(tuple(int(n) for n in args), dtype=default)
        self._init(array)

    def _init(self, array: np.ndarray, requires_grad: bool = False) -> None:
        self._data = array
        self._requires_grad = requires_grad
        self._grad = None
        self.grad_fn = None
        self._vc = [0]        # version counter, shared by views and detached aliases
        self._base = None     # the tensor this one is a view of
        self._hooks = []      # hooks of a leaf (non-leaf hooks live on the grad_fn)
        self._accum = None

    @classmethod
    def _wrap(cls, array, requires_grad: bool = False) -> Tensor:
        t = cls.__new__(cls)
        t._init(array if type(array) is np.ndarray else np.asarray(array), requires_grad)
        return t

    # -- autograd state ---------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad or self.grad_fn is not None

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        flag = bool(flag)
        if self.grad_fn is not None:
            if not flag:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to "
                    "use a computed variable in a subgraph that doesn't require differentiation "
                    "use var_no_grad = var.detach()."
                )
            return
        if flag and self._data.dtype.kind not in "fc":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._requires_grad = flag

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def grad(self):
        if self.grad_fn is not None and not self.retains_grad:
            warnings.warn(NONLEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None and tuple(value.shape) != tuple(self.shape):
            raise RuntimeError("assigned grad has data of a different size")
        self._grad = value

    @property
    def retains_grad(self) -> bool:
        return self.grad_fn is not None and self.grad_fn._retained is not None

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` during ``backward()``."""
        if self.grad_fn is None:
            if not self.requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        graph.retain(self.grad_fn, self)

    def register_hook(self, hook) -> graph.RemovableHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor replaces it."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        hooks = self._hooks if self.grad_fn is None else self.grad_fn._tensor_hooks
        hooks.append(hook)
        return graph.RemovableHandle(hooks, hook)

    def _accumulator(self) -> graph.AccumulateGrad:
        if self._accum is None:
            self._accum = graph.AccumulateGrad(self)
        return self._accum

    @property
    def _version(self) -> int:
        return self._vc[0]

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None) -> None:
        """Add the gradient of this tensor with respect to every leaf into the leaves' ``.grad``."""
        if inputs is not None:
            raise NotImplementedError("backward(inputs=...) is not supported; use autograd.grad")
        grad = root_gradient(self, gradient, create_graph)
        if retain_graph is None:
            retain_graph = create_graph
        graph.run_backward([self], [grad], retain_graph, create_graph)

    def detach(self) -> Tensor:
        """A tensor sharing this one's data (and version counter) without history."""
        t = type(self)._wrap(self._data)
        t._vc = self._vc
        return t

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self) -> Tensor:
        return self.detach()

    @data.setter
    def data(self, value: Tensor) -> None:
        self._data = value._data

    # -- shape and type ---------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim=None):
        return self.shape if dim is None else self._data.shape[dim]

    def dim(self) -> int:
        return self._data.ndim

    ndim = property(dim)

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    @property
    def dtype(self) -> dtypes.dtype:
        return dtypes.from_numpy_dtype(self._data.dtype)

    @property
    def device(self) -> str:
        return "cpu"

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    # -- conversions ------------------------------------------------------------------------
    def numpy(self) -> np.ndarray:
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        data = self.numpy()
        return data if dtype is None else data.astype(dtype)

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted "
                               "to Scalar")
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self) -> bool:
        if self._data.size == 0:
            raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
        if self._data.size > 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    __hash__ = object.__hash__

    # -- printing ---------------------------------------------------------------------------
    def __repr__(self) -> str:
        name = type(self.grad_fn).__name__ if self.grad_fn is not None else None
        return printing.tensor_repr(self._data, self.dtype, dtypes.get_default_dtype(), name,
                                    self._requires_grad)

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0 and spec:
            return format(self.item(), spec)
        return format(repr(self), spec)


def root_gradient(t: Tensor, gradient, create_graph: bool):
    """The gradient a backward pass starts from (``ones`` for a scalar), checked like PyTorch."""
    if not t.requires_grad:
        raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    if gradient is None:
        if t._data.size != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        g = np.ones(t._data.shape, t._data.dtype)
        return type(t)._wrap(g) if create_graph else g
    if not isinstance(gradient, Tensor):
        gradient = type(t)._wrap(np.asarray(gradient, dtype=t._data.dtype))
    if tuple(gradient.shape) != tuple(t.shape):
        raise RuntimeError(
            f"Mismatch in shape: grad_output[0] has a shape of {gradient.shape!r} and output[0] "
            f"has a shape of {t.shape!r}."
        )
    if create_graph:
        return gradient
    return np.array(gradient._data, dtype=t._data.dtype)


def is_recording(*tensors) -> bool:
    """Will an operation on these values be recorded in the graph?"""
    return is_grad_enabled() and any(isinstance(t, Tensor) and t.requires_grad for t in tensors)
