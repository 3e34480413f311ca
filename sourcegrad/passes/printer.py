"""A direct gast -> text printer for the code the compiler emits.

``ast.unparse`` is exact but slow for our purpose: it needs a copy of the tree in ``ast``
classes, dispatches through a generic visitor and tracks precedence in a dictionary. It was a
sixth of the time of a whole transform. This printer writes the statements and expressions the
compiler emits straight from the gast tree, with the same layout, parentheses and literals as
``ast.unparse`` on Python 3.11+ (tests compare the two on every generated program and on random
expressions; 3.10's ``ast.unparse`` also parenthesizes tuple targets, ``(a, b) = ...``, which
this printer does not, so the code reads the same on every version); anything else -- a lambda,
an f-string, a comprehension in user code the compiler keeps -- raises ``Unsupported`` and
codegen prints that one statement with ``ast.unparse`` instead.
"""
from __future__ import annotations

import math

import gast

from .nodes import COMMENT_PREFIX


class Unsupported(Exception):
    """A node this printer does not print; the caller falls back to ``ast.unparse``."""


# precedence levels, in ast.unparse's order (higher binds tighter)
TUPLE, YIELD, TEST, OR, AND, NOT, CMP, BOR, BXOR, BAND, SHIFT, ARITH, TERM, FACTOR, POWER, \
    AWAIT, ATOM = range(1, 18)

_BINOPS = {
    gast.Add: ("+", ARITH), gast.Sub: ("-", ARITH), gast.Mult: ("*", TERM),
    gast.MatMult: ("@", TERM), gast.Div: ("/", TERM), gast.Mod: ("%", TERM),
    gast.FloorDiv: ("//", TERM), gast.LShift: ("<<", SHIFT), gast.RShift: (">>", SHIFT),
    gast.BitOr: ("|", BOR), gast.BitXor: ("^", BXOR), gast.BitAnd: ("&", BAND),
    gast.Pow: ("**", POWER),
}
_UNARY = {gast.USub: ("-", FACTOR), gast.UAdd: ("+", FACTOR), gast.Invert: ("~", FACTOR),
          gast.Not: ("not ", NOT)}
_CMP = {gast.Eq: "==", gast.NotEq: "!=", gast.Lt: "<", gast.LtE: "<=", gast.Gt: ">",
        gast.GtE: ">=", gast.Is: "is", gast.IsNot: "is not", gast.In: "in",
        gast.NotIn: "not in"}
_BOOL = {gast.And: ("and", AND), gast.Or: ("or", OR)}


