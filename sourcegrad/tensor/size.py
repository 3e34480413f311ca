"""``torch.Size``: a tensor's shape, and PyTorch's message for a dimension out of range."""
from __future__ import annotations

import math


class Size(tuple):
    """A tensor's shape: a tuple that prints as ``torch.Size([2, 3])``; slices stay Sizes."""

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    def __getitem__(self, index):
        item = tuple.__getitem__(self, index)
        return Size(item) if isinstance(index, slice) else item

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))

    def numel(self) -> int:
        return math.prod(self)


def dim_error(dim, ndim) -> str:
    return (f"Dimension out of range (expected to be in range of [{-max(ndim, 1)}, "
            f"{max(ndim, 1) - 1}], but got {dim})")
