"""Pass 5: the reverse transform. Each active statement gets its adjoint, in reverse order.

Adjoints are tracked symbolically while the backward sweep is built: a variable's adjoint is
either *zero* (nothing has reached it yet: no code, no allocation) or an expression -- usually
the name of its adjoint variable ``dx``. The first contribution therefore *assigns*
(``dx = dmul * y``) and only later ones add (``dx = dx + ...``); a contribution that is already a
name is not copied at all. The seed of ``grad``'s output is the constant 1.0, folded into the
templates it meets.
"""
from __future__ import annotations

import gast

from ..errors import TransformError
from . import nodes
from .activity import Activity
from .primitives import Op, classify
from .templates import Binder, bind_arguments, instantiate


class Reverse:
    """Builds the backward sweep for one function body."""

    def __init__(self, info, scope, namer, activity: Activity, binder: Binder,
                 reassigned: set[str]):
        self.info = info
        self.scope = scope
        self.namer = namer
        self.activity = activity
        self.binder = binder
        self.reassigned = reassigned  # variables bound more than once: never aliased
        self.adjoints: dict[str, gast.expr] = {}  # variable -> its adjoint now (absent: zero)
        self.names: dict[str, str] = {}  # variable -> its adjoint variable's name
        self.helpers = {}

    # -- adjoint bookkeeping ------------------------------------------------------------------
    def adjoint_name(self, var: str) -> str:
        if var not in self.names:
            self.names[var] = self.namer.fresh("d" + var.lstrip("_"))
        return self.names[var]

    def adjoint(self, var: str):
        return self.adjoints.get(var)

    def accumulate(self, var: str, contribution, out: list) -> None:
        """Add ``contribution`` to the adjoint of ``var``, emitting as little code as possible."""
        current = self.adjoints.get(var)
        if current is None and self._aliasable(contribution):
            self.adjoints[var] = contribution
            return
        name = self.adjoint_name(var)
        value = contribution if current is None else nodes.binop(current, gast.Add(),
                                                                  contribution)
        out.append(nodes.assign(name, value))
        self.adjoints[var] = nodes.load(name)

    def _aliasable(self, node) -> bool:
        if isinstance(node, gast.Constant):
            return True
        if isinstance(node, gast.Name):
            owner = next((v for v, n in self.names.items() if n == node.id), None)
            return owner is not None and owner not in self.reassigned
        return False

    def runtime(self, obj, name: str) -> gast.Name:
        return nodes.load(self.binder.name_for(obj, name))

    # -- statements ---------------------------------------------------------------------------
    def block(self, stmts: list) -> list:
        """The backward sweep of ``stmts``: adjoint blocks in reverse order, commented."""
        out: list = []
        for stmt in reversed(stmts):
            produced: list = []
            self.statement(stmt, produced)
            if produced:
                origin = getattr(stmt, "sg_origin", None)
                line = self.info.line_of(origin) if origin is not None else ""
                if line and not (out and getattr(out[-1], "sg_comment_for", None) is origin
                                 and False):
                    marker = nodes.comment("grad of: " + line)
                    marker.sg_comment_for = origin
                    if not self._continues(out, origin):
                        produced.insert(0, marker)
                out.extend(produced)
        return out

    def _continues(self, out: list, origin) -> bool:
        """True when the previous adjoint block came from the same user statement."""
        for stmt in reversed(out):
            if nodes.is_comment(stmt):
                return getattr(stmt, "sg_comment_for", None) is origin
        return False

    def statement(self, stmt, out: list) -> None:
        visitor = getattr(self, "visit_" + type(stmt).__name__, None)
        if visitor is not None:
            visitor(stmt, out)

    def visit_Assign(self, stmt: gast.Assign, out: list) -> None:
        target = stmt.targets[0]
        if isinstance(target, gast.Name):
            self.assignment([target.id], stmt.value, stmt, out)
        elif isinstance(target, (gast.Tuple, gast.List)):
            self.assignment([e.id for e in target.elts], stmt.value, stmt, out, unpack=True)
        else:
            raise self.info.error(stmt, "assigning into an array element is not supported yet")

    def assignment(self, targets: list[str], value, stmt, out: list, unpack=False) -> None:
        if not any(self.activity.active(t) for t in targets):
            return
        if unpack:
            parts = [self.adjoints.get(t) for t in targets]
            if all(p is None for p in parts):
                return
            g = nodes.tuple_(p if p is not None else nodes.const(None) for p in parts)
        else:
            g = self.adjoints.get(targets[0])
            if g is None:
                return
        op = classify(value, self.scope)
        inputs = {n.id for arg in op.operands() for n in gast.walk(arg)
                  if isinstance(n, gast.Name)}
        if inputs & set(targets) and not isinstance(g, gast.Constant):
            snapshot = self.namer.fresh("g")  # x = f(x): the old x's adjoint starts afresh
            out.append(nodes.assign(snapshot, g))
            g = nodes.load(snapshot)
        for t in targets:
            self.adjoints.pop(t, None)
        ans = nodes.tuple_(nodes.load(t) for t in targets) if unpack else nodes.load(targets[0])
        handler = getattr(self, "adjoint_" + op.kind)
        handler(op, g, ans, stmt, out)

    # -- one handler per kind of primitive ----------------------------------------------------
    def adjoint_copy(self, op: Op, g, ans, stmt, out) -> None:
        self.accumulate(op.args[0].id, g, out)

    def adjoint_nondiff(self, op: Op, g, ans, stmt, out) -> None:
        pass

    def adjoint_literal(self, op: Op, g, ans, stmt, out) -> None:
        for k, elt in enumerate(op.args):
            if self.activity.active_node(elt):
                item = gast.Subscript(value=nodes.clone(g), slice=nodes.const(k), ctx=gast.Load())
                self.accumulate(elt.id, item, out)

    def adjoint_subscript(self, op: Op, g, ans, stmt, out) -> None:
        from .. import runtime
        x, index = op.args
        if not self.activity.active_node(x):
            return
        call = nodes.call(self.runtime(runtime.subscript_adjoint, "subscript_adjoint"), g,
                          nodes.clone(x), index_value(index))
        self.accumulate(x.id, call, out)

    def adjoint_rule(self, op: Op, g, ans, stmt, out) -> None:
        rule = op.rule

        def error(message, hint):
            return self.info.error(op.node, message, hint)

        operands = bind_arguments(rule, op.args, op.keywords, self.binder, error)
        wanted = {i for i, p in enumerate(rule.params)
                  if p in operands and self._has_active(operands[p])}
        if not wanted:
            return
        prelude, contributions = instantiate(rule, operands, g, ans, wanted, self.binder)
        out.extend(prelude)
        for position, expr in contributions:
            operand = operands[rule.params[position]]
            if isinstance(operand, gast.Name):
                self.accumulate(operand.id, expr, out)
            else:  # a tuple/list literal operand: the rule gives one adjoint per element
                seq = self.namer.fresh("d" + rule.params[position])
                out.append(nodes.assign(seq, expr))
                for k, elt in enumerate(operand.elts):
                    if self.activity.active_node(elt):
                        item = gast.Subscript(value=nodes.load(seq), slice=nodes.const(k),
                                              ctx=gast.Load())
                        self.accumulate(elt.id, item, out)

    def adjoint_user(self, op: Op, g, ans, stmt, out) -> None:
        raise self.info.error(op.node, f"cannot differentiate through {op.label}: calls to "
                              "other Python functions are not supported yet",
                              "Inline the helper, or register a rule for it with "
                              "sourcegrad.extend.defvjp.")

    def adjoint_unknown(self, op: Op, g, ans, stmt, out) -> None:
        message = f"cannot differentiate through {op.label}: it has no gradient rule"
        if op.callee is not None:
            from ..rules.coverage import unsupported_message
            hint = unsupported_message(op.callee)
        else:
            hint = ("Compute it from operations that have gradient rules, or move it into a "
                    "function and register a rule with sourcegrad.extend.defvjp.")
        raise TransformError(message, self.info.locate(op.node), hint)

    def _has_active(self, node) -> bool:
        if isinstance(node, gast.Name):
            return self.activity.active(node.id)
        if isinstance(node, (gast.Tuple, gast.List)):
            return any(self._has_active(e) for e in node.elts)
        if isinstance(node, gast.Starred):
            return self._has_active(node.value)
        return False


def index_value(index):
    """The value a subscript's index denotes, as an expression (``1:3`` -> ``slice(1, 3)``)."""
    if isinstance(index, gast.Slice):
        parts = [index.lower, index.upper, index.step]
        while parts and parts[-1] is None:
            parts.pop()
        return nodes.call("slice", *[p if p is not None else nodes.const(None) for p in parts]
                          or [nodes.const(None)])
    if isinstance(index, gast.Tuple):
        return nodes.tuple_(index_value(e) for e in index.elts)
    return nodes.clone(index)
