"""``nn.Parameter``: a leaf tensor that a ``Module`` registers as one of its parameters."""
from __future__ import annotations

import copy

from ..tensor.creation import empty
from ..tensor.tensor import Tensor


class Parameter(Tensor):
    """A tensor that requires grad (unless told not to) and shares memory with ``data``.

    Assigning one to a ``Module`` attribute registers it, so ``module.parameters()`` finds it.
    Operations on a parameter give plain tensors, as in PyTorch.
    """

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = empty(0)
        param = object.__new__(cls)
        param._init(data._data, False)
        param._vc = data._vc
        param.requires_grad_(requires_grad)
        return param

    def __init__(self, data=None, requires_grad=True) -> None:
        pass  # everything happens in __new__ (Tensor.__init__ builds from raw data)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self._data.copy(), self._requires_grad))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = Parameter(Tensor._wrap(self._data.copy()), self._requires_grad)
        if self._grad is not None:
            result._grad = copy.deepcopy(self._grad, memo)
        memo[id(self)] = result
        return result


def _rebuild_parameter(array, requires_grad):
    return Parameter(Tensor._wrap(array), requires_grad)
