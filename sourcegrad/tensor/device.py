"""Devices: everything lives on the CPU, and code that asks for a GPU gets PyTorch's answers.

``torch.device("cuda")`` can be made (as in a CPU-only PyTorch build), ``torch.cuda.is_available()``
is False, and moving a tensor to CUDA raises PyTorch's ``AssertionError``. The usual device
boilerplate of tutorials (``"cuda" if torch.cuda.is_available() else "cpu"``) therefore runs.
"""
from __future__ import annotations

import types

_KNOWN = ("cpu", "cuda", "mps", "meta", "xpu")
NO_CUDA = "Torch not compiled with CUDA enabled"


class device:
    """A device name and optional index: ``device("cpu")``, ``device("cuda", 0)``, ``device("cuda:1")``."""

    __slots__ = ("index", "type")

    def __init__(self, type, index=None) -> None:
        if isinstance(type, device):
            type, index = type.type, type.index
        elif isinstance(type, int):
            type, index = "cuda", type
        elif ":" in type:
            type, _, number = type.partition(":")
            index = int(number)
        if type not in _KNOWN:
            raise RuntimeError(
                "Expected one of cpu, cuda, mps, meta, xpu device type at start of device "
                f"string: {type}")
        self.type, self.index = type, index

    def __repr__(self) -> str:
        extra = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{extra})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __enter__(self):
        self._previous = _default[0]
        set_default_device(self)
        return self

    def __exit__(self, *exc) -> None:
        _default[0] = self._previous


CPU = device("cpu")
_default = [CPU]


def check(where) -> None:
    """Refuse a device other than the CPU the way a CPU-only PyTorch does."""
    if where is None:
        return
    d = where if isinstance(where, device) else device(where)
    if d.type == "cuda":
        raise AssertionError(NO_CUDA)
    if d.type != "cpu":
        raise RuntimeError(f"sourcegrad runs on the CPU only; device {d} is not available")


def set_default_device(where) -> None:
    """Where new tensors go; only the CPU is available (CUDA raises when a tensor is made)."""
    _default[0] = CPU if where is None else device(where)


def get_default_device() -> device:
    return _default[0]


def default_device_check(where) -> None:
    """Check ``where`` (or, when it is None, the default device) before making a tensor."""
    check(where if where is not None else _default[0])


def _false(*args, **kwargs) -> bool:
    return False


def _no_cuda(*args, **kwargs):
    raise AssertionError(NO_CUDA)


cuda = types.ModuleType("sourcegrad.cuda", "CUDA is never available: sourcegrad runs on numpy.")
cuda.is_available = _false
cuda.is_bf16_supported = _false
cuda.device_count = lambda: 0
cuda.manual_seed = lambda seed: None  # PyTorch ignores it without CUDA, too
cuda.manual_seed_all = lambda seed: None
cuda.synchronize = _no_cuda
cuda.current_device = _no_cuda
cuda.get_device_name = _no_cuda
cuda.empty_cache = lambda: None

backends = types.ModuleType("sourcegrad.backends", "No accelerated backends.")
backends.mps = types.SimpleNamespace(is_available=_false, is_built=_false)
backends.cuda = types.SimpleNamespace(is_built=_false)
backends.cudnn = types.SimpleNamespace(is_available=_false, enabled=False, deterministic=False,
                                       benchmark=False)

accelerator = types.ModuleType("sourcegrad.accelerator", "No accelerator: the CPU does the work.")
accelerator.is_available = _false
accelerator.current_accelerator = lambda check_available=False: None
accelerator.device_count = lambda: 0
