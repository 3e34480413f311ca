"""The reverse transform of branches and loops.

* ``if c: A else: B`` becomes ``if c: back(A) else: back(B)``; ``c`` is a variable, restored
  to its forward value by the save/restore pass when a loop re-binds it. Where the two branches
  leave an adjoint in different states, each branch settles it into one shared variable
  (``None`` on a path that contributed nothing).
* ``for i in r`` becomes ``for i in reversed(r)`` (``reversed(r[:trips])`` when the body may
  ``break``); ``while`` loops count their trips and replay ``for _ in range(trips)``. The loop
  body's adjoint state must be the same at the top of every reversed iteration: the body is
  generated, the state at its end is joined with the state assumed at its top, and the body is
  generated again from the weaker state until the two agree (at most a few rounds: states only
  weaken). Adjoints that a loop scatters into (``x[i]``) get one buffer before the loop and
  are updated in place, so a loop over rows costs O(n), not O(n^2).
"""
from __future__ import annotations

import gast

from .. import runtime_flow
from . import nodes
from .adjoints import State, touched


def _contains_break(stmts) -> bool:
    for stmt in stmts:
        if isinstance(stmt, gast.Break):
            return True
        if isinstance(stmt, gast.If) and (_contains_break(stmt.body) or
                                          _contains_break(stmt.orelse)):
            return True
    return False


class ControlFlow:
    """Mixin of the reverse transform for If, For and While."""

    def conditional(self, test, build, out: list) -> None:
        """``if test: <build(body)>``, merging the states of the taken and skipped paths."""
        before = self.state.copy()
        body: list = []
        build(body)
        if not body:
            return
        after = self.state
        variables = touched(before, after)
        merged = self._joined(before, [after, before], variables)
        self._settle_all(variables, merged, body)
        skipped: list = []
        self.state = before
        self._settle_all(variables, merged, skipped)
        self.state = merged
        out.append(gast.If(test=test, body=body, orelse=skipped))

    def visit_If(self, stmt: gast.If, out: list) -> None:
        before = self.state.copy()
        then_code = self.block(stmt.body)
        then_state = self.state
        self.state = before.copy()
        else_code = self.block(stmt.orelse)
        else_state = self.state
        variables = touched(before, then_state) | touched(before, else_state)
        merged = self._joined(before, [then_state, else_state], variables)
        self.state = then_state
        self._settle_all(variables, merged, then_code)
        self.state = else_state
        self._settle_all(variables, merged, else_code)
        self.state = merged
        if then_code or else_code:
            node = gast.If(test=nodes.clone(stmt.test), body=then_code or [gast.Pass()],
                           orelse=else_code)
            out.append(gast.copy_location(node, stmt))

    def visit_For(self, stmt: gast.For, out: list) -> None:
        trips = None
        if _contains_break(stmt.body):
            trips = self.namer.fresh("trips")
            stmt.sg_trips = trips
            iterable = gast.Subscript(value=nodes.clone(stmt.iter), slice=gast.Slice(
                lower=None, upper=nodes.load(trips), step=None), ctx=gast.Load())
        else:
            iterable = nodes.clone(stmt.iter)
        header = nodes.call("reversed", iterable)
        self._loop(stmt, nodes.clone(stmt.target), header, out)
        if trips:
            out.append(nodes.pop_point([trips], stmt))

    def visit_While(self, stmt: gast.While, out: list) -> None:
        trips = self.namer.fresh("trips")
        stmt.sg_trips = trips
        header = nodes.call("range", nodes.load(trips))
        self._loop(stmt, nodes.store(self.namer.fresh("_")), header, out)
        out.append(nodes.pop_point([trips], stmt))

    # -- loops ------------------------------------------------------------------------------------
    def _loop(self, stmt, target, header, out: list) -> None:
        entry = self.state.copy()
        head = entry.copy()
        buffers: set[str] = set()
        refused: set[str] = set()
        outer_scattered = self.scattered
        bound = {n.id for s in stmt.body for n in nodes.name_nodes(s)
                 if n.ctx.__class__ is gast.Store}
        bound |= nodes.names_in(stmt.target) if isinstance(stmt, gast.For) else set()
        for _ in range(8):
            saved_names = (set(self.namer.taken), dict(self.names), dict(self.namer.helpers))
            self.state = head.copy()
            self.scattered = set()
            code = self.block(stmt.body)
            end = self.state
            variables = touched(head, end)
            new_head = self._joined(head, [head, end], variables)
            lost = {v for v in buffers if v not in end.owned}
            if lost:  # the body gives the buffer away: fall back to fresh arrays
                buffers -= lost
                refused |= lost
                for var in lost:
                    new_head.owned.discard(var)
                    new_head.maybe.add(var)
            invariant = variables - bound
            for var in (self.scattered | invariant) - buffers - refused - self.containers:
                # one buffer before the loop, updated in place: dW += ..., dx[i] += g
                if var in new_head.live and (var in self.scattered or var in new_head.maybe):
                    buffers.add(var)
            for var in buffers:
                new_head.live[var] = nodes.load(self.adjoint_name(var))
                new_head.maybe.discard(var)
                new_head.owned.add(var)
            if all(new_head.key(v) == head.key(v) for v in variables | buffers):
                break
            head = new_head
            self.namer.taken, self.names, self.namer.helpers = saved_names
        self.scattered = outer_scattered | self.scattered
        self._settle_all(touched(head, end), head, code)
        if not code:
            self.state = entry
            return
        pre: list = []
        self.state = entry
        for var in sorted(touched(entry, head)):
            if var in buffers:
                current = self.state.live.get(var) or nodes.const(None)
                pre.append(nodes.assign(self.adjoint_name(var), nodes.call(
                    self.runtime(runtime_flow.buffer, "buffer"), current, nodes.load(var))))
            else:
                self.settle(var, head, pre)
        self.state = head
        loop = gast.For(target=target, iter=header, body=code, orelse=[], type_comment=None)
        out.extend(pre)
        out.append(gast.copy_location(loop, stmt))

    # -- helpers ----------------------------------------------------------------------------------
    def _joined(self, base: State, states: list[State], variables) -> State:
        merged = base.copy()
        part = self.join(states, variables)
        for var in variables:
            merged.live.pop(var, None)
            merged.maybe.discard(var)
            merged.owned.discard(var)
            if var in part.live:
                merged.live[var] = part.live[var]
                if var in part.maybe:
                    merged.maybe.add(var)
                if var in part.owned:
                    merged.owned.add(var)
        return merged

    def _settle_all(self, variables, target: State, code: list) -> None:
        for var in sorted(variables):
            self.settle(var, target, code)
