"""The IR as Python text, for people first: the user's names, expressions rebuilt from the
operations they were split into, and the user's lines as comments.

Statements become ``ast`` nodes and ``ast.unparse`` writes them (it knows Python's precedence
and quoting; the brief named astor for this, which the standard library now replaces). A value
read once, right where it is defined, by a pure operation, and not named by the user, is
printed inside the expression that reads it: ``z = np.tanh(x @ W + b)`` again, not three lines.
Comments travel as marker calls that the last step (``lines.py``) turns into ``#`` lines; with
them go origin markers, from which that step maps each generated line to the user line it runs
(for errors raised while the gradient runs, ``tracebacks.py``).
"""
from __future__ import annotations

import ast
import copy

import gast

from . import walk
from .callees import twin
from .core import UNBOUND, Const, Free, If, Op, Ref, Var
from .lines import code_only, comment, finish, origin_marker

_UNMARKED = object()  # (no origin marker yet in a block)
_INLINE_KINDS = frozenset(("call", "binop", "unary", "compare", "getattr", "getitem", "slice",
                           "tuple", "list", "dict", "augop"))
_BINOPS = {gast.Add: ast.Add, gast.Sub: ast.Sub, gast.Mult: ast.Mult, gast.Div: ast.Div,
           gast.Pow: ast.Pow, gast.MatMult: ast.MatMult, gast.FloorDiv: ast.FloorDiv,
           gast.Mod: ast.Mod, gast.LShift: ast.LShift, gast.RShift: ast.RShift,
           gast.BitAnd: ast.BitAnd, gast.BitOr: ast.BitOr, gast.BitXor: ast.BitXor}
_UNARY = {gast.USub: ast.USub, gast.UAdd: ast.UAdd, gast.Not: ast.Not, gast.Invert: ast.Invert}
_COMPARE = {gast.Eq: ast.Eq, gast.NotEq: ast.NotEq, gast.Lt: ast.Lt, gast.LtE: ast.LtE,
            gast.Gt: ast.Gt, gast.GtE: ast.GtE, gast.Is: ast.Is, gast.IsNot: ast.IsNot,
            gast.In: ast.In, gast.NotIn: ast.NotIn}


