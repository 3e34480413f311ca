"""The adjoint of one operation: a rule's template inlined, or a container operation's adjoint.

``reverse_op(rev, op)`` adds, for each active operand of ``op`` through which the derivative
flows (``activity.operand_roles``), its contribution to that operand's adjoint, read from the
adjoint of ``op``'s output(s).
"""
from __future__ import annotations

import inspect

import gast

from .. import runtime
from .. import runtime_adjoints as rt
from ..frontend.expressions import may_join_sequences
from ..ir.copy import inline
from ..ir.core import Const, Ref, Var
from .adjoints import CONTAINER_KINDS, Sparse
from .templates import template_function


def reverse_op(rev, op) -> None:
    kind = op.kind
    if op.binding is not None:
        return _rule(rev, op)
    handler = _HANDLERS.get(kind)
    if handler is not None:
        return handler(rev, op)
    if kind == "call" and op.prim in (list, tuple):
        return _converted(rev, op)
    if kind == "call" and op.method == "copy" and op.prim is None:
        return rev.adj.contribute(op.args[0], rev.adj.get(op.outs[0]))
    # no adjoint flows (a zero role); activity analysis has refused anything else
    return None


# -- rules ---------------------------------------------------------------------------------------

def _rule(rev, op) -> None:
    binding = op.binding
    rule = binding.rule
    adj = rev.adj
    out = op.outs[0]
    sequence = rev.kinds.get(out) == "tuple" and rule.returns != "array"
    g = adj.dense(out) if sequence else adj.atom(out)
    if g is None:
        return
    wanted = {}
    for inp in binding.inputs():
        atom = op.args[inp.ref[1]] if inp.ref[0] == "arg" else dict(op.kwargs)[inp.ref[1]]
        if binding.gradient_kind(inp.param)[0] == "expression" and rev.act.active(atom):
            wanted.setdefault(inp.param, []).append((inp, atom))
    if not wanted:
        return
    b = rev.builder
    guard_sequences(b, op, rev.kinds, rev.act.active)
    results = inline_rule(b, op, g)
    for param, inputs in wanted.items():
        result = results[rule.params.index(param)]
        for inp, atom in inputs:
            if inp.index is not None:  # one operand of a *args parameter
                c = b.op("getitem", None, [result, Const(inp.index)],
                         hint="d" + _hint(atom))
            else:
                c = result
            if rule.broadcast and _may_broadcast(op, atom):
                c = b.call(runtime.unbroadcast, [c, atom], hint="d" + _hint(atom))
            adj.contribute(atom, c)


def guard_sequences(b, op, kinds, active) -> None:
    """``a + b`` and ``a * n`` of values whose kind the front end could not see (a helper's
    result) are differentiated as arithmetic; should one be a list when the code runs (``+``
    joins lists), stop with an error at the user's line instead."""
    if op.kind != "binop" or op.prim not in (gast.Add, gast.Mult):
        return
    operand_kinds = [kinds.get(a) if a.__class__ is Var else None for a in op.args]
    if not may_join_sequences(op.prim, op.args, operand_kinds):
        return
    for a, kind in zip(op.args, operand_kinds):
        if a.__class__ is Var and kind == "any" and active(a):
            error = op.origin.error(
                f"{'+' if op.prim is gast.Add else '*'} of a list or tuple reached here where "
                "the compiler took it for arithmetic (it could not see the value's kind)",
                "Make the kind visible at this line: list(value) + list(other), or index "
                "the items and add them.")
            b.op("call", runtime.refuse_sequence_arithmetic, [a, Ref(error, "sequence_error")],
                 outs=0, pure=False)


def inline_rule(b, op, g) -> list:
    """Emit ``op``'s rule template with ``g`` for the adjoint of its result (or, in forward
    mode, a tangent); the atoms it gives, one per rule parameter (None: no gradient)."""
    binding = op.binding
    args = [g, op.outs[0]]
    for param in binding.rule.params:
        slot = binding.slots.get(param)
        if slot is None:
            args.append(_literal(binding.defaults.get(param), param))
        elif isinstance(slot, list):
            atoms = [_operand(op, ref) for ref in slot]
            args.append(b.op("tuple", None, atoms, hint=param))
        elif isinstance(slot, dict):
            args.append(b.op("dict", tuple(slot), [_operand(op, r) for r in slot.values()],
                             hint=param))
        else:
            args.append(_operand(op, slot))
    stmts, results = inline(template_function(binding.rule), args, b.origin)
    b.block.stmts.extend(stmts)
    return results


def _operand(op, ref):
    return op.args[ref[1]] if ref[0] == "arg" else dict(op.kwargs)[ref[1]]


def _literal(value, hint):
    if value is inspect.Parameter.empty:
        raise ValueError(f"missing required parameter {hint}")
    if value is None or type(value) in (bool, int, float, str):
        return Const(value)
    if isinstance(value, tuple) and all(v is None or type(v) in (bool, int, float, str)
                                        for v in value):
        return Const(value)
    return Ref(value, hint)


