"""Pass 6b: arithmetic written over dead temporaries, for a lower peak memory.

After ``release_dead_values`` has placed a ``del`` after each local's last use, a statement such
as ``dadd = dtanh * (1 - tanh * tanh)`` followed by ``del dtanh, tanh`` allocates two arrays the
size of ``tanh`` although two arrays of that size are about to be freed. ``write_in_place``
computes such arithmetic in the memory of the dying locals:

    dadd = dtanh * (1 - tanh * tanh)        dadd = into(tanh, np.multiply, tanh, tanh)
    del dtanh, tanh                  ->     del tanh
                                            dadd = into(dadd, np.subtract, 1, dadd)
                                            dadd = into(dadd, np.multiply, dtanh, dadd)
                                            del dtanh

``into(buf, ufunc, a, b)`` (``runtime_inplace.py``) writes over ``buf`` only when, at run time,
nothing else refers to it and the result has exactly its dtype and shape; otherwise it applies
the operator into a new array. So the compiler only has to pick candidates: locals of this
function, never parameters or names the caller keeps, that nothing reads afterwards.

Only the operations numpy cannot already do in place are rewritten: numpy reuses a temporary
with one reference for ``temp * y``, ``y * temp``, ``temp - y`` and ``-temp`` by itself, but not
``1 - temp`` or ``g / y`` with named operands. Steps follow evaluation order, and a buffer is
only used once every read of its old value in the statement lies inside the operation that
overwrites it. Each ``into`` is a call, so only the statements at the estimated peak are
rewritten (``_worth_rewriting``).

``schedule`` runs before the ``del``s are placed: of two adjacent independent adjoint
statements that both read a value dying at the second one, it puts last the one that has no
other dying operand to write into (``dexp = 1.0 / add`` after ``dadd = -div / add``).
"""
from __future__ import annotations

import itertools

import gast
import numpy as np

from . import nodes
from .optimize import store_counts
from .printer import Unsupported, expr

_UFUNCS = {gast.Add: np.add, gast.Sub: np.subtract, gast.Mult: np.multiply,
           gast.Div: np.divide, gast.USub: np.negative}
_COMMUTATIVE = (gast.Add, gast.Mult)


def _arith(node) -> bool:
    kind = type(node)
    if kind is gast.BinOp:
        return type(node.op) in _UFUNCS
    return kind is gast.UnaryOp and type(node.op) is gast.USub


def _rewritable(stmt) -> bool:
    """An assignment of arithmetic to one name, with no call that may have effects."""
    if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 and
            isinstance(stmt.targets[0], gast.Name) and _arith(stmt.value)):
        return False
    return not any(isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute) and
                   n.func.attr in ("pop", "append") for n in nodes.walk(stmt.value))


def scalar_names(body: list, scalar_call=None) -> set[str]:
    """Locals that surely hold numbers, not arrays: never worth a buffer (``1.0 / n``).

    ``scalar_call(call)``: whether a call surely returns a number (``math.sin(x)``); helpers
    marked ``sg_scalar`` (``reduced_count``) always do.
    """
    scalars: set[str] = set()
    for stmt in body:
        if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 and \
                isinstance(stmt.targets[0], gast.Name) and \
                _scalar(stmt.value, scalars, scalar_call):
            scalars.add(stmt.targets[0].id)
    bound_twice = {name for name, count in store_counts(body).items() if count > 1}
    return scalars - bound_twice


def _scalar(node, scalars, scalar_call=None) -> bool:
    kind = type(node)
    if kind is gast.Constant:
        return type(node.value) in (int, float)
    if kind is gast.Name:
        return node.id in scalars
    if kind is gast.Call:
        return getattr(node, "sg_scalar", False) or (scalar_call is not None and
                                                     bool(scalar_call(node)))
    if kind is gast.BinOp:
        return _arith(node) and _scalar(node.left, scalars, scalar_call) and \
            _scalar(node.right, scalars, scalar_call)
    if kind is gast.UnaryOp:
        return _arith(node) and _scalar(node.operand, scalars, scalar_call)
    return False


# -- scheduling ---------------------------------------------------------------------------------

