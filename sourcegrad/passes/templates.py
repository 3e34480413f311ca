"""Inline a rule's template at one call site.

The rule ``def multiply(g, ans, x, y): return g * y, g * x`` applied to ``z = a * b`` with the
adjoint of ``z`` called ``dz`` gives the contributions ``dz * b`` (to ``a``) and ``dz * a`` (to
``b``): parameters become the call's operands, ``g`` the result's adjoint, ``ans`` the result,
names local to the rule get fresh names, and the rule module's globals (``np``, runtime
helpers) are bound to names the generated code can reach.
"""
from __future__ import annotations

import builtins
import inspect

import gast

from ..rules import Rule
from . import nodes
from .naming import Namer
from .resolve import Scope

_LITERALS = (type(None), bool, int, float, complex, str)


class Binder:
    """Gives generated code a name for every runtime object a template refers to."""

    def __init__(self, scope: Scope, namer: Namer, locals_: set[str]):
        self.scope = scope
        self.namer = namer
        self.locals = locals_
        self.shapes = None  # passes/shapes.py's facts, once known
        # (id(obj), preferred) -> whether the user's own name serves: asked for every template
        self._own: dict[tuple, bool] = {}

    def name_for(self, obj, preferred: str) -> str:
        key = (id(obj), preferred)
        own = self._own.get(key)
        if own is None:
            own = self._own[key] = self._is_own_name(obj, preferred)
        if own:
            return preferred
        # the namer is asked each time: a loop's fixpoint rolls its names back between tries
        name = self.namer.helper(obj, preferred)
        self.scope.generated[name] = obj
        return name

    def _is_own_name(self, obj, preferred: str) -> bool:
        if preferred not in self.locals and self.scope.lookup_user(preferred) is obj:
            return True  # the user's code already calls it that (e.g. ``np``)
        return getattr(builtins, preferred, None) is obj and preferred not in self.locals \
            and preferred not in self.scope.globals and preferred not in self.scope.closure

    def value(self, obj, preferred: str):
        """A node evaluating to ``obj``: a literal when it is one, else a bound name."""
        if isinstance(obj, _LITERALS) or (isinstance(obj, tuple) and
                                          all(isinstance(o, _LITERALS) for o in obj)):
            if isinstance(obj, tuple):
                return nodes.tuple_(nodes.const(o) for o in obj)
            return nodes.const(obj)
        return nodes.load(self.name_for(obj, preferred))


def bind_arguments(rule: Rule, args: list, keywords: dict, binder: Binder, error) -> dict:
    """Map the rule's parameter names to operand nodes (defaults filled in)."""
    simple = _positional_only_call(rule, args, keywords)
    if simple is not None:
        return {name: args[i] if i < len(args) else binder.value(default, name)
                for i, (name, default) in enumerate(simple)}
    try:
        bound = rule.signature.bind(*args, **keywords)
    except TypeError as exc:
        raise error(f"the call does not match the signature of the rule for "
                    f"{rule.name}{rule.signature}: {exc}",
                    "Call it the way numpy documents it, or register a rule that accepts "
                    "these arguments with sourcegrad.extend.defvjp.")
    mapping = {}
    for name, param in rule.signature.parameters.items():
        if name in bound.arguments:
            value = bound.arguments[name]
            if param.kind is inspect.Parameter.VAR_POSITIONAL:
                value = nodes.tuple_(value)
            mapping[name] = value
        elif param.default is not inspect.Parameter.empty:
            mapping[name] = binder.value(param.default, name)
        elif param.kind is inspect.Parameter.VAR_POSITIONAL:
            mapping[name] = nodes.tuple_([])
    return mapping


_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def _positional_only_call(rule: Rule, args: list, keywords: dict):
    """The rule's ``(name, default)`` pairs when this call binds by position alone (the common
    case, where ``inspect.Signature.bind`` is the slow way to say the same); else None."""
    if keywords:
        return None
    params = rule.__dict__.get("_positional")
    if params is None:
        plain = all(p.kind in _POSITIONAL for p in rule.signature.parameters.values())
        params = rule.__dict__["_positional"] = tuple(
            (name, p.default) for name, p in rule.signature.parameters.items()) if plain else ()
    if not params or len(args) > len(params) or any(
            default is inspect.Parameter.empty for _, default in params[len(args):]):
        return None  # let Signature.bind explain the mismatch
    return params


