"""Pass 6: cleanup of the assembled gradient function.

Dead-code elimination: a generated statement whose result nothing reads is removed (template
preludes no input needed, adjoints of values that fed only dead ends). User statements with
calls are kept -- they may have effects -- but pure forward temporaries nothing reads go too.
"""
from __future__ import annotations

import gast

from . import nodes

_PURE = (gast.Name, gast.Constant, gast.BinOp, gast.UnaryOp, gast.Subscript, gast.Attribute,
         gast.Compare, gast.Tuple, gast.List)


def _removable(stmt) -> bool:
    if not isinstance(stmt, gast.Assign):
        return False
    if not all(isinstance(n, gast.Name) for t in stmt.targets for n in _target_names(t)):
        return False
    if getattr(stmt, "sg_generated", False) or getattr(stmt, "sg_pure", False):
        return True
    return isinstance(stmt.value, _PURE) and not any(
        isinstance(n, gast.Call) for n in nodes.walk(stmt.value))


def _target_names(target):
    if isinstance(target, (gast.Tuple, gast.List)):
        for e in target.elts:
            yield from _target_names(e)
    else:
        yield target


def eliminate_dead_code(body: list, live: set[str]) -> list:
    """Remove assignments to names never read afterwards (``live``: read after ``body``)."""
    kept = []
    live = set(live)
    for stmt in reversed(body):
        if nodes.is_comment(stmt):
            kept.append(stmt)
            continue
        if isinstance(stmt, gast.Assign) and _removable(stmt):
            names = {n.id for t in stmt.targets for n in _target_names(t)}
            if not names & live:
                continue
            live -= names
        elif isinstance(stmt, (gast.For, gast.While, gast.If)):
            # nested blocks are kept whole; everything they read stays live
            live |= nodes.names_in(stmt)
            kept.append(stmt)
            continue
        live |= set(nodes.loaded_names(stmt))
        kept.append(stmt)
    kept.reverse()
    return _drop_orphan_comments(kept)


def _drop_orphan_comments(body: list) -> list:
    """A comment followed directly by another comment (or nothing) lost its code."""
    out = []
    for i, stmt in enumerate(body):
        if nodes.is_comment(stmt) and not getattr(stmt, "sg_section", False):
            nxt = body[i + 1] if i + 1 < len(body) else None
            if nxt is None or nodes.is_comment(nxt) or isinstance(nxt, (gast.Return,
                                                                        gast.Delete)):
                continue
        out.append(stmt)
    return out


# -- reuse: the backward sweep reads forward values instead of recomputing them ------------------

_SCOPES = (gast.Lambda, gast.GeneratorExp, gast.ListComp, gast.SetComp, gast.DictComp)


_SCOPE_SET = frozenset(_SCOPES)


def store_counts(body) -> dict[str, int]:
    """How often each name is bound in the function's own scope (not in lambdas or
    comprehensions). Only statement targets bind: the fence refuses ``:=``."""
    counts: dict[str, int] = {}
    Name, Load = gast.Name, gast.Load
    for stmt in nodes.statements(body):
        kind = stmt.__class__
        if kind is gast.Assign or kind is gast.Delete:
            targets = stmt.targets
        elif kind is gast.AugAssign or kind is gast.For or kind is gast.AnnAssign:
            targets = [stmt.target]
        else:
            continue
        for target in targets:
            if target.__class__ is Name:  # the common case, without a walk
                if target.ctx.__class__ is not Load:
                    counts[target.id] = counts.get(target.id, 0) + 1
                continue
            for n in nodes.name_nodes(target, _SCOPE_SET):
                if n.__class__ is Name and n.ctx.__class__ is not Load:
                    counts[n.id] = counts.get(n.id, 0) + 1
    return counts


