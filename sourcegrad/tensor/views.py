"""Views, in-place operations and item assignment, recorded as PyTorch records them.

A view (``x[1:]``, ``x.t()``, ``x.view(-1)``) shares its base's memory and version counter and
keeps the steps that made it (see :func:`.dispatch.mark_view`). Three cases of writing:

* an in-place operation on a tensor that is not a view (``y.mul_(2)``, ``y += x``): the result is
  computed from a copy of the old value that carries the old history, written into ``y``, and
  ``y.grad_fn`` becomes the result's node (``MulBackward0``);
* a write into a view (``y[1:] *= 3``, ``y[0] = 0``, ``out[i] = f(w)``): the base gets a
  ``CopySlices`` node -- the rule of ``index_put`` (:mod:`sourcegrad.rules.tensor_ops`) with the
  view's elements as the index -- and every view of the base rebuilds its ``grad_fn`` from the
  base on next use (``AsStridedBackward0``: the rule of ``getitem`` on those elements);
* item assignment with an advanced index into a tensor that is not a view (``y[mask] = 0``):
  ``IndexPutBackward0``, the same rule.

Without gradients involved (``no_grad``, or nothing requires grad) the write goes straight into
memory and only bumps the version counter -- the path optimizers take.
"""
from __future__ import annotations

import numpy as np

from ..rules.nn import getitem
from ..rules.tensor_ops import index_put
from . import dtypes, graph
from . import tensor as tensor_module
from .dispatch import attach
from .grad_mode import is_grad_enabled, no_grad
from .tensor import Tensor

LEAF_MESSAGE = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_OF_LEAF_MESSAGE = ("a view of a leaf Variable that requires grad is being used in an "
                        "in-place operation.")


def base_index(view: Tensor, extra_step=None) -> tuple:
    """The elements of ``view`` (then ``extra_step``) as an advanced index into its base."""
    base = view._base
    region = np.arange(base._data.size).reshape(base._data.shape)
    for fn, args, kwargs in view._view + ((extra_step,) if extra_step else ()):
        region = fn(region, *args, **kwargs)
    return np.unravel_index(region, base._data.shape)


def refresh_view(view: Tensor) -> None:
    """Rebuild the ``grad_fn`` of a view whose base changed in place since it was made."""
    base = view._base
    view._view_vc = view._vc[0]
    if base.requires_grad:
        attach(view, getitem, (base, base_index(view)), name="AsStridedBackward0", edges=(0,))


tensor_module.refresh_view = refresh_view


def _alias(t: Tensor, copy: bool) -> Tensor:
    """A tensor holding ``t``'s current value (a copy, or the same memory) and its history."""
    alias = Tensor._wrap(t._data.copy() if copy else t._data)
    alias._grad_fn = t.grad_fn
    alias._requires_grad = t._requires_grad and t.grad_fn is None
    if alias._requires_grad:
        alias._accum = t._accumulator()
    return alias


def check_writable(t: Tensor) -> None:
    if t._base is not None and t._base._requires_grad and t._base.grad_fn is None:
        raise RuntimeError(VIEW_OF_LEAF_MESSAGE)
    if t._requires_grad and t.grad_fn is None:
        raise RuntimeError(LEAF_MESSAGE)


def _recording(t: Tensor, others) -> bool:
    if not is_grad_enabled():
        return False
    if t.requires_grad or (t._base is not None and t._base.requires_grad):
        return True
    return any(isinstance(o, Tensor) and o.requires_grad for o in others)


def check_cast(result_dtype: np.dtype, t: Tensor) -> None:
    """PyTorch refuses in-place results of a higher category (float into an integer tensor)."""
    if dtypes.category(result_dtype) > dtypes.category(t._data.dtype):
        raise RuntimeError(f"result type {_type_name(result_dtype)} can't be cast to the desired "
                           f"output type {_type_name(t._data.dtype)}")


def _type_name(np_dtype) -> str:
    return dtypes.from_numpy_dtype(np_dtype).tensor_type[:-6]


def _write(t: Tensor, result: Tensor) -> None:
    shape = t._data.shape
    if result._data.shape != shape and np.broadcast_shapes(result._data.shape, shape) != shape:
        raise RuntimeError(f"output with shape {list(shape)} doesn't match the broadcast shape "
                           f"{list(result._data.shape)}")
    check_cast(result._data.dtype, t)
    t._data[...] = result._data
    t._vc[0] += 1