class Substitute:
    """A template's tree copied with its names replaced, in one pass: parameters by operands,
    ``g``/``ans``, locals by fresh names, globals by runtime helper names. Replacements are
    never revisited. With ``fold``, constants fold as the copy is built (``simplify``)."""

    def __init__(self, substitution, renames, template_globals, binder):
        self.substitution = substitution
        self.renames = renames
        self.template_globals = template_globals
        self.binder = binder

    def copy(self, node, fold: bool = False):
        kind = node.__class__
        if kind is gast.Name:
            return self.name(node)
        new = kind.__new__(kind)
        fields = node.__dict__.copy()
        for field in nodes.child_fields(kind):
            value = fields.get(field)
            if value.__class__ is list:
                fields[field] = [self.copy(v, fold) if isinstance(v, gast.AST) else v
                                 for v in value]
            elif isinstance(value, gast.AST):
                fields[field] = self.copy(value, fold)
        new.__dict__.update(fields)
        if kind is gast.Call:
            return self.call(node, new)
        if fold and kind is gast.BinOp:
            return _fold_binop(new)
        if fold and kind is gast.UnaryOp:
            return _fold_unary(new)
        return new

    def call(self, template, node):
        # a helper that is the identity for a literal argument folds away: mask_mul(g, True)
        helper = self.template_globals.get(getattr(template.func, "id", None))
        if helper is None:
            return node
        if getattr(helper, "sg_lazy_constant", False) and len(node.args) >= 2 and \
                _number(node.args[0]) is not None and isinstance(node.args[1], gast.Name) and \
                (len(node.args) < 3 or _is_none(node.args[2])):
            return lazy_constant(node.args[0].value, node.args[1].id)
        if getattr(helper, "sg_scalar", False):
            node.sg_scalar = True
        identity = getattr(helper, "sg_identity_when", None)
        if identity is not None:
            position, value = identity
            arg = node.args[position] if position < len(node.args) else None
            if isinstance(arg, gast.Constant) and arg.value is value:
                return node.args[0]
        return node

    def name(self, node):
        name = node.id
        if name in self.substitution and node.ctx.__class__ is gast.Load:
            return nodes.clone(self.substitution[name])
        if name in self.renames:
            return gast.Name(self.renames[name], node.ctx, None, None)
        if name in self.template_globals:
            return nodes.load(self.binder.name_for(self.template_globals[name], name))
        if hasattr(builtins, name):
            return nodes.load(self.binder.name_for(getattr(builtins, name), name))
        return gast.Name(name, node.ctx, None, None)


def instantiate(rule: Rule, operands: dict, g, ans, wanted: set[int], binder: Binder):
    """Statements and per-input contributions of ``rule`` at one site.

    ``operands`` maps parameter names to nodes, ``g`` and ``ans`` are nodes, ``wanted`` holds
    the input positions whose adjoint is needed. Returns ``(prelude, [(position, expr)])``.
    """
    _, prelude, outputs = rule.parts()
    template_globals = rule.globals()
    renames: dict[str, str] = {}
    for stmt in prelude:
        for target in stmt.targets:
            renames[target.id] = binder.namer.fresh(target.id)
    substitution = dict(operands, g=g, ans=ans)
    substitute = Substitute(substitution, renames, template_globals, binder)
    statements = [substitute.copy(stmt) for stmt in prelude]
    contributions = []
    for position in sorted(wanted):
        expr = outputs[position] if position < len(outputs) else None
        if expr is None:
            continue
        folded = substitute.copy(expr, fold=True)
        if isinstance(folded, gast.Name) and not isinstance(expr, gast.Name):
            folded = substitute.copy(expr)  # as simplify(): never alias a user-visible value
        expr = _settle_lazy(folded, binder)
        if rule.broadcast and _may_broadcast(rule, operands, position, expr, ans,
                                             binder.shapes):
            from .. import runtime
            expr = nodes.call(binder.name_for(runtime.unbroadcast, "unbroadcast"), expr,
                              nodes.clone(operands[rule.params[position]]))
        contributions.append((position, expr))
    return statements, contributions


def lazy_constant(value, like: str) -> gast.Constant:
    """The number ``value`` standing for an array of ``like``'s shape filled with it."""
    node = nodes.const(value)
    node.sg_like = like
    return node


def lazy_like(node):
    """The variable whose shape a *lazy* scalar adjoint expression stands for, if any.

    Lazy: a number that means "this value at every element of ``like``", built from lazy
    constants with numbers and scalar-valued helpers (``1.0 / reduced_count(a, None)``).
    """
    like = getattr(node, "sg_like", None)
    if like is not None:
        return like
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, (gast.USub, gast.UAdd)):
        return lazy_like(node.operand)
    if isinstance(node, gast.BinOp) and isinstance(node.op, (gast.Mult, gast.Div, gast.Add,
                                                             gast.Sub)):
        left, right = lazy_like(node.left), lazy_like(node.right)
        if left and right:
            return left if left == right else None
        lazy, other = (left, node.right) if left else (right, node.left)
        if lazy and (_number(other) is not None or getattr(other, "sg_scalar", False)):
            return lazy
    return None