class Printer:
    """Prints one function. ``names``: Var -> Python name (``names.assign_names``);
    ``name_for(obj, preferred)``: the name generated code calls a runtime object by;
    ``in_place``: the write operations that happen in place."""

    def __init__(self, names: dict, name_for, in_place=frozenset(), comments: bool = True):
        self.names = names
        self.name_for = name_for
        self.in_place = in_place
        self.comments = comments
        self.inlined: dict = {}  # Var -> its defining Op, printed where the Var is read
        self.releases: dict = {}  # top-level statement -> names deleted after it
        # the user lines the printed statements come from (origin markers refer to them by
        # position), and after ``function()``: printed line number -> its user line
        self.sources: list = []
        self._positions: dict = {}  # user line -> its position in sources
        self._source_of: dict = {}  # id(origin) -> position in sources
        self.user_lines: dict = {}

    # -- the function -----------------------------------------------------------------------
    def function(self, fn, signature: ast.arguments, body_prefix=(), returns=None) -> str:
        if not self.inlined:
            self.find_inlined(fn.body)
        body = list(body_prefix) + self.block(fn.body, top=True)
        results = [self.expr(a) for a in fn.body.yields]
        value = returns(results) if returns else (results[0] if len(results) == 1 else
                                                  ast.Tuple(results, ast.Load()))
        # the return runs the user's line only when it prints an operation inside it
        computed = [self.inlined[a] for a in fn.body.yields if a in self.inlined]
        body.append(origin_marker(self.source_index(computed[0].origin) if computed else None))
        body.append(ast.Return(value))
        node = ast.FunctionDef(name=fn.name, args=signature, body=body, decorator_list=[],
                               returns=None, type_comment=None, type_params=[], lineno=0)
        text, self.user_lines = finish(node, self.sources)
        return text

    def find_inlined(self, block) -> None:
        """Values printed inside their reader: read once, in the same block, by the next
        statements, with nothing that writes or has effects in between. (Only the function's
        own result is rebuilt from what a block yields: a branch or loop body keeps its last
        statements, with their comments.)"""
        counts = walk.use_counts(block)
        self._inline_block(block, counts, top=True)

    def _inline_block(self, block, counts, top=False) -> None:
        candidates: dict = {}  # Var -> position in block
        for pos, stmt in enumerate(block.stmts):
            if stmt.__class__ is Op:
                written = stmt.args[0] if stmt in self.in_place else None
                for a in stmt.operands():
                    if a.__class__ is Var and a in candidates and a is not written and \
                            _same_line(block.stmts[candidates[a]], stmt):
                        self.inlined[a] = block.stmts[candidates.pop(a)]
                if not stmt.pure or stmt.kind not in _INLINE_KINDS or stmt in self.in_place:
                    candidates.clear()  # nothing moves past an effect or a write
                if _inlinable(stmt, counts):
                    candidates[stmt.outs[0]] = pos
            else:
                for a in walk.reads(stmt):
                    if a.__class__ is Var and a in candidates and \
                            _same_line(block.stmts[candidates[a]], stmt):
                        self.inlined[a] = block.stmts[candidates.pop(a)]
                candidates.clear()
                for inner in stmt.blocks():
                    self._inline_block(inner, counts)
        for a in block.yields if top else ():
            if a.__class__ is Var and a in candidates:
                self.inlined[a] = block.stmts[candidates.pop(a)]

    # -- statements -------------------------------------------------------------------------
    def block(self, block, top=False) -> list:
        out, last, marked = [], None, _UNMARKED
        for stmt in block.stmts:
            if stmt.__class__ is Op and stmt.outs and stmt.outs[0] in self.inlined:
                continue
            origin = stmt.origin
            if self.comments and origin is not None and (last is None or
                                                         origin.line != last.line or
                                                         origin.heading != last.heading):
                line = origin.line
                if line:
                    out.append(comment(("grad of: " if origin.role == "grad" else "") + line))
            # (also where the comment is shared: two user lines with the same text, or a
            # statement with no user line, must not be told as the line above)
            source = self.source_index(origin)
            if source != marked:
                out.append(origin_marker(source))
                marked = source
            last = origin
            out.extend(self.statement(stmt))
            released = self.releases.get(stmt) if top else None
            if released:
                out.append(ast.Delete([ast.Name(n, ast.Del()) for n in sorted(released)]))
        return out

    def source_index(self, origin):
        """The position in ``sources`` of the user line ``origin`` names (None: none)."""
        if origin is None:
            return None
        key = id(origin)
        if key not in self._source_of:
            line = origin.user_line()
            if line is not None and line not in self._positions:
                self._positions[line] = len(self.sources)
                self.sources.append(line)
            self._source_of[key] = None if line is None else self._positions[line]
        return self._source_of[key]

    def statement(self, stmt) -> list:
        kind = stmt.__class__
        if kind is Op:
            return self.op(stmt)
        if kind is If:
            return self.if_(stmt)
        return self.loop(stmt)

    def op(self, op) -> list:
        kind = op.kind
        if kind == "setitem" and op in self.in_place:
            value, index, item = op.args
            target = ast.Subscript(self.expr(value), self.index(index), ast.Store())
            return [ast.Assign([target], self.expr(item), lineno=0)]
        if kind == "augop" and op in self.in_place:
            return [ast.AugAssign(self.target(op.outs[0]), _BINOPS[op.prim](),
                                  self.expr(op.args[1]))]
        if kind in ("append", "extend") and op in self.in_place:
            call = ast.Call(ast.Attribute(self.expr(op.args[0]), kind, ast.Load()),
                            [self.expr(op.args[1])], [])
            return [ast.Expr(call)]
        if kind == "pop" and op in self.in_place:
            call = ast.Call(ast.Attribute(self.expr(op.args[0]), "pop", ast.Load()), [], [])
            return [ast.Assign([self.target(op.outs[0])], call, lineno=0)]
        if kind == "comment":
            return [comment(op.prim)]
        if kind == "assert":
            test, msg = op.args
            return [ast.Assert(self.expr(test), None if _is_none(msg) else self.expr(msg))]
        value = self.rhs(op)
        if not op.outs:
            return [ast.Expr(value)]
        if len(op.outs) == 1 and kind != "unpack":
            return [ast.Assign([self.target(op.outs[0])], value, lineno=0)]
        targets = ast.Tuple([self.target(o) for o in op.outs], ast.Store())
        return [ast.Assign([targets], value, lineno=0)]

    def if_(self, stmt) -> list:
        then = code_only(self.block(stmt.then) + self.copies(stmt.outs, stmt.then.yields))
        orelse = code_only(self.block(stmt.orelse) + self.copies(stmt.outs, stmt.orelse.yields))
        if not then:
            if not orelse:
                return []
            return [ast.If(_negate(self.expr(stmt.cond)), orelse, [])]
        return [ast.If(self.expr(stmt.cond), then, orelse)]

    def loop(self, stmt) -> list:
        before = self.copies(stmt.params, stmt.inits)
        body = code_only(self.block(stmt.body) + self.copies(stmt.params, stmt.body.yields))
        if stmt.brk is not None:
            body.append(ast.If(self.expr(stmt.brk), [ast.Break()], []))
        after = self.copies(stmt.outs, stmt.params)
        if stmt.kind in ("range", "reversed"):
            bounds = [self.expr(b) for b in stmt.bounds]
            start, stop, step = stmt.bounds
            if _is_const(step, 1):
                bounds = bounds[1:2] if _is_const(start, 0) else bounds[:2]
            iterable = ast.Call(ast.Name("range", ast.Load()), bounds, [])
            if stmt.kind == "reversed":
                iterable = ast.Call(ast.Name("reversed", ast.Load()), [iterable], [])
            loop = ast.For(self.target(stmt.index) if stmt.index is not None else
                           ast.Name("_", ast.Store()), iterable,
                           body or [ast.Pass()], [], type_comment=None, lineno=0)
            return before + [loop] + after
        header = self.block(stmt.header)
        test = self.expr(stmt.header.yields[0])
        if header:
            body = header + [ast.If(_negate(test), [ast.Break()], [])] + body
            test = ast.Constant(True)
        return before + [ast.While(test, body or [ast.Pass()], [])] + after

    def copies(self, targets, values) -> list:
        """``targets = values`` for the pairs whose names differ, as one parallel copy."""
        pairs = [(t, v) for t, v in zip(targets, values)
                 if v is not UNBOUND and not (v.__class__ is Var and v not in self.inlined and
                                              self.names.get(v) == self.names.get(t))]
        if not pairs:
            return []
        if len(pairs) == 1:
            t, v = pairs[0]
            return [ast.Assign([self.target(t)], self.expr(v), lineno=0)]
        return [ast.Assign([ast.Tuple([self.target(t) for t, _ in pairs], ast.Store())],
                           ast.Tuple([self.expr(v) for _, v in pairs], ast.Load()), lineno=0)]

    # -- expressions ------------------------------------------------------------------------
    def target(self, var) -> ast.Name:
        return ast.Name(self.names[var], ast.Store())

    def expr(self, atom):
        kind = atom.__class__
        if kind is Var:
            op = self.inlined.get(atom)
            if op is not None:
                return self.rhs(op)
            return ast.Name(self.names[atom], ast.Load())
        if kind is Const:
            return constant(atom.value)
        if kind is Free:
            return ast.parse(atom.path, mode="eval").body
        if kind is Ref:
            return ast.Name(self.name_for(atom.obj, atom.hint), ast.Load())
        if atom is UNBOUND:
            raise ValueError("an unbound value cannot be printed as an expression")
        raise TypeError(atom)

    def index(self, atom):
        """An index inside ``[...]``: slices print as ``a:b:c``."""
        if atom.__class__ is Var and atom in self.inlined:
            op = self.inlined[atom]
            if op.kind == "slice":
                lo, hi, step = (None if _is_none(a) else self.expr(a) for a in op.args)
                return ast.Slice(lo, hi, step)
            if op.kind == "tuple":
                return ast.Tuple([self.index(a) for a in op.args], ast.Load())
        return self.expr(atom)

    def callee(self, op):
        if isinstance(op.fn, str):
            return ast.parse(op.fn, mode="eval").body
        if op.fn is not None:
            return self.expr(op.fn)
        prim = op.prim
        if op in self.in_place and twin(op) is not None:
            prim = twin(op)  # (the helper that reuses its first argument's memory)
        preferred = getattr(prim, "__name__", "function")
        return ast.Name(self.name_for(prim, preferred), ast.Load())

    def rhs(self, op):
        kind = op.kind
        args = [self.expr(a) for a in op.args]
        if kind in ("call", "user"):
            keywords = [ast.keyword(k, self.expr(a)) for k, a in op.kwargs]
            if op.method:
                if op.method.startswith("."):
                    return ast.Attribute(args[0], op.method[1:], ast.Load())
                return ast.Call(ast.Attribute(args[0], op.method, ast.Load()), args[1:],
                                keywords)
            return ast.Call(self.callee(op), args, keywords)
        if kind in ("binop", "augop"):
            return ast.BinOp(args[0], _BINOPS[op.prim](), args[1])
        if kind == "unary":
            return ast.UnaryOp(_UNARY[op.prim](), args[0])
        if kind == "compare":
            return ast.Compare(args[0], [_COMPARE[c]() for c in op.prim], args[1:])
        if kind == "getattr":
            return ast.Attribute(args[0], op.prim, ast.Load())
        if kind == "getitem":
            return ast.Subscript(args[0], self.index(op.args[1]), ast.Load())
        if kind == "tuple":
            return ast.Tuple(args, ast.Load())
        if kind == "list":
            return ast.List(args, ast.Load())
        if kind == "dict":
            return ast.Dict([constant(k) for k in op.prim], args)
        if kind == "slice":
            return ast.Call(ast.Name("slice", ast.Load()), args, [])
        if kind == "unpack":
            return args[0]
        if kind == "setitem":
            return ast.Call(ast.Name(self.name_for(_with_item(), "with_item"), ast.Load()),
                            args, [])
        if kind == "append":
            return ast.List([ast.Starred(args[0], ast.Load()), args[1]], ast.Load())
        if kind == "extend":
            return ast.List([ast.Starred(args[0], ast.Load()), ast.Starred(args[1],
                                                                           ast.Load())],
                            ast.Load())
        if kind == "pop":
            return ast.Tuple([ast.Subscript(args[0], ast.Constant(-1), ast.Load()),
                              ast.Subscript(args[0], ast.Slice(None, ast.Constant(-1), None),
                                            ast.Load())], ast.Load())
        if kind == "opaque":
            node, names = op.prim
            renamed = {n: self.expr(a) for n, a in zip(names, op.args)}
            return _Rename(renamed).visit(gast.gast_to_ast(_clone(node)))
        raise ValueError(f"cannot print {op!r}")


