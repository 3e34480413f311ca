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

from . import walk
from .callees import FRESH_OR_ITEM, fresh_call, hashable, twin
from .core import Free, If, Op, Var
from .positions import Positions

WRITES = frozenset(("setitem", "augop", "append", "extend", "pop"))
_FRESH_KINDS = frozenset(("binop", "unary", "compare", "slice"))
_CONTAINER_KINDS = frozenset(("tuple", "list", "dict"))
class Storage:
    """Points-to facts of every value of a function: the objects (allocation sites) each value
    may be, and what each object may hold (``kinds``: the front end's container kinds, which
    say whether ``y[i] = v`` stores ``v`` itself or copies its values).

    An object is the operation that made it (a fresh array, a list literal), or, for a
    parameter or a global, the caller's object. A view, a region's output, the result of a
    write, or the result of a call that might return its argument may be any object its
    operand may be; a container's elements are what its objects hold.
    """

    def __init__(self, function, kinds=None):
        self.kinds = kinds or {}
        self.owned_params = set(function.owned)
        self.definitions: dict = {}
        self.points: dict = {}  # Var -> set of objects it may be
        self.holds: dict = {}  # object -> set of objects it may hold
        self.external: set = set()  # objects the caller owns
        self.constraints: list = []  # deferred flows, solved to a fixpoint
        for p in function.params:
            site = ("param", p)
            self.points[p] = {site}
            if p not in self.owned_params:
                self.external.add(site)
        self._block(function.body)
        self._solve()
        self.members = {}  # object -> the values that may be it
        for var, objects in self.points.items():
            for obj in objects:
                self.members.setdefault(obj, []).append(var)

    # -- building the constraints ------------------------------------------------------------
    def flow(self, dst, src) -> None:
        """``dst`` may be whatever ``src`` may be."""
        if dst.__class__ is Var:
            if src.__class__ is Var:
                self.constraints.append(("copy", dst, src))
            elif src.__class__ is Free:
                site = ("free", src.path)
                self.external.add(site)
                self.points.setdefault(dst, set()).add(site)

    def fresh(self, dst, op) -> None:
        self.points.setdefault(dst, set()).add(("op", op))

    def hold(self, container, element) -> None:
        if container.__class__ is Var and element.__class__ in (Var, Free):
            if element.__class__ is Free:
                site = ("free", element.path)
                self.external.add(site)
                self.constraints.append(("store-object", container, site))
            else:
                self.constraints.append(("store", container, element))

    def element(self, value, container) -> None:
        if value.__class__ is Var and container.__class__ is Var:
            self.constraints.append(("load", value, container))
        elif value.__class__ is Var and container.__class__ is Free:
            site = ("free", container.path)
            self.external.add(site)
            self.points.setdefault(value, set()).add(("contents", container.path))
            self.external.add(("contents", container.path))

    def _block(self, block) -> None:
        for stmt in block.stmts:
            kind = stmt.__class__
            if kind is Op:
                self._op(stmt)
            elif kind is If:
                for b in stmt.blocks():
                    self._block(b)
                for out, a, c in zip(stmt.outs, stmt.then.yields, stmt.orelse.yields):
                    self.flow(out, a)
                    self.flow(out, c)
            else:
                for out, p, init, y in zip(stmt.outs, stmt.params, stmt.inits,
                                           stmt.body.yields):
                    self.flow(p, init)
                    self.flow(p, y)
                    self.flow(out, p)
                for b in stmt.blocks():
                    self._block(b)

    def _op(self, op) -> None:
        kind = op.kind
        for out in op.outs:
            self.definitions[out] = op
            self.points.setdefault(out, set())
        if kind == "call" and op.prim in (list, tuple, sorted) and op.args and not op.kwargs:
            # a new list of the items of its operand (tuple() of a tuple may be the tuple
            # itself: it cannot be written)
            self.fresh(op.outs[0], op)
            self.constraints.append(("store-contents", op.outs[0], op.args[0]))
            return
        if kind == "binop" and self.kinds.get(op.outs[0]) not in (None, "array"):
            # (xs * n, or an operand of unknown kind) may be a new list holding what its
            # operands hold
            self.fresh(op.outs[0], op)
            for a in op.args:
                if a.__class__ is Var:
                    self.constraints.append(("store-contents", op.outs[0], a))
            return
        if kind in _FRESH_KINDS or (kind == "call" and fresh_call(op)):
            self.fresh(op.outs[0], op) if op.outs else None
            return
        if kind in _CONTAINER_KINDS:
            self.fresh(op.outs[0], op)
            for a in op.args:
                self.hold(op.outs[0], a)
            return
        if kind == "call" and hashable(op.prim) and op.prim in FRESH_OR_ITEM:
            self.fresh(op.outs[0], op)
            self.element(op.outs[0], op.args[FRESH_OR_ITEM[op.prim]])
            return
        if twin(op) is not None:  # (its result is its first argument, or a copy of it)
            self.flow(op.outs[0], op.args[0])
            return
        if op.method == "shapes":  # a ShapeStack keeps witnesses, never the values
            self.flow(op.outs[-1], op.args[0])
            if kind == "pop":
                self.fresh(op.outs[0], op)
            return
        if kind in ("append", "extend"):
            self.flow(op.outs[0], op.args[0])
            if kind == "append":
                self.hold(op.outs[0], op.args[1])
            else:
                self.constraints.append(("store-contents", op.outs[0], op.args[1]))
            return
        if kind == "pop":
            self.flow(op.outs[1], op.args[0])
            self.element(op.outs[0], op.args[0])
            return
        if kind == "getitem" or kind == "unpack":
            for out in op.outs:
                if self.kinds.get(op.args[0]) in _CONTAINER_KINDS:
                    self.element(out, op.args[0])
                elif self.kinds.get(op.args[0]) in (None, "array"):
                    self.flow(out, op.args[0])  # (part of) the array: a view
                else:  # a container or an array: either
                    self.element(out, op.args[0])
                    self.flow(out, op.args[0])
            return
        if kind in ("setitem", "augop"):
            # the result is the target, written; an array stores copies of the item's values,
            # a list or dict the item itself
            self.flow(op.outs[0], op.args[0])
            if kind == "setitem" and self.kinds.get(op.args[0]) not in (None, "array"):
                self.hold(op.outs[0], op.args[2])
            return
        # a numpy function may return (a view of) its array, which comes first (np.reshape,
        # np.transpose, np.asarray, ...); anything else may return any of its operands, or
        # anything they hold
        operands = op.operands()
        if kind == "call" and op.binding is not None and op.args:
            operands = [op.args[0]]
        for out in op.outs:
            self.fresh(out, op)
            for a in operands:
                self.flow(out, a)
                if op.binding is None:
                    self.element(out, a)

    def _solve(self) -> None:
        points, holds = self.points, self.holds
        changed = True
        while changed:
            changed = False
            for kind, a, b in self.constraints:
                if kind == "copy":
                    new = points.get(b, set()) - points.setdefault(a, set())
                    if new:
                        points[a] |= new
                        changed = True
                elif kind == "store":
                    for obj in points.get(a, ()):
                        new = points.get(b, set()) - holds.setdefault(obj, set())
                        if new:
                            holds[obj] |= new
                            changed = True
                elif kind == "store-object":
                    for obj in points.get(a, ()):
                        if b not in holds.setdefault(obj, set()):
                            holds[obj].add(b)
                            changed = True
                elif kind == "store-contents":
                    inner = set()
                    for obj in points.get(b, ()):
                        inner |= holds.get(obj, set())
                    inner |= points.get(b, set())  # (extending by an array: its rows)
                    for obj in points.get(a, ()):
                        new = inner - holds.setdefault(obj, set())
                        if new:
                            holds[obj] |= new
                            changed = True
                else:  # load
                    inner = set()
                    for obj in points.get(b, ()):
                        inner |= holds.get(obj, set())
                        if obj in self.external:
                            inner.add(("contents", obj))
                    new = inner - points.setdefault(a, set())
                    if new:
                        points[a] |= new
                        changed = True
        for obj in list(points.values()):
            for o in obj:
                if o[0] == "contents":
                    self.external.add(o)

    # -- questions ---------------------------------------------------------------------------
    def owned(self, var) -> bool:
        """Whether ``var`` surely is an object this function made (none of the caller's, none
        a view of another's): it may be written in place when nothing else can see it."""
        objects = self.points.get(var)
        if not objects:
            return False
        for obj in objects:
            if obj in self.external:
                return False
            if obj[0] == "op":
                op = obj[1]
                if op.kind not in _FRESH_KINDS and op.kind not in _CONTAINER_KINDS and \
                        not (op.kind == "call" and (fresh_call(op) or hashable(op.prim) and
                                                    op.prim in FRESH_OR_ITEM)):
                    return False
            elif obj[0] == "param" and obj[1] not in self.owned_params:
                return False
        return True

    def sharing(self, var) -> list:
        """Every value that may be one of ``var``'s objects or hold one (transitively)."""
        objects = set(self.points.get(var, ()))
        todo = list(objects)
        holders = {}
        for obj, inside in self.holds.items():
            for o in inside:
                holders.setdefault(o, set()).add(obj)
        while todo:
            obj = todo.pop()
            for holder in holders.get(obj, ()):
                if holder not in objects:
                    objects.add(holder)
                    todo.append(holder)
        found = []
        for obj in objects:
            found.extend(self.members.get(obj, ()))
        return list(dict.fromkeys(found))


