"""Rule templates as IR, ready to be inlined where a rule applies.

A rule's template (``def sin(g, ans, x): return g * np.cos(x)``) goes through the same front
end as user code, once per rule, into an IR function of ``(g, ans, *params)`` that yields one
atom per parameter (``None`` where the rule gives no gradient). The reverse transform inlines
it with the parameters replaced by the call's operands; dead-code elimination then drops the
outputs and shared statements nobody asked for. The names a template uses are the rule
module's objects (``np``, runtime helpers), bound now and printed under names the code
generator chooses.
"""
from __future__ import annotations

import copy
import threading

import gast

from ..frontend import desugar, structure
from ..frontend.lower import lower
from ..frontend.naming import Namer
from ..frontend.parse import parse_function
from ..frontend.resolve import Scope, local_names
from ..ir import walk
from ..ir.callees import shape_only_operands
from ..ir.copy import copy_function
from ..ir.core import Const, Op, Var
from ..opt.simplify import simplify

_lock = threading.Lock()


def template_function(rule):
    """The IR of ``rule``'s template (cached on the rule)."""
    cached = rule.__dict__.get("_ir")
    if cached is not None:
        return cached
    with _lock:
        cached = rule.__dict__.get("_ir")
        if cached is None:
            cached = rule.__dict__["_ir"] = _lower_template(rule)
    return cached


def _lower_template(rule):
    fn_node, info = parse_function(rule.template)
    _, prelude, outputs = rule.parts()
    outputs = [gast.Constant(None, None) if o is None else o for o in outputs]
    params = rule.params
    outputs += [gast.Constant(None, None)] * (len(params) - len(outputs))
    body = copy.deepcopy(prelude) + [gast.Return(value=gast.Tuple(
        elts=copy.deepcopy(outputs), ctx=gast.Load()))]
    for stmt in body:
        gast.copy_location(stmt, fn_node.body[-1])
    fn_node.body = body
    names = local_names(fn_node)
    scope = Scope(rule.template, names)
    namer = Namer(names | set(scope.globals))
    desugar.desugar(fn_node, info, namer, scope)
    structure.structure(fn_node, scope, namer)
    scope.locals |= local_names(fn_node)
    function, _ = lower(rule.template, fn_node, info, scope, set(), "rule_" + rule.name,
                        template=True)
    # the template returns a tuple literal: its elements are the per-parameter results
    result = function.body.yields[0]
    last = function.body.stmts[-1] if function.body.stmts else None
    if isinstance(last, Op) and last.kind == "tuple" and last.outs[0] is result:
        function.body.stmts.pop()
        function.body.yields = list(last.args)
    else:
        raise ValueError(f"rule {rule.name}: could not read its outputs")
    # parameters: g, ans, then the rule's own (variadic ones hold a tuple)
    assert [p.hint for p in function.params] == ["g", "ans", *params], function.params
    function.body.yields = [Const(None) if _is_none(y) else y for y in function.body.yields]
    return function


def _is_none(atom) -> bool:
    return atom.__class__ is Const and atom.value is None


def value_params(rule, position: int, literals=()) -> frozenset:
    """The names among ``ans`` and the rule's parameters whose *values* the gradient for
    parameter ``position`` reads when the parameters in ``literals`` (``(name, value)``
    pairs) have those values; the others it reads for their shape and dtype at most (the
    Tensor facade saves only these)."""
    key = ("_value_params", position, literals)
    cached = rule.__dict__.get(key)
    if cached is None:
        function, _ = copy_function(template_function(rule))
        known = dict(literals)
        mapping = {p: Const(known[p.hint]) for p in function.params if p.hint in known}
        walk.substitute(function.body, mapping)
        function.body.yields = [function.body.yields[position]]
        simplify(function)
        params = set(function.params) - set(mapping)
        read = {a for a in function.body.yields if a in params}
        for stmt in walk.statements(function.body):
            if stmt.__class__ is Op:
                shape_only = shape_only_operands(stmt)
                read.update(a for i, a in enumerate(stmt.args)
                            if a.__class__ is Var and a in params and i not in shape_only)
                read.update(a for _, a in stmt.kwargs if a.__class__ is Var and a in params)
            else:
                read.update(a for a in walk.reads(stmt) if a in params)
        cached = rule.__dict__[key] = frozenset(p.hint for p in read)
    return cached