def schedule(body: list, keep: set[str], scalar_call=None, scalars=None) -> list:
    """Swap adjacent independent statements so a shared dying operand goes to the one that
    has no other buffer to write into. (``scalars``: ``scalar_names(body)`` if known.)"""
    candidates = [getattr(s, "sg_generated", False) and _rewritable(s) for s in body]
    if not any(a and b for a, b in itertools.pairwise(candidates)):
        return body  # no two adjacent statements to swap
    last_read: dict[str, int] = {}
    for i, stmt in enumerate(body):
        for name in nodes.loaded_names(stmt):
            last_read[name] = i
    if scalars is None:
        scalars = scalar_names(body, scalar_call)
    out = list(body)
    i = 0
    while i < len(out) - 1:
        first, second = out[i], out[i + 1]
        if candidates[i] and candidates[i + 1] and \
                _swap_helps(first, second, i, last_read, keep | scalars):
            out[i], out[i + 1] = second, first
            candidates[i], candidates[i + 1] = candidates[i + 1], candidates[i]
            i += 2
        else:
            i += 1
    return out


def _swap_helps(first, second, i, last_read, never) -> bool:
    if not (_rewritable(first) and _rewritable(second) and
            getattr(first, "sg_generated", False) and getattr(second, "sg_generated", False)):
        return False
    t1, t2 = first.targets[0].id, second.targets[0].id
    reads1, reads2 = set(nodes.loaded_names(first)), set(nodes.loaded_names(second))
    if t1 == t2 or t1 in reads2 or t2 in reads1 or t1 in reads1 or t2 in reads2:
        return False

    def dying(names, at):
        return {n for n in names if last_read.get(n) == at and n not in never}

    shared = dying(reads1 & reads2, i + 1)
    return bool(shared) and not dying(reads1 - reads2, i) and bool(dying(reads2 - reads1, i + 1))


# -- in-place rewriting ---------------------------------------------------------------------------

def write_in_place(body: list, keep: set[str], into, ufunc, scalar_call=None,
                   scalars=None) -> list:
    """Rewrite top-level arithmetic so it reuses the buffers of locals dying at it.

    ``keep``: names never written over (parameters, the caller's values). ``into()`` returns
    the node that names the runtime helper, ``ufunc(numpy_ufunc)`` the node naming a ufunc;
    both are asked only when a statement is rewritten. ``scalar_call``: see ``scalar_names``.

    Each ``into`` costs a call (a few hundred nanoseconds, felt on small arrays), so only the
    statements where the estimated peak lies are rewritten (``_worth_rewriting``).
    """
    if scalars is None:
        scalars = scalar_names(body, scalar_call)
    never = keep | scalars

    def statement(i, stmt, into, ufunc):
        following = body[i + 1] if i + 1 < len(body) else None
        deleted = following if isinstance(following, gast.Delete) else None
        return _Statement(stmt, deleted, never, scalars, into, ufunc, scalar_call)

    chosen = _worth_rewriting(body, scalars, statement, scalar_call)
    out: list = []
    i = 0
    while i < len(body):
        stmt = body[i]
        if i in chosen and _rewritable(stmt):
            lowering = statement(i, stmt, into, ufunc)
            rewritten = lowering.lower()
            if rewritten is not None:
                out.append(_what_it_computes(stmt, lowering.used_steps))
                out.extend(rewritten)
                i += 2 if isinstance(body[i + 1] if i + 1 < len(body) else None,
                                     gast.Delete) else 1
                continue
        out.append(stmt)
        i += 1
    return out


def _what_it_computes(stmt, buffers: list[str]):
    """``# dadd = dtanh * (1 - tanh * tanh), over tanh when safe``: the steps below it read as
    the one line they replace (``into`` writes over a buffer only when it is safe at run
    time)."""
    try:
        line = f"{stmt.targets[0].id} = {expr(stmt.value)}"
    except Unsupported:
        line = f"{stmt.targets[0].id} = ..."
    owners = [b for b in dict.fromkeys(buffers) if b != stmt.targets[0].id]
    where = f"over {' and '.join(owners)}" if owners else "in place"
    return nodes.comment(f"{line}, {where} when safe")