def write_ops(function) -> list:
    """The writes, and the calls of helpers with an in-place twin (``callees.twin``)."""
    return [op for op in walk.statements(function.body)
            if op.__class__ is Op and (op.kind in WRITES or twin(op) is not None)]


def observed_writes(function, is_user_write, kinds=None, live=None) -> list:
    """The user's writes (``is_user_write(op)``) after which another value sharing or holding
    the written memory is still read (by a statement that is ``live``, when given):
    ``[(op, other value)]``."""
    storage = Storage(function, kinds)
    positions = Positions(function, live=live)
    found = []
    for op in write_ops(function):
        target = op.args[0]
        if not is_user_write(op) or target.__class__ is not Var:
            continue
        shape = _changes_shape(op, kinds or {})
        for other in storage.sharing(target):
            if other not in op.outs and positions.exists_at(other, op) and \
                    positions.read_after(other, op, shape):
                found.append((op, other))
                break
    return found


def _changes_shape(op, kinds) -> bool:
    """Whether the write may change its target's type, shape or dtype: writing items of an
    array never does (a later read of only the old value's shape sees no difference); growing
    a list or adding a key does (and a helper's twin may make an array of a number)."""
    if op.kind == "augop":
        return False
    return not (op.kind == "setitem" and kinds.get(op.args[0]) in (None, "array"))


def in_place(function, kinds=None) -> set:
    """The write operations that may happen in place in the generated code."""
    storage = Storage(function, kinds)
    positions = Positions(function)
    chosen = set()
    for op in write_ops(function):
        if op.method in ("stack", "shapes"):
            # the compiler's own stacks: made for one loop, pushed and popped only in order
            chosen.add(op)
            continue
        target = op.args[0]
        if target.__class__ is not Var or not storage.owned(target):
            continue
        if op.kind == "augop" and op.prim not in _IN_PLACE_OPERATORS:
            continue
        shape = _changes_shape(op, kinds or {})
        if not any(other not in op.outs and positions.exists_at(other, op) and
                   positions.read_after(other, op, shape) for other in storage.sharing(target)):
            chosen.add(op)
    return chosen


_IN_PLACE_OPERATORS = (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow, gast.FloorDiv,
                       gast.Mod, gast.MatMult)