def reuse_forward_values(body: list, params: set[str], counts=None) -> list:
    """Replace expressions in the backward sweep that the forward sweep already computed.

    ``dx = dcos * -np.sin(x)`` becomes ``dx = dcos * -sin`` when the forward sweep holds
    ``sin = np.sin(x)`` and neither ``sin`` nor ``x`` is ever re-bound.
    """
    counts = counts if counts is not None else store_counts(body)

    def stable(name):
        return counts.get(name, 0) == (0 if name in params else 1)

    known: dict[str, str] = {}
    for stmt in body:
        if getattr(stmt, "sg_generated", False):
            break
        if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name) and \
                isinstance(stmt.value, (gast.Call, gast.BinOp, gast.UnaryOp)):
            target = stmt.targets[0].id
            operands = [n.id for n in nodes.walk(stmt.value) if isinstance(n, gast.Name)]
            key = _key(stmt.value)
            if key is not None and stable(target) and \
                    all(stable(o) or _is_global(o, counts, params) for o in operands):
                known.setdefault(key, target)
    if not known:
        return body
    heads = {_head_of_key(k) for k in known}

    class Reuse(nodes.Transformer):
        def generic_visit(self, node):
            # the whole key only when the operator or callee matches one (keys are deep)
            head = _head(node)
            if head is not None and head in heads:
                name = known.get(_key(node))
                if name is not None:
                    return nodes.load(name)
            return super().generic_visit(node)

    out = []
    for stmt in body:
        if getattr(stmt, "sg_generated", False) and isinstance(stmt, gast.Assign):
            stmt.value = Reuse().visit(stmt.value)
        out.append(stmt)
    return out


def _key(node):
    """A hashable structural key of a small expression (None for kinds not compared)."""
    kind = type(node)
    if kind is gast.Name:
        return ("N", node.id)
    if kind is gast.Constant:
        return ("C", type(node.value).__name__, repr(node.value))
    if kind is gast.Attribute:
        inner = _key(node.value)
        return None if inner is None else ("A", inner, node.attr)
    if kind is gast.BinOp:
        left, right = _key(node.left), _key(node.right)
        return None if left is None or right is None else \
            ("B", type(node.op).__name__, left, right)
    if kind is gast.UnaryOp:
        operand = _key(node.operand)
        return None if operand is None else ("U", type(node.op).__name__, operand)
    if kind is gast.Call:
        parts = [_key(node.func)] + [_key(a) for a in node.args] + \
            [_key(kw.value) for kw in node.keywords]
        if any(p is None for p in parts):
            return None
        return ("F", tuple(parts), tuple(kw.arg for kw in node.keywords))
    return None


def _head(node):
    """The operator or callee part of ``_key(node)`` (None for other kinds)."""
    kind = node.__class__
    if kind is gast.BinOp:
        return ("B", node.op.__class__.__name__)
    if kind is gast.UnaryOp:
        return ("U", node.op.__class__.__name__)
    if kind is gast.Call:
        return ("F", _key(node.func))
    return None


def _head_of_key(key):
    return ("F", key[1][0]) if key[0] == "F" else key[:2]


def _is_global(name, counts, params) -> bool:
    return name not in counts and name not in params


def fold_negations(body: list) -> list:
    """``a + -b * c`` -> ``a - b * c`` and ``a + -b`` -> ``a - b`` (one array pass fewer).

    The sums are changed in place: whether a sum folds depends on its right operand only, and
    folding never makes or removes the pattern elsewhere, so the order of the walk is free.
    """
    BinOp, UnaryOp, Add, USub = gast.BinOp, gast.UnaryOp, gast.Add, gast.USub
    for stmt in body:
        if not getattr(stmt, "sg_generated", False):
            continue
        for node in nodes.walk(stmt):
            if node.__class__ is not BinOp or node.op.__class__ is not Add:
                continue
            right = node.right
            if right.__class__ is UnaryOp and right.op.__class__ is USub:
                node.op, node.right = gast.Sub(), right.operand
            elif right.__class__ is BinOp and isinstance(right.op, (gast.Mult, gast.Div)) and \
                    right.left.__class__ is UnaryOp and right.left.op.__class__ is USub:
                right.left = right.left.operand
                node.op = gast.Sub()
    return body


# -- release: drop values as soon as nothing reads them (peak memory) ----------------------------

def release_dead_values(body: list, keep: set[str]) -> list:
    """Insert ``del`` after the last top-level use of each local nothing reads afterwards.

    Only names bound once, by a plain top-level assignment, are released (never parameters,
    ``keep``, or names a lambda or comprehension captures).
    """
    last_use: dict[str, int] = {}
    bound_at: dict[str, int] = {}
    counts: dict[str, int] = {}
    captured: set[str] = set()
    Name, Load = gast.Name, gast.Load
    for i, stmt in enumerate(body):
        for n in nodes.name_nodes(stmt, _SCOPE_SET):
            if n.__class__ is Name:
                if n.ctx.__class__ is Load:
                    last_use[n.id] = i
                else:
                    counts[n.id] = counts.get(n.id, 0) + 1
                    bound_at.setdefault(n.id, i)
            else:  # a lambda or comprehension: whatever it names stays alive
                captured |= nodes.names_in(n)
    releasable: dict[int, list] = {}
    for name, i in last_use.items():
        if name in keep or name in captured or counts.get(name) != 1 or name not in bound_at:
            continue
        if not isinstance(body[bound_at[name]], gast.Assign) or \
                isinstance(body[i], (gast.Return, gast.For, gast.While, gast.If)):
            continue
        releasable.setdefault(i, []).append(name)
    out = []
    for i, stmt in enumerate(body):
        out.append(stmt)
        names = sorted(releasable.get(i, ()))
        if names:
            out.append(gast.Delete(targets=[gast.Name(n, gast.Del(), None, None)
                                            for n in names]))
    return out


