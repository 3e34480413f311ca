"""The public entry points: grad, value_and_grad, source -- and the cache behind them."""
from __future__ import annotations

import functools
import inspect
import threading
import weakref

from .compiler import Options, compile_gradient, resolve_wrt
from .errors import TransformError
from .frontend.parse import parse_function
from .ir.avals import signature_key

_cache: weakref.WeakKeyDictionary[object, dict] = weakref.WeakKeyDictionary()
_lock = threading.RLock()


def grad(f=None, wrt=0, *, has_aux=False, optimize=True, verbose=False):
    """Return a function that computes the gradient of ``f``'s scalar result.

    The gradient function has ``f``'s signature (defaults included). ``wrt`` picks the
    arguments: an int position, a parameter name, or a tuple of those (then a tuple of
    gradients is returned). Each gradient has the shape and float dtype of its argument; a
    Python number gives a float. Use as ``grad(f)``, ``@grad`` or ``@grad(wrt=("W", "b"))``.
    With ``has_aux=True``, ``f`` returns a pair ``(value, aux)``: only ``value`` is
    differentiated, and the gradient function returns ``(gradient, aux)``.

    >>> import numpy as np, sourcegrad
    >>> def f(x):
    ...     return np.sum(np.sin(x) * x)
    >>> df = sourcegrad.grad(f)
    >>> float(df(np.array([0.0, 1.0]))[1].round(6))
    1.381773
    """
    if f is None:
        return functools.partial(grad, wrt=wrt, has_aux=has_aux, optimize=optimize,
                                 verbose=verbose)
    try:
        return _build(f, wrt, with_value=False, has_aux=has_aux, optimize=optimize,
                      verbose=verbose)
    except TransformError as error:
        raise _from_this_call(error)


def value_and_grad(f=None, wrt=0, *, has_aux=False, optimize=True, verbose=False):
    """Like :func:`grad`, but the function returns ``(f(*args), gradient)`` from one sweep;
    with ``has_aux=True``, ``((value, aux), gradient)``."""
    if f is None:
        return functools.partial(value_and_grad, wrt=wrt, has_aux=has_aux, optimize=optimize,
                                 verbose=verbose)
    try:
        return _build(f, wrt, with_value=True, has_aux=has_aux, optimize=optimize,
                      verbose=verbose)
    except TransformError as error:
        raise _from_this_call(error)


def _from_this_call(error: TransformError) -> TransformError:
    """``error`` as raised by the public function the user called. The compiler's frames (5
    to 9 of them) say nothing about the user's code, which the message itself points at, so
    they are dropped, with any exception the compiler was handling when it raised."""
    error.__suppress_context__ = True
    return error.with_traceback(None)


def source(df, *args, **kwargs) -> str:
    """The generated Python source of a gradient function made by sourcegrad.

    Without arguments: the general code, for arguments nothing is known of. With the arguments
    of a call (``source(df, x, y)``): the code specialized to their types, dtypes and ranks,
    which is what that call runs.
    """
    text = getattr(df, "__sourcegrad_source__", None)
    if text is None:
        raise TypeError(f"{df!r} was not made by sourcegrad.grad or sourcegrad.value_and_grad")
    if not args and not kwargs:
        return text
    if isinstance(df, functools.partial):  # (grad of a partial: the arguments it binds first)
        return source(df.func, *df.args, *args, **{**df.keywords, **kwargs})
    inner = getattr(df, "__wrapped__", df)
    specializations = getattr(inner, "__sourcegrad_specializations__", None)
    if specializations is None:
        return text
    bound = inspect.signature(df).bind(*args, **kwargs)
    bound.apply_defaults()
    key = tuple(signature_key(v) for v in bound.arguments.values())
    return specializations.source_for(key)


def clear_cache() -> None:
    """Forget every compiled gradient (the next grad(f) transforms again)."""
    with _lock:
        _cache.clear()


def _build(f, wrt, *, with_value, optimize, verbose, has_aux=False):
    if isinstance(f, functools.partial):
        return _build_partial(f, wrt, with_value=with_value, optimize=optimize,
                              verbose=verbose, has_aux=has_aux)
    if not inspect.isfunction(f):
        parse_function(f)  # raises the located "no Python source" TransformError
    names, single = resolve_wrt(f, wrt)
    options = Options(names, single, with_value, optimize, verbose, has_aux)
    key = (getattr(f, "__code__", None), options)
    try:
        per_fn = _cache.get(f)
    except TypeError:  # not weak-referenceable: no cache
        per_fn = None
    if per_fn is not None:
        hit = per_fn.get(key)
        if hit is not None and not verbose and _fresh(hit):
            return hit
    with _lock:
        per_fn = _cache.get(f) if per_fn is None else per_fn
        if per_fn is not None and key in per_fn and not verbose and _fresh(per_fn[key]):
            return per_fn[key]
        compiled = compile_gradient(f, options)
        df = _guarded(compiled, f, wrt, with_value, optimize, has_aux)
        df.__sourcegrad_source__ = compiled.source
        df.__sourcegrad_of__ = weakref.ref(f)  # a weak link: the cache must not keep f alive
        df.__annotations__ = {k: v for k, v in getattr(f, "__annotations__", {}).items()
                              if k != "return"}
        try:
            _cache.setdefault(f, {})[key] = df
        except TypeError:
            pass
        return df


_MISSING = object()


def _fresh(df) -> bool:
    """Whether every global name the gradient was made from still means the same object (a
    helper redefined in a notebook cell makes a stale gradient)."""
    return all(namespace.get(name, _MISSING) is obj
               for namespace, name, obj in getattr(df, "__sourcegrad_deps__", ()))


def _guarded(compiled, f, wrt, with_value, optimize, has_aux):
    """The compiled gradient; when it calls user functions by global names, wrapped in a check
    that those names still mean the same functions -- if one was redefined, the gradient is
    made again from the new code, as the user's own function would run the new code."""
    df = compiled.function
    deps = tuple((namespace, name, obj) for namespace, name, obj in compiled.deps)
    df.__sourcegrad_deps__ = deps
    watched = tuple(d for d in deps if inspect.isfunction(d[2]))
    if not watched:
        return df

    @functools.wraps(df)
    def gradient(*args, **kwargs):
        for namespace, name, obj in watched:
            if namespace.get(name, _MISSING) is not obj:
                return _build(f, wrt, with_value=with_value, optimize=optimize,
                              verbose=False, has_aux=has_aux)(*args, **kwargs)
        return df(*args, **kwargs)

    gradient.__sourcegrad_deps__ = deps
    return gradient


def _build_partial(p: functools.partial, wrt, *, with_value, optimize, verbose, has_aux):
    """grad of ``functools.partial(f, ...)``: the gradient of ``f``, with the same arguments
    bound (``wrt`` refers to the partial's own remaining parameters)."""
    names, single = resolve_wrt(p, wrt)
    inner = _build(p.func, names[0] if single else names, with_value=with_value,
                   optimize=optimize, verbose=verbose, has_aux=has_aux)
    bound = functools.partial(inner, *p.args, **p.keywords)
    bound.__sourcegrad_source__ = inner.__sourcegrad_source__
    return bound
