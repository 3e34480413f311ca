"""Pass 4b: calls to the user's own functions become calls to their generated halves.

``y = helper(x, n)`` with ``x`` active becomes ``y, y_tape = forward_helper(x, n)``; the reverse
transform later emits ``dx, = backward_helper(dy, y_tape)``. The helper is transformed once per
set of active parameters (recursion included: the call refers to the pair being generated).
``functools.partial`` objects are unwrapped, their bound arguments passed as constants.
"""
from __future__ import annotations

import functools
import inspect

import gast

from ..errors import TransformError
from . import nodes
from .primitives import classify


def rewrite(stmts: list, act, program, binder, info, scope, reassigned: set,
            containers=frozenset(), depth: int = 0):
    out = []
    for stmt in stmts:
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list) and not isinstance(stmt, gast.Assign):
                setattr(stmt, field, rewrite(inner, act, program, binder, info, scope,
                                             reassigned, containers, depth + 1))
        if isinstance(stmt, gast.Assign) and isinstance(stmt.value, gast.Call):
            out.extend(_rewrite_call(stmt, act, program, binder, info, scope, reassigned,
                                     depth, containers) or [])
        out.append(stmt)
    stmts[:] = out
    return stmts


def _rewrite_call(stmt, act, program, binder, info, scope, reassigned, depth,
                  containers=frozenset()) -> None:
    target = stmt.targets[0]
    names = [n.id for n in nodes.walk(target) if isinstance(n, gast.Name)]
    if not any(act.active(n) for n in names) or isinstance(target, gast.Subscript):
        return
    call = stmt.value
    op = classify(call, scope)
    fn, pre_args, pre_kw = op.callee, [], {}
    if isinstance(fn, functools.partial):
        pre_args = [binder.value(a, "bound") for a in fn.args]
        pre_kw = {k: binder.value(v, k) for k, v in fn.keywords.items()}
        fn = fn.func
    if op.kind != "user" and not (isinstance(op.callee, functools.partial) and
                                  inspect.isfunction(fn)):
        return
    params = inspect.signature(fn).parameters
    before = []
    args = pre_args + list(call.args)
    keywords = dict(pre_kw, **{kw.arg: kw.value for kw in call.keywords})
    starred = [i for i, a in enumerate(args) if isinstance(a, gast.Starred)]
    if starred:
        args = _spread(args, starred, params, keywords, fn, info, call)
    for i, arg in enumerate(args):  # a list literal argument becomes a variable of its own
        if isinstance(arg, (gast.List, gast.Tuple)) and _active(arg, act):
            name = binder.namer.fresh("arg")
            before.append(gast.copy_location(nodes.assign(name, arg), stmt))
            act.varied.add(name)
            act.useful.add(name)
            containers.add(name) if isinstance(containers, set) else None
            if i >= len(pre_args) and not starred:
                call.args[i - len(pre_args)] = nodes.load(name)
            args[i] = nodes.load(name)
    try:
        bound = inspect.signature(fn).bind(*args, **keywords)
    except TypeError as exc:
        raise info.error(call, f"the call does not match {fn.__qualname__}{inspect.signature(fn)}:"
                         f" {exc}")
    wrt, operands = [], []
    for name, node in bound.arguments.items():
        if params[name].kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            if any(_active(n, act) for n in (node if isinstance(node, tuple) else
                                              node.values() if isinstance(node, dict) else [])):
                raise info.error(call, f"a differentiated value reaches *{name} of "
                                 f"{fn.__qualname__}", "Give the helper a named parameter for it.")
            continue
        if isinstance(node, gast.Subscript) and getattr(node, "sg_spread", False):
            wrt.append(name)  # an element of a *sequence: conservatively differentiated
            operands.append(node)
            continue
        if _active(node, act):
            if not isinstance(node, gast.Name):
                raise info.error(call, f"pass the differentiated argument {name!r} of "
                                 f"{fn.__qualname__} as a variable, not a literal")
            wrt.append(name)
            operands.append(node)
    if not wrt:
        return before
    holds = tuple(sorted(name for name, node in zip(wrt, operands)
                         if isinstance(node, gast.Name) and node.id in containers))
    try:
        forward_ref, backward_ref = program.split(fn, tuple(wrt), holds)
    except TransformError as exc:
        if exc.location is not None:
            raise
        raise info.error(call, f"cannot differentiate through {fn.__qualname__}(): "
                         f"{exc.message}", "Give it a rule with sourcegrad.extend.defvjp("
                         f"{fn.__qualname__}) (see docs/architecture.md), or define it in a "
                         "file so its source can be read.") from None
    tape = binder.namer.fresh((names[0] if names else "call") + "_tape")
    call.func = nodes.load(binder.name_for(forward_ref, forward_ref.name))
    call.args = list(pre_args) + list(call.args)
    call.keywords = [gast.keyword(arg=k, value=v) for k, v in pre_kw.items()] + call.keywords
    stmt.targets = [nodes.tuple_([target, nodes.store(tape)], gast.Store())]
    stmt.sg_call = (binder.name_for(backward_ref, backward_ref.name), operands, tape, target)
    if depth:
        reassigned.add(tape)
    return before


def _spread(args, starred, params, keywords, fn, info, call):
    """``h(a, *rest)``: the elements of ``rest`` stand for the remaining positional parameters."""
    positional = [n for n, p in params.items()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and n not in keywords]
    if starred != [len(args) - 1] or not isinstance(args[-1].value, gast.Name) or \
            any(p.kind is p.VAR_POSITIONAL for p in params.values()):
        raise info.error(call, f"*arguments in a call to {fn.__qualname__}() must be one "
                         "variable, last, and the helper must not take *args itself",
                         "Pass the arguments one by one: helper(a, b) instead of helper(*args).")
    seq = args[-1].value
    out = list(args[:-1])
    for k in range(len(positional) - len(out)):
        element = gast.Subscript(value=nodes.load(seq.id), slice=nodes.const(k), ctx=gast.Load())
        element.sg_spread = True
        out.append(element)
    return out


def _active(node, act) -> bool:
    return any(isinstance(n, gast.Name) and act.active(n.id) for n in nodes.walk(node))