def _settle_lazy(expr, binder):
    """Tag a wholly lazy contribution; materialize lazy parts of anything else.

    A lazy number next to a value of its full shape (``1.0 / add`` where ``add`` has the shape
    the 1.0 stands for) needs no array of its own: broadcasting makes the result full.
    """
    like = lazy_like(expr)
    if like is not None:
        expr.sg_like = like
        return expr
    shapes = binder.shapes

    return _Materialize(shapes, binder).visit(expr)


class _Materialize(nodes.Transformer):
    """Lazy constants inside a larger contribution become arrays, unless a full-shape value
    next to them makes the result full anyway."""

    def __init__(self, shapes, binder):
        self.shapes = shapes
        self.binder = binder

    def visit_BinOp(self, node):
        for lazy, other in ((node.left, node.right), (node.right, node.left)):
            like = getattr(lazy, "sg_like", None)
            if like is not None and self.shapes is not None and \
                    self.shapes.same(other, nodes.load(like)):
                lazy.sg_like = None
        return self.generic_visit(node)

    def visit_Constant(self, node):
        like = getattr(node, "sg_like", None)
        if like is None:
            return node
        from .. import runtime
        return nodes.call(self.binder.name_for(runtime.expand_to, "expand_to"),
                          nodes.const(node.value), nodes.load(like))


def _is_none(node) -> bool:
    return isinstance(node, gast.Constant) and node.value is None


def _may_broadcast(rule: Rule, operands: dict, position: int, expr, ans=None,
                   shapes=None) -> bool:
    """False when broadcasting provably did not change the operand's shape.

    Against Python number literals an operand keeps its shape; a constant adjoint (from the
    seed) stands for a size-1 value, which sums to itself.
    """
    if isinstance(expr, gast.Constant):
        return False
    mine = operands[rule.params[position]]
    if shapes is not None and ans is not None and shapes.same(mine, ans):
        return False  # proved: the operand already has the result's shape
    others = [operands[p] for i, p in enumerate(rule.params) if i != position and p in operands]
    if isinstance(mine, gast.Name) and all(isinstance(o, gast.Name) and o.id == mine.id
                                           for o in others):
        return False  # x * x: an operand never broadcasts against itself
    return not all(_number(o) is not None or (isinstance(o, gast.Constant) and o.value is None)
                   for o in others)


def simplify(node):
    """Fold the constants templates produce at the output (the seed 1.0, ``y - 1`` for a
    literal ``y``), so ``y = x ** 2`` under the seed yields ``2 * x``, not ``1.0 * 2 * x ** 1``.

    A result that would fold to a bare variable keeps its multiplication: the gradient must not
    alias a value the user can see.
    """
    folded = _Fold().visit(node)
    if isinstance(folded, gast.Name) and not isinstance(node, gast.Name):
        return node
    return folded


_ARITH = {gast.Add: lambda a, b: a + b, gast.Sub: lambda a, b: a - b,
          gast.Mult: lambda a, b: a * b, gast.Div: lambda a, b: a / b}


def _number(node):
    if isinstance(node, gast.Constant) and type(node.value) in (int, float):
        return node.value
    return None


class _Fold(nodes.Transformer):
    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        return _fold_unary(node)

    def visit_BinOp(self, node):
        self.generic_visit(node)
        return _fold_binop(node)


def _fold_unary(node):
    """``-2`` from ``-(2)``; the operand is already folded."""
    value = _number(node.operand)
    if isinstance(node.op, gast.USub) and value is not None:
        return nodes.const(-value)
    return node


def _fold_binop(node):
    """Constant arithmetic and the identities of 1 and 0; the operands are already folded."""
    left, right = _number(node.left), _number(node.right)
    op = type(node.op)
    if left is not None and right is not None and op in _ARITH and \
            not (op is gast.Div and right == 0):
        return nodes.const(_ARITH[op](left, right))
    if op is gast.Mult:
        if left == 1:
            return node.right
        if right == 1:
            return node.left
        if left == -1:
            return gast.UnaryOp(op=gast.USub(), operand=node.right)
        if right == -1:
            return gast.UnaryOp(op=gast.USub(), operand=node.left)
    if op is gast.Div and right == 1:
        return node.left
    if op is gast.Pow and right == 1:
        return node.left
    if op is gast.Pow and right == 0:
        return nodes.const(1.0)
    return node
