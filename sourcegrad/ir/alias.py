"""Storage: which values may share memory, and which writes may happen in place.

The IR is functional: ``y2 = setitem(y1, i, v)`` is a new value. Python writes in place, and
the two meanings agree exactly when nothing reads ``y1`` -- or anything sharing its memory
(``x`` after ``y = x``, a view ``y[1:]``) or holding it (a list it was appended to) -- after
the write. Two relations are tracked:

* *storage classes* (identity and views): a fresh result (arithmetic, a ufunc, ``np.zeros``,
  a literal) starts its own class; a view, an element read from a container, a region's output,
  the result of writing into a value, or the result of a call that might return its argument
  joins its operands' class. Arguments and globals belong to the caller;
* *holding*: a container holds its elements (``[a, b]``, ``xs.append(v)``, ``d[k] = v``). A
  write into an element is seen through a live container that holds it; a write into the
  container itself (``xs.append``) changes no element.

Two questions are answered from these and the live ranges (``names.Intervals``):

* :func:`observed_writes` -- the user's in-place writes whose effect another name would see
  (refused by the compiler: the gradient of such code needs Python's aliasing, which the IR
  does not model);
* :func:`in_place` -- the writes that may really happen in place in generated code: the
  object is this function's own, and nothing else sharing or holding it is read afterwards.
  The rest copy (``runtime.with_item``, ``[*xs, v]``).
"""
from __future__ import annotations

import gast
import numpy as np

from .. import runtime, runtime_adjoints
from ..runtime_flow import ShapeStack
from . import walk
from .core import UNBOUND, Free, If, Op, Var
from .names import UnionFind

WRITES = frozenset(("setitem", "augop", "append", "extend", "pop"))
_FRESH_KINDS = frozenset(("binop", "unary", "compare", "slice"))
_CONTAINER_KINDS = frozenset(("tuple", "list", "dict"))
#: callables whose result never shares memory with an argument
FRESH_CALLS = {
    np.zeros, np.ones, np.empty, np.full, np.zeros_like, np.ones_like, np.empty_like,
    np.full_like, np.array, np.copy, np.stack, np.concatenate, np.hstack, np.vstack,
    np.dot, np.matmul, np.sum, np.mean, np.prod, np.max, np.min, np.var, np.std, np.where,
    np.cumsum, np.cumprod, np.outer, np.einsum, np.tensordot, np.kron, np.arange,
    np.linspace, np.eye, np.tile, np.repeat, np.sort, np.clip, np.pad, np.diff,
    runtime.zeros_like, runtime.with_item, runtime.subscript_adjoint,
    runtime_adjoints.zero_adjoint, runtime_adjoints.cleared_adjoint,
    runtime_adjoints.item_adjoint, runtime_adjoints.unpack_adjoint,
    runtime_adjoints.sparse_adjoint, runtime_adjoints.witness,
    len, float, int, bool, range, abs, round,
}


def _fresh_call(op) -> bool:
    if op.method == "copy":
        return True
    prim = op.prim
    if isinstance(prim, np.ufunc):
        return True
    try:
        return prim in FRESH_CALLS
    except TypeError:
        return False


