"""The systems under test: how each one turns a workload into a gradient call.

Every ``*_gradient(workload, inputs)`` returns a :class:`Gradient`: ``call()`` is what gets
timed (inputs already converted, results left in the system's own types, JAX results waited
for), and ``to_numpy(result)`` turns a result into a tuple of numpy arrays, one per ``wrt``
name, for the check against the hand-written gradient. A system that cannot handle a
workload raises; the runner reports that as an "n/a" cell.

Peers (autograd, PyTorch, JAX) are imported by :func:`load_peers` only when installed; the
caller must have pinned the thread counts before (``run.py`` does).
"""
from __future__ import annotations

import importlib
import importlib.metadata
import time
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmarks.workloads import Workload


@dataclass
class Gradient:
    call: Callable[[], Any]
    to_numpy: Callable[[Any], tuple]


def _as_tuple(result, n):
    return tuple(result) if n > 1 else (result,)


def _numpy_tuple(result, n):
    return tuple(np.asarray(r) for r in _as_tuple(result, n))


def _positions(workload: Workload, inputs: dict):
    names = list(inputs)
    pos = tuple(names.index(n) for n in workload.wrt)
    return pos if len(pos) > 1 else pos[0]


def version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "?"


# -- plain numpy -------------------------------------------------------------------------------

def forward_call(workload: Workload, inputs: dict):
    args = tuple(inputs.values())
    return lambda: workload.forward(*args)


def numpy_gradient(fn, workload: Workload, inputs: dict) -> Gradient:
    """A hand-written gradient (the reference or an alternative)."""
    args = tuple(inputs.values())
    n = len(workload.wrt)
    return Gradient(lambda: fn(*args), lambda r: _numpy_tuple(r, n))


# -- sourcegrad --------------------------------------------------------------------------------

def sourcegrad_module():
    """The sourcegrad package, or an exception saying why it cannot be benchmarked yet."""
    import sourcegrad

    if not hasattr(sourcegrad, "grad"):
        raise NotImplementedError("sourcegrad.grad does not exist yet")
    return sourcegrad


def _wrt(workload: Workload):
    return workload.wrt if len(workload.wrt) > 1 else workload.wrt[0]


def sourcegrad_gradient(workload: Workload, inputs: dict) -> Gradient:
    sg = sourcegrad_module()
    df = sg.grad(workload.forward, wrt=_wrt(workload))
    args = tuple(inputs.values())
    n = len(workload.wrt)
    return Gradient(lambda: df(*args), lambda r: _numpy_tuple(r, n))


def sourcegrad_source(workload: Workload) -> str:
    sg = sourcegrad_module()
    return sg.source(sg.grad(workload.forward, wrt=_wrt(workload)))


def _fresh_function(f):
    """A new function object with f's code: sourcegrad's cache (keyed on the object) misses."""
    g = types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__, f.__closure__)
    g.__kwdefaults__ = f.__kwdefaults__
    g.__qualname__ = f.__qualname__
    g.__module__ = f.__module__
    g.__doc__ = f.__doc__
    return g


def sourcegrad_transform(workload: Workload, inputs: dict) -> tuple[float, bool]:
    """Seconds for ``grad`` of a fresh function, caches cleared; and whether a call is included.

    sourcegrad transforms eagerly (the source exists as soon as ``grad`` returns), so this is
    the time of ``grad`` alone. Should it ever transform lazily, on the first call, the time
    includes that first call and the runner subtracts a steady-state call.
    """
    sg = sourcegrad_module()
    clear = getattr(sg, "clear_cache", None) or getattr(sg.api, "clear_cache", None)
    if clear is not None:
        clear()
    f = _fresh_function(workload.forward)
    t0 = time.perf_counter()
    df = sg.grad(f, wrt=_wrt(workload))
    if getattr(df, "__sourcegrad_source__", None) is not None:
        return time.perf_counter() - t0, False
    df(*inputs.values())
    return time.perf_counter() - t0, True


# -- peers -------------------------------------------------------------------------------------

PEERS = {  # key -> (column header, distributions whose versions are reported)
    "autograd": ("autograd", ("autograd",)),
    "torch": ("torch eager", ("torch",)),
    "jax": ("jax jit", ("jax", "jaxlib")),
}


def load_peers(wanted=("autograd", "torch", "jax")) -> dict[str, dict]:
    """The installed peers among ``wanted``: key -> {"module", "versions"}; others left out."""
    peers = {}
    for key in wanted:
        try:
            module = importlib.import_module(key)
        except ImportError:
            continue
        if key == "torch":
            module.set_num_threads(1)
            try:
                module.set_num_interop_threads(1)
            except RuntimeError:  # already set, or inter-op work has started
                pass
        if key == "jax":
            module.config.update("jax_enable_x64", True)
            module.config.update("jax_platforms", "cpu")
        peers[key] = {"module": module,
                      "versions": {d: version(d) for d in PEERS[key][1]}}
    return peers


def autograd_gradient(workload: Workload, inputs: dict) -> Gradient:
    import autograd
    import autograd.numpy as anp

    if workload.peer is None:
        raise LookupError("no autograd version of this workload")
    df = autograd.grad(workload.peer(anp), _positions(workload, inputs))
    args = tuple(inputs.values())
    n = len(workload.wrt)
    return Gradient(lambda: df(*args), lambda r: _numpy_tuple(r, n))


def torch_gradient(workload: Workload, inputs: dict) -> Gradient:
    import torch

    if workload.peer is None:
        raise LookupError("no torch version of this workload")
    f = workload.peer(torch)
    args = []
    for name, value in inputs.items():
        if isinstance(value, float):
            t = torch.tensor(value, dtype=torch.float64)
        else:
            t = torch.from_numpy(np.ascontiguousarray(value))
        if name in workload.wrt:
            t.requires_grad_(True)
        args.append(t)
    params = [args[list(inputs).index(name)] for name in workload.wrt]

    def call():
        return torch.autograd.grad(f(*args), params)

    return Gradient(call, lambda r: tuple(t.detach().numpy() for t in r))


def _jax_setup(workload: Workload, inputs: dict):
    import jax
    import jax.numpy as jnp

    if workload.peer is None:
        raise LookupError("no jax version of this workload")
    f = workload.peer(jnp)

    def scalar_f(*args):  # jax.grad wants shape (); W7 returns shape (1,) as in the tutorial
        return jnp.reshape(f(*args), ())

    args = tuple(v if isinstance(v, float) else jax.device_put(v) for v in inputs.values())
    return jax, scalar_f, args


def jax_gradient(workload: Workload, inputs: dict) -> Gradient:
    jax, f, args = _jax_setup(workload, inputs)
    df = jax.jit(jax.grad(f, _positions(workload, inputs)))
    n = len(workload.wrt)
    return Gradient(lambda: jax.block_until_ready(df(*args)), lambda r: _numpy_tuple(r, n))


def jax_first_call(workload: Workload, inputs: dict) -> float:
    """Seconds for jit(grad(f)) from empty caches to its first result (trace + compile + run)."""
    jax, f, args = _jax_setup(workload, inputs)
    jax.clear_caches()
    t0 = time.perf_counter()
    df = jax.jit(jax.grad(f, _positions(workload, inputs)))
    jax.block_until_ready(df(*args))
    return time.perf_counter() - t0


GRADIENTS = {
    "autograd": autograd_gradient,
    "torch": torch_gradient,
    "jax": jax_gradient,
}
