"""Transport: forward values to the backward code that reads them.

The reverse transform writes backward code that reads forward values directly. Where a value
was computed inside a branch or a loop, its mirror cannot see it; this pass fixes that, for
each forward region and its mirror, innermost first:

* a branch hands the value out as one more output (nothing runs for it: the printer gives the
  output the value's own name, and the other side leaves it unset);
* a loop pushes the value onto a stack at the end of each iteration, and the mirror loop pops
  it at the start of the matching backward iteration. A stack is one more value carried by the
  loop (a new list before it), so an inner loop's stack is itself a value of the outer loop's
  body, transported the same way.

A value the backward code reads only for its shape and dtype (``unbroadcast(g, x)``) is
transported as a *witness* (``runtime_adjoints.witness``), which costs no memory: the value
itself need not outlive its iteration.
"""
from __future__ import annotations

from ..ir import walk
from ..ir.callees import shape_only_operands
from ..ir.core import UNBOUND, Block, Const, If, Loop, Op, Var
from ..runtime_flow import ShapeStack


def transport(function, mirrors) -> list:
    """Fix visibility for every (forward region, mirror) pair; returns pairs of values best
    printed under one name (a restored value and the forward value it stands for)."""
    _bind_unbound(function.body)
    parents = _parents(function.body)
    share = []
    for forward, mirror in mirrors:
        if forward.__class__ is If:
            _export(forward, mirror)
        else:
            share += _stack(forward, mirror, parents)
    return share


def _bind_unbound(block) -> None:
    """A name not yet assigned on some path becomes None there: a loop may push it onto a
    stack on every iteration, and Python cannot read an unassigned name (the user's code never
    reads it on that path, or it would raise)."""
    for stmt in walk.statements(block):
        if stmt.__class__ is If:
            for b in stmt.blocks():
                b.yields = [Const(None) if a is UNBOUND else a for a in b.yields]
        elif stmt.__class__ is Loop:
            stmt.inits = [Const(None) if a is UNBOUND else a for a in stmt.inits]


def _parents(block, found=None) -> dict:
    """Region statement -> the block that holds it."""
    found = {} if found is None else found
    for stmt in block.stmts:
        if stmt.__class__ is not Op:
            found[stmt] = block
            for inner in stmt.blocks():
                _parents(inner, found)
    return found


def _export(forward: If, mirror: If) -> None:
    sides = (walk.defined_in(forward.then), walk.defined_in(forward.orelse))
    needed = [v for v in walk.free_vars(Block(mirror.then.stmts + mirror.orelse.stmts,
                                              mirror.then.yields + mirror.orelse.yields))
              if v in sides[0] or v in sides[1]]
    mapping = {}
    for v in needed:
        out = Var(v.hint, v.user)
        forward.outs.append(out)
        # (None on the other side: a loop around the branch may push the output each time)
        forward.then.yields.append(v if v in sides[0] else Const(None))
        forward.orelse.yields.append(v if v in sides[1] else Const(None))
        mapping[v] = out
    walk.substitute(mirror.then, mapping)
    walk.substitute(mirror.orelse, mapping)


def _stack(forward: Loop, mirror: Loop, parents) -> None:
    inside = walk.defined_in(forward.body) | set(forward.params)
    if forward.header is not None:
        inside |= walk.defined_in(forward.header)
    needed = [v for v in walk.free_vars(mirror.body) if v in inside]
    if not needed:
        return []
    shape_only = _shape_only_reads(mirror.body, set(needed))
    parent = parents[forward]
    position = parent.stmts.index(forward)
    pops, mapping = [], {}
    for v in needed:
        # values read only for their shape go on a run-length encoded stack of witnesses
        hint = v.hint + ("_shapes" if v in shape_only else "_stack")
        empty = Var(hint)
        if v in shape_only:
            make = Op([empty], "call", ShapeStack, [], origin=forward.origin)
        else:
            make = Op([empty], "list", None, [], origin=forward.origin)
        parent.stmts.insert(position, make)
        position += 1
        # forward: push at the end of every iteration
        stack, pushed, final = Var(hint), Var(hint), Var(hint)
        kind = "shapes" if v in shape_only else "stack"
        push = Op([pushed], "append", None, [stack, v], method=kind, origin=forward.origin)
        if v in forward.params:
            # (a carried value is pushed as the iteration starts: before the body writes into
            # it, so the write may happen in place)
            forward.body.stmts.insert(0, push)
        else:
            forward.body.stmts.append(push)
        forward.params.append(stack)
        forward.inits.append(empty)
        forward.body.yields.append(pushed)
        forward.outs.append(final)
        # backward: pop at the start of every iteration
        rest, popped, spent = Var(hint), Var(hint), Var(hint)
        restored = Var(v.hint, v.user)
        pops.append(Op([restored, popped], "pop", None, [rest], method=kind,
                       origin=mirror.origin))
        mirror.params.append(rest)
        mirror.inits.append(final)
        mirror.body.yields.append(popped)
        mirror.outs.append(spent)
        mapping[v] = restored
    walk.substitute(mirror.body, mapping)
    mirror.body.stmts[:0] = pops
    return [(restored, v) for v, restored in mapping.items()]


def _shape_only_reads(block, candidates: set) -> set:
    """The candidates that ``block`` reads only where shape and dtype are all that matter."""
    other: set = set()
    _other_reads(block, candidates, other)
    return candidates - other


def _other_reads(block, candidates, other) -> None:
    for stmt in block.stmts:
        if stmt.__class__ is Op:
            positions = shape_only_operands(stmt)
            for i, a in enumerate(stmt.args):
                if a in candidates and i not in positions:
                    other.add(a)
            for _, a in stmt.kwargs:
                if a in candidates:
                    other.add(a)
            continue
        for a in walk.reads(stmt):
            if a in candidates:
                other.add(a)
        if stmt.__class__ is Loop and stmt.brk in candidates:
            other.add(stmt.brk)
        for inner in stmt.blocks():
            _other_reads(inner, candidates, other)
    for a in block.yields:
        if a in candidates:
            other.add(a)