class Storage:
    """Storage classes and holding relations of every value of a function (``kinds``: the
    front end's container kinds, which say whether ``y[i] = v`` stores ``v`` itself or copies
    its values)."""

    def __init__(self, function, kinds=None):
        self.kinds = kinds or {}
        self.owned_params = set(function.owned)
        self.definitions: dict = {}
        self.phis: dict = {}  # a region's output or carried value -> the values flowing in
        self.classes = UnionFind()
        self.holds: list = []  # (container, element) pairs of Vars
        self.elements: list = []  # (value, container): value is one of container's elements
        self.external: set = set(function.params) - set(function.owned)
        self._block(function.body)
        find = self.classes.find
        # an element read from a container is one of the values the container holds
        changed = True
        while changed:
            changed = False
            for value, container in self.elements:
                for holder, element in self.holds:
                    if find(holder) is find(container) and find(element) is not find(value):
                        self.classes.union(value, element)
                        changed = True
        self.external = {find(v) for v in self.external}
        members: dict = {}
        for v in walk.defined_in(function.body) | set(function.params):
            members.setdefault(find(v), []).append(v)
        self.members = members
        holders: dict = {}  # element class -> classes holding it
        for container, element in self.holds:
            holders.setdefault(find(element), set()).add(find(container))
        self.holders = holders

    def join(self, a, b) -> None:
        if a.__class__ is Var and b.__class__ is Var:
            self.classes.union(a, b)
        elif a.__class__ is Var and b.__class__ is Free:
            self.external.add(a)

    def element(self, value, container) -> None:
        if value.__class__ is Var and container.__class__ is Var:
            self.elements.append((value, container))
        elif value.__class__ is Var and container.__class__ is Free:
            self.external.add(value)

    def hold(self, container, element) -> None:
        if container.__class__ is Var and element.__class__ is Var:
            self.holds.append((container, element))

    def _block(self, block) -> None:
        for stmt in block.stmts:
            kind = stmt.__class__
            if kind is Op:
                self._op(stmt)
            elif kind is If:
                for b in stmt.blocks():
                    self._block(b)
                for out, a, c in zip(stmt.outs, stmt.then.yields, stmt.orelse.yields):
                    self.join(out, a)
                    self.join(out, c)
                    self.phis[out] = [a, c]
            else:
                for out, p, init, y in zip(stmt.outs, stmt.params, stmt.inits,
                                           stmt.body.yields):
                    self.join(out, p)
                    self.join(p, init)
                    self.join(p, y)
                    self.phis[out] = [p]
                    self.phis[p] = [init, y]
                for b in stmt.blocks():
                    self._block(b)

    def _op(self, op) -> None:
        kind = op.kind
        for out in op.outs:
            self.definitions[out] = op
        if kind in _FRESH_KINDS or (kind == "call" and _fresh_call(op)):
            return
        if kind in _CONTAINER_KINDS:
            for a in op.args:
                self.hold(op.outs[0], a)
            return
        if kind in ("append", "extend"):
            self.join(op.outs[0], op.args[0])
            self.hold(op.outs[0], op.args[1])
            return
        if kind == "call" and op.prim is ShapeStack:
            return
        if kind == "pop":
            self.join(op.outs[1], op.args[0])
            self.element(op.outs[0], op.args[0])
            return
        if kind == "getitem" and self.kinds.get(op.args[0]) in _CONTAINER_KINDS:
            self.element(op.outs[0], op.args[0])
            return
        if kind == "unpack" and self.kinds.get(op.args[0]) in _CONTAINER_KINDS:
            for out in op.outs:
                self.element(out, op.args[0])
            return
        if kind in ("setitem", "augop"):
            # the result is the target, written; an array stores copies of the item's values,
            # a list or dict the item itself
            self.join(op.outs[0], op.args[0])
            if kind == "setitem" and self.kinds.get(op.args[0]) not in (None, "array"):
                self.hold(op.outs[0], op.args[2])
            return
        # views, elements, unknown calls: the result may be (part of) any operand
        for out in op.outs:
            for a in op.operands():
                self.join(out, a)

    def owned(self, var, seen=None) -> bool:
        """Whether ``var`` is an object this function made, writable and nobody else's: a
        fresh result, or the result of writing into such an object."""
        if var.__class__ is not Var or self.is_external(var):
            return False
        seen = set() if seen is None else seen
        if var in seen:
            return True  # (optimistic around a loop: every way in is checked)
        seen.add(var)
        if var in self.phis:
            return all(a is UNBOUND or self.owned(a, seen) for a in self.phis[var])
        op = self.definitions.get(var)
        if op is None:
            return False
        if op.kind == "unpack" and op.args[0] in self.owned_params:
            return True  # (the parts of a tape this function owns)
        if op.kind in WRITES:
            if op.kind == "pop" and var is op.outs[0]:
                return False
            return self.owned(op.args[0], seen)
        if op.kind in _FRESH_KINDS or op.kind in _CONTAINER_KINDS:
            return True
        return op.kind == "call" and _fresh_call(op)

    def sharing(self, var) -> list:
        """Every value that shares ``var``'s memory or holds it (transitively)."""
        find = self.classes.find
        classes, todo = set(), [find(var)]
        while todo:
            c = todo.pop()
            if c in classes:
                continue
            classes.add(c)
            todo.extend(self.holders.get(c, ()))
        return [v for c in classes for v in self.members.get(c, [])]

    def is_external(self, var) -> bool:
        return self.classes.find(var) in self.external


