"""The generated module's text: each unit's functions inside a ``bind_<name>(helpers...)``
factory whose parameters are the runtime objects the code calls by a name of its own.

Order matters: first every object the functions need a name for is named (the user's own name
when it means the same object -- ``np`` -- else a fresh helper name), then the values are named
around those (``ir/names.py``), then the in-place decisions (``ir/alias.py``) and the printer.
"""
from __future__ import annotations

import ast
import builtins
import itertools
import keyword
import re
import types
from typing import NamedTuple

import gast

from ..ir import walk
from ..ir.alias import in_place
from ..ir.callees import twin
from ..ir.core import Block, Op, Ref, Var
from ..ir.names import assign_names, free_names
from ..ir.printer import Printer, constant
from ..loader import CLOSURE


class Binder:
    """Names for runtime objects: the user's global name when it means the same object,
    otherwise a fresh name passed into the factory."""

    def __init__(self, user_globals: dict, taken: set):
        self.globals = user_globals
        self.taken = set(taken)
        self.helpers: dict = {}  # name -> object (factory parameters)
        self._names: dict = {}  # id(object) -> name
        self._modules = None  # (name, module) pairs of the user's globals, when first needed

    def name_for(self, obj, preferred: str) -> str:
        known = self._names.get(id(obj))
        if known is not None:
            return known
        preferred = _identifier(preferred)
        if preferred not in self.taken and self.globals.get(preferred, _MISSING) is obj:
            name = preferred  # the user's code already calls it that
        elif preferred not in self.taken and preferred not in self.globals and \
                getattr(builtins, preferred, _MISSING) is obj:
            name = preferred
        elif (path := self._through_module(obj, preferred)) is not None:
            name = path  # np.exp: the user's own name for the module it lives in
        else:
            name = self._fresh(preferred)
            self.helpers[name] = obj
        self._names[id(obj)] = name
        self.taken.add(name)
        return name

    def _through_module(self, obj, attribute: str):
        """``np.exp`` for numpy's ``exp`` when the user's module imports numpy as ``np``
        (also one level down: ``np.linalg.inv``)."""
        if self._modules is None:
            self._modules = [(k, v) for k, v in self.globals.items()
                             if isinstance(v, types.ModuleType) and k.isidentifier() and
                             not k.startswith("_")]
        for name, module in self._modules:
            if getattr(module, attribute, None) is obj:
                return f"{name}.{attribute}"
        for name, module in self._modules:
            for sub in ("linalg", "fft", "random", "special"):
                inner = getattr(module, sub, None)
                if isinstance(inner, types.ModuleType) and getattr(inner, attribute, None) is obj:
                    return f"{name}.{sub}.{attribute}"
        return None

    def _fresh(self, base: str) -> str:
        stem = re.sub(r"_\d+$", "", base) or base
        for name in itertools.chain((base,), (f"{stem}_{i}" for i in itertools.count(1))):
            if name not in self.taken and name not in self.globals and \
                    not keyword.iskeyword(name) and not hasattr(builtins, name):
                return name
        raise AssertionError("unreachable: itertools.count never ends")


_MISSING = object()


def _identifier(text: str) -> str:
    text = re.sub(r"\W", "_", text).strip("_") or "helper"
    return "_" + text if text[0].isdigit() else text


def name_objects(function, binder: Binder) -> None:
    """Name every object ``function`` refers to (before its values are named)."""
    for stmt in walk.statements(function.body):
        if stmt.__class__ is Op:
            if stmt.kind in ("call", "user") and stmt.fn is None and stmt.prim is not None and \
                    not (stmt.method and stmt.prim is not None):
                binder.name_for(stmt.prim, getattr(stmt.prim, "__name__", "function"))
                double = twin(stmt)
                if double is not None:
                    binder.name_for(double, double.__name__)
    for atom in walk.all_reads(function.body):
        if atom.__class__ is Ref:
            binder.name_for(atom.obj, atom.hint)


class Printed(NamedTuple):
    """One function's text and, per line of it (1 is the ``def``), the user line it runs
    (``tracebacks.UserLine``), for errors raised while it runs."""

    text: str
    user_lines: dict


