"""Pass 2b: structured control flow. Jumps become nesting, loops become counted loops.

The reverse transform replays a loop body backwards by popping what each iteration recorded;
that is easy when every path through the body runs to its end. This pass rewrites:

* ``for x in xs`` (arrays, lists, ``enumerate``, ``zip``, ``reversed``) into a loop over
  ``range`` indices with ``x = xs[i]``, so the adjoint of ``x`` flows back into ``xs[i]``;
* ``break``/``continue``/``return`` in the middle of a block: the statements after a branch that
  jumps move into the branches that fall through, so jumps only end branches;
* ``return`` inside a loop into ``result = value; returned = True; break`` plus a check after the
  loop; ``else:`` on a loop into a flag set at each ``break``;
* returns in branches into one ``return`` at the end of the function.
"""
from __future__ import annotations

import copy

import gast

from . import nodes
from .naming import Namer
from .resolve import Scope

_JUMPS = (gast.Break, gast.Continue, gast.Return)


class Structurer:
    def __init__(self, scope: Scope, namer: Namer):
        self.scope = scope
        self.namer = namer
        self.result = None  # the variable every return assigns, once one is needed

    # -- loops ---------------------------------------------------------------------------------
    def loop(self, stmt) -> list:
        """Rewrite one loop; returns the statements that replace it."""
        before = []
        if isinstance(stmt, gast.For):
            before, stmt = self.counted(stmt)
        stmt.body = self.block(stmt.body, in_loop=True)
        returned = None
        if _contains(stmt.body, gast.Return, into_loops=False):
            returned = self.namer.fresh("returned")
            before.append(_at(nodes.assign(returned, nodes.const(False)), stmt))
            stmt.body = _replace_returns(stmt.body, self._result_name(), returned)
            stmt.body = self.block(stmt.body, in_loop=True)
        after = []
        if stmt.orelse:
            if _contains(stmt.body, gast.Break, into_loops=False):
                broke = self.namer.fresh("broke")
                before.append(_at(nodes.assign(broke, nodes.const(False)), stmt))
                stmt.body = _flag_breaks(stmt.body, broke)
                test = gast.UnaryOp(op=gast.Not(), operand=nodes.load(broke))
                after.append(_at(gast.If(test=test, body=stmt.orelse, orelse=[]), stmt))
            else:
                after.extend(stmt.orelse)
            stmt.orelse = []
        stmt.body = _drop_tail_continues(stmt.body)
        if returned is not None:
            ret = _at(gast.Return(value=nodes.load(self._result_name())), stmt)
            after.append(_at(gast.If(test=nodes.load(returned), body=[ret], orelse=[]), stmt))
        return before + [stmt] + after

    def counted(self, stmt: gast.For):
        """``for x in xs`` -> ``for i in range(len(xs)): x = xs[i]`` (range loops stay)."""
        it = stmt.iter
        if isinstance(it, gast.Call) and self.scope.resolve(it.func) is range:
            return [], stmt
        from ..runtime_flow import sequence
        seq_fn = nodes.load(_runtime_name(self, sequence, "sequence"))
        index = self.namer.fresh("i")
        before, item_of = [], []

        def seq(expr, hint):
            name = self.namer.fresh(hint)
            before.append(_at(nodes.assign(name, nodes.call(seq_fn, expr)), stmt))
            return name

        def item(name):
            return gast.Subscript(value=nodes.load(name), slice=nodes.load(index),
                                  ctx=gast.Load())

        func = self.scope.resolve(it.func) if isinstance(it, gast.Call) else None
        if func is reversed and len(it.args) == 1:
            length, value = self.iteration(it.args[0], index, seq, item)
            top = nodes.binop(length, gast.Sub(), nodes.const(1))
            rng = nodes.call("range", top, nodes.const(-1), nodes.const(-1))
        else:
            length, value = self.iteration(it, index, seq, item)
            rng = nodes.call("range", length)
        target = _as_store(stmt.target)
        bind = _at(gast.Assign(targets=[target], value=value, type_comment=None), stmt)
        new = gast.For(target=nodes.store(index), iter=rng, body=[bind] + stmt.body,
                       orelse=stmt.orelse, type_comment=None)
        return before + item_of, _at(new, stmt)

    def iteration(self, it, index: str, seq, item):
        """(number of iterations, value of iteration ``index``) of iterating over ``it``."""
        func = self.scope.resolve(it.func) if isinstance(it, gast.Call) else None
        if func is enumerate and it.args:
            length, inner = self.iteration(it.args[0], index, seq, item)
            start = it.args[1] if len(it.args) > 1 else nodes.const(0)
            value = nodes.tuple_([nodes.binop(nodes.load(index), gast.Add(), start), inner])
            return length, value
        if func is zip and it.args:
            parts = [self.iteration(a, index, seq, item) for a in it.args]
            length = nodes.call("min", *[p[0] for p in parts]) if len(parts) > 1 else parts[0][0]
            return length, nodes.tuple_([p[1] for p in parts])
        if func is reversed and len(it.args) == 1:
            name = seq(it.args[0], "items")
            length = nodes.call("len", nodes.load(name))
            last = nodes.binop(nodes.binop(nodes.clone(length), gast.Sub(), nodes.const(1)),
                               gast.Sub(), nodes.load(index))
            return length, gast.Subscript(value=nodes.load(name), slice=last, ctx=gast.Load())
        name = seq(it, "items")
        return nodes.call("len", nodes.load(name)), item(name)

    def _result_name(self) -> str:
        if self.result is None:
            self.result = self.namer.fresh("result")
        return self.result

    # -- blocks --------------------------------------------------------------------------------
    def block(self, stmts: list, in_loop: bool) -> list:
        out = []
        for i, stmt in enumerate(stmts):
            if isinstance(stmt, (gast.For, gast.While)):
                if getattr(stmt, "sg_structured", False):
                    out.append(stmt)
                    continue
                # what the loop turns into (flags, the loop, checks after it) is structured
                # together with the rest of the block: a check may jump past the rest
                replaced = self.loop(stmt)
                stmt.sg_structured = True
                return out + self.block(replaced + stmts[i + 1:], in_loop)
            if isinstance(stmt, gast.If):
                stmt.body = self.block(stmt.body, in_loop)
                stmt.orelse = self.block(stmt.orelse, in_loop)
                out.append(stmt)
                rest = stmts[i + 1:]
                if _may_jump(stmt) and rest:
                    for branch in ("body", "orelse"):
                        block = getattr(stmt, branch)
                        if not _ends_in_jump(block):
                            setattr(stmt, branch,
                                    self.block(block + copy.deepcopy(rest), in_loop))
                    return out
                if _ends_in_jump(stmt.body) and _ends_in_jump(stmt.orelse):
                    return out  # the rest is unreachable
                continue
            out.append(stmt)
            if isinstance(stmt, _JUMPS):
                return out  # the rest of the block is unreachable
        return out

    def function(self, fn_node: gast.FunctionDef) -> None:
        if not _contains(fn_node.body, gast.Return, into_loops=True):
            from ..errors import TransformError
            raise TransformError(f"{fn_node.name}() has no return statement: there is no "
                                 "value to differentiate", None, "End it with 'return <value>'.")
        body = self.block(fn_node.body, in_loop=False)
        if not _has_inner_return(body):
            fn_node.body = body
            return
        name = self._result_name()
        fn_node.body = _returns_to_assign(body, name)
        last = body[-1] if body else fn_node
        fn_node.body.append(_at(gast.Return(value=nodes.load(name)), last))


