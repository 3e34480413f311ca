"""The front end as one call: a live Python function in, its IR out (checked and cleaned)."""
from __future__ import annotations

from dataclasses import dataclass

import gast

from .. import runtime
from ..ir import alias
from ..ir.core import Function, Op, Ref
from ..opt.dce import eliminate_dead_code, live_values
from . import desugar, fence, nodes, structure
from .lower import lower
from .naming import Namer
from .parse import SourceInfo, parse_function
from .resolve import Scope, local_names


@dataclass
class FrontEnd:
    function: Function
    info: SourceInfo
    kinds: dict  # Var -> container kind
    deps: dict  # global name -> the object it meant when the function was transformed
    scope: Scope


def front_end(fn, name: str, param_kinds=None) -> FrontEnd:
    fn_node, info = parse_function(fn)
    fence.check(fn_node, info)
    if not any(isinstance(n, gast.Return) for n in nodes.walk(fn_node)):
        raise info.error(fn_node, f"{info.name}() has no return statement: there is no value "
                         "to differentiate", "End it with 'return <value>'.")
    fence.check_mutating_calls(fn_node, info, fn.__globals__)
    user_names = local_names(fn_node)
    scope = Scope(fn, set(user_names))
    namer = Namer(nodes.names_in(fn_node) | set(scope.globals) | set(scope.closure))
    desugar.desugar(fn_node, info, namer, scope)
    structure.structure(fn_node, scope, namer)
    scope.locals |= local_names(fn_node)
    function, deps = lower(fn, fn_node, info, scope, user_names, name,
                           param_kinds=param_kinds)
    kinds = function.kinds
    # (before dead-code elimination: a write nobody reads is still seen through an alias)
    _refuse_observed_writes(function, set(_writes(function)), kinds)
    eliminate_dead_code(function)
    return FrontEnd(function, info, kinds, deps, scope)


def _writes(function):
    from ..ir import walk
    for stmt in walk.statements(function.body):
        if stmt.__class__.__name__ == "Op" and stmt.kind in alias.WRITES:
            yield stmt


def _refuse_observed_writes(function, user_writes, kinds) -> None:
    """Refuse the user's in-place writes that another live name would see. ``x += ...`` on a
    value that may be an immutable number (Python rebinds it) is checked at run time instead."""
    guards = {}
    live = live_values(function)
    for op, other in alias.observed_writes(function, lambda op: op in user_writes, kinds,
                                           live):
        target = op.args[0]
        # (the name as the line writes it: after `y = x`, y and x are one value)
        name = _written_name(op.origin.node) or getattr(target, "hint", "the value")
        what = {"setitem": "writes into", "augop": "updates in place", "append": "appends to",
                "extend": "extends", "pop": "pops from"}[op.kind]
        if other is target or other.hint == name:  # (the name bound by `y = x` is gone)
            shared = "whose value another name bound to it still reads afterwards"
            seen = "that name"
        else:
            shared, seen = f"which is also reachable as {other.hint!r} afterwards", \
                repr(other.hint)
        error = op.origin.error(
            f"this {what} {name!r}, {shared}: Python would change {seen} too, and sourcegrad "
            "does not differentiate through such sharing",
            f"Instead: make {name!r} its own copy first ({name} = {name}.copy(), or "
            f"list({name}) for a list), or write {name} = {name} <op> ... to get a new value.")
        if op.kind != "augop" or kinds.get(target) in ("list", "dict"):
            raise error
        guards[op] = Op([], "call", runtime.refuse_shared_update,
                        [target, Ref(error, "sharing_error")], pure=False, origin=op.origin)
    if guards:
        _insert_before(function.body, guards)


def _written_name(stmt):
    """The variable a statement writes into (``y`` of ``y[0] = v``, ``y += v``,
    ``y.append(v)``), or None."""
    if isinstance(stmt, gast.Assign):
        target = stmt.targets[0]
    elif isinstance(stmt, gast.AugAssign):
        target = stmt.target
    elif isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call) and \
            isinstance(stmt.value.func, gast.Attribute):
        target = stmt.value.func.value
    else:
        return None
    while isinstance(target, gast.Subscript):
        target = target.value
    return target.id if isinstance(target, gast.Name) else None


def _insert_before(block, guards) -> None:
    stmts = []
    for stmt in block.stmts:
        if stmt in guards:
            stmts.append(guards[stmt])
        for inner in stmt.blocks() if stmt.__class__ is not Op else ():
            _insert_before(inner, guards)
        stmts.append(stmt)
    block.stmts = stmts
