"""One user function through the passes, into one unit of generated code.

A unit is either the gradient function the user asked for (``grad_f``) or, for a user helper
that a differentiated function calls, a *split* pair: ``forward_h`` returns the helper's value
and a tape of what its backward sweep reads; ``backward_h(g, tape)`` returns the adjoints of the
active arguments. Each unit has its own factory ``bind_<name>()`` in the generated module, so
names never clash between functions.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import gast
import numpy as np

from .. import runtime, runtime_inplace
from . import (
    activity,
    calls,
    desugar,
    fence,
    floats,
    inplace,
    nodes,
    normalize,
    optimize,
    shapes,
    ssa,
    structure,
    tangents,
)
from .factor import factor_accumulations
from .monomials import reuse_products
from .naming import Namer
from .parse import parse_function
from .resolve import Scope, local_names
from .reverse import Reverse
from .saves import Saves
from .templates import Binder


class GeneratedRef:
    """A generated function referred to before it exists (filled in when the module loads)."""

    def __init__(self, name: str):
        self.name = name
        self.function = None

    def __repr__(self):
        return f"<generated {self.name}>"


@dataclass
class Unit:
    user_fn: object
    info: object
    functions: list  # gast FunctionDefs, in order
    helpers: dict  # name -> runtime object or GeneratedRef
    refs: dict = field(default_factory=dict)  # function name -> GeneratedRef it fills
    closure: dict = field(default_factory=dict)  # user closure variable -> its cell


def transform(program, fn, wrt: tuple[str, ...], *, split: bool, names: dict,
              options, container_params=()) -> Unit:
    """Run the pipeline on ``fn``; ``names`` gives the generated function names to define."""
    fn_node, info = parse_function(fn)
    fence.check(fn_node, info)
    if not any(isinstance(n, gast.Return) for n in nodes.walk(fn_node)):
        raise info.error(fn_node, f"{info.name}() has no return statement: there is no value "
                         "to differentiate", "End it with 'return <value>'.")
    written = fence.check_writes(fn_node, info, fn.__globals__)
    # parameters the function writes into are copied first: the caller's arrays never change
    fn_node.body = [gast.copy_location(nodes.assign(p, nodes.call(nodes.attr(
        nodes.load(p), "copy"))), fn_node.body[0]) for p in written] + fn_node.body
    scope = Scope(fn, local_names(fn_node))
    namer = Namer(nodes.names_in(fn_node) | set(scope.globals) | set(scope.closure))
    namer.reserve(*names.values())
    trace = program.trace
    trace("parsed", fn_node)
    desugar.desugar(fn_node, info, namer, scope)
    # (the names desugar and structure add come from the namer, which avoids every global,
    # closure variable and builtin: they cannot change what a name resolves to until here)
    structure.structure(fn_node, scope, namer)
    normalize.normalize(fn_node, scope, namer)
    reassigned = ssa.rename(fn_node, namer)
    scope.locals |= local_names(fn_node)
    trace("normalized", fn_node)

    body = fn_node.body
    if not body or not isinstance(body[-1], gast.Return):
        raise info.error(body[-1] if body else fn_node, "the function must end with a return "
                         "statement that gives the value to differentiate",
                         "Add 'return <value>' at the end.")
    forward, output = body[:-1], body[-1].value
    outputs = [output.id] if isinstance(output, gast.Name) else []
    act = activity.analyze(forward, list(wrt), outputs, scope)
    _mark_pure(forward, scope)
    binder = Binder(scope, namer, scope.locals)
    binder.shapes = shapes.analyze(forward, _params(fn_node), scope)
    containers = activity.containers(forward, scope, container_params)
    calls.rewrite(forward, act, program, binder, info, scope, reassigned, containers)

    # a float variant only for loops, where per-step costs multiply (floats.py, tangents.py)
    looped = not split and options.optimize and not options.with_value and \
        any(isinstance(s, (gast.For, gast.While)) for s in nodes.statements(forward))
    numbers = None  # the normalized code, for forward mode, when it may apply
    if looped and len(wrt) == 1 and floats.may_hold_only_numbers(forward):
        numbers = (tangents.snapshot(forward), nodes.clone(output), set(namer.taken))
    refs: dict = {}
    reverse = Reverse(info, scope, namer, act, binder, reassigned)
    reverse.containers = containers
    seed = namer.fresh("g") if split else None
    if outputs and act.active(outputs[0]):
        reverse.state.live[outputs[0]] = nodes.load(seed) if split else nodes.const(1.0)
    backward = reverse.block(forward)
    params = _params(fn_node)
    shape_readers = {name: 1 for name, obj in namer.helper_objects().items()
                     if obj is runtime.unbroadcast or obj is runtime.expand_to}
    saves = Saves(reassigned, set(params), namer, binder.name_for, shape_readers)
    stack_setup, forward, backward = saves.instrument(forward, backward)
    for stmt in backward:
        stmt.sg_generated = True
    forward = _commented(forward, info)

    sections = [nodes.comment("forward sweep"), nodes.comment("backward sweep")]
    for marker in sections:
        marker.sg_section = True
    if split:
        functions = _split_functions(fn_node, names, binder, reverse, wrt, seed, stack_setup,
                                     forward, backward, output, params, options)
    else:
        functions = [_grad_function(fn_node, names["grad"], binder, reverse, wrt, sections,
                                    stack_setup, forward, backward, output, options)]
        if options.optimize:
            main = functions[0]
            # the float variant is made before the in-place pass: numbers have no memory
            variant = _float_variant(program, main, binder, refs, numbers, fn_node, act, info,
                                     options) if looped else None
            main.body = _in_place(main.body, set(_params(fn_node)), binder, main.sg_scalars)
            if variant is not None:
                floats.dispatch(main, wrt, binder.name_for(refs[variant.name], variant.name),
                                binder.name_for)
                functions.append(variant)
    for f in functions:
        trace("generated", f)
    return Unit(fn, info, functions, namer.helper_objects(), refs=refs,
                closure=_closure_cells(fn))


def _float_variant(program, main, binder, refs, numbers, fn_node, act, info, options):
    """``main`` for Python floats, its ref added to ``refs``; or None. Forward mode when the
    function has one number to differentiate (``tangents.py``), else ``main`` with ``math``
    (``floats.py``)."""
    ref = GeneratedRef(program.function_names.fresh(main.name + "_on_floats"))
    resolve = binder.scope.resolve
    variant = None
    if numbers is not None:
        forward, output, taken = numbers
        body = tangents.tangent_body(forward, output, options.wrt[0], _params(fn_node), act,
                                     binder.scope, binder, taken, info, options.single)
        if body is not None:
            params = set(_params(fn_node))
            body = optimize.eliminate_dead_code(body, set())
            body = factor_accumulations(body, params, resolve)
            body = optimize.release_dead_values(body, set())
            comment = nodes.comment(f"forward mode: each dv is d v / d {options.wrt[0]}")
            tangent = _renamed(fn_node, ref.name, [comment] + _commented(body, info))
            variant = floats.float_variant(tangent, resolve, binder.name_for, ref.name,
                                           faster_without_twins=True)  # (no tape)
    if variant is None:
        variant = floats.float_variant(main, resolve, binder.name_for, ref.name)
    if variant is not None:
        refs[ref.name] = ref
    return variant


def _grad_function(fn_node, name, binder, reverse, wrt, sections, stack_setup, forward,
                   backward, output, options):
    prologue = [gast.Expr(value=nodes.call(binder.name_for(runtime.check_numeric,
                                                           "check_numeric"),
                                           nodes.const(p), nodes.load(p))) for p in wrt]
    checked = output if options.with_value else _scalar_witness(output, forward, binder)
    check = [] if checked is None else [gast.Expr(value=nodes.call(
        binder.name_for(runtime.seed, "check_scalar"), nodes.clone(checked)))]
    # an argument the forward sweep re-binds and the backward sweep does not restore is kept
    # under another name: the gradient takes its type and shape from the argument
    rebound = _stored(forward) - _stored(backward)
    arguments = {p: reverse.namer.fresh(p + "_argument") for p in wrt if p in rebound}
    prologue += [nodes.assign(kept, nodes.load(p)) for p, kept in arguments.items()]
    grads = [nodes.call(binder.name_for(runtime.as_gradient, "as_gradient"),
                        reverse.final(p), nodes.load(arguments.get(p, p))) for p in wrt]
    result = grads[0] if options.single else nodes.tuple_(grads)
    if options.with_value:
        value = output
        if isinstance(output, gast.Name) and output.id in reverse.reassigned:
            # the backward sweep's restores re-bind the name: keep the value aside first
            value = nodes.load(reverse.namer.fresh("value"))
            check.append(nodes.assign(value.id, nodes.clone(output)))
        result = nodes.tuple_([nodes.clone(value), result])
    if options.optimize and not options.with_value:
        backward = optimize.earliest_shape_args(backward, forward, binder.shapes,
                                                _shape_args(binder), _params(fn_node))
    body = (prologue + stack_setup + sections[:1] + forward + check +
            (sections[1:] + backward if backward else []) + [gast.Return(value=result)])
    if options.optimize:
        # getattr(x, 'shape', ()): a Python float has shape () but no attribute
        witness = nodes.load(binder.name_for(getattr, "getattr"))
        params = set(_params(fn_node))

        def witnesses(stmts, counts):
            return optimize.shape_witnesses(
                stmts, _shape_args(binder), params,
                lambda var: nodes.call(nodes.clone(witness), nodes.load(var),
                                       nodes.const("shape"), nodes.tuple_([])),
                binder.namer.fresh, counts)

        body, scalars = _optimized(body, params, binder, before_release=witnesses)
        node = _renamed(fn_node, name, body)
        node.sg_scalars = scalars  # for the in-place pass, once the float variant is made
        return node
    return _renamed(fn_node, name, body)


_ALWAYS_SCALAR = ("sum", "mean", "prod", "max", "min", "amax", "amin", "average", "vdot")


def _scalar_witness(output, forward, binder):
    """What ``check_scalar`` must look at for ``grad`` (None when the output is surely scalar).

    A full reduction (``np.sum(x)``) is scalar whatever its input; otherwise the earliest value
    with the output's shape will do, so the forward sweep need not compute the output itself
    when only its gradient is wanted.
    """
    if not isinstance(output, gast.Name):
        return output
    for stmt in forward:
        if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name) and \
                stmt.targets[0].id == output.id and isinstance(stmt.value, gast.Call):
            callee = binder.scope.resolve(stmt.value.func)
            name = getattr(callee, "__name__", "")
            module = getattr(callee, "__module__", "") or ""
            if name in _ALWAYS_SCALAR and module.startswith("numpy") and \
                    len(stmt.value.args) == 1 and not stmt.value.keywords:
                return None
            if module == "math":
                return None
    shapes = binder.shapes
    token = shapes.token(output) if shapes is not None else None
    if token is not None:
        for stmt in forward:
            if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name) and \
                    shapes.tokens.get(stmt.targets[0].id) == token:
                return nodes.load(stmt.targets[0].id)
    return output


def _shape_args(binder) -> dict[str, int]:
    """Generated names of helpers that read an argument only for its shape, and which one."""
    readers = {runtime.unbroadcast: 1, runtime.expand_to: 1, runtime.reduced_count: 0}
    return {name: readers[obj] for name, obj in binder.namer.helper_objects().items()
            if any(obj is r for r in readers)}


def _optimized(body: list, params: set[str], binder, before_release=None):
    """``(body, scalars)``: ``body`` cleaned up to its ``del``s, and the locals that surely
    hold numbers (for ``_in_place``, which runs after the float variant is made)."""
    body = optimize.eliminate_dead_code(body, set())
    counts = optimize.store_counts(body)  # neither reuse re-binds a name
    body = optimize.reuse_forward_values(body, params, counts)
    body = reuse_products(body, params, counts)
    body = optimize.fold_negations(body)
    body = factor_accumulations(body, params, binder.scope.resolve)
    if before_release is not None:
        body = before_release(body, optimize.store_counts(body))  # factoring re-binds

    scalar_call = _scalar_call(binder)
    scalars = inplace.scalar_names(body, scalar_call)  # (before the dels, which re-bind)
    body = inplace.schedule(body, params, scalar_call, scalars)
    return optimize.release_dead_values(body, set()), scalars


def _scalar_call(binder):
    def scalar_call(call):  # math.sin(x) is a number: nothing to write in place
        return getattr(binder.scope.resolve(call.func), "__module__", None) == "math"
    return scalar_call


def _in_place(body: list, params: set[str], binder, scalars: set[str]) -> list:
    """``inplace.write_in_place``: the last optimization, after ``_optimized``."""
    scalar_call = _scalar_call(binder)

    def into():
        return nodes.load(binder.name_for(runtime_inplace.into, "into"))

    def ufunc(u):
        return nodes.attr(nodes.load(binder.name_for(np, "np")), u.__name__)

    return inplace.write_in_place(body, params, into, ufunc, scalar_call, scalars)


def _split_functions(fn_node, names, binder, reverse, wrt, seed, stack_setup, forward,
                     backward, output, params, options):
    bound = set(params) | _stored(stack_setup + forward)
    results = [reverse.materialized(reverse.final(p)) for p in wrt]
    tape = sorted((_loaded(backward) | _loaded([gast.Expr(value=r) for r in results])) & bound)
    tape_name = reverse.namer.fresh("tape")
    fwd_body = stack_setup + forward + [gast.Return(value=nodes.tuple_(
        [nodes.clone(output), nodes.tuple_(nodes.load(v) for v in tape)]))]
    unpack = nodes.assign(nodes.tuple_([nodes.store(v) for v in tape], gast.Store()),
                          nodes.load(tape_name))
    bwd_body = ([unpack] if tape else []) + backward + [gast.Return(
        value=nodes.tuple_(results))]
    if options.optimize:
        fwd_body = optimize.eliminate_dead_code(fwd_body, set())
        bwd_body, scalars = _optimized(bwd_body, {seed, tape_name} | set(tape), binder)
        bwd_body = _in_place(bwd_body, {seed, tape_name} | set(tape), binder, scalars)
    fwd = _renamed(fn_node, names["forward"], fwd_body)
    bwd = nodes.function(names["backward"], nodes.positional_args([seed, tape_name]), bwd_body)
    return [fwd, bwd]


def _mark_pure(forward: list, scope) -> None:
    """Top-level calls of rule primitives have no effects: dead-code elimination may drop them."""
    from .primitives import classify
    for stmt in forward:
        if isinstance(stmt, gast.Assign) and isinstance(stmt.value, gast.Call):
            op = classify(stmt.value, scope)
            module = getattr(op.callee, "__module__", "") or ""
            if op.kind in ("rule", "nondiff") and "random" not in module and \
                    op.callee is not print:
                stmt.sg_pure = True


def _renamed(fn_node, name, body):
    user_body, fn_node.body = fn_node.body, []  # cloning the old body would be thrown away
    node = nodes.clone(fn_node)
    fn_node.body = user_body
    node.name, node.body, node.returns = name, body, None
    args = node.args
    for a in args.args + args.posonlyargs + args.kwonlyargs + [args.vararg, args.kwarg]:
        if a is not None:
            a.annotation = None
    return node


def _params(fn_node) -> list[str]:
    args = fn_node.args
    names = [a.id for a in args.posonlyargs + args.args + args.kwonlyargs]
    names += [a.id for a in (args.vararg, args.kwarg) if a is not None]
    return names


def _stored(stmts) -> set[str]:
    return {n.id for s in stmts for n in nodes.walk(s)
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}


def _loaded(stmts) -> set[str]:
    return {n.id for s in stmts for n in nodes.walk(s)
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}


def _commented(stmts: list, info) -> list:
    """Put the user's line above the forward statements that came from it."""
    out, last = [], None
    for stmt in stmts:
        origin = getattr(stmt, "sg_origin", None)
        if origin is not None and origin is not last:
            line = info.line_of(origin)
            if line:
                out.append(nodes.comment(line))
            last = origin
        out.append(stmt)
    return out


def _closure_cells(fn) -> dict:
    return dict(zip(fn.__code__.co_freevars, fn.__closure__ or ()))


__all__ = ["GeneratedRef", "Unit", "transform"]
