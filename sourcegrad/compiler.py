"""The pipeline: a Python function in, a compiled gradient function (and its source) out.

    front end (parse, fence, desugar, structure, lower)  ->  IR
    activity -> reverse -> transport                     ->  gradient IR   (ad/)
    dead-code elimination                                ->                (opt/)
    names, in-place writes, printing                     ->  Python text   (backend/codegen.py)
    compile, bind helpers                                ->  functions     (loader.py)

A *program* is the gradient the user asked for plus, for each user helper it calls with a
differentiated argument, a split pair (``forward_h``/``backward_h``), transformed once per set
of active parameters (recursion included). ``grad(f, verbose=True)`` prints the IR after the
front end and the generated module.
"""
from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass, field

import numpy as np

from .ad.activity import Activity
from .ad.forward import Unsupported, forward_gradient
from .ad.gradient import Gradient, argument_checks
from .ad.outputs import split_aux
from .backend.codegen import Binder, _signature, add_closure_parameters, factory_text, function_text
from .backend.dispatch import Specializations, dispatcher_text
from .errors import TransformError
from .frontend.pipeline import front_end
from .ir.build import Builder
from .ir.copy import copy_function
from .ir.core import Const, Var
from .ir.verify import verify
from .loader import CLOSURE, GeneratedRef, UserContext, load_function, load_program
from .opt.dce import eliminate_dead_code
from .opt.simplify import simplify
from .tracebacks import note_user_lines, with_user_lines


@dataclass(frozen=True)
class Options:
    wrt: tuple[str, ...]
    single: bool  # the user asked for one gradient (not a tuple)
    with_value: bool  # value_and_grad
    optimize: bool = True
    verbose: bool = False
    has_aux: bool = False  # f returns (value, aux): only value is differentiated


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
                count = len(positional)
                raise ValueError(f"wrt={item} but {getattr(fn, '__name__', fn)} has {count} "
                                 f"positional parameter{'s' if count != 1 else ''} "
                                 f"{positional}")
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
    deps: list  # (globals dict, name, the object it meant when transformed)


@dataclass
class Unit:
    user_fn: object
    factory: str
    texts: list
    helpers: dict
    refs: dict = field(default_factory=dict)  # function name -> GeneratedRef it fills
    closure: dict = field(default_factory=dict)  # user closure variable -> its cell
    # function name -> {line of its text: the user line it runs} (codegen.Printed)
    user_lines: dict = field(default_factory=dict)


