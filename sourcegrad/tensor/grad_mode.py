"""Whether operations on Tensors are recorded: ``no_grad``, ``enable_grad``, ``set_grad_enabled``.

The flag is thread-local, as in PyTorch: a ``no_grad`` block in one thread does not stop
recording in another. Each class works as a context manager and as a decorator.
"""
from __future__ import annotations

import functools
import threading

_state = threading.local()


def is_grad_enabled() -> bool:
    """True when new operations on Tensors that require grad are recorded in the graph."""
    return getattr(_state, "enabled", True)


def _set(mode: bool) -> None:
    _state.enabled = bool(mode)


class _GradMode:
    """Base of the three switches: sets the flag on entry and restores it on exit."""

    mode = True

    def __enter__(self):
        self._prev = is_grad_enabled()
        _set(self.mode)

    def __exit__(self, *exc) -> None:
        _set(self._prev)

    def __call__(self, fn):
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """Do not record operations (inference, parameter updates): results have no ``grad_fn``."""

    mode = False


class enable_grad(_GradMode):
    """Record operations again, e.g. inside a ``no_grad`` block."""

    mode = True


class set_grad_enabled(_GradMode):
    """``set_grad_enabled(False)`` is ``no_grad()``; it also takes effect when called bare."""

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self._prev = is_grad_enabled()
        _set(self.mode)  # like PyTorch, calling it as a function switches the mode at once

    def __enter__(self):
        return None

    def __exit__(self, *exc) -> None:
        _set(self._prev)

    def __call__(self, fn):
        _set(self._prev)  # used as a decorator: undo the immediate switch
        return super().__call__(fn)
