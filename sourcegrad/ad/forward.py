"""Forward mode: each value's tangent computed right after the value, from the same rules.

For a function of one number, forward mode gives the derivative in the same sweep as the
value -- nothing is stored for a backward sweep (a loop of 100 scalar steps needs no stack).
The tangents come from the one rule table: an elementwise primitive (a ufunc, a ``math``
function, an arithmetic operator) has a diagonal Jacobian, which is its own transpose, so its
reverse template with the tangent in place of the adjoint -- and nothing summed back to the
operand's shape: broadcasting the product does that -- is the tangent's contribution.

Control flow carries tangents as values: a branch yields them, a loop carries them. Any other
operation a tangent would reach (a reduction, indexing, a container, a helper call) raises
:class:`Unsupported`; the caller then uses reverse mode, which handles everything.
"""
from __future__ import annotations

import gast

from .. import runtime
from ..ir.build import Builder
from ..ir.callees import elementwise
from ..ir.core import Block, Const, Function, If, Op, Var
from .activity import operand_roles
from .ops import inline_rule
from .outputs import gradient_results

_ARITHMETIC = (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow, gast.Mod, gast.USub, gast.UAdd)
#: math functions of a sequence: not elementwise
_MATH_OF_SEQUENCES = frozenset(("fsum", "prod", "dist", "sumprod"))


class Unsupported(Exception):
    """Forward mode does not handle this operation (reverse mode does)."""


def diagonal(op) -> bool:
    """Whether ``op``'s primitive is elementwise, so its rule transposes to itself."""
    if op.binding is None:
        return False
    if op.kind in ("binop", "unary", "augop"):
        return op.prim in _ARITHMETIC
    if op.kind != "call" or op.method is not None:
        return False
    prim = op.prim
    if getattr(prim, "__module__", None) == "math":
        return getattr(prim, "__name__", "") not in _MATH_OF_SEQUENCES
    return elementwise(prim)


class Tangents:
    """Adds tangent computations to a function's body, in place."""

    def __init__(self, activity):
        self.activity = activity
        self.tangent: dict = {}  # Var -> its tangent atom (absent: zero)

    def of(self, atom):
        return self.tangent.get(atom) if atom.__class__ is Var else None

    def block(self, block) -> None:
        stmts = []
        for stmt in block.stmts:
            stmts.append(stmt)
            if stmt.__class__ is Op:
                stmts.extend(self.op(stmt))
            elif stmt.__class__ is If:
                self.branch(stmt)
            else:
                self.loop(stmt)
        block.stmts = stmts

    def op(self, op) -> list:
        roles = [(a, role, reason) for a, role, reason in operand_roles(op)
                 if self.of(a) is not None]
        if not roles or not any(self.activity.active(o) for o in op.outs):
            return []
        if any(role == "refuse" for _, role, _ in roles) or not diagonal(op):
            raise Unsupported(op)
        # (printed under the user's line, after the value)
        b = Builder(origin=op.origin.as_role("tangent") if op.origin else None)
        inlined: dict = {}  # tangent -> the rule's results for it (x * x: one template)
        parts = []
        for inp in op.binding.inputs():
            operand = op.args[inp.ref[1]] if inp.ref[0] == "arg" else dict(op.kwargs)[inp.ref[1]]
            t = self.of(operand)
            if t is None or op.binding.gradient_kind(inp.param)[0] != "expression":
                continue
            if t not in inlined:
                inlined[t] = inline_rule(b, op, t)
            part = inlined[t][op.binding.rule.params.index(inp.param)]
            if inp.index is not None:  # one operand of a *args parameter
                part = b.op("getitem", None, [part, Const(inp.index)], hint="part")
            parts.append(part)
        total = parts[0] if parts else None
        for part in parts[1:]:
            total = b.binop(gast.Add, total, part, "t" + op.outs[0].hint)
        if total is not None:
            self.tangent[op.outs[0]] = total
        return b.block.stmts

    def branch(self, stmt) -> None:
        saved = dict(self.tangent)
        sides = []
        for side in stmt.blocks():
            self.tangent = dict(saved)
            self.block(side)
            sides.append([self.of(y) for y in side.yields])
        self.tangent = saved
        for k, out in list(enumerate(stmt.outs)):
            pair = [tangents[k] for tangents in sides]
            if all(t is None for t in pair):
                continue
            for side, t in zip(stmt.blocks(), pair):
                side.yields.append(t if t is not None else Const(0.0))
            tangent = Var("t" + out.hint)
            stmt.outs.append(tangent)
            self.tangent[out] = tangent

    def loop(self, loop) -> None:
        # a carried value has a tangent if it is active (its initial value or an iteration
        # gives it one: activity analysis solved that over the back edge)
        order = [k for k, p in enumerate(loop.params) if self.activity.active(p)]
        params = [Var("t" + loop.params[k].hint) for k in order]
        self.tangent.update({loop.params[k]: t for k, t in zip(order, params)})
        self.block(loop.body)
        if not order:
            return
        n = len(loop.params)
        yields = [self.of(loop.body.yields[k]) or Const(0.0) for k in order]
        inits = [self.of(loop.inits[k]) or Const(0.0) for k in order]
        outs = [Var("t" + loop.outs[k].hint) for k in order]
        loop.params[n:n] = params
        loop.inits[n:n] = inits
        loop.body.yields[n:n] = yields
        loop.outs[n:n] = outs
        self.tangent.update({loop.outs[k]: t for k, t in zip(order, outs)})


def forward_gradient(primal: Function, wrt, activity, name: str, with_value: bool,
                     single: bool, prologue: list) -> Function:
    """``grad_f`` of a function of one differentiated number, in forward mode: the value and
    its derivative in one sweep. Raises Unsupported when an operation has no forward rule.
    ``primal`` is changed (use a copy)."""
    tangents = Tangents(activity)
    tangents.tangent[wrt] = Const(1.0)
    body = primal.body
    tangents.block(body)
    out = body.yields[0]
    b = Builder(body)
    b.op("call", runtime.seed, [out], hint="g", pure=False)  # (the output is a real scalar)
    t = tangents.of(out)
    gradient = b.call(runtime.as_gradient, [t if t is not None else Const(None), wrt],
                      hint="d" + wrt.hint)
    result = gradient_results(b, primal, [gradient], single=single, with_value=with_value)
    return Function(name, list(primal.params), Block(prologue + body.stmts, [result]),
                    signature=primal.signature, info=primal.info)
