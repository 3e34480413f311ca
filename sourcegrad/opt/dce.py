"""Dead-code elimination over structured SSA, by liveness from what the function returns.

A value is live if the function returns it, an effect (``print``, an assertion, a random draw)
reads it, or a live value is computed from it. For regions: an output is live, so is what each
branch yields for it; a loop's carried value is live, so is its initial and next value, and then
the loop must run its iterations: its bounds, test and break flag are live. Whatever is not
live goes -- a pure operation, a region output, a carried value (a counter nobody reads, even
though it feeds itself) -- and a region left without outputs or effects goes too. A carried
value the loop never changes becomes its initial value first.
"""
from __future__ import annotations

from ..ir import walk
from ..ir.core import If, Loop, Op, Var


def eliminate_dead_code(function, keep=()) -> None:
    """Remove dead code from ``function`` in place. ``keep``: Vars that must survive (read by
    code outside the function's own body)."""
    _fold_constant_carries(function.body)
    live = _live(function.body, set(keep))
    _sweep(function.body, live)


def live_values(function) -> set:
    """The values the result or an effect depends on (what dead-code elimination keeps)."""
    return _live(function.body, set())


def _fold_constant_carries(block) -> None:
    """A carried value whose next value is itself never changes: it is its initial value."""
    mapping = {}
    for stmt in walk.statements(block):
        if stmt.__class__ is not Loop:
            continue
        for k in reversed(range(len(stmt.params))):
            if stmt.body.yields[k] is stmt.params[k]:
                init = stmt.inits[k]
                mapping[stmt.params[k]] = init
                mapping[stmt.outs[k]] = init
                del stmt.params[k], stmt.inits[k], stmt.outs[k], stmt.body.yields[k]
    walk.substitute(block, mapping)


def _live(body, live: set) -> set:
    for atom in body.yields:
        _mark(atom, live)
    changed = True
    while changed:
        before = len(live)
        _visit(body, live)
        changed = len(live) != before
    return live


def _mark(atom, live) -> None:
    if atom.__class__ is Var:
        live.add(atom)


def _visit(block, live) -> bool:
    """Propagate liveness through ``block`` backwards; True if it holds an effect or a live
    value (so the region around it must run)."""
    needed = False
    for stmt in reversed(block.stmts):
        kind = stmt.__class__
        if kind is Op:
            if stmt.kind == "comment":
                continue  # (a comment alone keeps no region)
            if not stmt.pure or stmt.kind == "assert" or any(o in live for o in stmt.outs):
                for a in stmt.operands():
                    _mark(a, live)
                needed = True
        elif kind is If:
            inner = False
            for k, out in enumerate(stmt.outs):
                if out in live:
                    _mark(stmt.then.yields[k], live)
                    _mark(stmt.orelse.yields[k], live)
                    inner = True
            inner |= _visit(stmt.then, live)
            inner |= _visit(stmt.orelse, live)
            if inner:
                _mark(stmt.cond, live)
                needed = True
        else:
            inner = False
            for k in range(len(stmt.params)):
                if stmt.outs[k] in live or stmt.params[k] in live:
                    live.add(stmt.params[k])
                    _mark(stmt.inits[k], live)
                    _mark(stmt.body.yields[k], live)
                    inner = True
            for b in stmt.blocks():
                inner |= _visit(b, live)
            if inner or stmt.kind == "while":
                for a in stmt.bounds:
                    _mark(a, live)
                if stmt.header is not None:
                    _mark(stmt.header.yields[0], live)
                    _visit(stmt.header, live)
                if stmt.brk is not None:
                    _mark(stmt.brk, live)
                needed = True
    return needed


def _sweep(block, live) -> None:
    kept = []
    for stmt in block.stmts:
        kind = stmt.__class__
        if kind is Op:
            if stmt.pure and stmt.kind != "assert" and not any(o in live for o in stmt.outs):
                continue
        elif kind is If:
            for k in reversed(range(len(stmt.outs))):
                if stmt.outs[k] not in live:
                    del stmt.outs[k], stmt.then.yields[k], stmt.orelse.yields[k]
            _sweep(stmt.then, live)
            _sweep(stmt.orelse, live)
            if not stmt.outs and not _code(stmt.then) and not _code(stmt.orelse):
                continue
        else:
            for k in reversed(range(len(stmt.params))):
                if stmt.params[k] not in live and stmt.outs[k] not in live:
                    del stmt.params[k], stmt.inits[k], stmt.outs[k], stmt.body.yields[k]
            for b in stmt.blocks():
                _sweep(b, live)
            if stmt.kind != "while" and not stmt.outs and not _effects(stmt):
                continue
        kept.append(stmt)
    block.stmts = kept


def _code(block) -> bool:
    return any(s.__class__ is not Op or s.kind != "comment" for s in block.stmts)


def _effects(loop) -> bool:
    return any(s.__class__ is Op and s.kind != "comment" and (not s.pure or s.kind == "assert")
               for b in loop.blocks() for s in walk.statements(b))
