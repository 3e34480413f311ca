"""Pass 6b: sum an adjoint's contributions first, then scale them by the adjoint they share.

A user line that reads a variable several times sends it one contribution per read, each the
incoming adjoint times a local derivative. Generated one operation at a time, the adjoint of
``x = np.sin(x) * x + 0.5 * x`` multiplies the incoming ``dx`` three times::

    dmul = dx
    dmul_1 = dx
    dx = dmul_1 * 0.5
    dsin = dmul * x
    dx = dx + dmul * sin
    dx = dx + dsin * np.cos(x)

This pass substitutes the temporaries of one block into the final accumulation and, only when
every term then starts with the same adjoint, writes ``dx = dx * (0.5 + sin + x * np.cos(x))``:
two multiplications fewer per step, which is most of a scalar loop's backward sweep.

Substitution moves an expression later, so it must mean the same there: it is done only for
call-free expressions whose names no statement in between re-binds or hands to a call (which
might mutate it), for bindings nothing else reads, and never across a ``# grad of:`` comment.
Factoring changes the order of float operations (a rounding difference) but never the dtype
of the result; it is refused when the sum of the local derivatives could be taken in an
integer dtype (``dy * k1 + dy * k2`` with integer ``k1``, ``k2`` could overflow as
``dy * (k1 + k2)``): the first two summands must include one that is provably inexact.
"""
from __future__ import annotations

import gast
import numpy as np

from . import nodes
from .facts import Facts, math_function

_MAX_OPERATIONS = 12  # a factored line longer than this is harder to read than the steps
_OPS = (gast.Add, gast.Sub, gast.Mult, gast.Div)
_COMPOUND = (gast.For, gast.While, gast.If)


def factor_accumulations(body: list, params, resolve) -> list:
    """Rewrite factorable accumulations in the generated (backward) statements of ``body``.

    ``params`` are the function's parameters (values of unknown type); ``resolve(node)`` gives
    the object a called name denotes (``Scope.resolve``).
    """
    state = {"facts": None}

    def facts():  # built on first need (most blocks never ask), again after each rewrite
        if state["facts"] is None:
            state["facts"] = Facts(body, params, resolve)
        return state["facts"]

    def changed():
        state["facts"] = None

    def pure(call) -> bool:  # np.cos(x), math.cos(x): no effects, the same value anywhere
        obj = resolve(call.func)
        return not call.keywords and (isinstance(obj, np.ufunc) or math_function(obj))

    _blocks(body, facts, changed, generated_only=True, names={}, pure=pure)
    return body


def _blocks(stmts: list, facts, changed, generated_only: bool, names: dict, pure) -> None:
    """``names``: id(statement) -> (statement, the names in it), filled as the scans ask;
    ``pure(call)``: whether a call may move (a numpy ufunc or a ``math`` function)."""
    for stmt in stmts:
        if isinstance(stmt, _COMPOUND) and (not generated_only or
                                            getattr(stmt, "sg_generated", False)):
            # a user's loop holding tangent steps (tangents.py): only those may move
            mixed = getattr(stmt, "sg_mixed", False)
            _blocks(stmt.body, facts, changed, mixed, names, pure)
            _blocks(stmt.orelse, facts, changed, mixed, names, pure)
    movable = [not generated_only or getattr(s, "sg_generated", False) for s in stmts]
    copies = {s.targets[0].id for s in stmts if _arithmetic(s) and _unit_copy(s.value)}
    j = 0
    while j < len(stmts):
        removed = []
        if movable[j] and _candidate(stmts[j]):
            removed = _rewrite(stmts, j, movable, facts, names, pure)
        if movable[j] and not removed:
            stmt = stmts[j]
            if _arithmetic(stmt) and _may_hold_copies(stmt.value, copies):
                removed = _drop_units(stmts, j, movable, facts(), names, pure, copies)
            elif isinstance(stmt, gast.AugAssign) and isinstance(stmt.op, (gast.Add, gast.Sub)) \
                    and _unit_copy(stmt.value) is not None:
                # dy += 1.0 * y is dy += y: the buffer's own dtype receives the sum either way
                stmt.value = _unit_copy(stmt.value)
        if removed:
            changed()
            j -= len(removed)
            for i in removed:
                del movable[i]
        j += 1


