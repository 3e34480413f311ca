"""What each normalized statement computes, in terms of the rule table.

``classify`` looks at the right-hand side of one normalized assignment and says which primitive
it applies to which operands: ``x * y`` is the rule keyed by ``gast.Mult`` on ``(x, y)``,
``x.sum(axis=0)`` is the ``np.sum`` rule on ``(x,)`` with ``axis=0``, ``x.shape`` has no
gradient, ``helper(x)`` is a call to user code. Activity analysis and the reverse transform both
ask this one function, so they always agree.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field

import gast

from ..rules import ATTRIBUTES, METHODS, Rule, is_nondiff, lookup
from . import nodes
from .resolve import MISSING, Scope, resolved


@dataclass
class Op:
    """One normalized right-hand side, seen as a primitive applied to operands."""

    kind: str  # "rule" | "copy" | "subscript" | "literal" | "nondiff" | "user" | "unknown"
    node: object  # the expression (for error locations)
    rule: Rule | None = None
    args: list = field(default_factory=list)  # positional operand nodes
    keywords: dict = field(default_factory=dict)  # keyword operand nodes
    callee: object = None  # the resolved callable, for calls
    label: str = ""  # how to name the primitive in messages

    def operands(self) -> list:
        """Operand nodes through which a gradient can flow."""
        if self.kind in ("nondiff",):
            return []
        if self.kind == "rule":
            params = self.rule.params
            out = []
            for i, arg in enumerate(self.args):
                if self.rule.differentiable(i):
                    out.append(arg)
            for key, arg in self.keywords.items():
                if key in params and self.rule.differentiable(params.index(key)):
                    out.append(arg)
            return out
        if self.kind == "subscript":
            return [self.args[0]]
        if self.kind == "literal":
            return list(self.args)
        return list(self.args) + list(self.keywords.values())


_NONDIFF_EXPRS = (gast.Compare, gast.Constant, gast.JoinedStr)


_STABLE = frozenset(("rule", "nondiff", "copy", "subscript", "literal"))


def classify(value, scope: Scope) -> Op:
    """The primitive ``value`` applies. Activity, shapes, purity and the reverse pass all ask
    about each statement, so the answer is remembered per node (per transform, in the scope);
    calls of user functions are not, since the calls pass rewrites them in place."""
    entry = scope.classified.get(id(value))
    if entry is not None and entry[0] is value:
        return entry[1]
    op = _classify(value, scope)
    if op.kind in _STABLE:
        scope.classified[id(value)] = (value, op)
    return op


def _classify(value, scope: Scope) -> Op:
    if isinstance(value, gast.Name):
        return Op("copy", value, args=[value])
    if isinstance(value, _NONDIFF_EXPRS):
        return Op("nondiff", value)
    if isinstance(value, gast.BinOp):
        return _rule_or_unknown(lookup(type(value.op)), value, [value.left, value.right], {},
                                _op_label(value.op))
    if isinstance(value, gast.UnaryOp):
        if isinstance(value.op, (gast.Not, gast.Invert)):
            return Op("nondiff", value)
        return _rule_or_unknown(lookup(type(value.op)), value, [value.operand], {},
                                _op_label(value.op))
    if isinstance(value, gast.Subscript):
        return Op("subscript", value, args=[value.value, value.slice])
    if isinstance(value, (gast.Tuple, gast.List)):
        return Op("literal", value, args=list(value.elts))
    if isinstance(value, gast.Dict) and all(isinstance(k, gast.Constant) for k in value.keys):
        return Op("literal", value, args=list(value.values), keywords={"keys": value.keys})
    if isinstance(value, gast.Attribute):
        obj = scope.resolve(value)
        if resolved(obj):
            return Op("nondiff", value)  # a constant such as np.pi
        if value.attr in ATTRIBUTES:
            primitive = ATTRIBUTES[value.attr]
            if primitive is None:
                return Op("nondiff", value)
            return _rule_or_unknown(lookup(primitive), value, [value.value], {},
                                    f".{value.attr}")
        return Op("unknown", value, args=[value.value], label=f"the attribute .{value.attr}")
    if isinstance(value, gast.Call):
        return _classify_call(value, scope)
    return Op("unknown", value, args=_names(value), label=_describe(value))


def _classify_call(call: gast.Call, scope: Scope) -> Op:
    keywords = {kw.arg: kw.value for kw in call.keywords}
    func = call.func
    callee = scope.resolve(func)
    if callee is MISSING and isinstance(func, gast.Attribute):
        method = METHODS.get(func.attr)  # x.sum(axis=0) means np.sum(x, axis=0)
        label = f".{func.attr}()"
        if method is None:
            return Op("unknown", call, args=[func.value] + list(call.args), keywords=keywords,
                      label=f"the method {label}")
        if is_nondiff(method):
            return Op("nondiff", call, callee=method)
        return _rule_or_unknown(lookup(method), call, [func.value] + list(call.args), keywords,
                                label, callee=method)
    if callee is MISSING:
        return Op("unknown", call, args=list(call.args), keywords=keywords,
                  label=f"{nodes.dotted(func, '<expression>')}()")
    label = nodes.dotted(func, "<expression>") + "()"
    if is_nondiff(callee):
        return Op("nondiff", call, callee=callee, label=label)
    rule = lookup(callee)
    if rule is not None:
        return Op("rule", call, rule=rule, args=list(call.args), keywords=keywords,
                  callee=callee, label=label)
    if inspect.isfunction(callee) and not getattr(callee, "__sourcegrad_generated__", False):
        return Op("user", call, args=list(call.args), keywords=keywords, callee=callee,
                  label=label)
    if callee in (float, complex):
        return _rule_or_unknown(lookup(callee), call, list(call.args), keywords, label,
                                callee=callee)
    return Op("unknown", call, args=list(call.args), keywords=keywords, callee=callee,
              label=label)


def _rule_or_unknown(rule, node, args, keywords, label, callee=None) -> Op:
    if rule is None:
        return Op("unknown", node, args=args, keywords=keywords, callee=callee, label=label)
    return Op("rule", node, rule=rule, args=args, keywords=keywords, callee=callee, label=label)


def _names(node) -> list:
    return [n for n in nodes.walk(node) if isinstance(n, gast.Name) and
            isinstance(n.ctx, gast.Load)]


_OP_SYMBOLS = {gast.Add: "+", gast.Sub: "-", gast.Mult: "*", gast.Div: "/", gast.Pow: "**",
               gast.MatMult: "@", gast.FloorDiv: "//", gast.Mod: "%", gast.USub: "unary -",
               gast.UAdd: "unary +", gast.LShift: "<<", gast.RShift: ">>", gast.BitAnd: "&",
               gast.BitOr: "|", gast.BitXor: "^"}


def _op_label(op) -> str:
    return f"the operator {_OP_SYMBOLS.get(type(op), type(op).__name__)}"


def _describe(node) -> str:
    names = {gast.BoolOp: "and/or", gast.IfExp: "a conditional expression",
             gast.Lambda: "a lambda", gast.ListComp: "a list comprehension",
             gast.GeneratorExp: "a generator expression", gast.Dict: "a dict",
             gast.Set: "a set", gast.DictComp: "a dict comprehension",
             gast.SetComp: "a set comprehension"}
    return names.get(type(node), type(node).__name__)