class Positions:
    """Where each statement is and where each value is read, as *paths*: a statement index per
    block level, and which block of a region (-1: the region's own operands, read before its
    blocks). Decides exactly whether a read can happen after a write: later in the same
    block, after the region around the write -- but not in the other branch of a branch --
    and, through a loop's back edge, anywhere in a loop the value was defined outside of."""

    def __init__(self, function):
        self.at: dict = {}  # statement -> path
        self.reads: dict = {}  # Var -> [path]
        self.defined: dict = {}  # Var -> path of its definition
        self.loops: dict = {}  # path prefix of a loop statement -> the Loop
        for p in function.params:
            self.defined[p] = ()
        self._block(function.body, ())

    def _read(self, atom, path) -> None:
        if atom.__class__ is Var:
            self.reads.setdefault(atom, []).append(path)

    def _block(self, block, prefix) -> None:
        for i, stmt in enumerate(block.stmts):
            here = prefix + (i,)
            self.at[stmt] = here
            kind = stmt.__class__
            if kind is Op:
                for a in stmt.operands():
                    self._read(a, here)
            else:
                for a in walk.reads(stmt):
                    self._read(a, here + (-1,))
                if kind is not If:
                    self.loops[here] = stmt
                    for v in ([stmt.index] if stmt.index is not None else []) + stmt.params:
                        self.defined[v] = here + (-1,)
                for b, inner in enumerate(stmt.blocks()):
                    self._block(inner, here + (b,))
                if kind is not If and stmt.brk is not None:
                    self._read(stmt.brk, here + (len(stmt.blocks()) - 1, 10**9))
            for out in stmt.outs:
                self.defined[out] = here
        for a in block.yields:
            self._read(a, prefix + (len(block.stmts),))

    def exists_at(self, var, op) -> bool:
        """Whether ``var`` is defined when ``op`` runs (not only later, or on another path)."""
        d, w = self.defined.get(var, ()), self.at[op]
        for j, (a, b) in enumerate(zip(d, w)):
            if a != b:
                if j % 2 == 0:
                    return a < b
                # (a region's own values come first; a loop's header runs before its body)
                return a == -1 or (w[:j] in self.loops and a < b)
        return len(d) < len(w) and (len(d) == 0 or len(d) % 2 == 0)

    def read_after(self, var, op) -> bool:
        """Whether ``var`` may be read after ``op`` runs (``op`` itself excluded)."""
        w = self.at[op]
        d = self.defined.get(var, ())
        for r in self.reads.get(var, ()):
            if r == w:
                continue
            if _later(r, w):
                return True
            # the back edge of a loop around the write, for a value from before that loop
            for depth in range(1, len(w), 2):
                loop_path = w[:depth]
                if loop_path in self.loops and r[:depth] == loop_path and \
                        len(r) > depth and r[depth] >= 0 and d[:depth] != loop_path:
                    return True
        return False


def _later(r, w) -> bool:
    for j, (a, b) in enumerate(zip(r, w)):
        if a != b:
            if j % 2 == 0:
                return a > b  # two statements of one block
            return False  # two blocks of one region: other branch, or header vs body
    return len(r) > len(w)


def write_ops(function) -> list:
    return [op for op in walk.statements(function.body)
            if op.__class__ is Op and op.kind in WRITES]


def observed_writes(function, is_user_write, kinds=None) -> list:
    """The user's writes (``is_user_write(op)``) after which another value sharing or holding
    the written memory is still read: ``[(op, other value)]``."""
    storage = Storage(function, kinds)
    positions = Positions(function)
    found = []
    for op in write_ops(function):
        target = op.args[0]
        if not is_user_write(op) or target.__class__ is not Var:
            continue
        for other in storage.sharing(target):
            if other not in op.outs and positions.exists_at(other, op) and \
                    positions.read_after(other, op):
                found.append((op, other))
                break
    return found


def in_place(function, kinds=None) -> set:
    """The write operations that may happen in place in the generated code."""
    storage = Storage(function, kinds)
    positions = Positions(function)
    chosen = set()
    for op in write_ops(function):
        if op.method == "stack":
            # the compiler's own stacks: made for one loop, pushed and popped only in order
            chosen.add(op)
            continue
        target = op.args[0]
        if target.__class__ is not Var or not storage.owned(target):
            continue
        if op.kind == "augop" and op.prim not in _IN_PLACE_OPERATORS:
            continue
        if not any(other not in op.outs and positions.exists_at(other, op) and
                   positions.read_after(other, op) for other in storage.sharing(target)):
            chosen.add(op)
    return chosen


_IN_PLACE_OPERATORS = (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow, gast.FloorDiv,
                       gast.Mod, gast.MatMult)
