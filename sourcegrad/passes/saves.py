"""Pass 5b: save what the backward sweep reads and a later statement overwrites.

After the backward sweep is built we know exactly which forward values it reads. A value that
is never overwritten (parameters, renamed straight-line variables, loop invariants) is read in
place: nothing is saved. A variable that a loop or branch re-binds is pushed onto its own stack
just before each re-binding and popped at the matching point of the backward sweep; an array
element overwritten in place is copied out before the write and put back afterwards. So an RNN
saves its hidden states and a loop that only adds saves nothing.

This pass also adds the trip counters the reversed loops need and re-evaluates ``while`` tests.
"""
from __future__ import annotations

import gast

from .. import runtime_flow
from . import nodes


def _loaded(stmts) -> set[str]:
    return {n.id for stmt in stmts for n in nodes.name_nodes(stmt)
            if n.ctx.__class__ is gast.Load}


class Saves:
    def __init__(self, reassigned: set[str], params: set[str], namer, runtime_name,
                 shape_readers: dict[str, int] | None = None):
        self.shape_readers = shape_readers or {}  # helper name -> position it reads a shape at
        self.reassigned = reassigned
        self.params = params
        self.namer = namer
        self.runtime_name = runtime_name
        self.stacks: dict[str, str] = {}
        self.regions: dict[str, str] = {}

    def instrument(self, forward: list, backward: list):
        read = _loaded(backward)
        loops, assigns = [], []
        for stmt in nodes.statements(forward):
            if stmt.__class__ is gast.Assign:
                assigns.append(stmt)
            elif stmt.__class__ in (gast.For, gast.While):
                loops.append(stmt)
        trips = {loop.sg_trips for loop in loops if getattr(loop, "sg_trips", None)}
        self.trips = trips & read
        stacked = read & (self.reassigned | self.trips)
        if stacked:
            targets = {n.id for loop in loops if isinstance(loop, gast.For)
                       for n in nodes.name_nodes(loop.target)}
            stacked -= targets - self._assigned(assigns)
        self.stacked = stacked
        self.mutated = read & {s.targets[0].value.id for s in assigns
                               if isinstance(s.targets[0], gast.Subscript)}
        _mark_first_bindings(forward, set(self.params))
        # (with nothing saved, no value is read only for its shape from a stack)
        self.shape_only = self._shape_only(backward) if stacked else set()
        forward = self.forward_block(forward)
        backward = _prune(self.backward_block(backward))
        prologue = []
        for var in sorted(self.stacked):
            if var not in self.params:
                prologue.append(nodes.assign(var, nodes.const(None)))
            if var in self.shape_only:
                empty = nodes.call(self.runtime_name(runtime_flow.ShapeStack, "ShapeStack"))
            else:
                empty = gast.List(elts=[], ctx=gast.Load())
            prologue.append(nodes.assign(self.stack(var), empty))
        for var in sorted(self.mutated):
            prologue.append(nodes.assign(self.region(var), gast.List(elts=[], ctx=gast.Load())))
        return prologue, forward, backward

    @staticmethod
    def _assigned(assigns) -> set[str]:
        return {n.id for s in assigns for n in nodes.name_nodes(s.targets[0])
                if n.ctx.__class__ is gast.Store}

    def _shape_only(self, backward: list) -> set[str]:
        """Saved variables the backward sweep reads only for their shapes (to unbroadcast)."""
        shape_loads, all_loads = set(), {}
        for stmt in backward:
            for node in nodes.walk(stmt):
                if isinstance(node, gast.Call) and isinstance(node.func, gast.Name):
                    pos = self.shape_readers.get(node.func.id)
                    if pos is not None and len(node.args) > pos and \
                            isinstance(node.args[pos], gast.Name):
                        shape_loads.add(id(node.args[pos]))
                if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load):
                    all_loads.setdefault(node.id, []).append(id(node))
        return {var for var in self.stacked - self.trips - self.params
                if all(i in shape_loads for i in all_loads.get(var, [None]))}

    def stack(self, var: str) -> str:
        if var not in self.stacks:
            suffix = "_shapes" if var in getattr(self, "shape_only", ()) else "_stack"
            self.stacks[var] = self.namer.fresh(var + suffix)
        return self.stacks[var]

    def region(self, var: str) -> str:
        if var not in self.regions:
            self.regions[var] = self.namer.fresh(var + "_saved")
        return self.regions[var]

    # -- forward --------------------------------------------------------------------------------
    def forward_block(self, stmts: list) -> list:
        out = []
        for stmt in stmts:
            out.extend(self.forward_statement(stmt))
        return out

    def push(self, var: str, origin):
        call = nodes.call(nodes.attr(nodes.load(self.stack(var)), "append"), nodes.load(var))
        return gast.copy_location(gast.Expr(value=call), origin)

    def forward_statement(self, stmt) -> list:
        if isinstance(stmt, gast.Assign):
            target = stmt.targets[0]
            before = []
            if isinstance(target, gast.Subscript):
                base = target.value.id
                if base in self.mutated:
                    from .reverse import index_value
                    save = nodes.call(self.runtime_name(runtime_flow.saved_region, "saved_region"),
                                      nodes.load(base), index_value(target.slice))
                    before.append(gast.Expr(value=nodes.call(
                        nodes.attr(nodes.load(self.region(base)), "append"), save)))
            elif not getattr(stmt, "sg_nosave", False) and not getattr(stmt, "sg_first", False):
                names = [n.id for n in nodes.walk(target) if isinstance(n, gast.Name)]
                before.extend(self.push(n, stmt) for n in names if n in self.stacked)
            return before + [stmt]
        if isinstance(stmt, gast.If):
            stmt.body = self.forward_block(stmt.body) or [gast.Pass()]
            stmt.orelse = self.forward_block(stmt.orelse)
            return [stmt]
        if isinstance(stmt, (gast.For, gast.While)):
            before = []
            stmt.body = self.forward_block(stmt.body)
            if isinstance(stmt, gast.While):
                prelude = self.forward_block(getattr(stmt, "sg_test_prelude", []))
                before.extend(prelude)
                stmt.body = stmt.body + [nodes.clone(s) for s in prelude]
            trips = getattr(stmt, "sg_trips", None)
            if trips in self.trips:
                init = gast.copy_location(nodes.assign(trips, nodes.const(0)), stmt)
                before.extend(self.forward_statement(init))
                step = nodes.assign(trips, nodes.binop(nodes.load(trips), gast.Add(),
                                                       nodes.const(1)))
                stmt.body = [gast.copy_location(step, stmt)] + stmt.body
            return before + [stmt]
        return [stmt]

    # -- backward -------------------------------------------------------------------------------
    def backward_block(self, stmts: list) -> list:
        out = []
        for stmt in stmts:
            if isinstance(stmt, gast.Pass) and hasattr(stmt, "sg_pop"):
                out.extend(self.restore(stmt))
                continue
            for field in ("body", "orelse"):
                if isinstance(getattr(stmt, field, None), list):
                    setattr(stmt, field, self.backward_block(getattr(stmt, field)))
            out.append(stmt)
        return out

    def restore(self, marker) -> list:
        restore = getattr(marker, "sg_restore", None)
        if restore is not None:
            base, index = restore
            if base not in self.mutated:
                return []
            from .reverse import index_value
            saved = nodes.call(nodes.attr(nodes.load(self.region(base)), "pop"))
            return [gast.Expr(value=nodes.call(self.runtime_name(runtime_flow.restore, "restore"),
                                               nodes.load(base), index_value(index), saved))]
        out = []
        origin = getattr(marker, "sg_origin", None)
        if getattr(origin, "sg_first", False):
            return out  # nothing was bound before: nothing to restore
        for var in marker.sg_pop:
            if var in self.stacked:
                pop = nodes.call(nodes.attr(nodes.load(self.stack(var)), "pop"))
                out.append(nodes.assign(var, pop))
        return out


