"""Runtime helpers for loops, branches and in-place array writes in generated gradients.

Adjoints that may not have received any contribution yet hold ``None`` at run time (the
compiler knows statically when that can happen and only then emits these checks).
"""
from __future__ import annotations

import numpy as np

from .runtime import subscript_adjoint, unbroadcast

_ndarray = np.ndarray


def sequence(items):
    """What a ``for`` loop iterates over, as something indexable (arrays and lists stay)."""
    if type(items) in (list, tuple, np.ndarray, range):
        return items
    return list(items)


def _basic(index) -> bool:
    parts = index if type(index) is tuple else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (slice, int, np.integer))
               for p in parts)


def add_at(buffer, index, g):
    """``buffer[index] += g`` in place (repeated fancy indices add up); returns ``buffer``."""
    if _basic(index):
        buffer[index] += g
    else:
        np.add.at(buffer, index, g)
    return buffer


def accumulate_at(adjoint, g, x, index):
    """The adjoint of ``x`` plus ``g`` scattered at ``index`` (a fresh array of ``x``'s shape)."""
    scattered = subscript_adjoint(g, x, index)
    if adjoint is None:
        return scattered
    scattered += adjoint
    return scattered


_CONTAINERS = (list, tuple, dict)


def cleared(adjoint, x, index):
    """A fresh copy of ``adjoint`` (shaped like ``x``) with zeros at ``index``.

    The adjoint of ``x[index] = value``: the values that were overwritten receive no gradient.
    """
    if type(x) in _CONTAINERS:
        out = dict(adjoint or {}) if type(x) is dict else list(adjoint or [None] * len(x))
        if type(x) is dict or not isinstance(index, slice):
            out[index] = None
        else:
            for i in range(*index.indices(len(x))):
                out[i] = None
        return out
    out = np.zeros(np.shape(x), dtype=np.result_type(x, np.float16))
    if adjoint is not None:
        out += adjoint
    out[index] = 0
    return out


_ABSENT = object()  # a dict key the write created


def restore(array, index, saved):
    """Put back the values an in-place write overwrote (the backward sweep runs in reverse)."""
    if saved is _ABSENT:
        del array[index]
    else:
        array[index] = saved


def buffer(adjoint, x):
    """An owned array shaped like ``x`` holding ``adjoint`` (zeros for None): loops update it
    in place. Python numbers get a Python float (immutable, so ``+=`` is safe too)."""
    if type(x) is float or type(x) is int:
        return 0.0 if adjoint is None else adjoint
    out = np.zeros(np.shape(x), dtype=np.result_type(x, np.float16))
    if adjoint is not None:
        out += adjoint
    return out


def saved_region(x, index):
    """A copy of the values ``x[index] = ...`` is about to overwrite."""
    if type(x) is dict:
        return x.get(index, _ABSENT)
    if type(x) is list:
        return x[index]
    return np.copy(x[index])


class ShapeStack:
    """A stack of *witnesses*, run-length encoded: values the backward sweep reads only for
    their type, shape and dtype (``unbroadcast(g, x)``) are saved here instead of on a value
    stack. ``pop()`` returns a stand-in with those (``runtime_adjoints.witness``), shared by a
    whole run, so a loop whose shapes never change keeps one entry however long it runs. The
    top run is kept in slots, not in the list: a push or pop in a steady loop is a compare and
    an add."""

    __slots__ = ("count", "key", "older", "witness")

    def __init__(self):
        self.older = []  # (key, witness, count) runs below the top one
        self.key = None
        self.witness = None
        self.count = 0

    def append(self, value):
        kind = type(value)
        if kind is _ndarray:
            key = (value.shape, value.dtype)
        elif kind is list or kind is tuple or kind is range:
            key = (range, len(value))
        elif kind is float or kind is int or isinstance(value, np.generic):
            key = kind  # (a number: its witness is a zero of its type)
        else:
            key = (kind, id(value))  # (anything else is its own witness, kept whole)
        if key == self.key and self.count:
            self.count += 1
            return
        if self.count:
            self.older.append((self.key, self.witness, self.count))
        self.key, self.witness, self.count = key, _witness(value), 1

    def pop(self):
        witness = self.witness
        self.count -= 1
        if not self.count and self.older:
            self.key, self.witness, self.count = self.older.pop()
        return witness

    @property
    def runs(self):
        """The [key, count] runs, bottom first (what the stack holds)."""
        top = [[self.key, self.count]] if self.count else []
        return [[key, count] for key, _, count in self.older] + top

    def __len__(self):
        return self.count + sum(count for _, _, count in self.older)


