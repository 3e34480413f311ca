"""Whole gradient functions from a function's IR: ``grad_f`` (the forward sweep, then the
backward sweep, in one function) and, for a user helper that a differentiated function calls,
the split pair ``forward_h`` (returns the value and a *tape*: the forward values the backward
sweep reads) and ``backward_h(g, tape)`` (returns the adjoints of the active parameters)."""
from __future__ import annotations

from .. import runtime
from ..ir import walk
from ..ir.build import Builder
from ..ir.core import Block, Const, Function, Op, Var
from .activity import Activity
from .outputs import gradient_results
from .reverse import Reverse
from .transport import transport


def refuse_inactive_flows(activity, info) -> None:
    """Stop, at the user's line, where a derivative would have to flow through something that
    has none (an unsupported parameter, a function without a rule, ...)."""
    for op, reason in activity.refusals():
        origin = op.origin
        what = _describe(op)
        raise origin.error(f"cannot differentiate through {what}: {reason.splitlines()[0]}",
                           _hint(reason))


def _describe(op) -> str:
    if op.kind == "call" and op.method:
        return f".{op.method.lstrip('.')}()"
    if isinstance(op.fn, str):
        return f"{op.fn}()"
    if op.kind == "call" and op.prim is not None:
        return f"{getattr(op.prim, '__name__', op.prim)}()"
    if op.kind == "call":
        return "this call"
    return {"opaque": "this expression", "getattr": f"the attribute .{op.prim}",
            "binop": "this operator", "unary": "this operator"}.get(op.kind, op.kind)


def _hint(reason: str) -> str:
    lines = reason.splitlines()
    if len(lines) > 1:
        return "\n".join(lines[1:]).strip("\n")
    return ("Use operations that have gradient rules, or register a rule with "
            "sourcegrad.extend.defvjp.")


def argument_checks(primal, wrt, activity) -> list:
    """The prologue of a gradient: each differentiated argument is a number or a numeric
    array; each other argument an operation with a differentiated result reads is real."""
    b = Builder()
    for p in wrt:
        b.op("call", runtime.check_numeric, [Const(p.hint), p], hint="check", outs=0,
             pure=False)
    others = [p for p in primal.params if p not in wrt]
    found = set()
    for stmt in walk.statements(primal.body):
        if stmt.__class__ is Op and any(activity.active(o) for o in stmt.outs):
            found.update(a for a in stmt.operands() if a in others)
    for p in others:
        if p in found:
            b.op("call", runtime.check_real, [Const(p.hint), p], hint="check", outs=0,
                 pure=False)
    return b.block.stmts


class Gradient:
    """Builds the gradient IR of one function for ``wrt`` (parameter Vars)."""

    def __init__(self, primal: Function, wrt: list, kinds: dict, splitter=None):
        self.primal = primal
        self.wrt = wrt
        self.kinds = kinds
        self.activity = Activity(primal, wrt)
        refuse_inactive_flows(self.activity, primal.info)
        self.reverse = Reverse(primal, self.activity, kinds, splitter)

    def grad_function(self, name: str, with_value: bool, single: bool) -> Function:
        primal = self.primal
        out = primal.body.yields[0]
        prologue = Builder(Block(argument_checks(primal, self.wrt, self.activity)))
        # the seed checks that the output is a real scalar (even where no gradient flows)
        check = Builder()
        seed = check.op("call", runtime.seed, [out], hint="g", pure=False)
        backward = self.reverse.run({out: seed} if self.activity.active(out) else {})
        self.reverse.adj.builder = Builder(backward)
        results = [self._gradient_of(p, backward) for p in self.wrt]
        share = transport(primal, self.reverse.mirrors)
        result = gradient_results(Builder(backward), primal, results, single=single,
                                  with_value=with_value)
        stmts = (prologue.block.stmts + [_section("forward sweep")] + primal.body.stmts +
                 check.block.stmts + ([_section("backward sweep")] if backward.stmts else []) +
                 backward.stmts)
        return Function(name, list(primal.params), Block(stmts, [result]),
                        signature=primal.signature, info=primal.info, share=share)

    def _gradient_of(self, p, backward) -> Var:
        d = self.reverse.adj.atom(p)
        return Builder(backward).call(runtime.as_gradient, [d if d is not None else Const(None),
                                                            p], hint="d" + p.hint)

    def split_functions(self, names: tuple) -> tuple[Function, Function]:
        """``(forward_h, backward_h)``: the helper's value and tape; the adjoints of ``wrt``."""
        primal = self.primal
        out = primal.body.yields[0]
        g = Var("g")
        backward = self.reverse.run({out: g} if self.activity.active(out) else {})
        self.reverse.adj.builder = Builder(backward)
        results = []
        for p in self.wrt:
            d = self.reverse.adj.atom(p)
            results.append(d if d is not None else
                           Builder(backward).call(_zero_adjoint(), [p], hint="d" + p.hint))
        share = transport(primal, self.reverse.mirrors)
        inside = walk.defined_in(primal.body) | set(primal.params)
        needed = [v for v in walk.free_vars(Block(backward.stmts, results)) if v in inside]
        tape_value = Var("tape")
        forward_body = Block(primal.body.stmts + [Op([tape_value], "tuple", None, needed)],
                             [out, tape_value])
        forward = Function(names[0], list(primal.params), forward_body,
                           signature=primal.signature, info=primal.info)
        forward.share = [pair for pair in share if all(v in inside for v in pair)]
        tape = Var("tape")
        unpacked = [Var(v.hint, v.user) for v in needed]
        mapping = dict(zip(needed, unpacked))
        body = Block(([Op(unpacked, "unpack", None, [tape])] if needed else []) +
                     backward.stmts, results)
        walk.substitute(body, mapping)
        tuple_out = Var("adjoints")
        body.stmts.append(Op([tuple_out], "tuple", None, list(body.yields)))
        body.yields = [tuple_out]
        backward_fn = Function(names[1], [g, tape], body, signature=None, info=primal.info,
                               share=[(mapping.get(a, a), mapping.get(b, b)) for a, b in share])
        return forward, backward_fn


def _section(title: str) -> Op:
    return Op([], "comment", title, [], pure=False)


def _zero_adjoint():
    from ..runtime_adjoints import zero_adjoint
    return zero_adjoint
