"""``torch.save``/``torch.load``: tensors, state dicts and whole objects, with pickle.

Tensors pickle as their numpy array and ``requires_grad`` flag (``Tensor.__reduce_ex__``), so a
``state_dict`` saved here loads back here. PyTorch's zip format is not read or written.
"""
from __future__ import annotations

import os
import pickle


def save(obj, f, pickle_module=pickle, pickle_protocol=2) -> None:
    """Write ``obj`` to the path or binary file ``f``."""
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as handle:
            pickle_module.dump(obj, handle, protocol=pickle_protocol)
    else:
        pickle_module.dump(obj, f, protocol=pickle_protocol)


def load(f, map_location=None, pickle_module=pickle, *, weights_only=None, **kwargs):
    """Read back what :func:`save` wrote (``map_location`` is accepted: all is on the CPU)."""
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as handle:
            return pickle_module.load(handle)
    return pickle_module.load(f)
