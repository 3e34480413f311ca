"""Program points as paths through the structured IR, and the questions they answer exactly:
does a value exist when a statement runs, and can it be read afterwards? (Liveness, for
in-place writes and for which values may share a Python name.)

A path is a statement index per block level and, inside a region, which of its blocks: -1
for the region's own values (a loop's carried values, before its blocks), ``AFTER`` for its
outputs (defined once its blocks have run). A read in the other branch of a branch is never
"after"; a read anywhere in a loop is, through the back edge, for a value defined before the
loop.
"""
from __future__ import annotations

from . import walk
from .callees import shape_only_operands
from .core import If, Op, Var

AFTER = 10 ** 9  # the block slot of a region's outputs


class Positions:
    """Where each statement is and where each value is defined and read, as paths.
    ``inlined`` (Var -> Op): values the printer writes inside their reader; their operands
    are read where that reader is. ``live``: when given, only reads by live statements count
    (a pure operation whose results nobody uses observes nothing)."""

    def __init__(self, function, inlined=None, live=None):
        self.inlined = inlined or {}
        self.live = live
        self.at: dict = {}  # statement -> path
        self.reads: dict = {}  # Var -> [path]
        self.shape_reads: dict = {}  # Var -> [path] of reads of its type, shape, dtype only
        self.defined: dict = {}  # Var -> path of its definition
        self.loops: dict = {}  # path of a loop statement -> the Loop
        for p in function.params:
            self.defined[p] = ()
        self._block(function.body, ())

    def _read(self, atom, path, shape_only=False) -> None:
        if atom.__class__ is Var:
            op = self.inlined.get(atom)
            if op is not None:
                for a in op.operands():
                    self._read(a, path)
                return
            (self.shape_reads if shape_only else self.reads).setdefault(atom, []).append(path)

    def _block(self, block, prefix, region=None) -> None:
        for i, stmt in enumerate(block.stmts):
            here = prefix + (i,)
            self.at[stmt] = here
            kind = stmt.__class__
            if kind is Op:
                if stmt.outs and stmt.outs[0] in self.inlined:
                    continue  # (read where its reader is)
                if self.live is None or not stmt.pure or not stmt.outs or \
                        any(o in self.live for o in stmt.outs):
                    shape_only = shape_only_operands(stmt)
                    for i, a in enumerate(stmt.args):
                        self._read(a, here, i in shape_only)
                    for _, a in stmt.kwargs:
                        self._read(a, here)
                for out in stmt.outs:
                    self.defined[out] = here
                continue
            for a in walk.reads(stmt):
                self._read(a, here + (-1,))
            if kind is not If:
                self.loops[here] = stmt
                for v in ([stmt.index] if stmt.index is not None else []) + stmt.params:
                    self.defined[v] = here + (-1,)
            for b, inner in enumerate(stmt.blocks()):
                self._block(inner, here + (b,), stmt)
            if kind is not If and stmt.brk is not None:
                self._read(stmt.brk, here + (len(stmt.blocks()) - 1, AFTER))
            for out in stmt.outs:
                self.defined[out] = here + (AFTER,)
        for k, a in enumerate(block.yields):
            if self.live is None or region is None or _yield_live(region, block, k, self.live):
                self._read(a, prefix + (len(block.stmts),))

    # -- questions by statement ----------------------------------------------------------------
    def exists_at(self, var, op) -> bool:
        """Whether ``var`` is defined when ``op`` runs (not only later, or on another path)."""
        return self._exists(var, self.at[op])

    def read_after(self, var, op, shape=True) -> bool:
        """Whether ``var`` may be read after ``op`` runs (``op`` itself excluded); with
        ``shape=False``, reads of only its type, shape and dtype do not count."""
        w = self.at[op]
        return self._read_after(var, w, self.reads) or \
            (shape and self._read_after(var, w, self.shape_reads))

    def interfere(self, a, b) -> bool:
        """Whether ``a`` and ``b`` are alive at once (then they cannot share a Python name):
        one is defined while the other exists and is still read afterwards."""
        return self._alive_at(a, self.defined.get(b)) or self._alive_at(b, self.defined.get(a))

    # -- by path ------------------------------------------------------------------------------
    def _alive_at(self, var, path) -> bool:
        if path is None:
            return True
        return self._exists(var, path) and (self._read_after(var, path, self.reads) or
                                            self._read_after(var, path, self.shape_reads))

    def _exists(self, var, w) -> bool:
        d = self.defined.get(var, ())
        for j, (a, b) in enumerate(zip(d, w)):
            if a != b:
                if j % 2 == 0:
                    return a < b
                # a region's own values come first; a loop's header runs before its body;
                # its outputs after everything in it; two branches never meet
                return a == -1 or b == AFTER or (w[:j] in self.loops and a < b)
        return len(d) <= len(w)

    def _read_after(self, var, w, reads) -> bool:
        d = self.defined.get(var, ())
        for r in reads.get(var, ()):
            if r == w:
                continue
            if _later(r, w):
                return True
            # the back edge of a loop around w, for a value from before that loop
            for depth in range(1, len(w), 2):
                loop_path = w[:depth]
                if loop_path in self.loops and r[:depth] == loop_path and \
                        len(r) > depth and 0 <= r[depth] < AFTER and d[:depth] != loop_path:
                    return True
        return False


def _yield_live(region, block, k, live) -> bool:
    """Whether what a region's block yields in slot ``k`` is used: the branch output, or the
    loop's carried value (next iteration) or output (a while loop's test always is)."""
    if region.__class__ is If:
        return region.outs[k] in live
    if block is region.header or k >= len(region.params):
        return True
    return region.params[k] in live or region.outs[k] in live


def _later(r, w) -> bool:
    for j, (a, b) in enumerate(zip(r, w)):
        if a != b:
            if j % 2 == 0:
                return a > b  # two statements of one block
            return a == AFTER  # after a region's blocks; else another branch, or header
    return len(r) > len(w)