def _arithmetic(stmt) -> bool:
    return isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 and \
        isinstance(stmt.targets[0], gast.Name) and isinstance(stmt.value, gast.BinOp) and \
        isinstance(stmt.value.op, _OPS)


def _may_hold_copies(value, copies: set[str]) -> bool:
    """Whether arithmetic ``value`` has an operand ``1.0 * v``, or a name ``copies`` holds (the
    targets of ``x = 1.0 * v`` in the block): a cheap look before the facts are asked."""
    return any(_arith_node(n) and any(
        _unit_copy(o) is not None or (isinstance(o, gast.Name) and o.id in copies)
        for o in (n.left, n.right)) for n in nodes.walk(value))


def _candidate(stmt) -> bool:
    """A sum whose terms may share a factor: ``name = a + b`` or ``a - b``."""
    return _arithmetic(stmt) and isinstance(stmt.value.op, (gast.Add, gast.Sub))


def _rewrite(stmts: list, j: int, movable: list, facts, names: dict, pure) -> list:
    """Try to factor ``stmts[j]``; return the indices of the statements it absorbed (removed),
    highest first."""
    # a first, optimistic try without the whole-function facts: most candidates fail early
    expr, consumed = _substituted(stmts, j, movable, None, names, pure)
    if not consumed or _common_factor(expr) is None:
        return []
    expr, consumed = _substituted(stmts, j, movable, facts(), names, pure)
    factored = _factored(expr, facts()) if consumed else None
    if factored is None:
        return []
    stmts[j].value = factored
    names.pop(id(stmts[j]), None)
    removed = sorted(consumed, reverse=True)
    for i in removed:
        del stmts[i]
    return removed


def _substituted(stmts, j, movable, facts, names, pure):
    """``stmts[j]``'s value with the values of earlier statements substituted, and their
    indices. Without ``facts``, whether anything else reads those values is not checked."""
    target = stmts[j].targets[0].id
    expr = nodes.clone(stmts[j].value)
    consumed: set[int] = set()
    progress = True
    while progress:
        progress = False
        for name in dict.fromkeys(n.id for n in nodes.walk(expr)
                                  if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)):
            i = _binding(stmts, j, name, consumed, expr, target, facts, names, pure)
            if i is not None and movable[i]:
                expr = _substitute(expr, name, stmts[i].value)
                consumed.add(i)
                progress = True
                break
    return expr, consumed


def _binding(stmts, j, name, consumed, expr, target, facts, names, pure):
    """The index of the statement whose value of ``name`` may move into ``expr``, or None."""
    i = j - 1
    while i >= 0 and (i in consumed or name not in _names_in(stmts[i], names)):
        if nodes.is_comment(stmts[i]):
            return None  # never move code across a "# grad of:" line
        i -= 1
    if i < 0:
        return None
    stmt = stmts[i]
    if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 and
            isinstance(stmt.targets[0], gast.Name) and stmt.targets[0].id == name and
            _movable(stmt.value, pure)):
        return None
    if isinstance(stmt.value, gast.BinOp) and not isinstance(stmt.value.op, _OPS):
        return None
    uses = sum(1 for n in nodes.walk(expr) if isinstance(n, gast.Name) and n.id == name)
    if uses != 1 and not isinstance(stmt.value, (gast.Name, gast.Constant)):
        return None  # the value would be computed twice
    if name != target and facts is not None:  # (stmts[j] re-binds its target: dead after it)
        # every read of this binding must be one being replaced: nothing outside reads it
        accounted = _loads_in([stmts[k] for k in consumed | {i}], name) + \
            _loads_in([stmts[j].value], name)
        if facts.stores.get(name) != 1 or facts.loads.get(name, 0) != accounted:
            return None
    read = nodes.names_in(stmt.value)
    for k in range(i + 1, j):
        if k not in consumed and _interferes(stmts[k], read, pure):
            return None
    return i


def _names_in(stmt, names: dict) -> set[str]:
    entry = names.get(id(stmt))
    if entry is None or entry[0] is not stmt:
        entry = names[id(stmt)] = (stmt, nodes.names_in(stmt))
    return entry[1]


