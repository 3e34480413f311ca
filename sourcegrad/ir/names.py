"""Names for the values of a function: SSA back to Python variables, readable and correct.

Values that must share a Python name -- a region's output and what each branch yields, a loop's
carried value in all its forms, a value written in place and the value it replaces -- are
*coalesced* into one group. Each group gets a name, the user's own where there is one; two
groups may share a name only if their *live intervals* (first definition to last read, a whole
loop for anything read around its back edge) do not overlap. A member that cannot share its
group's name without clobbering a value still needed is split off; the printer then copies it
where the region ends (``x, y = y, x`` is a parallel copy in Python).
"""
from __future__ import annotations

import builtins
import itertools
import keyword
import re

from .core import If, Op, Var
from .positions import Positions


class UnionFind:
    def __init__(self):
        self.parent: dict = {}

    def find(self, x):
        parent = self.parent
        root = x
        while parent.get(root, root) is not root:
            root = parent[root]
        while parent.get(x, x) is not root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a, b) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra is not rb:
            self.parent[rb] = ra


class Intervals:
    """Numbered program points and, for each Var, the interval in which it is live.

    A value read inside a loop that it was defined before is live to the end of that loop
    (every iteration reads it). ``inlined`` (Var -> its Op) lists values the printer writes
    inside their reader: such an op is no statement of its own, and its operands are read
    where its reader is."""

    def __init__(self, body, params, inlined=None):
        self.inlined = inlined or {}
        self.start: dict = {}
        self.end: dict = {}
        self.point: dict = {}  # Op -> the program point where it reads its operands
        self.loop_end: dict = {}
        self.pending: list = []  # (Var, loop): live to the end of that loop
        self.clock = 0
        for p in params:
            self.define(p)
        self.block(body, loops=[])
        for var, loop in self.pending:
            if self.loop_end[loop] > self.end.get(var, 0):
                self.end[var] = self.loop_end[loop]

    def tick(self) -> int:
        self.clock += 1
        return self.clock

    def define(self, var) -> None:
        t = self.tick()
        self.start.setdefault(var, t)
        self.end.setdefault(var, t)

    def read(self, atom, loops) -> None:
        if atom.__class__ is not Var:
            return
        op = self.inlined.get(atom)
        if op is not None:
            for a in op.args:
                self.read(a, loops)
            for _, a in op.kwargs:
                self.read(a, loops)
            return
        t = self.clock
        start = self.start.get(atom, t)
        for loop_start, loop in loops:  # the outermost loop it was defined before
            if start < loop_start:
                self.pending.append((atom, loop))
                break
        if t > self.end.get(atom, 0):
            self.end[atom] = t

    def block(self, block, loops) -> None:
        for stmt in block.stmts:
            kind = stmt.__class__
            if kind is Op:
                if stmt.outs and stmt.outs[0] in self.inlined:
                    continue
                self.point[stmt] = self.tick()
                for a in stmt.args:
                    self.read(a, loops)
                for _, a in stmt.kwargs:
                    self.read(a, loops)
                for out in stmt.outs:
                    self.define(out)
            elif kind is If:
                self.tick()
                self.read(stmt.cond, loops)
                self.block(stmt.then, loops)
                self.block(stmt.orelse, loops)
                for out in stmt.outs:
                    self.define(out)
            else:
                self.tick()
                for a in stmt.bounds + stmt.inits:
                    self.read(a, loops)
                inner = loops + [(self.clock, stmt)]
                if stmt.index is not None:
                    self.define(stmt.index)
                for p in stmt.params:
                    self.define(p)
                if stmt.header is not None:
                    self.block(stmt.header, inner)
                self.block(stmt.body, inner)
                if stmt.brk is not None:
                    self.read(stmt.brk, inner)
                self.loop_end[stmt] = self.clock
                for out in stmt.outs:
                    self.define(out)
        self.tick()
        for a in block.yields:
            self.read(a, loops)

    def overlap(self, a, b) -> bool:
        return self.start[a] < self.end[b] and self.start[b] < self.end[a]


