"""Whether operations on Tensors are recorded: ``no_grad``, ``enable_grad``, ``set_grad_enabled``,
``inference_mode``.

The flag is thread-local, as in PyTorch: a ``no_grad`` block in one thread does not stop
recording in another. Each class works as a context manager and as a decorator, with or without
parentheses (``@torch.no_grad`` and ``@torch.no_grad()``).
"""
from __future__ import annotations

import functools
import inspect
import threading

_state = threading.local()


def is_grad_enabled() -> bool:
    """True when new operations on Tensors that require grad are recorded in the graph."""
    return getattr(_state, "enabled", True)


def _set(mode: bool) -> None:
    _state.enabled = bool(mode)


def _decorate(fn, mode: bool):
    if inspect.isclass(fn):
        raise RuntimeError("a grad mode can decorate functions, not classes")

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        previous = is_grad_enabled()
        _set(mode)
        try:
            return fn(*args, **kwargs)
        finally:
            _set(previous)

    return wrapper


class _GradMode:
    """Base of the switches: sets the flag on entry and restores it on exit."""

    mode = True

    def __new__(cls, fn=None):
        if fn is not None and callable(fn) and cls in (no_grad, enable_grad):
            return _decorate(fn, cls.mode)  # used bare: @torch.no_grad
        return super().__new__(cls)

    def __init__(self, fn=None) -> None:
        self._prev = []

    def __enter__(self):
        self._prev.append(is_grad_enabled())
        _set(self.mode)

    def __exit__(self, *exc) -> None:
        _set(self._prev.pop())

    def __call__(self, fn):
        return _decorate(fn, self.mode)

    def clone(self):
        return type(self)()


class no_grad(_GradMode):
    """Do not record operations (inference, parameter updates): results have no ``grad_fn``."""

    mode = False


class enable_grad(_GradMode):
    """Record operations again, e.g. inside a ``no_grad`` block."""

    mode = True


class inference_mode(_GradMode):
    """``no_grad`` for inference (``inference_mode(False)`` records as usual)."""

    def __new__(cls, mode=True):
        if callable(mode):
            return _decorate(mode, False)
        return object.__new__(cls)

    def __init__(self, mode=True) -> None:
        super().__init__()
        self.mode = not mode


def is_inference_mode_enabled() -> bool:
    return not is_grad_enabled()


class set_grad_enabled(_GradMode):
    """``set_grad_enabled(False)`` is ``no_grad()``; it also takes effect when called bare."""

    def __new__(cls, mode):
        return object.__new__(cls)

    def __init__(self, mode: bool) -> None:
        super().__init__()
        self.mode = bool(mode)
        self._prev = [is_grad_enabled()]
        _set(self.mode)  # like PyTorch, calling it as a function switches the mode at once

    def __enter__(self):
        return None

    def __exit__(self, *exc) -> None:
        _set(self._prev[0])

    def __call__(self, fn):
        _set(self._prev[0])  # used as a decorator: undo the immediate switch
        return _decorate(fn, self.mode)