def _loads_in(trees, name) -> int:
    return sum(1 for tree in trees for n in nodes.walk(tree)
               if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id == name)


def _movable(value, pure) -> bool:
    """Names, numbers, arithmetic and pure calls of those: nothing that acts or depends on
    when it runs."""
    kind = value.__class__
    if kind is gast.Name or kind is gast.Constant:
        return True
    if kind is gast.BinOp:
        return _movable(value.left, pure) and _movable(value.right, pure)
    if kind is gast.UnaryOp:
        return _movable(value.operand, pure)
    if kind is gast.Call:
        return pure(value) and all(_movable(a, pure) for a in value.args)
    return False


def _interferes(stmt, read: set[str], pure) -> bool:
    """Could ``stmt`` change what the names in ``read`` hold (re-bind, write into, mutate)?"""
    if nodes.is_comment(stmt):
        return True  # never move code across a "# grad of:" block
    if not isinstance(stmt, (gast.Assign, gast.AugAssign, gast.Expr)):
        return True
    for n in nodes.walk(stmt):
        if isinstance(n, gast.Name) and not isinstance(n.ctx, gast.Load) and n.id in read:
            return True
        if isinstance(n, gast.Subscript) and not isinstance(n.ctx, gast.Load) and \
                nodes.names_in(n.value) & read:
            return True
        if isinstance(n, gast.Call) and not pure(n) and nodes.names_in(n) & read:
            return True
    return False


def _substitute(expr, name, value):
    class Replace(nodes.Transformer):
        def visit_Name(self, node):
            if node.id == name and isinstance(node.ctx, gast.Load):
                return nodes.clone(value)
            return node

    return Replace().visit(expr)


# -- unit copies: ``1.0 * v`` inside arithmetic is ``v`` ------------------------------------------

def _unit_copy(node):
    """``v`` when ``node`` is ``1.0 * v`` or ``v * 1.0`` (how a rule's ``g * v`` reads under the
    seed: a copy, so that an adjoint never aliases a value the user can see), else None."""
    if isinstance(node, gast.BinOp) and isinstance(node.op, gast.Mult):
        for one, other in ((node.left, node.right), (node.right, node.left)):
            if isinstance(one, gast.Constant) and type(one.value) is float and one.value == 1.0:
                return other
    return None


def _drop_units(stmts, j, movable, facts, names, pure, copies) -> list:
    """Write ``v`` for a copy ``1.0 * v`` that is an operand of arithmetic in ``stmts[j]`` (the
    operation makes a new array anyway), first moving in single-use copies it reads: ``dsin =
    1.0 * x; dx = dx + dsin * np.cos(x)`` becomes ``dx = dx + x * np.cos(x)``. Only where the
    result is a float either way: the other operand, or ``v``, is surely inexact (or it is a
    true division). Returns the indices of the statements moved in (removed), highest first."""
    stmt = stmts[j]
    target = stmt.targets[0].id
    expr = nodes.clone(stmt.value)
    consumed: set[int] = set()
    for parent in [n for n in nodes.walk(expr) if _arith_node(n)]:
        for field in ("left", "right"):
            operand = getattr(parent, field)
            if isinstance(operand, gast.Name) and operand.id in copies:
                i = _binding(stmts, j, operand.id, consumed, expr, target, facts, names, pure)
                if i is not None and movable[i] and _unit_copy(stmts[i].value) is not None:
                    setattr(parent, field, nodes.clone(stmts[i].value))
                    consumed.add(i)
    dropped = False
    for parent in [n for n in nodes.walk(expr) if _arith_node(n)]:
        for field, other in (("left", parent.right), ("right", parent.left)):
            value = _unit_copy(getattr(parent, field))
            if value is not None and (isinstance(parent.op, gast.Div) or
                                      facts.inexact(other) or facts.inexact(value)):
                setattr(parent, field, value)
                dropped = True
    if not dropped:
        return []
    stmt.value = expr
    names.pop(id(stmt), None)
    removed = sorted(consumed, reverse=True)
    for i in removed:
        del stmts[i]
    return removed


def _arith_node(node) -> bool:
    return isinstance(node, gast.BinOp) and isinstance(node.op, _OPS)