def expr(node, level: int = TEST) -> str:
    """The text of an expression, parenthesized as its context (``level``) needs."""
    kind = node.__class__
    if kind is gast.Name:
        return node.id
    if kind is gast.Constant:
        if getattr(node, "kind", None) is not None:
            raise Unsupported("u-string")
        return _constant(node.value)
    if kind is gast.Attribute:
        value = node.value
        text = expr(value, ATOM)
        if value.__class__ is gast.Constant and isinstance(value.value, int):
            text += " "  # `1 .real`: `1.real` would read as a float
        return f"{text}.{node.attr}"
    if kind is gast.Call:
        parts = [expr(a) for a in node.args]
        for k in node.keywords:
            parts.append(f"{k.arg}={expr(k.value)}" if k.arg is not None
                         else "**" + expr(k.value))
        return f"{expr(node.func, ATOM)}({', '.join(parts)})"
    if kind is gast.BinOp:
        symbol, own = _BINOPS[node.op.__class__]
        if own == POWER:  # right-associative
            left, right = expr(node.left, own + 1), expr(node.right, own)
        else:
            left, right = expr(node.left, own), expr(node.right, own + 1)
        return _wrap(f"{left} {symbol} {right}", own, level)
    if kind is gast.Subscript:
        index = node.slice
        if index.__class__ is gast.Tuple and index.elts:
            if any(e.__class__ is gast.Starred for e in index.elts):
                raise Unsupported("starred index")  # printed differently across versions
            inner = _items(index.elts)
        else:
            inner = expr(index)
        return f"{expr(node.value, ATOM)}[{inner}]"
    if kind is gast.Tuple:
        text = _items(node.elts)
        return f"({text})" if not node.elts or level > TUPLE else text
    if kind is gast.UnaryOp:
        symbol, own = _UNARY[node.op.__class__]
        return _wrap(symbol + expr(node.operand, own), own, level)
    if kind is gast.Compare:
        parts = [expr(node.left, CMP + 1)]
        for op, right in zip(node.ops, node.comparators):
            parts.append(_CMP[op.__class__])
            parts.append(expr(right, CMP + 1))
        return _wrap(" ".join(parts), CMP, level)
    if kind is gast.BoolOp:
        word, own = _BOOL[node.op.__class__]
        # ast.unparse raises the level for each further operand: (a and b) and c keeps its
        # parentheses, a and (b and c) too
        parts = [expr(v, own + 1 + i) for i, v in enumerate(node.values)]
        return _wrap(f" {word} ".join(parts), own, level)
    if kind is gast.Slice:
        text = (expr(node.lower) if node.lower is not None else "") + ":"
        if node.upper is not None:
            text += expr(node.upper)
        if node.step is not None:
            text += ":" + expr(node.step)
        return text
    if kind is gast.List:
        return f"[{', '.join(expr(e) for e in node.elts)}]"
    if kind is gast.Starred:
        return "*" + expr(node.value, BOR)
    if kind is gast.IfExp:
        text = (f"{expr(node.body, TEST + 1)} if {expr(node.test, TEST + 1)} "
                f"else {expr(node.orelse, TEST)}")
        return _wrap(text, TEST, level)
    if kind is gast.Dict:
        parts = [f"{expr(k)}: {expr(v)}" if k is not None else "**" + expr(v, BOR)
                 for k, v in zip(node.keys, node.values)]
        return "{" + ", ".join(parts) + "}"
    raise Unsupported(kind.__name__)


def _wrap(text: str, own: int, level: int) -> str:
    return f"({text})" if level > own else text


def _items(elts) -> str:
    if len(elts) == 1:
        return expr(elts[0]) + ","
    return ", ".join(expr(e) for e in elts)


_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-.,:;()[]"
                   "{}<>=+*/@#!?%&|^~$")


def _constant(value) -> str:
    kind = value.__class__
    if kind is float:
        if not math.isfinite(value):
            raise Unsupported("inf/nan")  # ast.unparse spells these 1e309, (1e309-1e309)
        return repr(value)
    if kind is int or kind is bool or value is None or value is Ellipsis:
        return "..." if value is Ellipsis else repr(value)
    if kind is str and _PLAIN.issuperset(value):
        return repr(value)  # quote choice and escapes only matter for other characters
    raise Unsupported(kind.__name__)


