"""Copies of IR with fresh values: to inline a rule's template (or any function) at a site."""
from __future__ import annotations

from .core import Block, If, Loop, Op, Var


class Copier:
    """Copies statements, giving every value they define a fresh Var. ``mapping`` starts with
    what the copied code's free Vars (a template's parameters) stand for."""

    def __init__(self, mapping: dict, origin=None):
        self.mapping = dict(mapping)
        self.origin = origin

    def atom(self, atom):
        if atom.__class__ is Var:
            return self.mapping.get(atom, atom)
        return atom

    def fresh(self, var):
        new = Var(var.hint, var.user)
        self.mapping[var] = new
        return new

    def block(self, block) -> Block:
        stmts = [self.stmt(s) for s in block.stmts]
        return Block(stmts, [self.atom(a) for a in block.yields])

    def stmt(self, stmt):
        origin = self.origin or stmt.origin
        kind = stmt.__class__
        if kind is Op:
            new = Op([], stmt.kind, stmt.prim, [self.atom(a) for a in stmt.args],
                     [(k, self.atom(a)) for k, a in stmt.kwargs], method=stmt.method,
                     fn=self.atom(stmt.fn) if stmt.fn.__class__ is Var else stmt.fn,
                     binding=stmt.binding, pure=stmt.pure, origin=origin)
            new.outs = [self.fresh(o) for o in stmt.outs]
            return new
        if kind is If:
            cond = self.atom(stmt.cond)
            then, orelse = self.block(stmt.then), self.block(stmt.orelse)
            return If(cond, then, orelse, [self.fresh(o) for o in stmt.outs], origin=origin)
        bounds = [self.atom(a) for a in stmt.bounds]
        inits = [self.atom(a) for a in stmt.inits]
        index = self.fresh(stmt.index) if stmt.index is not None else None
        params = [self.fresh(p) for p in stmt.params]
        header = self.block(stmt.header) if stmt.header is not None else None
        body = self.block(stmt.body)
        brk = self.atom(stmt.brk) if stmt.brk is not None else None
        return Loop(stmt.kind, params, inits, body, [self.fresh(o) for o in stmt.outs],
                    bounds=bounds, index=index, header=header, brk=brk, origin=origin)


def inline(function, args: list, origin=None):
    """``(statements, results)``: ``function``'s body with its parameters replaced by
    ``args`` (atoms), every value fresh; ``results`` are the atoms it would return."""
    copier = Copier(dict(zip(function.params, args)), origin)
    block = copier.block(function.body)
    return block.stmts, block.yields


def copy_function(function, name: str | None = None):
    """A copy of ``function`` with every value fresh (its facts -- names to share, owned
    parameters -- carried over)."""
    from dataclasses import replace
    copier = Copier({})
    params = [copier.fresh(p) for p in function.params]
    body = copier.block(function.body)
    share = [(copier.atom(a), copier.atom(b)) for a, b in function.share]
    owned = {copier.atom(p) for p in function.owned}
    return replace(function, name=name or function.name, params=params, body=body,
                   share=share, owned=owned), copier.mapping
