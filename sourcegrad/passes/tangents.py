"""Pass 6d: forward mode for one number, the float variant of a scalar function's gradient.

Reverse mode keeps every loop value on a stack for the backward sweep. For a function of one
number that computes only numbers, that tape is pure cost: the derivative can ride along with
the values, one *tangent* per variable (``dx`` is d x / d input), and no step has to be
replayed. ``for _ in range(n): x = math.sin(x) * x + 0.5 * x`` becomes, after factoring,

    for _ in iterable:
        sin = math.sin(x)
        dx = dx * (math.cos(x) * x + sin + 0.5)
        x = sin * x + 0.5 * x    # (as normalized: mul, mul_1, then the sum)

The tangent of ``y = f(a, b)`` is ``da * df/da + db * df/db``; the rule table's reverse-mode
templates give each term, since for numbers the adjoint of ``a`` with ``g`` set to ``da`` *is*
``da * df/da`` (multiplication of numbers commutes). So the same table serves both modes.

A tangent is computed before its value's assignment when it does not read the new value (the
operands are still the old ones), after it otherwise; ``x = np.exp(x)`` goes through a fresh
name. ``floats.py`` decides whether the function only ever holds numbers, and the dispatch
calls this variant only for a float argument; anything this pass does not handle (containers,
indexing, calls of user functions, rules with preludes) leaves the reverse-mode variant.
"""
from __future__ import annotations

import gast

from .. import runtime
from . import nodes
from .naming import Namer
from .primitives import classify
from .templates import bind_arguments, instantiate


class Unsupported(Exception):
    """A statement forward mode does not handle here: keep the reverse-mode float variant."""


def snapshot(forward: list) -> list:
    """A copy of the normalized statements that later passes cannot change (a loop test's
    computation, which hangs on the ``while``, included)."""
    copy = nodes.clone(forward)
    for stmt in nodes.statements(copy):
        if isinstance(stmt, gast.While) and getattr(stmt, "sg_test_prelude", None):
            stmt.sg_test_prelude = snapshot(stmt.sg_test_prelude)
    return copy


def tangent_body(forward: list, output, param: str, params, activity, scope, binder,
                 taken: set, info, single: bool) -> list | None:
    """The statements of a function returning d output / d ``param``, or None. ``params``:
    all the function's parameters; ``taken``: the names of ``forward`` (its tangents are named
    apart from them)."""
    namer = Namer(taken | set(binder.namer.helper_objects()))
    sweep = _Tangents(activity, scope, binder, namer, info)
    # another parameter the loop makes depend on ``param`` starts with a zero tangent
    seeds = [nodes.assign(sweep.tangent(p), nodes.const(1.0 if p == param else 0.0))
             for p in params if p == param or activity.active(p)]
    for seed in seeds:
        seed.sg_generated = True
    try:
        body = seeds + sweep.block(forward)
    except Unsupported:
        return None
    if isinstance(output, gast.Name) and activity.active(output.id):
        result = nodes.load(sweep.tangent(output.id))
    elif isinstance(output, (gast.Name, gast.Constant)):
        result = nodes.const(0.0)
    else:
        return None
    check = gast.Expr(value=nodes.call(binder.name_for(runtime.seed, "check_scalar"),
                                       nodes.clone(output)))
    return body + [check, gast.Return(value=result if single else nodes.tuple_([result]))]