def assign_names(function, in_place: set, reserved: set, inlined=None) -> dict:
    """Var -> Python name for every value of ``function``. ``in_place``: ops whose output is
    written over their first operand (they must share its name). ``reserved``: names the
    generated code must not use for values (helpers, globals the code reads, builtins).
    ``inlined``: values printed inside their reader (they need no name)."""
    intervals = Intervals(function.body, function.params, inlined)
    positions = Positions(function, inlined)
    groups = UnionFind()
    pending = []  # (a, b) pairs that should share a name

    def want(a, b):
        if a.__class__ is Var and b.__class__ is Var:
            pending.append((a, b))

    _collect(function.body, want, in_place)
    for a, b in function.share:
        want(a, b)
    members: dict = {}

    def group_span(root):
        vs = members[root]
        return min(intervals.start[v] for v in vs), max(intervals.end[v] for v in vs)

    for v in intervals.start:
        members[v] = [v]
    for a, b in pending:
        if a not in intervals.start or b not in intervals.start:
            continue  # printed inside its reader: it needs no name
        ra, rb = groups.find(a), groups.find(b)
        if ra is rb:
            continue
        if any(positions.interfere(x, y) for x in members[ra] for y in members[rb]):
            continue  # they are alive at once: keep apart (the printer copies)
        if {v.hint for v in members[ra] if v.user} | {v.hint for v in members[rb] if v.user} \
                - {None} and len({v.hint for v in members[ra] + members[rb] if v.user}) > 1:
            continue  # two of the user's variables: keep both names (h = x, not x for h)
        groups.union(ra, rb)
        root = groups.find(ra)
        other = rb if root is ra else ra
        members[root] = members[ra] + members[rb] if root is ra else members[rb] + members[ra]
        members.pop(other, None)
    # name the groups in order of definition; parameters keep the user's names
    roots = sorted(members, key=lambda r: min(intervals.start[v] for v in members[r]))
    taken: dict[str, list] = {}  # name -> spans of the groups using it
    names = {}
    for p in function.params:
        root = groups.find(p)
        for v in members.get(root, [p]):
            names[v] = p.hint
        taken.setdefault(p.hint, []).append(group_span(root) if root in members else (0, 0))
    for root in roots:
        if root in names:
            continue
        vs = members[root]
        user = [v for v in vs if v.user]
        base = _clean((user[0] if user else vs[0]).hint)
        span = group_span(root)
        name = _first_free(base, span, taken, reserved)
        taken.setdefault(name, []).append(span)
        for v in vs:
            names[v] = name
    return names


def free_names(function) -> set:
    """Names the printed function reads that are not its values: globals and closure
    variables (the roots of ``Free`` paths) and callees as the user wrote them."""
    from . import walk
    from .core import Free
    found = set()
    for atom in walk.all_reads(function.body):
        if atom.__class__ is Free:
            found.add(atom.path.split(".")[0].split("[")[0])
    for stmt in walk.statements(function.body):
        if stmt.__class__ is Op:
            if isinstance(stmt.fn, str):
                found.add(stmt.fn.split(".")[0])
            elif stmt.fn.__class__ is Free:
                found.add(stmt.fn.path.split(".")[0])
    return found


def _collect(block, want, in_place) -> None:
    for stmt in block.stmts:
        kind = stmt.__class__
        if kind is Op:
            if stmt in in_place:
                want(stmt.outs[-1] if stmt.kind == "pop" else stmt.outs[0], stmt.args[0])
        elif kind is If:
            for out, a, b in zip(stmt.outs, stmt.then.yields, stmt.orelse.yields):
                want(out, a)
                want(out, b)
            _collect(stmt.then, want, in_place)
            _collect(stmt.orelse, want, in_place)
        else:
            for out, p, init, y in zip(stmt.outs, stmt.params, stmt.inits, stmt.body.yields):
                want(out, p)
                want(p, y)
                want(p, init)
            for inner in stmt.blocks():
                _collect(inner, want, in_place)


def _clean(hint: str) -> str:
    base = re.sub(r"\W", "_", hint).strip("_") or "t"
    if base[0].isdigit():
        base = "v" + base
    return base


def _first_free(base: str, span, taken: dict, reserved: set) -> str:
    stem = re.sub(r"_\d+$", "", base) or base
    for name in itertools.chain((base,), (f"{stem}_{i}" for i in itertools.count(1))):
        if name in reserved or keyword.iskeyword(name) or hasattr(builtins, name):
            continue
        spans = taken.get(name, ())
        if all(span[1] <= s[0] or s[1] <= span[0] for s in spans):
            return name
    raise AssertionError("unreachable: itertools.count never ends")
