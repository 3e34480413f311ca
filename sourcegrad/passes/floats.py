"""Pass 6c: a second gradient for Python floats, with ``math`` functions instead of numpy's.

On a Python float, ``np.sin(x)`` costs about ten times ``math.sin(x)``: numpy converts the
number to an array, finds the loop and converts back. A gradient whose every value is a number
(a scalar loop such as ``x = np.sin(x) * x + 0.5 * x``) spends most of its time there. When
the generated gradient can only ever hold numbers given numbers -- it calls nothing but numpy
ufuncs with a ``math`` twin, ``math`` itself and a few builtins, reads no global or closure
value, indexes nothing and raises to integer constant powers only -- this pass writes the same
function with the twins (``transform.py`` asks for it only when the function loops, where the
cost multiplies, and prefers the forward-mode body of ``tangents.py``)::

    def grad_f(x):
        if type(x) is float:
            try:
                return grad_f_on_floats(x)
            except (ArithmeticError, ValueError):
                # math raised where numpy gives inf or nan: numpy's answer below
                pass
        ...

The two agree except where ``math`` raises (``math.log(-1.0)``, ``1.0 / 0.0``,
``math.exp(1000.0)``) and numpy gives ``nan`` or ``inf`` with a warning; then the numpy
version runs, so the gradient is numpy's, as the user's own code would compute it. The
results may differ in the last bit (numpy's vectorized ``sin`` is not libm's).
"""
from __future__ import annotations

import builtins
import math
import types

import gast
import numpy as np

from .. import runtime, runtime_flow
from . import nodes
from .facts import math_function
from .resolve import MISSING

# numpy functions and the math (or builtin) function that computes them on a Python float
TWINS = {
    np.sin: math.sin, np.cos: math.cos, np.tan: math.tan, np.arcsin: math.asin,
    np.arccos: math.acos, np.arctan: math.atan, np.sinh: math.sinh, np.cosh: math.cosh,
    np.tanh: math.tanh, np.arcsinh: math.asinh, np.arccosh: math.acosh, np.arctanh: math.atanh,
    np.exp: math.exp, np.expm1: math.expm1, np.log: math.log, np.log1p: math.log1p,
    np.log2: math.log2, np.log10: math.log10, np.sqrt: math.sqrt, np.arctan2: math.atan2,
    np.hypot: math.hypot, np.absolute: abs, np.fabs: math.fabs,
}
_SAFE_BUILTINS = {range, reversed, abs, min, max, float, len, type}
# runtime helpers that give numbers for numbers (unbroadcast and buffer: the adjoint itself)
_SAFE_HELPERS = {runtime.check_numeric, runtime.seed, runtime.as_gradient, runtime.unbroadcast,
                 runtime_flow.buffer}
_STACK_METHODS = {"append", "pop"}
_LEAVES = (gast.Constant, gast.Pass, gast.Break, gast.Continue, gast.Load, gast.Store,
           gast.Del, gast.expr_context, gast.operator, gast.unaryop, gast.cmpop, gast.boolop)
_ALLOWED = (gast.FunctionDef, gast.arguments, gast.Name, gast.Assign, gast.AugAssign,
            gast.Expr, gast.Return, gast.Delete, gast.For, gast.While, gast.If, gast.BinOp,
            gast.UnaryOp, gast.BoolOp, gast.Compare, gast.Call, gast.Attribute, gast.Tuple,
            gast.List, gast.IfExp) + _LEAVES