def inplace(self: Tensor, compute, *others) -> Tensor:
    """Run ``compute(self)`` and write the result into ``self``, recording it as PyTorch does."""
    if not _recording(self, others):
        with no_grad():
            result = compute(self)
        _write(self, result)
        return self
    check_writable(self)
    result = compute(_alias(self, copy=True))
    _write(self, result)
    if self._base is None:
        node = result._grad_fn
        if result._data.dtype != self._data.dtype and node is not None:
            node = result.to(self.dtype)._grad_fn
        self._grad_fn = node
        self._view_vc = None
        if node is not None and isinstance(getattr(node, "_ans", None), graph.SavedTensor):
            node._ans = graph.SavedTensor(self, node.name())
    else:
        _record_write(self._base, base_index(self), result, "CopySlices")
        self._view_vc = -1  # rebuilt from the base on next use
    return self


def fast_inplace(self: Tensor, ufunc, other, *others, scale=1) -> Tensor | None:
    """``ufunc(self, scale * other, out=self)`` when nothing is recorded (an optimizer's
    update); None when the write must be recorded instead."""
    if _recording(self, (other,) + others):
        return None
    data = other._data if isinstance(other, Tensor) else other
    if scale != 1:
        data = data * scale
    own = self._data
    if type(data) is np.ndarray:
        if data.dtype != own.dtype:
            check_cast(dtypes.result_type(self, other), self)
        if data.shape != own.shape and np.broadcast_shapes(data.shape, own.shape) != own.shape:
            raise RuntimeError(f"output with shape {list(own.shape)} doesn't match the "
                               f"broadcast shape {list(np.broadcast_shapes(data.shape, own.shape))}")
    elif own.dtype.kind != "f":
        check_cast(dtypes.result_type(self, other), self)
    ufunc(own, data, out=own, casting="unsafe")
    self._vc[0] += 1
    return self


def _record_write(base: Tensor, index, value, name: str, accumulate: bool = False) -> None:
    """Give ``base`` (already holding the written values) the node of the write."""
    before = _alias(base, copy=False)
    attach(base, index_put, (before, index, value, accumulate), name=name, edges=(0, 2))
    base._view_vc = None


def index_arrays(index):
    """An index with Tensors and lists replaced by numpy arrays (what numpy indexes with)."""
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, tuple):
        return tuple(index_arrays(i) for i in index)
    if isinstance(index, list):
        return np.asarray([index_arrays(i) for i in index])
    return index


def is_basic(index) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (slice, int, np.integer))
               and not isinstance(p, (bool, np.bool_)) for p in parts)


def _fit_region(value: Tensor, region: tuple) -> Tensor:
    """PyTorch drops leading size-1 dimensions of a value written into a smaller region."""
    shape = value._data.shape
    lead = 0
    while len(shape) - lead > len(region) and shape[lead] == 1:
        lead += 1
    return value.reshape(shape[lead:]) if lead else value


def setitem(self: Tensor, index, value) -> None:
    """``t[index] = value``: straight into memory, or recorded (CopySlices / IndexPutBackward0)."""
    index = index_arrays(index)
    if not isinstance(value, Tensor) and not np.isscalar(value):
        value = Tensor._wrap(np.asarray(value, dtype=self._data.dtype))
    if isinstance(value, Tensor):
        value = _fit_region(value, self._data[index].shape)
    data = value._data if isinstance(value, Tensor) else value
    if isinstance(value, Tensor):
        check_cast(dtypes.promote_types(value._data.dtype, self._data.dtype), self)
    if not _recording(self, (value,)):
        self._data[index] = data
        self._vc[0] += 1
        return
    check_writable(self)
    if self._base is not None:
        region = base_index(self, (getitem, (index,), {}))
        self._data[index] = data
        self._vc[0] += 1
        _record_write(self._base, region, value, "CopySlices")
        self._view_vc = -1
        return
    name = "CopySlices" if is_basic(index) else "IndexPutBackward0"
    self._data[index] = data
    self._vc[0] += 1
    _record_write(self, index, value, name)
