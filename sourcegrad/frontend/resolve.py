"""Name resolution at transform time: what does each called name mean?

Called names (``np.sin``, ``math.exp``, ``helper``) are looked up in the function's closure
cells, globals and builtins *now*, so the compiler can pick their rules. Names that are mere
values (arrays, constants, even globals defined after the function) are not resolved: the
generated code reads them at run time, exactly as the user's code does.
"""
from __future__ import annotations

import builtins
import types

import gast

from . import nodes

_MISSING = object()


class Scope:
    """The environment of one user function."""

    def __init__(self, fn, local_names: set[str]):
        self.fn = fn
        self.globals = fn.__globals__
        self.closure = {}
        for name, cell in zip(fn.__code__.co_freevars, fn.__closure__ or ()):
            try:
                self.closure[name] = cell.cell_contents
            except ValueError:  # an empty cell: assigned after the function was made
                pass
        self.locals = set(local_names)
        self.generated: dict[str, object] = {}  # names the compiler bound to runtime helpers

    def lookup(self, name: str):
        """The object a free name refers to, or _MISSING for locals and unknown names."""
        if name in self.generated:
            return self.generated[name]
        return self.lookup_user(name)

    def lookup_user(self, name: str):
        """Like lookup, for the names the user's own code can see."""
        if name in self.locals:
            return _MISSING
        if name in self.closure:
            return self.closure[name]
        if name in self.globals:
            return self.globals[name]
        return getattr(builtins, name, _MISSING)

    def resolve(self, node) -> object:
        """The object ``node`` (a Name or a dotted Attribute chain) denotes, or _MISSING.

        Attribute chains are followed only through modules and classes (``np.linalg.inv``),
        never through values, whose attributes may change between calls.
        """
        if isinstance(node, gast.Name):
            return self.lookup(node.id)
        if isinstance(node, gast.Attribute):
            base = self.resolve(node.value)
            if base is _MISSING or not isinstance(base, (types.ModuleType, type)):
                return _MISSING
            return getattr(base, node.attr, _MISSING)
        return _MISSING


def resolved(obj) -> bool:
    return obj is not _MISSING


MISSING = _MISSING


def local_names(fn_node: gast.FunctionDef) -> set[str]:
    """Parameters and every name the function assigns (Python's own rule for locals)."""
    names = set()
    for node in nodes.walk(fn_node):
        if isinstance(node, gast.Name) and isinstance(node.ctx, (gast.Store, gast.Param, gast.Del)):
            names.add(node.id)
        elif isinstance(node, (gast.FunctionDef, gast.ClassDef)) and node is not fn_node:
            names.add(node.name)
    return names
