"""Runtime helpers for the adjoints of containers and of writes (generated code calls them).

Adjoints of lists, tuples and dicts are lists and dicts of adjoints, with ``None`` for an
entry that received nothing; reading an entry for a rule materializes zeros shaped like the
forward value (``element_adjoint``), so no rule ever sees ``None``. Writes follow numpy's
semantics exactly: ``y[idx] = v`` with repeated integer indices keeps the *last* write, so
only that occurrence of ``v`` gets a gradient; ``y[idx] += v`` is ``y[idx] = y[idx] + v``
(numpy's buffered update) and needs nothing special.
"""
from __future__ import annotations

import numpy as np

from .runtime import _zeros_for, basic_index, reads_shape_of, subscript_adjoint, unbroadcast

_ndarray = np.ndarray
# (a range stands in for a list whose length is all the backward sweep needs: ``witness``)
_CONTAINERS = (list, tuple, dict, range)


@reads_shape_of(0)
def zero_adjoint(x):
    """The zero adjoint of a value: zeros of its shape (a float for a Python number), or a
    container of ``None`` entries."""
    kind = type(x)
    if kind is float or kind is int or kind is bool:
        return 0.0
    if x is None:
        return None  # (a name not bound yet on this path: nothing reads its adjoint)
    if kind is list or kind is tuple or kind is range:
        return [None] * len(x)
    if kind is dict:
        return {}
    return _zeros_for(x)


def add_adjoints(a, b):
    """``a + b`` for adjoints: None is zero; containers add entry by entry."""
    if a is None:
        return b
    if b is None:
        return a
    kind = type(a)
    if kind is list or kind is tuple:
        return [add_adjoints(x, y) for x, y in zip(a, b)]
    if kind is dict:
        out = dict(a)
        for key, value in b.items():
            out[key] = add_adjoints(out.get(key), value)
        return out
    return a + b


def element_adjoint(adjoint, key, element):
    """Entry ``key`` of a container's adjoint, as a value a rule can use (zeros for None)."""
    value = None
    if adjoint is not None:
        if type(adjoint) is dict:
            value = adjoint.get(key)
        else:
            value = adjoint[key]
    return zero_adjoint(element) if value is None else value


@reads_shape_of(0)
def sparse_adjoint(container, keys, values):
    """The adjoint of ``container`` whose only entries are ``values`` at ``keys``."""
    if type(container) is dict:
        out = {}
        for key, value in zip(keys, values):
            out[key] = add_adjoints(out.get(key), value)
        return out
    out = [None] * len(container)
    for key, value in zip(keys, values):
        out[key] = add_adjoints(out[key], value)
    return out


@reads_shape_of(1)
def item_adjoint(g, x, index):
    """The contribution to ``x``'s adjoint of reading ``x[index]`` (adjoint ``g``)."""
    if type(x) in _CONTAINERS:
        if type(index) is slice:
            out = [None] * len(x)
            for position, value in zip(range(*index.indices(len(x))), g):
                out[position] = add_adjoints(out[position], value)
            return out
        return sparse_adjoint(x, (index,), (g,))
    return subscript_adjoint(g, x, index)


def cleared_adjoint(g, index):
    """The adjoint of the array (or list) written by ``y[index] = v``, before the write: the
    written entries never reach the output, so their adjoint is zero."""
    if g is None:
        return None
    if type(g) in (list, tuple):
        out = list(g)
        if type(index) is slice:
            for position in range(*index.indices(len(out))):
                out[position] = None
        else:
            out[index] = None
        return out
    if type(g) is dict:
        out = dict(g)
        out.pop(index, None)
        return out
    out = np.array(g, dtype=np.result_type(g, np.float16), copy=True)
    out[index] = 0
    return out


def clear_item(g, index):
    """``cleared_adjoint(g, index)``, writing into ``g`` when it is an array that may be
    written (the compiler calls this only where nothing reads ``g`` afterwards)."""
    if type(g) is _ndarray and g.flags.writeable and g.dtype.kind == "f":
        g[index] = 0
        return g
    return cleared_adjoint(g, index)


cleared_adjoint.in_place = clear_item


@reads_shape_of(1)
def with_item_adjoint(d, x, index, g):
    """``d + item_adjoint(g, x, index)``: the adjoint ``d`` of ``x`` with the adjoint ``g`` of
    ``x[index]`` added into those entries (repeated indices add up)."""
    return add_item_adjoint(np.array(np.broadcast_to(d, np.shape(x)),
                                     dtype=np.result_type(d, g, np.float16)), x, index, g)