class _Tangents:
    def __init__(self, activity, scope, binder, namer, info):
        self.activity = activity
        self.scope = scope
        self.binder = binder
        self.namer = namer
        self.info = info
        self.names: dict[str, str] = {}

    def tangent(self, var: str) -> str:
        if var not in self.names:
            self.names[var] = self.namer.fresh("d" + var)
            self.binder.namer.reserve(self.names[var])  # no helper bound later takes it
        return self.names[var]

    def block(self, stmts: list) -> list:
        out: list = []
        for stmt in stmts:
            self.statement(stmt, out)
        return out

    def statement(self, stmt, out: list) -> None:
        kind = type(stmt)
        if kind is gast.Assign and len(stmt.targets) == 1 and \
                type(stmt.targets[0]) is gast.Name and not hasattr(stmt, "sg_call"):
            self.assign(stmt, out)
        elif kind is gast.For and not stmt.orelse:
            loop = gast.For(target=stmt.target, iter=stmt.iter, body=self.block(stmt.body),
                            orelse=[], type_comment=None)
            out.append(_mixed(gast.copy_location(loop, stmt)))
        elif kind is gast.While and not stmt.orelse:
            # the test's computation (normalize.py) runs before the loop and after each step
            prelude = getattr(stmt, "sg_test_prelude", [])
            out.extend(self.block(nodes.clone(prelude)))
            body = self.block(stmt.body) + self.block(nodes.clone(prelude))
            loop = gast.While(test=stmt.test, body=body, orelse=[])
            out.append(_mixed(gast.copy_location(loop, stmt)))
        elif kind is gast.If:
            branch = gast.If(test=stmt.test, body=self.block(stmt.body),
                             orelse=self.block(stmt.orelse))
            out.append(_mixed(gast.copy_location(branch, stmt)))
        elif kind in (gast.Pass, gast.Break, gast.Continue) or nodes.is_comment(stmt):
            out.append(stmt)
        else:
            raise Unsupported(kind.__name__)

    def assign(self, stmt, out: list) -> None:
        target = stmt.targets[0].id
        if not self.activity.active(target):
            out.append(stmt)
            return
        reads_target = target in nodes.names_in(stmt.value)
        ans = self.namer.fresh(target + "_new") if reads_target else target
        terms = self.terms(stmt.value, ans)
        tangent = terms[0] if terms else nodes.const(0.0)
        for term in terms[1:]:
            tangent = nodes.binop(tangent, gast.Add(), term)
        step = nodes.assign(self.tangent(target), tangent)
        step.sg_generated = True
        step.sg_origin = getattr(stmt, "sg_origin", None)
        if ans not in nodes.names_in(tangent):  # from the old values: before the assignment
            out.extend([step, stmt])
        elif not reads_target:
            out.extend([stmt, step])
        else:  # x = np.exp(x): the new value under another name until the tangent is taken
            fresh = nodes.assign(ans, stmt.value)
            fresh.sg_origin = getattr(stmt, "sg_origin", None)
            out.extend([fresh, step, nodes.assign(target, nodes.load(ans))])

    def terms(self, value, ans: str) -> list:
        op = classify(value, self.scope)
        if op.kind == "nondiff":
            return []
        if op.kind == "copy":
            name = value.id
            return [nodes.load(self.tangent(name))] if self.activity.active(name) else []
        if op.kind != "rule":
            raise Unsupported(op.kind)
        rule = op.rule

        def error(message, hint):
            return self.info.error(op.node, message, hint)

        operands = bind_arguments(rule, op.args, op.keywords, self.binder, error)
        terms = []
        for position, param in enumerate(rule.params):
            operand = operands.get(param)
            if operand is None or not rule.differentiable(position):
                continue
            if not isinstance(operand, (gast.Name, gast.Constant)):
                raise Unsupported("a container operand")
            if not self.activity.active_node(operand):
                continue
            g = nodes.load(self.tangent(operand.id))
            prelude, contributions = instantiate(rule, operands, g, nodes.load(ans), {position},
                                                 self.binder)
            if prelude:
                raise Unsupported("a rule with statements")
            terms.extend(self.numbers_only(expr) for _, expr in contributions)
        return terms

    def numbers_only(self, expr):
        """``unbroadcast(e, x)`` is ``e`` when every value is a number."""
        resolve = self.scope.resolve

        class Strip(nodes.Transformer):
            def visit_Call(self, node):
                self.generic_visit(node)
                if node.args and resolve(node.func) is runtime.unbroadcast:
                    return node.args[0]
                return node

        return Strip().visit(expr)


def _mixed(stmt):
    """A user's loop or branch holding tangent steps: later passes recurse into it but move
    only the generated statements inside."""
    stmt.sg_generated = True
    stmt.sg_mixed = True
    return stmt


__all__ = ["snapshot", "tangent_body"]