def _witness(value):
    from .runtime_adjoints import witness
    return witness(value)



def adjoint_item(adjoint, x, index):
    """A copy of ``adjoint[index]`` (``adjoint`` standing for an array shaped like ``x``).

    A copy, because the backward sweep clears ``adjoint[index]`` in place right after.
    """
    if type(x) in _CONTAINERS:
        return item(adjoint, index)
    if type(adjoint) is not np.ndarray or adjoint.shape != np.shape(x):
        adjoint = np.broadcast_to(adjoint, np.shape(x))
    part = adjoint[index]
    return part.copy() if type(part) is np.ndarray else part


def or_zeros(adjoint, x):
    """``adjoint``, or zeros shaped like ``x`` when no gradient arrived (``None``)."""
    if adjoint is not None:
        return adjoint
    if type(x) is float or type(x) is int:
        return 0.0
    return np.zeros(np.shape(x), dtype=np.result_type(x, np.float16))


# -- containers: adjoints of lists, tuples and dicts are lists and dicts of adjoints ------------
# (None stands for a zero entry, so an adjoint never has to know the shapes of the values)

def plus(a, b):
    """``a + b`` for adjoints: None is zero, and lists/tuples/dicts add entry by entry."""
    if a is None:
        return b
    if b is None:
        return a
    if type(a) in (list, tuple):
        return [plus(x, y) for x, y in zip(a, b)]
    if type(a) is dict:
        out = dict(a)
        for key, value in b.items():
            out[key] = plus(out.get(key), value)
        return out
    return a + b


def item(adjoint, key):
    """Entry ``key`` of a container adjoint (None when nothing reached it)."""
    if adjoint is None:
        return None
    if type(adjoint) is dict:
        return adjoint.get(key)
    if type(key) is slice:
        return list(adjoint[key])
    return adjoint[key]


def scatter_item(adjoint, g, x, key):
    """The adjoint of ``x`` plus ``g`` at ``x[key]``, for containers and arrays alike."""
    if type(x) in (list, tuple):
        if type(key) is int and key >= len(x):
            return adjoint  # h(*args) with fewer args than parameters: a default filled it
        out = list(adjoint) if adjoint is not None else [None] * len(x)
        if type(key) is slice:
            for i, value in zip(range(*key.indices(len(x))), g):
                out[i] = plus(out[i], value)
        else:
            out[key] = plus(out[key], g)
        return out
    if type(x) is dict:
        out = dict(adjoint) if adjoint is not None else {}
        out[key] = plus(out.get(key), g)
        return out
    return accumulate_at(adjoint, g, x, key)


def pop_item(adjoint):
    """The adjoint of the last appended element, removed from the list adjoint."""
    return adjoint.pop() if adjoint else None


def pop_items(adjoint, count):
    """The adjoints of the last ``count`` elements (``extend``), removed from the list."""
    if adjoint is None:
        return None
    tail = adjoint[len(adjoint) - count:]
    del adjoint[len(adjoint) - count:]
    return tail


def sum_adjoint(g, iterable):
    """Adjoint of the builtin ``sum(iterable)``: every element receives ``g``."""
    if type(iterable) in (list, tuple):
        return [unbroadcast(g, item) for item in iterable]
    return np.broadcast_to(g, np.shape(iterable))

