"""``sourcegrad.nn``: as ``torch.nn``, for now the functional interface (``nn.functional``)."""
from . import functional

__all__ = ["functional"]
