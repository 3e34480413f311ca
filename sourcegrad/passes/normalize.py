"""Pass 3: normalization to one operation per statement.

``z = np.sin(x * y) + 1`` becomes::

    mul = x * y
    sin = np.sin(mul)
    z = sin + 1

Every operation then has a named input and a named output, which is what the reverse transform
needs to attach one adjoint rule to one statement. Augmented assignments become plain ones
(``x += y`` is ``x = x + y``: the user's arrays are never mutated); tuple assignments are split
when the right side is a tuple literal. Short-circuit and lazy constructs (``and``/``or``,
f-strings, lambdas) are left whole: they are never differentiated, and activity analysis refuses
them if a gradient would have to flow through them.

Each new statement remembers the user's statement it came from (``sg_origin``) for comments in
the generated code and for error locations.
"""
from __future__ import annotations

import gast

from . import nodes
from .naming import Namer
from .resolve import Scope, resolved

# operator node type -> readable temporary name
_OP_NAMES = {
    gast.Add: "add", gast.Sub: "sub", gast.Mult: "mul", gast.Div: "div", gast.Pow: "pow",
    gast.MatMult: "matmul", gast.FloorDiv: "floordiv", gast.Mod: "mod", gast.USub: "neg",
    gast.UAdd: "pos", gast.Not: "not_", gast.Invert: "inv",
}
# expression kinds that are kept whole (never differentiated)
OPAQUE = (gast.BoolOp, gast.JoinedStr, gast.Lambda, gast.ListComp, gast.SetComp, gast.DictComp,
          gast.GeneratorExp, gast.Set, gast.Dict, gast.IfExp, gast.Starred)


