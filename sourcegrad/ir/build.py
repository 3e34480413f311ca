"""Emitting IR: a Builder appends operations to a block, with an origin, and returns the
values they define. The transforms (reverse mode, transport, the optimizer) build through it."""
from __future__ import annotations

from ..rules import lookup
from ..rules.binding import bind
from .core import Block, Const, Op, Ref, Var


class Builder:
    def __init__(self, block: Block | None = None, origin=None):
        self.block = Block() if block is None else block
        self.origin = origin

    def emit(self, stmt):
        self.block.stmts.append(stmt)
        return stmt

    def op(self, kind, prim, args, kwargs=(), hint="t", *, outs=1, method=None, fn=None,
           binding=None, pure=True) -> Var | list:
        out = [Var(hint) for _ in range(outs)]
        self.emit(Op(out, kind, prim, args, kwargs, method=method, fn=fn, binding=binding,
                     pure=pure, origin=self.origin))
        return out[0] if outs == 1 else out

    def call(self, fn, args, kwargs=(), hint=None, pure=True) -> Var:
        """A call of a Python object (a runtime helper, a numpy function): bound to its rule
        when it has one, so the code made here can be differentiated again."""
        rule = lookup(fn)
        binding = bind(rule, len(args), [k for k, _ in kwargs]) if rule is not None else None
        name = getattr(fn, "__name__", "value")
        return self.op("call", fn, args, kwargs, hint or name, binding=binding, pure=pure)

    def binop(self, op_class, a, b, hint) -> Var:
        rule = lookup(op_class)
        binding = bind(rule, 2, ()) if rule is not None else None
        return self.op("binop", op_class, [a, b], hint=hint, binding=binding)

    def unary(self, op_class, a, hint) -> Var:
        rule = lookup(op_class)
        binding = bind(rule, 1, ()) if rule is not None else None
        return self.op("unary", op_class, [a], hint=hint, binding=binding)


def ref(obj, hint=None) -> Ref:
    return Ref(obj, hint or getattr(obj, "__name__", "value"))


def const(value) -> Const:
    return Const(value)
