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

from .. import runtime, runtime_flow
from ..errors import TransformError
from . import nodes
from .activity import Activity
from .adjoints import AdjointStates
from .control import ControlFlow
from .primitives import Op, classify
from .templates import Binder, bind_arguments, instantiate, lazy_constant


class Reverse(ControlFlow, AdjointStates):
    """Builds the backward sweep for one function body."""

    def __init__(self, info, scope, namer, activity: Activity, binder: Binder,
                 reassigned: set[str]):
        self.info = info
        self.scope = scope
        self.activity = activity
        self.binder = binder
        self._init_states(namer, reassigned)

    def runtime(self, obj, name: str) -> gast.Name:
        return nodes.load(self.binder.name_for(obj, name))

    # -- statements ---------------------------------------------------------------------------
    def block(self, stmts: list) -> list:
        """The backward sweep of ``stmts``: adjoint blocks in reverse order, commented."""
        out: list = []
        for stmt in reversed(stmts):
            produced: list = []
            self.statement(stmt, produced)
            restores = self.restores_for(stmt)
            if produced:
                origin = getattr(stmt, "sg_origin", None)
                line = self.info.line_of(origin) if origin is not None else ""
                if line and not self._continues(out, origin) and \
                        not isinstance(stmt, (gast.For, gast.While, gast.If)):
                    marker = nodes.comment("grad of: " + line)
                    marker.sg_comment_for = origin
                    produced.insert(0, marker)
            out.extend(produced + restores)
        return out

    def restores_for(self, stmt) -> list:
        """Pop points after a statement that re-binds variables the sweep may need again."""
        if getattr(stmt, "sg_nosave", False) or getattr(stmt, "sg_restored_early", False) or \
                not isinstance(stmt, gast.Assign):
            return []
        target = stmt.targets[0]
        if isinstance(target, gast.Subscript):
            marker = nodes.pop_point([], stmt)
            marker.sg_restore = (target.value.id, target.slice)
            return [marker]
        names = [n.id for n in nodes.walk(target) if isinstance(n, gast.Name)]
        names = [n for n in names if n in self.reassigned]
        return [nodes.pop_point(names, stmt)] if names else []

    def _continues(self, out: list, origin) -> bool:
        """True when the previous adjoint block came from the same user statement."""
        for stmt in reversed(out):
            if nodes.is_comment(stmt):
                return getattr(stmt, "sg_comment_for", None) is origin
            if isinstance(stmt, (gast.For, gast.While, gast.If)):
                return False
        return False

    def statement(self, stmt, out: list) -> None:
        visitor = getattr(self, "visit_" + type(stmt).__name__, None)
        if visitor is not None:
            visitor(stmt, out)

    def visit_Assign(self, stmt: gast.Assign, out: list) -> None:
        if hasattr(stmt, "sg_call"):
            return self.user_call(stmt, out)
        target = stmt.targets[0]
        if isinstance(target, gast.Name):
            self.assignment([target.id], stmt.value, stmt, out)
        elif isinstance(target, (gast.Tuple, gast.List)):
            self.assignment([e.id for e in target.elts], stmt.value, stmt, out, unpack=True)
        else:
            self.setitem(target, stmt.value, stmt, out)

    def assignment(self, targets: list[str], value, stmt, out: list, unpack=False) -> None:
        if not any(self.activity.active(t) for t in targets):
            for t in targets:
                self.consume(t)
            return
        parts = [self.adjoint(t) for t in targets]
        if all(p is None for p in parts):
            return
        maybe = [t for t in targets if self.is_maybe(t)]
        if unpack:
            g = nodes.tuple_(p if p is not None else nodes.const(None) for p in parts)
        else:
            g = parts[0]
        op = classify(value, self.scope)
        inputs = {n.id for arg in op.operands() for n in nodes.walk(arg)
                  if isinstance(n, gast.Name)}
        rebound = inputs & set(targets)
        if rebound and not isinstance(g, gast.Constant):
            snapshot = self.namer.fresh("g")  # x = f(x): the old x's adjoint starts afresh
            out.append(nodes.assign(snapshot, g))
            g = nodes.load(snapshot)
        for t in targets:
            self.consume(t)
        ans = nodes.tuple_(nodes.load(t) for t in targets) if unpack else nodes.load(targets[0])
        early = None
        if rebound & self.reassigned and not unpack:
            # the adjoint reads both the new x (as ans) and the old x (as an input): keep the
            # new one aside (if the rule reads it) and restore the old one first
            new = self.namer.fresh(targets[0] + "_new")
            early = [nodes.assign(new, ans), nodes.pop_point([targets[0]], stmt)]
            stmt.sg_restored_early = True
            ans = nodes.load(new)
            outer, out = out, []
        if not unpack and not self._takes_lazy(op, targets[0]):
            g = self.materialized(g)
        handler = getattr(self, "adjoint_" + op.kind)
        if maybe and not unpack:
            # the result may have received no gradient on this path: skip its adjoint then
            test = gast.Compare(left=nodes.clone(g), ops=[gast.IsNot()],
                                comparators=[nodes.const(None)])
            self.conditional(test, lambda body: handler(op, g, ans, stmt, body), out)
        else:
            handler(op, g, ans, stmt, out)
        if early is not None:
            if ans.id not in nodes.loaded_names(gast.Module(body=out, type_ignores=[])):
                early = early[1:]
            outer.extend(early + out)

    def user_call(self, stmt, out: list) -> None:
        """``y, y_tape = forward_h(...)``: ``dargs = backward_h(dy, y_tape)``."""
        backward, operands, tape, target = stmt.sg_call
        unpack = isinstance(target, (gast.Tuple, gast.List))
        targets = [e.id for e in target.elts] if unpack else [target.id]
        if not any(self.activity.active(t) for t in targets):
            return
        parts = [self.adjoint(t) for t in targets]
        if all(p is None for p in parts):
            return
        maybe = not unpack and self.is_maybe(targets[0])
        if unpack:  # helpers returning tuples get zeros where no adjoint arrived
            g = nodes.tuple_(self._or_zeros(t, p) for p, t in zip(parts, targets))
        else:
            g = self.materialized(parts[0])
        test = gast.Compare(left=nodes.clone(g), ops=[gast.IsNot()],
                            comparators=[nodes.const(None)])
        for t in targets:
            self.consume(t)

        def emit(code):
            # an adjoint that is still zero receives its part directly
            ids = [op.id if isinstance(op, gast.Name) else op.value.id for op in operands]
            direct = {i for i, op in zip(ids, operands) if isinstance(op, gast.Name) and
                      self.adjoint(i) is None and ids.count(i) == 1}
            results = [self.adjoint_name(i) if i in direct else
                       self.namer.fresh("d" + i + "_part") for i in ids]
            call = nodes.call(backward, g, nodes.load(tape))
            code.append(nodes.assign(nodes.tuple_([nodes.store(r) for r in results],
                                                  gast.Store()), call))
            for var, result, op in zip(ids, results, operands):
                if var in direct:
                    self.state.live[var] = nodes.load(result)
                elif isinstance(op, gast.Subscript):  # an element of a *sequence argument
                    current = self.adjoint(var) or nodes.const(None)
                    name = self.adjoint_name(var)
                    code.append(nodes.assign(name, nodes.call(
                        self.runtime(runtime_flow.scatter_item, "scatter_item"), current,
                        nodes.load(result), nodes.load(var), nodes.clone(op.slice))))
                    self.state.live[var] = nodes.load(name)
                    self.state.maybe.discard(var)
                else:
                    self.accumulate(var, nodes.load(result), code)

        if maybe:
            self.conditional(test, emit, out)
        else:
            emit(out)

    def final(self, var: str):
        """The adjoint of ``var`` as a value: zeros where nothing arrived (never None)."""
        return self._or_zeros(var, self.adjoint(var))

    def _or_zeros(self, var: str, adjoint):
        if adjoint is None:
            return nodes.call(self.runtime(runtime.zeros_like, "zeros_like"), nodes.load(var))
        if self.is_maybe(var):
            return nodes.call(self.runtime(runtime_flow.or_zeros, "or_zeros"), adjoint,
                              nodes.load(var))
        return adjoint

    def materialized(self, g):
        """A lazy constant adjoint as the array it stands for (for shape-aware consumers)."""
        like = getattr(g, "sg_like", None)
        if like is None:
            return g
        value = nodes.clone(g)
        value.sg_like = None
        return nodes.call(self.runtime(runtime.expand_to, "expand_to"), value, nodes.load(like))

    def _takes_lazy(self, op, target: str) -> bool:
        """Can this statement's adjoint use a constant standing for a filled array?

        Yes for copies and elementwise operations whose operands have the result's shape (or
        are numbers): their contributions then have the right shape anyway.
        """
        from .shapes import _broadcasting_binary, _elementwise_unary
        if op.kind == "copy":
            return True
        shapes = self.binder.shapes
        ans = nodes.load(target)
        if _elementwise_unary(op):
            return True
        if _broadcasting_binary(op) and shapes is not None:
            return all((isinstance(a, gast.Constant) and type(a.value) in (int, float)) or
                       shapes.same(a, ans) for a in op.args)
        return False

    def setitem(self, target: gast.Subscript, value, stmt, out: list) -> None:
        """``x[index] = value``: ``value`` gets ``dx[index]``; the overwritten part gets zero."""
        base = target.value.id
        g = self.adjoint(base)
        if g is None or not self.activity.active(base):
            return
        index = index_value(target.slice)

        def body(code):
            if self.activity.active_node(value):
                item = nodes.call(self.runtime(runtime_flow.adjoint_item, "adjoint_item"),
                                  nodes.clone(self.adjoint(base)), nodes.load(base),
                                  nodes.clone(index))
                if base in self.containers:  # an entry may have received nothing (None)
                    self.accumulate(value.id, item, code, maybe_none=True)
                else:
                    contribution = nodes.call(self.runtime(runtime.unbroadcast, "unbroadcast"),
                                              item, nodes.clone(value))
                    self.accumulate(value.id, contribution, code)
            if base in self.state.owned and base not in self.containers:
                self.scattered.add(base)
                code.append(nodes.assign(gast.Subscript(
                    value=nodes.load(self.adjoint_name(base)), slice=nodes.clone(index),
                    ctx=gast.Store()), nodes.const(0.0)))
            else:
                fresh = nodes.call(self.runtime(runtime_flow.cleared, "cleared"),
                                   nodes.clone(self.adjoint(base)), nodes.load(base),
                                   nodes.clone(index))
                if base in self.containers:
                    name = self.adjoint_name(base)
                    code.append(nodes.assign(name, fresh))
                    self.state.live[base] = nodes.load(name)
                    self.state.maybe.discard(base)
                else:
                    self.set_owned(base, fresh, code)

        if self.is_maybe(base):
            test = gast.Compare(left=nodes.load(self.adjoint_name(base)), ops=[gast.IsNot()],
                                comparators=[nodes.const(None)])
            self.conditional(test, body, out)
        else:
            body(out)

    # -- one handler per kind of primitive ----------------------------------------------------
    def adjoint_copy(self, op: Op, g, ans, stmt, out) -> None:
        self.accumulate(op.args[0].id, g, out)

    def adjoint_nondiff(self, op: Op, g, ans, stmt, out) -> None:
        pass

    def adjoint_literal(self, op: Op, g, ans, stmt, out) -> None:
        keys = op.keywords.get("keys") or [nodes.const(k) for k in range(len(op.args))]
        for key, elt in zip(keys, op.args):
            if self.activity.active_node(elt):
                entry = nodes.call(self.runtime(runtime_flow.item, "item"), nodes.clone(g),
                                   nodes.clone(key))
                self.accumulate(elt.id, entry, out, maybe_none=True)

    def visit_Expr(self, stmt: gast.Expr, out: list) -> None:
        """``xs.append(v)`` / ``xs.extend(vs)``: hand the last entries' adjoints back."""
        call = stmt.value
        if not (isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute) and
                call.func.attr in ("append", "extend") and
                isinstance(call.func.value, gast.Name) and len(call.args) == 1):
            return
        receiver, value = call.func.value.id, call.args[0]
        adj = self.adjoint(receiver)
        if adj is None or not self.activity.active(receiver):
            return
        if call.func.attr == "append":
            part = nodes.call(self.runtime(runtime_flow.pop_item, "pop_item"), nodes.clone(adj))
        else:
            part = nodes.call(self.runtime(runtime_flow.pop_items, "pop_items"), nodes.clone(adj),
                              nodes.call("len", nodes.clone(value)))
        if self.activity.active_node(value):
            self.accumulate(value.id, part, out, maybe_none=True)
        else:
            out.append(gast.Expr(value=part))

    def adjoint_subscript(self, op: Op, g, ans, stmt, out) -> None:
        x, index = op.args
        if not self.activity.active_node(x):
            return
        var, index = x.id, index_value(index)
        if var in self.containers:
            current = self.adjoint(var) or nodes.const(None)
            name = self.adjoint_name(var)
            out.append(nodes.assign(name, nodes.call(
                self.runtime(runtime_flow.scatter_item, "scatter_item"), current, g,
                nodes.clone(x), index)))
            self.state.live[var] = nodes.load(name)
            self.state.maybe.discard(var)
            self.state.owned.discard(var)
            return
        if var in self.state.owned and not self.is_maybe(var):
            self.scattered.add(var)
            out.append(gast.Expr(value=nodes.call(
                self.runtime(runtime_flow.add_at, "add_at"),
                nodes.load(self.adjoint_name(var)), index, g)))
            return
        if self.adjoint(var) is None:
            scatter = nodes.call(self.runtime(runtime.subscript_adjoint, "subscript_adjoint"),
                                 g, nodes.clone(x), index)
        else:
            scatter = nodes.call(self.runtime(runtime_flow.accumulate_at, "accumulate_at"),
                                 nodes.clone(self.adjoint(var)), g, nodes.clone(x), index)
        self.set_owned(var, scatter, out)

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
            if isinstance(expr, gast.Constant) and isinstance(operand, gast.Name) and \
                    getattr(g, "sg_like", None) is not None:
                expr = lazy_constant(expr.value, operand.id)
            if isinstance(operand, gast.Name):
                self.accumulate(operand.id, expr, out)
            else:  # a tuple/list literal operand: the rule gives one adjoint per element
                seq = self.namer.fresh("d" + rule.params[position])
                out.append(nodes.assign(seq, expr))
                for k, elt in enumerate(operand.elts):
                    if self.activity.active_node(elt):
                        entry = nodes.call(self.runtime(runtime_flow.item, "item"),
                                           nodes.load(seq), nodes.const(k))
                        self.accumulate(elt.id, entry, out, maybe_none=True)

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
        if parts[2] is None:
            parts.pop()  # slice(a, b) is slice(a, b, None); never drop the stop
        return nodes.call("slice", *[p if p is not None else nodes.const(None) for p in parts])
    if isinstance(index, gast.Tuple):
        return nodes.tuple_(index_value(e) for e in index.elts)
    return nodes.clone(index)