def _with_item():
    from ..runtime import with_item
    return with_item


def _same_line(a, b) -> bool:
    """Whether two statements come from the same user line in the same role: an expression is
    only rebuilt within one line, so every line keeps its own comment."""
    oa, ob = a.origin, b.origin
    if oa is None or ob is None:
        return oa is ob
    return oa.heading == ob.heading and (oa.node is ob.node or oa.line == ob.line)


def _inlinable(op, counts) -> bool:
    return (len(op.outs) == 1 and op.pure and op.kind in _INLINE_KINDS and
            counts.get(op.outs[0], 0) == 1 and not op.outs[0].user and op.kind != "augop")


def _clone(node):
    return copy.deepcopy(node)


class _Rename(ast.NodeTransformer):
    def __init__(self, mapping):
        self.mapping = mapping

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id in self.mapping:
            return self.mapping[node.id]
        return node


def constant(value):
    if isinstance(value, tuple):
        return ast.Tuple([constant(v) for v in value], ast.Load())
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        text = "float('nan')" if value != value else ("float('inf')" if value > 0
                                                        else "-float('inf')")
        return ast.parse(text, mode="eval").body
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        return ast.UnaryOp(ast.USub(), ast.Constant(-value))
    return ast.Constant(value)


def _negate(expr):
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Not):
        return expr.operand
    return ast.UnaryOp(ast.Not(), expr)


def _is_none(atom) -> bool:
    return atom.__class__ is Const and atom.value is None


def _is_const(atom, value) -> bool:
    return atom.__class__ is Const and type(atom.value) is int and atom.value == value