class Program:
    """Every unit one gradient needs, transformed once each (recursion included)."""

    def __init__(self, options: Options):
        self.options = options
        self.units: list = []
        self.splits: dict = {}
        self.taken: set = set()
        self.deps: list = []  # (globals, name, object): what the gradient was made from

    def fresh(self, base: str) -> str:
        name, i = base, 1
        while name in self.taken:
            name = f"{base}_{i}"
            i += 1
        self.taken.add(name)
        return name

    def front(self, fn, name, param_kinds=None):
        fe = front_end(fn, name, param_kinds)
        for dep, obj in fe.deps.items():
            self.deps.append((fn.__globals__, dep, obj))
        self.trace(f"after the front end: {fe.info.name} as IR", fe.function)
        return fe

    def trace(self, title, function=None, text=None) -> None:
        """``verbose=True``: print the code after a pass (IR printed as Python)."""
        if not self.options.verbose:
            return
        if text is None:
            binder = Binder({}, set())
            text = function_text(function, binder, comments=False).text
        print(f"# ---- {title} ----\n{text}")

    # -- units -------------------------------------------------------------------------------
    def gradient_unit(self, fn) -> GeneratedRef:
        options = self.options
        base = getattr(fn, "__name__", "f").replace("<lambda>", "lambda")
        name = self.fresh(("value_and_grad_" if options.with_value else "grad_") + base)
        # the differentiated arguments are numbers or arrays (checked when the gradient runs)
        fe = self.front(fn, name, {n: "array" for n in options.wrt})
        if options.has_aux:
            split_aux(fe.function)
        params = {p.hint: p for p in fe.function.params}
        wrt = [params[n] for n in options.wrt]
        # (before reverse mode changes the primal: forward mode starts from the same IR)
        self.forward = self.forward_unit(fe, name, options) if len(wrt) == 1 else None
        gradient = Gradient(fe.function, wrt, fe.kinds, splitter=self.split_call)
        function = gradient.grad_function(name, options.with_value, options.single)
        ref = GeneratedRef(name)
        self.add_unit(fn, fe, [function], {name: ref}, numbers=wrt)
        self.main = (function, fe.kinds)  # (optimized in place by add_unit)
        return ref

    def forward_unit(self, fe, name, options):
        """The forward-mode gradient (for specializations where the one differentiated
        argument is a number), or None when an operation has no forward rule."""
        primal, mapping = copy_function(fe.function)
        wrt = [p for p in primal.params if p.hint == options.wrt[0]]
        activity = Activity(primal, wrt)
        try:
            function = forward_gradient(primal, wrt[0], activity, name, options.with_value,
                                        options.single, argument_checks(primal, wrt, activity))
        except Unsupported:
            return None
        kinds = {mapping[v]: k for v, k in fe.kinds.items() if v in mapping}
        eliminate_dead_code(function)
        if options.optimize:
            simplify(function, wrt)
        verify(function)
        self.trace(f"forward mode: {name}", function)
        return function, kinds

    def split(self, fn, active: tuple, param_kinds: tuple = ()) -> tuple:
        """The (forward, backward) pair of user helper ``fn`` for active parameters (and what
        the call site knows of the arguments: ``(name, kind)`` pairs)."""
        key = (fn, active, param_kinds)
        if key not in self.splits:
            base = getattr(fn, "__name__", "helper").replace("<lambda>", "lambda")
            refs = (GeneratedRef(self.fresh("forward_" + base)),
                    GeneratedRef(self.fresh("backward_" + base)))
            self.splits[key] = refs
            fe = self.front(fn, refs[0].name, dict(param_kinds))
            params = {p.hint: p for p in fe.function.params}
            wrt = [params[n] for n in active]
            gradient = Gradient(fe.function, wrt, fe.kinds, splitter=self.split_call)
            forward, backward = gradient.split_functions((refs[0].name, refs[1].name))
            backward.owned = {backward.params[1]}  # the tape: made for this call, used once
            self.add_unit(fn, fe, [forward, backward], {r.name: r for r in refs})
        return self.splits[key]

    def add_unit(self, fn, fe, functions, refs, numbers=()) -> None:
        binder = Binder(fn.__globals__, set(refs))
        texts, user_lines = [], {}
        for function in functions:
            self.trace(f"after reverse mode and transport: {function.name}", function)
            eliminate_dead_code(function)
            if self.options.optimize:
                simplify(function, numbers)
                self.trace(f"after optimization: {function.name}", function)
            verify(function)
            printed = function_text(function, binder, fe.kinds)
            texts.append(printed.text)
            user_lines[function.name] = printed.user_lines
        closure = add_closure_parameters(fn, functions, binder)
        used = set(closure)
        helpers = {k: v for k, v in binder.helpers.items() if v is not CLOSURE}
        unit = Unit(fn, "bind_" + functions[0].name, texts, binder.helpers, refs,
                    {k: v for k, v in closure.items() if k in used})
        unit.helpers = helpers
        unit.user_lines = user_lines
        unit.text = factory_text(unit.factory, texts, binder)
        self.units.append(unit)

    # -- calls of user helpers inside a differentiated function --------------------------------
    def split_call(self, rev, op) -> None:
        """Reverse ``y = helper(...)``: the forward call becomes ``y, tape = forward_h(...)``,
        the backward sweep calls ``backward_h(dy, tape)``."""
        helper = op.prim
        try:
            bound = inspect.signature(helper).bind(
                *range(len(op.args)), **{k: ("kw", k) for k, _ in op.kwargs})
        except TypeError as exc:
            raise op.origin.error(f"the call does not match {helper.__name__}(): {exc}")
        sig = inspect.signature(helper)
        by_param = {}
        for name, value in bound.arguments.items():
            kind = sig.parameters[name].kind
            if kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
                refs = value if kind is inspect.Parameter.VAR_POSITIONAL else value.values()
                for ref in refs:
                    atom = op.args[ref] if isinstance(ref, int) else dict(op.kwargs)[ref[1]]
                    if rev.act.active(atom):
                        raise op.origin.error(
                            f"a differentiated value reaches {helper.__name__}()'s *{name}",
                            "Give the helper named parameters for the values to "
                            "differentiate.")
                continue
            atom = op.args[value] if isinstance(value, int) else dict(op.kwargs)[value[1]]
            by_param[name] = atom
        active = tuple(n for n, a in by_param.items() if rev.act.active(a))
        kinds = tuple(sorted((n, rev.kinds.get(a) or "array") for n, a in by_param.items()
                             if a.__class__ is Var))
        try:
            forward_ref, backward_ref = self.split(helper, active, kinds)
        except TransformError as exc:
            if exc.location is not None:
                raise
            name = getattr(helper, "__name__", "the function")
            raise op.origin.error(
                f"cannot differentiate through {name}(): {exc.message}",
                f"Give {name} a gradient rule with sourcegrad.extend.defvjp, or define it "
                "in a file so its source can be read.") from None
        g = rev.adj.atom(op.outs[0])
        tape = Var("tape")
        op.kind, op.prim, op.fn, op.binding = "call", forward_ref, None, None
        op.outs = [op.outs[0], tape]
        if g is None or not active:
            return
        b = rev.builder
        adjoints = b.op("call", backward_ref, [g, tape], hint="adjoints", pure=False)
        parts = b.op("unpack", None, [adjoints], hint="d", outs=len(active)) \
            if len(active) > 1 else [b.op("getitem", None, [adjoints, Const(0)], hint="d")]
        for name, part in zip(active, parts if isinstance(parts, list) else [parts]):
            part.hint = "d" + name
            rev.adj.contribute(by_param[name], part)