class Printer:
    """Statements to lines, indented four spaces a level, blank line before each ``def``."""

    def __init__(self, fallback):
        self.lines: list[str] = []
        self.fallback = fallback  # (statement, indent) -> lines, for what this printer lacks

    def block(self, body: list, indent: int) -> None:
        for stmt in body:
            mark = len(self.lines)
            try:
                self.statement(stmt, indent)
            except Unsupported:
                del self.lines[mark:]
                if stmt.__class__ is gast.FunctionDef and self.lines:
                    self.lines.append("")
                self.lines.extend(self.fallback(stmt, indent))

    def statement(self, stmt, indent: int) -> None:
        pad = "    " * indent
        kind = stmt.__class__
        lines = self.lines
        if kind is gast.Assign:
            targets = "".join(expr(t, TUPLE) + " = " for t in stmt.targets)
            lines.append(f"{pad}{targets}{expr(stmt.value)}")
        elif kind is gast.Expr:
            value = stmt.value
            if value.__class__ is gast.Constant and value.value.__class__ is str and \
                    value.value.startswith(COMMENT_PREFIX):
                lines.append(f"{pad}# {value.value[len(COMMENT_PREFIX):].strip()}")
            else:
                lines.append(pad + expr(value, YIELD))
        elif kind is gast.Return:
            lines.append(pad + ("return" if stmt.value is None
                                else "return " + expr(stmt.value)))
        elif kind is gast.AugAssign:
            symbol = _BINOPS[stmt.op.__class__][0]
            lines.append(f"{pad}{expr(stmt.target)} {symbol}= {expr(stmt.value)}")
        elif kind is gast.Delete:
            lines.append(f"{pad}del {', '.join(expr(t) for t in stmt.targets)}")
        elif kind is gast.If:
            self._if(stmt, pad, indent, "if")
        elif kind is gast.For:
            if stmt.type_comment:
                raise Unsupported("type comment")
            lines.append(f"{pad}for {expr(stmt.target, TUPLE)} in {expr(stmt.iter)}:")
            self._body(stmt.body, stmt.orelse, pad, indent)
        elif kind is gast.While:
            lines.append(f"{pad}while {expr(stmt.test)}:")
            self._body(stmt.body, stmt.orelse, pad, indent)
        elif kind is gast.FunctionDef:
            if stmt.decorator_list or stmt.returns is not None or stmt.type_comment or \
                    getattr(stmt, "type_params", None):
                raise Unsupported("decorated or annotated def")
            if lines:
                lines.append("")
            lines.append(f"{pad}def {stmt.name}({self._arguments(stmt.args)}):")
            self.block(stmt.body, indent + 1)
        elif kind is gast.Try and not stmt.orelse and not stmt.finalbody:
            lines.append(f"{pad}try:")
            self.block(stmt.body, indent + 1)
            for handler in stmt.handlers:
                caught = "" if handler.type is None else " " + expr(handler.type)
                alias = "" if handler.name is None else " as " + expr(handler.name)
                lines.append(f"{pad}except{caught}{alias}:")
                self.block(handler.body, indent + 1)
        elif kind is gast.Pass or kind is gast.Break or kind is gast.Continue:
            lines.append(pad + kind.__name__.lower())
        else:
            raise Unsupported(kind.__name__)

    def _if(self, stmt, pad, indent, word) -> None:
        self.lines.append(f"{pad}{word} {expr(stmt.test)}:")
        self.block(stmt.body, indent + 1)
        orelse = stmt.orelse
        if len(orelse) == 1 and orelse[0].__class__ is gast.If:
            self._if(orelse[0], pad, indent, "elif")  # as ast.unparse collapses else: if
        elif orelse:
            self.lines.append(pad + "else:")
            self.block(orelse, indent + 1)

    def _body(self, body, orelse, pad, indent) -> None:
        self.block(body, indent + 1)
        if orelse:
            self.lines.append(pad + "else:")
            self.block(orelse, indent + 1)

    def _arguments(self, args) -> str:
        positional = args.posonlyargs + args.args
        defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        parts = []
        for index, (a, d) in enumerate(zip(positional, defaults), 1):
            parts.append(_param(a) + ("=" + expr(d) if d is not None else ""))
            if index == len(args.posonlyargs):
                parts.append("/")
        if args.vararg is not None or args.kwonlyargs:
            parts.append("*" + (_param(args.vararg) if args.vararg is not None else ""))
        for a, d in zip(args.kwonlyargs, args.kw_defaults):
            parts.append(_param(a) + ("=" + expr(d) if d is not None else ""))
        if args.kwarg is not None:
            parts.append("**" + _param(args.kwarg))
        return ", ".join(parts)


def _param(name) -> str:
    if name.annotation is not None:
        raise Unsupported("annotation")
    return name.id


__all__ = ["Printer", "Unsupported", "expr"]