def earliest_shape_args(backward: list, forward: list, shapes, readers: dict, params) -> list:
    """Let shape-only reads use the earliest value of the same shape.

    ``reduced_count(log1p, None)`` becomes ``reduced_count(mul, None)`` when ``mul`` has
    ``log1p``'s shape: then nothing in the backward sweep needs ``log1p``, and dead-code
    elimination can drop computations that only served the (unreturned) output.
    """
    if shapes is None or not readers:
        return backward
    earliest: dict[str, str] = {}
    once = store_counts(forward)
    for name in params:
        token = shapes.tokens.get(name)
        if token is not None:
            earliest.setdefault(token, name)
    for stmt in forward:
        if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name):
            name = stmt.targets[0].id
            token = shapes.tokens.get(name)
            if token is not None and once.get(name) == 1:
                earliest.setdefault(token, name)
    for stmt in backward:
        if isinstance(stmt, (gast.For, gast.While, gast.If)):
            continue  # values inside loops may be restored from stacks: leave them
        for node in nodes.walk(stmt):
            if isinstance(node, gast.Call) and isinstance(node.func, gast.Name) and \
                    node.func.id in readers:
                pos = readers[node.func.id]
                arg = node.args[pos] if len(node.args) > pos else None
                if isinstance(arg, gast.Name):
                    better = earliest.get(shapes.tokens.get(arg.id))
                    if better is not None:
                        arg.id = better
    return backward


def shape_witnesses(body: list, readers: dict[str, int], params, make_witness,
                    fresh, counts=None) -> list:
    """Keep only the shape of forward values the backward sweep reads only for their shape.

    ``dmatmul = unbroadcast(dadd, matmul)`` is the last use of a big ``matmul``: after
    ``matmul_shape = shape_of(matmul)`` right where it is computed, the backward sweep reads
    the stand-in and ``matmul`` is released as soon as the forward sweep is done with it.
    ``make_witness(name)`` returns the expression that builds the stand-in; ``fresh`` names it.
    ``counts`` is ``store_counts(body)`` when the caller has it.
    """
    counts = counts if counts is not None else store_counts(body)
    defined: dict[str, int] = {}
    for i, stmt in enumerate(body):
        if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name) and \
                not getattr(stmt, "sg_generated", False):
            name = stmt.targets[0].id
            if counts.get(name) == 1 and name not in params:
                defined[name] = i
    shape_reads: dict[str, list] = {}
    other = set()
    for stmt in body:
        generated = getattr(stmt, "sg_generated", False)
        if not generated:
            continue
        compound = isinstance(stmt, (gast.For, gast.While, gast.If))
        shape_positions = set()
        loads = []
        for node in nodes.walk(stmt):
            kind = node.__class__
            if kind is gast.Name:
                if node.id in defined and node.ctx.__class__ is gast.Load:
                    loads.append(node)
            elif kind is gast.Call and node.func.__class__ is gast.Name and \
                    node.func.id in readers:
                pos = readers[node.func.id]
                if len(node.args) > pos and isinstance(node.args[pos], gast.Name):
                    shape_positions.add(id(node.args[pos]))
        for node in loads:
            if id(node) in shape_positions and not compound:
                shape_reads.setdefault(node.id, []).append(node)
            else:
                other.add(node.id)
    chosen = {name: reads for name, reads in shape_reads.items() if name not in other}
    if not chosen:
        return body
    out = []
    witness_of = {}
    for name in chosen:
        witness_of[name] = fresh(name + "_shape")
    for i, stmt in enumerate(body):
        out.append(stmt)
        if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name) and \
                stmt.targets[0].id in chosen and defined.get(stmt.targets[0].id) == i:
            name = stmt.targets[0].id
            witness = nodes.assign(witness_of[name], make_witness(name))
            out.append(witness)
    for name, reads in chosen.items():
        for node in reads:
            node.id = witness_of[name]
    return out
