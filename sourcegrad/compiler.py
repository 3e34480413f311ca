"""The pipeline: a Python function in, a compiled gradient function (and its source) out.

    parse -> fence -> normalize -> rename (SSA) -> activity -> reverse -> assemble
          -> optimize -> codegen -> load

Each pass is one module under ``passes/``; ``compile_gradient(..., verbose=True)`` prints the
source after every pass.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass

import gast

from . import runtime
from .errors import TransformError
from .loader import load
from .passes import activity, codegen, fence, nodes, normalize, optimize, ssa, structure
from .passes.saves import Saves
from .passes.naming import Namer
from .passes.parse import parse_function
from .passes.resolve import Scope, local_names
from .passes.reverse import Reverse
from .passes.templates import Binder


@dataclass(frozen=True)
class Options:
    wrt: tuple[str, ...]
    single: bool  # the user asked for one gradient (not a tuple)
    with_value: bool  # value_and_grad
    optimize: bool = True
    verbose: bool = False


def parameter_names(fn) -> list[str]:
    sig = inspect.signature(fn)
    return [p.name for p in sig.parameters.values()
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def resolve_wrt(fn, wrt) -> tuple[tuple[str, ...], bool]:
    """``wrt`` (int, name, or tuple of those) as parameter names, and whether it was single."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        params = {}
    positional = [p.name for p in params.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    named = [p.name for p in params.values() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    single = not isinstance(wrt, (tuple, list))
    items = (wrt,) if single else tuple(wrt)
    if not items:
        raise ValueError("wrt is empty: name at least one argument to differentiate")
    names = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (int, str)):
            raise TypeError(f"wrt must be an int position, a parameter name, or a tuple of "
                            f"those, not {item!r}")
        if isinstance(item, int):
            if not -len(positional) <= item < len(positional):
                raise ValueError(f"wrt={item} but {getattr(fn, '__name__', fn)} has "
                                 f"{len(positional)} positional parameters {positional}")
            names.append(positional[item])
        else:
            if item not in named:
                raise ValueError(f"wrt={item!r} is not a parameter of "
                                 f"{getattr(fn, '__name__', fn)}; its parameters are {named}")
            names.append(item)
    return tuple(names), single


@dataclass
class Compiled:
    function: object
    source: str


def compile_gradient(fn, options: Options) -> Compiled:
    fn_node, info = parse_function(fn)
    fence.check(fn_node, info)
    scope = Scope(fn, local_names(fn_node))
    namer = Namer(nodes.names_in(fn_node) | set(scope.globals) | set(scope.closure))
    trace = _Trace(options.verbose)
    trace("parsed", fn_node)

    structure.structure(fn_node, scope, namer)
    scope.locals |= local_names(fn_node)
    trace("structured", fn_node)
    normalize.normalize(fn_node, scope, namer)
    reassigned = ssa.rename(fn_node, namer)
    scope.locals |= local_names(fn_node)
    trace("normalized", fn_node)

    body = fn_node.body
    if not body or not isinstance(body[-1], gast.Return):
        raise info.error(body[-1] if body else fn_node, "the function must end with a return "
                         "statement that gives the value to differentiate",
                         "Add 'return <scalar>' at the end.")
    forward, ret = body[:-1], body[-1]
    output = ret.value
    outputs = [output.id] if isinstance(output, gast.Name) else []
    act = activity.analyze(forward, list(options.wrt), outputs, scope)

    binder = Binder(scope, namer, scope.locals)
    reverse = Reverse(info, scope, namer, act, binder, reassigned)
    result_name = output.id if outputs else None
    if result_name and act.active(result_name):
        reverse.state.live[result_name] = nodes.const(1.0)
    backward = reverse.block(forward)
    params = {a.id for a in fn_node.args.args + fn_node.args.posonlyargs +
              fn_node.args.kwonlyargs}
    shape_readers = {name: 1 for name, obj in namer.helper_objects().items()
                     if obj in (runtime.unbroadcast, runtime.expand_to)}
    saves = Saves(reassigned, params, namer, binder.name_for, shape_readers)
    stack_setup, forward, backward = saves.instrument(forward, backward)
    for stmt in backward:
        stmt.sg_generated = True

    prologue = [nodes.gast.Expr(value=nodes.call(
        binder.name_for(runtime.check_numeric, "check_numeric"), nodes.const(name),
        nodes.load(name))) for name in options.wrt]
    check = nodes.gast.Expr(value=nodes.call(binder.name_for(runtime.seed, "check_scalar"),
                                             nodes.clone(output)))
    grads = []
    for name in options.wrt:
        adj = reverse.adjoint(name)
        if adj is None:
            grads.append(nodes.call(binder.name_for(runtime.zeros_like, "zeros_like"),
                                    nodes.load(name)))
        else:
            grads.append(nodes.call(binder.name_for(runtime.as_gradient, "as_gradient"), adj,
                                    nodes.load(name)))
    result = grads[0] if options.single else nodes.tuple_(grads)
    if options.with_value:
        result = nodes.tuple_([nodes.clone(output), result])
    returns = gast.Return(value=result)

    forward_part = _commented_forward(forward, info)
    sections = [nodes.comment("forward sweep"), nodes.comment("backward sweep")]
    for marker in sections:
        marker.sg_section = True
    new_body = (prologue + stack_setup + sections[:1] + forward_part + [check] +
                (sections[1:] + backward if backward else []) + [returns])
    if options.optimize:
        new_body = optimize.eliminate_dead_code(new_body, set())
    prefix = "value_and_grad_" if options.with_value else "grad_"
    name = namer.fresh(prefix + fn_node.name.replace("<lambda>", "lambda"))
    fn_node.body = new_body
    fn_node.name = name
    fn_node.returns = None
    _strip_annotations(fn_node)
    helpers = namer.helper_objects()
    factory = nodes.function(
        "bind_runtime", nodes.positional_args(list(helpers) + list(scope.closure)),
        [fn_node, gast.Return(value=nodes.load(name))])
    header = (f"# Generated by sourcegrad from {info.name}() in {info.filename}:"
              f"{info.first_line}, differentiating with respect to {', '.join(options.wrt)}.\n"
              "# bind_runtime() only supplies the helpers the gradient calls.\n")
    text = header + codegen.to_source(gast.Module(body=[factory], type_ignores=[]))
    trace("generated", None, text)
    label = f"{prefix}{info.name} wrt {','.join(options.wrt)}"
    compiled = load(text, label, name, fn, helpers)
    compiled.__doc__ = (f"Gradient of {info.name} with respect to {', '.join(options.wrt)} "
                        "(generated by sourcegrad; see sourcegrad.source()).")
    compiled.__qualname__ = name
    compiled.__module__ = getattr(fn, "__module__", None)
    return Compiled(compiled, text)


def _commented_forward(stmts: list, info) -> list:
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


def _strip_annotations(fn_node) -> None:
    args = fn_node.args
    for a in args.args + args.posonlyargs + args.kwonlyargs + [args.vararg, args.kwarg]:
        if a is not None:
            a.annotation = None


class _Trace:
    def __init__(self, on: bool):
        self.on = on

    def __call__(self, title, tree, text=None):
        if not self.on:
            return
        if text is None:
            text = codegen.to_source(gast.Module(body=[tree], type_ignores=[]))
        print(f"# ---- after {title} ----\n{text}")


__all__ = ["Compiled", "Options", "TransformError", "compile_gradient", "resolve_wrt"]