def float_variant(fn: gast.FunctionDef, resolve, name_for, variant_name: str,
                  faster_without_twins: bool = False):
    """The gradient ``fn`` rewritten for Python floats, or None when a value in it could be
    something other than a number, or when no numpy call gets faster and not
    ``faster_without_twins``. ``resolve(node)``: the object a name or attribute denotes;
    ``name_for(obj, preferred)``: a name generated code may use for ``obj``."""
    args = fn.args
    if args.vararg is not None or args.kwarg is not None or args.kwonlyargs:
        return None  # (the dispatch passes the arguments by position)
    stored: set[str] = set()
    loaded: dict[str, object] = {}  # free-looking name -> a node reading it
    on_locals = []  # calls and attributes on a name, which may be a local's list
    faster = faster_without_twins
    for node in nodes.walk(fn):  # one walk: most gradients fail at their first array helper
        kind = node.__class__
        if not isinstance(node, _ALLOWED):
            return None  # subscripts, comprehensions, lambdas, keywords: maybe not numbers
        if kind is gast.Name:
            if node.ctx.__class__ is gast.Load:
                loaded.setdefault(node.id, node)
            else:
                stored.add(node.id)
        elif kind is gast.BinOp and node.op.__class__ is gast.Pow and not (
                node.right.__class__ is gast.Constant and type(node.right.value) is int):
            return None  # (-8.0) ** (1 / 3) is a complex number, not numpy's nan
        elif kind is gast.Attribute or kind is gast.Call:
            target = node.func if kind is gast.Call else node
            if target.__class__ is gast.Attribute and target.value.__class__ is gast.Name and \
                    resolve(target.value) is MISSING:
                on_locals.append(target)  # a local's method: checked once all locals are known
            elif kind is gast.Call:
                callee = resolve(node.func)
                if _twin(callee) is not None:
                    faster = True
                elif not _safe_name(callee):
                    return None
            elif not _safe_name(resolve(node), constant_ok=True):  # np.pi
                return None
    if not faster:
        return None
    if any(not _safe_name(resolve(n)) for name, n in loaded.items() if name not in stored):
        return None  # a global or closure value, even a number now: values are read at run
        # time, and it could be an array then
    if any(t.value.id not in stored or t.attr not in _STACK_METHODS for t in on_locals):
        return None  # only a local's list.append and list.pop (the stacks)

    class Twin(nodes.Transformer):
        def visit_Call(self, node):
            self.generic_visit(node)
            twin = _twin(resolve(node.func))
            if twin is not None:
                node.func = _reference(twin, name_for)
            return node

    variant = Twin().visit(nodes.clone(fn))
    variant.name = variant_name
    variant.body = [s for s in variant.body if not _checks_numeric(s, resolve)]
    return variant


def may_hold_only_numbers(stmts: list) -> bool:
    """A quick look before forward mode is prepared: no indexing, containers comprehension or
    other kind of node ``float_variant`` refuses."""
    return all(isinstance(n, _ALLOWED) for stmt in stmts for n in nodes.walk(stmt))


def _twin(obj):
    return TWINS.get(obj) if isinstance(obj, np.ufunc) else None


def dispatch(fn: gast.FunctionDef, wrt, variant: str, name_for) -> None:
    """Start ``fn`` with a call of its float variant (named ``variant`` in ``fn``) for when
    every argument is a float (the differentiated ones) or a number (the others)."""
    params = [a.id for a in fn.args.posonlyargs + fn.args.args]

    def load(obj):
        return nodes.load(name_for(obj, obj.__name__))

    tests = []
    for p in params:
        kinds = [float] if p in wrt else [float, int]
        checks = [gast.Compare(left=nodes.call(load(type), nodes.load(p)), ops=[gast.Is()],
                               comparators=[load(k)]) for k in kinds]
        tests.append(checks[0] if len(checks) == 1 else gast.BoolOp(op=gast.Or(), values=checks))
    test = tests[0] if len(tests) == 1 else gast.BoolOp(op=gast.And(), values=tests)
    call = nodes.call(variant, *[nodes.load(p) for p in params])
    comment = nodes.comment("math raised where numpy gives inf or nan: numpy's answer below")
    handler = gast.ExceptHandler(type=nodes.tuple_([load(ArithmeticError), load(ValueError)]),
                                 name=None, body=[comment, gast.Pass()])
    attempt = gast.Try(body=[gast.Return(value=call)], handlers=[handler], orelse=[],
                       finalbody=[])
    fn.body[:0] = [gast.If(test=test, body=[attempt], orelse=[])]


def _safe_name(obj, constant_ok: bool = False) -> bool:
    """``constant_ok``: a module's number (``np.pi``, ``math.e``) counts as safe."""
    if isinstance(obj, types.ModuleType):
        return obj is np or obj is math
    if type(obj) is float or type(obj) is int:
        return constant_ok
    if _twin(obj) is not None or any(obj is h for h in _SAFE_HELPERS):
        return True
    return math_function(obj) or any(obj is b for b in _SAFE_BUILTINS)


def _checks_numeric(stmt, resolve) -> bool:
    """``check_numeric('x', x)``: the dispatch already knows ``x`` is a float."""
    return isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call) and \
        resolve(stmt.value.func) is runtime.check_numeric


def _reference(obj, name_for):
    if getattr(builtins, obj.__name__, None) is obj:
        return nodes.load(name_for(obj, obj.__name__))
    return nodes.attr(nodes.load(name_for(math, "math")), obj.__name__)


__all__ = ["TWINS", "dispatch", "float_variant", "may_hold_only_numbers"]