class Normalizer:
    def __init__(self, scope: Scope, namer: Namer):
        self.scope = scope
        self.namer = namer
        self.out: list = []
        self.origin = None

    # -- statements ---------------------------------------------------------------------------
    def block(self, stmts: list) -> list:
        saved, self.out = self.out, []
        for stmt in stmts:
            self.origin = stmt
            self.statement(stmt)
        result, self.out = self.out, saved
        return result

    def emit(self, stmt):
        stmt.sg_origin = getattr(stmt, "sg_origin", None) or self.origin
        gast.copy_location(stmt, self.origin)
        self.out.append(stmt)
        return stmt

    def statement(self, stmt) -> None:
        method = getattr(self, "visit_" + type(stmt).__name__, None)
        if method is None:
            self.emit(stmt)  # kept as written (pass, assert, ...)
        else:
            method(stmt)

    def visit_Expr(self, stmt: gast.Expr) -> None:
        if isinstance(stmt.value, gast.Constant):
            return  # docstrings and bare constants do nothing
        stmt.value = self.expression(stmt.value)
        self.emit(stmt)

    def visit_Assign(self, stmt: gast.Assign) -> None:
        value = stmt.value
        for target in stmt.targets[::-1]:
            if isinstance(target, gast.Name):
                self.emit(nodes.assign(target.id, self.expression(value, name=target.id)))
                value = nodes.load(target.id)
            elif isinstance(target, (gast.Tuple, gast.List)):
                self.unpack(target, value)
            else:  # subscript target
                target.value = self.atom(target.value)
                target.slice = self.index(target.slice)
                self.emit(gast.Assign(targets=[target], value=self.atom(value), type_comment=None))

    def unpack(self, target, value) -> None:
        names = target.elts
        if isinstance(value, (gast.Tuple, gast.List)) and len(value.elts) == len(names) and \
                not any(isinstance(e, gast.Starred) for e in value.elts):
            # a, b = b, a: evaluate every right-hand side before binding any name
            atoms = [self.atom(v) for v in value.elts]
            atoms = [self.copy_if_rebound(a, names) for a in atoms]
            for name, atom in zip(names, atoms):
                self.visit_Assign(gast.Assign(targets=[name], value=atom, type_comment=None))
            return
        if all(isinstance(n, gast.Name) for n in names):
            value = self.expression(value)
            self.emit(gast.Assign(targets=[gast.Tuple(elts=names, ctx=gast.Store())],
                                  value=value, type_comment=None))
            return
        tmp = self.namer.fresh("unpacked")
        self.emit(nodes.assign(tmp, self.expression(value)))
        for i, name in enumerate(names):
            item = gast.Subscript(value=nodes.load(tmp), slice=nodes.const(i), ctx=gast.Load())
            self.visit_Assign(gast.Assign(targets=[name], value=item, type_comment=None))

    def copy_if_rebound(self, atom, names):
        bound = {n.id for n in names if isinstance(n, gast.Name)}
        if isinstance(atom, gast.Name) and atom.id in bound:
            tmp = self.namer.fresh(atom.id + "_old")
            self.emit(nodes.assign(tmp, atom))
            return nodes.load(tmp)
        return atom

    def visit_AugAssign(self, stmt: gast.AugAssign) -> None:
        target = stmt.target
        load = nodes.clone(target)
        for n in nodes.walk(load):
            if hasattr(n, "ctx"):
                n.ctx = gast.Load()
        value = gast.BinOp(left=load, op=stmt.op, right=stmt.value)
        gast.copy_location(value, stmt)
        self.visit_Assign(gast.Assign(targets=[target], value=value, type_comment=None))

    def visit_AnnAssign(self, stmt: gast.AnnAssign) -> None:
        self.visit_Assign(gast.Assign(targets=[stmt.target], value=stmt.value, type_comment=None))

    def visit_Return(self, stmt: gast.Return) -> None:
        value = stmt.value if stmt.value is not None else nodes.const(None)
        stmt.value = self.atom(value, name="result")
        self.emit(stmt)

    def visit_If(self, stmt: gast.If) -> None:
        stmt.test = self.atom(stmt.test, name="cond")
        stmt.body = self.block(stmt.body)
        stmt.orelse = self.block(stmt.orelse)
        self.origin = stmt
        self.emit(stmt)

    def visit_For(self, stmt: gast.For) -> None:
        stmt.iter = self.atom(stmt.iter, name="iterable")
        origin = stmt
        stmt.body = self.block(stmt.body)
        stmt.orelse = self.block(stmt.orelse)
        self.origin = origin
        self.emit(stmt)

    def visit_While(self, stmt: gast.While) -> None:
        # the test is re-evaluated every iteration: its computation stays inside the loop
        origin = stmt
        saved, self.out = self.out, []
        test = self.atom(stmt.test, name="cond")
        prelude, self.out = self.out, saved
        stmt.test = test
        stmt.sg_test_prelude = prelude
        stmt.body = self.block(stmt.body)
        stmt.orelse = self.block(stmt.orelse)
        self.origin = origin
        self.emit(stmt)

    # -- expressions --------------------------------------------------------------------------
    def atom(self, expr, name: str | None = None):
        """``expr`` as a name or constant, emitting the statements that compute it."""
        if is_atom(expr, self.scope):
            return expr
        value = self.expression(expr)
        tmp = self.namer.fresh(name or temp_name(value, self.scope))
        stmt = nodes.assign(tmp, value)
        gast.copy_location(value, expr)
        self.emit(stmt)
        return nodes.load(tmp)

    def expression(self, expr, name: str | None = None):
        """``expr`` with every operand an atom (one operation left at the top)."""
        if isinstance(expr, gast.Dict) and all(isinstance(k, gast.Constant) for k in expr.keys):
            expr.values = [self.atom(v) for v in expr.values]
            return expr
        if is_atom(expr, self.scope) or isinstance(expr, OPAQUE):
            return expr
        if isinstance(expr, gast.BinOp):
            expr.left, expr.right = self.atom(expr.left), self.atom(expr.right)
        elif isinstance(expr, gast.UnaryOp):
            expr.operand = self.atom(expr.operand)
        elif isinstance(expr, gast.Compare):
            expr.left = self.atom(expr.left)
            expr.comparators = [self.atom(c) for c in expr.comparators]
        elif isinstance(expr, gast.Call):
            if isinstance(expr.func, gast.Attribute) and \
                    not resolved(self.scope.resolve(expr.func)):
                expr.func.value = self.atom(expr.func.value)  # a method call on a value
            elif not isinstance(expr.func, (gast.Name, gast.Attribute)):
                expr.func = self.atom(expr.func, name="fn")
            if isinstance(expr.func, gast.Attribute) and expr.func.attr in ("append", "extend"):
                expr.args = [self.atom(a) for a in expr.args]  # list updates take names
            else:
                expr.args = [self.argument(a) for a in expr.args]
            for kw in expr.keywords:
                kw.value = self.argument(kw.value)
        elif isinstance(expr, gast.Subscript):
            expr.value = self.atom(expr.value)
            expr.slice = self.index(expr.slice)
        elif isinstance(expr, gast.Attribute):
            expr.value = self.atom(expr.value)
        elif isinstance(expr, (gast.Tuple, gast.List)):
            expr.elts = [self.argument(e) for e in expr.elts]
        return expr

    def argument(self, expr):
        """Call arguments may be tuple/list literals of atoms (``np.stack((a, b))``)."""
        if isinstance(expr, (gast.Tuple, gast.List)):
            expr.elts = [self.argument(e) for e in expr.elts]
            return expr
        if isinstance(expr, gast.Starred):
            expr.value = self.atom(expr.value)
            return expr
        return self.atom(expr)

    def index(self, expr):
        if isinstance(expr, gast.Slice):
            for field in ("lower", "upper", "step"):
                part = getattr(expr, field)
                if part is not None:
                    setattr(expr, field, self.atom(part, name="bound"))
            return expr
        if isinstance(expr, gast.Tuple):
            expr.elts = [self.index(e) for e in expr.elts]
            return expr
        return self.atom(expr, name="index")


def is_atom(expr, scope: Scope) -> bool:
    """Names, constants, and dotted constants such as ``np.pi`` or ``np.newaxis``."""
    if isinstance(expr, (gast.Name, gast.Constant)):
        return True
    if isinstance(expr, gast.Attribute):
        return resolved(scope.resolve(expr))
    if isinstance(expr, (gast.Tuple, gast.List)):
        return all(isinstance(e, gast.Constant) for e in expr.elts)
    if isinstance(expr, gast.UnaryOp) and isinstance(expr.operand, gast.Constant):
        return isinstance(expr.op, (gast.USub, gast.UAdd))
    return False


def temp_name(value, scope: Scope) -> str:
    """A readable name for the result of ``value``: ``mul``, ``sin``, ``sum``, ``T``."""
    if isinstance(value, (gast.BinOp, gast.UnaryOp)):
        return _OP_NAMES.get(type(value.op), "t")
    if isinstance(value, gast.Call):
        func = value.func
        if isinstance(func, gast.Attribute):
            return func.attr
        if isinstance(func, gast.Name):
            return func.id
    if isinstance(value, gast.Attribute):
        return value.attr
    if isinstance(value, gast.Subscript):
        base = value.value.id if isinstance(value.value, gast.Name) else "item"
        return base + "_item"
    if isinstance(value, gast.Compare):
        return "cmp"
    return "t"


def normalize(fn_node: gast.FunctionDef, scope: Scope, namer: Namer) -> gast.FunctionDef:
    fn_node.body = Normalizer(scope, namer).block(fn_node.body)
    return fn_node