def _terms(expr, sign=1):
    """``a - b + c`` as [(1, a), (-1, b), (1, c)]."""
    if isinstance(expr, gast.BinOp) and isinstance(expr.op, (gast.Add, gast.Sub)):
        right = -sign if isinstance(expr.op, gast.Sub) else sign
        return _terms(expr.left, sign) + _terms(expr.right, right)
    if isinstance(expr, gast.UnaryOp) and isinstance(expr.op, gast.USub):
        return _terms(expr.operand, -sign)
    unsigned = _without_leading_minus(expr)
    return [(sign, expr)] if unsigned is None else [(-sign, unsigned)]


def _without_leading_minus(expr):
    """``g / q * x`` for ``-g / q * x`` (a product's leading minus is the term's sign)."""
    if isinstance(expr, gast.BinOp) and isinstance(expr.op, (gast.Mult, gast.Div)):
        left = _without_leading_minus(expr.left)
        return None if left is None else nodes.binop(left, expr.op, expr.right)
    if isinstance(expr, gast.UnaryOp) and isinstance(expr.op, gast.USub):
        return expr.operand
    return None


def _factors(expr):
    """``a * b / c`` as [(Mult, a), (Mult, b), (Div, c)] (left to right)."""
    if isinstance(expr, gast.BinOp) and isinstance(expr.op, (gast.Mult, gast.Div)):
        return _factors(expr.left) + [(type(expr.op), expr.right)]
    return [(gast.Mult, expr)]


def _common_factor(expr):
    """The name every term of the sum ``expr`` starts with (``g`` in ``g * a - g * b``)."""
    terms = _terms(expr)
    firsts = {_factors(term)[0][1] for _, term in terms}
    names = {f.id if isinstance(f, gast.Name) else None for f in firsts}
    return names.pop() if len(terms) > 1 and len(names) == 1 else None


def _factored(expr, facts):
    """``g * (r1 + r2 ...)`` for ``g * r1 + g * r2 ...``, or None when that is not safe."""
    common = _common_factor(expr)
    if common is None:
        return None
    rests = []
    for sign, term in _terms(expr):
        rest = _product(_factors(term)[1:], facts)
        if rest is None:
            return None
        rests.append((sign, rest))
    rests.sort(key=lambda rest: rest[0] < 0)  # a positive term first: no leading minus
    if not (facts.inexact(rests[0][1]) or facts.inexact(rests[1][1])):
        return None  # the first sum could be taken in an integer dtype
    if rests[0][0] < 0 and not facts.inexact(rests[0][1]):
        return None  # negating an integer can overflow too
    total = rests[0][1] if rests[0][0] > 0 else gast.UnaryOp(op=gast.USub(), operand=rests[0][1])
    for sign, rest in rests[1:]:
        total = nodes.binop(total, gast.Add() if sign > 0 else gast.Sub(), rest)
    result = nodes.binop(nodes.load(common), gast.Mult(), total)
    if sum(isinstance(n, gast.BinOp) for n in nodes.walk(result)) > _MAX_OPERATIONS:
        return None
    return result


def _product(factors, facts):
    """The product of ``factors`` (1.0 when empty), or None when it could overflow: the
    original multiplied the (float) adjoint first, so the first product must be inexact."""
    if not factors:
        return nodes.const(1.0)
    times = [f for op, f in factors if op is gast.Mult]
    over = [f for op, f in factors if op is gast.Div]
    if over:  # numerators first when their product is surely a float: 2 * x / q, x / q * 2
        if len(times) > 1 and not (facts.inexact(times[0]) or facts.inexact(times[1])):
            order = times[:1] + over + times[1:]
            ops = [gast.Mult] + [gast.Div] * len(over) + [gast.Mult] * (len(times) - 1)
        else:
            order, ops = times + over, [gast.Mult] * len(times) + [gast.Div] * len(over)
        factors = list(zip(ops, order))
    elif len(factors) > 1 and not (facts.inexact(factors[0][1]) or
                                   facts.inexact(factors[1][1])):
        return None
    op, node = factors[0]
    if op is gast.Div:
        node = nodes.binop(nodes.const(1.0), gast.Div(), node)
    for op, factor in factors[1:]:
        node = nodes.binop(node, op(), factor)
    return node


__all__ = ["factor_accumulations"]