def _runtime_name(structurer: Structurer, obj, preferred: str) -> str:
    """A name the rewritten code may call ``obj`` by (a runtime helper the user does not see)."""
    scope = structurer.scope
    if preferred not in scope.locals and scope.lookup(preferred) is obj:
        return preferred
    name = structurer.namer.helper(obj, preferred)
    scope.generated[name] = obj
    return name


def _at(node, origin):
    """Give a synthesized subtree the user's location (errors and comments point there)."""
    for sub in nodes.walk(node):
        if getattr(sub, "lineno", None) is None and hasattr(sub, "_attributes") and \
                "lineno" in sub._attributes:
            gast.copy_location(sub, origin)
    return node


def _as_store(target):
    target = copy.deepcopy(target)
    for n in nodes.walk(target):
        if hasattr(n, "ctx") and isinstance(n, (gast.Name, gast.Tuple, gast.List)):
            n.ctx = gast.Store()
    return target


def _contains(stmts, kind, into_loops: bool) -> bool:
    for stmt in stmts:
        if isinstance(stmt, kind):
            return True
        if isinstance(stmt, gast.If) and (_contains(stmt.body, kind, into_loops) or
                                          _contains(stmt.orelse, kind, into_loops)):
            return True
        if isinstance(stmt, (gast.For, gast.While)) and (into_loops or kind is gast.Return) \
                and _contains(stmt.body, kind, into_loops):
            return True
    return False


def _may_jump(stmt: gast.If) -> bool:
    return _contains(stmt.body, _JUMPS, False) or _contains(stmt.orelse, _JUMPS, False)


def _ends_in_jump(block: list) -> bool:
    if not block:
        return False
    last = block[-1]
    if isinstance(last, _JUMPS):
        return True
    if isinstance(last, gast.If):
        return _ends_in_jump(last.body) and _ends_in_jump(last.orelse)
    return False


def _map_tails(block: list, fn) -> list:
    """Apply ``fn`` to every jump at the end of a path through ``block`` (not inside loops)."""
    out = []
    for stmt in block:
        if isinstance(stmt, _JUMPS):
            out.extend(fn(stmt))
        elif isinstance(stmt, gast.If):
            stmt.body = _map_tails(stmt.body, fn)
            stmt.orelse = _map_tails(stmt.orelse, fn)
            out.append(stmt)
        else:
            out.append(stmt)
    return out


def _replace_returns(block, result: str, flag: str) -> list:
    def fn(stmt):
        if not isinstance(stmt, gast.Return):
            return [stmt]
        value = stmt.value or nodes.const(None)
        return [_at(nodes.assign(result, value), stmt), _at(nodes.assign(flag, nodes.const(True)),
                                                             stmt), _at(gast.Break(), stmt)]
    return _map_tails(block, fn)


def _flag_breaks(block, flag: str) -> list:
    def fn(stmt):
        if isinstance(stmt, gast.Break):
            return [_at(nodes.assign(flag, nodes.const(True)), stmt), stmt]
        return [stmt]
    return _map_tails(block, fn)


def _drop_tail_continues(block) -> list:
    out = _map_tails(block, lambda s: [] if isinstance(s, gast.Continue) else [s])
    return out


def _has_inner_return(body) -> bool:
    return any(isinstance(s, gast.If) and _contains([s], gast.Return, False) for s in body) or \
        bool(body) and not isinstance(body[-1], gast.Return)


def _returns_to_assign(block, name: str) -> list:
    def fn(stmt):
        if isinstance(stmt, gast.Return):
            return [_at(nodes.assign(name, stmt.value or nodes.const(None)), stmt)]
        return [stmt]
    return _map_tails(block, fn)


def structure(fn_node: gast.FunctionDef, scope: Scope, namer: Namer) -> None:
    Structurer(scope, namer).function(fn_node)