def function_text(function, binder: Binder, kinds=None, comments=True,
                  params=None) -> Printed:
    """The text of one function (not yet indented to sit inside its factory)."""
    name_objects(function, binder)
    writes = in_place(function, kinds)
    reserved = free_names(function) | set(binder.taken)
    printer = Printer({}, binder.name_for, writes, comments)
    printer.find_inlined(function.body)
    printer.names = assign_names(function, writes, reserved - {p.hint for p in function.params},
                                 printer.inlined)
    # a write whose result could not take its target's name is printed as a copy instead
    printer.in_place = {op for op in writes if printer.names.get(
        op.outs[-1] if op.kind == "pop" else op.outs[0]) == printer.names.get(op.args[0])}
    printer.releases = _releases(function, printer)
    signature = _signature(function, params)
    text = printer.function(function, signature)
    return Printed(text, printer.user_lines)


def _releases(function, printer) -> dict:
    """Top-level statement -> the names to delete after it: each name of a value in
    ``function.release`` after the last top-level statement that reads that name (reads
    inside a region count at the region), unless the function returns it."""
    names = printer.names
    wanted = {names[v] for v in function.release if v in names}
    if not wanted:
        return {}
    returned = {names.get(a) for a in walk.all_reads(Block([], function.body.yields))}
    last = {}
    for stmt in function.body.stmts:
        for a in _printed_reads(stmt, printer.inlined):
            name = names.get(a)
            if name in wanted:
                last[name] = stmt
    # (a release helps only if something is allocated after it: not before in-place updates
    # and the return)
    stmts = function.body.stmts
    allocates_after, later = {}, False
    for stmt in reversed(stmts):
        allocates_after[stmt] = later
        later = later or not (stmt in printer.in_place or
                               stmt.__class__ is Op and stmt.kind == "comment")
    out: dict = {}
    for name, stmt in last.items():
        if name not in returned and allocates_after[stmt]:
            out.setdefault(stmt, []).append(name)
    return out


def _printed_reads(stmt, inlined) -> list:
    """The values a statement reads as printed (an inlined value's operands in its place)."""
    found = []
    todo = list(walk.reads(stmt)) if stmt.__class__ is Op else \
        list(walk.all_reads(Block([stmt], [])))
    while todo:
        a = todo.pop()
        if a.__class__ is Var and a in inlined:
            todo.extend(inlined[a].operands())
        else:
            found.append(a)
    return found


def _signature(function, params) -> ast.arguments:
    if function.signature is not None:
        args = gast.gast_to_ast(_strip(function.signature))
        return args
    return ast.arguments(posonlyargs=[], args=[ast.arg(p.hint) for p in function.params],
                         vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])


def _strip(args):
    """The user's parameters without annotations (defaults kept: they are only shown)."""
    import copy
    args = copy.deepcopy(args)
    for a in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
        if a is not None:
            a.annotation = None
    return args


def add_closure_parameters(fn, functions, binder) -> dict:
    """Make the user's closure variables that ``functions`` read factory parameters (their
    cells are passed in: shared, not copied); returns those cells."""
    closure = dict(zip(fn.__code__.co_freevars, fn.__closure__ or ()))
    used = set()
    for function in functions:
        used |= free_names(function)
    found = {}
    for name, cell in closure.items():
        if name in used and name not in binder.helpers:
            binder.helpers[name] = CLOSURE
            found[name] = cell
    return found


def factory_text(factory: str, functions: list, binder: Binder) -> str:
    """``def factory(helpers): <functions>; return (functions...)``."""
    body = "\n".join(_indent(text) for text in functions)
    names = ", ".join(f.split("(", 1)[0].split()[-1] for f in functions)
    params = ", ".join(binder.helpers)
    return (f"def {factory}({params}):\n\n{body}\n    return ({names},)\n")


def _indent(text: str) -> str:
    return "\n".join(("    " + line) if line else line for line in text.splitlines()) + "\n"


__all__ = ["Binder", "Printed", "constant", "factory_text", "function_text", "name_objects"]
