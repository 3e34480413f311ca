"""The IR's invariants, checked: every value defined once, read only where it is visible,
and every region's yields matching its outputs. The test suite runs it after every pass; a
failure names the offending statement, so a broken transform fails at its source."""
from __future__ import annotations

from .core import UNBOUND, Const, Free, If, Loop, Op, Ref, Var


class IRError(AssertionError):
    pass


def verify(function) -> None:
    defined: set = set()
    scope = list(function.params)
    for p in function.params:
        _define(p, defined, "parameter")
    _block(function.body, [set(scope)], defined)


def _define(var, defined, where) -> None:
    if var.__class__ is not Var:
        raise IRError(f"{where!r} defines {var!r}, which is not a Var")
    if var in defined:
        raise IRError(f"{var!r} is defined twice ({where!r})")
    defined.add(var)


def _read(atom, scopes, where) -> None:
    """``where``: the reading statement or a description (formatted only for an error)."""
    if atom.__class__ is Var:
        if not any(atom in s for s in scopes):
            raise IRError(f"{where!r} reads {atom!r}, which is not visible there")
    elif atom is not UNBOUND and atom.__class__ not in (Const, Free, Ref):
        raise IRError(f"{where!r} reads {atom!r}, which is not an atom")


def _block(block, scopes, defined) -> None:
    local = set()
    scopes = [local] + scopes
    for stmt in block.stmts:
        kind = stmt.__class__
        if kind is Op:
            for a in stmt.operands():
                _read(a, scopes, stmt)
            if stmt.binding is not None:
                _check_binding(stmt)
        elif kind is If:
            _read(stmt.cond, scopes, stmt)
            for b in stmt.blocks():
                if len(b.yields) != len(stmt.outs):
                    raise IRError(f"{stmt!r}: a branch yields {len(b.yields)} values for "
                                  f"{len(stmt.outs)} outputs")
                _block(b, scopes, defined)
        elif kind is Loop:
            for a in stmt.bounds + stmt.inits:
                _read(a, scopes, stmt)
            if not (len(stmt.params) == len(stmt.inits) == len(stmt.outs) ==
                    len(stmt.body.yields)):
                raise IRError(f"{stmt!r}: carried values do not line up")
            inner = set()
            if stmt.index is not None:
                _define(stmt.index, defined, stmt)
                inner.add(stmt.index)
            for p in stmt.params:
                _define(p, defined, stmt)
                inner.add(p)
            if stmt.header is not None:
                if len(stmt.header.yields) != 1:
                    raise IRError(f"{stmt!r}: a while header yields one test")
                _block(stmt.header, [inner] + scopes, defined)
            body_scope = _block(stmt.body, [inner] + scopes, defined)
            if stmt.brk is not None:
                _read(stmt.brk, [body_scope, inner] + scopes, stmt)
        else:
            raise IRError(f"unknown statement {stmt!r}")
        for out in stmt.outs:
            _define(out, defined, stmt)
            local.add(out)
    for a in block.yields:
        _read(a, scopes, "a block's yield")
    return local


def _check_binding(op) -> None:
    n = len(op.args)
    names = {k for k, _ in op.kwargs}
    for inp in op.binding.inputs():
        where, key = inp.ref
        if (where == "arg" and key >= n) or (where == "kw" and key not in names):
            raise IRError(f"{op!r}: its binding refers to a missing operand {inp.ref}")
