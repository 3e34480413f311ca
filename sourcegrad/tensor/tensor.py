"""The Tensor: a numpy array plus PyTorch's autograd state.

This module holds the state and the autograd-facing API (``requires_grad``, ``grad``,
``grad_fn``, ``backward``, hooks, ``detach``, conversions, printing). The mathematical methods
and operators are the functions of the op modules, attached by :mod:`.methods`.

A *view* (``x[1:]``, ``x.t()``, ``x.view(-1)``) shares its base's memory and version counter and
remembers the path of view steps that made it from its base (``_base``, ``_view``). When the
base changes in place, the view's ``grad_fn`` is rebuilt from the base on next use, as PyTorch
does (it then reads ``AsStridedBackward0``); :mod:`.views` holds that machinery.
"""
from __future__ import annotations

import warnings

import numpy as np

from . import backward as backward_pass
from . import dtypes, graph, printing
from .device import CPU
from .grad_mode import is_grad_enabled
from .size import Size, dim_error

NONLEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad field "
    "to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you "
    "access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. See "
    "github.com/pytorch/pytorch/pull/30531 for more information."
)


# Set by .views at import: rebuilds a view's grad_fn after its base changed in place.
refresh_view = None


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
        "_grad_fn",
        "_hooks",
        "_output_nr",
        "_requires_grad",
        "_vc",
        "_view",
        "_view_vc",
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
        self._grad_fn = None
        self._vc = [0]        # version counter, shared by views and detached aliases
        self._base = None     # the tensor this one is a view of (never itself a view)
        self._view = ()       # the view steps from _base to this tensor
        self._view_vc = None  # the base's version when grad_fn was made (None: not tracked)
        self._hooks = []      # hooks of a leaf (non-leaf hooks live on the grad_fn)
        self._accum = None
        self._output_nr = 0   # which result of its grad_fn this tensor is

    @classmethod
    def _wrap(cls, array, requires_grad: bool = False) -> Tensor:
        """A plain Tensor around ``array`` (results of operations are never subclasses)."""
        t = object.__new__(Tensor)
        t._init(array if type(array) is np.ndarray else np.asarray(array), requires_grad)
        return t

    # -- autograd state ---------------------------------------------------------------------
    @property
    def grad_fn(self):
        if self._view_vc is not None and self._view_vc != self._vc[0]:
            refresh_view(self)
        return self._grad_fn

    @grad_fn.setter
    def grad_fn(self, node) -> None:
        self._grad_fn = node

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
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError("assigned grad expected to be a Tensor or None but got grad of "
                                f"type {type(value).__name__}")
            if tuple(value.shape) != tuple(self.shape):
                raise RuntimeError("assigned grad has data of a different size")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError("assigned grad has data of a different type")
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    @property
    def retains_grad(self) -> bool:
        return self.grad_fn is not None and self.grad_fn._retained is not None

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` during ``backward()``."""
        if self.grad_fn is None:
            if not self.requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        backward_pass.retain(self.grad_fn, self)

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

    def _edge(self):
        """The node gradients for this tensor flow into (its grad_fn, or its leaf accumulator)."""
        fn = self.grad_fn
        return fn if fn is not None else self._accumulator()

    @property
    def _version(self) -> int:
        return self._vc[0]

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None) -> None:
        """Add the gradient of this tensor with respect to every leaf (or only to ``inputs``)
        into their ``.grad``."""
        grad = backward_pass.root_gradient(self, gradient, create_graph)
        if retain_graph is None:
            retain_graph = create_graph
        if isinstance(inputs, Tensor):
            inputs = [inputs]
        if inputs is not None and len(inputs) == 0:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
        backward_pass.run_backward([self], [grad], retain_graph, create_graph,
                                   accumulate_into=inputs)

    def detach(self) -> Tensor:
        """A tensor sharing this one's data (and version counter) without history."""
        t = Tensor._wrap(self._data)
        t._vc = self._vc
        return t

    def detach_(self) -> Tensor:
        self._grad_fn = None
        self._view_vc = None
        self._requires_grad = False
        return self

    @property
    def data(self) -> Tensor:
        """The same memory without history, and (unlike ``detach()``) with a version counter of
        its own: changes made through ``.data`` are invisible to autograd, as in PyTorch."""
        return Tensor._wrap(self._data)

    @data.setter
    def data(self, value: Tensor) -> None:
        self._data = value._data

    # -- shape and type ---------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return self.shape
        try:
            return self._data.shape[dim]
        except IndexError:
            raise IndexError(dim_error(dim, self._data.ndim)) from None

    def dim(self) -> int:
        return self._data.ndim

    ndim = property(dim)

    def ndimension(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    def stride(self, dim=None):
        strides = tuple(s // self._data.itemsize for s in self._data.strides)
        return strides if dim is None else strides[dim]

    def is_contiguous(self, memory_format=None) -> bool:
        return self._data.flags.c_contiguous

    def data_ptr(self) -> int:
        return self._data.__array_interface__["data"][0]

    @property
    def dtype(self) -> dtypes.dtype:
        return dtypes.from_numpy_dtype(self._data.dtype)

    @property
    def device(self):
        return CPU

    is_cuda = False
    is_sparse = False
    is_quantized = False
    is_meta = False
    layout = "torch.strided"

    def get_device(self) -> int:
        return -1

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def is_complex(self) -> bool:
        return False

    def is_inference(self) -> bool:
        return False

    @property
    def itemsize(self) -> int:
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        return self._data.nbytes

    # -- conversions ------------------------------------------------------------------------
    def numpy(self, *, force: bool = False) -> np.ndarray:
        if self.requires_grad and not force:
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

    def __complex__(self) -> complex:
        return complex(self.item())

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

    def __contains__(self, element) -> bool:
        return bool((self == element).any())

    __hash__ = object.__hash__

    def __reduce_ex__(self, protocol):
        return (_rebuild, (self._data.copy(), self._requires_grad))

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment.")
        copy = type(self).__new__(type(self))
        copy._init(self._data.copy(), self._requires_grad)
        if self._grad is not None:
            copy._grad = self._grad.__deepcopy__(memo)
        memo[id(self)] = copy
        return copy

    # -- printing ---------------------------------------------------------------------------
    def __repr__(self) -> str:
        fn = self.grad_fn
        name = type(fn).__name__ if fn is not None else None
        return printing.tensor_repr(self._data, self.dtype, dtypes.get_default_dtype(), name,
                                    self._requires_grad)

    def __format__(self, spec: str) -> str:
        # as PyTorch: a 0-d plain tensor formats its number, so f"{loss}" prints 0.123456...
        if self._data.ndim == 0 and type(self) is Tensor:
            return format(self.item(), spec)
        return object.__format__(self, spec) if spec else str(self)


def _rebuild(array, requires_grad):
    t = Tensor._wrap(array)
    t._requires_grad = requires_grad
    return t


def is_recording(*tensors) -> bool:
    """Will an operation on these values be recorded in the graph?"""
    return is_grad_enabled() and any(isinstance(t, Tensor) and t.requires_grad for t in tensors)