def _may_broadcast(op, atom) -> bool:
    """False when ``atom`` surely has the result's shape: every other operand is a Python
    number literal or ``atom`` itself."""
    others = [a for a in op.operands() if a is not atom]
    return not all(a.__class__ is Const and type(a.value) in (int, float, bool) for a in others)


def _hint(atom) -> str:
    return atom.hint if atom.__class__ is Var else "value"


# -- containers and writes -------------------------------------------------------------------

def _getitem(rev, op) -> None:
    value, index = op.args
    if not rev.act.active(value):
        return
    adj = rev.adj
    out = op.outs[0]
    g = adj.get(out)
    if rev.kinds.get(value) in CONTAINER_KINDS and index.__class__ is Const:
        adj.contribute(value, Sparse({index.value: adj.atom(out)}))
        return
    g = adj.atom(out)
    adj.contribute_item(value, index, g)


def _setitem(rev, op) -> None:
    value, index, item = op.args
    adj = rev.adj
    out = op.outs[0]
    g = adj.get(out)
    if g.__class__ is Sparse and index.__class__ is Const:
        if rev.act.active(item) and index.value in g.entries:
            adj.contribute(item, g.entries[index.value])
        rest = {k: v for k, v in g.entries.items() if k != index.value}
        if rest:
            adj.contribute(value, Sparse(rest))
        return
    g = adj.atom(out)
    # (the written item's adjoint is read first: then clearing may happen in place)
    if rev.act.active(item):
        adj.contribute(item, adj.call(rt.written_adjoint, [g, index, item, value],
                                      "d" + _hint(item)))
    if rev.act.active(value):
        adj.contribute(value, adj.call(rt.cleared_adjoint, [g, index], "d" + _hint(value)))


def _build(rev, op) -> None:
    adj = rev.adj
    out = op.outs[0]
    g = adj.get(out)
    keys = op.prim if op.kind == "dict" else range(len(op.args))
    for key, atom in zip(keys, op.args):
        if not rev.act.active(atom):
            continue
        if g.__class__ is Sparse:
            if key in g.entries:
                adj.contribute(atom, g.entries[key])
            elif op.kind != "dict" and (key - len(op.args)) in g.entries:
                adj.contribute(atom, g.entries[key - len(op.args)])
            continue
        adj.contribute(atom, adj.call(rt.element_adjoint, [g, Const(key), atom],
                                      "d" + _hint(atom)))


def _unpack(rev, op) -> None:
    value = op.args[0]
    if not rev.act.active(value):
        return
    adj = rev.adj
    parts = {k: adj.atom(o) for k, o in enumerate(op.outs) if adj.get(o) is not None}
    if rev.kinds.get(value) in CONTAINER_KINDS:
        adj.contribute(value, Sparse(parts))
        return
    atoms = [parts.get(k, Const(None)) for k in range(len(op.outs))]
    tup = rev.builder.op("tuple", None, atoms, hint="parts")
    adj.contribute(value, adj.call(rt.unpack_adjoint, [tup, value], "d" + _hint(value)))


def _append(rev, op) -> None:
    items, item = op.args
    adj = rev.adj
    g = adj.atom(op.outs[0])
    if op.kind == "append":
        d_items, d_item = adj.call(rt.append_adjoint, [g, item], "d", outs=2)
    else:
        # the backward sweep needs only the old list's length, not the list
        length = adj.call(len, [items], "length")
        d_items, d_item = adj.call(rt.extend_adjoint, [g, length, item], "d", outs=2)
    d_items.hint, d_item.hint = "d" + _hint(items), "d" + _hint(item)
    adj.contribute(items, d_items)
    adj.contribute(item, d_item)


def _pop(rev, op) -> None:
    items = op.args[0]
    adj = rev.adj
    g_item = adj.atom(op.outs[0]) or Const(None)
    g_rest = adj.atom(op.outs[1]) or Const(None)
    adj.contribute(items, adj.call(rt.pop_adjoint, [g_item, g_rest, items], "d" + _hint(items)))


def _converted(rev, op) -> None:
    if not op.args or not rev.act.active(op.args[0]):
        return
    adj = rev.adj
    g = adj.atom(op.outs[0])
    adj.contribute(op.args[0], adj.call(rt.converted_adjoint, [g, op.args[0]],
                                        "d" + _hint(op.args[0])))


def _user(rev, op) -> None:
    if rev.splitter is None:
        raise NotImplementedError("user helpers")
    rev.splitter(rev, op)


_HANDLERS = {"getitem": _getitem, "setitem": _setitem, "tuple": _build, "list": _build,
             "dict": _build, "unpack": _unpack, "append": _append, "extend": _append,
             "pop": _pop, "user": _user}