def _worth_rewriting(body, scalars, statement, scalar_call) -> set[int]:
    """The statements whose rewriting lowers the estimated peak memory.

    Every array counts the same (sizes are unknown here): the cost of a statement is the number
    of arrays alive before it plus the arrays it allocates. The best peak rewriting can reach is
    the largest cost that remains after rewriting; only statements above it are rewritten.

    Finding a statement's cost after rewriting takes a dry run of the rewrite, so it is done
    only where it can matter: a statement saves at most one allocation per operation, so one
    whose cost before is at most the largest lower bound of all costs after can be neither
    chosen nor the reachable peak (which is at least that bound).
    """
    def placeholder(*args):  # a dry run binds no helper name
        return nodes.load("into")

    live: set[str] = set()
    costs: dict[int, list] = {}  # i -> [before, after (None until a dry run), lowest after]
    for i, stmt in enumerate(body):
        if isinstance(stmt, gast.Delete):
            live -= {t.id for t in stmt.targets if isinstance(t, gast.Name)}
            continue
        if nodes.is_comment(stmt):
            continue
        if _rewritable(stmt):
            before = _count(stmt.value, scalars, scalar_call)[0]
            # nothing dies here unless deleted after it or re-bound by it
            dies = (i + 1 < len(body) and isinstance(body[i + 1], gast.Delete)) or \
                stmt.targets[0].id in nodes.loaded_names(stmt.value)
            saving = _operations(stmt.value) if dies else 0
            costs[i] = [len(live) + before, None if saving else len(live) + before,
                        len(live) + before - saving]
        elif isinstance(stmt, (gast.Assign, gast.For, gast.While, gast.If)):
            costs[i] = [len(live) + 1] * 3
        else:
            costs[i] = [len(live)] * 3
        if not _shape_of(stmt):
            live |= {name for name in store_counts([stmt]) if name not in scalars}
    if not costs:
        return set()
    bound = max(lowest for _, _, lowest in costs.values())
    for i, cost in costs.items():
        if cost[1] is None:
            if cost[0] > bound:
                dry = statement(i, body[i], placeholder, placeholder)
                cost[1] = cost[0] - dry.written_count()
            else:
                cost[1] = cost[0]  # (its true cost after does not matter: see above)
    reachable = max(max(after for _, after, _ in costs.values()), bound)
    return {i for i, (before, after, _) in costs.items() if before > reachable and after < before}


def _operations(node) -> int:
    """How many arithmetic operations an expression has (at most one write each)."""
    if type(node) is gast.BinOp and _arith(node):
        return 1 + _operations(node.left) + _operations(node.right)
    if type(node) is gast.UnaryOp and _arith(node):
        return 1 + _operations(node.operand)
    return 0


def _shape_of(stmt) -> bool:
    """``v_shape = getattr(v, 'shape', ())``: a tuple, not an array."""
    value = getattr(stmt, "value", None)
    return isinstance(stmt, gast.Assign) and isinstance(value, gast.Call) and \
        len(value.args) >= 2 and isinstance(value.args[1], gast.Constant) and \
        value.args[1].value == "shape"


def _count(node, scalars, scalar_call):
    """(allocations, kind) of an arithmetic expression as written, with kind scalar, temp or
    other, as ``_Statement._lower`` sees it (numpy reuses left temporaries and either side of
    ``+``/``*``)."""
    if _arith(node):
        children = [node.left, node.right] if type(node) is gast.BinOp else [node.operand]
        counted = [_count(c, scalars, scalar_call) for c in children]
        total = sum(c[0] for c in counted)
        kinds = [c[1] for c in counted]
        if all(k == "scalar" for k in kinds):
            return total, "scalar"
        commutative = isinstance(node.op, _COMMUTATIVE)
        if kinds[0] == "temp" or (commutative and len(kinds) == 2 and kinds[1] == "temp"):
            return total, "temp"
        return total + 1, "temp"
    if _scalar(node, scalars, scalar_call):
        return 0, "scalar"
    return 0, "other"


def _in_order(node):
    """Names read by an expression, in the order Python evaluates them."""
    kind = type(node)
    if kind is gast.Name:
        yield node.id
    elif kind is gast.BinOp:
        yield from _in_order(node.left)
        yield from _in_order(node.right)
    elif kind is gast.UnaryOp:
        yield from _in_order(node.operand)
    else:
        for child in gast.iter_child_nodes(node):
            yield from _in_order(child)


