"""The front end as one call: a live Python function in, its IR out (checked and cleaned)."""
from __future__ import annotations

from dataclasses import dataclass

import gast

from ..ir import alias
from ..ir.core import Function
from ..opt.dce import eliminate_dead_code
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
    for op, other in alias.observed_writes(function, lambda op: op in user_writes, kinds):
        target = op.args[0]
        name = getattr(target, "hint", "the value")
        seen = other.hint if other is not target else name
        what = {"setitem": "writes into", "augop": "updates in place", "append": "appends to",
                "extend": "extends", "pop": "pops from"}[op.kind]
        raise op.origin.error(
            f"this {what} {name!r}, which is also reachable as {seen!r} afterwards: Python "
            f"would change {seen!r} too, and sourcegrad does not differentiate through such "
            "sharing",
            f"Instead: make {name!r} its own copy first ({name} = {name}.copy(), or "
            f"list({name}) for a list), or write {name} = {name} <op> ... to get a new value.")