@reads_shape_of(1)
def add_item_adjoint(d, x, index, g):
    """``with_item_adjoint``, adding into ``d`` when it is a float array of ``x``'s shape
    that may be written (where nothing reads ``d`` afterwards); returns the result."""
    if type(d) is not _ndarray or not d.flags.writeable or d.shape != np.shape(x) or \
            not _holds(d, g):
        return with_item_adjoint(d, x, index, g)
    if type(index) is int or basic_index(index):
        d[index] += g  # (basic indices never repeat an entry)
    else:
        np.add.at(d, index, g)
    return d


with_item_adjoint.in_place = add_item_adjoint


def _holds(d, g) -> bool:
    """Whether adding ``g`` into the array ``d`` keeps ``d``'s dtype (numpy's promotion; the
    common cases without asking it: a float, or a value of ``d``'s own dtype)."""
    if type(g) is float and d.dtype.kind == "f":
        return True
    if getattr(g, "dtype", None) == d.dtype:
        return True
    return d.dtype == np.result_type(d, g)


@reads_shape_of(3)
def written_adjoint(g, index, value, target):
    """The adjoint of ``value`` in ``target[index] = value``: the entries of ``g`` it was
    written to, summed back to ``value``'s shape. With repeated integer indices numpy keeps the
    last write, so an earlier occurrence of a repeated index gets zero."""
    if type(target) in _CONTAINERS:
        if type(index) is slice:
            positions = range(*index.indices(len(target)))
            return [element_adjoint(g, p, v) for p, v in zip(positions, value)]
        return element_adjoint(g, index, value)
    if g is None:
        return zero_adjoint(value)
    picked = np.asarray(g)[index]
    if _fancy(index):
        picked = picked * _last_writes(np.shape(target), index)
    elif type(picked) is _ndarray:
        picked = picked.copy()  # (a view of g: g's entries are cleared next, maybe in place)
    return unbroadcast(picked, value)


def _fancy(index) -> bool:
    parts = index if type(index) is tuple else (index,)
    return any(isinstance(p, (_ndarray, list)) and np.asarray(p).dtype.kind in "iu"
               for p in parts)


def _last_writes(shape, index):
    """A mask over ``np.empty(shape)[index]``: True where that element is the last write to
    its position (numpy assigns in order, so later ones overwrite)."""
    positions = np.arange(int(np.prod(shape))).reshape(shape)[index]
    flat = positions.ravel()
    last = np.zeros(flat.size, dtype=bool)
    _, first_from_end = np.unique(flat[::-1], return_index=True)
    last[flat.size - 1 - first_from_end] = True
    return last.reshape(positions.shape)


def unpack_adjoint(parts, x):
    """The adjoint of ``x`` from ``a, b, ... = x`` given each target's adjoint (None: zero)."""
    if type(x) in _CONTAINERS:
        return list(parts)
    rows = [zero_adjoint(x[i]) if p is None else p for i, p in enumerate(parts)]
    return np.stack(rows).astype(np.result_type(x, np.float16), copy=False)


def append_adjoint(g, item):
    """``(d items, d item)`` for ``new = items + [item]``."""
    if g is None:
        return None, zero_adjoint(item)
    return list(g[:-1]), element_adjoint(g, len(g) - 1, item)


def extend_adjoint(g, n, more):
    """``(d items, d more)`` for ``new = items + list(more)`` where ``items`` had ``n``
    entries."""
    if g is None:
        return None, zero_adjoint(more)
    head, tail = list(g[:n]), list(g[n:])
    if type(more) in _CONTAINERS:
        return head, tail
    return head, unpack_adjoint(tail, more)


@reads_shape_of(2)
def pop_adjoint(g_item, g_rest, items):
    """``d items`` for ``item, rest = items[-1], items[:-1]``."""
    rest = [None] * (len(items) - 1) if g_rest is None else list(g_rest)
    return rest + [g_item]


def converted_adjoint(g, x):
    """The adjoint of ``x`` from ``list(x)`` or ``tuple(x)``."""
    if type(x) in _CONTAINERS:
        return g
    return unpack_adjoint(g, x)


def witness(x):
    """A stand-in with ``x``'s type, shape and dtype and (almost) no memory, for backward code
    that reads only those (``unbroadcast(g, x)``): it keeps ``x`` itself from being saved. A
    list or tuple is stood in for by a ``range`` of its length."""
    kind = type(x)
    if kind is _ndarray:
        return np.broadcast_to(x.dtype.type(0), x.shape)
    if kind is float or kind is int:
        return kind(0)
    if kind is list or kind is tuple:
        return range(len(x))
    if isinstance(x, np.generic):
        return kind(0)
    return x


def filled_adjoint(adjoint, ans):
    """The adjoint of a sequence-valued result as a list with an entry for every element:
    zeros where nothing arrived (a rule of ``np.linalg.svd`` then sees three arrays)."""
    if adjoint is None:
        return [zero_adjoint(a) for a in ans]
    return [zero_adjoint(a) if d is None else d for d, a in zip(adjoint, ans)]