class _Statement:
    """One assignment ``target = <arithmetic>`` and the locals that die at it."""

    def __init__(self, stmt, deleted, never, scalars, into, ufunc, scalar_call):
        self.stmt = stmt
        self.target = stmt.targets[0].id
        self.deleted = [t.id for t in deleted.targets] if deleted is not None else []
        reads = list(dict.fromkeys(_in_order(stmt.value)))
        # the operands read first are written over first: ``dsin * cos`` reuses ``dsin``
        dying = [n for n in reads if n in self.deleted]
        if self.target in reads:
            dying.insert(0, self.target)  # re-bound here: its old value dies too
        self.dying = [n for n in dying if n not in never]
        self.scalars = scalars
        self.scalar_call = scalar_call
        self.into, self.ufunc = into, ufunc
        self.reads = {n: [id(m) for m in nodes.walk(stmt.value)
                          if isinstance(m, gast.Name) and m.id == n] for n in self.dying}
        self.used: set[str] = set()  # buffers already written in this statement
        self.holder_taken = self.target in reads  # the target may name a step's result
        self.steps: list = []
        self.used_steps: list[str] = []
        self.early_deletes: set[str] = set()

    def written_count(self) -> int:
        """How many of the statement's operations a rewrite writes over dying buffers."""
        if not self.dying:
            return 0
        self.lower()
        return len(self.used_steps)

    def lower(self):
        if not self.dying:
            return None
        value, kind, _ = self._lower(self.stmt.value, root=True)
        if not self.steps and kind != "root":
            return None
        final = nodes.assign(self.target, value)
        final.__dict__.update({k: v for k, v in self.stmt.__dict__.items()
                               if k.startswith("sg_")})
        out = self.steps + [final]
        rest = [n for n in self.deleted if n not in self.early_deletes]
        if rest:
            out.append(gast.Delete(targets=[gast.Name(n, gast.Del(), None, None) for n in rest]))
        return out

    def _lower(self, node, root=False):
        """(expression, kind, holder): kind is scalar, temp (a fresh array numpy may reuse),
        held (the result sits in ``holder``), root (the whole value was written in place) or
        other (a name or call result that must not be written)."""
        if type(node) is gast.BinOp and _arith(node):
            left, lk, lh = self._lower(node.left)
            right, rk, rh = self._lower(node.right)
            operands = [left, right]
            kinds = (lk, rk)
            elidable = lk == "temp" or (isinstance(node.op, _COMMUTATIVE) and rk == "temp")
            chain = lh or rh
        elif type(node) is gast.UnaryOp and _arith(node):
            operand, ok, oh = self._lower(node.operand)
            operands = [operand]
            kinds = (ok,)
            elidable = ok == "temp"
            chain = oh
        else:
            if _scalar(node, self.scalars, self.scalar_call):
                return node, "scalar", None
            return node, "other", None
        rebuilt = nodes.binop(operands[0], node.op, operands[1]) if len(operands) == 2 else \
            gast.UnaryOp(op=node.op, operand=operands[0])
        if all(k == "scalar" for k in kinds):
            return rebuilt, "scalar", None
        if elidable:
            return rebuilt, "temp", None
        buffer = chain or self._candidate(node)
        if buffer is None:
            return rebuilt, "temp", None
        self.used.add(buffer)
        self.used_steps.append(buffer)
        call = nodes.call(self.into(), nodes.load(buffer), self.ufunc(_UFUNCS[type(node.op)]),
                          *operands)
        if root:
            return call, "root", None
        holder = buffer
        if not self.holder_taken and buffer != self.target:
            holder = self.target  # the statement's result is built up under its own name
            self.holder_taken = True
        self.steps.append(nodes.assign(holder, call))
        if holder != buffer:
            # the old name must go before the next step, or the buffer looks shared
            self.steps.append(gast.Delete(targets=[gast.Name(buffer, gast.Del(), None, None)]))
            self.early_deletes.add(buffer)
        return nodes.load(holder), "held", holder

    def _candidate(self, node):
        inside = {id(m) for m in nodes.walk(node)}
        for name in self.dying:
            if name not in self.used and all(r in inside for r in self.reads[name]):
                return name
        return None


__all__ = ["scalar_names", "schedule", "write_in_place"]
