"""Pass 4: activity analysis -- which values need adjoint code at all.

A variable is *varied* if it depends, through differentiable operations, on an argument being
differentiated; it is *useful* if the returned value depends on it. Only variables that are
both -- *active* -- get adjoints. Everything else (shapes, loop counters, masks, values the
output ignores) runs in the forward sweep only, and costs nothing in the backward sweep.

The analysis is flow-insensitive (a name is active if any of its definitions is), which is
exact for the renamed straight-line code the normalizer produces and safe everywhere else.
"""
from __future__ import annotations

from dataclasses import dataclass

import gast

from ..runtime_flow import sequence as _sequence
from . import nodes
from .primitives import classify
from .resolve import Scope


@dataclass
class Activity:
    varied: set[str]
    useful: set[str]

    def active(self, name: str) -> bool:
        return name in self.varied and name in self.useful

    def active_node(self, node) -> bool:
        return isinstance(node, gast.Name) and self.active(node.id)


def definitions(body: list):
    """Yield (targets, value, statement) for every binding in ``body``, nested ones included."""
    for stmt in body:
        if isinstance(stmt, gast.Assign):
            target = stmt.targets[0]
            if isinstance(target, gast.Name):
                yield [target.id], stmt.value, stmt
            elif isinstance(target, (gast.Tuple, gast.List)):
                yield [e.id for e in target.elts if isinstance(e, gast.Name)], stmt.value, stmt
            elif isinstance(target, gast.Subscript) and isinstance(target.value, gast.Name):
                # x[i] = v: x now also depends on v (and on its own old value)
                yield [target.value.id], gast.Tuple(elts=[target.value, stmt.value],
                                                   ctx=gast.Load()), stmt
        elif isinstance(stmt, gast.Expr) and _is_list_update(stmt.value):
            receiver = stmt.value.func.value
            yield [receiver.id], gast.Tuple(elts=[receiver] + list(stmt.value.args),
                                            ctx=gast.Load()), stmt
        elif isinstance(stmt, gast.For):
            if isinstance(stmt.target, gast.Name):
                yield [stmt.target.id], stmt.iter, stmt
            yield from definitions(stmt.body)
            yield from definitions(stmt.orelse)
        elif isinstance(stmt, gast.While):
            yield from definitions(getattr(stmt, "sg_test_prelude", []))
            yield from definitions(stmt.body)
            yield from definitions(stmt.orelse)
        elif isinstance(stmt, gast.If):
            yield from definitions(stmt.body)
            yield from definitions(stmt.orelse)


def _is_list_update(call) -> bool:
    """``xs.append(v)`` / ``xs.extend(vs)``: the list now depends on what went in."""
    return (isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute) and
            call.func.attr in ("append", "extend") and isinstance(call.func.value, gast.Name))


def analyze(body: list, wrt: list[str], outputs: list[str], scope: Scope) -> Activity:
    defs = [(targets, classify(value, scope), stmt) for targets, value, stmt in definitions(body)]
    flows = []  # (target names, operand names)
    for targets, op, _ in defs:
        sources = [n.id for arg in op.operands() for n in nodes.name_nodes(arg)]
        flows.append((targets, sources))

    varied = set(wrt)
    changed = True
    while changed:
        changed = False
        for targets, sources in flows:
            if any(s in varied for s in sources):
                for t in targets:
                    if t not in varied:
                        varied.add(t)
                        changed = True

    useful = set(outputs)
    changed = True
    while changed:  # backwards: a chain of statements settles in one sweep, not one per link
        changed = False
        for targets, sources in reversed(flows):
            if any(t in useful for t in targets):
                for s in sources:
                    if s not in useful:
                        useful.add(s)
                        changed = True
    return Activity(varied, useful)




def containers(body: list, scope, params=()) -> set[str]:
    """Variables that may hold lists, tuples or dicts (their adjoints are containers too).

    Built by literals, comprehensions (desugared to appends), ``list()``/``tuple()``/
    ``dict()``, ``.append``/``.extend`` receivers, and copies of any of those.
    """
    found = set(params)
    for stmt in _walk_statements(body):
        call = stmt.value if isinstance(stmt, gast.Expr) else None
        if isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute) and \
                call.func.attr in ("append", "extend") and isinstance(call.func.value, gast.Name):
            found.add(call.func.value.id)
    changed = True
    while changed:
        changed = False
        for targets, value, stmt in definitions(body):
            if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Subscript):
                continue
            if _builds_container(value, found, scope):
                for t in targets:
                    if t not in found and not isinstance(stmt.targets[0], gast.Tuple):
                        found.add(t)
                        changed = True
    return found


def _builds_container(value, found, scope=None) -> bool:
    if isinstance(value, (gast.List, gast.Tuple, gast.Dict)):
        return True
    if isinstance(value, gast.Name):
        return value.id in found
    if isinstance(value, gast.Subscript) and isinstance(value.slice, gast.Slice):
        return isinstance(value.value, gast.Name) and value.value.id in found  # items[1:3]
    if isinstance(value, gast.Call) and isinstance(value.func, gast.Name):
        callee = scope.resolve(value.func) if scope is not None else None
        if callee is _sequence:
            kind = "sequence"
        elif any(callee is kind for kind in (list, tuple, dict)):
            kind = callee.__name__
        else:
            return False
        if not value.args or kind != "sequence":
            return True
        arg = value.args[0]
        return isinstance(arg, (gast.List, gast.Tuple)) or (
            isinstance(arg, gast.Name) and arg.id in found)
    return False


def _walk_statements(body):
    for stmt in body:
        yield stmt
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list) and not isinstance(stmt, gast.Assign):
                yield from _walk_statements(inner)