def _mark_first_bindings(stmts: list, bound: set[str]) -> set[str]:
    """Mark assignments that bind names nothing bound before on any path (no save needed)."""
    for stmt in stmts:
        if isinstance(stmt, gast.Assign):
            names = [n.id for n in nodes.walk(stmt.targets[0]) if isinstance(n, gast.Name)
                     and isinstance(n.ctx, gast.Store)]
            if names and not any(n in bound for n in names):
                stmt.sg_first = True
            bound |= set(names)
        elif isinstance(stmt, gast.If):
            bound = _mark_first_bindings(stmt.body, set(bound)) | \
                _mark_first_bindings(stmt.orelse, set(bound))
        elif isinstance(stmt, (gast.For, gast.While)):
            inner = {n.id for s in stmt.body for n in nodes.name_nodes(s)
                     if n.ctx.__class__ is gast.Store}
            if isinstance(stmt, gast.For):
                inner |= nodes.names_in(stmt.target)
            bound = _mark_first_bindings(stmt.body, bound | inner) | bound
    return bound


def _prune(stmts: list) -> list:
    """Drop branches and loops of the backward sweep that ended up with nothing to do."""
    out = []
    for stmt in stmts:
        if isinstance(stmt, (gast.If, gast.For, gast.While)):
            stmt.body = _prune(stmt.body)
            stmt.orelse = _prune(stmt.orelse)
            if not _does_something(stmt.body) and not _does_something(stmt.orelse):
                continue
            if not stmt.body:
                stmt.body = [gast.Pass()]
        out.append(stmt)
    return out


def _does_something(stmts) -> bool:
    return any(not nodes.is_comment(s) and not isinstance(s, gast.Pass) for s in stmts)
