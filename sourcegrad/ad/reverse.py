"""The reverse transform: from a function's IR, the backward sweep that computes adjoints.

Statements are visited last to first. Each operation adds its inputs' adjoints from its
output's (``ops.py``: a rule's template inlined, or the adjoint of a container operation). A
branch becomes a branch on the same test whose sides reverse the forward sides; a loop becomes
a loop over the same iterations backwards, carrying the adjoints of the forward loop's carried
values and accumulating the adjoints of the values it reads from outside. Which carried values
and outside values need that is known before the loop is reversed (the same backward
reachability activity analysis uses), so nothing is reversed twice.

The backward code reads forward values freely; values defined inside a branch or loop are not
visible where their mirror reads them, which ``transport.py`` fixes afterwards (outputs of the
forward branch, stacks for the loop). ``mirrors`` lists each forward region with its mirror,
innermost first, for that pass.
"""
from __future__ import annotations

import gast

from .. import runtime_adjoints as rt
from ..ir import walk
from ..ir.build import Builder
from ..ir.core import Block, Const, If, Loop, Op, Var
from .activity import _backward
from .adjoints import Adjoints, Sparse
from .ops import reverse_op


class Reverse:
    def __init__(self, function, activity, kinds, splitter=None):
        self.fn = function
        self.act = activity
        self.adj = Adjoints(activity, kinds, walk.defined_in(function.body) |
                            set(function.params))
        self.kinds = kinds
        self.splitter = splitter  # user helpers: (op, active positions) -> split pair
        self.mirrors: list = []

    @property
    def builder(self) -> Builder:
        return self.adj.builder

    def run(self, seeds: dict) -> Block:
        """The backward sweep of the whole body, given the adjoints of its results."""
        self.adj.builder = Builder()
        for var, seed in seeds.items():
            self.adj.contribute(var, seed)
        self.block(self.fn.body)
        return self.adj.builder.block

    def block(self, block) -> None:
        for stmt in reversed(block.stmts):
            kind = stmt.__class__
            if kind is Op:
                if any(self.adj.get(o) is not None for o in stmt.outs):
                    self.builder.origin = stmt.origin.as_role("grad") if stmt.origin else None
                    reverse_op(self, stmt)
            elif kind is If:
                self.reverse_if(stmt)
            else:
                self.reverse_loop(stmt)

    # -- branches -----------------------------------------------------------------------------
    def reverse_if(self, stmt) -> None:
        flows = [(k, self.adj.get(out)) for k, out in enumerate(stmt.outs)
                 if self.adj.get(out) is not None]
        if not flows:
            return
        origin = stmt.origin.as_role("grad") if stmt.origin else None
        inside = walk.defined_in(stmt.then) | walk.defined_in(stmt.orelse)
        saved_env, saved_builder = self.adj.env, self.adj.builder
        sides = []
        for block in stmt.blocks():
            self.adj.env = dict(saved_env)
            self.adj.builder = Builder(origin=origin)
            for k, value in flows:
                self.adj.contribute(block.yields[k], value)
            self.block(block)
            sides.append((self.adj.builder, self.adj.env))
        changed = []
        for _, env in sides:
            for var, value in env.items():
                if var not in inside and value is not saved_env.get(var) and var not in changed:
                    changed.append(var)
        blocks = []
        for builder, env in sides:
            self.adj.builder, self.adj.env = builder, env
            yields = [self.adj.value_or_zero(var) for var in changed]
            blocks.append(Block(builder.block.stmts, yields))
        self.adj.env, self.adj.builder = saved_env, saved_builder
        outs = [Var("d" + var.hint) for var in changed]
        mirror = If(stmt.cond, blocks[0], blocks[1], outs, origin=origin)
        self.builder.emit(mirror)
        for var, out in zip(changed, outs):
            self.adj.env[var] = out
        self.mirrors.append((stmt, mirror))

    # -- loops --------------------------------------------------------------------------------
    def reverse_loop(self, loop) -> None:
        carried, outside = self.loop_flows(loop)
        if not carried and not outside:
            return
        origin = loop.origin.as_role("grad") if loop.origin else None
        b = self.builder
        b.origin = origin
        # the adjoints flowing in: of the loop's outputs, of the outside values it reads
        inits = [self.adj.value_or_zero(loop.outs[k]) for k in carried]
        inits += [self.adj.value_or_zero(var) for var in outside]
        kind, bounds, index = self.mirror_iterations(loop)
        d_params = [Var("d" + loop.params[k].hint) for k in carried]
        d_outside = [Var("d" + var.hint) for var in outside]
        saved_env = self.adj.env
        self.adj.env = {var: d for var, d in zip(outside, d_outside)}
        self.adj.env.update({var: value for var, value in saved_env.items()
                             if var not in self.adj.env})
        self.adj.builder = Builder(origin=origin)
        for k, d in zip(carried, d_params):
            self.adj.contribute(loop.body.yields[k], d)
        self.block(loop.body)
        yields = [self.adj.value_or_zero(loop.params[k]) for k in carried]
        yields += [self.adj.value_or_zero(var) for var in outside]
        body = Block(self.adj.builder.block.stmts, yields)
        if index is not None:
            walk.substitute(body, {loop.index: index})
        self.adj.env, self.adj.builder = saved_env, b
        outs = [Var("d" + loop.inits[k].hint if loop.inits[k].__class__ is Var else "d")
                for k in carried] + [Var("d" + var.hint) for var in outside]
        mirror = Loop(kind, d_params + d_outside, inits, body, outs, bounds=bounds, index=index,
                      origin=origin)
        b.emit(mirror)
        # the outside adjoints were carried through whole; then the initial values' adjoints
        # add to them (an argument can be both: h = x, then x read in the loop)
        for var, out in zip(outside, outs[len(carried):]):
            self.adj.env[var] = out
        for k, out in zip(carried, outs):
            self.adj.contribute(loop.inits[k], out)
        self.mirrors.append((loop, mirror))

    def loop_flows(self, loop):
        """(carried positions whose adjoints are needed, outside values receiving adjoints),
        by backward reachability from the outputs' adjoints, closed over the back edge."""
        carried = [k for k, out in enumerate(loop.outs) if self.adj.get(out) is not None]
        if not carried:
            return [], []
        reached: set = set()
        varied = self.act.varied
        while True:
            for k in carried:
                y = loop.body.yields[k]
                if y.__class__ is Var and y in varied:
                    reached.add(y)
            _backward(loop.body, varied, reached)
            more = [k for k, p in enumerate(loop.params) if p in reached and k not in carried]
            if not more:
                break
            carried = sorted(carried + more)
        inside = walk.defined_in(loop.body) | set(loop.params)
        if loop.index is not None:
            inside.add(loop.index)
        outside = [v for v in walk.free_vars(loop.body) if v in reached and v not in inside and
                   self.act.active(v)]
        outside += [y for k in carried for y in [loop.body.yields[k]]
                    if y.__class__ is Var and y not in inside and y not in outside and
                    self.act.active(y)]
        return carried, outside

    def mirror_iterations(self, loop):
        """(kind, bounds, index) of the backward loop: the forward iterations in reverse. A
        loop that may stop early (``while``, ``break``) counts its iterations first."""
        b = self.builder
        if loop.kind == "range" and loop.brk is None:
            return "reversed", list(loop.bounds), Var(loop.index.hint, loop.index.user)
        trips = self.count_trips(loop)
        if loop.kind == "while":
            return "range", [Const(0), trips, Const(1)], None
        start, _, step = loop.bounds
        span = b.binop(gast.Mult, trips, step, "span")
        stop = b.binop(gast.Add, start, span, "stop")
        return "reversed", [start, stop, step], Var(loop.index.hint, loop.index.user)

    def count_trips(self, loop) -> Var:
        """Add an iteration counter to the forward loop; its final value."""
        count = Var("trips")
        step = Builder(loop.body)
        step.origin = loop.origin
        new = step.binop(gast.Add, count, Const(1), "trips")
        out = Var("trips")
        loop.params.append(count)
        loop.inits.append(Const(0))
        loop.body.yields.append(new)
        loop.outs.append(out)
        return out


__all__ = ["Reverse", "Sparse", "rt"]