def compile_gradient(fn, options: Options) -> Compiled:
    program = Program(options)
    main = program.gradient_unit(fn)
    units = program.units[-1:] + program.units[:-1]
    info_name = getattr(fn, "__qualname__", getattr(fn, "__name__", "f"))
    code = fn.__code__
    header = (f"# Generated by sourcegrad: the gradient of {info_name}() ({code.co_filename}:"
              f"{code.co_firstlineno}) with respect to {', '.join(options.wrt)}.\n"
              "# Each bind_...() only supplies the runtime helpers its functions call.\n")
    if options.optimize and _fixed_parameters(fn):
        header += ("# dispatch_...() runs the code specialized to the arguments' types, dtypes and "
                   "shapes:\n# the general code below, with what those decide filled in "
                   "(sourcegrad.source(df, *args)).\n")
    label = f"{main.name} wrt {','.join(options.wrt)}"
    dispatch = None
    if options.optimize and _fixed_parameters(fn):
        dispatch = _dispatcher(program, fn, main.name, label)
        units = [dispatch] + units
    text = header + "\n\n".join(u.text for u in units)
    program.trace("after code generation: the module", text=text)
    load_program(text, label, units)
    if dispatch is not None:
        compiled = dispatch.refs[main.name].function
        compiled.__sourcegrad_specializations__ = dispatch.specializations
    else:  # (the dispatcher's try, for the general code run directly)
        compiled = with_user_lines(main.function)
    compiled.__doc__ = (f"Gradient of {info_name} with respect to {', '.join(options.wrt)} "
                        "(generated by sourcegrad; see sourcegrad.source()).")
    compiled.__module__ = getattr(fn, "__module__", None)
    return Compiled(compiled, text, program.deps)


def _fixed_parameters(fn) -> bool:
    code = fn.__code__
    return not code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS)


def _dispatcher(program, fn, name, label) -> Unit:
    """The unit of the function users call: it runs one specialization per signature of its
    arguments (compiling it the first time: the one place generated code calls back into the
    compiler)."""
    context = UserContext(fn)
    function, kinds = program.main
    refs = [r for u in program.units for r in u.refs.values()]

    def load(text, module_label, function_name, factory, helpers, siblings=(), user_lines=None):
        return load_function(text, module_label, function_name, factory, helpers, context,
                             siblings, user_lines)

    numbers = set(program.options.wrt)
    specializations = Specializations(function, kinds, numbers, context, refs, load, label,
                                      forward=program.forward)
    params = [p.hint for p in function.params]
    arguments = _signature(function, None)
    keyword_only = {a.arg for a in arguments.kwonlyargs}
    factory = "dispatch_" + name
    text = dispatcher_text(factory, name, params, keyword_only, ast.unparse(arguments))
    helpers = {"ndarray": np.ndarray, "table": specializations.table,
               "specialize": specializations, "note_user_lines": note_user_lines}
    unit = Unit(fn, factory, [text], helpers, {name: GeneratedRef(name)})
    unit.text = text
    unit.specializations = specializations
    return unit


__all__ = [
    "Builder",
    "Compiled",
    "Options",
    "TransformError",
    "compile_gradient",
    "resolve_wrt",
]
