"""Runtime helpers for loops in generated gradients: what a ``for`` loop walks, the
run-length encoded stack of witnesses (``ShapeStack``), and the adjoint of ``sum(items)``."""
from __future__ import annotations

import numpy as np

from .runtime import unbroadcast

_ndarray = np.ndarray


def sequence(items):
    """What a ``for`` loop iterates over, as something indexable (arrays and lists stay)."""
    if type(items) in (list, tuple, np.ndarray, range):
        return items
    return list(items)




_ABSENT = object()  # a dict key the write created


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


# -- containers: adjoints of lists, tuples and dicts are lists and dicts of adjoints ------------
# (None stands for a zero entry, so an adjoint never has to know the shapes of the values)


def sum_adjoint(g, iterable):
    """Adjoint of the builtin ``sum(iterable)``: every element receives ``g``."""
    if type(iterable) in (list, tuple):
        return [unbroadcast(g, item) for item in iterable]
    return np.broadcast_to(g, np.shape(iterable))

