"""Traversals of the IR: statements, the atoms each reads, the values each defines.

Every analysis and transform walks the IR through these, so a new kind of statement is taught
to all of them here, once.
"""
from __future__ import annotations

from collections.abc import Iterator

from .core import Block, If, Loop, Op, Var


def statements(block: Block) -> Iterator:
    """Every statement of ``block`` and of the blocks nested in it, in program order."""
    for stmt in block.stmts:
        yield stmt
        if stmt.__class__ is not Op:
            for inner in stmt.blocks():
                yield from statements(inner)


def reads(stmt) -> list:
    """The atoms ``stmt`` itself reads (not those of its nested blocks)."""
    kind = stmt.__class__
    if kind is Op:
        return stmt.args + [a for _, a in stmt.kwargs]
    if kind is If:
        return [stmt.cond]
    if kind is Loop:
        return stmt.bounds + stmt.inits
    raise TypeError(stmt)


def defines(stmt) -> list:
    """The values ``stmt`` defines in its enclosing block."""
    return stmt.outs


def region_params(stmt) -> list:
    """Values a region defines for its nested blocks (a loop's index and carried values)."""
    if stmt.__class__ is Loop:
        return ([stmt.index] if stmt.index is not None else []) + stmt.params
    return []


def all_reads(block: Block) -> Iterator:
    """Every atom read anywhere in ``block``, yields and loop exits included."""
    for stmt in block.stmts:
        yield from reads(stmt)
        if stmt.__class__ is not Op:
            for inner in stmt.blocks():
                yield from all_reads(inner)
            if stmt.__class__ is Loop and stmt.brk is not None:
                yield stmt.brk
    yield from block.yields


def defined_in(block: Block) -> set:
    """Every Var defined anywhere in ``block`` (region parameters included)."""
    found = set()
    for stmt in statements(block):
        found.update(stmt.outs)
        found.update(region_params(stmt))
    return found


def free_vars(block: Block) -> list:
    """Vars ``block`` reads but does not define, in first-read order."""
    inside = defined_in(block)
    seen, out = set(), []
    for atom in all_reads(block):
        if atom.__class__ is Var and atom not in inside and atom not in seen:
            seen.add(atom)
            out.append(atom)
    return out


def use_counts(block: Block, counts: dict | None = None) -> dict:
    """How many times each Var is read in ``block`` (nested blocks included)."""
    counts = {} if counts is None else counts
    for atom in all_reads(block):
        if atom.__class__ is Var:
            counts[atom] = counts.get(atom, 0) + 1
    return counts


def substitute(block: Block, mapping: dict) -> None:
    """Replace every read of a Var in ``mapping`` by its atom, in place, everywhere."""
    if not mapping:
        return

    def sub(atom):
        while atom.__class__ is Var and atom in mapping:
            atom = mapping[atom]
        return atom

    def visit(b: Block):
        for stmt in b.stmts:
            kind = stmt.__class__
            if kind is Op:
                stmt.args = [sub(a) for a in stmt.args]
                stmt.kwargs = [(k, sub(a)) for k, a in stmt.kwargs]
            elif kind is If:
                stmt.cond = sub(stmt.cond)
                visit(stmt.then)
                visit(stmt.orelse)
            else:
                stmt.bounds = [sub(a) for a in stmt.bounds]
                stmt.inits = [sub(a) for a in stmt.inits]
                for inner in stmt.blocks():
                    visit(inner)
                if stmt.brk is not None:
                    stmt.brk = sub(stmt.brk)
        b.yields = [sub(a) for a in b.yields]

    visit(block)
